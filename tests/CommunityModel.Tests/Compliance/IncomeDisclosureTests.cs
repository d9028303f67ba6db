using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Compliance;

public sealed class IncomeDisclosureTests
{
    [Fact]
    public void HandChecked_AllPartnersIncludingNonEarners()
    {
        // Members 0-4 are partners (rank >= 1), member 5 is a customer whose 10.00 must not count.
        long[] earnings = [0, 0, 100, 300, 600, 1000];
        int[] ranks = [1, 1, 1, 2, 2, 0];
        var report = IncomeDisclosure.Compute(Currency.CNY, earnings, ranks, 1, [Money.OfMinor(200, Currency.CNY)], ["customer", "partner", "senior partner"]);
        var all = report.AllPartners;
        Assert.Equal(5, all.People);
        Assert.Equal(3, all.Earners);
        Assert.Equal(1000, all.Total.MinorUnits);
        Assert.Equal(200, all.Mean.MinorUnits);
        Assert.Equal(100, all.Median.MinorUnits); // nearest rank: ceil(0.5 x 5) = 3rd of 0,0,100,300,600
        Assert.Equal(600, all.Max.MinorUnits);
        Assert.Equal(0.4, all.ShareEarningNothing, 12);
        Assert.Equal(0, all.Percentiles.Single(p => p.Percentile == 10).Amount.MinorUnits);
        Assert.Equal(300, all.Percentiles.Single(p => p.Percentile == 75).Amount.MinorUnits); // ceil(3.75) = 4th
        Assert.Equal(600, all.Percentiles.Single(p => p.Percentile == 90).Amount.MinorUnits);
        var above = Assert.Single(all.AboveThresholds);
        Assert.Equal(2, above.People);
        Assert.Equal(0.4, above.Share, 12);

        Assert.Equal(["partner", "senior partner"], report.ByRank.Select(r => r.Group));
        var senior = report.ByRank[1];
        Assert.Equal(2, senior.People);
        Assert.Equal(450, senior.Mean.MinorUnits);
        Assert.Equal(300, senior.Median.MinorUnits);
        Assert.Equal(0, senior.ShareEarningNothing);
        Assert.Contains("all partners", report.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 1, 2 }, 2)] // 1.5 -> 2 (even)
    [InlineData(new long[] { 1, 4 }, 2)] // 2.5 -> 2 (even)
    [InlineData(new long[] { 3, 4 }, 4)] // 3.5 -> 4 (even)
    [InlineData(new long[] { 1, 1, 2 }, 1)] // 1.33 -> 1
    public void Mean_IsRoundedHalfToEven(long[] earnings, long mean)
    {
        var report = IncomeDisclosure.Compute(Currency.CNY, earnings, new int[earnings.Length], 0);
        Assert.Equal(mean, report.AllPartners.Mean.MinorUnits);
    }

    [Fact]
    public void FromRun_CountsPartnersWhoEarnedNothing()
    {
        var t0 = Instant.FromUtc(2026, 3, 1, 0, 0);
        var tree = ReferralTree.Build(
        [
            new(MemberId.From("a"), null, t0), new(MemberId.From("b"), MemberId.From("a"), t0 + Duration.FromHours(1)), new(MemberId.From("c"), MemberId.From("b"), t0 + Duration.FromHours(2)), new(MemberId.From("d"), null, t0 + Duration.FromHours(3)),
        ]);
        var statuses = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("a")] = 1, [MemberId.From("b")] = 1, [MemberId.From("d")] = 1 });
        var plan = ComplianceTests.Levels(10, 5);
        var run = new CommissionEngine(plan).Run(statuses, [new Order(OrderId.From("o1"), MemberId.From("c"), ProductId.From("box"), Money.Parse("CNY 100.00"), t0 + Duration.FromDays(1))]);
        var report = IncomeDisclosure.FromRun(run.Totals, statuses, 1);
        Assert.Equal(3, report.AllPartners.People); // a, b, d; c is a customer
        Assert.Equal(2, report.AllPartners.Earners);
        Assert.Equal(Money.Parse("CNY 15.00"), report.AllPartners.Total);
        Assert.Equal(Money.Parse("CNY 5.00"), report.AllPartners.Median);
        Assert.Equal(1.0 / 3, report.AllPartners.ShareEarningNothing, 12);
    }

    [Fact]
    public void BadInput_IsRejectedClearly()
    {
        Assert.Throws<ArgumentException>(() => IncomeDisclosure.Compute(Currency.CNY, new long[2], new int[3], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => IncomeDisclosure.Compute(Currency.CNY, new long[2], new int[2], 0, percentiles: [0]));
        Assert.Throws<ArgumentException>(() => IncomeDisclosure.Compute(Currency.CNY, new long[2], new int[2], 0, [Money.Parse("USD 1.00")]));
        var empty = IncomeDisclosure.Compute(Currency.CNY, [], [], 0);
        Assert.Equal(0, empty.AllPartners.People);
        Assert.Equal(0, empty.AllPartners.Median.MinorUnits);
    }
}
