using System.Text;
using CommunityModel.Conditions;
using CommunityModel.Serialization.Json;
using CommunityModel.Groups;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Simulation;
using CommunityModel.Tests.Membership;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Conditions;

/// <summary>One condition model for tiers and screening: value equality, composition laws, limits, and who accepts which leaf.</summary>
public class ConditionTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    private static Gen<Condition> ScreeningLeaf { get; } = Gen.OneOf(
        Gen.Constant((Condition)new IsCustomer()),
        Gen.Constant((Condition)new ApprovedByHost()),
        Gen.Constant((Condition)new NotBlocklisted()),
        Gen.Choose(0, 4).Select(n => (Condition)new MinPurchases(n)));

    private static Gen<Condition> Screening(int depth) => depth == 0
        ? ScreeningLeaf
        : Gen.Frequency(
            (3, ScreeningLeaf),
            (1, Screening(depth - 1).Select(c => !c)),
            (1, Screening(depth - 1).ArrayOf().Where(a => a.Length is > 0 and <= 4).Select(a => (Condition)new AllOf([.. a]))),
            (1, Screening(depth - 1).ArrayOf().Where(a => a.Length is > 0 and <= 4).Select(a => (Condition)new AnyOf([.. a]))));

    private static Gen<Candidate> Candidates { get; } =
        from customer in Gen.Elements(true, false)
        from purchases in Gen.Choose(0, 5)
        from approved in Gen.Elements(true, false)
        from blocked in Gen.Elements(true, false)
        select new Candidate(customer, purchases, approved, blocked);

    private static GroupPolicy WithScreening(Condition condition) =>
        StoreDefaults.GroupPolicy(T0) with { Admission = new AdmissionRules { Screenings = [new Screening("r", condition)] } };

    [Property(MaxTest = 200)]
    public Property Screening_ReadBackFromJson_IsEqual_AndDecidesTheSame() =>
        Prop.ForAll(Screening(3).ToArbitrary(), Candidates.ToArbitrary(), (condition, candidate) =>
        {
            var policy = GroupPolicy.Create(WithScreening(condition));
            var read = ConfigJson.ReadGroupPolicy(ConfigJson.Write(policy));
            Assert.True(read.IsValid, string.Join("; ", read.Problems));
            var back = read.Value!.Admission.Screenings[0];
            Assert.Equal(condition, back.Condition);
            Assert.Equal(condition.GetHashCode(), back.Condition.GetHashCode());
            Assert.Equal(policy.Admission.Screenings[0].Admits(candidate), back.Admits(candidate));
        });

    [Property(MaxTest = 200)]
    public Property Compositions_FollowTheirLaws() =>
        Prop.ForAll(Screening(2).ToArbitrary(), Screening(2).ToArbitrary(), Candidates.ToArbitrary(), (a, b, candidate) =>
        {
            bool Admits(Condition c) => new Screening("r", c).Admits(candidate);
            Assert.Equal(!Admits(a), Admits(!a));
            Assert.Equal(Admits(a), Admits(!!a));
            Assert.Equal(Admits(a) && Admits(b), Admits(a & b));
            Assert.Equal(Admits(a) || Admits(b), Admits(a | b));
            Assert.Equal(Admits(!(a & b)), Admits(!a | !b));
        });

    [Fact]
    public void Compositions_HaveValueEquality()
    {
        Assert.Equal(new AllOf([new IsCustomer(), new MinPurchases(2)]), new AllOf([new IsCustomer(), new MinPurchases(2)]));
        Assert.Equal(new AllOf([new IsCustomer(), new MinPurchases(2)]).GetHashCode(), new AllOf([new IsCustomer(), new MinPurchases(2)]).GetHashCode());
        Assert.NotEqual(new AllOf([new IsCustomer(), new MinPurchases(2)]), new AllOf([new IsCustomer(), new MinPurchases(3)]));
        Assert.NotEqual<Condition>(new AllOf([new IsCustomer()]), new AnyOf([new IsCustomer()]));
        Assert.Equal(new Not(new IsCustomer()), !new IsCustomer());
        Assert.Equal(new AnyOf([new IsCustomer(), new ApprovedByHost()]), new IsCustomer() | new ApprovedByHost());
        Assert.Equal("(be a customer and not be on the blocklist)", (new IsCustomer() & new NotBlocklisted()).Describe());
    }

    [Fact]
    public void TierConditionsReadFromOneFile_AreEqual()
    {
        var text = File.ReadAllText(CommunityModel.Tests.Serialization.PolicyJsonTests.SamplePath("membership.json"));
        var a = ConfigJson.ReadMembershipPolicy(text).Value!;
        var b = ConfigJson.ReadMembershipPolicy(text).Value!;
        Assert.NotSame(a.Tiers[^1].Qualify, b.Tiers[^1].Qualify);
        Assert.Equal(a.Tiers[^1].Qualify, b.Tiers[^1].Qualify);
    }

    [Fact]
    public void EachPlace_AcceptsItsOwnLeaves_AndSaysWhichItRefuses()
    {
        var tiers = MembershipTests.BabyStorePolicy();
        var withNot = tiers with { Tiers = tiers.Tiers.SetItem(1, tiers.Tiers[1] with { Qualify = !new OrdersAtLeast(1, MembershipWindow.Lifetime) }) };
        var e = Assert.Throws<InvalidInputException>(() => MembershipPolicy.Create(withNot));
        Assert.Equal(("Tiers[1].Qualify", "membership.condition.not"), (e.Problems.Single().Path, e.Problems.Single().Code));

        var withScreeningLeaf = tiers with { Tiers = tiers.Tiers.SetItem(1, tiers.Tiers[1] with { Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) & new IsCustomer() }) };
        e = Assert.Throws<InvalidInputException>(() => MembershipPolicy.Create(withScreeningLeaf));
        Assert.Equal(("Tiers[1].Qualify.Conditions[1]", "membership.condition.foreign"), (e.Problems.Single().Path, e.Problems.Single().Code));

        e = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(WithScreening(new IsCustomer() | new OrdersAtLeast(1, MembershipWindow.Lifetime))));
        Assert.Equal(("Admission.Screenings[0].Condition.Conditions[1]", "group.screening.foreign"), (e.Problems.Single().Path, e.Problems.Single().Code));

        e = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(WithScreening(!new MinPurchases(-1) & new AllOf([]))));
        Assert.Equal(
            [("Admission.Screenings[0].Condition.Conditions[0].Condition.Purchases", "group.screening.range"), ("Admission.Screenings[0].Condition.Conditions[1]", "group.screening.empty")],
            e.Problems.Select(x => (x.Path, x.Code)));
    }

    [Fact]
    public void Limits_HoldInCode_AndInFiles()
    {
        var wide = new AnyOf([.. Enumerable.Range(0, Condition.MaxOperands + 1).Select(i => (Condition)new MinPurchases(i))]);
        var e = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(WithScreening(wide)));
        Assert.Equal("group.screening.too-many", e.Problems.Single().Code);
        GroupPolicy.Create(WithScreening(new AnyOf([.. wide.Conditions.Take(Condition.MaxOperands)])));

        Condition deep = new IsCustomer();
        for (var i = 0; i < Condition.MaxDepth + 1; i++)
        {
            deep = new AllOf([deep]);
        }

        e = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(WithScreening(deep)));
        Assert.Equal("group.screening.too-deep", e.Problems.Single().Code);

        // A file with 20,000 operands is refused while it is read, at the 101st.
        var json = new StringBuilder("""{ "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z", "admission": { "screenings": [ { "ruleId": "r", "condition": { "type": "anyOf", "conditions": [""");
        json.AppendJoin(",", Enumerable.Repeat("""{ "type": "isCustomer" }""", 20_000));
        json.Append("]} } ] } }");
        var result = ConfigJson.ReadGroupPolicy(json.ToString());
        Assert.False(result.IsValid);
        var problem = result.Problems.Single();
        Assert.Equal("json.value", problem.Code);
        Assert.Contains("more than 100 conditions", problem.Message, StringComparison.Ordinal);
    }
}
