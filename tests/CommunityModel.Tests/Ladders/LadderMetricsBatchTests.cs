using CommunityModel.Commissions;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using CommunityModel.Simulation;

namespace CommunityModel.Tests.Ladders;

/// <summary>Ladder metrics from an order batch's columns are the metrics from the same orders as objects.</summary>
public class LadderMetricsBatchTests
{
    private static bool Same(LadderReport a, LadderReport b) =>
        a with { Rungs = [] } == b with { Rungs = [] } && a.Rungs.SequenceEqual(b.Rungs);

    [Theory]
    [InlineData(2026UL, 600)]
    [InlineData(7UL, 1_500)]
    public void FromABatch_AreTheMetricsFromTheOrderList(ulong seed, int customers)
    {
        // A simulated year: referrals, every rung, refunds (some in full), orders at equal instants.
        var year = CommunitySimulator.Run(new SimulationSettings { Seed = seed, MaxCustomers = customers, PaidArrivalsPerDay = 4, Days = 200 });
        var ladder = StoreDefaults.Ladder();
        var fromList = LadderMetrics.Compute(ladder, year.Orders, year.Refunds, year.Tree);
        var fromBatch = LadderMetrics.Compute(ladder, OrderBatch.Create(year.Tree, Currency.CNY, year.Orders), year.Refunds);
        Assert.True(year.Refunds.Count > 0 && fromList.Buyers > 100);
        Assert.True(Same(fromList, fromBatch), $"{fromList}\n{fromBatch}");
    }

    [Fact]
    public void ABatchInAnotherCurrency_IsRefused()
    {
        var year = CommunitySimulator.Run(new SimulationSettings { Seed = 1, MaxCustomers = 50, Days = 30 });
        var usd = ProductLadder.Create(Currency.USD, [new Rung { Id = "trial", Role = RungRole.Trial, Products = [ProductId.From("x")], Price = new PriceBand(Money.OfMinor(1, Currency.USD), Money.OfMinor(2, Currency.USD)) }]);
        Assert.Throws<InvalidInputException>(() => LadderMetrics.Compute(usd, OrderBatch.Create(year.Tree, Currency.CNY, year.Orders), null));
    }
}
