using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// What the survivors of mutation testing on the rules (Rules/CommissionRules.cs) showed untested: distances and
/// rates of compressed and fixed-amount lines, the trace's skips (reasons, counts, distances, words), a traced run's
/// orders kept apart, and amounts large enough to need 128-bit products. Every expectation is computed by hand.
/// </summary>
public class CommissionRulesEdgeTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    /// <summary>A chain written from the top down; the last id is the buyer.</summary>
    private static ReferralTree Chain(params string[] topDown) => Chains.TopDown(T0, topDown);

    private static Order At(string id, string buyer, string amount, string product = "box", int quantity = 1)
        => new(OrderId.From(id), MemberId.From(buyer), ProductId.From(product), Money.Parse(amount), T0 + Duration.FromDays(1), quantity);

    private static (string, int, int, Rate?, long)[] Lines(OrderCommission o)
        => [.. o.Lines.Select(l => (l.Earner.Value, l.Level, l.Distance, l.Rate, l.Amount.MinorUnits))];

    [Fact]
    public void DynamicCompression_LinesKeepTheirTrueDistance_AndFixedAmountsHaveNoRate()
    {
        // r <- a <- b (inactive) <- x. Levels 10% / 5% with dynamic compression; "kit" pays CNY 3.00 / 1.00 per unit.
        // b is passed over: a takes level 1 but stands 2 hops above x, r takes level 2 at 3 hops.
        // box CNY 100.00: a 10% = 1,000, r 5% = 500. kit x 2: a 2 x 3.00 = 600, r 2 x 1.00 = 200, no rate.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "dynamic",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)], Compression = Compression.Dynamic },
            Products = [new ProductRule { Product = ProductId.From("kit"), FixedPerUnitByLevel = [Money.Parse("CNY 3.00"), Money.Parse("CNY 1.00")] }],
        });
        var statuses = MemberStatuses.Create(Chain("r", "a", "b", "x"), null, inactive: [MemberId.From("b")]);
        var run = new CommissionEngine(plan).Run(statuses, [At("o1", "x", "CNY 100.00"), At("o2", "x", "CNY 60.00", "kit", 2)]);
        Assert.Equal([("a", 1, 2, (Rate?)Rate.FromPercent(10), 1_000L), ("r", 2, 3, Rate.FromPercent(5), 500L)], Lines(run[OrderId.From("o1")]));
        Assert.Equal([("a", 1, 2, (Rate?)null, 600L), ("r", 2, 3, null, 200L)], Lines(run[OrderId.From("o2")]));
    }

    [Fact]
    public void FixedPerRankDifferential_TopsUpTheFixedAmounts_WithNoRate()
    {
        // Rates 0/5/10%; "kit" pays CNY 0 / 3.00 / 5.00 per unit by rank; no peer bonus. c(2) <- a(1) <- x, 2 kits.
        // a: 2 x 3.00 = 600; c: 2 x (5.00 - 3.00) = 400. Both lines are fixed amounts: no rate.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "fixed by rank",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10)] },
            Products = [new ProductRule { Product = ProductId.From("kit"), FixedPerUnitByRank = [Money.Parse("CNY 0.00"), Money.Parse("CNY 3.00"), Money.Parse("CNY 5.00")] }],
        });
        var statuses = MemberStatuses.Create(Chain("c", "a", "x"), new Dictionary<MemberId, int> { [MemberId.From("a")] = 1, [MemberId.From("c")] = 2 });
        var o = new CommissionEngine(plan).Run(statuses, [At("o1", "x", "CNY 60.00", "kit", 2)])[OrderId.From("o1")];
        Assert.Equal([("a", 1, 1, (Rate?)null, 600L), ("c", 2, 2, null, 400L)], Lines(o));
    }

    [Fact]
    public void LevelRule_SaysWhyEachUplineIsPassedOver()
    {
        // Levels 10% / 5%, minimum rank 1, no compression. r(1) <- a(0) <- b(1, inactive) <- x.
        // Level 1 is b: inactive. Level 2 is a: rank 0, below the minimum. Nobody is paid; r would be level 3.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "levels, rank 1 and up",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)], MinimumRank = 1 },
        });
        var statuses = MemberStatuses.Create(Chain("r", "a", "b", "x"), new Dictionary<MemberId, int> { [MemberId.From("r")] = 1, [MemberId.From("b")] = 1 }, inactive: [MemberId.From("b")]);
        var o = new CommissionEngine(plan).Run(statuses, [At("o1", "x", "CNY 100.00")], trace: true)[OrderId.From("o1")];
        Assert.Empty(o.Lines);
        Assert.Equal([("b", SkipReason.Inactive, 1, 1), ("a", SkipReason.RankBelowMinimum, 2, 1)], o.Skipped.Select(s => (s.Member.Value, s.Reason, s.Distance, s.Count)));
        Assert.Equal(
            ["b at level 1 is inactive; the company keeps the level's share", "a at level 2 has rank 0 < 1; the company keeps the level's share"],
            o.Skipped.Select(s => s.Detail));
    }

    [Fact]
    public void NonCommissionableProduct_TheSkipNamesTheBuyer()
    {
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "10%",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10)] },
            Products = [new ProductRule { Product = ProductId.From("card"), Commissionable = false }],
        });
        var o = new CommissionEngine(plan).Run(MemberStatuses.Uniform(Chain("a", "x")), [At("o1", "x", "CNY 99.00", "card")], trace: true)[OrderId.From("o1")];
        var skip = Assert.Single(o.Skipped);
        Assert.Equal(("x", SkipReason.NonCommissionableProduct, 0, 1), (skip.Member.Value, skip.Reason, skip.Distance, skip.Count));
        Assert.Equal("product 'card' pays no commission", skip.Detail);
    }

    [Fact]
    public void Differential_TheTraceCountsAndPlacesEveryGapAndTheCut()
    {
        // Rates 0/5/10%, no peer bonus. top(0) <- root(0) <- r(2) <- z(0) <- y(0) <- a(1) <- w(0) <- x.
        // Depths: top 0, root 1, r 2, z 3, y 4, a 5, w 6, x 7. Rank 0 has no differential rate: compressed away.
        // x -> a passes w (1 upline, 1 hop up); a: 5% = 500 at 2 hops. a -> r passes y and z (2 uplines from y,
        // 3 hops up); r: 10% - 5% = 500 at 5 hops. The top rate is paid: root and top (2 uplines from root, 6 hops
        // up) are cut.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "differential",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10)] },
        });
        var tree = Chain("top", "root", "r", "z", "y", "a", "w", "x");
        var statuses = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("r")] = 2, [MemberId.From("a")] = 1 });
        var engine = new CommissionEngine(plan);
        var run = engine.Run(statuses, [At("o1", "x", "CNY 100.00"), At("o2", "z", "CNY 100.00")], trace: true);
        var o = run[OrderId.From("o1")];
        Assert.Equal([("a", 2, 2, (Rate?)Rate.FromPercent(5), 500L), ("r", 2, 5, Rate.FromPercent(5), 500L)], Lines(o).Select(l => (l.Item1, 2, l.Item3, l.Item4, l.Item5)));
        Assert.Equal(
            [("w", SkipReason.Compressed, 1, 1), ("y", SkipReason.Compressed, 3, 2), ("root", SkipReason.RateAlreadyPaidBelow, 6, 2)],
            o.Skipped.Select(s => (s.Member.Value, s.Reason, s.Distance, s.Count)));
        Assert.Equal(
            [
                "1 upline(s) from w (1 hop(s) up) inactive or of a rank with no differential rate; passed over",
                "2 upline(s) from y (3 hop(s) up) inactive or of a rank with no differential rate; passed over",
                "2 upline(s) from root up earn nothing: r below already took the top rate (rank 2) and the plan has no peer bonus",
            ],
            o.Skipped.Select(s => s.Detail));

        // A traced run keeps each order's skips apart: o2's are those of o2 run alone.
        var alone = engine.Run(statuses, [At("o2", "z", "CNY 100.00")], trace: true)[OrderId.From("o2")];
        Assert.Equal(alone.Skipped.Select(s => (s.Member, s.Reason, s.Distance, s.Count)), run[OrderId.From("o2")].Skipped.Select(s => (s.Member, s.Reason, s.Distance, s.Count)));
        Assert.Equal([("root", SkipReason.RateAlreadyPaidBelow, 2, 2)], alone.Skipped.Select(s => (s.Member.Value, s.Reason, s.Distance, s.Count)));
    }

    [Fact]
    public void AmountsWhoseProductsPass64Bits_ArePaidExactly()
    {
        // 10^14 fen (CNY 1,000,000,000,000.00) x 100,000 ppm passes 2^63: the lines take the 128-bit path.
        // Levels 10% / 5%: 10^13 and 5 x 10^12. Differential 0/5/10%: a 5 x 10^12, r 5 x 10^12. Rebate 2%: 2 x 10^12.
        const long Huge = 100_000_000_000_000;
        var order = new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.OfMinor(Huge, Currency.CNY), T0 + Duration.FromDays(1));
        var tree = Chain("r", "a", "x");
        var levels = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "levels",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
            SelfPurchaseRebate = Rate.FromPercent(2),
        });
        Assert.Equal([("a", 10_000_000_000_000L), ("r", 5_000_000_000_000L), ("x", 2_000_000_000_000L)],
            new CommissionEngine(levels).Run(MemberStatuses.Uniform(tree), [order])[order.Id].Lines.Select(l => (l.Earner.Value, l.Amount.MinorUnits)).OrderBy(l => l.Value));
        var differential = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "differential",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10)] },
        });
        var ranked = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("a")] = 1, [MemberId.From("r")] = 2 });
        Assert.Equal([("a", 5_000_000_000_000L), ("r", 5_000_000_000_000L)],
            new CommissionEngine(differential).Run(ranked, [order])[order.Id].Lines.Select(l => (l.Earner.Value, l.Amount.MinorUnits)));
    }
}
