using System.Text;
using CommunityModel.Commissions;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Orleans.Model;

/// <content>The store's snapshot: its facts and the state of its last close, so a grain activates without refolding its log.</content>
public sealed partial class StoreModel
{
    // Version 2 settles months by totals and keeps their ranks. A snapshot of version 1 (months recorded line by line)
    // is refused: the grain then folds its whole journal, so the store is the same as one made from its log alone.
    private const string SnapshotMagic = "CMSTORE2";

    /// <summary>
    /// The store as bytes: its joins, orders, refunds, payouts and months, the payout ledger's snapshot and the
    /// membership book's (the state of the last close). <see cref="Restore"/> makes an equal store from them.
    /// </summary>
    /// <returns>The snapshot.</returns>
    public byte[] Snapshot()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(SnapshotMagic);
            w.Write(_joins.Count);
            foreach (var j in _joins)
            {
                w.Write(j.Member.Value);
                w.Write(j.Sponsor?.Value ?? string.Empty);
                w.Write(j.JoinedAt.ToUnixTimeTicks());
            }

            w.Write(_orders.Count);
            foreach (var o in _orders)
            {
                w.Write(o.Id.Value);
                w.Write(o.Buyer.Value);
                w.Write(o.Product.Value);
                w.Write(o.Amount.MinorUnits);
                w.Write(o.PaidAt.ToUnixTimeTicks());
                w.Write(o.Quantity);
            }

            w.Write(_refunds.Count);
            foreach (var r in _refunds)
            {
                w.Write(r.Id.Value);
                w.Write(r.Order.Value);
                w.Write(r.Amount.MinorUnits);
                w.Write(r.At.ToUnixTimeTicks());
            }

            WriteInts(w, _heldRefunds);
            WriteInts(w, _openOrders);
            WriteInts(w, [.. _closedOrders.Order()]);
            w.Write(_payouts.Count);
            foreach (var (id, earner) in _payouts)
            {
                w.Write(id);
                w.Write(earner);
            }

            w.Write(_closed.Count);
            foreach (var m in _closed)
            {
                w.Write(YearMonthPattern.Iso.Format(m));
            }

            foreach (var changes in _rankChanges)
            {
                w.Write(changes.Length);
                foreach (var (join, rank) in changes)
                {
                    w.Write(join);
                    w.Write(rank);
                }
            }

            w.Write(_openFrom.ToUnixTimeTicks());
            WriteBytes(w, _ledger.WriteSnapshot);
            w.Write(_book is not null);
            if (_book is not null)
            {
                WriteBytes(w, _book.WriteSnapshot);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Makes the store a <see cref="Snapshot"/> was taken of, under its setup.</summary>
    /// <param name="setup">The store's setup (the one it was made with).</param>
    /// <param name="snapshot">The bytes.</param>
    /// <returns>The store.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a snapshot of a store with this setup.</exception>
    public static StoreModel Restore(StoreSetup setup, byte[] snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var model = TryCreate(setup, out var problems) ?? throw new InvalidDataException($"the store's setup is not valid: {string.Join("; ", problems)}");
        try
        {
            using var r = new BinaryReader(new MemoryStream(snapshot), Encoding.UTF8);
            model.Read(r);
            if (r.BaseStream.Position != snapshot.Length)
            {
                throw new InvalidDataException("bytes are left after the store's snapshot");
            }

            return model;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidInputException or ArgumentException or FormatException or UnparsableValueException)
        {
            throw new InvalidDataException($"the store's snapshot cannot be read: {e.Message}", e);
        }
    }

    private void Read(BinaryReader r)
    {
        if (r.ReadString() != SnapshotMagic)
        {
            throw new InvalidDataException("not a store snapshot of this version");
        }

        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var id = r.ReadString();
            var sponsor = r.ReadString();
            _memberIndex.Add(id, _joins.Count);
            _joins.Add(new JoinRecord(new MemberId(id), sponsor.Length == 0 ? null : new MemberId(sponsor), Instant.FromUnixTimeTicks(r.ReadInt64())));
        }

        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var (id, buyer, product, amount, at, quantity) = (r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt32());
            _orderIndex.Add(id, _orders.Count);
            _orders.Add(new Order(new OrderId(id), new MemberId(buyer), new ProductId(product), Money.OfMinor(amount, _currency), Instant.FromUnixTimeTicks(at), quantity));
            _refunded.Add(0);
        }

        for (var n = r.ReadInt32(); n > 0; n--)
        {
            var (id, order, amount, at) = (r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64());
            _refundIndex.Add(id, _refunds.Count);
            _refunds.Add(new Refund(new RefundId(id), new OrderId(order), Money.OfMinor(amount, _currency), Instant.FromUnixTimeTicks(at)));
            _refunded[_orderIndex[order]] += amount;
        }

        _heldRefunds.AddRange(ReadInts(r));
        _openOrders.AddRange(ReadInts(r));
        _closedOrders.UnionWith(ReadInts(r));
        for (var n = r.ReadInt32(); n > 0; n--)
        {
            _payouts.Add(r.ReadString(), r.ReadString());
        }

        for (var n = r.ReadInt32(); n > 0; n--)
        {
            _closed.Add(YearMonthPattern.Iso.Parse(r.ReadString()).GetValueOrThrow());
        }

        for (var m = 0; m < _closed.Count; m++)
        {
            var n = r.ReadInt32();
            if (n < 0 || n > _joins.Count)
            {
                throw new InvalidDataException($"the ranks kept for {_closed[m]:yyyy-MM} are not valid");
            }

            var changes = new (int Join, int Rank)[n];
            for (var k = 0; k < n; k++)
            {
                changes[k] = (r.ReadInt32(), r.ReadInt32());
                if ((uint)changes[k].Join >= (uint)_joins.Count || changes[k].Rank < 0)
                {
                    throw new InvalidDataException($"the ranks kept for {_closed[m]:yyyy-MM} are not valid");
                }
            }

            _rankChanges.Add(changes);
        }

        _openFrom = Instant.FromUnixTimeTicks(r.ReadInt64());
        var ledger = PayoutLedger.ReadSnapshot(new MemoryStream(r.ReadBytes(r.ReadInt32())), DateTimeZoneProviders.Tzdb, null, null);
        if (ledger.Currency != _currency || ledger.HoldingPeriod != _ledger.HoldingPeriod || ledger.Zone.Id != _ledger.Zone.Id)
        {
            throw new InvalidDataException("the snapshot's ledger is not of this store's currency, holding period and zone");
        }

        _ledger = ledger;
        if (r.ReadBoolean())
        {
            // The state of the last close: its tree and facts are those of everything before its end, as the close made them.
            var end = _openFrom;
            var tree = ReferralTree.Build(_joins.Where(j => j.JoinedAt < end));
            var facts = MembershipFacts.Build(tree, _currency, [.. _orders.Where(o => o.PaidAt < end)], [.. _refunds.Where(x => x.At < end)]);
            var book = MembershipBook.ReadSnapshot(new MemoryStream(r.ReadBytes(r.ReadInt32())), tree, _policy);
            (_tree, _book, _facts) = (tree, book, facts);
        }

        _lastRanks = new int[_joins.Count];
        Array.Fill(_lastRanks, BaseRank);
        foreach (var changes in _rankChanges)
        {
            foreach (var (join, rank) in changes)
            {
                _lastRanks[join] = rank;
            }
        }
    }

    private static void WriteInts(BinaryWriter w, List<int> values)
    {
        w.Write(values.Count);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static List<int> ReadInts(BinaryReader r)
    {
        var n = r.ReadInt32();
        var values = new List<int>(Math.Clamp(n, 0, 1 << 20));
        for (var k = 0; k < n; k++)
        {
            values.Add(r.ReadInt32());
        }

        return values;
    }

    private static void WriteBytes(BinaryWriter w, Action<Stream> write)
    {
        using var part = new MemoryStream();
        write(part);
        w.Write(checked((int)part.Length));
        w.Write(part.GetBuffer(), 0, (int)part.Length);
    }
}
