using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

public class CommissionTotalsBuilderTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    /// <summary>
    /// The law of the streamed totals: the orders cut into batches anywhere (empty ones too), each batch with its own
    /// product table, added from one to three threads at once, give exactly the totals of one run over all the orders
    /// computed order by order: every member's total, the earners with zero lines, sales, paid and the order count;
    /// with and without rebates (fixed amounts, caps and rounding up come from the plan generator).
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Streamed_EqualsOneRunOverAllTheOrders() =>
        Prop.ForAll(
            Arb.From(from c in TreeGens.Community(60, 5) from p in TreeGens.Plan(5, true, true, true) select (c, p)),
            Arb.From(Gen.Choose(0, int.MaxValue)),
            (t, seed) =>
            {
                var (c, generated) = t;
                var random = new Random(seed);
                var definition = seed % 3 == 0 ? generated with { SelfPurchaseRebate = Rate.FromPartsPerMillion(seed % 60_000) } : generated;
                if (!CommissionPlan.TryCreate(definition, out var plan, out _))
                {
                    return true.ToProperty();
                }

                var tree = c.Tree();
                var statuses = c.Statuses(tree);
                var orders = c.OrderList();
                var whole = new CommissionEngine(plan!).RunTotals(statuses, OrderBatch.Create(tree, Currency.CNY, orders), new CommissionRunOptions { ForceOrderByOrder = true });

                // Cut points anywhere, repeated ones making empty batches.
                var cuts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(0, orders.Count + 1)).Append(0).Append(orders.Count).Order().ToArray();
                var batches = cuts.Zip(cuts.Skip(1), (a, b) => OrderBatch.Create(tree, Currency.CNY, orders.GetRange(a, b - a))).ToArray();
                var threads = 1 + (seed % 3);
                var options = seed % 5 == 0 ? new CommissionRunOptions { ForceOrderByOrder = true } : new CommissionRunOptions { MaxDegreeOfParallelism = threads };
                var builder = new CommissionEngine(plan!).CreateTotalsBuilder(statuses, options);
                Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = threads }, builder.Add);
                var streamed = builder.Build();
                return (streamed.ToArray().SequenceEqual(whole.ToArray())).Label("totals per member")
                    .And(streamed.ByEarnerWithZeroLines().SequenceEqual(whole.ByEarnerWithZeroLines())).Label("earners with their lines, zero ones too")
                    .And(streamed.TotalSales == whole.TotalSales && streamed.TotalPaid == whole.TotalPaid && streamed.CompanyShare == whole.CompanyShare).Label("sales, paid, company")
                    .And(streamed.OrderCount == orders.Count && builder.OrderCount == orders.Count).Label("order count");
            });

    [Fact]
    public void HandComputed_TwoLevels_InThreeBatches()
    {
        // A <- B <- C: C buys 100.00 and 0.01, B buys 50.00, in three batches, one of them empty.
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0 + Duration.FromHours(1)), new JoinRecord(MemberId.From("C"), MemberId.From("B"), T0 + Duration.FromHours(2))]);
        var at = T0 + Duration.FromDays(1);
        var builder = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).CreateTotalsBuilder(MemberStatuses.Uniform(tree));
        builder.Add(OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [2], [10_000], [at]));
        builder.Add(OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [], [], []));
        builder.Add(OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("gift"), [1, 2], [5_000, 1], [at, at]));
        var totals = builder.Build();

        // B: 10% of 100.00 and of 0.01 (0.00); A: 5% of 100.00 + 10% of 50.00 + 5% of 0.01 (0.00).
        Assert.Equal([("A", 1_000L), ("B", 1_000L)], totals.ByEarnerWithZeroLines().Select(e => (e.Key.Value, e.Value.MinorUnits)));
        Assert.Equal(Money.OfMinor(15_001, Currency.CNY), totals.TotalSales);
        Assert.Equal(Money.OfMinor(2_000, Currency.CNY), totals.TotalPaid);
        Assert.Equal(3, totals.OrderCount);
    }

    [Fact]
    public void NothingAdded_PaysNothing_AndABuilderBuildsOnce()
    {
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0)]);
        var builder = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).CreateTotalsBuilder(MemberStatuses.Uniform(tree));
        var totals = builder.Build();
        Assert.Equal([0L], totals.ToArray());
        Assert.Equal(0, totals.OrderCount);
        Assert.Empty(totals.ByEarnerWithZeroLines());
        Assert.Throws<InvalidOperationException>(() => builder.Build());
        Assert.Throws<InvalidOperationException>(() => builder.Add(OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [0], [100], [T0])));
    }

    [Fact]
    public void ABatchOfAnotherTreeOrCurrency_IsRefused_AndChangesNothing()
    {
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0)]);
        var other = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0)]);
        var engine = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao());
        var builder = engine.CreateTotalsBuilder(MemberStatuses.Uniform(tree));
        Assert.Throws<ArgumentNullException>(() => builder.Add(null!));
        Assert.Throws<ArgumentException>(() => builder.Add(OrderBatch.FromColumns(other, Currency.CNY, ProductId.From("box"), [1], [100], [T0])));
        Assert.IsType<CurrencyMismatchRule>(Assert.Throws<InvalidInputException>(() => builder.Add(OrderBatch.FromColumns(tree, Currency.USD, ProductId.From("box"), [1], [100], [T0]))).Rule);
        builder.Add(OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [1], [100], [T0]));
        Assert.Equal([10L, 0L], builder.Build().ToArray());
    }

    [Fact]
    public void AnOverflowAcrossBatches_IsTheMoneyOverflowRule()
    {
        // Each batch's sales fit 64 bits; the sum of the batches does not.
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0)]);
        var builder = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).CreateTotalsBuilder(MemberStatuses.Uniform(tree));
        var batch = OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [1, 1], [4_000_000_000_000_000_000L, 4_000_000_000_000_000_000L], [T0, T0]);
        builder.Add(batch);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => builder.Add(batch)).Rule);
    }
}
