using System.Reflection;
using CommunityModel.Commissions;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Simulation;
using CommunityModel.Tests.Membership;
using NodaTime;

namespace CommunityModel.Tests.Primitives;

/// <summary>One error model: one exception type with every problem, the same problems without throwing, codes on outcomes, and no FluentValidation type in the public API.</summary>
public class ErrorModelTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    [Fact]
    public void CreateThrowsAndTryCreateReturns_TheSameProblems()
    {
        var plan = new CommissionPlanDefinition { Name = "", Currency = Currency.CNY, Levels = new LevelRule { Rates = [Rate.FromPercent(60), Rate.FromPercent(50)] } };
        var thrown = Assert.Throws<InvalidInputException>(() => CommissionPlan.Create(plan));
        Assert.False(CommissionPlan.TryCreate(plan, out var none, out var problems));
        Assert.Null(none);
        Assert.Equal(thrown.Problems, problems);
        Assert.Equal(thrown.Problems, plan.Validate());
        Assert.True(thrown.Problems.Length >= 2);
        Assert.Equal(thrown.Problems[0].Code, thrown.Code);
        Assert.Contains(thrown.Problems, p => p is { Path: "Name", Code: "plan.name.empty" });
        Assert.True(CommissionPlan.TryCreate(plan with { Name = "ok", Levels = new LevelRule { Rates = [Rate.FromPercent(10)] } }, out var built, out var noProblems));
        Assert.NotNull(built);
        Assert.Empty(noProblems);

        var policy = MembershipTests.BabyStorePolicy() with { Version = "", ZoneId = "Mars/Olympus" };
        var policyThrown = Assert.Throws<InvalidInputException>(() => MembershipPolicy.Create(policy));
        Assert.False(MembershipPolicy.TryCreate(policy, out _, out var policyProblems));
        Assert.Equal(policyThrown.Problems, policyProblems);
        Assert.True(MembershipPolicy.TryCreate(MembershipTests.BabyStorePolicy(), out var valid, out _));
        Assert.NotNull(valid);

        var group = StoreDefaults.GroupPolicy(T0) with { Version = "", Admission = new AdmissionRules { Capacity = 0 } };
        var groupThrown = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(group));
        Assert.False(GroupPolicy.TryCreate(group, out _, out var groupProblems));
        Assert.Equal(groupThrown.Problems, groupProblems);

        var ladder = new ProductLadderDefinition(Currency.CNY, []);
        var ladderThrown = Assert.Throws<InvalidInputException>(() => ProductLadder.Create(ladder.Currency, ladder.Rungs));
        Assert.False(ProductLadder.TryCreate(ladder, out _, out var ladderProblems));
        Assert.Equal(ladderThrown.Problems, ladderProblems);
    }

    [Fact]
    public void ABrokenRule_IsOneProblemWithTheRuleAttached_AndTheExceptionIsAnArgumentException()
    {
        var e = Assert.Throws<InvalidInputException>(() => Money.Parse("CNY 1.00") + Money.Parse("USD 1.00"));
        Assert.IsAssignableFrom<ArgumentException>(e);
        Assert.IsType<CurrencyMismatchRule>(e.Rule);
        Assert.Equal("money.currency.mismatch", Assert.Single(e.Problems).Code);
        Assert.Equal(e.Rule!.Message + " (money.currency.mismatch)", e.Message);
        Assert.Throws<ArgumentException>(() => new InvalidInputException(Array.Empty<Problem>()));
    }

    [Fact]
    public void InvalidGroupEvents_CarryAStableCode()
    {
        var group = new GroupState(StoreDefaults.GroupPolicy(T0));
        var outcome = group.Apply(new MessagePosted(T0 + Duration.FromHours(1), MemberId.From("stranger"), "hello"));
        Assert.Equal((GroupEventStatus.Invalid, "group.event.not-a-member"), (outcome.Status, outcome.ErrorCode));
        Assert.Contains("stranger", outcome.Error, StringComparison.Ordinal);
        group.Apply(new MemberAdded(T0 + Duration.FromHours(1), MemberId.From("li")));
        Assert.Equal("group.event.already-a-member", group.Apply(new MemberAdded(T0 + Duration.FromHours(2), MemberId.From("li"))).ErrorCode);
        Assert.Equal("group.event.out-of-order", group.Apply(new MessagePosted(T0, MemberId.From("li"), "late")).ErrorCode);
        Assert.Null(group.Apply(new MessagePosted(T0 + Duration.FromHours(3), MemberId.From("li"), "hello")).ErrorCode);
    }

    [Fact]
    public void NoPublicSignature_MentionsFluentValidation()
    {
        var assemblies = new[] { typeof(Money).Assembly, typeof(CommunitySimulator).Assembly, typeof(CommunityModel.Serialization.Json.ConfigJson).Assembly };
        var leaks = new List<string>();
        foreach (var type in assemblies.SelectMany(a => a.GetExportedTypes()))
        {
            for (var b = type.BaseType; b is not null; b = b.BaseType)
            {
                Check(type.Name + " derives from", b);
            }

            foreach (var i in type.GetInterfaces())
            {
                Check(type.Name + " implements", i);
            }

            foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                switch (m)
                {
                    case MethodInfo method:
                        Check($"{type.Name}.{m.Name} returns", method.ReturnType);
                        foreach (var p in method.GetParameters())
                        {
                            Check($"{type.Name}.{m.Name}({p.Name})", p.ParameterType);
                        }

                        break;
                    case PropertyInfo property:
                        Check($"{type.Name}.{m.Name}", property.PropertyType);
                        break;
                    case ConstructorInfo ctor:
                        foreach (var p in ctor.GetParameters())
                        {
                            Check($"{type.Name}..ctor({p.Name})", p.ParameterType);
                        }

                        break;
                }
            }
        }

        Assert.Empty(leaks);

        void Check(string where, Type t)
        {
            if (t.Namespace?.StartsWith("FluentValidation", StringComparison.Ordinal) == true || (t.IsGenericType && t.GetGenericArguments().Any(a => a.Namespace?.StartsWith("FluentValidation", StringComparison.Ordinal) == true)))
            {
                leaks.Add($"{where} {t.FullName}");
            }
        }
    }
}
