using CommunityModel.Commissions;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// The simple model the columnar <see cref="PayoutLedger"/> is held equal to: the ledger as it was first
/// written, an object per line and a formatted explanation per entry (only the zero holding period is read
/// as "available at once", as the ledger does). Used by the model test only.
/// </summary>
internal sealed class ReferenceLedger
{
    private readonly List<LedgerEntry> _entries = [];
    private readonly Dictionary<OrderId, OrderState> _orders = [];
    private readonly HashSet<RefundId> _refunds = [];
    private readonly Dictionary<MemberId, EarnerState> _earners = [];

    /// <summary>Creates a ledger.</summary>
    /// <param name="currency">The currency of every amount.</param>
    /// <param name="holdingPeriod">How long a commission stays pending after its order (set it to at least the refund window).</param>
    /// <param name="zone">The store's time zone, for calendar periods.</param>
    public ReferenceLedger(Currency currency, Period holdingPeriod, DateTimeZone zone)
    {
        if (currency.IsDefault)
        {
            throw new ArgumentException("A currency is required.", nameof(currency));
        }

        Currency = currency;
        HoldingPeriod = holdingPeriod;
        Zone = zone;
    }

    /// <summary>The currency.</summary>
    public Currency Currency { get; }

    /// <summary>The holding period.</summary>
    public Period HoldingPeriod { get; }

    /// <summary>The store's time zone.</summary>
    public DateTimeZone Zone { get; }

    /// <summary>Every entry, in order.</summary>
    public IReadOnlyList<LedgerEntry> Entries => _entries;

    /// <summary>When a commission on an order paid at <paramref name="paidAt"/> becomes available.</summary>
    /// <param name="paidAt">The order's instant.</param>
    /// <returns>The instant the holding period ends.</returns>
    public Instant AvailableAt(Instant paidAt)
        => HoldingPeriod.Equals(Period.Zero) ? paidAt : (paidAt.InZone(Zone).LocalDateTime + HoldingPeriod).InZoneLeniently(Zone).ToInstant();

    /// <summary>Records every order of a run, all or nothing.</summary>
    /// <param name="run">The run.</param>
    /// <returns>The result.</returns>
    public LedgerResult Record(CommissionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Record(run.Orders);
    }

    /// <summary>Records orders' lines, all or nothing: rejected if any order is already recorded or repeated.</summary>
    /// <param name="orders">The order outcomes.</param>
    /// <returns>The result.</returns>
    public LedgerResult Record(IEnumerable<OrderCommission> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var list = orders.ToList();
        var seen = new HashSet<OrderId>();
        foreach (var o in list)
        {
            if (_orders.ContainsKey(o.Order) || !seen.Add(o.Order))
            {
                return Reject("ledger.order.duplicate", $"Order {o.Order} is already recorded; nothing was changed.");
            }

            if (o.Amount.Currency != Currency)
            {
                return Reject("ledger.currency.mismatch", $"Order {o.Order} is in {o.Amount.Currency}, the ledger in {Currency}; nothing was changed.");
            }
        }

        var written = new List<LedgerEntry>();
        foreach (var o in list)
        {
            Instant? availableAt = null;
            var state = new OrderState(o.Order, o.Amount.MinorUnits, o.PaidAt);
            foreach (var line in o.Lines)
            {
                if (line.Amount.IsZero)
                {
                    continue;
                }

                // The end of the holding period is worked out in the zone only for orders that pay someone.
                var available = availableAt ??= AvailableAt(o.PaidAt);

                state.Lines.Add(new LineState(line.Earner, line.Amount.MinorUnits, available));
                var earner = Earner(line.Earner);
                earner.Lines.Add(state.Lines[^1]);
                written.Add(Append(LedgerEntryKind.Commission, line.Earner, o.Order, null, line.Amount.MinorUnits, o.PaidAt, available, $"{line}; pending until {available}"));
            }

            _orders[o.Order] = state;
        }

        return new LedgerResult(true, string.Empty, $"Recorded {list.Count} order(s), {written.Count} line(s).", written);
    }

    /// <summary>
    /// Refunds part or all of an order: reverses its lines in proportion (see the class remarks).
    /// Rejected, with nothing changed, when the refund id was seen before, the order is unknown, the amount is
    /// not positive, is in another currency, or exceeds what remains of the order.
    /// </summary>
    /// <param name="refund">The refund's id.</param>
    /// <param name="order">The order refunded.</param>
    /// <param name="amount">The amount given back to the buyer.</param>
    /// <param name="at">When.</param>
    /// <returns>The result.</returns>
    public LedgerResult Refund(RefundId refund, OrderId order, Money amount, Instant at)
    {
        if (_refunds.Contains(refund))
        {
            return Reject("ledger.refund.duplicate", $"Refund {refund} was already applied; nothing was changed.");
        }

        if (!_orders.TryGetValue(order, out var state))
        {
            return Reject("ledger.refund.unknown-order", $"Order {order} is not in the ledger; nothing was changed.");
        }

        if (amount.Currency != Currency)
        {
            return Reject("ledger.currency.mismatch", $"Refund {refund} is in {amount.Currency}, the ledger in {Currency}; nothing was changed.");
        }

        if (amount.MinorUnits <= 0)
        {
            return Reject("ledger.refund.not-positive", $"Refund {refund} of {amount} is not positive; nothing was changed.");
        }

        var remaining = state.Amount - state.Refunded;
        if (amount.MinorUnits > remaining)
        {
            return Reject("ledger.refund.exceeds-remaining", $"Refund {refund} of {amount} exceeds the {new Money(remaining, Currency)} that remains of order {order}; nothing was changed.");
        }

        if (at < state.PaidAt)
        {
            return Reject("ledger.refund.before-order", $"Refund {refund} at {at} is before order {order} was paid at {state.PaidAt}; nothing was changed.");
        }

        _refunds.Add(refund);
        state.Refunded += amount.MinorUnits;
        var written = new List<LedgerEntry>();
        foreach (var line in state.Lines)
        {
            var target = (long)((Int128)line.Original * state.Refunded / state.Amount);
            var delta = target - line.Reversed;
            if (delta == 0)
            {
                continue;
            }

            line.Reversed = target;
            if (line.Paid)
            {
                Earner(line.Earner).UnsettledClawbacks += delta;
                written.Add(Append(LedgerEntryKind.Clawback, line.Earner, order, refund, -delta, at, null,
                    $"Refund {refund} of {amount} on order {order} claws back {new Money(delta, Currency)} already paid; netted against the next payout"));
            }
            else
            {
                written.Add(Append(LedgerEntryKind.Cancellation, line.Earner, order, refund, -delta, at, null,
                    $"Refund {refund} of {amount} on order {order} cancels {new Money(delta, Currency)} not yet paid"));
            }
        }

        var full = state.Refunded == state.Amount ? " (order fully refunded)" : string.Empty;
        return new LedgerResult(true, string.Empty, $"Refund {refund} reversed {written.Count} line(s){full}.", written);
    }

    /// <summary>
    /// Pays an earner everything available as of <paramref name="at"/>, net of clawbacks not yet settled.
    /// Rejected, with nothing changed, when that net is not positive.
    /// </summary>
    /// <param name="earner">The earner.</param>
    /// <param name="at">When the payout is made.</param>
    /// <returns>The result; its single entry carries the amount paid.</returns>
    public LedgerResult RecordPayout(MemberId earner, Instant at)
    {
        if (!_earners.TryGetValue(earner, out var state))
        {
            return Reject("ledger.payout.nothing-available", $"{earner} has no commissions; nothing was changed.");
        }

        long lines = 0;
        foreach (var line in state.Lines)
        {
            if (!line.Paid && line.AvailableAt <= at)
            {
                lines += line.Original - line.Reversed;
            }
        }

        var net = lines - state.UnsettledClawbacks;
        if (net <= 0)
        {
            return Reject("ledger.payout.nothing-available", $"{earner} has {new Money(net, Currency)} available at {at}; nothing was changed.");
        }

        foreach (var line in state.Lines)
        {
            if (!line.Paid && line.AvailableAt <= at)
            {
                line.Paid = true;
            }
        }

        var settled = state.UnsettledClawbacks;
        state.UnsettledClawbacks = 0;
        state.Paid += net;
        var entry = Append(LedgerEntryKind.Payout, earner, null, null, net, at, null,
            $"Paid {new Money(net, Currency)} to {earner}: {new Money(lines, Currency)} available{(settled > 0 ? $" less {new Money(settled, Currency)} clawed back" : string.Empty)}");
        return new LedgerResult(true, string.Empty, entry.Explanation, [entry]);
    }

    /// <summary>An earner's balances as of an instant.</summary>
    /// <param name="earner">The earner.</param>
    /// <param name="asOf">The instant that decides pending against available.</param>
    /// <returns>The balances (zero for an unknown earner).</returns>
    public EarnerBalance BalanceOf(MemberId earner, Instant asOf)
    {
        if (!_earners.TryGetValue(earner, out var state))
        {
            var zero = Money.Zero(Currency);
            return new EarnerBalance(earner, zero, zero, zero);
        }

        long pending = 0, available = 0;
        foreach (var line in state.Lines)
        {
            if (line.Paid)
            {
                continue;
            }

            var left = line.Original - line.Reversed;
            if (line.AvailableAt > asOf)
            {
                pending += left;
            }
            else
            {
                available += left;
            }
        }

        available -= state.UnsettledClawbacks;
        return new EarnerBalance(earner, new Money(pending, Currency), new Money(available, Currency), new Money(state.Paid, Currency));
    }

    /// <summary>Every earner with an entry, sorted by id (ordinal).</summary>
    public IReadOnlyList<MemberId> Earners => _earners.Keys.OrderBy(k => k.Value, StringComparer.Ordinal).ToList();

    /// <summary>Every entry that moved one earner's balance, in order, each with its explanation.</summary>
    /// <param name="earner">The earner.</param>
    /// <returns>The history.</returns>
    public IReadOnlyList<LedgerEntry> HistoryOf(MemberId earner) => _entries.Where(e => e.Earner == earner).ToList();

    private static LedgerResult Reject(string code, string message) => new(false, code, message, []);

    private EarnerState Earner(MemberId id)
    {
        if (!_earners.TryGetValue(id, out var state))
        {
            state = new EarnerState();
            _earners[id] = state;
        }

        return state;
    }

    private LedgerEntry Append(LedgerEntryKind kind, MemberId earner, OrderId? order, RefundId? refund, long amount, Instant at, Instant? availableAt, string explanation)
    {
        var entry = new LedgerEntry(_entries.Count + 1, kind, earner, order, refund, new Money(amount, Currency), at, availableAt, explanation);
        _entries.Add(entry);
        return entry;
    }

    private sealed class OrderState(OrderId id, long amount, Instant paidAt)
    {
        public OrderId Id { get; } = id;

        public long Amount { get; } = amount;

        public Instant PaidAt { get; } = paidAt;

        public long Refunded { get; set; }

        public List<LineState> Lines { get; } = [];
    }

    private sealed class LineState(MemberId earner, long original, Instant availableAt)
    {
        public MemberId Earner { get; } = earner;

        public long Original { get; } = original;

        public Instant AvailableAt { get; } = availableAt;

        public long Reversed { get; set; }

        public bool Paid { get; set; }
    }

    private sealed class EarnerState
    {
        public List<LineState> Lines { get; } = [];

        public long UnsettledClawbacks { get; set; }

        public long Paid { get; set; }
    }
}
