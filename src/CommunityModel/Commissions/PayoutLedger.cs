using System.Runtime.CompilerServices;
using CommunityModel.Kernels;
using CommunityModel.Primitives;
using NodaTime;
using NodaTime.TimeZones;

namespace CommunityModel.Commissions;

/// <summary>What a ledger entry records.</summary>
public enum LedgerEntryKind
{
    /// <summary>A commission line earned (pending until the holding period ends).</summary>
    Commission = 0,

    /// <summary>An unpaid commission reduced by a refund (negative).</summary>
    Cancellation = 1,

    /// <summary>An already paid commission taken back by a refund (negative; netted against the next payout).</summary>
    Clawback = 2,

    /// <summary>Money paid out to the earner.</summary>
    Payout = 3,
}

/// <summary>One entry of the payout ledger, with its explanation (made from the ledger's columns when read).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Sequence">Position in the ledger, from 1.</param>
/// <param name="Kind">What the entry records.</param>
/// <param name="Earner">Whose balance it moves.</param>
/// <param name="Order">The order, when the entry concerns one.</param>
/// <param name="Refund">The refund, for cancellations and clawbacks.</param>
/// <param name="Amount">The amount (negative for cancellations and clawbacks).</param>
/// <param name="At">When it happened.</param>
/// <param name="AvailableAt">For a commission, when it stops being pending.</param>
/// <param name="Explanation">Why, in a sentence.</param>
public sealed record LedgerEntry(long Sequence, LedgerEntryKind Kind, MemberId Earner, OrderId? Order, RefundId? Refund, Money Amount, Instant At, Instant? AvailableAt, string Explanation);

/// <summary>The outcome of a ledger operation: accepted with the entries it wrote, or rejected with nothing changed.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Accepted">True when the operation was applied.</param>
/// <param name="Code">For a rejection, a stable code such as <c>ledger.refund.duplicate</c>; empty when accepted.</param>
/// <param name="Message">What happened, in a sentence.</param>
/// <param name="Entries">The entries written (none when rejected).</param>
public sealed record LedgerResult(bool Accepted, string Code, string Message, IReadOnlyList<LedgerEntry> Entries)
{
    internal static LedgerResult Reject(string code, string message) => new(false, code, message, []);
}

/// <summary>An earner's balances as of an instant.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Earner">The member the balance belongs to.</param>
/// <param name="Pending">Earned, still inside the holding period.</param>
/// <param name="Available">Past the holding period and not yet paid, less clawbacks not yet netted.</param>
/// <param name="Paid">Paid out so far.</param>
public sealed record EarnerBalance(MemberId Earner, Money Pending, Money Available, Money Paid)
{
    /// <summary>Everything the earner has earned net of refunds: pending + available + paid.</summary>
    public Money Net => Pending + Available + Paid;
}

/// <summary>
/// The payout ledger. Each commission line enters as Pending until its order's instant plus the holding
/// period (calendar arithmetic in the store's zone, e.g. the 2-month refund guarantee), then is Available,
/// then Paid when a payout is recorded. A refund reverses the order's lines in proportion, exactly to the
/// minor unit: after refunds totalling F of an order of amount T, each line of amount L has been reversed
/// by floor(L·F/T) in total, so a full refund reverses every line exactly and a partial one never takes
/// back more than the exact share. Unpaid lines are cancelled; paid lines produce clawbacks netted against
/// the next payout. Every operation is checked whole before anything changes: a repeated order or refund,
/// an unknown order, or a refund beyond what remains is rejected and changes nothing. A period's orders may instead
/// be recorded by their totals (<see cref="RecordSettlement"/>): one entry per earner, held from the period's end;
/// a refund of such an order brings the order's lines, recomputed by the engine, and reverses them the same way.
/// </summary>
/// <remarks>
/// The ledger keeps its entries as columns (earner, amount, kind, order or refund, the previous entry of
/// the same earner), its orders as columns (id, amount, instant, end of the holding period, first entry)
/// and every earner's running net, paid and unsettled clawbacks, so recording millions of lines costs a
/// few tens of bytes per line. <see cref="LedgerEntry"/> values, with their explanations, are made when
/// they are read (from <see cref="Entries"/>, <see cref="HistoryOf"/> or a result) and never stored.
/// Mutable and not thread-safe: every call reads or changes the ledger, so one instance serves one thread at a time and
/// no read runs during a write. A store keeps one ledger and sends it its commands in order (one lock around every
/// call, or one actor or grain per store); concurrent calls without that can lose entries.
/// </remarks>
public sealed partial class PayoutLedger
{
    private const byte KindMask = 0b11;
    private const int PrefetchAhead = 16;
    private const byte PaidFlag = 0b100;

    // Entries.
    private readonly ChunkedColumn<byte> _flags = new();
    private readonly ChunkedColumn<int> _earner = new();
    private readonly CompactInt64Column _amount = new();
    private readonly ChunkedColumn<int> _subject = new();      // order index (commission), refund index, payout index
    private readonly ChunkedColumn<ushort> _detail = new();    // commission: the line's rule, level, distance and rate
    private readonly Dictionary<int, int> _wideDetail = [];
    private readonly ChunkedColumn<int> _previousOfEarner = new();
    private readonly Dictionary<int, long> _capCut = [];
    private readonly List<LineDetail> _details = [];
    private readonly Dictionary<LineDetail, int> _detailIndex = [];
    private string?[] _ruleText = new string?[16];             // per line detail, made when first read

    // Orders.
    private readonly ChunkedColumn<OrderId> _orderId = new();
    private readonly CompactInt64Column _orderAmount = new();
    private readonly ChunkedColumn<long> _orderPaidAt = new();
    private readonly CompactInt64Column _orderHold = new(NodaConstants.TicksPerSecond);
    private readonly ChunkedColumn<int> _orderFirstEntry = new();
    private readonly Dictionary<int, long> _orderRefunded = [];
    private readonly ChunkedColumn<ulong> _orderRefundedBits = new(); // one bit per order: has a refund
    private IdTable? _orderTable;

    // Earners.
    private readonly Dictionary<MemberId, int> _earnerIndex = [];
    private readonly ChunkedColumn<MemberId> _earnerId = new();
    private readonly ChunkedColumn<EarnerState> _state = new();

    // Refunds and payouts.
    private readonly Dictionary<RefundId, int> _refundIndex = [];
    private readonly List<RefundFact> _refunds = [];
    private readonly List<PayoutFact> _payouts = [];
    private long _totalNet;

    // The zone interval and the day shift last used by TryAvailableAt.
    private ZoneInterval? _interval;
    private long _intervalStart;
    private long _intervalEnd;
    private long _intervalOffset;
    private long _shiftDay = long.MinValue;
    private long _shiftDays;

    /// <summary>Creates a ledger.</summary>
    /// <param name="currency">The currency of every amount.</param>
    /// <param name="holdingPeriod">How long a commission stays pending after its order (set it to at least the refund window).</param>
    /// <param name="zone">The store's time zone, for calendar periods.</param>
    public PayoutLedger(Currency currency, Period holdingPeriod, DateTimeZone zone)
    {
        if (currency.IsDefault)
        {
            throw new ArgumentException("A currency is required.", nameof(currency));
        }

        Currency = currency;
        HoldingPeriod = Preconditions.NotNull(holdingPeriod);
        Zone = Preconditions.NotNull(zone);
        Entries = new EntryView(this, 0, -1);
    }

    /// <summary>The one currency of every amount the ledger records; lines and refunds in another are refused.</summary>
    public Currency Currency { get; }

    /// <summary>The holding period.</summary>
    public Period HoldingPeriod { get; }

    /// <summary>The store's time zone.</summary>
    public DateTimeZone Zone { get; }

    /// <summary>Every entry, in order (each made, with its explanation, when it is read).</summary>
    public IReadOnlyList<LedgerEntry> Entries { get; }

    /// <summary>How many orders have been recorded (line by line or in settlements).</summary>
    public int OrderCount => _orderId.Count - _settlements.Count;

    /// <summary>Every earner with an entry, sorted by id (ordinal).</summary>
    public IReadOnlyList<MemberId> Earners
    {
        get
        {
            var ids = new MemberId[_earnerId.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = _earnerId[i];
            }

            var keys = new string[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                keys[i] = ids[i].Value;
            }

            OrdinalSort.Sort(keys, ids);
            return ids;
        }
    }

    /// <summary>When a commission on an order paid at <paramref name="paidAt"/> becomes available.</summary>
    /// <param name="paidAt">The order's instant.</param>
    /// <returns>The instant the holding period ends.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The end lies outside the range of dates NodaTime represents.</exception>
    public Instant AvailableAt(Instant paidAt)
        => TryAvailableAt(paidAt.ToUnixTimeTicks(), out var ticks)
            ? Instant.FromUnixTimeTicks(ticks)
            : throw new ArgumentOutOfRangeException(nameof(paidAt), paidAt, $"The holding period {HoldingPeriod} after {paidAt} ends outside the dates that can be represented.");

    /// <summary>
    /// Records every order of a run, all or nothing: rejected, with nothing changed, when the run is in another
    /// currency, an order is already recorded, or an order's holding period ends outside the representable dates.
    /// Reads the run's columns directly; lines of zero are not recorded.
    /// </summary>
    /// <param name="run">A detailed run (<see cref="CommissionEngine.Run(MemberStatuses, OrderBatch, bool)"/>) in the ledger's currency, none of whose orders is recorded yet.</param>
    /// <returns>The result; its entries are the commissions written.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public LedgerResult Record(CommissionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Plan.Currency != Currency)
        {
            return LedgerResult.Reject("ledger.currency.mismatch", $"The run is in {run.Plan.Currency}, the ledger in {Currency}; nothing was changed.");
        }

        var batch = run.Batch;
        var n = batch.Count;
        if (_orderId.Count > 0)
        {
            // A batch's ids are unique; only the orders already here can clash.
            EnsureOrderTable();
            for (var row = 0; row < n; row++)
            {
                var id = batch.IdAt(row);
                if (FindOrder(id) >= 0)
                {
                    return LedgerResult.Reject("ledger.order.duplicate", $"Order {id} is already recorded; nothing was changed.");
                }
            }
        }

        var hold = new long[n];
        long lines = 0;
        for (var row = 0; row < n; row++)
        {
            if (HoldOf(batch.PaidAtTicks[row], out hold[row]) is { } problem)
            {
                return LedgerResult.Reject("ledger.holding.out-of-range", $"Order {batch.IdAt(row)}: {problem}; nothing was changed.");
            }
        }

        for (var k = 0; k < run.LineCount; k++)
        {
            lines += run.LineAmounts[k];
        }

        if (long.MaxValue - _totalNet < lines)
        {
            return LedgerResult.Reject("ledger.amount.overflow", $"The run's lines would take the ledger past {long.MaxValue} minor units; nothing was changed.");
        }

        var first = _flags.Count;
        AppendRun(run, hold);
        return new LedgerResult(true, string.Empty, $"Recorded {n} order(s), {_flags.Count - first} line(s).", new EntryView(this, first, _flags.Count));
    }

    /// <summary>
    /// Records orders' lines, all or nothing: rejected, with nothing changed, when an order is already recorded
    /// or repeated, is in another currency, has no lines list, a line in another currency, a negative line,
    /// lines adding up to more than the order, a line without an earner, or a holding period that ends outside
    /// the representable dates. Lines of zero are not recorded.
    /// </summary>
    /// <param name="orders">The order outcomes.</param>
    /// <returns>The result; its entries are the commissions written.</returns>
    public LedgerResult Record(IEnumerable<OrderCommission> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var list = orders.ToList();
        var seen = new HashSet<OrderId>();
        var hold = new long[list.Count];
        long total = 0;
        EnsureOrderTable();
        for (var i = 0; i < list.Count; i++)
        {
            var o = list[i];
            if (o is null || o.Order.IsDefault || o.Lines is null)
            {
                return LedgerResult.Reject("ledger.order.invalid", $"Order outcome {i} is null or has no id or no lines; nothing was changed.");
            }

            if (FindOrder(o.Order) >= 0 || !seen.Add(o.Order))
            {
                return LedgerResult.Reject("ledger.order.duplicate", $"Order {o.Order} is already recorded; nothing was changed.");
            }

            if (o.Amount.Currency != Currency)
            {
                return LedgerResult.Reject("ledger.currency.mismatch", $"Order {o.Order} is in {o.Amount.Currency}, the ledger in {Currency}; nothing was changed.");
            }

            long sum = 0;
            foreach (var line in o.Lines)
            {
                if (line is null || line.Earner.IsDefault)
                {
                    return LedgerResult.Reject("ledger.line.earner-missing", $"Order {o.Order} has a line without an earner; nothing was changed.");
                }

                if (line.Amount.Currency != Currency)
                {
                    return LedgerResult.Reject("ledger.currency.mismatch", $"Order {o.Order} has a line in {line.Amount.Currency}, the ledger is in {Currency}; nothing was changed.");
                }

                if (line.Amount.MinorUnits < 0)
                {
                    return LedgerResult.Reject("ledger.line.negative", $"Order {o.Order} has a negative line {line.Amount} for {line.Earner}; nothing was changed.");
                }

                sum += line.Amount.MinorUnits;
                if (sum > o.Amount.MinorUnits)
                {
                    return LedgerResult.Reject("ledger.lines.exceed-order", $"The lines of order {o.Order} add up to more than its {o.Amount}; nothing was changed.");
                }
            }

            if (HoldOf(o.PaidAt.ToUnixTimeTicks(), out hold[i]) is { } problem)
            {
                return LedgerResult.Reject("ledger.holding.out-of-range", $"Order {o.Order}: {problem}; nothing was changed.");
            }

            if (long.MaxValue - total < sum)
            {
                return LedgerResult.Reject("ledger.amount.overflow", "The lines add up past 64 bits; nothing was changed.");
            }

            total += sum;
        }

        if (long.MaxValue - _totalNet < total)
        {
            return LedgerResult.Reject("ledger.amount.overflow", $"The lines would take the ledger past {long.MaxValue} minor units; nothing was changed.");
        }

        var first = _flags.Count;
        var cache = new DetailCache();
        for (var i = 0; i < list.Count; i++)
        {
            var o = list[i];
            var order = AddOrder(o.Order, o.Amount.MinorUnits, o.PaidAt.ToUnixTimeTicks(), hold[i]);
            foreach (var line in o.Lines)
            {
                if (line.Amount.IsZero)
                {
                    continue;
                }

                var detail = cache.Find(this, new LineDetail(line.Rule, line.Level, line.Distance, line.Rate is { } r ? r.PartsPerMillion : -1));
                AppendCommission(EarnerOf(line.Earner), order, line.Amount.MinorUnits, detail, line.CapCut.MinorUnits);
            }
        }

        return new LedgerResult(true, string.Empty, $"Recorded {list.Count} order(s), {_flags.Count - first} line(s).", new EntryView(this, first, _flags.Count));
    }

    /// <summary>Appends a checked run's orders and lines (one long loop: fully optimised from the first call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AppendRun(CommissionRun run, long[] hold)
    {
        var batch = run.Batch;
        var n = batch.Count;
        var tree = run.Statuses.Tree;
        var earnerOf = new int[tree.Count];
        Array.Fill(earnerOf, -1);
        var cache = new DetailCache();
        var lineCount = run.LineCount;
        for (var row = 0; row < n; row++)
        {
            var order = AddOrder(batch.IdAt(row), batch.Amount[row], batch.PaidAtTicks[row], hold[row]);
            var end = run.LineStarts[row + 1];
            for (var k = run.LineStarts[row]; k < end; k++)
            {
                // Earners come in no order: fetch the state of the earner some lines ahead (and, further ahead,
                // its number) so that the cache misses overlap instead of queueing.
                if (k + (2 * PrefetchAhead) < lineCount)
                {
                    CacheHint.Prefetch(ref earnerOf[run.LineEarners[k + (2 * PrefetchAhead)]]);
                    var ahead = earnerOf[run.LineEarners[k + PrefetchAhead]];
                    if (ahead >= 0)
                    {
                        CacheHint.Prefetch(ref _state[ahead]);
                    }
                }

                var amount = run.LineAmounts[k];
                if (amount == 0)
                {
                    continue;
                }

                var m = run.LineEarners[k];
                var earner = earnerOf[m];
                if (earner < 0)
                {
                    earner = earnerOf[m] = EarnerOf(tree.MemberAt(m));
                }

                var detail = cache.Find(this, new LineDetail((CommissionRuleKind)run.LineRules[k], run.LineLevels[k], run.LineDistances[k], run.LinePpms[k]));
                AppendCommission(earner, order, amount, detail, run.CapCutOf(k));
            }
        }

    }

    /// <summary>
    /// Refunds part or all of an order: reverses its lines in proportion (see the class remarks).
    /// Rejected, with nothing changed, when the refund id was seen before, the order is unknown, the amount is
    /// not positive, is in another currency, or exceeds what remains of the order. The first refund of an order
    /// recorded by a settlement (<see cref="RecordSettlement"/>) must bring the order's lines through
    /// <see cref="RefundWithLines"/>; without them it is rejected (code <c>ledger.refund.lines-needed</c>); later ones may use this one.
    /// </summary>
    /// <param name="refund">The refund's id.</param>
    /// <param name="order">The order refunded.</param>
    /// <param name="amount">The amount given back to the buyer.</param>
    /// <param name="at">When.</param>
    /// <returns>The result.</returns>
    public LedgerResult Refund(RefundId refund, OrderId order, Money amount, Instant at) => RefundCore(refund, order, null, amount, at);

    private LedgerResult RefundCore(RefundId refund, OrderId order, OrderCommission? outcome, Money amount, Instant at)
    {
        if (refund.IsDefault)
        {
            return LedgerResult.Reject("ledger.refund.no-id", "A refund needs its id (default(RefundId) names none), so that applying it twice is caught; nothing was changed.");
        }

        if (_refundIndex.ContainsKey(refund))
        {
            return LedgerResult.Reject("ledger.refund.duplicate", $"Refund {refund} was already applied; nothing was changed.");
        }

        EnsureOrderTable();
        var o = order.IsDefault ? -1 : FindOrder(order);
        if (o < 0)
        {
            return LedgerResult.Reject("ledger.refund.unknown-order", $"Order {order} is not in the ledger; nothing was changed.");
        }

        if (amount.Currency != Currency)
        {
            return LedgerResult.Reject("ledger.currency.mismatch", $"Refund {refund} is in {amount.Currency}, the ledger in {Currency}; nothing was changed.");
        }

        if (amount.MinorUnits <= 0)
        {
            return LedgerResult.Reject("ledger.refund.not-positive", $"Refund {refund} of {amount} is not positive; nothing was changed.");
        }

        var total = _orderAmount[o];
        var before = _orderRefunded.GetValueOrDefault(o);
        var remaining = total - before;
        if (amount.MinorUnits > remaining)
        {
            return LedgerResult.Reject("ledger.refund.exceeds-remaining", $"Refund {refund} of {amount} exceeds the {new Money(remaining, Currency)} that remains of order {order}; nothing was changed.");
        }

        if (at.ToUnixTimeTicks() < _orderPaidAt[o])
        {
            return LedgerResult.Reject("ledger.refund.before-order", $"Refund {refund} at {at} is before order {order} was paid at {Instant.FromUnixTimeTicks(_orderPaidAt[o])}; nothing was changed.");
        }

        var after = before + amount.MinorUnits;
        var settlement = _settlements.Count == 0 ? -1 : SettlementOf(o);
        SettledLine[]? settled = null;
        if (settlement >= 0)
        {
            settled = SettledLinesOf(o, settlement, outcome, refund, out var rejection);
            if (settled is null)
            {
                return rejection!;
            }

            if (ReverseSettled(settled, before, after, total, refund, o, apply: false, 0) is { } over)
            {
                return over;
            }
        }
        else if (outcome is not null && RecordedLinesProblem(o, outcome, refund) is { } mismatch)
        {
            return mismatch;
        }

        var index = _refunds.Count;
        _refundIndex[refund] = index;
        _refunds.Add(new RefundFact(refund, o, amount.MinorUnits, at.ToUnixTimeTicks()));
        _orderRefunded[o] = after;
        _orderRefundedBits[o >> 6] |= 1UL << (o & 63);
        var first = _flags.Count;
        if (settled is not null)
        {
            ReverseSettled(settled, before, after, total, refund, o, apply: true, index);
        }
        else
        {
            var (start, end) = LinesOf(o);
            for (var e = start; e < end; e++)
            {
                var original = _amount[e];
                var delta = Reversed(original, after, total) - Reversed(original, before, total);
                if (delta != 0)
                {
                    ReverseInto(e, delta, index);
                }
            }
        }

        var full = after == total ? " (order fully refunded)" : string.Empty;
        return new LedgerResult(true, string.Empty, $"Refund {refund} reversed {_flags.Count - first} line(s){full}.", new EntryView(this, first, _flags.Count));
    }

    /// <summary>
    /// Pays an earner everything available as of <paramref name="at"/>, net of clawbacks not yet settled.
    /// Rejected, with nothing changed, when that net is not positive.
    /// </summary>
    /// <param name="earner">A member who earned in a recorded run; one the ledger has never seen has nothing.</param>
    /// <param name="at">When the payout is made.</param>
    /// <returns>The result; its single entry carries the amount paid.</returns>
    public LedgerResult RecordPayout(MemberId earner, Instant at)
    {
        if (earner.IsDefault || !_earnerIndex.TryGetValue(earner, out var who))
        {
            return LedgerResult.Reject("ledger.payout.nothing-available", $"{earner} has no commissions; nothing was changed.");
        }

        var asOf = at.ToUnixTimeTicks();
        long lines = 0;
        for (var e = _state[who].LastEntry; e >= 0; e = _previousOfEarner[e])
        {
            if (_flags[e] == (byte)LedgerEntryKind.Commission && AvailableTicks(_subject[e]) <= asOf)
            {
                lines += Left(e);
            }
        }

        var settled = _state[who].Unsettled;
        var net = lines - settled;
        if (net <= 0)
        {
            return LedgerResult.Reject("ledger.payout.nothing-available", $"{earner} has {new Money(net, Currency)} available at {at}; nothing was changed.");
        }

        for (var e = _state[who].LastEntry; e >= 0; e = _previousOfEarner[e])
        {
            if (_flags[e] == (byte)LedgerEntryKind.Commission && AvailableTicks(_subject[e]) <= asOf)
            {
                _flags[e] |= PaidFlag;
            }
        }

        _state[who].Unsettled = 0;
        _state[who].Paid += net;
        _payouts.Add(new PayoutFact(asOf, lines, settled));
        var entry = Append(LedgerEntryKind.Payout, who, net, _payouts.Count - 1);
        var written = new EntryView(this, entry, entry + 1);
        return new LedgerResult(true, string.Empty, written[0].Explanation, written);
    }

    /// <summary>An earner's balances as of an instant.</summary>
    /// <param name="earner">A member who earned in a recorded run; one the ledger has never seen has nothing.</param>
    /// <param name="asOf">The instant that decides pending against available.</param>
    /// <returns>The balances (zero for an unknown earner).</returns>
    public EarnerBalance BalanceOf(MemberId earner, Instant asOf)
    {
        if (earner.IsDefault || !_earnerIndex.TryGetValue(earner, out var who))
        {
            var zero = Money.Zero(Currency);
            return new EarnerBalance(earner, zero, zero, zero);
        }

        var ticks = asOf.ToUnixTimeTicks();
        long pending = 0, available = 0;
        for (var e = _state[who].LastEntry; e >= 0; e = _previousOfEarner[e])
        {
            if (_flags[e] == (byte)LedgerEntryKind.Commission)
            {
                if (AvailableTicks(_subject[e]) > ticks)
                {
                    pending += Left(e);
                }
                else
                {
                    available += Left(e);
                }
            }
        }

        return new EarnerBalance(earner, new Money(pending, Currency), new Money(available - _state[who].Unsettled, Currency), new Money(_state[who].Paid, Currency));
    }

    /// <summary>What an earner has earned net of refunds (pending + available + paid), kept as a running total.</summary>
    /// <param name="earner">A member who earned in a recorded run; one the ledger has never seen has nothing.</param>
    /// <returns>The net (zero for an unknown earner).</returns>
    public Money NetOf(MemberId earner)
        => new(!earner.IsDefault && _earnerIndex.TryGetValue(earner, out var who) ? _state[who].Net : 0, Currency);

    /// <summary>
    /// Every earner's balances as of an instant, in one pass over the entries, sorted by earner id (ordinal):
    /// the same values as <see cref="BalanceOf"/> for each earner.
    /// </summary>
    /// <param name="asOf">The instant that decides pending against available.</param>
    /// <returns>One balance per earner with an entry.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<EarnerBalance> Balances(Instant asOf)
    {
        var (pending, available) = PendingAndAvailable(asOf);
        var order = EarnersById();
        var result = new EarnerBalance[order.Length];
        for (var k = 0; k < order.Length; k++)
        {
            var i = order[k];
            result[k] = new EarnerBalance(_earnerId[i], new Money(pending[i], Currency), new Money(available[i] - _state[i].Unsettled, Currency), new Money(_state[i].Paid, Currency));
        }

        return result;
    }

    /// <summary>
    /// Every earner's statement for a period that runs from an entry to the end of the ledger: the net earned at its
    /// opening, the commissions, cancellations, clawbacks and payouts of the period's entries, the net at its closing,
    /// and the balances as of an instant (usually the period's end), in one pass over the entries, sorted by earner
    /// id (ordinal). An earner is listed when the period has an entry of theirs or something is pending or available
    /// to them as of the instant.
    /// </summary>
    /// <param name="fromIndex">The period's first entry (0-based, as in <see cref="Entries"/>); <c>Entries.Count</c> for a period with no entries.</param>
    /// <param name="asOf">The instant that decides pending against available.</param>
    /// <returns>One statement per earner listed.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fromIndex"/> is negative or beyond the ledger's entries.</exception>
    public IReadOnlyList<EarnerStatement> Statements(int fromIndex, Instant asOf)
    {
        if (fromIndex < 0 || fromIndex > _flags.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(fromIndex), fromIndex, $"The ledger has {_flags.Count} entries.");
        }

        var earners = _earnerId.Count;
        var moved = new long[earners * 4]; // per earner: commissions, cancellations, clawbacks, paid out
        var touched = new bool[earners];
        for (var e = fromIndex; e < _flags.Count; e++)
        {
            var who = _earner[e];
            var kind = _flags[e] & KindMask;
            var amount = _amount[e];
            moved[(who * 4) + kind] += amount;
            touched[who] = true;
        }

        var (pending, available) = PendingAndAvailable(asOf);
        var order = EarnersById();
        var result = new List<EarnerStatement>();
        foreach (var i in order)
        {
            var availableNow = available[i] - _state[i].Unsettled;
            if (!touched[i] && pending[i] == 0 && availableNow == 0)
            {
                continue;
            }

            var closing = _state[i].Net;
            var commissions = moved[i * 4];
            var cancellations = moved[(i * 4) + 1];
            var clawbacks = moved[(i * 4) + 2];
            result.Add(new EarnerStatement(_earnerId[i], new Money(closing - commissions - cancellations - clawbacks, Currency), new Money(commissions, Currency),
                new Money(cancellations, Currency), new Money(clawbacks, Currency), new Money(moved[(i * 4) + 3], Currency), new Money(closing, Currency),
                new Money(pending[i], Currency), new Money(availableNow, Currency), new Money(_state[i].Paid, Currency)));
        }

        return result;
    }

    /// <summary>Every earner's pending and available commissions as of an instant (before clawbacks are netted), by earner index.</summary>
    private (long[] Pending, long[] Available) PendingAndAvailable(Instant asOf)
    {
        var earners = _earnerId.Count;
        var pending = new long[earners];
        var available = new long[earners];
        var ticks = asOf.ToUnixTimeTicks();
        for (var o = 0; o < _orderId.Count; o++)
        {
            // An order's lines are contiguous: its holding end and its refunds are looked up once.
            var (start, end) = LinesOf(o);
            if (start == end)
            {
                continue;
            }

            var isPending = AvailableTicks(o) > ticks;
            var refunded = (_orderRefundedBits[o >> 6] & (1UL << (o & 63))) != 0 ? _orderRefunded[o] : 0;
            var total = refunded == 0 ? 0 : _orderAmount[o];
            var settlement = _entryReversed.Count > 0 && IsSettlementRow(o);
            for (var e = start; e < end; e++)
            {
                if (_flags[e] != (byte)LedgerEntryKind.Commission)
                {
                    continue; // paid
                }

                var original = _amount[e];
                var left = settlement ? original - _entryReversed.GetValueOrDefault(e)
                    : refunded == 0 ? original : original - Reversed(original, refunded, total);
                if (isPending)
                {
                    pending[_earner[e]] += left;
                }
                else
                {
                    available[_earner[e]] += left;
                }
            }
        }

        return (pending, available);
    }

    /// <summary>The earners' indexes in the order of their ids (ordinal).</summary>
    private int[] EarnersById()
    {
        var earners = _earnerId.Count;
        var order = new int[earners];
        var keys = new string[earners];
        for (var i = 0; i < earners; i++)
        {
            order[i] = i;
            keys[i] = _earnerId[i].Value;
        }

        OrdinalSort.Sort(keys, order);
        return order;
    }

    /// <summary>Every entry that moved one earner's balance, in order, each with its explanation.</summary>
    /// <param name="earner">A member who earned in a recorded run; one the ledger has never seen has nothing.</param>
    /// <returns>The history.</returns>
    public IReadOnlyList<LedgerEntry> HistoryOf(MemberId earner)
    {
        if (earner.IsDefault || !_earnerIndex.TryGetValue(earner, out var who))
        {
            return [];
        }

        var positions = new List<int>();
        for (var e = _state[who].LastEntry; e >= 0; e = _previousOfEarner[e])
        {
            positions.Add(e);
        }

        var history = new LedgerEntry[positions.Count];
        for (var k = 0; k < history.Length; k++)
        {
            history[k] = EntryAt(positions[positions.Count - 1 - k]);
        }

        return history;
    }

    /// <summary>
    /// The fields of the entry at a position (0-based, as in <see cref="Entries"/>), read from the ledger's columns
    /// without allocating: for exports that write millions of entries, with <see cref="TryFormatExplanation"/>.
    /// </summary>
    /// <param name="index">The position, from 0 to <c>Entries.Count - 1</c>.</param>
    /// <returns>The entry's fields (those of <c>Entries[index]</c> without its explanation).</returns>
    /// <exception cref="ArgumentOutOfRangeException">No entry at that position.</exception>
    public LedgerEntryFields FieldsOf(int index) => FieldsAt(CheckEntry(index));

    /// <summary>
    /// Writes the explanation of the entry at a position (the text of <c>Entries[index].Explanation</c>) into a span
    /// without allocating. Explanations are a sentence of some 100 to 200 characters; ids longer than usual make them
    /// longer, so a caller whose span is too short tries again with a larger one.
    /// </summary>
    /// <param name="index">The position, from 0 to <c>Entries.Count - 1</c>.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written (0 when the span is too short).</param>
    /// <returns>False when the span is too short (nothing usable was written).</returns>
    /// <exception cref="ArgumentOutOfRangeException">No entry at that position.</exception>
    public bool TryFormatExplanation(int index, Span<char> destination, out int charsWritten) => TryExplain(CheckEntry(index), destination, out charsWritten);

    /// <summary>
    /// Writes the reason for the entry at a position: what its fields (<see cref="FieldsOf"/>) do not already say,
    /// for exports that put the fields in columns of their own. For a commission line it is the rule that earned it
    /// and any cut the cap made (<c>level 1 at 10%, 1 hop(s) above the buyer</c>: the part of the explanation between
    /// the order and the holding period); for a cancellation, a clawback or a payout it is the whole explanation
    /// (the refund's amount, or the payout's lines and clawbacks, are not among the fields).
    /// </summary>
    /// <param name="index">The position, from 0 to <c>Entries.Count - 1</c>.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written (0 when the span is too short).</param>
    /// <returns>False when the span is too short (nothing usable was written).</returns>
    /// <exception cref="ArgumentOutOfRangeException">No entry at that position.</exception>
    public bool TryFormatReason(int index, Span<char> destination, out int charsWritten)
    {
        var e = CheckEntry(index);
        if ((LedgerEntryKind)(_flags[e] & KindMask) != LedgerEntryKind.Commission)
        {
            return TryExplain(e, destination, out charsWritten);
        }

        var text = new SpanText(destination);
        if (IsSettlementRow(_subject[e]))
        {
            AppendSettlement(ref text, _subject[e]);
            return text.Done(out charsWritten);
        }

        text.Append(RuleTextOf(_detail[e] == ushort.MaxValue ? _wideDetail[e] : _detail[e]));
        var capCut = _capCut.GetValueOrDefault(e);
        if (capCut != 0)
        {
            text.Append(" (cap cut ");
            text.Append(new Money(capCut, Currency));
            text.Append(')');
        }

        return text.Done(out charsWritten);
    }

    /// <summary>The bytes the ledger's columns occupy, roughly (for measurements and benchmarks).</summary>
    internal long ColumnBytes =>
        _flags.AllocatedBytes + _earner.AllocatedBytes + _amount.AllocatedBytes + _subject.AllocatedBytes + _detail.AllocatedBytes
        + _previousOfEarner.AllocatedBytes + _orderId.AllocatedBytes + _orderAmount.AllocatedBytes + _orderPaidAt.AllocatedBytes
        + _orderHold.AllocatedBytes + _orderFirstEntry.AllocatedBytes + (_orderTable?.AllocatedBytes ?? 0) + _earnerId.AllocatedBytes
        + _state.AllocatedBytes;

    /// <summary>The text of a line detail's rule, made once (reads from several threads may each make it; all equal).</summary>
    private string RuleTextOf(int detail)
    {
        var texts = _ruleText;
        if (detail < texts.Length && texts[detail] is { } known)
        {
            return known;
        }

        var d = _details[detail];
        var text = CommissionLine.RuleText(d.Rule, d.Level, d.Ppm < 0 ? null : Rate.FromPartsPerMillion(d.Ppm), d.Distance);
        if (detail >= texts.Length)
        {
            Array.Resize(ref texts, Math.Max(texts.Length * 2, detail + 1));
        }

        texts[detail] = text;
        _ruleText = texts;
        return text;
    }

    private int CheckEntry(int index) => unchecked((uint)index < (uint)_flags.Count)
        ? index
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"The ledger has {_flags.Count} entries.");

    private static long Reversed(long original, long refunded, long total)
        => refunded == 0 ? 0 : (long)((Int128)original * refunded / total);

    /// <summary>What is left of a commission entry after the refunds of its order.</summary>
    private long Left(int entry)
    {
        var original = _amount[entry];
        var order = _subject[entry];
        if (_settlements.Count > 0 && IsSettlementRow(order))
        {
            return original - _entryReversed.GetValueOrDefault(entry);
        }

        return (_orderRefundedBits[order >> 6] & (1UL << (order & 63))) != 0 && _orderRefunded.TryGetValue(order, out var refunded)
            ? original - Reversed(original, refunded, _orderAmount[order])
            : original;
    }

    private long AvailableTicks(int order) => _orderPaidAt[order] + _orderHold[order];

    /// <summary>The holding period's length for an order paid at the given ticks, or why it cannot be had.</summary>
    private string? HoldOf(long paidTicks, out long hold)
    {
        if (TryAvailableAt(paidTicks, out var available))
        {
            hold = available - paidTicks;
            return null;
        }

        hold = 0;
        return $"the holding period {HoldingPeriod} after {Instant.FromUnixTimeTicks(paidTicks)} ends outside the dates that can be represented";
    }

    /// <summary>
    /// The end of the holding period (calendar arithmetic in the zone), or false when it cannot be represented.
    /// For a period of whole days, months and years, the orders of one local day share the day's shift in days
    /// while the zone keeps one offset well around both ends, so most orders cost no calendar work (the result
    /// is the same: the local time of day is kept and the offset does not change).
    /// </summary>
    private bool TryAvailableAt(long paidTicks, out long ticks)
    {
        if (HoldingPeriod.Equals(Period.Zero))
        {
            ticks = paidTicks;
            return true;
        }

        if (!HoldingPeriod.HasTimeComponent && _interval is not null && paidTicks - NodaConstants.TicksPerDay >= _intervalStart && paidTicks < _intervalEnd)
        {
            var day = Math.DivRem(paidTicks + _intervalOffset, NodaConstants.TicksPerDay, out var rest) - (rest < 0 ? 1 : 0);
            if (day != _shiftDay)
            {
                _shiftDay = day;
                _shiftDays = -1;
                var date = new LocalDate(1970, 1, 1).PlusDays((int)Math.Clamp(day, int.MinValue, int.MaxValue));
                try
                {
                    _shiftDays = Period.DaysBetween(date, date + HoldingPeriod);
                }
                catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
                {
                    _shiftDays = -1;
                }
            }

            if (_shiftDays >= 0)
            {
                var candidate = paidTicks + (_shiftDays * NodaConstants.TicksPerDay);
                if (candidate + NodaConstants.TicksPerDay < _intervalEnd)
                {
                    ticks = candidate;
                    return true;
                }
            }
        }

        try
        {
            var paid = Instant.FromUnixTimeTicks(paidTicks);
            if (!HoldingPeriod.HasTimeComponent)
            {
                Remember(Zone.GetZoneInterval(paid));
            }

            ticks = (paid.InZone(Zone).LocalDateTime + HoldingPeriod).InZoneLeniently(Zone).ToInstant().ToUnixTimeTicks();
            return true;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            ticks = 0;
            return false;
        }
    }

    private void Remember(ZoneInterval interval)
    {
        _interval = interval;
        _intervalStart = interval.HasStart ? interval.Start.ToUnixTimeTicks() : long.MinValue / 2;
        _intervalEnd = interval.HasEnd ? interval.End.ToUnixTimeTicks() : long.MaxValue / 2;
        _intervalOffset = interval.WallOffset.Ticks;
        _shiftDay = long.MinValue;
    }

    private int AddOrder(OrderId id, long amount, long paidTicks, long hold)
    {
        var index = _orderId.Count;
        _orderId.Add(id);
        _orderAmount.Add(amount);
        _orderPaidAt.Add(paidTicks);
        _orderHold.Add(hold);
        _orderFirstEntry.Add(_flags.Count);
        if ((index & 63) == 0)
        {
            _orderRefundedBits.Add(0);
        }

        _orderTable?.Add(index);

        return index;
    }

    /// <summary>The commission entries of an order: contiguous from its first entry.</summary>
    private (int Start, int End) LinesOf(int order)
    {
        var start = _orderFirstEntry[order];
        var bound = order + 1 < _orderFirstEntry.Count ? _orderFirstEntry[order + 1] : _flags.Count;
        var end = start;
        while (end < bound && (_flags[end] & KindMask) == (byte)LedgerEntryKind.Commission)
        {
            end++;
        }

        return (start, end);
    }

    /// <summary>Builds the order lookup the first time it is needed (a fresh ledger recording one run never needs it).</summary>
    private void EnsureOrderTable() => _orderTable ??= IdTable.Over(_orderId.Count, KeyOf);

    private int FindOrder(OrderId id) => _orderTable!.Find(id.Value);

    private int EarnerOf(MemberId id)
    {
        if (!_earnerIndex.TryGetValue(id, out var index))
        {
            index = _earnerId.Count;
            _earnerIndex[id] = index;
            _earnerId.Add(id);
            _state.Add(new EarnerState { LastEntry = -1 });
        }

        return index;
    }

    private void AppendCommission(int earner, int order, long amount, int detail, long capCut)
    {
        var e = Append(LedgerEntryKind.Commission, earner, amount, order);
        if (detail < ushort.MaxValue)
        {
            _detail[e] = (ushort)detail;
        }
        else
        {
            _detail[e] = ushort.MaxValue;
            _wideDetail[e] = detail;
        }

        if (capCut != 0)
        {
            _capCut[e] = capCut;
        }

        _totalNet += amount;
    }

    private int Append(LedgerEntryKind kind, int earner, long amount, int subject)
    {
        var e = _flags.Count;
        _flags.Add((byte)kind);
        _earner.Add(earner);
        _amount.Add(amount);
        _subject.Add(subject);
        _detail.Add(0);
        ref var state = ref _state[earner];
        _previousOfEarner.Add(state.LastEntry);
        state.LastEntry = e;
        if (kind == LedgerEntryKind.Commission)
        {
            state.Net += amount;
        }

        return e;
    }

    /// <summary>Makes the entry at a position, with its explanation.</summary>
    private LedgerEntry EntryAt(int e)
    {
        var f = FieldsAt(e);
        Span<char> buffer = stackalloc char[384];
        string explanation;
        if (TryExplain(e, buffer, out var written))
        {
            explanation = new string(buffer[..written]);
        }
        else
        {
            var size = 1024;
            char[] heap;
            while (!TryExplain(e, heap = new char[size], out written))
            {
                size *= 2;
            }

            explanation = new string(heap, 0, written);
        }

        return new LedgerEntry(f.Sequence, f.Kind, f.Earner, f.Order, f.Refund, f.Amount, f.At, f.AvailableAt, explanation);
    }

    private LedgerEntryFields FieldsAt(int e)
    {
        var kind = (LedgerEntryKind)(_flags[e] & KindMask);
        var earner = _earnerId[_earner[e]];
        var amount = new Money(_amount[e], Currency);
        var subject = _subject[e];
        switch (kind)
        {
            case LedgerEntryKind.Commission:
                return new LedgerEntryFields(e + 1, kind, earner, IsSettlementRow(subject) ? null : _orderId[subject], null, amount, Instant.FromUnixTimeTicks(_orderPaidAt[subject]),
                    Instant.FromUnixTimeTicks(AvailableTicks(subject)));
            case LedgerEntryKind.Payout:
                return new LedgerEntryFields(e + 1, kind, earner, null, null, amount, Instant.FromUnixTimeTicks(_payouts[subject].AtTicks), null);
            default:
                var r = _refunds[subject];
                return new LedgerEntryFields(e + 1, kind, earner, _orderId[r.Order], r.Id, amount, Instant.FromUnixTimeTicks(r.AtTicks), null);
        }
    }

    /// <summary>Writes the explanation of the entry at a position; false when the span is too short.</summary>
    private bool TryExplain(int e, Span<char> destination, out int charsWritten)
    {
        var kind = (LedgerEntryKind)(_flags[e] & KindMask);
        var earner = _earnerId[_earner[e]];
        var amount = new Money(_amount[e], Currency);
        var subject = _subject[e];
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        switch (kind)
        {
            case LedgerEntryKind.Commission when IsSettlementRow(subject):
            {
                var text = new SpanText(destination);
                text.Append(earner.Value);
                text.Append(" earns ");
                text.Append(amount);
                text.Append(" in ");
                AppendSettlement(ref text, subject);
                text.Append("; pending until ");
                text.Append(Instant.FromUnixTimeTicks(AvailableTicks(subject)));
                return text.Done(out charsWritten);
            }

            case LedgerEntryKind.Commission:
            {
                var detailIndex = _detail[e] == ushort.MaxValue ? _wideDetail[e] : _detail[e];
                if (!CommissionLine.TryFormat(destination, out var n, earner, amount, _orderId[subject], RuleTextOf(detailIndex), new Money(_capCut.GetValueOrDefault(e), Currency)))
                {
                    charsWritten = 0;
                    return false;
                }

                var text = new SpanText(destination[n..]);
                text.Append("; pending until ");
                text.Append(Instant.FromUnixTimeTicks(AvailableTicks(subject)));
                var ok = text.Done(out var m);
                charsWritten = ok ? n + m : 0;
                return ok;
            }

            case LedgerEntryKind.Payout:
            {
                var p = _payouts[subject];
                return p.Settled > 0
                    ? destination.TryWrite(invariant, $"Paid {amount} to {earner}: {new Money(p.Lines, Currency)} available less {new Money(p.Settled, Currency)} clawed back", out charsWritten)
                    : destination.TryWrite(invariant, $"Paid {amount} to {earner}: {new Money(p.Lines, Currency)} available", out charsWritten);
            }

            default:
            {
                var r = _refunds[subject];
                var order = _orderId[r.Order];
                var refund = new Money(r.Amount, Currency);
                var delta = new Money(-amount.MinorUnits, Currency);
                return kind == LedgerEntryKind.Clawback
                    ? destination.TryWrite(invariant, $"Refund {r.Id} of {refund} on order {order} claws back {delta} already paid; netted against the next payout", out charsWritten)
                    : destination.TryWrite(invariant, $"Refund {r.Id} of {refund} on order {order} cancels {delta} not yet paid", out charsWritten);
            }
        }
    }

    /// <summary>What a commission line's explanation needs beyond its amount: shared by many lines, so kept once.</summary>
    private readonly record struct LineDetail(CommissionRuleKind Rule, int Level, int Distance, long Ppm);

    /// <summary>An earner's running columns, together so that a line touches one cache line of them.</summary>
    private struct EarnerState
    {
        public long Net;
        public long Paid;
        public long Unsettled;
        public int LastEntry;
    }

    private readonly record struct RefundFact(RefundId Id, int Order, long Amount, long AtTicks);

    private readonly record struct PayoutFact(long AtTicks, long Lines, long Settled);

    /// <summary>A few recently used line details, in front of the ledger's table of all of them.</summary>
    private sealed class DetailCache
    {
        private readonly LineDetail[] _keys = new LineDetail[64];
        private readonly int[] _values = new int[64];

        public int Find(PayoutLedger ledger, LineDetail key)
        {
            var slot = ((int)key.Rule * 31 + key.Level * 7 + key.Distance) & 63;
            if (_values[slot] > 0 && _keys[slot] == key)
            {
                return _values[slot] - 1;
            }

            if (!ledger._detailIndex.TryGetValue(key, out var index))
            {
                index = ledger._details.Count;
                ledger._details.Add(key);
                ledger._detailIndex[key] = index;
            }

            _keys[slot] = key;
            _values[slot] = index + 1;
            return index;
        }
    }

    /// <summary>A range of the ledger's entries, each made when read.</summary>
    private sealed class EntryView(PayoutLedger ledger, int start, int end) : IReadOnlyList<LedgerEntry>
    {
        public int Count => (end < 0 ? ledger._flags.Count : end) - start;

        public LedgerEntry this[int index] => unchecked((uint)index < (uint)Count)
            ? ledger.EntryAt(start + index)
            : throw new ArgumentOutOfRangeException(nameof(index), index, $"The view has {Count} entries.");

        public IEnumerator<LedgerEntry> GetEnumerator()
        {
            var count = Count;
            for (var i = 0; i < count; i++)
            {
                yield return ledger.EntryAt(start + i);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
