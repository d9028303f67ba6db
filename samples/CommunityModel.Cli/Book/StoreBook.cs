using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using static CommunityModel.Samples.SqliteCommands;
using NodaTime;
using NodaTime.Text;
using CommunityModel.Commissions;
using CommunityModel.Membership;
using CommunityModel.Referrals;

namespace CommunityModel.Cli.Book;

/// <summary>One closed month as the book records it.</summary>
/// <param name="Number">0 for the book's first month, then 1, 2, ...</param>
/// <param name="Month">The month.</param>
/// <param name="ClosedAt">When <c>close</c> ran (the machine's clock; recorded, never computed with).</param>
/// <param name="Ranks">Every member's tier at the month's end (the tier's place in the policy), one byte per member.</param>
/// <param name="Hash">The chain's hash after the month.</param>
/// <param name="PaidAt">When its payouts were recorded, or null.</param>
/// <param name="PaidHash">The chain's hash after the payouts, or null.</param>
internal sealed record ClosedMonth(int Number, YearMonth Month, string ClosedAt, byte[] Ranks, string Hash, string? PaidAt, string? PaidHash);

/// <summary>A payout recorded by <c>pay</c>.</summary>
internal sealed record StoredPayout(int Month, int Earner, long Amount, long AtTicks);

/// <summary>
/// The store book: a SQLite file with the store's configuration (plan, membership policy, ladder, holding period)
/// and every member, order, refund and payout it was given, by month, with each month's tiers. One close or pay is
/// one transaction, taken with the write lock from the moment the book is opened for writing until it commits, so a
/// second writer is refused at once instead of working from a stale book. Each month's rows are chained by SHA-256
/// (the hash of the previous month's hash and of the month's rows in a fixed byte form); opening the book checks
/// the chain and names the month and table whose rows no longer give their recorded hash. Members and orders, the
/// bulk of a book, are kept as columns in chunks of up to 65,536 rows per BLOB (<see cref="Chunks"/>): a month of
/// 10 million orders is written and read back as 153 values, not 10 million rows.
/// </summary>
internal sealed class StoreBook : IDisposable
{
    private const int SchemaVersion = 2;
    private const string Schema = """
        CREATE TABLE book(id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL, currency TEXT NOT NULL,
            zone TEXT NOT NULL, holding TEXT NOT NULL, plan_json TEXT NOT NULL, membership_json TEXT NOT NULL,
            ladder_json TEXT NOT NULL, months INTEGER NOT NULL, head_hash TEXT NOT NULL);
        CREATE TABLE months(number INTEGER PRIMARY KEY, month TEXT NOT NULL UNIQUE, closed_at TEXT NOT NULL,
            ranks BLOB NOT NULL, hash TEXT NOT NULL, paid_at TEXT, paid_hash TEXT);
        CREATE TABLE members(month INTEGER NOT NULL, chunk INTEGER NOT NULL, rows INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (month, chunk));
        CREATE TABLE orders(month INTEGER NOT NULL, chunk INTEGER NOT NULL, rows INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (month, chunk));
        CREATE TABLE refunds(seq INTEGER PRIMARY KEY, refund_id TEXT NOT NULL, order_seq INTEGER NOT NULL, amount_minor INTEGER NOT NULL,
            at_ticks INTEGER NOT NULL, month INTEGER NOT NULL);
        CREATE TABLE payouts(seq INTEGER PRIMARY KEY, month INTEGER NOT NULL, earner INTEGER NOT NULL, amount_minor INTEGER NOT NULL, at_ticks INTEGER NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private SqliteTransaction? _tx;

    private StoreBook(SqliteConnection connection, SqliteTransaction tx, string path, BookSettings settings)
    {
        _connection = connection;
        _tx = tx;
        Path = path;
        Settings = settings;
    }

    public string Path { get; }

    public BookSettings Settings { get; }

    public List<ClosedMonth> Months { get; } = [];

    public List<StoredPayout> Payouts { get; } = [];

    public string HeadHash { get; private set; } = "";

    /// <summary>Creates a book file holding the settings; the file must not exist.</summary>
    public static void Create(string path, BookSettings settings)
    {
        var connection = Connect(path, SqliteOpenMode.ReadWriteCreate);
        using (connection)
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, tx, Schema);
            Execute(connection, tx, BookSnapshots.Table);
            Execute(connection, tx, "INSERT INTO book VALUES (1, $v, $c, $z, $h, $p, $m, $l, 0, $head)",
                ("$v", SchemaVersion), ("$c", settings.Currency), ("$z", settings.Zone), ("$h", settings.Holding),
                ("$p", settings.PlanJson), ("$m", settings.MembershipJson), ("$l", settings.LadderJson), ("$head", Genesis(settings)));
            tx.Commit();
        }
    }

    /// <summary>
    /// Opens a book for one change: takes the write lock (refused at once when another process holds it), reads
    /// every fact into <paramref name="facts"/> (made by <paramref name="newFacts"/> from the settings) and checks
    /// the chain. Dispose without <see cref="Commit"/> to change nothing.
    /// </summary>
    public static StoreBook OpenForWrite(string path, Func<BookSettings, StoreFacts> newFacts, out StoreFacts facts)
    {
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a book" : "no such book; make one with community book init");
        }

        var connection = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            SqliteTransaction tx;
            try
            {
                tx = connection.BeginTransaction(deferred: false);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
            {
                throw new InputException(path, 0, 0, "another community command is writing this book now; try again when it has finished");
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 26)
            {
                throw new InputException(path, 0, 0, "is not a book (not a SQLite file)");
            }

            var settings = ReadSettings(connection, tx, path, out var months, out var head);
            Execute(connection, tx, BookSnapshots.Table); // books made before snapshots get the table (empty: they are replayed once)
            var book = new StoreBook(connection, tx, path, settings);
            facts = newFacts(settings);
            book.Load(facts, months, head);
            return book;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static BookSettings ReadSettings(SqliteConnection connection, SqliteTransaction tx, string path, out int months, out string head)
    {
        try
        {
            using var cmd = Command(connection, tx, "SELECT schema_version, currency, zone, holding, plan_json, membership_json, ladder_json, months, head_hash FROM book");
            using var r = cmd.ExecuteReader();
            if (!r.Read())
            {
                throw Corrupt(path, "book", "its settings row is missing");
            }

            if (r.GetInt64(0) != SchemaVersion)
            {
                throw new InputException(path, 0, 0, $"book schema {r.GetInt64(0)} is not the one this community reads ({SchemaVersion})");
            }

            var settings = new BookSettings(r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6));
            months = checked((int)r.GetInt64(7));
            head = r.GetString(8);
            if (r.Read())
            {
                throw Corrupt(path, "book", "it has a second settings row");
            }

            return settings;
        }
        catch (SqliteException e)
        {
            throw new InputException(path, 0, 0, $"is not a book ({e.Message})");
        }
    }

    private void Load(StoreFacts facts, int monthCount, string head)
    {
        // Rows by month, each table in its order; the chain is recomputed month by month as they are read.
        using (var cmd = Command(_connection, _tx, "SELECT number, month, closed_at, ranks, hash, paid_at, paid_hash FROM months ORDER BY number"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var number = r.GetInt32(0);
                var parsed = YearMonthPattern.Iso.Parse(r.GetString(1));
                if (number != Months.Count || !parsed.Success)
                {
                    throw Corrupt(Path, "months", $"row {number} is out of sequence");
                }

                Months.Add(new ClosedMonth(number, parsed.Value, r.GetString(2), (byte[])r.GetValue(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6)));
            }
        }

        if (Months.Count != monthCount)
        {
            throw Corrupt(Path, "months", $"the book records {monthCount} closed months and holds {Months.Count}");
        }

        var hashes = Months.Select(_ => new MonthHasher()).ToArray();
        using (var cmd = Command(_connection, _tx, "SELECT month, chunk, rows, data FROM members ORDER BY month, chunk"))
        using (var r = cmd.ExecuteReader())
        {
            var expected = (Month: 0, Chunk: 0);
            while (r.Read())
            {
                var month = Month(r.GetInt32(0), "members");
                expected = CheckChunk("members", month, r.GetInt32(1), expected);
                var data = (byte[])r.GetValue(3);
                hashes[month].Chunk('M', data);
                if (!Chunks.ReadMembers(data, r.GetInt32(2), facts, month))
                {
                    throw Corrupt(Path, "members", $"a chunk of {Months[month].Month} does not read as members (or names a member twice)");
                }
            }
        }

        using (var cmd = Command(_connection, _tx, "SELECT month, chunk, rows, data FROM orders ORDER BY month, chunk"))
        using (var r = cmd.ExecuteReader())
        {
            var expected = (Month: 0, Chunk: 0);
            while (r.Read())
            {
                var month = Month(r.GetInt32(0), "orders");
                expected = CheckChunk("orders", month, r.GetInt32(1), expected);
                var data = (byte[])r.GetValue(3);
                hashes[month].Chunk('O', data);
                if (!Chunks.ReadOrders(data, r.GetInt32(2), facts, month))
                {
                    throw Corrupt(Path, "orders", $"a chunk of {Months[month].Month} does not read as orders (or names an order twice, or no member)");
                }
            }
        }

        using (var cmd = Command(_connection, _tx, "SELECT refund_id, order_seq, amount_minor, at_ticks, month FROM refunds ORDER BY seq"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var month = Month(r.GetInt32(4), "refunds");
                var id = r.GetString(0);
                var order = r.GetInt32(1);
                if (facts.FindRefund(id) >= 0 || order < 0 || order >= facts.OrderCount)
                {
                    throw Corrupt(Path, "refunds", $"refund '{id}' is there twice or names no order");
                }

                facts.AddRefund(id, order, r.GetInt64(2), r.GetInt64(3), month);
                hashes[month].Refund(id, order, r.GetInt64(2), r.GetInt64(3));
            }
        }

        var payoutHashes = Months.Select(_ => new MonthHasher()).ToArray();
        using (var cmd = Command(_connection, _tx, "SELECT month, earner, amount_minor, at_ticks FROM payouts ORDER BY seq"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var month = Month(r.GetInt32(0), "payouts");
                var payout = new StoredPayout(month, r.GetInt32(1), r.GetInt64(2), r.GetInt64(3));
                if (payout.Earner < 0 || payout.Earner >= facts.MemberCount || Months[month].PaidAt is null)
                {
                    throw Corrupt(Path, "payouts", $"a payout of month {Months[month].Month} names no member or a month not paid");
                }

                Payouts.Add(payout);
                payoutHashes[month].Payout(payout.Earner, payout.Amount, payout.AtTicks);
            }
        }

        var previous = Genesis(Settings);
        foreach (var month in Months)
        {
            var expected = hashes[month.Number].Finish(previous, month.Month, month.ClosedAt, month.Ranks);
            if (expected != month.Hash)
            {
                throw Corrupt(Path, "months", $"the rows of {month.Month} (members, orders, refunds or tiers) are not the ones its close wrote");
            }

            previous = expected;
            if (month.PaidAt is not null)
            {
                var paid = payoutHashes[month.Number].FinishPayouts(previous, month.PaidAt);
                if (paid != month.PaidHash)
                {
                    throw Corrupt(Path, "payouts", $"the payouts of {month.Month} are not the ones pay wrote");
                }

                previous = paid;
            }
        }

        if (previous != head)
        {
            throw Corrupt(Path, "book", "its head hash is not the last month's: months were removed or changed");
        }

        HeadHash = head;
    }

    private int Month(int number, string table) =>
        number >= 0 && number < Months.Count ? number : throw Corrupt(Path, table, $"a row names month {number}, which is not closed");

    /// <summary>Chunks come month by month, numbered from 0 within each month.</summary>
    private (int Month, int Chunk) CheckChunk(string table, int month, int chunk, (int Month, int Chunk) expected)
    {
        var next = month == expected.Month ? expected.Chunk : 0;
        if (month < expected.Month || chunk != next)
        {
            throw Corrupt(Path, table, $"chunk {chunk} of {Months[month].Month} is out of sequence");
        }

        return (month, chunk + 1);
    }

    private static InputException Corrupt(string path, string table, string what) =>
        new(path, 0, 0, $"the book was changed outside community: table {table}: {what}; restore it from a backup");

    /// <summary>Writes a closed month: its new members, orders and refunds (the facts from the given indices on) and its tiers; then the head.</summary>
    public void AppendMonth(StoreFacts facts, YearMonth month, string closedAt, byte[] ranks, int firstMember, int firstOrder, int firstRefund)
    {
        var number = Months.Count;
        var hasher = new MonthHasher();
        // Each chunk is made in one reused buffer and written into a blob of its size in place: a month of 10M orders
        // leaves no chunk-sized garbage behind (it left some 1.7 GB of large-object garbage).
        var writer = new Chunks.ChunkWriter();
        AppendChunks("members", number, firstMember, facts.MemberCount, writer, (from, count) => Chunks.Members(facts, from, count, writer), 'M', hasher);
        AppendChunks("orders", number, firstOrder, facts.OrderCount, writer, (from, count) => Chunks.Orders(facts, from, count, writer), 'O', hasher);

        using (var cmd = Command(_connection, _tx, "INSERT INTO refunds(refund_id, order_seq, amount_minor, at_ticks, month) VALUES ($a, $b, $c, $d, $m)"))
        {
            var (a, b, c, d, m) = (Add(cmd, "$a"), Add(cmd, "$b"), Add(cmd, "$c"), Add(cmd, "$d"), Add(cmd, "$m"));
            m.Value = number;
            for (var i = firstRefund; i < facts.RefundCount; i++)
            {
                a.Value = facts.RefundIds[i];
                b.Value = facts.RefundOrder[i];
                c.Value = facts.RefundAmount[i];
                d.Value = facts.RefundTicks[i];
                cmd.ExecuteNonQuery();
                hasher.Refund(facts.RefundIds[i], facts.RefundOrder[i], facts.RefundAmount[i], facts.RefundTicks[i]);
            }
        }

        var hash = hasher.Finish(HeadHash, month, closedAt, ranks);
        Execute(_connection, _tx, "INSERT INTO months(number, month, closed_at, ranks, hash) VALUES ($n, $m, $c, $r, $h)",
            ("$n", number), ("$m", YearMonthPattern.Iso.Format(month)), ("$c", closedAt), ("$r", ranks), ("$h", hash));
        Execute(_connection, _tx, "UPDATE book SET months = $n, head_hash = $h", ("$n", number + 1), ("$h", hash));
        Months.Add(new ClosedMonth(number, month, closedAt, ranks, hash, null, null));
        HeadHash = hash;
    }

    /// <summary>
    /// Writes the state after the last closed month's close (the payout ledger and the membership book) as its
    /// snapshots, and removes those of earlier months.
    /// </summary>
    public void WriteSnapshots(PayoutLedger ledger, MembershipBook membership)
    {
        var last = Months[^1];
        BookSnapshots.Write(_connection, _tx!, last.Number, last.Hash, "ledger", ledger.WriteSnapshot);
        BookSnapshots.Write(_connection, _tx!, last.Number, last.Hash, "membership", membership.WriteSnapshot);
    }

    /// <summary>
    /// Reads the state after the last closed month's close from its snapshots, or null when the book has none (a book
    /// written before snapshots). A snapshot whose bytes are not the ones close wrote is refused as a change made
    /// outside community.
    /// </summary>
    public (PayoutLedger Ledger, MembershipBook Membership)? ReadSnapshots(ReferralTree tree, MembershipPolicy policy, StoreFacts facts)
    {
        if (Months.Count == 0)
        {
            return null;
        }

        var last = Months[^1];
        using var ledgerBytes = BookSnapshots.Open(_connection, _tx!, last.Number, last.Hash, "ledger");
        using var membershipBytes = BookSnapshots.Open(_connection, _tx!, last.Number, last.Hash, "membership");
        if (ledgerBytes is null || membershipBytes is null)
        {
            return null;
        }

        try
        {
            // The ledger shares the facts' id strings: its orders are the book's, recorded in the book's order.
            var next = 0;
            var ledger = PayoutLedger.ReadSnapshot(ledgerBytes, DateTimeZoneProviders.Tzdb,
                m => facts.FindMember(m) is var i and >= 0 ? new CommunityModel.Primitives.MemberId(facts.MemberIds[i]) : null,
                o => next < facts.OrderCount && o.SequenceEqual(facts.OrderIds[next]) ? new CommunityModel.Primitives.OrderId(facts.OrderIds[next++]) : null);
            var membership = MembershipBook.ReadSnapshot(membershipBytes, tree, policy);
            if (ledgerBytes.Verify() && membershipBytes.Verify())
            {
                return (ledger, membership);
            }
        }
        catch (CommunityModel.Primitives.InvalidInputException)
        {
        }

        throw Corrupt(Path, "snapshots", $"the state saved at the close of {last.Month} is not the one close wrote");
    }

    private void AppendChunks(string table, int month, int first, int end, Chunks.ChunkWriter writer, Action<int, int> make, char tag, MonthHasher hasher)
    {
        using var cmd = Command(_connection, _tx, $"INSERT INTO {table}(month, chunk, rows, data) VALUES ($m, $c, $r, zeroblob($n)); SELECT last_insert_rowid()");
        var (m, c, rows, n) = (Add(cmd, "$m"), Add(cmd, "$c"), Add(cmd, "$r"), Add(cmd, "$n"));
        m.Value = month;
        var chunk = 0;
        for (var from = first; from < end; from += Chunks.Rows)
        {
            var count = Math.Min(Chunks.Rows, end - from);
            make(from, count);
            (c.Value, rows.Value, n.Value) = (chunk++, count, writer.Length);
            var rowid = (long)cmd.ExecuteScalar()!;
            using (var blob = new SqliteBlob(_connection, table, "data", rowid))
            {
                blob.Write(writer.Buffer, 0, writer.Length);
            }

            hasher.Chunk(tag, writer.Buffer.AsSpan(0, writer.Length));
        }
    }

    /// <summary>Writes the payouts of the last closed month; then the head.</summary>
    public void AppendPayouts(IReadOnlyList<StoredPayout> payouts, string paidAt)
    {
        var last = Months[^1];
        var hasher = new MonthHasher();
        using (var cmd = Command(_connection, _tx, "INSERT INTO payouts(month, earner, amount_minor, at_ticks) VALUES ($m, $e, $a, $t)"))
        {
            var (m, e, a, t) = (Add(cmd, "$m"), Add(cmd, "$e"), Add(cmd, "$a"), Add(cmd, "$t"));
            foreach (var p in payouts)
            {
                m.Value = p.Month;
                e.Value = p.Earner;
                a.Value = p.Amount;
                t.Value = p.AtTicks;
                cmd.ExecuteNonQuery();
                hasher.Payout(p.Earner, p.Amount, p.AtTicks);
            }
        }

        var hash = hasher.FinishPayouts(HeadHash, paidAt);
        Execute(_connection, _tx, "UPDATE months SET paid_at = $p, paid_hash = $h WHERE number = $n", ("$p", paidAt), ("$h", hash), ("$n", last.Number));
        Execute(_connection, _tx, "UPDATE book SET head_hash = $h", ("$h", hash));
        Months[^1] = last with { PaidAt = paidAt, PaidHash = hash };
        Payouts.AddRange(payouts);
        HeadHash = hash;
    }

    /// <summary>Commits the change; the book is then closed for writing.</summary>
    public void Commit()
    {
        _tx!.Commit();
        _tx.Dispose();
        _tx = null;
    }

    public void Dispose()
    {
        _tx?.Dispose();
        _connection.Dispose();
    }

    private static string Genesis(BookSettings s)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in new[] { "community-book", SchemaVersion.ToString(CultureInfo.InvariantCulture), s.Currency, s.Zone, s.Holding, s.PlanJson, s.MembershipJson, s.LadderJson })
        {
            hash.AppendData(Encoding.UTF8.GetBytes(part));
            hash.AppendData([0x1f]);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 2 }.ToString());
        connection.Open();
        try
        {
            // A new book's pages are 64 KiB (set before its first write): a close writes about 1 GB of column chunks and
            // snapshots, which the commit's checkpoint copies from the log into the file page by page.
            Execute(connection, null, (mode == SqliteOpenMode.ReadWriteCreate ? "PRAGMA page_size = 65536; " : "") + "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000;");
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 26)
        {
            connection.Dispose();
            throw new InputException(path, 0, 0, "is not a book (not a SQLite file)");
        }

        return connection;
    }

    private static SqliteParameter Add(SqliteCommand cmd, string name)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        cmd.Parameters.Add(p);
        return p;
    }

    /// <summary>SHA-256 over a month's rows in a fixed byte form: a tag per row, strings as UTF-8 with their length, numbers as 8 bytes.</summary>
    private sealed class MonthHasher
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _used;

        public void Chunk(char table, ReadOnlySpan<byte> data)
        {
            Tag((byte)table);
            Number(data.Length);
            Flush();
            _hash.AppendData(data);
        }

        public void Refund(string id, int order, long amount, long at)
        {
            Tag((byte)'R');
            Text(id);
            Number(order);
            Number(amount);
            Number(at);
        }

        public void Payout(int earner, long amount, long at)
        {
            Tag((byte)'P');
            Number(earner);
            Number(amount);
            Number(at);
        }

        public string Finish(string previous, YearMonth month, string closedAt, byte[] ranks)
        {
            Tag((byte)'T');
            Text(YearMonthPattern.Iso.Format(month));
            Text(closedAt);
            Flush();
            _hash.AppendData(ranks);
            return Chain(previous);
        }

        public string FinishPayouts(string previous, string paidAt)
        {
            Tag((byte)'D');
            Text(paidAt);
            Flush();
            return Chain(previous);
        }

        private string Chain(string previous)
        {
            var rows = _hash.GetHashAndReset();
            return Convert.ToHexString(SHA256.HashData([.. Encoding.ASCII.GetBytes(previous), .. rows]));
        }

        private void Tag(byte tag)
        {
            Room(1);
            _buffer[_used++] = tag;
        }

        private void Number(long value)
        {
            Room(8);
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_used), value);
            _used += 8;
        }

        private void Text(string? text)
        {
            if (text is null)
            {
                Number(-1);
                return;
            }

            var bytes = Encoding.UTF8.GetByteCount(text);
            Number(bytes);
            if (bytes > _buffer.Length / 2)
            {
                Flush();
                _hash.AppendData(Encoding.UTF8.GetBytes(text));
                return;
            }

            Room(bytes);
            _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
        }

        private void Room(int bytes)
        {
            if (_used + bytes > _buffer.Length)
            {
                Flush();
            }
        }

        private void Flush()
        {
            _hash.AppendData(_buffer, 0, _used);
            _used = 0;
        }
    }
}

/// <summary>The book's settings as stored: the store's currency, zone and holding period, and its configuration files' JSON as given to <c>book init</c>.</summary>
internal sealed record BookSettings(string Currency, string Zone, string Holding, string PlanJson, string MembershipJson, string LadderJson);

/// <summary>
/// Members and orders as column chunks: up to <see cref="Rows"/> rows per chunk, each column one after the other
/// (ids as UTF-8 with their lengths, numbers as little-endian integers, an order's product by its place in the
/// chunk's product list). Reading checks every length and index, so a chunk changed outside is refused, not half read.
/// </summary>
internal static class Chunks
{
    public const int Rows = 1 << 16;

    /// <summary>Writes a chunk of members into <paramref name="w"/> (cleared first).</summary>
    public static void Members(StoreFacts facts, int from, int count, ChunkWriter w)
    {
        w.Clear();
        for (var i = from; i < from + count; i++)
        {
            w.Text(facts.MemberIds[i]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Text(facts.Sponsors[i]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Int64(facts.JoinedTicks[i]);
        }
    }

    public static bool ReadMembers(byte[] data, int count, StoreFacts facts, int month)
    {
        if (count is <= 0 or > Rows)
        {
            return false;
        }

        var r = new ChunkReader(data);
        var ids = new string?[count];
        var sponsors = new string?[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = r.Text();
        }

        for (var i = 0; i < count; i++)
        {
            sponsors[i] = r.Text();
        }

        var joined = new long[count];
        for (var i = 0; i < count; i++)
        {
            joined[i] = r.Int64();
        }

        if (!r.Done || ids.Any(id => id is null || facts.FindMember(id) >= 0) || ids.Distinct(StringComparer.Ordinal).Count() != count)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            facts.AddMember(ids[i]!, sponsors[i], joined[i], month);
        }

        return true;
    }

    /// <summary>Writes a chunk of orders into <paramref name="w"/> (cleared first).</summary>
    public static void Orders(StoreFacts facts, int from, int count, ChunkWriter w)
    {
        w.Clear();
        var products = new Dictionary<int, int>();
        var local = new int[count];
        for (var i = 0; i < count; i++)
        {
            var p = facts.Product[from + i];
            if (!products.TryGetValue(p, out var l))
            {
                l = products.Count;
                products.Add(p, l);
            }

            local[i] = l;
        }

        w.Int32(products.Count);
        foreach (var p in products.Keys)
        {
            w.Text(facts.Products[p]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Text(facts.OrderIds[i]);
        }

        for (var i = 0; i < count; i++)
        {
            w.Int32(local[i]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Int32(facts.Buyer[i]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Int32(facts.Quantity[i]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Int64(facts.Amount[i]);
        }

        for (var i = from; i < from + count; i++)
        {
            w.Int64(facts.PaidTicks[i]);
        }
    }

    public static bool ReadOrders(byte[] data, int count, StoreFacts facts, int month)
    {
        if (count is <= 0 or > Rows)
        {
            return false;
        }

        var r = new ChunkReader(data);
        var productCount = r.Int32();
        if (productCount is < 1 or > Rows)
        {
            return false;
        }

        var products = new int[productCount];
        for (var p = 0; p < productCount; p++)
        {
            var text = r.Text();
            if (text is null)
            {
                return false;
            }

            products[p] = facts.InternProduct(text);
        }

        var ids = new string?[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = r.Text();
        }

        var product = new int[count];
        var buyer = new int[count];
        var quantity = new int[count];
        var amount = new long[count];
        var paid = new long[count];
        for (var i = 0; i < count; i++)
        {
            product[i] = r.Int32();
        }

        for (var i = 0; i < count; i++)
        {
            buyer[i] = r.Int32();
        }

        for (var i = 0; i < count; i++)
        {
            quantity[i] = r.Int32();
        }

        for (var i = 0; i < count; i++)
        {
            amount[i] = r.Int64();
        }

        for (var i = 0; i < count; i++)
        {
            paid[i] = r.Int64();
        }

        if (!r.Done)
        {
            return false;
        }

        for (var i = 0; i < count; i++)
        {
            if (ids[i] is not { } id || facts.FindOrder(id) >= 0 || (uint)product[i] >= (uint)productCount || (uint)buyer[i] >= (uint)facts.MemberCount || quantity[i] < 1 || amount[i] <= 0)
            {
                return false;
            }

            facts.AddOrder(id, buyer[i], products[product[i]], quantity[i], amount[i], paid[i], month);
        }

        return true;
    }

    internal sealed class ChunkWriter
    {
        private byte[] _buffer = new byte[1 << 16];
        private int _used;

        public void Int32(int value)
        {
            Room(4);
            BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(_used), value);
            _used += 4;
        }

        public void Int64(long value)
        {
            Room(8);
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_used), value);
            _used += 8;
        }

        public void Text(string? text)
        {
            if (text is null)
            {
                Int32(-1);
                return;
            }

            var bytes = Encoding.UTF8.GetByteCount(text);
            Int32(bytes);
            Room(bytes);
            _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
        }

        public byte[] Buffer => _buffer;

        public int Length => _used;

        public void Clear() => _used = 0;

        private void Room(int bytes)
        {
            if (_used + bytes > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + bytes));
            }
        }
    }

    private ref struct ChunkReader(byte[] data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;
        private bool _bad;

        public readonly bool Done => !_bad && _at == _data.Length;

        public int Int32()
        {
            if (_bad || _at + 4 > _data.Length)
            {
                _bad = true;
                return 0;
            }

            var v = BinaryPrimitives.ReadInt32LittleEndian(_data[_at..]);
            _at += 4;
            return v;
        }

        public long Int64()
        {
            if (_bad || _at + 8 > _data.Length)
            {
                _bad = true;
                return 0;
            }

            var v = BinaryPrimitives.ReadInt64LittleEndian(_data[_at..]);
            _at += 8;
            return v;
        }

        public string? Text()
        {
            var length = Int32();
            if (length == -1 || _bad)
            {
                return null;
            }

            if (length < 0 || _at + length > _data.Length)
            {
                _bad = true;
                return null;
            }

            var text = Encoding.UTF8.GetString(_data.Slice(_at, length));
            _at += length;
            return text;
        }
    }
}
