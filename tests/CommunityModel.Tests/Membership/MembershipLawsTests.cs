using CommunityModel.Conditions;
using System.Collections.Immutable;
using System.Globalization;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Membership;

/// <summary>A generated program: a policy, a tree shape and orders, printable as a counterexample.</summary>
public sealed record ProgramCase(MembershipPolicy Policy, int[] Parent, (int Buyer, long Amount, int Product, int Day)[] Orders)
{
    public static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    public static readonly Instant Epoch = new LocalDateTime(2026, 1, 1, 0, 0).InZoneStrictly(Shanghai).ToInstant();
    public static readonly Instant T = new LocalDateTime(2026, 6, 15, 12, 0).InZoneStrictly(Shanghai).ToInstant();
    public static readonly ProductId[] Products = [ProductId.From("box"), ProductId.From("gift"), ProductId.From("vip")];

    public static string Id(int i) => "m" + i.ToString(CultureInfo.InvariantCulture);

    public List<JoinRecord> Joins() =>
        Parent.Select((p, i) => new JoinRecord(MemberId.From(Id(i)), p < 0 ? (MemberId?)null : new MemberId(Id(p)), Epoch + Duration.FromMinutes(i))).ToList();

    public List<Order> OrderList() =>
        Orders.Select((o, k) => new Order(OrderId.From("o" + k.ToString(CultureInfo.InvariantCulture)), MemberId.From(Id(o.Buyer)), Products[o.Product], Money.OfMinor(o.Amount, Currency.CNY), Epoch + Duration.FromDays(o.Day) + Duration.FromMinutes(k))).ToList();

    public override string ToString() =>
        $"tiers=[{string.Join("; ", Policy.Tiers.Select(t => $"{t.Id}: {t.Qualify?.Describe()} / keep {t.Retain?.Describe()}"))}] min={Policy.MinimumTierDuration} grace={Policy.GracePeriod} mode={Policy.Downgrade} parent=[{string.Join(",", Parent)}] orders=[{string.Join(",", Orders.Select(o => $"{o.Buyer}:{o.Amount}:{o.Product}@{o.Day}"))}]";
}

public static class MembershipGens
{
    private static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    private static readonly MembershipWindow[] SharedWindows = [MembershipWindow.Lifetime, MembershipWindow.Month, MembershipWindow.Quarter, MembershipWindow.Year, MembershipWindow.Rolling(30)];
    private static readonly MembershipWindow[] AllWindows = [.. SharedWindows, MembershipWindow.SinceJoinAnniversary, MembershipWindow.SinceTierAnniversary];

    public static Gen<Condition> Leaf { get; } = Gen.OneOf(
        from a in Gen.Choose(1, 200_000) from w in Gen.Elements(AllWindows) select (Condition)new SpendAtLeast(Cny(a), w),
        from n in Gen.Choose(1, 3) from w in Gen.Elements(AllWindows) select (Condition)new OrdersAtLeast(n, w),
        from p in Gen.Elements<ProductId>(ProductId.From("box"), ProductId.From("gift")) from w in Gen.Elements(AllWindows) select (Condition)new BoughtProduct(p, w),
        from n in Gen.Choose(1, 2) from w in Gen.Elements(AllWindows) select (Condition)new DirectReferralsWhoBought(n, w),
        from a in Gen.Choose(1, 100_000) from w in Gen.Elements(SharedWindows) select (Condition)new TeamSpendAtLeast(Cny(a), w),
        Gen.Constant((Condition)new HasPaidMembership()),
        Gen.Constant((Condition)new GrantedManually()));

    public static Gen<Condition> Condition { get; } = Gen.Frequency(
        (3, Leaf),
        (1, from a in Leaf from b in Leaf select a & b),
        (1, from a in Leaf from b in Leaf select a | b));

    public static Gen<MembershipPolicy> Policy { get; } =
        from tierCount in Gen.Choose(2, 5)
        from qualify in Condition.ArrayOf(tierCount)
        from retain in Gen.Frequency((1, Gen.Constant<Condition?>(null)), (2, Leaf.Select(l => (Condition?)l))).ArrayOf(tierCount)
        from minimum in Gen.Elements(Period.Zero, Period.FromMonths(1))
        from grace in Gen.Elements(Period.Zero, Period.FromMonths(1))
        from mode in Gen.Elements(DowngradeMode.OneTierAtATime, DowngradeMode.StraightToSupported)
        select MembershipPolicy.Create(new MembershipPolicy
        {
            Version = "gen",
            EffectiveFrom = ProgramCase.Epoch,
            Currency = Currency.CNY,
            MinimumTierDuration = minimum,
            GracePeriod = grace,
            Downgrade = mode,
            PaidPlans = [new PaidMembershipPlan(ProductId.From("vip"), "t1", Period.FromMonths(3))],
            Tiers = Enumerable.Range(0, tierCount).Select(i => i == 0
                ? new MembershipTier { Id = "t0" }
                : new MembershipTier { Id = "t" + i.ToString(CultureInfo.InvariantCulture), Qualify = qualify[i], Retain = retain[i] }).ToImmutableArray(),
        });

    public static Gen<ProgramCase> Case(int maxSize = 25, int maxOrders = 30) =>
        from policy in Policy
        from parent in TreeGens.Shape(maxSize)
        from count in Gen.Choose(0, maxOrders)
        from orders in (from b in Gen.Choose(0, parent.Length - 1)
                        from a in Gen.Frequency((4, Gen.Choose(1, 120_000).Select(x => (long)x)), (1, Gen.Elements(0L, 1L, 99_999L, 100_000L)))
                        from p in Gen.Frequency((6, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)))
                        from d in Gen.Choose(0, 160)
                        select (b, a, p, d)).ArrayOf(count)
        select new ProgramCase(policy, parent, orders);
}

public class MembershipLawsTests
{
    private static readonly Instant T = ProgramCase.T;

    private static (MembershipBook Book, MembershipFacts Facts) Run(ProgramCase p, IReadOnlyList<Order>? orders = null, Instant? at = null)
    {
        var tree = ReferralTree.Build(p.Joins());
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders ?? p.OrderList());
        var book = MembershipBook.Create(tree, p.Policy);
        book.Evaluate(facts, at ?? T);
        return (book, facts);
    }

    [Property(MaxTest = 100)]
    public Property ExplainAll_GivesWhatExplainGivesForEachMember() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), p =>
        {
            var (book, facts) = Run(p);
            var at = T + Duration.FromDays(3);
            var all = book.ExplainAll(facts, at).ToList();
            var tree = facts.Tree;
            var joined = Enumerable.Range(0, tree.Count).Where(m => tree.JoinedAtIndex(m) <= at).Select(tree.MemberAt).ToList();
            return (all.Select(e => e.Member).SequenceEqual(joined)
                    && all.All(e => Same(e, book.Explain(facts, e.Member, at))))
                .Label($"{all.Count} explanations for {joined.Count} members");
        });

    [Property(MaxTest = 100)]
    public Property FactsFromABatch_AreTheFactsFromTheOrderList() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), p =>
        {
            var tree = ReferralTree.Build(p.Joins());

            // A batch refuses an order paid before its buyer joined (the list takes it); those are left out of both.
            var orders = p.OrderList().Where(o => o.PaidAt >= tree.JoinedAtIndex(tree.IndexOf(o.Buyer))).ToList();
            var fromList = MembershipFacts.Build(tree, Currency.CNY, orders);
            var fromBatch = MembershipFacts.Build(CommunityModel.Commissions.OrderBatch.Create(tree, Currency.CNY, orders), null);
            var at = T + Duration.FromDays(3);
            var a = MembershipBook.Create(tree, p.Policy);
            var b = MembershipBook.Create(tree, p.Policy);
            a.Evaluate(fromList, T);
            b.Evaluate(fromBatch, T);
            return (fromList.OrderCount == fromBatch.OrderCount
                    && a.Ranks().SequenceEqual(b.Ranks())
                    && a.ExplainAll(fromList, at).Zip(b.ExplainAll(fromBatch, at)).All(x => Same(x.First, x.Second)))
                .Label($"{orders.Count} orders; ranks {string.Join(",", a.Ranks())} / {string.Join(",", b.Ranks())}");
        });

    /// <summary>Two explanations alike in every value (the records' criteria lists compare by reference).</summary>
    private static bool Same(TierExplanation a, TierExplanation b) =>
        a with { NextTierCriteria = [], RetainCriteria = [], Decision = a.Decision with { Criteria = [] } } == b with { NextTierCriteria = [], RetainCriteria = [], Decision = b.Decision with { Criteria = [] } }
        && a.NextTierCriteria.SequenceEqual(b.NextTierCriteria) && a.RetainCriteria.SequenceEqual(b.RetainCriteria) && a.Decision.Criteria.SequenceEqual(b.Decision.Criteria);

    [Property(MaxTest = 150)]
    public Property EveryMember_CanReachTheTopTier_WithNoQuotaOnTheTop() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), (p, howMany) =>
        {
            var joins = p.Joins();
            var orders = p.OrderList();
            var targets = Enumerable.Range(0, Math.Min(howMany, p.Parent.Length)).Select(i => (p.Parent.Length - 1 - i) * 7 % p.Parent.Length).Distinct().ToList();
            var grants = new List<MemberId>();
            var top = p.Policy.Tiers.Length - 1;
            foreach (var m in targets)
            {
                Witness(p.Policy.Tiers[top].Qualify!, MemberId.From(ProgramCase.Id(m)), joins, orders, grants);
            }

            var tree = ReferralTree.Build(joins);
            var book = MembershipBook.Create(tree, p.Policy);
            foreach (var g in grants)
            {
                book.Grant(g, p.Policy.Tiers[top].Id, "witness", "test", ProgramCase.Epoch);
            }

            book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders), T);
            return targets.All(m => book.RankOf(MemberId.From(ProgramCase.Id(m))) == top).Label($"targets {string.Join(",", targets)}");
        });

    /// <summary>Adds facts that make a condition hold for a member at <see cref="ProgramCase.T"/>: one way to get there.</summary>
    private static void Witness(Condition condition, MemberId member, List<JoinRecord> joins, List<Order> orders, List<MemberId> grants)
    {
        var at = T - Duration.FromHours(1);
        string Next(string prefix) => prefix + (orders.Count + joins.Count).ToString(CultureInfo.InvariantCulture);
        switch (condition)
        {
            case AllOf all:
                foreach (var c in all.Conditions)
                {
                    Witness(c, member, joins, orders, grants);
                }

                break;
            case AnyOf any:
                Witness(any.Conditions[0], member, joins, orders, grants);
                break;
            case SpendAtLeast s:
                orders.Add(new Order(OrderId.From(Next("w")), member, ProductId.From("box"), s.Amount, at));
                break;
            case OrdersAtLeast o:
                for (var k = 0; k < o.Count; k++)
                {
                    orders.Add(new Order(OrderId.From(Next("w")), member, ProductId.From("box"), Money.OfMinor(1, Currency.CNY), at));
                }

                break;
            case BoughtProduct b:
                orders.Add(new Order(OrderId.From(Next("w")), member, b.Product, Money.OfMinor(1, Currency.CNY), at));
                break;
            case DirectReferralsWhoBought d:
                for (var k = 0; k < d.Count; k++)
                {
                    var friend = Next("f");
                    joins.Add(new JoinRecord(MemberId.From(friend), member, at - Duration.FromHours(1)));
                    orders.Add(new Order(OrderId.From(Next("w")), MemberId.From(friend), ProductId.From("box"), Money.OfMinor(1, Currency.CNY), at));
                }

                break;
            case TeamSpendAtLeast t:
                var teammate = Next("f");
                joins.Add(new JoinRecord(MemberId.From(teammate), member, at - Duration.FromHours(1)));
                orders.Add(new Order(OrderId.From(Next("w")), MemberId.From(teammate), ProductId.From("box"), t.Amount, at));
                break;
            case HasPaidMembership:
                orders.Add(new Order(OrderId.From(Next("w")), member, ProductId.From("vip"), Money.OfMinor(1, Currency.CNY), at));
                break;
            case GrantedManually:
                grants.Add(member);
                break;
            default:
                throw new InvalidOperationException(condition.GetType().Name);
        }
    }

    [Property(MaxTest = 150)]
    public Property OneMembersChange_NeverChangesAnotherMembersTierNorAnySponsorLink() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (p, pick) =>
        {
            var (book, facts) = Run(p);
            var x = pick % p.Parent.Length;
            var before = book.Ranks();
            var links = Enumerable.Range(0, p.Parent.Length).Select(i => book.Tree.SponsorOf(MemberId.From(ProgramCase.Id(i)))).ToArray();
            book.Lock(MemberId.From(ProgramCase.Id(x)), p.Policy.Tiers[^1].Id, "law", "test", T);
            book.Evaluate(facts, T + Duration.FromMinutes(1));
            var after = book.Ranks();
            return Enumerable.Range(0, before.Length).All(i => i == x || before[i] == after[i])
                && after[x] == p.Policy.Tiers.Length - 1
                && Enumerable.Range(0, p.Parent.Length).All(i => book.Tree.SponsorOf(MemberId.From(ProgramCase.Id(i))) == links[i]);
        });

    [Property(MaxTest = 150)]
    public Property DownlineUpgrade_NeverLowersAnyTier() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), Gen.Choose(1, 200_000).ToArbitrary(), (p, pick, amount) =>
        {
            var x = pick % p.Parent.Length;
            var (before, _) = Run(p);
            var more = p.OrderList();
            more.Add(new Order(OrderId.From("extra"), MemberId.From(ProgramCase.Id(x)), ProductId.From("box"), Money.OfMinor(amount, Currency.CNY), T - Duration.FromMinutes(5)));
            var (after, _) = Run(p, more);
            var a = before.Ranks();
            var b = after.Ranks();
            return Enumerable.Range(0, a.Length).All(i => b[i] >= a[i]);
        });

    [Property(MaxTest = 100)]
    public Property Evaluation_IsDeterministicAndIndependentOfOrderInputOrder() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (p, seed) =>
        {
            var orders = p.OrderList();
            var shuffled = orders.ToArray();
            new SeededRandom((ulong)seed).Shuffle(shuffled);
            var (a, fa) = Run(p, orders);
            var (b, fb) = Run(p, shuffled);
            a.Evaluate(fa, T + Duration.FromDays(30), EvaluationKind.Period);
            b.Evaluate(fb, T + Duration.FromDays(30), EvaluationKind.Period);
            return a.Ranks().SequenceEqual(b.Ranks()) && a.Changes.SequenceEqual(b.Changes);
        });

    [Property(MaxTest = 100)]
    public Property WhatIf_WithNoOrders_EqualsTheRealDecision_AndMoreSpendNeverLowersIt() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), Gen.Elements(EvaluationKind.UpgradesOnly, EvaluationKind.Period).ToArbitrary(), (p, pick, kind) =>
        {
            var (book, facts) = Run(p);
            var (twin, _) = Run(p);
            var member = ProgramCase.Id(pick % p.Parent.Length);
            var later = T + Duration.FromDays(75);
            var whatIf = book.WhatIf(facts, MemberId.From(member), later, [], kind);
            var more = book.WhatIf(facts, MemberId.From(member), later, [new Order(OrderId.From("h"), MemberId.From(member), ProductId.From("box"), Money.OfMinor(150_000, Currency.CNY), later - Duration.FromDays(1))], kind);
            var real = twin.EvaluateMember(facts, MemberId.From(member), later, kind);
            var policy = p.Policy;
            return (whatIf == real).Label($"what-if {whatIf} vs real {real}")
                .And((policy.IndexOf(more.To) >= policy.IndexOf(whatIf.To)).Label($"more spend gave {more.To}, none {whatIf.To}"));
        });

    [Property(MaxTest = 100)]
    public Property Upgrades_AreImmediate_AndASecondEvaluationChangesNothing() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), p =>
        {
            var (book, facts) = Run(p);
            var again = book.Evaluate(facts, T);
            var allAtLeastQualified = Enumerable.Range(0, p.Parent.Length).All(i =>
            {
                var e = book.Explain(facts, MemberId.From(ProgramCase.Id(i)), T);
                return e.NextTier is null || e.DistanceToNext is not null;    // no one is left below a tier they qualify for
            });
            return again.Changes.IsEmpty && allAtLeastQualified;
        });

    [Property(MaxTest = 100)]
    public Property NoDowngrade_InsideTheMinimumDuration_NorBeforeAPaidTermEnds() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), p =>
        {
            var policy = p.Policy with { MinimumTierDuration = Period.FromMonths(2), PaidPlans = [new PaidMembershipPlan(ProductId.From("vip"), "t1", Period.FromYears(1))] };
            var q = p with { Policy = policy };
            var (book, facts) = Run(q);
            var before = book.Ranks();
            book.Evaluate(facts, T + Duration.FromDays(40), EvaluationKind.Period);     // inside two months of every upgrade made at T
            var after = book.Ranks();
            var vipBuyers = q.OrderList().Where(o => o.Product == ProductId.From("vip") && o.PaidAt < T).Select(o => book.Tree.IndexOf(o.Buyer)).ToHashSet();
            return Enumerable.Range(0, before.Length).All(i => after[i] >= before[i])
                && vipBuyers.All(i => after[i] >= 1);
        });

    [Property(MaxTest = 80)]
    public Property Lock_BeatsEveryEvaluationWhileInForce() =>
        Prop.ForAll(MembershipGens.Case().ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (p, pick) =>
        {
            var (book, facts) = Run(p);
            var x = ProgramCase.Id(pick % p.Parent.Length);
            book.Lock(MemberId.From(x), "t0", "probation", "test", T, T + Duration.FromDays(200));
            var ok = true;
            for (var month = 1; month <= 6; month++)
            {
                book.Evaluate(facts, T + Duration.FromDays(30 * month), EvaluationKind.Period);
                ok &= book.RankOf(MemberId.From(x)) == 0;
            }

            return ok;
        });
}
