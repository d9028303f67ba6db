using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Primitives;
using CommunityModel.Simulation;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Tests.Simulation;

public sealed class CommunitySimulatorTests
{
    private static readonly SimulationSettings Small = new() { Seed = 11, MaxCustomers = 400, Days = 200, PaidArrivalsPerDay = 3, KeyCustomers = 10 };

    private static readonly Lazy<SimulationResult> SmallRun = new(() => CommunitySimulator.Run(Small));

    private static long Sum(IEnumerable<Money> values) => values.Sum(m => m.MinorUnits);

    [Fact]
    public void SameSeed_SameResult_OtherSeed_OtherResult()
    {
        var a = SmallRun.Value;
        var b = CommunitySimulator.Run(Small);
        Assert.Equal(a.Flows, b.Flows);
        Assert.Equal(a.Orders, b.Orders);
        Assert.Equal(a.Refunds, b.Refunds);
        Assert.True(a.Days.Select(d => d.Revenue).SequenceEqual(b.Days.Select(d => d.Revenue)));
        Assert.Equal(a.KeyCustomers.Select(k => k.CustomerId), b.KeyCustomers.Select(k => k.CustomerId));
        Assert.Equal(a.Disclosure.AllPartners, b.Disclosure.AllPartners);
        var c = CommunitySimulator.Run(Small with { Seed = 12 });
        Assert.NotEqual(a.Flows.GrossSales, c.Flows.GrossSales);
    }

    [Fact]
    public void MoneyIn_EqualsMoneyOut_AcrossBuyersEarnersAndCompany()
    {
        var r = SmallRun.Value;
        var f = r.Flows;
        Assert.True(f.GrossSales.MinorUnits > 0);
        Assert.Equal(Sum(r.Orders.Select(o => o.Amount)), f.GrossSales.MinorUnits);
        Assert.Equal(Sum(r.Refunds.Select(x => x.Amount)), f.Refunds.MinorUnits);
        // The engine's runs: every cent of every order went to an earner or the company.
        Assert.Equal(f.GrossSales, f.CommissionsEarned + f.CompanyShareOfSales);
        Assert.Equal(f.CommissionsEarned.MinorUnits, Sum(r.Periods.Select(p => p.Commissions)));
        // The ledger: what earners keep is what they earned less what refunds reversed.
        Assert.Equal(f.EarnersNet, f.CommissionsEarned - f.CommissionsReversed);
        Assert.Equal(f.CommissionsReversed.MinorUnits, Sum(r.Periods.Select(p => p.Reversed)));
        var end = Small.StartDate.PlusDays(Small.Days).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb[Small.ZoneId]).ToInstant();
        Assert.Equal(f.EarnersNet.MinorUnits, Sum(r.Ledger.Earners.Select(e => r.Ledger.BalanceOf(e, end).Net)));
        Assert.Equal(f.PaidOut.MinorUnits, Sum(r.Ledger.Entries.Where(e => e.Kind == LedgerEntryKind.Payout).Select(e => e.Amount)));
        Assert.True(f.PaidOut <= f.EarnersNet);
        Assert.Equal(f.GrossSales, f.Refunds + f.EarnersNet + f.CompanyNet);
        // The daily and monthly series add up to the same sales.
        Assert.Equal(f.GrossSales.MinorUnits, Sum(r.Days.Select(d => d.Revenue)));
        Assert.Equal(f.GrossSales.MinorUnits, Sum(r.Periods.Select(p => p.Sales)));
        Assert.Equal(f.Refunds.MinorUnits, Sum(r.Days.Select(d => d.Refunds)));
    }

    [Fact]
    public void RefundsInsideTheGuarantee_TakeBackEveryCommissionOfTheOrder_WithoutClawbacks()
    {
        // Many refunds, so that plenty of refunded orders had paid commissions.
        var r = CommunitySimulator.Run(Small with { RefundProbability = 0.25 });
        Assert.NotEmpty(r.Refunds);
        var orders = r.Orders.ToDictionary(o => o.Id);
        var zone = DateTimeZoneProviders.Tzdb[Small.ZoneId];
        foreach (var refund in r.Refunds)
        {
            var paid = orders[refund.Order].PaidAt;
            Assert.True(refund.At > paid);
            Assert.True(refund.At < paid.InZone(zone).LocalDateTime.Plus(Small.RefundWindow).InZoneLeniently(zone).ToInstant());
        }

        var refunded = r.Refunds.Select(x => x.Order).ToHashSet();
        var byOrder = r.Ledger.Entries.Where(e => e.Order is { } o && refunded.Contains(o)).GroupBy(e => e.Order!.Value);
        var paying = 0;
        foreach (var g in byOrder)
        {
            paying++;
            Assert.Equal(0, g.Sum(e => e.Amount.MinorUnits));
        }

        Assert.True(paying > 0, "some refunded order paid commissions");
        // The holding period covers the refund window, so nothing was paid out before a refund: no clawbacks.
        Assert.DoesNotContain(r.Ledger.Entries, e => e.Kind == LedgerEntryKind.Clawback);

        // A holding period shorter than the window pays out before refunds arrive: clawbacks, and the compliance rule says so.
        var shortHold = CommunitySimulator.Run(Small with { RefundProbability = 0.25, HoldingPeriod = Period.FromDays(7) });
        Assert.Contains(shortHold.Ledger.Entries, e => e.Kind == LedgerEntryKind.Clawback);
        Assert.Equal(FindingStatus.Fail, shortHold.Compliance.Findings.Single(f => f.RuleId == "holding.covers-refund").Status);
        Assert.Equal(shortHold.Flows.EarnersNet, shortHold.Flows.CommissionsEarned - shortHold.Flows.CommissionsReversed);
    }

    [Fact]
    public void EveryPartReportsThroughTheLibrary()
    {
        var r = SmallRun.Value;
        Assert.Equal(r.Tree.Count, r.Days[^1].Customers);
        Assert.Equal(r.Tree.Count, r.Periods[^1].MembersByTier.Sum());
        Assert.Equal(7, r.Periods.Length); // January to July 19th
        var ranks = r.Membership.Ranks();
        Assert.Equal(ranks.Count(x => x >= Small.PartnerRank), r.Disclosure.AllPartners.People);
        Assert.Contains(r.Membership.Changes, c => c.To == "partner");
        Assert.Equal(10, r.KeyCustomers.Count);
        Assert.Equal(r.Orders.Count, r.Sources.Length);
        Assert.Equal(r.Tree.Count, r.Sources.Count(s => s != RevenueSource.Repeat));
        Assert.True(r.Ladder.Rungs[0].CustomersReached > 0);
        Assert.False(r.Compliance.HasErrors, r.Compliance.Describe());
        Assert.True(r.GroupDecisions.GetValueOrDefault(CommunityModel.Groups.GroupDecisionKind.Admit) > 0);
        Assert.InRange(r.SelfCirculationShare, 0.01, 0.999);
        Assert.InRange(r.Flows.PayoutRatio, 0, 0.15);
    }

    [Fact]
    public void APlainDifferentialStore_ReportsTeamPayAndPaysMore()
    {
        var r = CommunitySimulator.Run(Small with { Plan = StoreDefaults.PlainDifferentialPlan(), Compliance = ComplianceProfiles.ChinaAntiPyramid });
        Assert.Equal(FindingStatus.Fail, r.Compliance.Findings.Single(f => f.RuleId == "pyramid.team-pay").Status);
        Assert.True(r.Flows.CommissionsEarned > SmallRun.Value.Flows.CommissionsEarned);
        Assert.Equal(r.Flows.GrossSales, r.Flows.CommissionsEarned + r.Flows.CompanyShareOfSales);
    }

    [Fact]
    public void BadSettings_EveryProblemAtOnce_AndNothingRuns()
    {
        var bad = new SimulationSettings { Days = 0, ZoneId = "Mars/Olympus", RefundProbability = 1.5, SpreaderShare = 0.7, SilentShare = 0.5, PurchaseRateShape = 0, Membership = StoreDefaults.Membership(Instant.FromUtc(2026, 1, 1, 0, 0), StoreDefaults.Ladder()) };
        var ex = Assert.Throws<InvalidInputException>(() => CommunitySimulator.Run(bad));
        var codes = ex.Problems.Select(e => e.Code).ToHashSet();
        Assert.Superset(new HashSet<string> { "sim.days.range", "sim.zone.unknown", "sim.probability.range", "sim.shares.sum", "sim.distribution.positive", "sim.membership.ladder" }, codes);
        Assert.Contains(ex.Problems, e => e.Path == "RefundProbability");
    }
}
