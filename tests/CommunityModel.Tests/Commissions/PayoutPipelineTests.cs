using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>The payout pipeline at scale: all-or-nothing recording, merged traces, and who a payout file lists.</summary>
public class PayoutPipelineTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    private static ReferralTree Chain(params string[] topDown) =>
        ReferralTree.Build(topDown.Select((m, i) => new JoinRecord(MemberId.From(m), i == 0 ? (MemberId?)null : new MemberId(topDown[i - 1]), T0 + Duration.FromHours(i))));

    private static OrderCommission Outcome(string order, long amount, params CommissionLine[] lines) =>
        new(OrderId.From(order), MemberId.From("C"), ProductId.From("box"), Money.OfMinor(amount, Currency.CNY), T0 + Duration.FromDays(1), lines, [], Money.OfMinor(amount - lines.Sum(l => l.Amount.MinorUnits), Currency.CNY), Money.Zero(Currency.CNY));

    private static CommissionLine Line(string order, string earner, long amount, Currency? currency = null) =>
        new(OrderId.From(order), new MemberId(earner), CommissionRuleKind.Level, 1, 1, Rate.FromPercent(10), Money.OfMinor(amount, currency ?? Currency.CNY), Money.Zero(currency ?? Currency.CNY), []);

    public static TheoryData<string, string> BadOutcomes => new()
    {
        { "usd-line", "ledger.currency.mismatch" },
        { "negative-line", "ledger.line.negative" },
        { "lines-above-order", "ledger.lines.exceed-order" },
        { "no-earner", "ledger.line.earner-missing" },
        { "no-lines", "ledger.order.invalid" },
        { "holding-past-9999", "ledger.holding.out-of-range" },
        { "repeated", "ledger.order.duplicate" },
    };

    [Theory]
    [MemberData(nameof(BadOutcomes))]
    public void Record_ABadOrderAmongGoodOnes_IsRejectedWithItsCode_AndNothingIsRecorded(string bad, string code)
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        Assert.True(ledger.Record([Outcome("before", 1_000, Line("before", "A", 100))]).Accepted);
        var entries = ledger.Entries.Count;
        var good = Outcome("o1", 10_000, Line("o1", "B", 1_000), Line("o1", "A", 500));
        var wrong = bad switch
        {
            "usd-line" => Outcome("o2", 10_000, Line("o2", "B", 1_000, Currency.USD)),
            "negative-line" => Outcome("o2", 10_000, Line("o2", "B", -1)),
            "lines-above-order" => Outcome("o2", 1_000, Line("o2", "B", 600), Line("o2", "A", 401)),
            "no-earner" => Outcome("o2", 10_000, Line("o2", "B", 1) with { Earner = default }),
            "no-lines" => Outcome("o2", 10_000) with { Lines = null! },
            "holding-past-9999" => Outcome("o2", 10_000, Line("o2", "B", 1)) with { PaidAt = Instant.FromUtc(9999, 12, 1, 0, 0) },
            _ => good,
        };

        var result = ledger.Record([good, wrong]);
        Assert.Equal((false, code), (result.Accepted, result.Code));
        Assert.Empty(result.Entries);
        Assert.Equal(entries, ledger.Entries.Count);
        Assert.Equal(1, ledger.OrderCount);
        Assert.Equal(Money.Zero(Currency.CNY), ledger.NetOf(MemberId.From("B")));
        Assert.Equal("ledger.refund.unknown-order", ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.OfMinor(1, Currency.CNY), T0 + Duration.FromDays(2)).Code);
        Assert.True(ledger.Record([good]).Accepted);
    }

    [Fact]
    public void Record_ARunFromAnotherCurrencyOrAlreadyRecorded_IsRejectedWhole()
    {
        var tree = Chain("A", "B", "C");
        var run = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).Run(MemberStatuses.Uniform(tree),
            [new Order(OrderId.From("o1"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(1)), new Order(OrderId.From("o2"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 50.00"), T0 + Duration.FromDays(1))]);
        var usd = new PayoutLedger(Currency.USD, Period.Zero, DateTimeZone.Utc);
        Assert.Equal("ledger.currency.mismatch", usd.Record(run).Code);
        Assert.Empty(usd.Entries);

        var ledger = new PayoutLedger(Currency.CNY, Period.Zero, DateTimeZone.Utc);
        Assert.True(ledger.Record([run.Orders[1]]).Accepted);
        var again = ledger.Record(run);
        Assert.Equal(("ledger.order.duplicate", 2, 1), (again.Code, ledger.Entries.Count, ledger.OrderCount));
    }

    [Fact]
    public void DetailedRun_ConsecutiveUplinesPassedOverForOneReason_AreOneEntryWithACount()
    {
        // x <- u1(rank 1) <- u2(1) <- u3(1) <- u4(2) <- u5(2): u1 takes 10%; u2 and u3 earn nothing (one entry, count 2);
        // u4 takes the step to 20%, the top rate: u5 is the cut.
        var tree = Chain("u5", "u4", "u3", "u2", "u1", "x");
        var ranks = new Dictionary<MemberId, int> { [MemberId.From("u1")] = 1, [MemberId.From("u2")] = 1, [MemberId.From("u3")] = 1, [MemberId.From("u4")] = 2, [MemberId.From("u5")] = 2 };
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "3-rank differential",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(10), Rate.FromPercent(20)] },
        });
        var run = new CommissionEngine(plan).Run(MemberStatuses.Create(tree, ranks), [new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(1))], trace: true);
        var o = run[OrderId.From("o1")];
        Assert.Equal([("u1", 1_000L), ("u4", 1_000L)], o.Lines.Select(l => (l.Earner.Value, l.Amount.MinorUnits)));
        var merged = Assert.Single(o.Lines[1].Skipped);
        Assert.Equal(("u2", 2, 2, SkipReason.RateAlreadyPaidBelow), (merged.Member.Value, merged.Distance, merged.Count, merged.Reason));
        Assert.Equal("2 upline(s) from u2 (2 hop(s) up) earn nothing: u1 below already took the rate of rank 1", merged.Detail);
        Assert.Equal(2, o.Skipped.Count);
        Assert.Contains("1 upline(s) from u5 up earn nothing: u4 below already took the top rate (rank 2)", o.Explain(), StringComparison.Ordinal);

        var untraced = new CommissionEngine(plan).Run(MemberStatuses.Create(tree, ranks), [new Order(OrderId.From("o1"), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(1))]);
        Assert.False(untraced.HasTrace);
        Assert.Empty(untraced[OrderId.From("o1")].Skipped);
        Assert.Equal(o.Lines.Select(l => l with { Skipped = [] }), untraced[OrderId.From("o1")].Lines.Select(l => l with { Skipped = [] }));
    }

    [Fact]
    public void DetailedRun_InactiveUplinesOnConsecutiveLevels_AreOneEntry()
    {
        var tree = Chain("A", "B", "C", "D", "E");
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "4 levels",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5), Rate.FromPercent(3), Rate.FromPercent(2)] },
        });
        var run = new CommissionEngine(plan).Run(MemberStatuses.Create(tree, null, [MemberId.From("D"), MemberId.From("C")]), [new Order(OrderId.From("o1"), MemberId.From("E"), ProductId.From("box"), Money.Parse("CNY 100.00"), T0 + Duration.FromDays(1))], trace: true);
        var skip = Assert.Single(run[OrderId.From("o1")].Lines[0].Skipped);
        Assert.Equal(("D", 1, 2, SkipReason.Inactive), (skip.Member.Value, skip.Distance, skip.Count, skip.Reason));
        Assert.Equal("2 upline(s) from D at levels 1-2 are inactive; the company keeps their levels' shares", skip.Detail);
        Assert.Equal([("B", 3), ("A", 4)], run[OrderId.From("o1")].Lines.Select(l => (l.Earner.Value, l.Level)));
    }

    [Fact]
    public void PayoutContract_AOneFenOrderUnderATwoLevelPlan_GivesTwoEarnersOfZero()
    {
        var tree = Chain("A", "B", "C");
        var engine = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao());
        var statuses = MemberStatuses.Uniform(tree);
        var batch = OrderBatch.Create(tree, Currency.CNY, [new Order(OrderId.From("o1"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 0.01"), T0 + Duration.FromDays(1))]);
        var totals = engine.RunTotals(statuses, batch);
        Assert.Equal([("A", 0L), ("B", 0L)], totals.ByEarnerWithZeroLines().Select(e => (e.Key.Value, e.Value.MinorUnits)));
        Assert.Empty(totals.ByEarner());
        Assert.Equal(totals.ByEarnerWithZeroLines(), engine.Run(statuses, batch).Totals.ByEarnerWithZeroLines());
    }

    [Fact]
    public void PayoutContract_AFixedAmountCutToZeroByTheCap_StillListsItsEarner_OnEveryRoute()
    {
        // Found by the property below: a gift pays CNY 1.00 and CNY 0.90 per unit to levels 1 and 2, but the
        // order is CNY 0.99 and the cap is 53.7969%: level 1 gets CNY 0.53, level 2 is cut to CNY 0.00.
        var t0 = Instant.FromUtc(2026, 3, 1, 0, 0);
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("a"), null, t0), new JoinRecord(MemberId.From("b"), MemberId.From("a"), t0), new JoinRecord(MemberId.From("c"), MemberId.From("b"), t0)]);
        var definition = new CommissionPlanDefinition
        {
            Name = "gift",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPartsPerMillion(49_995), Rate.FromPartsPerMillion(75_672)] },
            Products = [new ProductRule { Product = ProductId.From("gift"), FixedPerUnitByLevel = [Money.Parse("CNY 1.00"), Money.Parse("CNY 0.90")] }],
            Cap = new OrderCap(Rate.FromPartsPerMillion(537_969), CapPolicy.DeepestFirst),
        };
        var engine = new CommissionEngine(CommissionPlan.Create(definition));
        var statuses = MemberStatuses.Uniform(tree);
        var batch = OrderBatch.Create(tree, Currency.CNY, [new Order(OrderId.From("o1"), MemberId.From("c"), ProductId.From("gift"), Money.Parse("CNY 0.99"), t0 + Duration.FromDays(1))]);
        var run = engine.Run(statuses, batch);
        Assert.Equal([("b", 53L), ("a", 0L)], run.Lines.Select(l => (l.Earner.Value, l.Amount.MinorUnits)));
        foreach (var totals in new[] { run.Totals, engine.RunTotals(statuses, batch), engine.RunTotals(statuses, batch, new CommissionRunOptions { ByBuyerChunkOrders = 1 }) })
        {
            Assert.Equal(["a", "b"], totals.ByEarnerWithZeroLines().Select(e => e.Key.Value));
        }
    }

    [Property(MaxTest = 200)]
    public Property PayoutContract_TotalsListExactlyTheMembersWithALine_OnEveryRoute() =>
        Prop.ForAll(Arb.From(from c in TreeGens.Community(40, 5, 30) from p in TreeGens.Plan(5) select (c, p)), t =>
        {
            var (c, definition) = t;
            var tree = c.Tree();
            var statuses = c.Statuses(tree);
            var engine = new CommissionEngine(CommissionPlan.Create(definition));
            var batch = OrderBatch.Create(tree, Currency.CNY, c.OrderList());
            var run = engine.Run(statuses, batch);
            var withLines = run.Lines.Select(l => l.Earner.Value).Distinct().Order(StringComparer.Ordinal).ToList();
            var fromRun = run.Totals.ByEarnerWithZeroLines().Select(e => e.Key.Value).ToList();
            var fast = engine.RunTotals(statuses, batch).ByEarnerWithZeroLines().Select(e => e.Key.Value).ToList();
            var split = new CommissionEngine(CommissionPlan.Create(definition)).RunTotals(statuses, batch, new CommissionRunOptions { ByBuyerChunkOrders = 2 }).ByEarnerWithZeroLines().Select(e => e.Key.Value).ToList();
            return (withLines.SequenceEqual(fromRun) && withLines.SequenceEqual(fast) && withLines.SequenceEqual(split))
                .Label($"lines: {string.Join(",", withLines)} run: {string.Join(",", fromRun)} fast: {string.Join(",", fast)} split: {string.Join(",", split)}");
        });

    [Theory]
    [InlineData("America/New_York", "P2M")]
    [InlineData("America/New_York", "P1M10D")]
    [InlineData("Europe/London", "P1Y")]
    [InlineData("Asia/Shanghai", "P2M")]
    [InlineData("Australia/Lord_Howe", "P7D")]
    public void AvailableAt_EveryHalfHourOfTwoYears_IsTheCalendarArithmeticInTheZone(string zoneId, string period)
    {
        // The ledger shares the shift of one local day between orders; across transitions it must still be
        // exactly the local date-time plus the period, mapped leniently.
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var holding = NodaTime.Text.PeriodPattern.NormalizingIso.Parse(period).Value;
        var ledger = new PayoutLedger(Currency.CNY, holding, zone);
        var wrong = new List<string>();
        for (var at = Instant.FromUtc(2025, 1, 1, 0, 0); at < Instant.FromUtc(2027, 1, 1, 0, 0); at += Duration.FromMinutes(30))
        {
            var expected = (at.InZone(zone).LocalDateTime + holding).InZoneLeniently(zone).ToInstant();
            var actual = ledger.AvailableAt(at);
            if (actual != expected && wrong.Count < 5)
            {
                wrong.Add($"{at}: {actual} instead of {expected}");
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void OrderBatchBuilder_IdsCheckedAtOnceOrWhenBuilt_ReportTheRepeats_AndJoinedBuildersKeepFileOrder()
    {
        var tree = Chain("A", "B", "C");
        var at = T0 + Duration.FromDays(1);
        var now = new OrderBatchBuilder(tree, Currency.CNY);
        Assert.True(now.TryAdd(OrderId.From("o1"), 2, "box", 100, at));
        Assert.False(now.TryAdd(OrderId.From("o1"), 1, "box", 200, at));
        Assert.Equal(1, now.Count);

        var later = new OrderBatchBuilder(tree, Currency.CNY);
        foreach (var id in new[] { "o1", "o2", "o1", "o3", "o2" })
        {
            later.AddWithId(OrderId.From(id), 2, "box", 100, at);
        }

        var rule = Assert.IsType<OrderBatchMustBeValidRule>(Assert.Throws<InvalidInputException>(() => later.Build()).Rule);
        Assert.Equal([(2, "o1"), (4, "o2")], rule.Problems.Select(p => (p.Row, p.Order!.Value.Value)));

        var first = new OrderBatchBuilder(tree, Currency.CNY);
        var second = new OrderBatchBuilder(tree, Currency.CNY);
        first.AddWithId(OrderId.From("a"), 2, "box", 100, at);
        second.AddWithId(OrderId.From("b"), 1, "gift", 50, at);
        second.AddWithId(OrderId.From("c"), 2, "box", 70, at);
        Assert.Equal(-1, first.Append(second));
        var batch = first.Build();
        Assert.Equal(["a", "b", "c"], Enumerable.Range(0, batch.Count).Select(r => batch.IdAt(r).Value));
        var run = new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).Run(MemberStatuses.Uniform(tree), batch);
        Assert.Equal(["box", "gift", "box"], run.Orders.Select(o => o.Product.Value));
    }
}
