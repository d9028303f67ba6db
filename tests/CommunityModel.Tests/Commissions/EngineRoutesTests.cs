using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// The engine's choices that do not change totals but must stay as designed (which kernel runs, which orders are
/// looked at again for zero lines), and the words of its errors.
/// </summary>
public class EngineRoutesTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    public static TheoryData<bool, int?, int, long, bool, bool, string> Routes() => new()
    {
        // force, chunk, members, orders, fast kernels possible, plain levels -> route
        { true, null, 100, 1_000, true, true, "OrderByOrder" },          // forced
        { false, null, 0, 1_000, true, true, "OrderByOrder" },           // an empty tree
        { false, null, 100, 1_000, false, true, "OrderByOrder" },        // rules the fast kernels do not cover
        { false, null, 100, 199, true, true, "PlainLevelsByOrder" },     // plain levels, under 2 orders per member
        { false, null, 100, 1, true, true, "PlainLevelsByOrder" },
        { false, null, 100, 200, true, true, "ByBuyer" },                // plain levels, 2 per member and more
        { false, null, 160, 10, true, false, "ByBuyer" },                // one order per 16 members: by buyer
        { false, null, 160, 9, true, false, "OrderByOrder" },            // fewer: order by order
        { false, 1_000, 160, 9, true, false, "ByBuyer" },                // unless a chunk size asks for by buyer
        { false, 1_000, 160, 9, false, false, "OrderByOrder" },
        { false, null, 1_000_000, 10_000_000, true, false, "ByBuyer" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public void TheTotalsRoute_IsChosenAsDesigned(bool force, int? chunk, int members, long orders, bool possible, bool plain, string expected)
    {
        var options = new CommissionRunOptions { ForceOrderByOrder = force, ByBuyerChunkOrders = chunk };
        Assert.Equal(expected, CommissionEngine.RouteOf(options, members, orders, possible, plain).ToString());
    }

    [Theory]
    [InlineData(50_000L, 20L)]          // 5%: 20 fen pays 1 fen, 19 fen pays 0.95 -> 0
    [InlineData(100_000L, 10L)]
    [InlineData(333_333L, 4L)]          // 3 x 33.3333% = 0.999999 -> 0; 4 -> 1.33 -> 1
    [InlineData(7L, 142_858L)]          // 142,857 x 7 ppm = 0.999999 -> 0
    [InlineData(1_000_000L, 1L)]
    [InlineData(0L, long.MaxValue)]     // a zero rate never pays a minor unit
    public void TheZeroLineBound_IsTheSmallestAmountPayingOneMinorUnit(long ppm, long bound)
    {
        Assert.Equal(bound, CommissionEngine.ZeroLineBound(ppm));
        if (ppm > 0)
        {
            Assert.True(Rate.FromPartsPerMillion(ppm).ApplyToMinor(bound, RoundingMode.Floor) >= 1);
            Assert.Equal(0, Rate.FromPartsPerMillion(ppm).ApplyToMinor(bound - 1, RoundingMode.Floor));
        }
    }

    [Fact]
    public void AnOrderJustBelowTheBound_GivesAZeroLine_OnTheFastRoute()
    {
        // A <- B <- C; C buys 19 fen and 20 fen: B earns 1 + 2 fen at 10%, A 0 + 1 fen at 5% (19 x 5% = 0.95 -> 0).
        // A has a line of zero; by-buyer totals must list A among the zero-line earners as the detailed run does.
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0), new JoinRecord(MemberId.From("C"), MemberId.From("B"), T0)]);
        var engine = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao());
        var statuses = MemberStatuses.Uniform(tree);
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [2, 2], [19, 40], [T0 + Duration.FromDays(1), T0 + Duration.FromDays(1)]);
        var totals = engine.RunTotals(statuses, batch, new CommissionRunOptions { ByBuyerChunkOrders = 1 });
        var detailed = engine.Run(statuses, batch).Totals;
        Assert.Equal(detailed.ByEarnerWithZeroLines(), totals.ByEarnerWithZeroLines());
        Assert.Equal([("A", 2L), ("B", 5L)], totals.ByEarnerWithZeroLines().Select(kv => (kv.Key.Value, kv.Value.MinorUnits)));

        // With only the 19-fen order, A earns nothing and is still listed, at zero.
        var small = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [2], [19], [T0 + Duration.FromDays(1)]);
        Assert.Equal([("A", 0L), ("B", 1L)], engine.RunTotals(statuses, small, new CommissionRunOptions { ByBuyerChunkOrders = 1 }).ByEarnerWithZeroLines().Select(kv => (kv.Key.Value, kv.Value.MinorUnits)));
    }

    [Fact]
    public void ARankThePlanDoesNotDefine_IsNamedWithItsCodeAndTheRanks()
    {
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "diff",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.FromPercent(0), Rate.FromPercent(5), Rate.FromPercent(10)] },
        });
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0), new JoinRecord(MemberId.From("C"), MemberId.From("B"), T0)]);
        var statuses = MemberStatuses.FromArrays(tree, [5, 1, 3], [true, true, true]);
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [2], [100], [T0 + Duration.FromDays(1)]);
        var e = Assert.Throws<InvalidInputException>(() => new CommissionEngine(plan).Run(statuses, batch));
        Assert.Equal("commissions.rank.undefined", e.Code);
        Assert.Equal("The plan defines ranks 0..2; these members have others: A (rank 5), C (rank 3)", e.Problems[0].Message);
    }

    [Fact]
    public void ARunWithoutTrace_KeepsNoSkips_AndWithTraceItDoes()
    {
        // B is inactive: the level rule passes over B to reach A. Only a traced run keeps that.
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0), new JoinRecord(MemberId.From("C"), MemberId.From("B"), T0)]);
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "one level, active only, compressed",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10)], RequireActive = true, Compression = Compression.Dynamic },
        });
        var statuses = MemberStatuses.FromArrays(tree, [0, 0, 0], [true, false, true]);
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [2], [1_000], [T0 + Duration.FromDays(1)]);
        var engine = new CommissionEngine(plan);
        var plain = engine.Run(statuses, batch);
        var traced = engine.Run(statuses, batch, trace: true);
        Assert.Equal("A", Assert.Single(plain.Orders[0].Lines).Earner.Value);
        Assert.Empty(plain.Orders[0].Skipped);
        Assert.Equal("B", Assert.Single(traced.Orders[0].Skipped).Member.Value);
    }

    [Fact]
    public void AnOverflow_SaysWhichSumsDidNotFit()
    {
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0)]);
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [1, 1], [long.MaxValue - 5, long.MaxValue - 5], [T0 + Duration.FromDays(1), T0 + Duration.FromDays(1)]);
        var e = Assert.Throws<InvalidInputException>(() => new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).RunTotals(MemberStatuses.Uniform(tree), batch));
        Assert.Equal("The result of the run's sums (sales, an earner's total or the total paid) does not fit in 64-bit minor units.", e.Problems[0].Message);
    }
}
