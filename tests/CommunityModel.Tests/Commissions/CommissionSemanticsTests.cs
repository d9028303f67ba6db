using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// The engine's choices where a plan is silent, one test each, as docs/commissions.md ("Where a plan is silent")
/// states them. Every expectation is computed by hand in the comment above it.
/// </summary>
public class CommissionSemanticsTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    /// <summary>A chain written from the top down; the last id is the buyer.</summary>
    private static ReferralTree Chain(params string[] topDown) => Chains.TopDown(T0, topDown);

    private static MemberStatuses Ranked(ReferralTree tree, params (string Id, int Rank)[] ranks)
        => MemberStatuses.Create(tree, ranks.ToDictionary(r => MemberId.From(r.Id), r => r.Rank));

    private static OrderCommission RunOne(CommissionPlan plan, MemberStatuses statuses, string amount, string product = "box", int quantity = 1)
    {
        var order = new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From(product), Money.Parse(amount), T0 + Duration.FromDays(1), quantity);
        return new CommissionEngine(plan).Run(statuses, [order], trace: true)[OrderId.From("o1")];
    }

    private static (string Earner, CommissionRuleKind Rule, long Amount)[] Lines(OrderCommission o)
        => o.Lines.Select(l => (l.Earner.Value, l.Rule, l.Amount.MinorUnits)).ToArray();

    private static CommissionPlan Differential(PeerBonus? peer, params decimal[] percentByRank) => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "differential",
        Currency = Currency.CNY,
        Differential = new DifferentialRule { RateByRank = percentByRank.Select(Rate.FromPercent).ToArray(), PeerBonus = peer },
    });

    [Fact]
    public void PeerBonus_GoesOnlyToPeersOfARankThatWasPaidAPositiveDifferential()
    {
        // Rates 0/5/10%, peer bonus 2%; product "kit" pays fixed CNY 0.00 / 0.00 / 5.00 per unit by rank.
        // x <- a(1) <- b(1) <- c(2) <- d(2), 1 kit for CNY 100.00.
        // a: rank 1 is entitled to 0.00 on a kit, nothing paid below: no line, and a is not "paid below".
        // b: rank 1 like a, but a was paid nothing, so b is no peer: nothing (not a 2% peer bonus).
        // c: 5.00 - 0 = 500 fen, the first positive differential. d: rank 2 = c's rank -> peer 2% x 100.00 = 200.
        var plan = CommissionPlan.Create(Differential(new PeerBonus(Rate.FromPercent(2)), 0, 5, 10).Definition with
        {
            Products = [new ProductRule { Product = ProductId.From("kit"), FixedPerUnitByRank = [Money.Parse("CNY 0.00"), Money.Parse("CNY 0.00"), Money.Parse("CNY 5.00")] }],
        });
        var tree = Chain("d", "c", "b", "a", "x");
        var o = RunOne(plan, Ranked(tree, ("a", 1), ("b", 1), ("c", 2), ("d", 2)), "CNY 100.00", product: "kit");
        Assert.Equal([("c", CommissionRuleKind.Differential, 500L), ("d", CommissionRuleKind.PeerBonus, 200L)], Lines(o));
        var skip = Assert.Single(o.Skipped);
        Assert.Equal((MemberId.From("a"), SkipReason.NothingToPay, 2), (skip.Member, skip.Reason, skip.Count));
    }

    [Fact]
    public void DifferentialCompression_PassesOverARankWithNoDifferentialRate()
    {
        // Rates 0/5/10%, peer bonus 2%. x <- a(0) <- b(0) <- c(1), CNY 100.00. Rank 0 has no differential rate,
        // so a and b are passed over by compression (one skip of 2 uplines), neither paid nor peers; c: 5% = 500.
        var tree = Chain("c", "b", "a", "x");
        var o = RunOne(Differential(new PeerBonus(Rate.FromPercent(2)), 0, 5, 10), Ranked(tree, ("a", 0), ("b", 0), ("c", 1)), "CNY 100.00");
        Assert.Equal([("c", CommissionRuleKind.Differential, 500L)], Lines(o));
        var skip = Assert.Single(o.Skipped);
        Assert.Equal((MemberId.From("a"), SkipReason.Compressed, 2), (skip.Member, skip.Reason, skip.Count));
    }

    [Fact]
    public void PeerCount_IsPerOrder_AndNotResetWhenAHigherRankIsPaid()
    {
        // Rates 0/5/10/15/20%, peer bonus 2% to one peer. x <- a(2) <- b(2) <- c(3) <- d(3), CNY 100.00.
        // a: 10% = 1,000. b: peer of a -> 200 (the one peer bonus of this order). c: 15% - 10% = 500.
        // d: a peer of c, but the order's one peer bonus went to b: nothing (PeerBonusExhausted), and the count
        // did not start again when c's higher rank was paid.
        var tree = Chain("d", "c", "b", "a", "x");
        var o = RunOne(Differential(new PeerBonus(Rate.FromPercent(2)), 0, 5, 10, 15, 20), Ranked(tree, ("a", 2), ("b", 2), ("c", 3), ("d", 3)), "CNY 100.00");
        Assert.Equal(
            [("a", CommissionRuleKind.Differential, 1_000L), ("b", CommissionRuleKind.PeerBonus, 200L), ("c", CommissionRuleKind.Differential, 500L)],
            Lines(o));
        Assert.Contains(o.Skipped, s => s.Member == MemberId.From("d") && s.Reason == SkipReason.PeerBonusExhausted);
    }

    [Fact]
    public void EqualRates_TheHigherRankIsNeitherPaidNorAPeer()
    {
        // Rates 0/5/5/10%, peer bonus 2%. x <- a(1) <- b(2) <- c(1), CNY 100.00.
        // a: 5% = 500. b: rank 2 is entitled to 5%, already paid below: 0, so no line; b's rank is not a's rank,
        // so no peer bonus either (RateAlreadyPaidBelow). c: rank 1 = a's rank, the highest paid below -> peer 200.
        var tree = Chain("c", "b", "a", "x");
        var o = RunOne(Differential(new PeerBonus(Rate.FromPercent(2)), 0, 5, 5, 10), Ranked(tree, ("a", 1), ("b", 2), ("c", 1)), "CNY 100.00");
        Assert.Equal([("a", CommissionRuleKind.Differential, 500L), ("c", CommissionRuleKind.PeerBonus, 200L)], Lines(o));
        Assert.Contains(o.Skipped, s => s.Member == MemberId.From("b") && s.Reason == SkipReason.RateAlreadyPaidBelow);
    }

    [Fact]
    public void DynamicCompression_ARankPaidZeroPercentStillTakesItsLevel()
    {
        // Levels 10% / 5%, but rank 0 is paid 0% at both levels; dynamic compression; every member active.
        // x <- a(0) <- b(1) <- c(1), CNY 100.00. a is neither inactive nor below the minimum rank (0), so a is
        // not compressed away: a takes level 1 and is paid 0.00 (a line); b takes level 2 at 5% = 500; c is level 3.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "levels, rank 0 unpaid",
            Currency = Currency.CNY,
            Levels = new LevelRule
            {
                Rates = [Rate.FromPercent(10), Rate.FromPercent(5)],
                RatesByRank = new Dictionary<int, IReadOnlyList<Rate>> { [0] = [Rate.Zero, Rate.Zero] },
                Compression = Compression.Dynamic,
            },
        });
        var tree = Chain("c", "b", "a", "x");
        var o = RunOne(plan, Ranked(tree, ("a", 0), ("b", 1), ("c", 1)), "CNY 100.00");
        Assert.Equal([("a", CommissionRuleKind.Level, 0L), ("b", CommissionRuleKind.Level, 500L)], Lines(o));
        Assert.Equal([1, 2], o.Lines.Select(l => l.Level));
        Assert.DoesNotContain(o.Skipped, s => s.Reason == SkipReason.Compressed);
    }

    [Fact]
    public void ALineThatRoundsToZero_IsWrittenAsALineOfZero_NotSkipped()
    {
        // 10% / 5% of CNY 0.09 = 9 fen: level 1 floor(0.9) = 0, level 2 floor(0.45) = 0. Both lines exist at 0.00,
        // and nothing is recorded as skipped for them.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "10/5",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
        });
        var o = RunOne(plan, MemberStatuses.Uniform(Chain("b", "a", "x")), "CNY 0.09");
        Assert.Equal([("a", CommissionRuleKind.Level, 0L), ("b", CommissionRuleKind.Level, 0L)], Lines(o));
        Assert.Empty(o.Skipped);
        Assert.Equal(Money.Parse("CNY 0.09"), o.CompanyShare);
    }

    [Fact]
    public void CapTie_DeepestFirst_CutsTheDifferentialLineBeforeTheLevelLineAtTheSameDistance()
    {
        // Level 10% and a differential of 10% for rank 1, capped at 15% deepest first. x <- a(1), CNY 100.00.
        // a earns a level line of 1,000 and a differential line of 1,000, both 1 hop up: 2,000 > cap 1,500.
        // The tie on distance is broken by the later line, the differential: it loses 500, the level line nothing.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "level + differential, capped",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10)] },
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(10)] },
            Cap = new OrderCap(Rate.FromPercent(15)),
        });
        var o = RunOne(plan, Ranked(Chain("a", "x"), ("a", 1)), "CNY 100.00");
        Assert.Equal([("a", CommissionRuleKind.Level, 1_000L), ("a", CommissionRuleKind.Differential, 500L)], Lines(o));
        Assert.Equal([0L, 500L], o.Lines.Select(l => l.CapCut.MinorUnits));
    }

    [Fact]
    public void CapProRata_ARemainderCentGoesToTheFartherLine()
    {
        // Levels 10% / 10% of CNY 1.00 = 10 + 10 fen, capped at 17% = 17 fen: 3 fen to cut in proportion 1:1,
        // 1.5 each. Each line loses 1 fen; the remainder fen is cut from the nearer line, so the farther line
        // (level 2) keeps it: level 1 keeps 8, level 2 keeps 9.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "10/10 pro rata",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(10)] },
            Cap = new OrderCap(Rate.FromPercent(17), CapPolicy.ProRata),
        });
        var o = RunOne(plan, MemberStatuses.Uniform(Chain("b", "a", "x")), "CNY 1.00");
        Assert.Equal([("a", CommissionRuleKind.Level, 8L), ("b", CommissionRuleKind.Level, 9L)], Lines(o));
    }

    [Fact]
    public void Cap_IsTheFloorOfAmountTimesMaxShare()
    {
        // 10% / 5% of CNY 99.99 = 999 + 499 = 1,498 fen; cap 12% of 9,999 = 1,199.88 -> 1,199 (floored, not rounded).
        // Deepest first: level 2 loses 299 and keeps 200.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "10/5 capped at 12%",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
            Cap = new OrderCap(Rate.FromPercent(12)),
        });
        var o = RunOne(plan, MemberStatuses.Uniform(Chain("b", "a", "x")), "CNY 99.99");
        Assert.Equal([("a", CommissionRuleKind.Level, 999L), ("b", CommissionRuleKind.Level, 200L)], Lines(o));
    }

    [Fact]
    public void WithoutACap_AnOrderNeverPaysMoreThanItsAmount_TheDeepestLineIsCutFirst()
    {
        // Fixed CNY 15.00 / 10.00 per unit at levels 1 / 2 on an order of CNY 20.00: 25.00 asked, 20.00 is the
        // implicit cap (100%). Deepest first: level 2 keeps 5.00, level 1 keeps 15.00; the company keeps 0.00.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "fixed per unit",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
            Products = [new ProductRule { Product = ProductId.From("kit"), FixedPerUnitByLevel = [Money.Parse("CNY 15.00"), Money.Parse("CNY 10.00")] }],
        });
        var o = RunOne(plan, MemberStatuses.Uniform(Chain("b", "a", "x")), "CNY 20.00", product: "kit");
        Assert.Equal([("a", CommissionRuleKind.Level, 1_500L), ("b", CommissionRuleKind.Level, 500L)], Lines(o));
        Assert.Equal(Money.Zero(Currency.CNY), o.CompanyShare);
    }

    [Fact]
    public void PeerBonus_OnAFixedPerRankProduct_PaysThePeerRateTimesTheOrderAmount()
    {
        // Rates 0/5/10% with peer bonus 2%; product "kit" pays fixed CNY 0 / 3.00 / 5.00 per unit by rank.
        // x <- a(1) <- b(1), 2 units for CNY 60.00. a: 2 x 3.00 = 600 fen. b: peer of a -> 2% of the order's
        // CNY 60.00 = 120 fen (the peer bonus is a rate of the amount, not a fixed amount).
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "fixed per rank with a peer bonus",
            Currency = Currency.CNY,
            Differential = new DifferentialRule
            {
                RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10)],
                PeerBonus = new PeerBonus(Rate.FromPercent(2)),
            },
            Products = [new ProductRule { Product = ProductId.From("kit"), FixedPerUnitByRank = [Money.Parse("CNY 0.00"), Money.Parse("CNY 3.00"), Money.Parse("CNY 5.00")] }],
        });
        var o = RunOne(plan, Ranked(Chain("b", "a", "x"), ("a", 1), ("b", 1)), "CNY 60.00", product: "kit", quantity: 2);
        Assert.Equal([("a", CommissionRuleKind.Differential, 600L), ("b", CommissionRuleKind.PeerBonus, 120L)], Lines(o));
    }
}
