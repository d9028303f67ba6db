using CommunityModel.Conditions;
using System.Collections.Immutable;
using CommunityModel.Commissions;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Tests.Ladders;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Tests.Membership;

public class MembershipTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    private static Instant Local(int year, int month, int day, int hour = 0, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneStrictly(Shanghai).ToInstant();

    private static Instant Day(int month, int day) => Local(2026, month, day, 10);

    private static readonly Instant Start = Local(2025, 12, 1);

    /// <summary>The mother-and-baby store's tiers (seed 002): fan, customer, member, partner, senior partner.</summary>
    internal static MembershipPolicy BabyStorePolicy(Period? minimum = null, Period? grace = null, DowngradeMode mode = DowngradeMode.OneTierAtATime, string version = "2026-01") => new()
    {
        Version = version,
        EffectiveFrom = Start,
        Currency = Currency.CNY,
        Ladder = ProductLadderTests.BabyStore(),
        MinimumTierDuration = minimum ?? Period.FromMonths(3),
        GracePeriod = grace ?? Period.Zero,
        Downgrade = mode,
        Tiers =
        [
            new MembershipTier { Id = "fan", Name = "粉丝" },
            new MembershipTier { Id = "customer", Name = "顾客", Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) },
            new MembershipTier
            {
                Id = "member",
                Name = "会员",
                Qualify = new SpendAtLeast(Cny(100_000), MembershipWindow.Quarter),
                Retain = new SpendAtLeast(Cny(30_000), MembershipWindow.Quarter),
                Privileges = new TierPrivileges { Discount = Rate.FromPercent(10), MemberPrices = new Dictionary<ProductId, Money> { [ProductId.From("diaper-trial")] = Cny(1_500) }.ToImmutableDictionary(), ServiceLevel = "feeding advisor on call" },
            },
            new MembershipTier
            {
                Id = "partner",
                Name = "合伙人",
                Qualify = new DirectReferralsWhoBought(3, MembershipWindow.Lifetime),
                Retain = new DirectReferralsWhoBought(1, MembershipWindow.Year),
                Privileges = new TierPrivileges { Discount = Rate.FromPercent(20) },
            },
            new MembershipTier
            {
                Id = "senior-partner",
                Name = "高级合伙人",
                Qualify = new TeamSpendAtLeast(Cny(5_000_000), MembershipWindow.Year) & new DirectReferralsWhoBought(10, MembershipWindow.Lifetime) | new GrantedManually(),
            },
        ],
    };

    private static ReferralTree Tree(params (string Member, string? Sponsor)[] members) =>
        ReferralTree.Build(members.Select((m, i) => new JoinRecord(MemberId.From(m.Member), m.Sponsor is null ? (MemberId?)null : new MemberId(m.Sponsor), Start + Duration.FromMinutes(i))));

    private static Order Buy(string id, string buyer, ProductId product, long minor, Instant at) => new(OrderId.From(id), MemberId.From(buyer), product, Cny(minor), at);

    private static CommissionPlan PlanByTier(IReadOnlyDictionary<string, int> ranks, int differentialRanks = 0) => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "by tier",
        Currency = Currency.CNY,
        Levels = differentialRanks == 0 ? new LevelRule { Rates = [Rate.FromPercent(10)], MinimumRank = 2 } : null,
        Differential = differentialRanks == 0 ? null : new DifferentialRule { RateByRank = [.. Enumerable.Range(0, differentialRanks).Select(r => Rate.FromPercent(r))] },
        RanksByTier = ranks,
    });

    [Fact]
    public void RanksFor_MapsEachTierToThePlansRank()
    {
        var plan = PlanByTier(new Dictionary<string, int> { ["fan"] = 0, ["customer"] = 0, ["member"] = 2, ["partner"] = 3, ["senior-partner"] = 4 });
        Assert.Equal([0, 0, 2, 3, 4], BabyStorePolicy().RanksFor(plan));
    }

    [Fact]
    public void RanksFor_ReportsEveryUnmappedAndUnknownTierAtOnce()
    {
        var plan = PlanByTier(new Dictionary<string, int> { ["fan"] = 0, ["member"] = 2, ["vip"] = 3 });
        var e = Assert.Throws<InvalidInputException>(() => BabyStorePolicy().RanksFor(plan));
        Assert.Equal(
            ["plan.ranks-by-tier.unmapped RanksByTier customer", "plan.ranks-by-tier.unmapped RanksByTier partner", "plan.ranks-by-tier.unmapped RanksByTier senior-partner", "plan.ranks-by-tier.unknown-tier RanksByTier.vip vip"],
            e.Problems.Select(p => $"{p.Code} {p.Path} {p.Message.Split('\'')[3]}").ToArray());
    }

    [Fact]
    public void RanksByTier_RanksMustBeThePlans()
    {
        // A differential plan has as many ranks as its table; a rank beyond it, or below 0, is refused with its path.
        var definition = new CommissionPlanDefinition
        {
            Name = "diff",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.FromPercent(0), Rate.FromPercent(5), Rate.FromPercent(10)] },
            RanksByTier = new Dictionary<string, int> { ["fan"] = 0, ["member"] = 3, ["partner"] = -1, [" "] = 1 },
        };
        Assert.Equal(
            ["RanksByTier plan.ranks-by-tier.tier", "RanksByTier.member plan.ranks-by-tier.rank", "RanksByTier.partner plan.ranks-by-tier.rank"],
            definition.Validate().Select(p => $"{p.Path} {p.Code}").Order(StringComparer.Ordinal).ToArray());
        Assert.Empty((definition with { RanksByTier = new Dictionary<string, int> { ["member"] = 2 } }).Validate());
    }

    [Fact]
    public void Create_BadPolicy_ReportsEveryProblemWithPathAndCode()
    {
        var bad = BabyStorePolicy() with
        {
            Version = "",
            ZoneId = "Mars/Olympus",
            MinimumTierDuration = Period.FromDays(-1),
            PaidPlans = [new PaidMembershipPlan(ProductId.From("vip"), "nobody", Period.Zero), new PaidMembershipPlan(ProductId.From("vip"), "member", Period.FromYears(1))],
            Tiers =
            [
                new MembershipTier { Id = "fan", Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) },
                new MembershipTier { Id = "member", Qualify = new SpendAtLeast(Money.OfMinor(100, Currency.USD), MembershipWindow.Rolling(0)) },
                new MembershipTier { Id = "member", Qualify = new TeamSpendAtLeast(Cny(0), MembershipWindow.SinceJoinAnniversary) | new AllOf([]) },
                new MembershipTier { Id = "partner", Qualify = new BoughtRung("gold", MembershipWindow.Lifetime) & new DirectReferralsWhoBought(0, MembershipWindow.Month) },
                new MembershipTier { Id = "extra" },
            ],
        };
        var ex = Assert.Throws<InvalidInputException>(() => MembershipPolicy.Create(bad));
        var errors = ex.Problems.Select(e => (e.Path, e.Code)).ToList();
        Assert.Contains(("Version", "membership.version.empty"), errors);
        Assert.Contains(("ZoneId", "membership.zone.unknown"), errors);
        Assert.Contains(("MinimumTierDuration", "membership.duration.negative"), errors);
        Assert.Contains(("Tiers[0].Qualify", "membership.base.conditional"), errors);
        Assert.Contains(("Tiers[1].Qualify.Amount", "membership.condition.currency"), errors);
        Assert.Contains(("Tiers[1].Qualify.Window", "membership.window.range"), errors);
        Assert.Contains(("Tiers[2].Id", "membership.tier.id-duplicate"), errors);
        Assert.Contains(("Tiers[2].Qualify.Conditions[0].Amount", "membership.condition.range"), errors);
        Assert.Contains(("Tiers[2].Qualify.Conditions[0].Window", "membership.window.team-anniversary"), errors);
        Assert.Contains(("Tiers[2].Qualify.Conditions[1]", "membership.condition.empty"), errors);
        Assert.Contains(("Tiers[3].Qualify.Conditions[0].RungId", "membership.rung.unknown"), errors);
        Assert.Contains(("Tiers[3].Qualify.Conditions[1].Count", "membership.condition.range"), errors);
        Assert.Contains(("Tiers[4].Qualify", "membership.tier.no-qualify"), errors);
        Assert.Contains(("PaidPlans[0].TierId", "membership.tier.unknown"), errors);
        Assert.Contains(("PaidPlans[0].Term", "membership.paid.term"), errors);
        Assert.Contains(("PaidPlans[1].Product", "membership.paid.duplicate"), errors);
    }

    [Fact]
    public void Evaluate_SeedMotherAndBabyStore_CustomerClimbsToPartnerWithReasons()
    {
        var tree = Tree(("mom-li", null), ("f1", "mom-li"), ("f2", "mom-li"), ("f3", "mom-li"), ("mom-zhao", null));
        var orders = new List<Order> { Buy("o1", "mom-li", ProductId.From("diaper-trial"), 1_990, Day(1, 2)) };
        var book = MembershipBook.Create(tree, BabyStorePolicy());
        var policy = book.PolicyAt(Day(1, 2));

        var first = book.EvaluateMember(MembershipFacts.Build(tree, Currency.CNY, orders), MemberId.From("mom-li"), Day(1, 2) + Duration.FromMinutes(1));
        Assert.Equal(("fan", "customer", TierChangeCause.Evaluation), (first.From, first.To, first.Cause));
        Assert.Contains("place at least 1 order(s) in total", first.Reason, StringComparison.Ordinal);

        orders.Add(Buy("o2", "mom-li", ProductId.From("member-card"), 39_900, Day(1, 10)));
        var second = book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders), Day(1, 10) + Duration.FromMinutes(1));
        Assert.Equal(1, second.Upgrades);
        Assert.Equal("member", book.TierOf(MemberId.From("mom-li")));
        Assert.Contains("buy a product of rung 'membership' in the last 365 days", second.Changes[0].Evidence, StringComparison.Ordinal);

        orders.Add(Buy("o3", "f1", ProductId.From("diaper-trial"), 1_990, Day(2, 1)));
        orders.Add(Buy("o4", "f2", ProductId.From("diaper-trial"), 1_990, Day(2, 2)));
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var explanation = book.Explain(facts, MemberId.From("mom-li"), Day(2, 3));
        Assert.Equal("partner", explanation.NextTier);
        Assert.Equal("refer 1 more buyer(s) in total or buy a product of rung 'partnership' in the last 365 days", explanation.DistanceToNext);
        Assert.Contains(explanation.NextTierCriteria, c => !c.Met && c.Actual == 2 && c.Required == 3);

        orders.Add(Buy("o5", "f3", ProductId.From("formula-sample"), 990, Day(2, 3)));
        facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        book.Evaluate(facts, Day(2, 3) + Duration.FromMinutes(1));
        Assert.Equal("partner", book.TierOf(MemberId.From("mom-li")));
        Assert.Equal(3, book.RankOf(MemberId.From("mom-li")));
        Assert.Equal(["customer", "member", "partner"], book.History(MemberId.From("mom-li")).Select(c => c.To));
        Assert.All(book.History(MemberId.From("mom-li")), c => Assert.Equal("2026-01", c.PolicyVersion));
        Assert.Equal("customer", book.TierOf(MemberId.From("f3")));
        Assert.Equal("fan", book.TierOf(MemberId.From("mom-zhao")));

        // ranks feed the commission engine as plain integers
        var statuses = MemberStatuses.FromArrays(tree, book.Ranks(), Enumerable.Repeat(true, tree.Count).ToArray());
        Assert.Equal(3, statuses.RankOf(MemberId.From("mom-li")));
        Assert.Equal(5, policy.Tiers.Length);
    }

    [Fact]
    public void Evaluate_EarlierThanTheLatestEvaluation_IsRefused_AndChangesNothing()
    {
        // Day 5, then day 400, then day 6 used to give a history that went back in time and a final tier from day 6.
        var tree = Tree(("mom-li", null), ("f1", "mom-li"));
        var orders = new List<Order> { Buy("o1", "mom-li", ProductId.From("diaper-trial"), 1_990, Day(1, 2)), Buy("o2", "mom-li", ProductId.From("member-card"), 39_900, Day(1, 3)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, BabyStorePolicy());
        book.Evaluate(facts, Day(1, 5));
        var later = Local(2027, 2, 5);
        book.Evaluate(facts, later, EvaluationKind.Period);
        var tier = book.TierOf(MemberId.From("mom-li"));
        var history = book.History(MemberId.From("mom-li")).Count;

        var e = Assert.Throws<InvalidInputException>(() => book.Evaluate(facts, Day(1, 6), EvaluationKind.Period));
        var rule = Assert.IsType<EvaluationsMustMoveForwardRule>(e.Rule);
        Assert.Equal((Day(1, 6), later), (rule.At, rule.Latest));
        Assert.Equal("membership.evaluation.earlier", e.Code);
        Assert.Throws<InvalidInputException>(() => book.EvaluateMember(facts, MemberId.From("mom-li"), Day(1, 6)));
        Assert.Equal(tier, book.TierOf(MemberId.From("mom-li")));
        Assert.Equal(history, book.History(MemberId.From("mom-li")).Count);

        // The same instant again is allowed (and changes nothing).
        Assert.Empty(book.Evaluate(facts, later, EvaluationKind.Period).Changes);
    }

    [Fact]
    public void Explain_TwoWaysUp_SaysTheDistanceInWords()
    {
        var policy = new MembershipPolicy
        {
            Version = "v1",
            EffectiveFrom = Start,
            Currency = Currency.CNY,
            Tiers =
            [
                new MembershipTier { Id = "customer" },
                new MembershipTier { Id = "member", Qualify = new SpendAtLeast(Cny(100_000), MembershipWindow.Month) | new DirectReferralsWhoBought(2, MembershipWindow.Lifetime) },
            ],
        };
        var tree = Tree(("wang", null), ("friend", "wang"));
        var orders = new List<Order> { Buy("o1", "wang", ProductId.From("box"), 88_000, Day(3, 5)), Buy("o2", "friend", ProductId.From("box"), 9_900, Day(3, 6)) };
        var book = MembershipBook.Create(tree, policy);
        var e = book.Explain(MembershipFacts.Build(tree, Currency.CNY, orders), MemberId.From("wang"), Day(3, 7));
        Assert.Equal("customer", e.CurrentTier);
        Assert.Equal("spend CNY 120.00 more this calendar month or refer 1 more buyer(s) in total", e.DistanceToNext);
        Assert.Equal(2, e.NextTierCriteria.Length);
        Assert.False(e.Decision.Changed);

        var whatIf = book.WhatIf(MembershipFacts.Build(tree, Currency.CNY, orders), MemberId.From("wang"), Day(3, 7), [Buy("h1", "wang", ProductId.From("box"), 12_000, Day(3, 6))]);
        Assert.Equal("member", whatIf.To);
        Assert.Equal("customer", book.TierOf(MemberId.From("wang")));    // pure: nothing changed
    }

    [Fact]
    public void Evaluate_SeedRefundInsideTwoMonthGuarantee_UndoesTheUpgrade()
    {
        var tree = Tree(("mom-li", null));
        var orders = new List<Order> { Buy("o1", "mom-li", ProductId.From("diaper-trial"), 1_990, Day(1, 2)), Buy("o2", "mom-li", ProductId.From("member-card"), 39_900, Day(1, 10)) };
        var book = MembershipBook.Create(tree, BabyStorePolicy(minimum: Period.FromMonths(3)));
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders), Day(1, 10) + Duration.FromMinutes(1));
        Assert.Equal("member", book.TierOf(MemberId.From("mom-li")));

        // 2个月包退: refunded in full on 20 February, inside the guarantee and inside the minimum duration
        var refunds = new List<Refund> { new(RefundId.From("r1"), OrderId.From("o2"), Cny(39_900), Day(2, 20)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders, refunds);
        var before = book.WhatIf(facts, MemberId.From("mom-li"), Day(2, 20), []);
        Assert.False(before.Changed);                             // the refund is not seen before it happens
        var decision = book.EvaluateMember(facts, MemberId.From("mom-li"), Day(2, 20) + Duration.FromMinutes(1));
        Assert.Equal(("member", "customer", TierChangeCause.Refund), (decision.From, decision.To, decision.Cause));
        var last = book.History(MemberId.From("mom-li"))[^1];
        Assert.Equal(TierChangeCause.Refund, last.Cause);
        Assert.Contains("refund", last.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_PartialRefundThatKeepsTheThreshold_DoesNotUndo()
    {
        var tree = Tree(("a", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("box"), 120_000, Day(1, 2)) };
        var book = MembershipBook.Create(tree, BabyStorePolicy());
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders), Day(1, 3));
        Assert.Equal("member", book.TierOf(MemberId.From("a")));
        var refunds = new List<Refund> { new(RefundId.From("r1"), OrderId.From("o1"), Cny(20_000), Day(1, 20)) };
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders, refunds), Day(1, 21));
        Assert.Equal("member", book.TierOf(MemberId.From("a")));
        var refunds2 = new List<Refund> { new(RefundId.From("r1"), OrderId.From("o1"), Cny(20_000), Day(1, 20)), new(RefundId.From("r2"), OrderId.From("o1"), Cny(1), Day(1, 25)) };
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders, refunds2), Day(1, 26));
        Assert.Equal("customer", book.TierOf(MemberId.From("a")));
    }

    [Fact]
    public void Evaluate_Downgrades_OnlyAtPeriodEvaluationsAfterTheMinimumDuration()
    {
        var tree = Tree(("a", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("box"), 100_000, Day(1, 10)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, BabyStorePolicy(minimum: Period.FromMonths(6)));
        book.Evaluate(facts, Day(1, 10) + Duration.FromHours(1));
        Assert.Equal("member", book.TierOf(MemberId.From("a")));

        Assert.Empty(book.Evaluate(facts, Local(2026, 4, 1), EvaluationKind.Period).Changes);     // Q1 spend 1,000 >= 300
        Assert.Empty(book.Evaluate(facts, Local(2026, 7, 1), EvaluationKind.UpgradesOnly).Changes); // never downgrades
        var kept = book.EvaluateMember(facts, MemberId.From("a"), Local(2026, 7, 1), EvaluationKind.Period);        // Q2 spend 0, but protected until 10 July
        Assert.False(kept.Changed);
        Assert.Contains("minimum duration", kept.Reason, StringComparison.Ordinal);
        var down = book.Evaluate(facts, Local(2026, 8, 1), EvaluationKind.Period);
        Assert.Equal(1, down.Downgrades);
        Assert.Equal(("member", "customer"), (down.Changes[0].From, down.Changes[0].To));
    }

    [Fact]
    public void Evaluate_GracePeriod_DelaysTheDowngradeAndEndsWhenTheMemberRecovers()
    {
        var tree = Tree(("a", null), ("b", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("box"), 100_000, Day(1, 10)), Buy("o2", "b", ProductId.From("box"), 100_000, Day(1, 10)), Buy("o3", "b", ProductId.From("box"), 30_000, Local(2026, 7, 15)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, BabyStorePolicy(minimum: Period.Zero, grace: Period.FromMonths(1)));
        book.Evaluate(facts, Day(1, 11));
        var july = book.Evaluate(facts, Local(2026, 7, 1), EvaluationKind.Period);
        Assert.Empty(july.Changes);
        Assert.Contains("grace", book.Explain(facts, MemberId.From("a"), Local(2026, 7, 1)).GraceUntil is null ? string.Empty : "grace", StringComparison.Ordinal);
        var august = book.Evaluate(facts, Local(2026, 8, 1), EvaluationKind.Period);
        Assert.Equal(["a"], august.Changes.Select(c => c.Member.Value));                         // b spent 300 in Q3: kept
        Assert.Equal("member", book.TierOf(MemberId.From("b")));
    }

    [Theory]
    [InlineData(DowngradeMode.OneTierAtATime, "member")]
    [InlineData(DowngradeMode.StraightToSupported, "customer")]
    public void Evaluate_DowngradeMode_GoesOneTierOrStraightToWhatTheFactsSupport(DowngradeMode mode, string expected)
    {
        var tree = Tree(("p", null), ("x", "p"), ("y", "p"), ("z", "p"));
        var orders = new List<Order> { Buy("o0", "p", ProductId.From("box"), 990, Day(1, 1)), Buy("o1", "x", ProductId.From("box"), 990, Day(1, 2)), Buy("o2", "y", ProductId.From("box"), 990, Day(1, 3)), Buy("o3", "z", ProductId.From("box"), 990, Day(1, 4)) };
        var refunds = new List<Refund> { new(RefundId.From("r1"), OrderId.From("o1"), Cny(990), Day(4, 1)), new(RefundId.From("r2"), OrderId.From("o2"), Cny(990), Day(4, 1)), new(RefundId.From("r3"), OrderId.From("o3"), Cny(990), Day(4, 1)) };
        var book = MembershipBook.Create(tree, BabyStorePolicy(minimum: Period.Zero, mode: mode));
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders), Day(1, 5));
        Assert.Equal("partner", book.TierOf(MemberId.From("p")));
        // Refunds long after the upgrade; the retain condition (1 referred buyer this year) fails at the next year.
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders, refunds);
        book.Evaluate(facts, Local(2027, 1, 1), EvaluationKind.Period);
        Assert.Equal(expected, book.TierOf(MemberId.From("p")));
    }

    [Fact]
    public void Evaluate_PaidMembership_IsNeverCutBeforeItsEndAndExpiresThen()
    {
        var policy = BabyStorePolicy(minimum: Period.Zero) with { PaidPlans = [new PaidMembershipPlan(ProductId.From("vip-year"), "member", Period.FromYears(1))] };
        var tree = Tree(("a", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("vip-year"), 19_900, Day(1, 10)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, policy);
        var start = book.EvaluateMember(facts, MemberId.From("a"), Day(1, 10) + Duration.FromMinutes(1));
        Assert.Equal(("fan", "member", TierChangeCause.Paid), (start.From, start.To, start.Cause));
        foreach (var month in Enumerable.Range(2, 11))
        {
            book.Evaluate(facts, Local(2026, month, 1), EvaluationKind.Period);
            Assert.Equal("member", book.TierOf(MemberId.From("a")));
        }

        var explanation = book.Explain(facts, MemberId.From("a"), Local(2026, 12, 31));
        Assert.Equal(("member", Local(2027, 1, 10, 10)), (explanation.PaidTier, explanation.PaidUntil));
        book.Evaluate(facts, Local(2027, 2, 1), EvaluationKind.Period);
        var last = book.History(MemberId.From("a"))[^1];
        Assert.Equal(("member", "customer", TierChangeCause.Expiry, Local(2027, 1, 10, 10)), (last.From, last.To, last.Cause, last.At));
    }

    [Fact]
    public void Evaluate_PaidMembershipBoughtAgain_RunsOnFromTheEndOfTheTerm()
    {
        var policy = BabyStorePolicy() with { PaidPlans = [new PaidMembershipPlan(ProductId.From("vip-year"), "member", Period.FromYears(1))] };
        var tree = Tree(("a", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("vip-year"), 19_900, Day(1, 10)), Buy("o2", "a", ProductId.From("vip-year"), 19_900, Local(2026, 12, 1)) };
        var book = MembershipBook.Create(tree, policy);
        var e = book.Explain(MembershipFacts.Build(tree, Currency.CNY, orders), MemberId.From("a"), Local(2027, 3, 1));
        Assert.Equal(Local(2028, 1, 10, 10), e.PaidUntil);
    }

    [Fact]
    public void Lock_BeatsEvaluationUntilItExpires()
    {
        var tree = Tree(("a", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("box"), 990, Day(1, 2)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, BabyStorePolicy());
        Assert.Equal("membership.manual.reason", Assert.Throws<InvalidInputException>(() => book.Lock(MemberId.From("a"), "partner", " ", "owner", Day(1, 3))).Code);
        Assert.Equal("membership.tier.unknown", Assert.Throws<InvalidInputException>(() => book.Lock(MemberId.From("a"), "king", "x", "owner", Day(1, 3))).Code);
        Assert.Equal("membership.member.unknown", Assert.Throws<InvalidInputException>(() => book.Lock(MemberId.From("nobody"), "partner", "x", "owner", Day(1, 3))).Code);

        var locked = book.Lock(MemberId.From("a"), "partner", "launch ambassador", "store-owner", Day(1, 3), Local(2026, 3, 1));
        Assert.Equal(("fan", "partner", TierChangeCause.Manual), (locked!.From, locked.To, locked.Cause));
        book.Evaluate(facts, Local(2026, 2, 1), EvaluationKind.Period);
        Assert.Equal("partner", book.TierOf(MemberId.From("a")));
        book.Evaluate(facts, Local(2026, 3, 2), EvaluationKind.Period);
        Assert.Equal("customer", book.TierOf(MemberId.From("a")));
        var last = book.History(MemberId.From("a"))[^1];
        Assert.Equal((TierChangeCause.Expiry, Local(2026, 3, 1)), (last.Cause, last.At));
        Assert.Null(book.LockOf(MemberId.From("a")));
    }

    [Fact]
    public void Unlock_ReturnsTheMemberToTheEarnedTier_AndNeedsAReason()
    {
        var tree = Tree(("a", null));
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("box"), 990, Day(1, 2)) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, BabyStorePolicy());
        book.Lock(MemberId.From("a"), "partner", "launch ambassador", "store-owner", Day(1, 3));
        book.Evaluate(facts, Day(1, 4));
        Assert.Equal("partner", book.TierOf(MemberId.From("a")));

        Assert.Equal("membership.manual.reason", Assert.Throws<InvalidInputException>(() => book.Unlock(MemberId.From("a"), " ", "store-owner", Day(1, 5))).Code);
        Assert.Equal("membership.member.unknown", Assert.Throws<InvalidInputException>(() => book.Unlock(MemberId.From("nobody"), "x", "store-owner", Day(1, 5))).Code);
        Assert.Equal("partner", book.TierOf(MemberId.From("a")));

        var change = book.Unlock(MemberId.From("a"), "campaign over", "store-owner", Day(1, 5));
        Assert.Equal(("partner", "customer", TierChangeCause.Manual, Day(1, 5)), (change!.From, change.To, change.Cause, change.At));
        Assert.Contains("unlocked by store-owner: campaign over", change.Evidence, StringComparison.Ordinal);
        Assert.Equal("customer", book.TierOf(MemberId.From("a")));
        Assert.Null(book.LockOf(MemberId.From("a")));
        Assert.Null(book.Unlock(MemberId.From("a"), "again", "store-owner", Day(1, 6)));
        Assert.Equal(change, book.History(MemberId.From("a"))[^1]);
    }

    [Fact]
    public void Grant_MakesTheManualConditionHold()
    {
        var tree = Tree(("a", null));
        var facts = MembershipFacts.Build(tree, Currency.CNY, []);
        var book = MembershipBook.Create(tree, BabyStorePolicy());
        book.Grant(MemberId.From("a"), "senior-partner", "founding partner", "store-owner", Day(1, 1));
        var d = book.EvaluateMember(facts, MemberId.From("a"), Day(1, 2));
        Assert.Equal("senior-partner", d.To);
        Assert.Contains(d.Criteria, c => c.Criterion == "be granted the tier by hand" && c.Met);
    }

    [Fact]
    public void PriceFor_SeveralPrivileges_TheBestPriceWinsAndSaysWhich()
    {
        var policy = MembershipPolicy.Create(BabyStorePolicy());
        var memberTrial = policy.PriceFor(policy.IndexOf("member"), ProductId.From("diaper-trial"), Cny(1_990));
        Assert.Equal((Cny(1_500), "member", "member price"), (memberTrial.Price, memberTrial.TierId, memberTrial.Source));
        var partnerTrial = policy.PriceFor(policy.IndexOf("partner"), ProductId.From("diaper-trial"), Cny(1_990));
        Assert.Equal((Cny(1_500), "member"), (partnerTrial.Price, partnerTrial.TierId));       // 20% off 19.90 = 15.92 > 15.00
        var partnerCard = policy.PriceFor(policy.IndexOf("partner"), ProductId.From("member-card"), Cny(39_900));
        Assert.Equal((Cny(31_920), "partner", "discount 20%"), (partnerCard.Price, partnerCard.TierId, partnerCard.Source));
        var fan = policy.PriceFor(0, ProductId.From("member-card"), Cny(39_999));
        Assert.Equal((Cny(39_999), null, "list price"), (fan.Price, fan.TierId, fan.Source));
        var odd = policy.PriceFor(policy.IndexOf("member"), ProductId.From("box"), Cny(999));                     // 10% of 9.99 = 0.999 -> 0.99 off
        Assert.Equal(Cny(900), odd.Price);
    }

    [Fact]
    public void Versions_ApplyFromTheirDateAndNeverRewriteHistory()
    {
        var v1 = BabyStorePolicy(version: "v1");
        var v2 = v1 with
        {
            Version = "v2",
            EffectiveFrom = Local(2026, 4, 1),
            Tiers = v1.Tiers.SetItem(2, v1.Tiers[2] with { Qualify = new SpendAtLeast(Cny(200_000), MembershipWindow.Quarter) }),
        };
        var tree = Tree(("march", null), ("april", null));
        var orders = new List<Order> { Buy("o1", "march", ProductId.From("box"), 150_000, Local(2026, 3, 10)), Buy("o2", "april", ProductId.From("box"), 150_000, Local(2026, 4, 10)) };
        var book = MembershipBook.Create(tree, v2, v1);
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders.Take(1).ToList()), Local(2026, 3, 11));
        var history = book.History(MemberId.From("march")).ToList();
        book.Evaluate(MembershipFacts.Build(tree, Currency.CNY, orders), Local(2026, 4, 11));
        Assert.Equal("member", book.TierOf(MemberId.From("march")));
        Assert.Equal("customer", book.TierOf(MemberId.From("april")));
        Assert.Equal(history, book.History(MemberId.From("march")));
        Assert.Equal("v1", book.History(MemberId.From("march"))[^1].PolicyVersion);
        Assert.Equal("v2", book.History(MemberId.From("april"))[^1].PolicyVersion);
        Assert.Equal("membership.versions.tiers", Assert.Throws<InvalidInputException>(() => MembershipBook.Create(tree, v1, v2 with { Tiers = v1.Tiers.RemoveAt(4) })).Code);
    }

    [Fact]
    public void Window_ShanghaiMonthBoundary_OneTickBeforeCountsAndTheBoundaryDoesNot()
    {
        var tick = Duration.FromTicks(1);
        var boundary = Local(2026, 2, 1);
        var policy = new MembershipPolicy
        {
            Version = "v1",
            EffectiveFrom = Start,
            Currency = Currency.CNY,
            Tiers = [new MembershipTier { Id = "customer" }, new MembershipTier { Id = "member", Qualify = new SpendAtLeast(Cny(100_000), MembershipWindow.Month) }],
        };
        var tree = Tree(("early", null), ("late", null));
        var orders = new List<Order> { Buy("o1", "early", ProductId.From("box"), 100_000, boundary - tick), Buy("o2", "late", ProductId.From("box"), 100_000, boundary) };
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, policy);
        book.Evaluate(facts, boundary, EvaluationKind.Period);
        Assert.Equal(("member", "customer"), (book.TierOf(MemberId.From("early")), book.TierOf(MemberId.From("late"))));
        book.Evaluate(facts, boundary + tick);
        Assert.Equal("member", book.TierOf(MemberId.From("late")));

        var january = MembershipWindow.Month.Resolve(boundary, Shanghai, Start, Start);
        Assert.Equal((Local(2026, 1, 1), boundary), (january.Start, january.End));
        var february = MembershipWindow.Month.Resolve(boundary + Duration.Epsilon, Shanghai, Start, Start);
        Assert.Equal(boundary, february.Start);
        Assert.Equal(Local(2026, 1, 1), MembershipWindow.Quarter.Resolve(Local(2026, 3, 31, 23, 59), Shanghai, Start, Start).Start);
        Assert.Equal(Local(2026, 1, 1), MembershipWindow.Year.Resolve(Local(2027, 1, 1), Shanghai, Start, Start).Start);
        Assert.False(MembershipWindow.Lifetime.Resolve(boundary, Shanghai, Start, Start).HasStart);
    }

    [Fact]
    public void Window_NewYorkAcrossDaylightSaving_FollowsTheLocalCalendar()
    {
        Instant Ny(int y, int m, int d, int h = 0) => NewYork.AtStrictly(new LocalDateTime(y, m, d, h, 0)).ToInstant();

        var rolling = MembershipWindow.Rolling(1).Resolve(Ny(2026, 3, 9), NewYork, Start, Start);       // clocks spring forward on 8 March
        Assert.Equal(Ny(2026, 3, 8), rolling.Start);
        Assert.Equal(Duration.FromHours(23), rolling.Duration);
        var october = MembershipWindow.Month.Resolve(Ny(2026, 11, 1), NewYork, Start, Start);
        Assert.Equal(Duration.FromDays(31), october.Duration);
        var november = MembershipWindow.Month.Resolve(Ny(2026, 12, 1), NewYork, Start, Start);           // clocks fall back on 1 November
        Assert.Equal(Duration.FromDays(30) + Duration.FromHours(1), november.Duration);
        Assert.Equal(Ny(2026, 11, 1), november.Start);
    }

    [Fact]
    public void Window_Anniversaries_OfTheTwentyNinthOfFebruaryFallOnTheTwentyEighth()
    {
        var joined = Local(2024, 2, 29, 15);
        var w = MembershipWindow.SinceJoinAnniversary.Resolve(Local(2026, 3, 5), Shanghai, joined, joined);
        Assert.Equal(Local(2026, 2, 28), w.Start);
        var beforeFirst = MembershipWindow.SinceJoinAnniversary.Resolve(Local(2024, 12, 1), Shanghai, joined, joined);
        Assert.Equal(joined, beforeFirst.Start);
        var leap = MembershipWindow.SinceTierAnniversary.Resolve(Local(2028, 3, 1), Shanghai, joined, joined);
        Assert.Equal(Local(2028, 2, 29), leap.Start);
    }

    [Fact]
    public void Build_UnknownBuyerOrBadRefund_IsRejectedByNamedRule()
    {
        var tree = Tree(("a", null));
        Assert.Equal("order.buyer.unknown", Assert.Throws<InvalidInputException>(() => MembershipFacts.Build(tree, Currency.CNY, [Buy("o1", "stranger", ProductId.From("box"), 1, Day(1, 1))])).Code);
        var orders = new List<Order> { Buy("o1", "a", ProductId.From("box"), 100, Day(1, 1)) };
        Assert.Equal("refund.amount.invalid", Assert.Throws<InvalidInputException>(() =>
            MembershipFacts.Build(tree, Currency.CNY, orders, [new Refund(RefundId.From("r1"), OrderId.From("o1"), Cny(60), Day(1, 2)), new Refund(RefundId.From("r2"), OrderId.From("o1"), Cny(41), Day(1, 3))])).Code);
        Assert.Equal("refund.order.unknown", Assert.Throws<InvalidInputException>(() =>
            MembershipFacts.Build(tree, Currency.CNY, orders, [new Refund(RefundId.From("r1"), OrderId.From("o9"), Cny(1), Day(1, 2))])).Code);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(200)]
    public void Build_OrdersInAnyOrder_GiveTheSameTimeOrderedFacts(int count)
    {
        var tree = Tree(("a", null), ("b", null));
        var orders = Enumerable.Range(0, count).Select(k => Buy("o" + k.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), k % 3 == 0 ? "b" : "a", ProductId.From(k % 2 == 0 ? "box" : "gift"), 100 + k, Day(1, 1) + Duration.FromHours(k / 4))).ToList();
        var shuffled = orders.ToArray();
        new SeededRandom(99).Shuffle(shuffled);
        var sorted = MembershipFacts.Build(tree, Currency.CNY, orders);
        var mixed = MembershipFacts.Build(tree, Currency.CNY, shuffled);
        for (var m = 0; m < 2; m++)
        {
            var expected = sorted.ViewOf(m).Purchases(long.MaxValue, _ => true).ToList();
            Assert.Equal(expected, mixed.ViewOf(m).Purchases(long.MaxValue, _ => true).ToList());
            Assert.True(expected.Zip(expected.Skip(1)).All(p => p.First.Ticks <= p.Second.Ticks));
            for (var h = 0; h < count / 4; h += 3)
            {
                var to = (Day(1, 1) + Duration.FromHours(h)).ToUnixTimeTicks();
                Assert.Equal(sorted.ViewOf(m).Spend(long.MinValue, to, long.MaxValue), mixed.ViewOf(m).Spend(long.MinValue, to, long.MaxValue));
                Assert.Equal(sorted.ViewOf(m).Orders(long.MinValue, to, long.MaxValue), mixed.ViewOf(m).Orders(long.MinValue, to, long.MaxValue));
            }
        }
    }
}
