using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Commissions;

/// <content>
/// Settlements: a period's orders recorded by the engine's totals (one commission entry per earner) instead of
/// line by line. The orders are kept (id, amount, instant), so a repeated order is refused and a refund is checked
/// as for any order; the order's lines are asked for on its first refund (the engine recomputes them) and kept.
/// </content>
/// <remarks>
/// A settlement is a row among the orders without an id of its own there (its name lives beside it) whose entries are
/// the per-earner totals, sorted by earner, right after the settled orders' rows (which have no entries).
/// </remarks>
public sealed partial class PayoutLedger
{
    private readonly List<SettlementFact> _settlements = [];
    private readonly Dictionary<string, int> _settlementIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _entryReversed = [];        // settlement entry -> reversed so far
    private readonly Dictionary<int, SettledLine[]> _settledLines = []; // refunded settled order -> its lines

    /// <summary>How many settlements have been recorded (<see cref="RecordSettlement"/>).</summary>
    public int SettlementCount => _settlements.Count;

    /// <summary>
    /// Records a period's orders settled by their totals (<see cref="CommissionEngine.RunTotals(MemberStatuses, OrderBatch)"/>):
    /// one commission entry per earner, pending until the holding period after <paramref name="periodEnd"/> has
    /// ended, so every order of the period is held at least the holding period. The orders themselves are kept
    /// (id, amount, instant), so a repeated order is refused as by <see cref="Record(CommissionRun)"/> and a refund
    /// of one is checked as any refund is; its first refund must bring the order's lines
    /// (<see cref="RefundWithLines"/>), which the engine recomputes from the same
    /// statuses, and they are reversed in proportion exactly as recorded lines are. All or nothing: rejected, with
    /// nothing changed, when the name is blank or used before, the totals are in another currency or are not those of
    /// the batch (another tree, order count or sales), an order is already recorded or paid after
    /// <paramref name="periodEnd"/>, or the holding period ends outside the representable dates.
    /// </summary>
    /// <param name="settlement">The settlement's name, e.g. <c>2026-03</c>: unique in the ledger, so a settlement is recorded once.</param>
    /// <param name="totals">The totals of the batch's orders, in the ledger's currency.</param>
    /// <param name="orders">The orders the totals were run on.</param>
    /// <param name="periodEnd">The end of the period settled: no order is paid after it, and the holding period runs from it.</param>
    /// <returns>The result; its entries are the commissions written, one per earner with a total that is not zero, in earner order.</returns>
    public LedgerResult RecordSettlement(string settlement, CommissionTotals totals, OrderBatch orders, Instant periodEnd)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(orders);
        if (string.IsNullOrWhiteSpace(settlement))
        {
            return LedgerResult.Reject("ledger.settlement.no-id", "A settlement needs a name that is not blank, so that recording it twice is caught; nothing was changed.");
        }

        if (_settlementIndex.ContainsKey(settlement))
        {
            return LedgerResult.Reject("ledger.settlement.duplicate", $"Settlement {settlement} is already recorded; nothing was changed.");
        }

        if (totals.Currency != Currency || orders.Currency != Currency)
        {
            return LedgerResult.Reject("ledger.currency.mismatch", $"Settlement {settlement} is in {totals.Currency} over orders in {orders.Currency}, the ledger in {Currency}; nothing was changed.");
        }

        long sales = 0;
        var end = periodEnd.ToUnixTimeTicks();
        for (var row = 0; row < orders.Count; row++)
        {
            sales += orders.Amount[row];
            if (orders.PaidAtTicks[row] > end)
            {
                return LedgerResult.Reject("ledger.settlement.order-after-end", $"Order {orders.IdAt(row)} of settlement {settlement} is paid at {orders.PaidAtOf(row)}, after the period's end {periodEnd}; nothing was changed.");
            }
        }

        if (!ReferenceEquals(totals.Tree, orders.Tree) || totals.OrderCount != orders.Count || totals.TotalSales.MinorUnits != sales)
        {
            return LedgerResult.Reject("ledger.settlement.mismatch", $"Settlement {settlement}: the totals ({totals.OrderCount} order(s), {totals.TotalSales} of sales) are not those of the batch ({orders.Count} order(s), {new Money(sales, Currency)}) over the same tree; nothing was changed.");
        }

        if (orders.Count > 0 && _orderId.Count > 0)
        {
            EnsureOrderTable();
            for (var row = 0; row < orders.Count; row++)
            {
                if (FindOrder(orders.IdAt(row)) >= 0)
                {
                    return LedgerResult.Reject("ledger.order.duplicate", $"Order {orders.IdAt(row)} is already recorded; nothing was changed.");
                }
            }
        }

        if (HoldOf(end, out var hold) is { } problem)
        {
            return LedgerResult.Reject("ledger.holding.out-of-range", $"Settlement {settlement}: {problem}; nothing was changed.");
        }

        var byEarner = totals.ByEarner();
        if (long.MaxValue - _totalNet < totals.TotalPaid.MinorUnits)
        {
            return LedgerResult.Reject("ledger.amount.overflow", $"Settlement {settlement} would take the ledger past {long.MaxValue} minor units; nothing was changed.");
        }

        // The settled orders (no entries and no holding of their own: their settlement's row holds), then the
        // settlement's row and its entries in earner order.
        var firstOrder = _orderId.Count;
        for (var row = 0; row < orders.Count; row++)
        {
            AddOrder(orders.IdAt(row), orders.Amount[row], orders.PaidAtTicks[row], 0);
        }

        var settlementRow = AddOrder(default, sales, end, hold);
        _settlementIndex.Add(settlement, _settlements.Count);
        _settlements.Add(new SettlementFact(settlement, firstOrder, settlementRow));
        var earners = new int[byEarner.Count];
        var amounts = new long[byEarner.Count];
        for (var k = 0; k < earners.Length; k++)
        {
            earners[k] = EarnerOf(byEarner[k].Key);
            amounts[k] = byEarner[k].Value.MinorUnits;
        }

        Array.Sort(earners, amounts);
        var first = _flags.Count;
        for (var k = 0; k < earners.Length; k++)
        {
            AppendCommission(earners[k], settlementRow, amounts[k], 0, 0);
        }

        return new LedgerResult(true, string.Empty, $"Recorded settlement {settlement}: {orders.Count} order(s), {_flags.Count - first} earner(s).", new EntryView(this, first, _flags.Count));
    }

    /// <summary>
    /// Refunds part or all of an order, given its lines: reverses them in proportion as
    /// <see cref="Refund(RefundId, OrderId, Money, Instant)"/> does. For an order recorded by a settlement the
    /// lines are those the engine computes for it again (<see cref="CommissionEngine.Run(MemberStatuses, IEnumerable{Order})"/>
    /// over the order alone, with the statuses of its settlement); they are checked against the settlement (each
    /// earner's entry there never reversed beyond its amount) and kept, so later refunds of the order may leave them
    /// out and must not change them. For an order recorded line by line they must be the recorded lines. Rejected,
    /// with nothing changed, for everything the other overload rejects and when the outcome is not the order's (id,
    /// amount, instant) or its lines do not fit (code <c>ledger.refund.lines-mismatch</c>).
    /// </summary>
    /// <param name="refund">The refund's id.</param>
    /// <param name="order">The order's outcome: its id, amount, instant and lines.</param>
    /// <param name="amount">The amount given back to the buyer.</param>
    /// <param name="at">When.</param>
    /// <returns>The result.</returns>
    public LedgerResult RefundWithLines(RefundId refund, OrderCommission order, Money amount, Instant at)
    {
        ArgumentNullException.ThrowIfNull(order);
        return RefundCore(refund, order.Order, order, amount, at);
    }

    /// <summary>The settlement whose orders include a row, or -1 (rows of settlements are not orders).</summary>
    private int SettlementOf(int order)
    {
        int lo = 0, hi = _settlements.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var s = _settlements[mid];
            if (order >= s.Row)
            {
                lo = mid + 1;
            }
            else if (order < s.FirstOrder)
            {
                hi = mid - 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }

    /// <summary>Writes what a settlement entry is: <c>settlement 2026-03, the total of 1,234 order(s) paid up to …</c>.</summary>
    private void AppendSettlement(ref SpanText text, int row)
    {
        var s = _settlements[SettlementAtRow(row)];
        text.Append("settlement ");
        text.Append(s.Id);
        text.Append(", the total of ");
        text.Append(s.Row - s.FirstOrder);
        text.Append(" order(s) paid up to ");
        text.Append(Instant.FromUnixTimeTicks(_orderPaidAt[row]));
    }

    /// <summary>The settlement whose own row is <paramref name="row"/>.</summary>
    private int SettlementAtRow(int row)
    {
        int lo = 0, hi = _settlements.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_settlements[mid].Row < row)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>True for the row of a settlement (its entries are per-earner totals).</summary>
    private bool IsSettlementRow(int order) => _orderId[order].IsDefault;

    /// <summary>The id of an order row for the lookup; empty for a settlement's row, which is never looked up.</summary>
    private string KeyOf(int order) => _orderId[order] is { IsDefault: false } id ? id.Value : string.Empty;

    /// <summary>
    /// The lines a refund of a settled order reverses: kept from its first refund, or taken from the outcome given
    /// (checked against the settlement). Null with a rejection when they cannot be had.
    /// </summary>
    private SettledLine[]? SettledLinesOf(int o, int settlement, OrderCommission? outcome, RefundId refund, out LedgerResult? rejection)
    {
        rejection = null;
        _settledLines.TryGetValue(o, out var kept);
        if (outcome is null)
        {
            if (kept is null)
            {
                rejection = LedgerResult.Reject("ledger.refund.lines-needed", $"Order {_orderId[o]} was recorded by settlement {_settlements[settlement].Id}, by its totals: its first refund ({refund}) must bring the order's lines, as the engine computes them; nothing was changed.");
            }

            return kept;
        }

        if (OutcomeProblem(o, outcome) is { } problem)
        {
            rejection = Mismatch(refund, problem);
            return null;
        }

        var (start, end) = LinesOf(_settlements[settlement].Row);
        var lines = new List<SettledLine>();
        foreach (var line in outcome.Lines)
        {
            if (line.Amount.IsZero)
            {
                continue;
            }

            var entry = !line.Earner.IsDefault && _earnerIndex.TryGetValue(line.Earner, out var who) ? FindEntry(start, end, who) : -1;
            if (entry < 0)
            {
                rejection = Mismatch(refund, $"{line.Earner} has no entry in settlement {_settlements[settlement].Id}");
                return null;
            }

            lines.Add(new SettledLine(entry, line.Amount.MinorUnits));
        }

        if (kept is not null && !kept.AsSpan().SequenceEqual(lines.ToArray()))
        {
            rejection = Mismatch(refund, $"the lines differ from those an earlier refund of order {_orderId[o]} brought");
            return null;
        }

        return kept ?? [.. lines];
    }

    /// <summary>Checks an outcome given for a line-by-line order against its recorded lines.</summary>
    private LedgerResult? RecordedLinesProblem(int o, OrderCommission outcome, RefundId refund)
    {
        if (OutcomeProblem(o, outcome) is { } problem)
        {
            return Mismatch(refund, problem);
        }

        var (start, end) = LinesOf(o);
        var e = start;
        foreach (var line in outcome.Lines)
        {
            if (line.Amount.IsZero)
            {
                continue;
            }

            if (e >= end || line.Earner.IsDefault || !line.Earner.Equals(_earnerId[_earner[e]]) || line.Amount.MinorUnits != _amount[e])
            {
                return Mismatch(refund, $"the lines are not those recorded for order {_orderId[o]}");
            }

            e++;
        }

        return e == end ? null : Mismatch(refund, $"the lines are not those recorded for order {_orderId[o]}");
    }

    /// <summary>What makes an outcome not the recorded order's (id, amount, instant, lines' sum and signs), or null.</summary>
    private string? OutcomeProblem(int o, OrderCommission outcome)
    {
        if (outcome.Order != _orderId[o] || outcome.Amount.Currency != Currency || outcome.Amount.MinorUnits != _orderAmount[o]
            || outcome.PaidAt.ToUnixTimeTicks() != _orderPaidAt[o] || outcome.Lines is null)
        {
            return $"the outcome given is not that of order {_orderId[o]} ({new Money(_orderAmount[o], Currency)} paid at {Instant.FromUnixTimeTicks(_orderPaidAt[o])})";
        }

        long sum = 0;
        foreach (var line in outcome.Lines)
        {
            if (line is null || line.Amount.Currency != Currency || line.Amount.MinorUnits < 0)
            {
                return "a line is missing, negative or in another currency";
            }

            sum += line.Amount.MinorUnits;
            if (sum > _orderAmount[o])
            {
                return "the lines add up to more than the order";
            }
        }

        return null;
    }

    private static LedgerResult Mismatch(RefundId refund, string why)
        => LedgerResult.Reject("ledger.refund.lines-mismatch", $"Refund {refund}: {why}; nothing was changed.");

    /// <summary>The entry of an earner among a settlement's entries (sorted by earner), or -1.</summary>
    private int FindEntry(int start, int end, int earner)
    {
        int lo = start, hi = end - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var who = _earner[mid];
            if (who == earner)
            {
                return mid;
            }

            if (who < earner)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>Reverses a settled order's lines from <paramref name="before"/> to <paramref name="after"/> refunded, or says why not.</summary>
    private LedgerResult? ReverseSettled(SettledLine[] lines, long before, long after, long total, RefundId refund, int o, bool apply, int index)
    {
        if (!apply)
        {
            // Checked whole first: no settlement entry may be reversed beyond its amount.
            var wanted = new Dictionary<int, long>();
            foreach (var line in lines)
            {
                wanted[line.Entry] = wanted.GetValueOrDefault(line.Entry) + Reversed(line.Amount, after, total) - Reversed(line.Amount, before, total);
            }

            foreach (var (entry, delta) in wanted)
            {
                if (_entryReversed.GetValueOrDefault(entry) + delta > _amount[entry])
                {
                    return Mismatch(refund, $"{_earnerId[_earner[entry]]}'s entry in the settlement of order {_orderId[o]} would be reversed beyond its {new Money(_amount[entry], Currency)}");
                }
            }

            return null;
        }

        _settledLines.TryAdd(o, lines);
        foreach (var line in lines)
        {
            var delta = Reversed(line.Amount, after, total) - Reversed(line.Amount, before, total);
            if (delta == 0)
            {
                continue;
            }

            var e = line.Entry;
            _entryReversed[e] = _entryReversed.GetValueOrDefault(e) + delta;
            ReverseInto(e, delta, index);
        }

        return null;
    }

    /// <summary>Writes the cancellation (entry unpaid) or clawback (entry paid) of <paramref name="delta"/> taken from a commission entry.</summary>
    private void ReverseInto(int e, long delta, int refundIndex)
    {
        var earner = _earner[e];
        _state[earner].Net -= delta;
        _totalNet -= delta;
        if ((_flags[e] & PaidFlag) != 0)
        {
            _state[earner].Unsettled += delta;
            Append(LedgerEntryKind.Clawback, earner, -delta, refundIndex);
        }
        else
        {
            Append(LedgerEntryKind.Cancellation, earner, -delta, refundIndex);
        }
    }

    /// <summary>Writes the settlements, the kept lines of refunded settled orders and what each settlement entry has had reversed.</summary>
    private void WriteSettlements(SnapshotWriter w)
    {
        w.Write7BitEncodedInt(_settlements.Count);
        foreach (var s in _settlements)
        {
            w.Write(s.Id);
            w.Write7BitEncodedInt(s.FirstOrder);
            w.Write7BitEncodedInt(s.Row);
        }

        w.Write7BitEncodedInt(_settledLines.Count);
        foreach (var (order, lines) in _settledLines.OrderBy(p => p.Key))
        {
            w.Write7BitEncodedInt(order);
            w.Write7BitEncodedInt(lines.Length);
            foreach (var line in lines)
            {
                w.Write7BitEncodedInt(line.Entry);
                w.WriteSigned(line.Amount);
            }
        }

        w.Write7BitEncodedInt(_entryReversed.Count);
        foreach (var (entry, reversed) in _entryReversed.OrderBy(p => p.Key))
        {
            w.Write7BitEncodedInt(entry);
            w.WriteSigned(reversed);
        }
    }

    /// <summary>Reads what <see cref="WriteSettlements"/> wrote, checking it against the orders and entries read.</summary>
    private void ReadSettlements(SnapshotReader r)
    {
        var count = Count(r, "settlements");
        var previousRow = -1;
        for (var i = 0; i < count; i++)
        {
            var id = r.ReadString();
            var firstOrder = r.Read7BitEncodedInt();
            var row = r.Read7BitEncodedInt();
            if (string.IsNullOrWhiteSpace(id) || firstOrder <= previousRow || firstOrder > row || row >= _orderId.Count || !IsSettlementRow(row)
                || !_settlementIndex.TryAdd(id, i))
            {
                throw Invalid($"settlement {i + 1} is not valid (blank or repeated name, or rows out of place)");
            }

            for (var o = firstOrder; o < row; o++)
            {
                // The settled orders are orders, with no entries of their own.
                if (IsSettlementRow(o) || _orderFirstEntry[o] != _orderFirstEntry[row])
                {
                    throw Invalid($"settlement {id} is not valid (its orders are not in place)");
                }
            }

            var (start, end) = LinesOf(row);
            for (var e = start + 1; e < end; e++)
            {
                if (_earner[e] <= _earner[e - 1])
                {
                    throw Invalid($"settlement {id} is not valid (its entries are not one per earner in order)");
                }
            }

            _settlements.Add(new SettlementFact(id, firstOrder, row));
            previousRow = row;
        }

        var kept = Count(r, "settled orders' lines");
        for (var i = 0; i < kept; i++)
        {
            var order = r.Read7BitEncodedInt();
            var settlement = (uint)order < (uint)_orderId.Count ? SettlementOf(order) : -1;
            var n = Count(r, "lines");
            if (settlement < 0 || !_orderRefunded.ContainsKey(order) || _settledLines.ContainsKey(order) || n > _flags.Count)
            {
                throw Invalid($"the lines kept for row {order} are not those of a refunded settled order");
            }

            var (start, end) = LinesOf(_settlements[settlement].Row);
            var lines = new SettledLine[n];
            long sum = 0;
            for (var k = 0; k < n; k++)
            {
                lines[k] = new SettledLine(r.Read7BitEncodedInt(), r.ReadSigned());
                sum = checked(sum + lines[k].Amount);
                if (lines[k].Entry < start || lines[k].Entry >= end || lines[k].Amount <= 0 || sum > _orderAmount[order])
                {
                    throw Invalid($"a line kept for order {_orderId[order]} is not valid");
                }
            }

            _settledLines.Add(order, lines);
        }

        foreach (var order in _orderRefunded.Keys)
        {
            if (SettlementOf(order) >= 0 && !_settledLines.ContainsKey(order))
            {
                throw Invalid($"settled order {_orderId[order]} was refunded and its lines are not kept");
            }
        }

        var reversed = Count(r, "settlement reversals");
        for (var i = 0; i < reversed; i++)
        {
            var entry = r.Read7BitEncodedInt();
            var amount = r.ReadSigned();
            if ((uint)entry >= (uint)_flags.Count || (_flags[entry] & KindMask) != (byte)LedgerEntryKind.Commission || !IsSettlementRow(_subject[entry])
                || amount <= 0 || amount > _amount[entry] || !_entryReversed.TryAdd(entry, amount))
            {
                throw Invalid($"the reversal of entry {entry + 1} is not valid");
            }
        }
    }

    /// <summary>A settlement: its name, its first order's row and its own row (its orders lie between).</summary>
    private readonly record struct SettlementFact(string Id, int FirstOrder, int Row);

    /// <summary>A settled order's line: the settlement entry it is part of and its amount.</summary>
    private readonly record struct SettledLine(int Entry, long Amount);
}
