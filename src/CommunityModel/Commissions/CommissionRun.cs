using System.Globalization;
using System.Text;
using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

/// <summary>
/// A detailed commission run: every order's lines with their rule, level and rate, the totals, and (when
/// asked for) the trace of the uplines passed over. Lines and skips are kept as columns;
/// <see cref="OrderCommission"/>, <see cref="CommissionLine"/> and <see cref="SkippedUpline"/> values, with their
/// texts, are made when read. Immutable; safe to read from several threads.
/// </summary>
public sealed class CommissionRun
{
    private Dictionary<OrderId, int>? _rowOf;

    internal CommissionRun(CommissionPlan plan, MemberStatuses statuses, OrderBatch batch, CommissionTotals totals, RunLines lines)
    {
        Plan = plan;
        Statuses = statuses;
        Batch = batch;
        Totals = totals;
        Columns = lines;
        Orders = new OrderView(this);
    }

    /// <summary>The plan the run applied.</summary>
    public CommissionPlan Plan { get; }

    /// <summary>The totals (the same as the totals-only mode gives).</summary>
    public CommissionTotals Totals { get; }

    /// <summary>Whether the run kept the trace: the uplines passed over, and why (see <see cref="CommissionEngine.Run(MemberStatuses, OrderBatch, bool)"/>).</summary>
    public bool HasTrace => Columns.SkipStarts is not null;

    /// <summary>How many lines the run made (lines that came to zero included).</summary>
    public int LineCount => Columns.Earner.Count;

    /// <summary>Every order's outcome, in input order (each made when read).</summary>
    public IReadOnlyList<OrderCommission> Orders { get; }

    /// <summary>Every line of every order, in order (each made when read).</summary>
    public IEnumerable<CommissionLine> Lines
    {
        get
        {
            for (var row = 0; row < Batch.Count; row++)
            {
                var end = Columns.Starts[row + 1];
                for (var k = Columns.Starts[row]; k < end; k++)
                {
                    yield return LineAt(row, k, withSkips: HasTrace);
                }
            }
        }
    }

    internal MemberStatuses Statuses { get; }

    internal OrderBatch Batch { get; }

    internal RunLines Columns { get; }

    internal int[] LineStarts => Columns.Starts;

    internal ChunkedColumn<int> LineEarners => Columns.Earner;

    internal ChunkedColumn<long> LineAmounts => Columns.Amount;

    internal ChunkedColumn<byte> LineRules => Columns.Rule;

    internal ChunkedColumn<int> LineLevels => Columns.Level;

    internal ChunkedColumn<int> LineDistances => Columns.Distance;

    internal ChunkedColumn<long> LinePpms => Columns.Ppm;

    /// <summary>The outcome of one order.</summary>
    /// <param name="order">The order id.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="KeyNotFoundException">The order is not in the run.</exception>
    public OrderCommission this[OrderId order]
    {
        get
        {
            var rows = LazyInitializer.EnsureInitialized(ref _rowOf, () =>
            {
                var map = new Dictionary<OrderId, int>(Batch.Count);
                for (var row = 0; row < Batch.Count; row++)
                {
                    map[Batch.IdAt(row)] = row;
                }

                return map;
            });
            return rows.TryGetValue(order, out var r) ? OrderAt(r) : throw new KeyNotFoundException($"Order {order} is not in the run.");
        }
    }

    internal long CapCutOf(int line) => Columns.CapCut.GetValueOrDefault(line);

    private OrderCommission OrderAt(int row)
    {
        var currency = Plan.Currency;
        var start = Columns.Starts[row];
        var end = Columns.Starts[row + 1];
        var lines = new CommissionLine[end - start];
        long paid = 0, cut = 0;
        for (var k = start; k < end; k++)
        {
            lines[k - start] = LineAt(row, k, withSkips: HasTrace);
            paid += Columns.Amount[k];
            cut += CapCutOf(k);
        }

        IReadOnlyList<SkippedUpline> skipped = [];
        if (Columns.SkipStarts is { } skipStarts)
        {
            skipped = Skips(row, skipStarts[row], skipStarts[row + 1]);
        }

        var amount = Batch.Amount[row];
        return new OrderCommission(Batch.IdAt(row), Statuses.Tree.MemberAt(Batch.Buyer[row]), Batch.ProductTable[Batch.Product[row]], new Money(amount, currency),
            Batch.PaidAtOf(row), lines, skipped, new Money(amount - paid, currency), new Money(cut, currency));
    }

    private CommissionLine LineAt(int row, int k, bool withSkips)
    {
        var currency = Plan.Currency;
        IReadOnlyList<SkippedUpline> skipped = [];
        if (withSkips)
        {
            var from = k == Columns.Starts[row] ? Columns.SkipStarts![row] : Columns.SkipEnds![k - 1];
            skipped = Skips(row, from, Columns.SkipEnds![k]);
        }

        var ppm = Columns.Ppm[k];
        return new CommissionLine(Batch.IdAt(row), Statuses.Tree.MemberAt(Columns.Earner[k]), (CommissionRuleKind)Columns.Rule[k], Columns.Level[k], Columns.Distance[k],
            ppm < 0 ? null : Rate.FromPartsPerMillion(ppm), new Money(Columns.Amount[k], currency), new Money(CapCutOf(k), currency), skipped);
    }

    private SkippedUpline[] Skips(int row, int from, int to)
    {
        var result = new SkippedUpline[to - from];
        for (var s = from; s < to; s++)
        {
            result[s - from] = Columns.Skips![s].Describe(this, row);
        }

        return result;
    }

    /// <summary>The orders, each made when read.</summary>
    private sealed class OrderView(CommissionRun run) : IReadOnlyList<OrderCommission>
    {
        public int Count => run.Batch.Count;

        public OrderCommission this[int index] => unchecked((uint)index < (uint)Count)
            ? run.OrderAt(index)
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The run has {Count} orders.");

        public IEnumerator<OrderCommission> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return run.OrderAt(i);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
