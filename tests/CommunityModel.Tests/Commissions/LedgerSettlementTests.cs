using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// Settlements: a period's orders recorded by the engine's totals (one entry per earner) give every earner the same
/// net, the same cancellations and clawbacks and, once the holding has passed, the same balances as the same orders
/// recorded line by line; an order's lines recomputed alone are its lines in the period's run.
/// </summary>
public class LedgerSettlementTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly Period[] Holdings = [Period.FromMonths(2), Period.Zero, Period.FromDays(10), Period.FromHours(36)];
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    /// <summary>One step: 0 settle the next period, 1 refund, 2 pay everyone what has cleared, 3 settle again; three numbers pick the arguments.</summary>
    public sealed record Step(int Kind, int A, int B, int C);

    public sealed record Script(Community Community, CommissionPlanDefinition Plan, int Holding, Step[] Steps)
    {
        public override string ToString() => $"{Community} plan={Plan.Name} holding={Holding} steps=[{string.Join(" ", Steps.Select(s => $"{s.Kind}:{s.A}:{s.B}:{s.C}"))}]";
    }

    private static Gen<Script> Scripts =>
        from c in TreeGens.Community(30, 5, 16)
        from p in TreeGens.Plan(5)
        from holding in Gen.Choose(0, Holdings.Length - 1)
        from steps in (from kind in Gen.Frequency((3, Gen.Constant(0)), (5, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
                       from a in Gen.Choose(0, 1000)
                       from b in Gen.Choose(0, 1000)
                       from d in Gen.Choose(0, 1000)
                       select new Step(kind, a, b, d)).ArrayOf().Select(s => s.Take(40).ToArray())
        select new Script(c, p, holding, steps);

    [Property(MaxTest = 200)]
    public Property SettledByTotals_GivesEveryEarnerTheNetRefundsAndClearedBalancesOfTheLines() =>
        Prop.ForAll(Arb.From(Scripts), script =>
        {
            var tree = script.Community.Tree();
            var statuses = script.Community.Statuses(tree);
            var engine = new CommissionEngine(CommissionPlan.Create(script.Plan));
            var orders = script.Community.OrderList();
            var holding = Holdings[script.Holding];
            var lines = new PayoutLedger(Currency.CNY, holding, Shanghai);
            var settled = new PayoutLedger(Currency.CNY, holding, Shanghai);
            var problems = new List<string>();
            var recorded = 0;
            var periods = new List<(string Name, OrderBatch Batch, Instant End)>();
            var clearedBy = Community.Epoch;
            var refunds = 0;
            var stepNumber = 0;
            foreach (var step in script.Steps)
            {
                if (stepNumber++ == script.Steps.Length / 2 || step.C % 31 == 0)
                {
                    settled = ReadBack(settled, problems);
                }

                switch (step.Kind)
                {
                    case 0 when recorded < orders.Count:
                    {
                        var size = 1 + (step.A % (orders.Count - recorded));
                        var period = orders.Skip(recorded).Take(size).ToList();
                        recorded += size;
                        var batch = OrderBatch.Create(tree, Currency.CNY, period);
                        var end = period[^1].PaidAt + Duration.FromHours(step.B % 50);
                        var name = "p" + periods.Count.ToString(CultureInfo.InvariantCulture);
                        periods.Add((name, batch, end));
                        var a = lines.Record(engine.Run(statuses, batch));
                        var b = settled.RecordSettlement(name, engine.RunTotals(statuses, batch), batch, end);
                        Check(problems, "settle", a.Accepted && b.Accepted, $"{a.Code} / {b.Code}");
                        Check(problems, "settlement entries", b.Entries.All(e => e.Kind == LedgerEntryKind.Commission && e.Order is null && e.AvailableAt == settled.AvailableAt(end)), "");
                        clearedBy = Max(clearedBy, settled.AvailableAt(end));
                        break;
                    }

                    case 3 when periods.Count > 0:
                    {
                        // A period settled again, under its name or another: refused, nothing changed.
                        var (name, batch, end) = periods[step.A % periods.Count];
                        var before = settled.Entries.Count;
                        var again = settled.RecordSettlement(step.B % 2 == 0 ? name : "other", engine.RunTotals(statuses, batch), batch, end);
                        Check(problems, "settle again", !again.Accepted && again.Code is "ledger.settlement.duplicate" or "ledger.order.duplicate" && settled.Entries.Count == before, again.Code);
                        break;
                    }

                    case 1 when recorded > 0:
                    {
                        var o = orders[step.A % recorded];
                        var id = RefundId.From("r" + refunds++.ToString(CultureInfo.InvariantCulture));
                        var amount = Money.OfMinor(o.Amount.MinorUnits == 0 ? 1 : 1 + (step.B * (o.Amount.MinorUnits / 3 + 1) / 1000), Currency.CNY);
                        var at = Max(o.PaidAt + Duration.FromDays(step.C % 120), clearedBy - Duration.FromDays(step.C % 7));
                        var expected = lines.Refund(id, o.Id, amount, at);
                        // The order's lines as the engine computes them for it alone; a later refund of an order may leave them out.
                        var outcome = engine.Run(statuses, [o])[o.Id];
                        var first = settled.Refund(id, o.Id, amount, at);
                        var actual = first.Accepted || first.Code != "ledger.refund.lines-needed" ? first : settled.RefundWithLines(id, outcome, amount, at);
                        Check(problems, "refund", actual.Accepted == expected.Accepted && actual.Code == expected.Code, $"{actual.Code}: {actual.Message} vs {expected.Code}: {expected.Message}");
                        Check(problems, "refund entries", Sums(actual.Entries).SequenceEqual(Sums(expected.Entries)), $"{string.Join(";", actual.Entries)} vs {string.Join(";", expected.Entries)}");
                        break;
                    }

                    case 2:
                    {
                        // Payouts once everything settled so far has cleared in both ledgers: the same amounts.
                        var at = clearedBy + Duration.FromDays(step.B % 5);
                        clearedBy = at;
                        foreach (var earner in lines.Earners)
                        {
                            var a = lines.RecordPayout(earner, at);
                            var b = settled.RecordPayout(earner, at);
                            Check(problems, "payout", a.Accepted == b.Accepted && a.Entries.Select(e => e.Amount).SequenceEqual(b.Entries.Select(e => e.Amount)), $"{earner}: {a.Message} vs {b.Message}");
                        }

                        break;
                    }
                }
            }

            var cleared = clearedBy + Duration.FromDays(1);
            Check(problems, "earners", lines.Earners.SequenceEqual(settled.Earners), "");
            Check(problems, "balances", lines.Balances(cleared).SequenceEqual(settled.Balances(cleared)), "");
            Check(problems, "statements", lines.Statements(0, cleared).SequenceEqual(settled.Statements(0, cleared)), "");
            Check(problems, "order count", lines.OrderCount == settled.OrderCount && settled.SettlementCount == periods.Count, "");
            foreach (var earner in lines.Earners)
            {
                Check(problems, "net", lines.NetOf(earner) == settled.NetOf(earner), earner.Value);
            }

            // Nothing settled is available before its period's holding has ended.
            foreach (var (name, _, end) in periods)
            {
                var justBefore = settled.AvailableAt(end) - Duration.Epsilon;
                Check(problems, "held", settled.Entries.Where(e => e.Kind == LedgerEntryKind.Commission && e.Explanation.Contains($"settlement {name},", StringComparison.Ordinal)).All(e => e.AvailableAt > justBefore), name);
            }

            return (problems.Count == 0).Label(string.Join(" | ", problems.Take(3)));
        });

    [Property(MaxTest = 200)]
    public Property AnOrdersLinesComputedAlone_AreItsLinesInTheRun() =>
        Prop.ForAll(Arb.From(TreeGens.Community(30, 5, 16)), Arb.From(TreeGens.Plan(5)), (community, plan) =>
        {
            var tree = community.Tree();
            var statuses = community.Statuses(tree);
            var engine = new CommissionEngine(CommissionPlan.Create(plan));
            var orders = community.OrderList();
            var run = engine.Run(statuses, orders);
            static string Of(OrderCommission c) => $"{c.Amount}/{c.CompanyShare}/{c.CapCut}: " + string.Join("; ", c.Lines.Select(l => $"{l.Earner} {l.Rule} {l.Level} {l.Distance} {l.Rate} {l.Amount} {l.CapCut}"));
            var differ = orders.Where(o => Of(engine.Run(statuses, [o])[o.Id]) != Of(run[o.Id])).Select(o => o.Id.Value).ToList();
            return (differ.Count == 0).Label("differ: " + string.Join(",", differ));
        });

    [Fact]
    public void ASettlement_IsOneEntryPerEarnerHeldFromThePeriodsEnd_AndItsOrdersRefundWithTheirLines()
    {
        var (tree, engine, batch) = Store();
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        var end = Instant.FromUtc(2026, 3, 31, 16, 0); // 2026-04-01 in Shanghai
        var result = ledger.RecordSettlement("2026-03", engine.RunTotals(MemberStatuses.Uniform(tree), batch), batch, end);
        Assert.True(result.Accepted, result.Message);
        Assert.Equal("Recorded settlement 2026-03: 4 order(s), 3 earner(s).", result.Message);
        // d buys 100.00 and 100.02, c buys 100.01 and 100.03 (hand-computed, each line rounded down to the fen):
        // c earns 10% of d's: 10.00 + 10.00; b earns 10% of c's and 5% of d's: 10.00 + 10.00 + 5.00 + 5.00; a 5% of c's: 5.00 + 5.00.
        Assert.Equal(["a: CNY 10.00", "b: CNY 30.00", "c: CNY 20.00"], result.Entries.Select(e => $"{e.Earner}: {e.Amount}"));
        var c = result.Entries.Single(e => e.Earner.Value == "c");
        Assert.Equal("c earns CNY 20.00 in settlement 2026-03, the total of 4 order(s) paid up to 2026-03-31T16:00:00Z; pending until 2026-05-31T16:00:00Z", c.Explanation);
        Assert.Null(c.Order);
        Assert.Equal(Instant.FromUtc(2026, 5, 31, 16, 0), c.AvailableAt);
        Assert.Equal((4, 1), (ledger.OrderCount, ledger.SettlementCount));
        Span<char> reason = stackalloc char[200];
        Assert.True(ledger.TryFormatReason(2, reason, out var n));
        Assert.Equal("settlement 2026-03, the total of 4 order(s) paid up to 2026-03-31T16:00:00Z", reason[..n].ToString());

        // A refund of a settled order needs its lines the first time; they are reversed in proportion, as lines are.
        var o0 = OrderId.From("o0");
        var needs = ledger.Refund(RefundId.From("r1"), o0, Money.OfMinor(5_000, Currency.CNY), end + Duration.FromDays(3));
        Assert.Equal("ledger.refund.lines-needed", needs.Code);
        var outcome = engine.Run(MemberStatuses.Uniform(tree), batch)[o0];
        var half = ledger.RefundWithLines(RefundId.From("r1"), outcome, Money.OfMinor(5_000, Currency.CNY), end + Duration.FromDays(3));
        Assert.True(half.Accepted, half.Message);
        Assert.Equal(["c -5.00 Cancellation", "b -2.50 Cancellation"], half.Entries.Select(e => $"{e.Earner} {e.Amount.MinorUnits / 100m:0.00} {e.Kind}"));
        Assert.Equal("Refund r1 of CNY 50.00 on order o0 cancels CNY 5.00 not yet paid", half.Entries[0].Explanation);
        // b is paid when the settlement clears; the rest of o0, refunded later, is clawed back from b and cancelled for c's unpaid entry.
        var paid = ledger.RecordPayout(MemberId.From("b"), Instant.FromUtc(2026, 6, 1, 0, 0));
        Assert.Equal("Paid CNY 27.50 to b: CNY 27.50 available", paid.Message);
        var rest = ledger.Refund(RefundId.From("r2"), o0, Money.OfMinor(5_000, Currency.CNY), Instant.FromUtc(2026, 6, 2, 0, 0));
        Assert.True(rest.Accepted, rest.Message);
        Assert.Equal(["c -5.00 Cancellation", "b -2.50 Clawback"], rest.Entries.Select(e => $"{e.Earner} {e.Amount.MinorUnits / 100m:0.00} {e.Kind}"));
        var balance = ledger.BalanceOf(MemberId.From("b"), Instant.FromUtc(2026, 6, 3, 0, 0));
        Assert.Equal((0, -250, 2_750, 2_500), (balance.Pending.MinorUnits, balance.Available.MinorUnits, balance.Paid.MinorUnits, balance.Net.MinorUnits));
        Assert.Equal(1_000, ledger.BalanceOf(MemberId.From("c"), Instant.FromUtc(2026, 6, 3, 0, 0)).Available.MinorUnits);
    }

    [Fact]
    public void EveryRefusal_SaysWhy_AndChangesNothing()
    {
        var (tree, engine, batch) = Store();
        var statuses = MemberStatuses.Uniform(tree);
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        var end = T0 + Duration.FromDays(40);
        var totals = engine.RunTotals(statuses, batch);
        Assert.True(ledger.RecordSettlement("2026-03", totals, batch, end).Accepted);
        var run = engine.Run(statuses, batch);
        var other = OrderBatch.Create(tree, Currency.CNY, [new Order(OrderId.From("o9"), MemberId.From("d"), ProductId.From("box"), Money.OfMinor(7_000, Currency.CNY), T0)]);
        var line = Store().Tree; // another tree, equal in content
        var cases = new (string Code, Func<LedgerResult> Act)[]
        {
            ("ledger.settlement.no-id", () => ledger.RecordSettlement(" ", engine.RunTotals(statuses, other), other, end)),
            ("ledger.settlement.duplicate", () => ledger.RecordSettlement("2026-03", engine.RunTotals(statuses, other), other, end)),
            ("ledger.order.duplicate", () => ledger.RecordSettlement("again", totals, batch, end)),
            ("ledger.settlement.order-after-end", () => ledger.RecordSettlement("early", engine.RunTotals(statuses, other), other, T0 - Duration.Epsilon)),
            ("ledger.settlement.mismatch", () => ledger.RecordSettlement("wrong", totals, other, end)),
            ("ledger.settlement.mismatch", () => ledger.RecordSettlement("tree", engine.RunTotals(MemberStatuses.Uniform(line), OrderBatch.Create(line, Currency.CNY, [])), OrderBatch.Create(tree, Currency.CNY, []), end)),
            ("ledger.currency.mismatch", () => new PayoutLedger(Currency.USD, Period.Zero, Shanghai).RecordSettlement("usd", totals, batch, end)),
            ("ledger.order.duplicate", () => ledger.Record(run)),
            ("ledger.refund.lines-needed", () => ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.OfMinor(1, Currency.CNY), end)),
            // The outcome of another order, lines of an earner who earned nothing in the settlement, lines beyond an entry.
            ("ledger.refund.lines-mismatch", () => ledger.RefundWithLines(RefundId.From("r1"), run[OrderId.From("o2")] with { Order = OrderId.From("o1") }, Money.OfMinor(1, Currency.CNY), end)),
            ("ledger.refund.lines-mismatch", () => ledger.RefundWithLines(RefundId.From("r1"), run[OrderId.From("o1")] with { Lines = [run[OrderId.From("o1")].Lines[0] with { Earner = MemberId.From("d") }] }, Money.OfMinor(1, Currency.CNY), end)),
            ("ledger.refund.lines-mismatch", () => ledger.RefundWithLines(RefundId.From("r1"), run[OrderId.From("o1")] with { Lines = [run[OrderId.From("o1")].Lines[0] with { Amount = Money.OfMinor(9_000, Currency.CNY) }] }, run[OrderId.From("o1")].Amount, end)),
            ("ledger.refund.exceeds-remaining", () => ledger.RefundWithLines(RefundId.From("r1"), run[OrderId.From("o1")], Money.OfMinor(1_000_000, Currency.CNY), end)),
        };
        foreach (var (code, act) in cases)
        {
            var before = Bytes(ledger);
            var result = act();
            Assert.False(result.Accepted, code);
            Assert.Equal(code, result.Code);
            Assert.EndsWith("nothing was changed.", result.Message, StringComparison.Ordinal);
            Assert.Equal(before, Bytes(ledger));
        }

        // The lines kept from a first refund may not change at a later one.
        var o1 = run[OrderId.From("o1")];
        Assert.True(ledger.RefundWithLines(RefundId.From("r1"), o1, Money.OfMinor(1_000, Currency.CNY), end).Accepted);
        var kept = Bytes(ledger);
        var changed = ledger.RefundWithLines(RefundId.From("r2"), o1 with { Lines = [.. o1.Lines.Reverse()] }, Money.OfMinor(1_000, Currency.CNY), end);
        Assert.Equal(2, o1.Lines.Count);
        Assert.Equal("ledger.refund.lines-mismatch", changed.Code);
        Assert.Equal(kept, Bytes(ledger));
        Assert.True(ledger.RefundWithLines(RefundId.From("r2"), o1, Money.OfMinor(1_000, Currency.CNY), end).Accepted);

        // For an order recorded line by line, the lines given must be its recorded lines.
        var byLines = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        Assert.True(byLines.Record(run).Accepted);
        var wrong = byLines.RefundWithLines(RefundId.From("r1"), o1 with { Lines = [o1.Lines[0] with { Amount = o1.Lines[0].Amount + Money.OfMinor(1, Currency.CNY) }] }, Money.OfMinor(1, Currency.CNY), end);
        Assert.Equal("ledger.refund.lines-mismatch", wrong.Code);
        Assert.True(byLines.RefundWithLines(RefundId.From("r1"), o1, Money.OfMinor(1, Currency.CNY), end).Accepted);
    }

    [Fact]
    public void ASettledLedgersSnapshot_ReadsBackWhole_AndEveryCutIsRefused()
    {
        var (tree, engine, batch) = Store();
        var statuses = MemberStatuses.Uniform(tree);
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        var end = T0 + Duration.FromDays(40);
        Assert.True(ledger.RecordSettlement("2026-03", engine.RunTotals(statuses, batch), batch, end).Accepted);
        var later = OrderBatch.Create(tree, Currency.CNY, [new Order(OrderId.From("o9"), MemberId.From("d"), ProductId.From("box"), Money.OfMinor(7_000, Currency.CNY), end + Duration.FromDays(1))]);
        Assert.True(ledger.Record(engine.Run(statuses, later)).Accepted);
        var run = engine.Run(statuses, batch);
        Assert.True(ledger.RefundWithLines(RefundId.From("r1"), run[OrderId.From("o0")], Money.OfMinor(3_000, Currency.CNY), end).Accepted);
        Assert.True(ledger.RecordPayout(MemberId.From("b"), end + Duration.FromDays(120)).Accepted);
        var bytes = Bytes(ledger);

        var copy = PayoutLedger.ReadSnapshot(new MemoryStream(bytes), DateTimeZoneProviders.Tzdb, null, null);
        Assert.Equal(ledger.Entries, copy.Entries);
        Assert.Equal(bytes, Bytes(copy));
        var asOf = end + Duration.FromDays(200);
        Assert.Equal(ledger.Balances(asOf), copy.Balances(asOf));
        // The kept lines came through: a second refund of o0 needs none, and claws back from b's paid entry in both.
        var second = copy.Refund(RefundId.From("r2"), OrderId.From("o0"), Money.OfMinor(7_000, Currency.CNY), asOf);
        Assert.True(second.Accepted, second.Message);
        Assert.Equal(ledger.Refund(RefundId.From("r2"), OrderId.From("o0"), Money.OfMinor(7_000, Currency.CNY), asOf).Entries, second.Entries);
        Assert.Contains(second.Entries, e => e.Kind == LedgerEntryKind.Clawback);

        var refused = LedgerSnapshotTests.EveryDamageIsRefusedOrReadsWhole(bytes, asOf);
        Assert.True(refused > bytes.Length, $"{refused} of {bytes.Length * 3} damaged snapshots refused");
    }

    /// <summary>a - b - c - d with 10% and 5% over two levels; c and d buy twice each in March.</summary>
    private static (ReferralTree Tree, CommissionEngine Engine, OrderBatch Batch) Store()
    {
        var tree = ReferralTree.Build(new (string Id, string? Sponsor)[] { ("a", null), ("b", "a"), ("c", "b"), ("d", "c") }
            .Select(m => new JoinRecord(MemberId.From(m.Id), m.Sponsor is null ? null : MemberId.From(m.Sponsor), T0 - Duration.FromDays(1))));
        var plan = CommissionPlan.Create(new CommissionPlanDefinition { Name = "10/5", Currency = Currency.CNY, Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] } });
        var batch = OrderBatch.Create(tree, Currency.CNY, Enumerable.Range(0, 4).Select(i => new Order(OrderId.From($"o{i}"), MemberId.From(i % 2 == 0 ? "d" : "c"), ProductId.From("box"), Money.OfMinor(10_000 + i, Currency.CNY), T0 + Duration.FromDays(i * 7))));
        return (tree, new CommissionEngine(plan), batch);
    }

    private static byte[] Bytes(PayoutLedger ledger)
    {
        using var stream = new MemoryStream();
        ledger.WriteSnapshot(stream);
        return stream.ToArray();
    }

    private static PayoutLedger ReadBack(PayoutLedger ledger, List<string> problems)
    {
        var bytes = Bytes(ledger);
        var copy = PayoutLedger.ReadSnapshot(new MemoryStream(bytes), DateTimeZoneProviders.Tzdb, null, null);
        Check(problems, "snapshot", bytes.SequenceEqual(Bytes(copy)), "written again differently");
        return copy;
    }

    /// <summary>An entry list's amounts per earner and kind, in a fixed order (a settlement's reversals are per line as a run's are).</summary>
    private static IEnumerable<string> Sums(IReadOnlyList<LedgerEntry> entries) =>
        entries.GroupBy(e => (e.Earner.Value, e.Kind)).OrderBy(g => g.Key.Value, StringComparer.Ordinal).ThenBy(g => g.Key.Kind).Select(g => $"{g.Key.Value}/{g.Key.Kind}/{g.Sum(e => e.Amount.MinorUnits)}");

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    private static void Check(List<string> problems, string what, bool ok, string detail)
    {
        if (!ok)
        {
            problems.Add($"{what}: {detail}");
        }
    }
}
