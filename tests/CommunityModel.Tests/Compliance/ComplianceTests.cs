using System.Collections.Immutable;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Tests.Compliance;

public sealed class ComplianceTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    internal static CommissionPlan Levels(params decimal[] percents) => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = $"{percents.Length}-level",
        Currency = Currency.CNY,
        Levels = new LevelRule { Rates = [.. percents.Select(Rate.FromPercent)] },
        Products = [new ProductRule { Product = ProductId.From("member-card"), Commissionable = false }, new ProductRule { Product = ProductId.From("partner-pack"), Commissionable = false }],
    });

    internal static CommissionPlan PlainDifferential() => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "plain differential",
        Currency = Currency.CNY,
        Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(10), Rate.FromPercent(15), Rate.FromPercent(20)] },
        Products = [new ProductRule { Product = ProductId.From("member-card"), Commissionable = false }, new ProductRule { Product = ProductId.From("partner-pack"), Commissionable = false }],
    });

    private static ComplianceContext Operated(CommissionPlan plan) => new()
    {
        Plan = plan,
        HoldingPeriod = Period.FromMonths(2),
        RefundWindow = Period.FromMonths(2),
        PayoutInterval = Period.FromMonths(1),
        QualificationProducts = [ProductId.From("member-card"), ProductId.From("partner-pack")],
    };

    private static ComplianceFinding Finding(ComplianceReport report, string id) => Assert.Single(report.Findings, f => f.RuleId == id);

    [Fact]
    public void WeChatStrict_OneLevelPasses_TwoLevelsFailTheDepthRule()
    {
        var ok = ComplianceProfiles.ChinaWeChatStrict.Check(Operated(Levels(10)));
        Assert.True(ok.Passed, ok.Describe());
        var bad = ComplianceProfiles.ChinaWeChatStrict.Check(Operated(Levels(10, 5)));
        Assert.True(bad.HasErrors);
        var depth = Finding(bad, "depth.max-hops");
        Assert.Equal(FindingStatus.Fail, depth.Status);
        Assert.Equal("2 hop(s) paid", depth.Measured);
        Assert.Contains("微信", depth.Source, StringComparison.Ordinal);
        Assert.NotEmpty(depth.Fix);
        Assert.All(bad.Findings.Where(f => f.RuleId != "depth.max-hops"), f => Assert.Equal(FindingStatus.Pass, f.Status));
    }

    [Fact]
    public void TwoLevel_TenFivePasses_EachBreachIsFoundByItsOwnRule()
    {
        Assert.True(ComplianceProfiles.ChinaTwoLevel.Check(Operated(Levels(10, 5))).Passed);

        var threeLevels = ComplianceProfiles.ChinaTwoLevel.Check(Operated(Levels(10, 5, 3)));
        Assert.Equal(["depth.max-hops"], threeLevels.Failures.Select(f => f.RuleId));

        var dynamic = CommissionPlan.Create(Levels(10, 5).Definition with { Levels = Levels(10, 5).Definition.Levels! with { Compression = Compression.Dynamic } });
        var dyn = Finding(ComplianceProfiles.ChinaTwoLevel.Check(Operated(dynamic)), "depth.max-hops");
        Assert.Equal("unbounded hop(s) paid", dyn.Measured);
        Assert.Contains("dynamic compression", dyn.Message, StringComparison.Ordinal);

        var paysOnCard = CommissionPlan.Create(Levels(10, 5).Definition with { Products = [] });
        var recruit = Finding(ComplianceProfiles.ChinaTwoLevel.Check(Operated(paysOnCard)), "recruitment.no-pay");
        Assert.Equal(FindingStatus.Fail, recruit.Status);
        Assert.Contains("member-card, partner-pack", recruit.Measured, StringComparison.Ordinal);

        var shortHold = ComplianceProfiles.ChinaTwoLevel.Check(Operated(Levels(10, 5)) with { HoldingPeriod = Period.FromMonths(1) });
        Assert.Equal(["holding.covers-refund"], shortHold.Failures.Select(f => f.RuleId));

        var entryFee = ComplianceProfiles.ChinaTwoLevel.Check(Operated(Levels(10, 5)) with { EarningRequiresPurchase = true });
        Assert.Equal(["recruitment.no-entry-fee"], entryFee.Failures.Select(f => f.RuleId));
    }

    [Theory]
    [InlineData("P60D", "P2M", false)] // two months can be 62 days (July and August)
    [InlineData("P62D", "P2M", true)]
    [InlineData("P2M", "P60D", false)] // two months can be 59 days (January and February)
    [InlineData("P2M", "P2M", true)]
    [InlineData("P3M", "P2M", true)]
    [InlineData("P1M", "P30D", false)]
    public void HoldingCoversTheRefundWindowFromEveryStartDay(string holding, string window, bool covers)
    {
        var parse = NodaTime.Text.PeriodPattern.Roundtrip;
        var context = Operated(Levels(10)) with { HoldingPeriod = parse.Parse(holding).Value, RefundWindow = parse.Parse(window).Value };
        var f = new HoldingCoversRefundWindowRule().Evaluate(context, null);
        Assert.Equal(covers ? FindingStatus.Pass : FindingStatus.Fail, f.Status);
    }

    [Fact]
    public void MissingOperationalFacts_AreNotEvaluatedRatherThanPassed()
    {
        var report = ComplianceProfiles.ChinaDirectSelling.Check(ComplianceContext.ForPlan(Levels(20)));
        Assert.Equal(FindingStatus.NotEvaluated, Finding(report, "payout.interval").Status);
        Assert.Equal(FindingStatus.NotEvaluated, Finding(report, "refund.window").Status);
        Assert.False(report.HasErrors);
    }

    [Fact]
    public void DirectSelling_PlanRules()
    {
        var context = Operated(Levels(20)) with { RefundWindow = Period.FromDays(30) , HoldingPeriod = Period.FromDays(30) };
        Assert.True(ComplianceProfiles.ChinaDirectSelling.Check(context).Passed, ComplianceProfiles.ChinaDirectSelling.Check(context).Describe());

        Assert.Equal(["earner.own-sales-cap"], ComplianceProfiles.ChinaDirectSelling.Check(context with { Plan = Levels(10, 5) }).Failures.Select(f => f.RuleId));
        var tooRich = Finding(ComplianceProfiles.ChinaDirectSelling.Check(context with { Plan = Levels(35) }), "earner.own-sales-cap");
        Assert.Equal(FindingStatus.Fail, tooRich.Status);
        Assert.Contains("35%", tooRich.Measured, StringComparison.Ordinal);
        Assert.Equal(["payout.interval"], ComplianceProfiles.ChinaDirectSelling.Check(context with { PayoutInterval = Period.FromMonths(3) }).Failures.Select(f => f.RuleId));
        Assert.Equal(["refund.window"], ComplianceProfiles.ChinaDirectSelling.Check(context with { RefundWindow = Period.FromDays(14) }).Failures.Select(f => f.RuleId));
    }

    private static (CommissionRun Run, MemberStatuses Statuses) SmallRun(CommissionPlan plan, bool partnerBuys)
    {
        // Li (partner, rank 1) referred two customers and one partner.
        var tree = ReferralTree.Build(
        [
            new(MemberId.From("Li"), null, T0),
            new(MemberId.From("Wu"), MemberId.From("Li"), T0 + Duration.FromHours(1)),
            new(MemberId.From("Ma"), MemberId.From("Li"), T0 + Duration.FromHours(2)),
            new(MemberId.From("Qian"), MemberId.From("Li"), T0 + Duration.FromHours(3)),
        ]);
        var statuses = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("Li")] = 1, [MemberId.From("Qian")] = 1 });
        var orders = new List<Order>
        {
            new(OrderId.From("o1"), MemberId.From("Wu"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(1)),
            new(OrderId.From("o2"), MemberId.From("Ma"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(1)),
        };
        if (partnerBuys)
        {
            orders.Add(new(OrderId.From("o3"), MemberId.From("Qian"), ProductId.From("box"), Money.Parse("CNY 800.00"), T0 + Duration.FromDays(2)));
        }

        return (new CommissionEngine(plan).Run(statuses, orders), statuses);
    }

    [Fact]
    public void DirectSelling_RunRule_PayOnAParticipantsPurchaseIsNotOwnSalesToConsumers()
    {
        var plan = Levels(25);
        var context = Operated(plan) with { RefundWindow = Period.FromDays(30) };
        var (clean, s1) = SmallRun(plan, partnerBuys: false);
        Assert.Equal(FindingStatus.Pass, new OwnSalesCapRule(Rate.FromPercent(30)).Evaluate(context, new RunEvidence(clean, s1, 1)).Status);

        // Li earns 25% of 1000 = 250 but sold only 200 to consumers: 250 > 30% x 200 = 60.
        var (mixed, s2) = SmallRun(plan, partnerBuys: true);
        var f = new OwnSalesCapRule(Rate.FromPercent(30)).Evaluate(context, new RunEvidence(mixed, s2, 1));
        Assert.Equal(FindingStatus.Fail, f.Status);
        Assert.Contains("worst Li: paid CNY 250.00 on own direct sales of CNY 200.00", f.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void UsFtc_RetailShareNeedsARun_AndFailsWhenParticipantsBuyTheVolume()
    {
        var plan = Levels(10);
        var context = Operated(plan);
        Assert.Equal(FindingStatus.NotEvaluated, Finding(ComplianceProfiles.UsFtc.Check(context), "retail.share").Status);

        var (clean, s1) = SmallRun(plan, partnerBuys: false);
        var pass = Finding(ComplianceProfiles.UsFtc.Check(context, new RunEvidence(clean, s1, 1)), "retail.share");
        Assert.Equal(FindingStatus.Pass, pass.Status);
        Assert.StartsWith("100.0%", pass.Measured, StringComparison.Ordinal);

        var (mixed, s2) = SmallRun(plan, partnerBuys: true);
        var fail = Finding(ComplianceProfiles.UsFtc.Check(context, new RunEvidence(mixed, s2, 1)), "retail.share");
        Assert.Equal(FindingStatus.Fail, fail.Status);
        Assert.StartsWith("20.0% of CNY 1000.00", fail.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void AntiPyramid_TeamPayIsAWarningNotAnError()
    {
        var report = ComplianceProfiles.ChinaAntiPyramid.Check(Operated(PlainDifferential()));
        var team = Finding(report, "pyramid.team-pay");
        Assert.Equal(FindingStatus.Fail, team.Status);
        Assert.Equal(FindingSeverity.Warning, team.Severity);
        Assert.False(report.HasErrors);
        Assert.False(report.Passed);
        Assert.True(ComplianceProfiles.ChinaAntiPyramid.Check(Operated(Levels(10))).Passed);
    }

    [Fact]
    public void PayoutShare_AgainstTheStatedMarginAndFixedAmounts()
    {
        var context = Operated(Levels(30, 20)) with { StatedMargin = Rate.FromPercent(40) };
        var f = new MaxPayoutShareRule().Evaluate(context, null);
        Assert.Equal(FindingStatus.Fail, f.Status);
        Assert.Equal("up to 50% of an order", f.Measured);
        Assert.Equal("the stated margin 40%", f.Limit);
        Assert.Equal(FindingStatus.Pass, new MaxPayoutShareRule().Evaluate(context with { Plan = Levels(20, 10) }, null).Status);

        var gift = CommissionPlan.Create(Levels(10).Definition with
        {
            Products = [new ProductRule { Product = ProductId.From("gift"), FixedPerUnitByLevel = [Money.Parse("CNY 30.00")] }],
        });
        Assert.Equal(FindingStatus.Fail, new MaxPayoutShareRule().Evaluate(Operated(gift), null).Status);
        var priced = Operated(gift) with { UnitPrices = ImmutableDictionary<ProductId, Money>.Empty.Add(ProductId.From("gift"), Money.Parse("CNY 40.00")) };
        var share = new MaxPayoutShareRule(Rate.FromPercent(50)).Evaluate(priced, null);
        Assert.Equal(FindingStatus.Fail, share.Status);
        Assert.Equal("up to 75% of an order", share.Measured);
    }

    [Fact]
    public void ContextFromALadder_MarksQualificationRungsAndPrices()
    {
        var ladder = ProductLadder.Create(Currency.CNY,
        [
            new Rung { Id = "trial", Role = RungRole.Trial, Products = [ProductId.From("diaper-trial")], Price = new PriceBand(Money.Parse("CNY 9.90"), Money.Parse("CNY 39.00")) },
            new Rung { Id = "membership", Role = RungRole.Membership, Products = [ProductId.From("member-card")], Price = new PriceBand(Money.Parse("CNY 399.00"), Money.Parse("CNY 999.00")), UnlocksTier = "member" },
            new Rung { Id = "partnership", Role = RungRole.Partnership, Products = [ProductId.From("partner-pack")], Price = new PriceBand(Money.Parse("CNY 3980.00"), Money.Parse("CNY 9800.00")) },
        ]);
        var context = ComplianceContext.ForPlan(Levels(10), ladder);
        Assert.Equal(new[] { "member-card", "partner-pack" }, context.QualificationProducts.Select(p => p.Value).Order(StringComparer.Ordinal));
        Assert.Equal(Money.Parse("CNY 9.90"), context.UnitPrices[ProductId.From("diaper-trial")]);
    }

    [Fact]
    public void InvalidContext_ReportsEveryProblemWithCodes()
    {
        var context = Operated(Levels(10)) with
        {
            HoldingPeriod = Period.FromDays(-3),
            StatedMargin = Rate.Zero,
            UnitPrices = ImmutableDictionary<ProductId, Money>.Empty.Add(ProductId.From("x"), Money.Parse("USD 1.00")),
        };
        var ex = Assert.Throws<InvalidInputException>(() => ComplianceProfiles.ChinaTwoLevel.Check(context));
        Assert.Equal(
            new[] { "compliance.margin.range", "compliance.period.negative", "compliance.price.currency" },
            ex.Problems.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.Contains(ex.Problems, e => e.Path == "HoldingPeriod");
    }

    [Fact]
    public void CustomProfiles_ComposeAndRejectDuplicateRules()
    {
        var mine = ComplianceProfiles.ChinaTwoLevel.With("two-level, margin 25%", new MaxPayoutShareRule(Rate.FromPercent(25)), new TeamPayRule());
        Assert.Equal(ComplianceProfiles.ChinaTwoLevel.Rules.Length + 1, mine.Rules.Length);
        var report = mine.Check(Operated(Levels(20, 10)));
        Assert.Equal(["payout.max-share", "pyramid.team-pay"], report.Failures.Select(f => f.RuleId));
        Assert.Throws<ArgumentException>(() => ComplianceProfile.Custom("dup", "", new TeamPayRule(), new TeamPayRule()));
        Assert.Same(ComplianceProfiles.ChinaDirectSelling, ComplianceProfiles.Find("direct-selling"));
        Assert.Same(ComplianceProfiles.UsFtc, ComplianceProfiles.Find("us, ftc-style"));
        Assert.Null(ComplianceProfiles.Find("mars"));
    }
}
