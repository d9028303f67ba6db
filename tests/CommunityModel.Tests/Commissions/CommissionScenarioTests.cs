using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

public class CommissionScenarioTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    /// <summary>A chain written from the top down; the last id is the buyer.</summary>
    private static ReferralTree Chain(params string[] topDown) => Chains.TopDown(T0, topDown);

    public static CommissionPlan TwoLevelFenXiao() => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "二级分销 10% / 5%",
        Currency = Currency.CNY,
        Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
    });

    [Fact]
    public void TwoLevelPlan_PaysTenAndFivePercentFlooredToTheFen()
    {
        // A <- B <- C <- D; D buys CNY 99.99 = 9,999 fen.
        // C (level 1): 10% of 9,999 = 999.9 -> 999 fen. B (level 2): 5% = 499.95 -> 499 fen. A: level 3, nothing.
        var tree = Chain("A", "B", "C", "D");
        var engine = new CommissionEngine(TwoLevelFenXiao());
        var run = engine.Run(MemberStatuses.Uniform(tree), [new Order(OrderId.From("o1"), MemberId.From("D"), ProductId.From("box"), Money.Parse("CNY 99.99"), T0 + Duration.FromDays(2))]);
        var order = run[OrderId.From("o1")];
        Assert.Equal(2, order.Lines.Count);
        Assert.Equal(("C", 1, 999L), (order.Lines[0].Earner.Value, order.Lines[0].Level, order.Lines[0].Amount.MinorUnits));
        Assert.Equal(("B", 2, 499L), (order.Lines[1].Earner.Value, order.Lines[1].Level, order.Lines[1].Amount.MinorUnits));
        Assert.Equal(Money.Parse("CNY 85.01"), order.CompanyShare);
        Assert.Equal(Money.Zero(Currency.CNY), run.Totals.EarningsOf(MemberId.From("A")));
        Assert.Contains("C earns CNY 9.99 on o1: level 1 at 10%, 1 hop(s) above the buyer", order.Explain(), StringComparison.Ordinal);
    }

    [Fact]
    public void TwoLevelPlan_InactiveSponsor_ShareGoesToTheCompanyAndTheTraceSaysWhy()
    {
        var tree = Chain("A", "B", "C", "D");
        var statuses = MemberStatuses.Create(tree, null, inactive: [MemberId.From("C")]);
        var run = new CommissionEngine(TwoLevelFenXiao()).Run(statuses, [new Order(OrderId.From("o1"), MemberId.From("D"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(2))], trace: true);
        var line = Assert.Single(run[OrderId.From("o1")].Lines);
        Assert.Equal(("B", 2, 500L), (line.Earner.Value, line.Level, line.Amount.MinorUnits));
        var skip = Assert.Single(line.Skipped);
        Assert.Equal((SkipReason.Inactive, "C"), (skip.Reason, skip.Member.Value));
        Assert.Equal(Money.Parse("CNY 95.00"), run[OrderId.From("o1")].CompanyShare);
    }

    [Fact]
    public void TwoLevelPlan_DynamicCompression_NextActiveUplineTakesTheLevel()
    {
        var tree = Chain("A", "B", "C", "D");
        var plan = CommissionPlan.Create(TwoLevelFenXiao().Definition with
        {
            Levels = TwoLevelFenXiao().Definition.Levels! with { Compression = Compression.Dynamic },
        });
        var statuses = MemberStatuses.Create(tree, null, inactive: [MemberId.From("C")]);
        var run = new CommissionEngine(plan).Run(statuses, [new Order(OrderId.From("o1"), MemberId.From("D"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(2))], trace: true);
        Assert.Equal([("B", 1, 1000L), ("A", 2, 500L)], run[OrderId.From("o1")].Lines.Select(l => (l.Earner.Value, l.Level, l.Amount.MinorUnits)));
        Assert.Equal(SkipReason.Compressed, Assert.Single(run[OrderId.From("o1")].Lines[0].Skipped).Reason);
    }

    public static CommissionPlan FiveRankDifferential(PeerBonus? peer) => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "5-rank differential",
        Currency = Currency.CNY,
        Differential = new DifferentialRule
        {
            RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10), Rate.FromPercent(15), Rate.FromPercent(20)],
            PeerBonus = peer,
        },
        Products = [new ProductRule { Product = ProductId.From("partner-pack"), Commissionable = false }],
    });

    [Fact]
    public void FiveRankDifferential_WithPeerBonusAndCompression_PaysTheHandComputedAmounts()
    {
        // buyer x(0) <- u1(1) <- u2(4, inactive) <- u3(3) <- u4(3) <- u5(2) <- u6(4) <- u7(4) <- root(0)
        // Order CNY 1,000.00 = 100,000 fen; rates 0/5/10/15/20%; peer bonus 2% to the first peer.
        // u1: 5% = 5,000. u2: inactive, passed over (compression). u3: 15% - 5% = 10,000.
        // u4: rank 3 = highest below -> peer 2% = 2,000. u5: rank 2 < 3 -> nothing.
        // u6: 20% - 15% = 5,000; top rate reached and the one peer bonus used -> u7 and root earn nothing.
        var tree = Chain("root", "u7", "u6", "u5", "u4", "u3", "u2", "u1", "x");
        var ranks = new Dictionary<MemberId, int> { [MemberId.From("u1")] = 1, [MemberId.From("u2")] = 4, [MemberId.From("u3")] = 3, [MemberId.From("u4")] = 3, [MemberId.From("u5")] = 2, [MemberId.From("u6")] = 4, [MemberId.From("u7")] = 4 };
        var statuses = MemberStatuses.Create(tree, ranks, inactive: [MemberId.From("u2")]);
        var run = new CommissionEngine(FiveRankDifferential(new PeerBonus(Rate.FromPercent(2)))).Run(statuses,
            [new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 1000.00"), T0 + Duration.FromDays(1))], trace: true);
        var o = run[OrderId.From("o1")];
        Assert.Equal(
            [("u1", CommissionRuleKind.Differential, 5_000L, 1), ("u3", CommissionRuleKind.Differential, 10_000L, 3), ("u4", CommissionRuleKind.PeerBonus, 2_000L, 4), ("u6", CommissionRuleKind.Differential, 5_000L, 6)],
            o.Lines.Select(l => (l.Earner.Value, l.Rule, l.Amount.MinorUnits, l.Distance)));
        Assert.Equal(Rate.FromPercent(10), o.Lines[1].Rate);
        Assert.Equal(Money.Parse("CNY 780.00"), o.CompanyShare);
        Assert.Contains(o.Skipped, s => s.Member == MemberId.From("u2") && s.Reason == SkipReason.Compressed);
        Assert.Contains(o.Skipped, s => s.Member == MemberId.From("u5") && s.Reason == SkipReason.RateAlreadyPaidBelow);
        Assert.Contains(o.Skipped, s => s.Member == MemberId.From("u7") && s.Reason == SkipReason.RateAlreadyPaidBelow && s.Count == 2);
    }

    [Fact]
    public void NonCommissionableProduct_PaysNothing()
    {
        var tree = Chain("u", "x");
        var statuses = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("u")] = 4 });
        var run = new CommissionEngine(FiveRankDifferential(null)).Run(statuses, [new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("partner-pack"), Money.Parse("CNY 3980.00"), T0 + Duration.FromDays(1))], trace: true);
        Assert.Empty(run[OrderId.From("o1")].Lines);
        Assert.Equal(SkipReason.NonCommissionableProduct, Assert.Single(run[OrderId.From("o1")].Skipped).Reason);
        Assert.Equal(Money.Parse("CNY 3980.00"), run.Totals.CompanyShare);
    }

    [Fact]
    public void FixedPerUnitProduct_PaysTheAmountTimesQuantity()
    {
        var plan = CommissionPlan.Create(TwoLevelFenXiao().Definition with
        {
            Products = [new ProductRule { Product = ProductId.From("diapers"), FixedPerUnitByLevel = [Money.Parse("CNY 3.00"), Money.Parse("CNY 1.50")] }],
        });
        var tree = Chain("A", "B", "C");
        var run = new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), [new Order(OrderId.From("o1"), MemberId.From("C"), ProductId.From("diapers"), Money.Parse("CNY 240.00"), T0 + Duration.FromDays(1), Quantity: 4)]);
        Assert.Equal([("B", 1200L), ("A", 600L)], run[OrderId.From("o1")].Lines.Select(l => (l.Earner.Value, l.Amount.MinorUnits)));
        Assert.All(run[OrderId.From("o1")].Lines, l => Assert.Null(l.Rate));
    }

    [Theory]
    [InlineData(CapPolicy.DeepestFirst, 1000L, 200L)]
    [InlineData(CapPolicy.ProRata, 800L, 400L)]
    public void Cap_CutsAsThePolicySays(CapPolicy policy, long level1, long level2)
    {
        // 10% + 5% of CNY 100 = 15 yuan, capped at 12%: 3 yuan must go.
        // Deepest first: level 2 loses 3.00 of 5.00. Pro rata: cut 3.00 in proportion 10:5 -> 2.00 and 1.00.
        var plan = CommissionPlan.Create(TwoLevelFenXiao().Definition with { Cap = new OrderCap(Rate.FromPercent(12), policy) });
        var tree = Chain("A", "B", "C");
        var run = new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), [new Order(OrderId.From("o1"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0)]);
        Assert.Equal([level1, level2], run[OrderId.From("o1")].Lines.Select(l => l.Amount.MinorUnits));
        Assert.Equal(Money.Parse("CNY 3.00"), run[OrderId.From("o1")].CapCut);
        Assert.Equal(Money.Parse("CNY 88.00"), run[OrderId.From("o1")].CompanyShare);
    }

    [Fact]
    public void SelfPurchaseRebate_IsOffByDefaultAndPaysTheBuyerWhenOn()
    {
        var tree = Chain("A", "B");
        var order = new Order(OrderId.From("o1"), MemberId.From("B"), ProductId.From("box"), Money.Parse("CNY 50.00"), T0);
        Assert.DoesNotContain(new CommissionEngine(TwoLevelFenXiao()).Run(MemberStatuses.Uniform(tree), [order]).Lines, l => l.Earner == MemberId.From("B"));
        var plan = CommissionPlan.Create(TwoLevelFenXiao().Definition with { SelfPurchaseRebate = Rate.FromPercent(3) });
        var rebate = Assert.Single(new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), [order]).Lines, l => l.Earner == MemberId.From("B"));
        Assert.Equal((CommissionRuleKind.SelfPurchaseRebate, 0, 150L), (rebate.Rule, rebate.Distance, rebate.Amount.MinorUnits));
    }

    [Fact]
    public void SelfPurchaseRebate_GoesOnlyToAnActiveBuyer_UnlessThePlanSaysOtherwise()
    {
        // RebateRequiresActive is true unless a plan turns it off: an inactive buyer gets no rebate.
        var tree = Chain("A", "B");
        var order = new Order(OrderId.From("o1"), MemberId.From("B"), ProductId.From("box"), Money.Parse("CNY 50.00"), T0);
        var inactiveBuyer = MemberStatuses.Create(tree, ranks: null, inactive: [MemberId.From("B")]);
        var plan = CommissionPlan.Create(TwoLevelFenXiao().Definition with { SelfPurchaseRebate = Rate.FromPercent(3) });
        Assert.True(plan.Definition.RebateRequiresActive);
        Assert.DoesNotContain(new CommissionEngine(plan).Run(inactiveBuyer, [order]).Lines, l => l.Rule == CommissionRuleKind.SelfPurchaseRebate);
        var anyBuyer = CommissionPlan.Create(plan.Definition with { RebateRequiresActive = false });
        Assert.Equal(150L, Assert.Single(new CommissionEngine(anyBuyer).Run(inactiveBuyer, [order]).Lines, l => l.Rule == CommissionRuleKind.SelfPurchaseRebate).Amount.MinorUnits);
    }

    [Fact]
    public void Transfer_CommissionsUseTheSponsorAsOfTheOrder()
    {
        var tree = ReferralTree.Build(
        [
            new(MemberId.From("A"), null, T0),
            new(MemberId.From("B"), null, T0),
            new(MemberId.From("C"), MemberId.From("A"), T0 + Duration.FromDays(1)),
        ]).WithTransfer(new SponsorTransfer(MemberId.From("C"), MemberId.From("B"), T0 + Duration.FromDays(10), "moved to the service account's team"));
        var engine = new CommissionEngine(TwoLevelFenXiao());
        var run = engine.Run(MemberStatuses.Uniform(tree),
        [
            new Order(OrderId.From("before"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 10.00"), T0 + Duration.FromDays(9)),
            new Order(OrderId.From("after"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 10.00"), T0 + Duration.FromDays(10)),
        ]);
        Assert.Equal("A", Assert.Single(run[OrderId.From("before")].Lines).Earner.Value);
        Assert.Equal("B", Assert.Single(run[OrderId.From("after")].Lines).Earner.Value);
    }

    [Fact]
    public void RanksOutsideThePlan_AreRejectedByName()
    {
        var tree = Chain("u", "x");
        var statuses = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("u")] = 9 });
        var ex = Assert.Throws<InvalidInputException>(() => new CommissionEngine(FiveRankDifferential(null)).Run(statuses, [new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 1.00"), T0)]));
        Assert.IsType<RankMustBeDefinedByPlanRule>(ex.Rule);
        Assert.Contains("u (rank 9)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadOrders_AreAllReportedAndNothingIsComputed()
    {
        var tree = Chain("u", "x");
        var ex = Assert.Throws<InvalidInputException>(() => new CommissionEngine(TwoLevelFenXiao()).Run(MemberStatuses.Uniform(tree),
        [
            new Order(OrderId.From("o1"), MemberId.From("ghost"), ProductId.From("box"), Money.Parse("CNY 1.00"), T0),
            new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.Parse("USD 1.00"), T0),
            new Order(OrderId.From("o3"), MemberId.From("x"), ProductId.From("box"), Money.OfMinor(-5, Currency.CNY), T0, Quantity: 0),
        ]));
        var rule = Assert.IsType<OrderBatchMustBeValidRule>(ex.Rule);
        Assert.Equal(
            new[] { "order.amount.negative", "order.buyer.unknown", "order.currency.mismatch", "order.duplicate", "order.quantity.range" },
            rule.Problems.Select(p => p.Code).Order(StringComparer.Ordinal));
        Assert.Equal([0, 1, 1, 2, 2], rule.Problems.Select(p => p.Row).Order());
    }

    [Fact]
    public void OrdersPaidBeforeTheBuyerJoined_AreRefused_EveryOneAtOnce_OnEveryPath()
    {
        // x joined an hour before T0: orders at T0 - 2h and T0 - 3h are before it; the one at T0 is fine.
        var tree = Chain("u", "x");
        var engine = new CommissionEngine(TwoLevelFenXiao());
        Order At(string id, Instant at) => new(OrderId.From(id), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 100.00"), at);
        var ex = Assert.Throws<InvalidInputException>(() => engine.Run(MemberStatuses.Uniform(tree), [At("ok", T0), At("early1", T0 - Duration.FromHours(2)), At("early2", T0 - Duration.FromHours(3))]));
        var rule = Assert.IsType<OrderBatchMustBeValidRule>(ex.Rule);
        Assert.Equal([("order.before-join", 1), ("order.before-join", 2)], rule.Problems.Select(p => (p.Code, p.Row)));
        Assert.Contains("before the buyer 'x' joined", rule.Problems[0].Detail, StringComparison.Ordinal);

        var x = tree.IndexOf(MemberId.From("x"));
        var columns = Assert.Throws<InvalidInputException>(() => OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [x, x], [100, 100], [T0, T0 - Duration.FromHours(2)]));
        Assert.Equal([1], Assert.IsType<OrderBatchMustBeValidRule>(columns.Rule).Problems.Select(p => p.Row));

        var builder = new OrderBatchBuilder(tree, Currency.CNY);
        builder.Add(x, "box", 100, T0);
        builder.Add(x, "box", 100, T0 - Duration.FromHours(2));
        var built = Assert.Throws<InvalidInputException>(builder.Build);
        Assert.Equal(["order.before-join"], Assert.IsType<OrderBatchMustBeValidRule>(built.Rule).Problems.Select(p => p.Code));

        // A buyer index below zero is out of range, not an arithmetic overflow.
        Assert.Throws<ArgumentOutOfRangeException>(() => new OrderBatchBuilder(tree, Currency.CNY).Add(-1, "box", 100, T0));
        Assert.Equal("order.buyer.unknown", Assert.IsType<OrderBatchMustBeValidRule>(Assert.Throws<InvalidInputException>(() => OrderBatch.FromColumns(tree, Currency.CNY, ProductId.From("box"), [-1], [100], [T0])).Rule).Problems[0].Code);
    }

    [Fact]
    public void SumsBeyond64Bits_AreAMoneyOverflow_OnEveryPath()
    {
        var tree = Chain("u", "x");
        var engine = new CommissionEngine(TwoLevelFenXiao());
        Order Big(string id) => new(OrderId.From(id), MemberId.From("x"), ProductId.From("box"), Money.OfMinor(long.MaxValue - 5, Currency.CNY), T0);
        var batch = OrderBatch.Create(tree, Currency.CNY, [Big("o1"), Big("o2")]);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => engine.Run(MemberStatuses.Uniform(tree), batch)).Rule);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => engine.RunTotals(MemberStatuses.Uniform(tree), batch)).Rule);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => engine.RunTotals(MemberStatuses.Uniform(tree), batch, new CommissionRunOptions { ForceOrderByOrder = true })).Rule);
    }

    [Fact]
    public void ARefundWithoutAnId_IsRefused_AndChangesNothing()
    {
        var tree = Chain("u", "x");
        var run = new CommissionEngine(TwoLevelFenXiao()).Run(MemberStatuses.Uniform(tree), [new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0)]);
        var ledger = new PayoutLedger(Currency.CNY, Period.Zero, DateTimeZone.Utc);
        Assert.True(ledger.Record(run).Accepted);
        var before = ledger.NetOf(MemberId.From("u"));
        var result = ledger.Refund(default, OrderId.From("o1"), Money.Parse("CNY 10.00"), T0 + Duration.FromDays(1));
        Assert.False(result.Accepted);
        Assert.Equal("ledger.refund.no-id", result.Code);
        Assert.Equal(before, ledger.NetOf(MemberId.From("u")));
    }

    [Fact]
    public void PlanValidator_ReportsEveryProblemWithPathAndCode()
    {
        var bad = new CommissionPlanDefinition
        {
            Name = "",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(60), Rate.FromPercent(50)], MinimumRank = -1 },
            Differential = new DifferentialRule { RateByRank = [Rate.FromPercent(10), Rate.FromPercent(5)], PeerBonus = new PeerBonus(Rate.FromPercent(1), 0) },
            Products = [new ProductRule { Product = ProductId.From("p") }, new ProductRule { Product = ProductId.From("p"), FixedPerUnitByLevel = [Money.Parse("USD 1.00")] }],
        };
        var ex = Assert.Throws<InvalidInputException>(() => CommissionPlan.Create(bad));
        var codes = ex.Problems.Select(e => (e.Path, e.Code)).ToHashSet();
        Assert.Contains(("Name", "plan.name.empty"), codes);
        Assert.Contains(("Levels.MinimumRank", "plan.levels.minimum-rank"), codes);
        Assert.Contains(("Differential.RateByRank", "plan.differential.decreasing"), codes);
        Assert.Contains(("Differential.PeerBonus.MaxUplines", "plan.peer.max-uplines"), codes);
        Assert.Contains(("Products[1].Product", "plan.products.duplicate"), codes);
        Assert.Contains(("Products[1].FixedPerUnitByLevel", "plan.products.fixed.currency"), codes);
        Assert.Contains(("Products[1].FixedPerUnitByLevel", "plan.products.fixed.length"), codes);
        Assert.Contains(("Rules", "plan.payout.over-100-percent"), codes);
    }
}
