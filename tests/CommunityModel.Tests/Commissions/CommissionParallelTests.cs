using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

public class CommissionParallelTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void MaxDegreeOfParallelism_RefusesZeroAndBelowMinusOne(int value)
    {
        var plan = CommissionScenarioTests.TwoLevelFenXiao();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CommissionRunOptions { MaxDegreeOfParallelism = value });
        Assert.Contains("MaxDegreeOfParallelism", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxDegreeOfParallelism_DefaultsToOnePerProcessor_AndNeverChangesTheTotals()
    {
        var plan = CommissionScenarioTests.TwoLevelFenXiao();
        Assert.Equal(-1, CommissionRunOptions.Default.MaxDegreeOfParallelism);

        // A <- B <- C, and D under A: 40 orders, enough for the by-buyer run, split into chunks of 3 orders.
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0 + Duration.FromHours(1)), new JoinRecord(MemberId.From("C"), MemberId.From("B"), T0 + Duration.FromHours(2)), new JoinRecord(MemberId.From("D"), MemberId.From("A"), T0 + Duration.FromHours(3))]);
        var buyers = Enumerable.Range(0, 40).Select(i => i % 4).ToArray();
        var amounts = Enumerable.Range(0, 40).Select(i => 1_001L + (i * 37)).ToArray();
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), buyers, amounts, Enumerable.Repeat(T0 + Duration.FromDays(1), 40).ToArray());
        var statuses = MemberStatuses.Uniform(tree);
        var one = new CommissionEngine(plan).RunTotals(statuses, batch, new CommissionRunOptions { MaxDegreeOfParallelism = 1 }).ToArray();
        foreach (var threads in new[] { 2, 3, 8, 64 })
        {
            var split = new CommissionEngine(plan).RunTotals(statuses, batch, new CommissionRunOptions { MaxDegreeOfParallelism = threads, ByBuyerChunkOrders = 3 });
            Assert.Equal(one, split.ToArray());
        }

        // Hand-computed: per order, 10% to the sponsor and 5% to the grand-sponsor, floored to the fen.
        var expected = new long[4];
        for (var k = 0; k < 40; k++)
        {
            var sponsor = tree.Snapshot(null).Parent[buyers[k]];
            if (sponsor >= 0)
            {
                expected[sponsor] += amounts[k] / 10;
                var grand = tree.Snapshot(null).Parent[sponsor];
                if (grand >= 0)
                {
                    expected[grand] += amounts[k] / 20;
                }
            }
        }

        Assert.Equal(expected, one);
    }

    [Fact]
    public void AnOverflowOnAnotherThread_IsStillTheMoneyOverflowRule()
    {
        // Sales of 200,000 orders of CNY 900 billion pass the 64-bit range; whichever thread passes it, the caller sees
        // the money-overflow rule (it was a raw OverflowException before the guards of the reliability issue).
        var plan = CommissionScenarioTests.TwoLevelFenXiao();
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0 + Duration.FromHours(1))]);
        const int n = 200_000;
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), Enumerable.Repeat(1, n).ToArray(), Enumerable.Repeat(90_000_000_000_000L, n).ToArray(), Enumerable.Repeat(T0 + Duration.FromDays(1), n).ToArray());
        var statuses = MemberStatuses.Uniform(tree);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => new CommissionEngine(plan).RunTotals(statuses, batch, new CommissionRunOptions { MaxDegreeOfParallelism = 2, ByBuyerChunkOrders = 1_000 })).Rule);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => new CommissionEngine(plan).RunTotals(statuses, batch, new CommissionRunOptions { ForceOrderByOrder = true })).Rule);
    }

    [Fact]
    public void AnEmptyBatch_AndAnEmptyTree_PayNothing()
    {
        var plan = CommissionScenarioTests.TwoLevelFenXiao();
        foreach (var tree in new[] { ReferralTree.Build([]), ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0)]) })
        {
            var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [], [], []);
            var totals = new CommissionEngine(plan).RunTotals(MemberStatuses.Uniform(tree), batch, new CommissionRunOptions { MaxDegreeOfParallelism = 2 });
            Assert.Equal(new long[tree.Count], totals.ToArray());
            Assert.Equal(Money.Zero(Currency.CNY), totals.TotalPaid);
        }
    }
}
