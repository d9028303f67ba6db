using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Serialization.Json;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using Microsoft.Data.Sqlite;
using static CommunityModel.Samples.SqliteCommands;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Sqlite;

/// <summary>One group decision as stored.</summary>
/// <param name="EventIndex">The position of the event in the group's stored events.</param>
/// <param name="Kind">The decision.</param>
/// <param name="Member">Whom it is about, or null.</param>
/// <param name="RuleId">The rule.</param>
/// <param name="PolicyVersion">The policy version in force.</param>
/// <param name="Evidence">The evidence.</param>
/// <param name="At">When.</param>
/// <param name="Until">Until when (mutes), or null.</param>
public sealed record StoredDecision(int EventIndex, GroupDecisionKind Kind, string? Member, string RuleId, string PolicyVersion, string Evidence, Instant At, Instant? Until);

/// <summary>
/// How the pure model meets a real store of facts: a payout ledger and group decisions kept in SQLite.
/// The store keeps the <em>facts</em> the ledger was given (the recorded orders with their commission lines,
/// the refunds, the payouts, in order) and the entries the ledger wrote, as numbered operations.
/// </summary>
/// <remarks>
/// <para>Opening reads the whole file in one read transaction (WAL mode: a snapshot, whatever another process
/// writes meanwhile), checks every row's column checksums and the hash chain of the operations, replays the
/// facts into a fresh <see cref="PayoutLedger"/> and checks that it writes exactly the stored entries. Anything
/// else is a <see cref="StoreCorruptException"/> naming the table, the row and the column.</para>
/// <para>Every write runs in one <c>BEGIN IMMEDIATE</c> transaction: it first compares the file's operation count
/// and chain head with the store's; when another writer got there first, the store catches up from the file
/// inside its write lock, then gives the change to the ledger (which accepts or rejects it against the file's
/// latest state, pure and all-or-nothing) and commits only an accepted change. If the commit fails, the ledger is
/// read back from the file, so it never keeps what the file did not; if even that fails, the store refuses
/// further use (reopen it). Several stores, in one process or several, can share a file.</para>
/// <para>The chain detects edits made without the store; someone who knows the scheme can rewrite the checksums
/// and hashes too. Keep <see cref="HeadHash"/> somewhere else (a payout report, another system) and compare it
/// after opening to detect that as well.</para>
/// </remarks>
public sealed class SqliteFactStore : IDisposable
{
    private const int SchemaVersion = 2;
    private static readonly InstantPattern Iso = InstantPattern.ExtendedIso;
    private readonly SqliteConnection _connection;
    private readonly string _path;
    private PayoutLedger? _ledger;
    private Exception? _broken;

    private SqliteFactStore(SqliteConnection connection, string path, Loaded state)
    {
        _connection = connection;
        _path = path;
        Take(state);
    }

    /// <summary>The ledger, as rebuilt from the stored facts. Change it only through this store; after a write that caught up with another writer, this is a new object.</summary>
    /// <exception cref="InvalidOperationException">A failed write left the store unable to read the file back: reopen it.</exception>
    public PayoutLedger Ledger => _broken is null ? _ledger! : throw new InvalidOperationException($"The store on {_path} could not read the file back after a failed write; reopen it.", _broken);

    /// <summary>How many operations the file held when this store last read or wrote it.</summary>
    public long OperationCount { get; private set; }

    /// <summary>The head of the hash chain (64 hex digits): keep it elsewhere to detect a file rewritten with its hashes.</summary>
    public string HeadHash { get; private set; } = StoreChain.Genesis;

    /// <summary>How many times a write found that another writer had changed the file and caught up with it first.</summary>
    public int CatchUps { get; private set; }

    /// <summary>Creates a new store file with a ledger's settings.</summary>
    /// <param name="path">The file; it must not exist.</param>
    /// <param name="currency">The ledger's currency.</param>
    /// <param name="holdingPeriod">The holding period (the refund window).</param>
    /// <param name="zone">The zone the holding period is counted in.</param>
    /// <returns>The open store.</returns>
    public static SqliteFactStore Create(string path, Currency currency, Period holdingPeriod, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(holdingPeriod);
        ArgumentNullException.ThrowIfNull(zone);
        if (File.Exists(path))
        {
            throw new IOException($"{path} exists already; open it with SqliteFactStore.Open.");
        }

        var connection = Connect(path, SqliteOpenMode.ReadWriteCreate);
        using (var tx = connection.BeginTransaction())
        {
            Execute(connection, tx, Schema);
            object?[] settings = [(long)SchemaVersion, currency.Code, PeriodPattern.Roundtrip.Format(holdingPeriod), zone.Id, 0L, StoreChain.Genesis];
            Execute(connection, tx, "INSERT INTO settings(id, schema_version, currency, holding_period, zone, operation_count, head_hash, sums) VALUES (1, $v, $c, $h, $z, $n, $head, $s)",
                ("$v", settings[0]), ("$c", settings[1]), ("$h", settings[2]), ("$z", settings[3]), ("$n", settings[4]), ("$head", settings[5]), ("$s", SettingsSums(settings)));
            tx.Commit();
        }

        return new SqliteFactStore(connection, path, new Loaded(new PayoutLedger(currency, holdingPeriod, zone), 0, StoreChain.Genesis));
    }

    /// <summary>Opens a store file, checks its checksums and hash chain, rebuilds its ledger from the stored facts and checks it against the stored entries.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="StoreCorruptException">The file does not hold what the store wrote; the table, row and column are named.</exception>
    public static SqliteFactStore Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist; create it with SqliteFactStore.Create.", path);
        }

        var connection = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            using var tx = connection.BeginTransaction(deferred: true);
            var state = Load(connection, tx, path);
            tx.Commit();
            return new SqliteFactStore(connection, path, state);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Records a commission run's orders (all or nothing) and stores them.</summary>
    /// <param name="run">The run.</param>
    /// <returns>The ledger's result; nothing is stored when it is rejected.</returns>
    public LedgerResult Record(CommissionRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Record(run.Orders);
    }

    /// <summary>Records order outcomes (all or nothing) and stores them.</summary>
    /// <param name="orders">The order outcomes.</param>
    /// <returns>The ledger's result; nothing is stored when it is rejected.</returns>
    public LedgerResult Record(IReadOnlyList<OrderCommission> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        return WriteLedger("record", ledger => ledger.Record(orders), op =>
        {
            var rows = new List<StoreRow>();
            var line = 0L;
            for (var i = 0; i < orders.Count; i++)
            {
                var o = orders[i];
                rows.Add(new StoreRow(StoreTable.Orders, op, i, [o.Order.Value, o.Buyer.Value, o.Product.Value, o.Amount.MinorUnits, Iso.Format(o.PaidAt), o.CompanyShare.MinorUnits, o.CapCut.MinorUnits]));
                for (var k = 0; k < o.Lines.Count; k++)
                {
                    var l = o.Lines[k];
                    rows.Add(new StoreRow(StoreTable.Lines, op, line++, [o.Order.Value, (long)k, l.Earner.Value, l.Rule.ToString(), (long)l.Level, (long)l.Distance,
                        l.Rate is { } rate ? rate.PartsPerMillion : null, l.Amount.MinorUnits, l.CapCut.MinorUnits]));
                }
            }

            return rows;
        });
    }

    /// <summary>Refunds part or all of an order and stores the refund.</summary>
    /// <param name="refund">The refund's id.</param>
    /// <param name="order">The order.</param>
    /// <param name="amount">The amount given back.</param>
    /// <param name="at">When.</param>
    /// <returns>The ledger's result; nothing is stored when it is rejected.</returns>
    public LedgerResult Refund(RefundId refund, OrderId order, Money amount, Instant at) =>
        WriteLedger("refund", ledger => ledger.Refund(refund, order, amount, at), op =>
            [new StoreRow(StoreTable.Refunds, op, 0, [refund.Value, order.Value, amount.MinorUnits, Iso.Format(at)])]);

    /// <summary>Pays out an earner's available balance and stores the payout.</summary>
    /// <param name="earner">The earner.</param>
    /// <param name="at">When.</param>
    /// <returns>The ledger's result; nothing is stored when it is rejected.</returns>
    public LedgerResult RecordPayout(MemberId earner, Instant at) =>
        WriteLedger("payout", ledger => ledger.RecordPayout(earner, at), op => [new StoreRow(StoreTable.Payouts, op, 0, [earner.Value, Iso.Format(at)])]);

    /// <summary>Stores a group's replay: the policy, the events and the decisions, as the group's latest version.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="policy">The policy the events were replayed under.</param>
    /// <param name="events">The events.</param>
    /// <returns>The decisions stored.</returns>
    public IReadOnlyList<StoredDecision> SaveGroup(string groupId, GroupPolicy policy, IReadOnlyList<GroupEvent> events)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var decisions = Decide(policy, events);
        var policyJson = ConfigJson.Write(policy);
        var eventsJson = ConfigJson.WriteGroupEvents(events);
        Write("group", () => (true, (Func<long, List<StoreRow>>)(op =>
        {
            var rows = new List<StoreRow> { new(StoreTable.Groups, op, 0, [groupId, policyJson, eventsJson]) };
            for (var i = 0; i < decisions.Count; i++)
            {
                var d = decisions[i];
                rows.Add(new StoreRow(StoreTable.Decisions, op, i, [groupId, (long)d.EventIndex, d.Kind.ToString(), d.Member, d.RuleId, d.PolicyVersion, d.Evidence,
                    Iso.Format(d.At), d.Until is { } u ? Iso.Format(u) : null]));
            }

            return rows;
        })));
        return decisions;
    }

    /// <summary>The decisions stored for a group's latest version, in event order.</summary>
    /// <param name="groupId">The group.</param>
    /// <returns>The decisions (none for a group never stored).</returns>
    public IReadOnlyList<StoredDecision> DecisionsOf(string groupId)
    {
        var result = new List<StoredDecision>();
        using var cmd = Command(_connection, null,
            "SELECT event_index, kind, member, rule_id, policy_version, evidence, at, until FROM group_decisions WHERE group_id = $g AND op = (SELECT MAX(op) FROM groups WHERE group_id = $g) ORDER BY position",
            ("$g", groupId));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            result.Add(new StoredDecision(r.GetInt32(0), Enum.Parse<GroupDecisionKind>(r.GetString(1)), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                Iso.Parse(r.GetString(6)).Value, r.IsDBNull(7) ? null : Iso.Parse(r.GetString(7)).Value));
        }

        return result;
    }

    /// <summary>Replays a group's latest stored events under its stored policy: the decisions the model gives today.</summary>
    /// <param name="groupId">The group.</param>
    /// <returns>The decisions.</returns>
    public IReadOnlyList<StoredDecision> ReplayGroup(string groupId)
    {
        using var cmd = Command(_connection, null, "SELECT policy_json, events_jsonl FROM groups WHERE group_id = $g ORDER BY op DESC LIMIT 1", ("$g", groupId));
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            throw new KeyNotFoundException($"No group '{groupId}' is stored.");
        }

        var policy = ConfigJson.ReadGroupPolicy(r.GetString(0));
        var events = ConfigJson.ReadGroupEvents(r.GetString(1));
        if (!policy.IsValid || !events.IsValid)
        {
            throw new InvalidDataException($"Group '{groupId}' holds a policy or events the model no longer reads: {string.Join("; ", policy.Problems.Concat(events.Problems))}");
        }

        return Decide(policy.Value!, events.Value!);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _connection.Dispose();

    private static List<StoredDecision> Decide(GroupPolicy policy, IReadOnlyList<GroupEvent> events) =>
        GroupReplay.Replay(policy, events).Steps
            .SelectMany(s => s.Outcome.Decisions.Select(d => new StoredDecision(s.Index, d.Kind, d.Member?.Value, d.RuleId, d.PolicyVersion, d.Evidence, d.At, d.Until)))
            .ToList();

    private void Take(Loaded state)
    {
        _ledger = state.Ledger;
        OperationCount = state.Operations;
        HeadHash = state.Head;
    }

    private LedgerResult WriteLedger(string kind, Func<PayoutLedger, LedgerResult> change, Func<long, List<StoreRow>> facts)
    {
        LedgerResult? result = null;
        Write(kind, () =>
        {
            result = change(Ledger);
            return (result.Accepted, op =>
            {
                var rows = facts(op);
                for (var i = 0; i < result.Entries.Count; i++)
                {
                    rows.Add(EntryRow(op, i, result.Entries[i]));
                }

                return rows;
            });
        });
        return result!;
    }

    /// <summary>
    /// One operation: lock the file for writing, catch up when another writer moved it on, let the model decide,
    /// and write the accepted change with its place in the chain; on a failed commit read the file back.
    /// </summary>
    private void Write(string kind, Func<(bool Accepted, Func<long, List<StoreRow>> Rows)> decide)
    {
        _ = Ledger; // refuses a broken store
        SqliteTransaction tx;
        try
        {
            tx = _connection.BeginTransaction(deferred: false);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            throw new StoreConcurrencyException($"{_path}: another writer held the file beyond the store's wait; nothing was written.", e);
        }

        using (tx)
        {
            var (count, head) = ReadHead(_connection, tx, _path);
            if (count != OperationCount || head != HeadHash)
            {
                Take(Load(_connection, tx, _path));
                CatchUps++;
            }

            var (accepted, rows) = decide();
            if (!accepted)
            {
                tx.Rollback();
                return;
            }

            try
            {
                var op = OperationCount + 1;
                // The chain reads an operation's rows table by table (StoreTable.Facts), each in position order.
                var written = rows(op).OrderBy(r => Array.IndexOf(StoreTable.Facts, r.Table)).ThenBy(r => r.Position).ToList();
                var hash = StoreChain.Next(HeadHash, op, kind, written.Prepend(new StoreRow(StoreTable.Operations, op, 0, [kind])));
                Insert(tx, new StoreRow(StoreTable.Operations, op, 0, [kind]), ("hash", hash));
                foreach (var row in written)
                {
                    Insert(tx, row);
                }

                var settings = ReadSettingsValues(tx);
                (settings[4], settings[5]) = (op, hash);
                Execute(_connection, tx, "UPDATE settings SET operation_count = $n, head_hash = $h, sums = $s WHERE id = 1", ("$n", op), ("$h", hash), ("$s", SettingsSums(settings)));
                tx.Commit();
                (OperationCount, HeadHash) = (op, hash);
            }
            catch (Exception e)
            {
                // The model took a change the file did not: read the file back (or refuse further use).
                try
                {
                    tx.Rollback();
                }
                catch (Exception)
                {
                    // already rolled back by the failure
                }

                try
                {
                    using var read = _connection.BeginTransaction(deferred: true);
                    Take(Load(_connection, read, _path));
                }
                catch (Exception again)
                {
                    _broken = new AggregateException(e, again);
                }

                throw;
            }
        }
    }

    private object?[] ReadSettingsValues(SqliteTransaction tx)
    {
        using var cmd = Command(_connection, tx, "SELECT schema_version, currency, holding_period, zone, operation_count, head_hash FROM settings WHERE id = 1");
        using var r = cmd.ExecuteReader();
        r.Read();
        var values = new object?[6];
        r.GetValues(values);
        return values;
    }

    internal static StoreRow EntryRow(long op, int position, LedgerEntry e) =>
        new(StoreTable.Entries, op, position, [e.Sequence, e.Kind.ToString(), e.Earner.Value, e.Order?.Value, e.Refund?.Value, e.Amount.MinorUnits,
            Iso.Format(e.At), e.AvailableAt is { } v ? Iso.Format(v) : null, e.Explanation]);

    private void Insert(SqliteTransaction tx, StoreRow row, params (string Column, object? Value)[] extra)
    {
        var columns = new List<string> { "op", "position" };
        columns.AddRange(row.Table.Columns);
        columns.Add("sums");
        columns.AddRange(extra.Select(e => e.Column));
        var values = new List<object?> { row.Op, row.Position };
        values.AddRange(row.Values);
        values.Add(row.Table.Sums(row.Op, row.Position, row.Values));
        values.AddRange(extra.Select(e => e.Value));
        var names = columns.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        Execute(_connection, tx, $"INSERT INTO {row.Table.Name}({string.Join(", ", columns)}) VALUES ({string.Join(", ", names)})",
            [.. names.Select((n, i) => (n, values[i]))]);
    }

    internal static string SettingsSums(object?[] values) =>
        string.Concat(StoreTable.SettingsColumns.Select((c, i) => StoreTable.ColumnSum("settings", c, values[i])));

    private static (long Count, string Head) ReadHead(SqliteConnection connection, SqliteTransaction tx, string path)
    {
        using var cmd = Command(connection, tx, "SELECT operation_count, head_hash FROM settings");
        using var r = cmd.ExecuteReader();
        return r.Read() && r.GetValue(0) is long count && r.GetValue(1) is string head
            ? (count, head)
            : throw new StoreCorruptException(path, "settings", "1", "operation_count", "the settings row is missing or unreadable.");
    }

    /// <summary>Everything a store needs from the file, read and checked in the caller's transaction.</summary>
    private sealed record Loaded(PayoutLedger Ledger, long Operations, string Head);

    private static Loaded Load(SqliteConnection connection, SqliteTransaction tx, string path)
    {
        var reader = new StoreReader(connection, tx, path);
        var (currency, holding, zone, count, head) = reader.Settings(SchemaVersion);
        var operations = reader.Rows(StoreTable.Operations, withHash: true);
        var facts = StoreTable.Facts.ToDictionary(t => t, t => reader.Rows(t, withHash: false).ToLookup(r => r.Row.Op));
        var known = operations.Select(o => o.Row.Op).ToHashSet();
        foreach (var (table, rows) in facts)
        {
            foreach (var group in rows)
            {
                if (!known.Contains(group.Key))
                {
                    var row = group.First().Row;
                    throw new StoreCorruptException(path, table.Name, row.Name, "op", $"the row belongs to operation {group.Key}, which the file does not hold.");
                }
            }
        }

        var ledger = new PayoutLedger(currency, holding, zone);
        var chain = StoreChain.Genesis;
        var expected = 1L;
        foreach (var (operation, hash) in operations)
        {
            var op = operation.Op;
            if (op != expected)
            {
                throw new StoreCorruptException(path, "operations", operation.Name, "op", $"operations run 1, 2, 3, ...; expected operation {expected} here (one was removed or renumbered).");
            }

            expected++;
            var kind = reader.Text(operation, "kind");
            var rows = StoreTable.Facts.SelectMany(t => facts[t][op].Select(r => r.Row)).ToList();
            chain = StoreChain.Next(chain, op, kind, rows.Prepend(operation));
            if (!string.Equals(hash as string, chain, StringComparison.Ordinal))
            {
                throw new StoreCorruptException(path, "operations", operation.Name, "hash",
                    "the operation's rows do not give its hash: a row of it was added, removed, moved or changed outside the store.");
            }

            var entries = facts[StoreTable.Entries][op].Select(r => r.Row).ToList();
            var written = kind switch
            {
                "record" => reader.ReplayRecord(op, facts[StoreTable.Orders][op].Select(r => r.Row).ToList(), facts[StoreTable.Lines][op].Select(r => r.Row).ToList(), currency, ledger, operation),
                "refund" => reader.ReplayRefund(One(path, operation, facts[StoreTable.Refunds][op], "refund"), currency, ledger),
                "payout" => reader.ReplayPayout(One(path, operation, facts[StoreTable.Payouts][op], "payout"), ledger),
                "group" => reader.CheckGroup(One(path, operation, facts[StoreTable.Groups][op], "group")),
                _ => throw new StoreCorruptException(path, "operations", operation.Name, "kind", $"'{kind}' is not an operation the store writes (record, refund, payout, group)."),
            };
            reader.CompareEntries(entries, written, currency);
        }

        if (count != operations.Count || !string.Equals(head, chain, StringComparison.Ordinal))
        {
            throw new StoreCorruptException(path, "settings", "1", count != operations.Count ? "operation_count" : "head_hash",
                $"the settings say {count} operations ending in {Short(head)}; the file holds {operations.Count} ending in {Short(chain)} (the last operations were removed or added outside the store).");
        }

        return new Loaded(ledger, operations.Count, chain);
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "..." : hash;

    private static StoreRow One(string path, StoreRow operation, IEnumerable<(StoreRow Row, object? Hash)> rows, string what)
    {
        var list = rows.ToList();
        return list.Count == 1
            ? list[0].Row
            : throw new StoreCorruptException(path, "operations", operation.Name, null, $"a {what} operation has exactly one {what} row; the file holds {list.Count}.");
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 10 }.ToString());
        connection.Open();
        Execute(connection, null, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;");
        return connection;
    }

    private const string Schema = """
        CREATE TABLE settings (id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL, currency TEXT NOT NULL, holding_period TEXT NOT NULL,
            zone TEXT NOT NULL, operation_count INTEGER NOT NULL, head_hash TEXT NOT NULL, sums TEXT NOT NULL);
        CREATE TABLE operations (op INTEGER PRIMARY KEY, position INTEGER NOT NULL, kind TEXT NOT NULL, sums TEXT NOT NULL, hash TEXT NOT NULL);
        CREATE TABLE orders (order_id TEXT PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL, buyer TEXT NOT NULL, product TEXT NOT NULL,
            amount_minor INTEGER NOT NULL, paid_at TEXT NOT NULL, company_minor INTEGER NOT NULL, cap_cut_minor INTEGER NOT NULL, sums TEXT NOT NULL, UNIQUE (op, position));
        CREATE TABLE commission_lines (order_id TEXT NOT NULL REFERENCES orders(order_id), line INTEGER NOT NULL, op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL,
            earner TEXT NOT NULL, rule TEXT NOT NULL, level INTEGER NOT NULL, distance INTEGER NOT NULL, rate_ppm INTEGER, amount_minor INTEGER NOT NULL, cap_cut_minor INTEGER NOT NULL,
            sums TEXT NOT NULL, PRIMARY KEY (order_id, line), UNIQUE (op, position));
        CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL, order_id TEXT NOT NULL REFERENCES orders(order_id),
            amount_minor INTEGER NOT NULL, at TEXT NOT NULL, sums TEXT NOT NULL, UNIQUE (op, position));
        CREATE TABLE payouts (op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL, earner TEXT NOT NULL, at TEXT NOT NULL, sums TEXT NOT NULL, PRIMARY KEY (op, position));
        CREATE TABLE ledger_entries (sequence INTEGER PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL, kind TEXT NOT NULL, earner TEXT NOT NULL,
            order_id TEXT, refund_id TEXT, amount_minor INTEGER NOT NULL, at TEXT NOT NULL, available_at TEXT, explanation TEXT NOT NULL, sums TEXT NOT NULL, UNIQUE (op, position));
        CREATE INDEX ledger_entries_by_earner ON ledger_entries(earner);
        CREATE TABLE groups (group_id TEXT NOT NULL, op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL, policy_json TEXT NOT NULL, events_jsonl TEXT NOT NULL,
            sums TEXT NOT NULL, PRIMARY KEY (group_id, op));
        CREATE TABLE group_decisions (group_id TEXT NOT NULL, op INTEGER NOT NULL REFERENCES operations(op), position INTEGER NOT NULL, event_index INTEGER NOT NULL, kind TEXT NOT NULL,
            member TEXT, rule_id TEXT NOT NULL, policy_version TEXT NOT NULL, evidence TEXT NOT NULL, at TEXT NOT NULL, until TEXT, sums TEXT NOT NULL, UNIQUE (op, position));
        """;
}
