using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>The columnar ledger against the simple model it replaced: the same operations give the same results, entries and balances.</summary>
public class PayoutLedgerModelTests
{
    private static readonly DateTimeZone[] Zones = [DateTimeZoneProviders.Tzdb["Asia/Shanghai"], DateTimeZoneProviders.Tzdb["America/New_York"], DateTimeZone.Utc];
    private static readonly Period[] Holdings = [Period.FromMonths(2), Period.Zero, Period.FromDays(10), Period.FromHours(36)];

    /// <summary>One step: what to do (0 record, 1 refund, 2 payout, 3 record again) and three numbers that pick its arguments.</summary>
    public sealed record Step(int Kind, int A, int B, int C);

    public sealed record Script(Community Community, CommissionPlanDefinition Plan, int Zone, int Holding, Step[] Steps)
    {
        public override string ToString() => $"{Community} plan={Plan.Name} zone={Zone} holding={Holding} steps=[{string.Join(" ", Steps.Select(s => $"{s.Kind}:{s.A}:{s.B}:{s.C}"))}]";
    }

    private static Gen<Script> Scripts =>
        from c in TreeGens.Community(30, 5, 16)
        from p in TreeGens.Plan(5)
        from zone in Gen.Choose(0, Zones.Length - 1)
        from holding in Gen.Choose(0, Holdings.Length - 1)
        from steps in (from kind in Gen.Frequency((3, Gen.Constant(0)), (5, Gen.Constant(1)), (3, Gen.Constant(2)), (1, Gen.Constant(3)))
                       from a in Gen.Choose(0, 1000)
                       from b in Gen.Choose(0, 1000)
                       from d in Gen.Choose(0, 1000)
                       select new Step(kind, a, b, d)).ArrayOf().Select(s => s.Take(40).ToArray())
        select new Script(c, p, zone, holding, steps);

    [Property(MaxTest = 250)]
    public Property AnySequenceOfRecordRefundPayAndClawback_GivesTheModelsResultsEntriesAndBalances() =>
        Prop.ForAll(Arb.From(Scripts), script =>
        {
            var tree = script.Community.Tree();
            var statuses = script.Community.Statuses(tree);
            var engine = new CommissionEngine(CommissionPlan.Create(script.Plan));
            var orders = script.Community.OrderList();
            var zone = Zones[script.Zone];
            var holding = Holdings[script.Holding];
            var ledger = new PayoutLedger(Currency.CNY, holding, zone);
            var model = new ReferenceLedger(Currency.CNY, holding, zone);
            var recorded = 0;
            var chunks = new List<CommissionRun>();
            var refunds = 0;
            var problems = new List<string>();
            void Same(string what, LedgerResult actual, LedgerResult expected)
            {
                if (actual.Accepted != expected.Accepted || actual.Code != expected.Code || actual.Message != expected.Message || !actual.Entries.SequenceEqual(expected.Entries))
                {
                    problems.Add($"{what}: {actual.Accepted}/{actual.Code}/{actual.Message}/{actual.Entries.Count} vs {expected.Accepted}/{expected.Code}/{expected.Message}/{expected.Entries.Count}");
                }
            }

            var stepNumber = 0;
            foreach (var step in script.Steps)
            {
                // Half-way (and at a step picked by the script), the ledger is replaced by one read from its snapshot:
                // every later result, entry and balance must still be the model's.
                if (stepNumber++ == script.Steps.Length / 2 || step.C % 29 == 0)
                {
                    using var snapshot = new MemoryStream();
                    ledger.WriteSnapshot(snapshot);
                    snapshot.WriteByte(0x5A); // the reader stops at the snapshot's end
                    snapshot.Position = 0;
                    ledger = PayoutLedger.ReadSnapshot(snapshot, DateTimeZoneProviders.Tzdb, null, null);
                    if (snapshot.Position != snapshot.Length - 1)
                    {
                        problems.Add("the snapshot was not read to its end exactly");
                    }
                }

                switch (step.Kind)
                {
                    case 0 when recorded < orders.Count:
                    {
                        var size = 1 + (step.A % (orders.Count - recorded));
                        var run = engine.Run(statuses, orders.Skip(recorded).Take(size), trace: step.C % 3 == 0);
                        recorded += size;
                        chunks.Add(run);
                        var actual = step.B % 2 == 0 ? ledger.Record(run) : ledger.Record(run.Orders);
                        Same("record", actual, model.Record(run.Orders));
                        break;
                    }

                    case 3 when chunks.Count > 0:
                    {
                        var run = chunks[step.A % chunks.Count];
                        Same("record again", step.B % 2 == 0 ? ledger.Record(run) : ledger.Record(run.Orders), model.Record(run.Orders));
                        break;
                    }

                    case 1 when recorded > 0:
                    {
                        var o = orders[step.A % recorded];
                        var id = step.C % 11 == 0 && refunds > 0 ? "r" + (step.C % refunds).ToString(CultureInfo.InvariantCulture) : "r" + refunds++.ToString(CultureInfo.InvariantCulture);
                        OrderId order = step.A % 13 == 0 ? OrderId.From("unknown") : o.Id;
                        var amount = o.Amount.MinorUnits == 0 ? 1 : 1 + (step.B * (o.Amount.MinorUnits / 3 + 1) / 1000);
                        var at = step.C % 17 == 0 ? o.PaidAt - Duration.FromDays(1) : o.PaidAt + Duration.FromDays(step.C % 120);
                        var money = Money.OfMinor(amount, Currency.CNY);
                        Same("refund", ledger.Refund(RefundId.From(id), order, money, at), model.Refund(RefundId.From(id), order, money, at));
                        break;
                    }

                    case 2:
                    {
                        var earners = model.Earners;
                        MemberId earner = earners.Count == 0 || step.A % 9 == 0 ? MemberId.From("nobody") : earners[step.A % earners.Count];
                        var at = step.C % 3 == 0 && recorded > 0 ? model.AvailableAt(orders[step.B % recorded].PaidAt) : Community.Epoch + Duration.FromDays(step.B % 150);
                        Same("payout", ledger.RecordPayout(earner, at), model.RecordPayout(earner, at));
                        break;
                    }
                }
            }

            if (!ledger.Entries.SequenceEqual(model.Entries))
            {
                problems.Add("entries differ");
            }

            // Statements of the period from a third of the way (and of the whole ledger, and of none): movements summed
            // from the model's entries, balances from the model.
            foreach (var from in new[] { 0, model.Entries.Count / 3, model.Entries.Count })
            {
                var asOf = Community.Epoch + Duration.FromDays(61);
                var expected = new List<EarnerStatement>();
                foreach (var earner in model.Earners)
                {
                    var mine = model.Entries.Skip(from).Where(e => e.Earner == earner).ToList();
                    long Sum(LedgerEntryKind kind) => mine.Where(e => e.Kind == kind).Sum(e => e.Amount.MinorUnits);
                    var b = model.BalanceOf(earner, asOf);
                    if (mine.Count == 0 && b.Pending.IsZero && b.Available.IsZero)
                    {
                        continue;
                    }

                    var closing = b.Net.MinorUnits;
                    Money M(long minor) => Money.OfMinor(minor, Currency.CNY);
                    expected.Add(new EarnerStatement(earner, M(closing - Sum(LedgerEntryKind.Commission) - Sum(LedgerEntryKind.Cancellation) - Sum(LedgerEntryKind.Clawback)),
                        M(Sum(LedgerEntryKind.Commission)), M(Sum(LedgerEntryKind.Cancellation)), M(Sum(LedgerEntryKind.Clawback)), M(Sum(LedgerEntryKind.Payout)),
                        M(closing), b.Pending, b.Available, b.Paid));
                }

                if (!ledger.Statements(from, asOf).SequenceEqual(expected))
                {
                    problems.Add($"statements from {from} differ");
                }
            }

            // The allocation-free reads give the same fields and text as the model's entries; a span one short is refused.
            var buffer = new char[512];
            for (var i = 0; i < model.Entries.Count; i++)
            {
                var e = model.Entries[i];
                if (ledger.FieldsOf(i) != new LedgerEntryFields(e.Sequence, e.Kind, e.Earner, e.Order, e.Refund, e.Amount, e.At, e.AvailableAt))
                {
                    problems.Add($"fields of entry {i} differ");
                }

                if (!ledger.TryFormatExplanation(i, buffer, out var written) || new string(buffer, 0, written) != e.Explanation
                    || ledger.TryFormatExplanation(i, buffer.AsSpan(0, e.Explanation.Length - 1), out _))
                {
                    problems.Add($"explanation of entry {i} differs");
                }

                // The reason: a commission's explanation without its earner, amount, order and holding; any other entry's whole explanation.
                var reason = e.Kind != LedgerEntryKind.Commission
                    ? e.Explanation
                    : e.Explanation[$"{e.Earner.Value} earns {e.Amount} on {e.Order!.Value.Value}: ".Length..^$"; pending until {e.AvailableAt}".Length];
                if (!ledger.TryFormatReason(i, buffer, out written) || new string(buffer, 0, written) != reason
                    || ledger.TryFormatReason(i, buffer.AsSpan(0, reason.Length - 1), out _))
                {
                    problems.Add($"reason of entry {i} differs: {new string(buffer, 0, written)} vs {reason}");
                }
            }

            if (!ledger.Earners.SequenceEqual(model.Earners))
            {
                problems.Add("earners differ");
            }

            // Days around the holding periods' ends, and the ends themselves (where pending turns available).
            var instants = new[] { 0, 20, 61, 90, 400 }.Select(d => Community.Epoch + Duration.FromDays(d))
                .Concat(orders.Take(recorded).Take(4).SelectMany(o => new[] { ledger.AvailableAt(o.PaidAt), ledger.AvailableAt(o.PaidAt) - Duration.Epsilon }));
            foreach (var asOf in instants)
            {
                var expected = model.Earners.Select(e => model.BalanceOf(e, asOf)).ToList();
                if (!ledger.Earners.Select(e => ledger.BalanceOf(e, asOf)).SequenceEqual(expected) || !ledger.Balances(asOf).SequenceEqual(expected))
                {
                    problems.Add($"balances differ as of {asOf}");
                }

                if (expected.Any(b => ledger.NetOf(b.Earner) != b.Net))
                {
                    problems.Add("a running net differs");
                }
            }

            if (model.Earners.Any(e => !ledger.HistoryOf(e).SequenceEqual(model.HistoryOf(e))))
            {
                problems.Add("a history differs");
            }

            return (problems.Count == 0).Label(string.Join("; ", problems.Take(3)));
        });
}
