using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// Every way the payout ledger refuses an operation, with its code and its exact words, and the ledger unchanged;
/// and the size of its columns per line.
/// </summary>
public class LedgerRejectionTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    private static PayoutLedger Ledger() => new(Currency.CNY, Period.FromMonths(2), Shanghai);

    private static OrderCommission Outcome(string id, Money amount, Instant paidAt, params CommissionLine[] lines) =>
        new(OrderId.From(id), MemberId.From("buyer"), ProductId.From("box"), amount, paidAt, lines, [], amount, Money.Zero(amount.Currency));

    private static CommissionLine Line(string order, string earner, Money amount) =>
        new(OrderId.From(order), earner.Length == 0 ? default : MemberId.From(earner), CommissionRuleKind.Level, 1, 1, Rate.FromPercent(10), amount, Money.Zero(amount.Currency), []);

    private static void Refused(LedgerResult result, string code, string message, PayoutLedger ledger, int entriesBefore)
    {
        Assert.False(result.Accepted);
        Assert.Equal(code, result.Code);
        Assert.Equal(message, result.Message);
        Assert.Empty(result.Entries);
        Assert.Equal(entriesBefore, ledger.Entries.Count);
    }

    private static CommissionRun Run(Currency currency, long amount, Instant paidAt)
    {
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("A"), null, T0 - Duration.FromDays(1)), new JoinRecord(MemberId.From("B"), MemberId.From("A"), T0 - Duration.FromDays(1))]);
        var plan = CommissionPlan.Create(new CommissionPlanDefinition { Name = "10%", Currency = currency, Levels = new LevelRule { Rates = [Rate.FromPercent(10)] } });
        var batch = OrderBatch.Create(tree, currency, [new Order(OrderId.From("o1"), MemberId.From("B"), ProductId.From("box"), Money.OfMinor(amount, currency), paidAt)]);
        return new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), batch);
    }

    [Fact]
    public void ARun_IsRefusedInWords_ForItsCurrency_ItsHoldingEnd_AndAnOverflow()
    {
        var ledger = Ledger();
        Refused(ledger.Record(Run(Currency.USD, 1_000, T0)), "ledger.currency.mismatch", "The run is in USD, the ledger in CNY; nothing was changed.", ledger, 0);

        var late = Instant.FromUtc(9999, 12, 1, 0, 0);
        Refused(ledger.Record(Run(Currency.CNY, 1_000, late)), "ledger.holding.out-of-range",
            $"Order o1: the holding period P2M after {late} ends outside the dates that can be represented; nothing was changed.", ledger, 0);

        // A ledger near the 64-bit limit takes no run whose lines would pass it.
        Assert.True(ledger.Record([Outcome("big", Money.OfMinor(long.MaxValue - 10, Currency.CNY), T0, Line("big", "A", Money.OfMinor(long.MaxValue - 10, Currency.CNY)))]).Accepted);
        Refused(ledger.Record(Run(Currency.CNY, 1_000, T0)), "ledger.amount.overflow",
            $"The run's lines would take the ledger past {long.MaxValue} minor units; nothing was changed.", ledger, 1);
        Assert.True(ledger.Record(Run(Currency.CNY, 100, T0)).Accepted); // a line of 10 fits exactly
    }

    [Fact]
    public void OrderOutcomes_AreRefusedInWords_OneKindOfProblemAtATime()
    {
        var ledger = Ledger();
        var cny = Money.Parse("CNY 100.00");
        Refused(ledger.Record([null!]), "ledger.order.invalid", "Order outcome 0 is null or has no id or no lines; nothing was changed.", ledger, 0);
        Refused(ledger.Record([Outcome("o1", Money.Parse("USD 100.00"), T0)]), "ledger.currency.mismatch", "Order o1 is in USD, the ledger in CNY; nothing was changed.", ledger, 0);
        Refused(ledger.Record([Outcome("o1", cny, T0, Line("o1", "", Money.Parse("CNY 1.00")))]), "ledger.line.earner-missing", "Order o1 has a line without an earner; nothing was changed.", ledger, 0);
        Refused(ledger.Record([Outcome("o1", cny, T0, Line("o1", "A", Money.Parse("USD 1.00")))]), "ledger.currency.mismatch", "Order o1 has a line in USD, the ledger is in CNY; nothing was changed.", ledger, 0);
        Refused(ledger.Record([Outcome("o1", cny, T0, Line("o1", "A", Money.Parse("CNY -1.00")))]), "ledger.line.negative", "Order o1 has a negative line CNY -1.00 for A; nothing was changed.", ledger, 0);
        Refused(ledger.Record([Outcome("o1", cny, T0, Line("o1", "A", Money.Parse("CNY 60.00")), Line("o1", "B", Money.Parse("CNY 40.01")))]), "ledger.lines.exceed-order",
            "The lines of order o1 add up to more than its CNY 100.00; nothing was changed.", ledger, 0);
        var late = Instant.FromUtc(9999, 12, 1, 0, 0);
        Refused(ledger.Record([Outcome("o1", cny, late, Line("o1", "A", Money.Parse("CNY 1.00")))]), "ledger.holding.out-of-range",
            $"Order o1: the holding period P2M after {late} ends outside the dates that can be represented; nothing was changed.", ledger, 0);

        // Two orders whose lines together pass 64 bits, then one that would take the ledger past them.
        var half = Money.OfMinor((long.MaxValue / 2) + 1, Currency.CNY);
        Refused(ledger.Record([Outcome("h1", half, T0, Line("h1", "A", half)), Outcome("h2", half, T0, Line("h2", "A", half))]), "ledger.amount.overflow",
            "The lines add up past 64 bits; nothing was changed.", ledger, 0);
        Assert.True(ledger.Record([Outcome("h1", half, T0, Line("h1", "A", half))]).Accepted);
        Refused(ledger.Record([Outcome("h2", half, T0, Line("h2", "A", half))]), "ledger.amount.overflow",
            $"The lines would take the ledger past {long.MaxValue} minor units; nothing was changed.", ledger, 1);
    }

    [Fact]
    public void Refunds_AreRefusedInWords()
    {
        var ledger = Ledger();
        Assert.True(ledger.Record([Outcome("o1", Money.Parse("CNY 100.00"), T0, Line("o1", "A", Money.Parse("CNY 10.00")))]).Accepted);
        Refused(ledger.Refund(default, OrderId.From("o1"), Money.Parse("CNY 1.00"), T0), "ledger.refund.no-id",
            "A refund needs its id (default(RefundId) names none), so that applying it twice is caught; nothing was changed.", ledger, 1);
        Refused(ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("USD 1.00"), T0), "ledger.currency.mismatch", "Refund r1 is in USD, the ledger in CNY; nothing was changed.", ledger, 1);
        Refused(ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("CNY 0.00"), T0), "ledger.refund.not-positive", "Refund r1 of CNY 0.00 is not positive; nothing was changed.", ledger, 1);
        Refused(ledger.Refund(RefundId.From("r1"), default, Money.Parse("CNY 1.00"), T0), "ledger.refund.unknown-order", $"Order {default(OrderId)} is not in the ledger; nothing was changed.", ledger, 1);
    }

    [Fact]
    public void TheColumns_CostTensOfBytesPerLine()
    {
        var tree = ReferralTree.Build(Enumerable.Range(0, 1_000).Select(i => new JoinRecord(MemberId.From($"m{i}"), i == 0 ? null : MemberId.From($"m{(i - 1) / 3}"), T0 - Duration.FromDays(1))));
        var plan = CommissionPlan.Create(new CommissionPlanDefinition { Name = "10/5", Currency = Currency.CNY, Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] } });
        var batch = OrderBatch.Create(tree, Currency.CNY, Enumerable.Range(0, 20_000).Select(i => new Order(OrderId.From($"o{i}"), MemberId.From($"m{1 + (i % 999)}"), ProductId.From("box"), Money.OfMinor(10_000 + i, Currency.CNY), T0 + Duration.FromMinutes(i))));
        var ledger = Ledger();
        Assert.True(ledger.Record(new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), batch)).Accepted);
        var lines = ledger.Entries.Count;
        Assert.True(lines > 30_000, $"{lines} lines");

        // Each line: flags, earner, amount, order, detail and the earner's chain; each order: its id, amount, times;
        // all in chunked columns. This input gives 54.7 bytes per line (a change to the columns' layout moves it).
        var perLine = (double)ledger.ColumnBytes / lines;
        Assert.InRange(perLine, 52, 58);
    }
}

/// <summary>What the ledger's survivors of mutation testing showed untested: zero and fixed lines, and the bounds of an entries view.</summary>
public class LedgerEntryViewTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    [Fact]
    public void AZeroLine_IsNotAnEntry_AndAFixedLineIsExplainedAsAFixedAmount()
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), DateTimeZone.Utc);
        var zero = new CommissionLine(OrderId.From("o1"), MemberId.From("a"), CommissionRuleKind.Level, 1, 1, Rate.Zero, Money.Parse("CNY 0.00"), Money.Parse("CNY 0.00"), []);
        var fixedLine = new CommissionLine(OrderId.From("o1"), MemberId.From("b"), CommissionRuleKind.Level, 2, 2, null, Money.Parse("CNY 5.00"), Money.Parse("CNY 0.00"), []);
        var order = new OrderCommission(OrderId.From("o1"), MemberId.From("x"), ProductId.From("kit"), Money.Parse("CNY 50.00"), T0, [zero, fixedLine], [], Money.Parse("CNY 45.00"), Money.Parse("CNY 0.00"));
        var result = ledger.Record([order]);
        Assert.True(result.Accepted, result.Message);
        Assert.Equal("Recorded 1 order(s), 1 line(s).", result.Message);
        var entry = Assert.Single(ledger.Entries);
        Assert.Equal("b earns CNY 5.00 on o1: level 2 at a fixed amount, 2 hop(s) above the buyer; pending until 2026-05-01T02:00:00Z", entry.Explanation);
    }

    [Fact]
    public void AReason_SaysWhatTheFieldsDoNot()
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), DateTimeZone.Utc);
        var capped = new CommissionLine(OrderId.From("o1"), MemberId.From("a"), CommissionRuleKind.Level, 1, 1, Rate.FromPercent(10), Money.Parse("CNY 4.00"), Money.Parse("CNY 1.00"), []);
        var differential = new CommissionLine(OrderId.From("o1"), MemberId.From("b"), CommissionRuleKind.Differential, 2, 3, null, Money.Parse("CNY 2.50"), Money.Parse("CNY 0.00"), []);
        var order = new OrderCommission(OrderId.From("o1"), MemberId.From("x"), ProductId.From("kit"), Money.Parse("CNY 50.00"), T0, [capped, differential], [], Money.Parse("CNY 43.50"), Money.Parse("CNY 1.00"));
        Assert.True(ledger.Record([order]).Accepted);
        Assert.True(ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("CNY 25.00"), T0 + Duration.FromDays(3)).Accepted);

        string Reason(int i, int room = 200)
        {
            var buffer = new char[room];
            return ledger.TryFormatReason(i, buffer, out var n) ? new string(buffer, 0, n) : "(too short)";
        }

        Assert.Equal("level 1 at 10%, 1 hop(s) above the buyer (cap cut CNY 1.00)", Reason(0));
        Assert.Equal("differential at a fixed amount, 3 hop(s) above the buyer", Reason(1));
        // A cancellation's reason is its whole sentence: the refund's amount is not among the fields.
        Assert.Equal("Refund r1 of CNY 25.00 on order o1 cancels CNY 2.00 not yet paid", Reason(2));
        Assert.Equal(ledger.Entries[2].Explanation, Reason(2));
        Assert.Equal("(too short)", Reason(1, "differential at a fixed amount, 3 hop(s) above the buyer".Length - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Reason(ledger.Entries.Count));
    }

    [Fact]
    public void AnEntriesView_RefusesAnIndexAtOrPastItsEnd_EvenWhenTheLedgerGoesOn()
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), DateTimeZone.Utc);
        OrderCommission Order(string id, string earner) => new(OrderId.From(id), MemberId.From("x"), ProductId.From("box"), Money.Parse("CNY 10.00"), T0,
            [new CommissionLine(OrderId.From(id), MemberId.From(earner), CommissionRuleKind.Level, 1, 1, Rate.FromPercent(10), Money.Parse("CNY 1.00"), Money.Parse("CNY 0.00"), [])],
            [], Money.Parse("CNY 9.00"), Money.Parse("CNY 0.00"));
        var first = ledger.Record([Order("o1", "a")]).Entries;
        ledger.Record([Order("o2", "b")]);
        Assert.Single(first);
        Assert.Equal(MemberId.From("a"), first[0].Earner);
        Assert.Throws<ArgumentOutOfRangeException>(() => first[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => first[-1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Entries[2]);
    }
}
