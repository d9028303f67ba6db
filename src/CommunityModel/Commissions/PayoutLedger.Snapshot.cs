using System.Text;
using CommunityModel.Primitives;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace CommunityModel.Commissions;

/// <content>The ledger's snapshot: its facts written to a stream and read back into an equal ledger.</content>
public sealed partial class PayoutLedger
{
    private const string SnapshotMagic = "CMLEDGER";
    private const int SnapshotVersion = 2;

    // Version 3 adds settlements (their rows among the orders have an empty id); a ledger without any writes version 2.
    private const int SettlementVersion = 3;

    /// <summary>
    /// Writes the ledger's facts to a stream in a compact binary form (about 8 to 12 bytes per entry and 20 per order
    /// plus its id): its currency, holding period and zone, and its earners, orders, refunds, payouts and entries.
    /// <see cref="ReadSnapshot"/> reads it back into a ledger equal in everything it answers, so a store reopens its
    /// ledger without replaying the months that made it. The running balances are not written: they are rebuilt from
    /// the entries when read.
    /// </summary>
    /// <param name="stream">A writable stream; it is written from its position and left open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void WriteSnapshot(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new SnapshotWriter(stream);
        w.Write(Encoding.ASCII.GetBytes(SnapshotMagic));
        w.Write7BitEncodedInt(_settlements.Count > 0 ? SettlementVersion : SnapshotVersion);
        w.Write(Currency.Code);
        w.Write(PeriodPattern.Roundtrip.Format(HoldingPeriod));
        w.Write(Zone.Id);

        w.Write7BitEncodedInt(_earnerId.Count);
        for (var i = 0; i < _earnerId.Count; i++)
        {
            w.Write(_earnerId[i].Value);
        }

        w.Write7BitEncodedInt(_details.Count);
        foreach (var d in _details)
        {
            w.Write7BitEncodedInt((int)d.Rule);
            w.Write7BitEncodedInt(d.Level);
            w.Write7BitEncodedInt(d.Distance);
            w.WriteSigned(d.Ppm);
        }

        w.Write7BitEncodedInt(_orderId.Count);
        // Instants, holding periods and first entries as differences from the previous order's: mostly a byte each.
        long previousPaid = 0, previousHold = 0;
        var previousFirst = 0;
        for (var o = 0; o < _orderId.Count; o++)
        {
            w.Write(KeyOf(o));
            w.WriteSigned(_orderAmount[o]);
            w.WriteSigned(_orderPaidAt[o] - previousPaid);
            w.WriteSigned(_orderHold[o] - previousHold);
            w.Write7BitEncodedInt(_orderFirstEntry[o] - previousFirst);
            (previousPaid, previousHold, previousFirst) = (_orderPaidAt[o], _orderHold[o], _orderFirstEntry[o]);
        }

        w.Write7BitEncodedInt(_refunds.Count);
        foreach (var r in _refunds)
        {
            w.Write(r.Id.Value);
            w.Write7BitEncodedInt(r.Order);
            w.WriteSigned(r.Amount);
            w.WriteSigned(r.AtTicks);
        }

        w.Write7BitEncodedInt(_payouts.Count);
        foreach (var p in _payouts)
        {
            w.WriteSigned(p.AtTicks);
            w.WriteSigned(p.Lines);
            w.WriteSigned(p.Settled);
        }

        w.Write7BitEncodedInt(_flags.Count);
        var previousOrder = 0;
        for (var e = 0; e < _flags.Count; e++)
        {
            var flags = _flags[e];
            w.Write(flags);
            w.Write7BitEncodedInt(_earner[e]);
            w.WriteSigned(_amount[e]);
            // A commission's order as the difference from the previous commission's (0 or 1 mostly); others as they are.
            if ((flags & KindMask) == (byte)LedgerEntryKind.Commission)
            {
                w.Write7BitEncodedInt(_subject[e] - previousOrder);
                previousOrder = _subject[e];
            }
            else
            {
                w.Write7BitEncodedInt(_subject[e]);
            }
            if ((flags & KindMask) == (byte)LedgerEntryKind.Commission)
            {
                w.Write7BitEncodedInt(_detail[e] == ushort.MaxValue ? _wideDetail[e] : _detail[e]);
                w.WriteSigned(_capCut.GetValueOrDefault(e));
            }
        }

        if (_settlements.Count > 0)
        {
            WriteSettlements(w);
        }

        w.Write(Encoding.ASCII.GetBytes(SnapshotMagic));
    }

    /// <summary>
    /// Reads a ledger written by <see cref="WriteSnapshot"/>. Everything is checked before the ledger is returned (the
    /// format and version, every index within its table, every id valid, each order's lines after its first entry,
    /// refunds within their orders); a snapshot that is cut short or damaged is refused with a clear error.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the snapshot; it is read to the snapshot's end and left open.</param>
    /// <param name="zones">Where the snapshot's time zone id is looked up, e.g. <c>DateTimeZoneProviders.Tzdb</c>.</param>
    /// <param name="members">
    /// Null, or given each earner's id as read (its text), returns an equal id the caller already holds, or null; the
    /// ledger then shares the caller's strings instead of making copies: for millions of ids, hundreds of MB, and no
    /// string is made for an id the caller holds. An id returned that is not equal to the text is not used.
    /// </param>
    /// <param name="orders">The same for each order's id, in the order the orders were recorded.</param>
    /// <returns>The ledger.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidInputException">The stream does not hold a whole, valid snapshot (code <c>ledger.snapshot.invalid</c>).</exception>
    public static PayoutLedger ReadSnapshot(Stream stream, IDateTimeZoneProvider zones, Func<ReadOnlySpan<char>, MemberId?>? members, Func<ReadOnlySpan<char>, OrderId?>? orders)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(zones);
        try
        {
            return Read(new SnapshotReader(stream), zones, members, orders);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or IOException or InvalidDataException or ArgumentException and not InvalidInputException
                                   or DateTimeZoneNotFoundException)
        {
            throw Invalid($"it cannot be read ({e.Message})");
        }
    }

    private static PayoutLedger Read(SnapshotReader r, IDateTimeZoneProvider zones, Func<ReadOnlySpan<char>, MemberId?>? members, Func<ReadOnlySpan<char>, OrderId?>? orderIds)
    {
        if (Encoding.ASCII.GetString(r.ReadBytes(SnapshotMagic.Length)) != SnapshotMagic)
        {
            throw Invalid("it does not start as a ledger snapshot does");
        }

        var version = r.Read7BitEncodedInt();
        if (version != SnapshotVersion && version != SettlementVersion)
        {
            throw Invalid($"it is of version {version}; this library reads versions {SnapshotVersion} and {SettlementVersion}");
        }

        var bytes = new byte[256];
        var chars = new char[256];
        var currency = Currency.FromCode(r.ReadString());
        var holding = PeriodPattern.Roundtrip.Parse(r.ReadString()).Value;
        var zone = zones[r.ReadString()];
        var ledger = new PayoutLedger(currency, holding, zone);

        var earners = Count(r, "earners");
        for (var i = 0; i < earners; i++)
        {
            var text = ReadText(r, ref bytes, ref chars);
            var id = members?.Invoke(text) is { } shared && text.SequenceEqual(shared.Value) ? shared : MemberId.From(text.ToString());
            if (!ledger._earnerIndex.TryAdd(id, i))
            {
                throw Invalid($"earner {id} appears twice");
            }

            ledger._earnerId.Add(id);
            ledger._state.Add(new EarnerState { LastEntry = -1 });
        }

        var details = Count(r, "line details");
        for (var i = 0; i < details; i++)
        {
            var d = new LineDetail((CommissionRuleKind)r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.ReadSigned());
            if (!Enum.IsDefined(d.Rule) || !ledger._detailIndex.TryAdd(d, i))
            {
                throw Invalid($"line detail {i} is not valid");
            }

            ledger._details.Add(d);
        }

        var orders = Count(r, "orders");
        long paid = 0, hold = 0;
        var first = 0;
        var table = new IdTable(ledger.KeyOf, orders);
        var settlementRows = 0;
        for (var o = 0; o < orders; o++)
        {
            var text = ReadText(r, ref bytes, ref chars);
            if (text.IsEmpty && version == SettlementVersion)
            {
                // A settlement's row: named in the settlements section, never looked up.
                var total = r.ReadSigned();
                paid = checked(paid + r.ReadSigned());
                hold = checked(hold + r.ReadSigned());
                first = checked(first + r.Read7BitEncodedInt());
                if (total < 0 || hold < 0 || !SnapshotReader.IsInstant(paid) || !SnapshotReader.IsInstant(checked(paid + hold)))
                {
                    throw Invalid($"the settlement at row {o} is not valid (negative, with a negative holding period or an instant out of range)");
                }

                ledger._orderFirstEntry[ledger.AddOrder(default, total, paid, hold)] = first;
                settlementRows++;
                continue;
            }

            var id = orderIds?.Invoke(text) is { } shared && text.SequenceEqual(shared.Value) ? shared : OrderId.From(text.ToString());
            var amount = r.ReadSigned();
            paid = checked(paid + r.ReadSigned());
            hold = checked(hold + r.ReadSigned());
            first = checked(first + r.Read7BitEncodedInt());
            if (amount < 0 || hold < 0 || !SnapshotReader.IsInstant(paid) || !SnapshotReader.IsInstant(checked(paid + hold)))
            {
                throw Invalid($"order {id} is not valid (negative, with a negative holding period or an instant out of range)");
            }

            // The order's id is added to the table once, found there if it is repeated.
            var index = ledger.AddOrder(id, amount, paid, hold);
            ledger._orderFirstEntry[index] = first;
            if (table.TryAdd(index, id.Value) >= 0)
            {
                throw Invalid($"order {id} appears twice");
            }
        }

        ledger._orderTable = table;
        var refunds = Count(r, "refunds");
        for (var i = 0; i < refunds; i++)
        {
            var id = RefundId.From(r.ReadString());
            var order = r.Read7BitEncodedInt();
            var amount = r.ReadSigned();
            var at = r.ReadSigned();
            if ((uint)order >= (uint)orders || ledger.IsSettlementRow(order) || amount <= 0 || !SnapshotReader.IsInstant(at) || !ledger._refundIndex.TryAdd(id, i))
            {
                throw Invalid($"refund {id} is not valid (unknown order, not positive or repeated)");
            }

            var after = checked(ledger._orderRefunded.GetValueOrDefault(order) + amount);
            if (after > ledger._orderAmount[order])
            {
                throw Invalid($"refund {id} takes more than its order's amount");
            }

            ledger._refunds.Add(new RefundFact(id, order, amount, at));
            ledger._orderRefunded[order] = after;
            ledger._orderRefundedBits[order >> 6] |= 1UL << (order & 63);
        }

        var payouts = Count(r, "payouts");
        for (var i = 0; i < payouts; i++)
        {
            var payout = new PayoutFact(r.ReadSigned(), r.ReadSigned(), r.ReadSigned());
            if (!SnapshotReader.IsInstant(payout.AtTicks))
            {
                throw Invalid($"payout {i + 1} is at an instant out of range");
            }

            ledger._payouts.Add(payout);
        }

        var entries = Count(r, "entries");
        var lastOrder = -1;
        var previousOrder = 0;
        for (var e = 0; e < entries; e++)
        {
            var flags = r.ReadByte();
            var kind = (LedgerEntryKind)(flags & KindMask);
            var earner = r.Read7BitEncodedInt();
            var amount = r.ReadSigned();
            var subject = r.Read7BitEncodedInt();
            if ((flags & KindMask) == (byte)LedgerEntryKind.Commission)
            {
                subject = checked(previousOrder + subject);
                previousOrder = subject;
            }
            var bound = kind switch
            {
                LedgerEntryKind.Commission => orders,
                LedgerEntryKind.Payout => payouts,
                _ => refunds,
            };
            if ((flags & ~(KindMask | PaidFlag)) != 0 || (kind != LedgerEntryKind.Commission && (flags & PaidFlag) != 0)
                || (uint)earner >= (uint)earners || (uint)subject >= (uint)bound)
            {
                throw Invalid($"entry {e + 1} is not valid");
            }

            ledger.Append(kind, earner, amount, subject);
            ledger._flags[e] = flags;
            ref var state = ref ledger._state[earner];
            switch (kind)
            {
                case LedgerEntryKind.Commission:
                {
                    var detail = r.Read7BitEncodedInt();
                    var capCut = r.ReadSigned();
                    // An order's lines lie together from its first entry, in order of the orders.
                    if (((uint)detail >= (uint)details && !(detail == 0 && ledger.IsSettlementRow(subject))) || subject < lastOrder || e < ledger._orderFirstEntry[subject]
                        || (subject + 1 < orders && e >= ledger._orderFirstEntry[subject + 1]))
                    {
                        throw Invalid($"entry {e + 1} is not valid");
                    }

                    lastOrder = subject;
                    ledger._detail[e] = detail < ushort.MaxValue ? (ushort)detail : ushort.MaxValue;
                    if (detail >= ushort.MaxValue)
                    {
                        ledger._wideDetail[e] = detail;
                    }

                    if (capCut != 0)
                    {
                        ledger._capCut[e] = capCut;
                    }

                    ledger._totalNet += amount;
                    break;
                }

                case LedgerEntryKind.Payout:
                    state.Unsettled = 0;
                    state.Paid += amount;
                    break;
                default:
                    state.Net += amount;
                    ledger._totalNet += amount;
                    if (kind == LedgerEntryKind.Clawback)
                    {
                        state.Unsettled -= amount;
                    }

                    break;
            }
        }

        if (version == SettlementVersion)
        {
            ledger.ReadSettlements(r);
        }

        if (ledger._settlements.Count != settlementRows)
        {
            throw Invalid($"it has {settlementRows} settlement row(s) and {ledger._settlements.Count} settlement(s)");
        }

        if (Encoding.ASCII.GetString(r.ReadBytes(SnapshotMagic.Length)) != SnapshotMagic)
        {
            throw Invalid("it does not end as a ledger snapshot does");
        }

        r.ReadEnd();

        return ledger;
    }

    /// <summary>A string as <see cref="BinaryWriter.Write(string)"/> wrote it, decoded into a reused buffer (valid until the next read).</summary>
    private static ReadOnlySpan<char> ReadText(SnapshotReader r, ref byte[] bytes, ref char[] chars)
    {
        var length = r.Read7BitEncodedInt();
        if (length < 0)
        {
            throw Invalid("an id's length is negative");
        }

        if (length > bytes.Length)
        {
            bytes = new byte[Math.Max(length, bytes.Length * 2)];
            chars = new char[bytes.Length];
        }

        var span = bytes.AsSpan(0, length);
        r.ReadExactly(span);
        var n = Encoding.UTF8.GetChars(span, chars);
        return chars.AsSpan(0, n);
    }

    private static int Count(SnapshotReader r, string what)
    {
        var count = r.Read7BitEncodedInt();
        return count >= 0 ? count : throw Invalid($"its count of {what} is negative");
    }

    private static InvalidInputException Invalid(string why)
        => new([new Problem("ledger.snapshot.invalid", "snapshot", $"The ledger snapshot is not valid: {why}; nothing was read.")]);
}
