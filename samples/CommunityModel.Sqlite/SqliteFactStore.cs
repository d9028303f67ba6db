using CommunityModel.Commissions;
using CommunityModel.Serialization.Json;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using Microsoft.Data.Sqlite;
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
/// the refunds, the payouts, in order) and the entries the ledger wrote. Opening the file replays the facts
/// into a fresh <see cref="PayoutLedger"/> and checks that it writes exactly the stored entries: the balances
/// come back the same, and a file edited behind the model's back is refused. Every change goes to the
/// ledger first (which accepts or rejects it, pure and all-or-nothing) and is then written in one
/// transaction; a rejected change writes nothing.
/// </summary>
public sealed class SqliteFactStore : IDisposable
{
    private const int SchemaVersion = 1;
    private static readonly InstantPattern Iso = InstantPattern.ExtendedIso;
    private readonly SqliteConnection _connection;

    private SqliteFactStore(SqliteConnection connection, PayoutLedger ledger)
    {
        _connection = connection;
        Ledger = ledger;
    }

    /// <summary>The ledger, as rebuilt from the stored facts. Change it only through this store.</summary>
    public PayoutLedger Ledger { get; private set; }

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
            Execute(connection, tx, "INSERT INTO settings(schema_version, currency, holding_period, zone) VALUES ($v, $c, $h, $z)",
                ("$v", SchemaVersion), ("$c", currency.Code), ("$h", PeriodPattern.Roundtrip.Format(holdingPeriod)), ("$z", zone.Id));
            tx.Commit();
        }

        return new SqliteFactStore(connection, new PayoutLedger(currency, holdingPeriod, zone));
    }

    /// <summary>Opens a store file, rebuilds its ledger from the stored facts and checks it against the stored entries.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="InvalidDataException">The file's entries are not what its facts give: it was changed outside the model.</exception>
    public static SqliteFactStore Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist; create it with SqliteFactStore.Create.", path);
        }

        var connection = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            return new SqliteFactStore(connection, Rebuild(connection));
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
        return Apply(() => Ledger.Record(orders), (tx, op) =>
        {
            foreach (var o in orders)
            {
                Execute(_connection, tx, "INSERT INTO orders(order_id, op, buyer, product, amount_minor, paid_at, company_minor, cap_cut_minor) VALUES ($o, $op, $b, $p, $a, $t, $c, $k)",
                    ("$o", o.Order.Value), ("$op", op), ("$b", o.Buyer.Value), ("$p", o.Product.Value), ("$a", o.Amount.MinorUnits), ("$t", Iso.Format(o.PaidAt)),
                    ("$c", o.CompanyShare.MinorUnits), ("$k", o.CapCut.MinorUnits));
                for (var i = 0; i < o.Lines.Count; i++)
                {
                    var l = o.Lines[i];
                    Execute(_connection, tx, "INSERT INTO commission_lines(order_id, position, earner, rule, level, distance, rate_ppm, amount_minor, cap_cut_minor) VALUES ($o, $i, $e, $r, $l, $d, $rate, $a, $k)",
                        ("$o", o.Order.Value), ("$i", i), ("$e", l.Earner.Value), ("$r", l.Rule.ToString()), ("$l", l.Level), ("$d", l.Distance),
                        ("$rate", l.Rate is { } rate ? rate.PartsPerMillion : null), ("$a", l.Amount.MinorUnits), ("$k", l.CapCut.MinorUnits));
                }
            }
        }, "record");
    }

    /// <summary>Refunds part or all of an order and stores the refund.</summary>
    /// <param name="refund">The refund's id.</param>
    /// <param name="order">The order.</param>
    /// <param name="amount">The amount given back.</param>
    /// <param name="at">When.</param>
    /// <returns>The ledger's result; nothing is stored when it is rejected.</returns>
    public LedgerResult Refund(RefundId refund, OrderId order, Money amount, Instant at) =>
        Apply(() => Ledger.Refund(refund, order, amount, at), (tx, op) =>
            Execute(_connection, tx, "INSERT INTO refunds(refund_id, op, order_id, amount_minor, at) VALUES ($r, $op, $o, $a, $t)",
                ("$r", refund.Value), ("$op", op), ("$o", order.Value), ("$a", amount.MinorUnits), ("$t", Iso.Format(at))), "refund");

    /// <summary>Pays out an earner's available balance and stores the payout.</summary>
    /// <param name="earner">The earner.</param>
    /// <param name="at">When.</param>
    /// <returns>The ledger's result; nothing is stored when it is rejected.</returns>
    public LedgerResult RecordPayout(MemberId earner, Instant at) =>
        Apply(() => Ledger.RecordPayout(earner, at), (tx, op) =>
            Execute(_connection, tx, "INSERT INTO payouts(op, earner, at) VALUES ($op, $e, $t)", ("$op", op), ("$e", earner.Value), ("$t", Iso.Format(at))), "payout");

    /// <summary>Stores a group's replay: the policy, the events and the decisions, replacing what was stored for the group.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="policy">The policy the events were replayed under.</param>
    /// <param name="events">The events.</param>
    /// <returns>The decisions stored.</returns>
    public IReadOnlyList<StoredDecision> SaveGroup(string groupId, GroupPolicy policy, IReadOnlyList<GroupEvent> events)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var decisions = Decide(policy, events);
        using var tx = _connection.BeginTransaction();
        Execute(_connection, tx, "DELETE FROM group_decisions WHERE group_id = $g", ("$g", groupId));
        Execute(_connection, tx, "DELETE FROM groups WHERE group_id = $g", ("$g", groupId));
        Execute(_connection, tx, "INSERT INTO groups(group_id, policy_json, events_jsonl) VALUES ($g, $p, $e)",
            ("$g", groupId), ("$p", ConfigJson.Write(policy)), ("$e", ConfigJson.WriteGroupEvents(events)));
        foreach (var d in decisions)
        {
            Execute(_connection, tx, "INSERT INTO group_decisions(group_id, event_index, kind, member, rule_id, policy_version, evidence, at, until) VALUES ($g, $i, $k, $m, $r, $v, $e, $t, $u)",
                ("$g", groupId), ("$i", d.EventIndex), ("$k", d.Kind.ToString()), ("$m", d.Member), ("$r", d.RuleId), ("$v", d.PolicyVersion), ("$e", d.Evidence),
                ("$t", Iso.Format(d.At)), ("$u", d.Until is { } u ? Iso.Format(u) : null));
        }

        tx.Commit();
        return decisions;
    }

    /// <summary>The decisions stored for a group, in event order.</summary>
    /// <param name="groupId">The group.</param>
    /// <returns>The decisions.</returns>
    public IReadOnlyList<StoredDecision> DecisionsOf(string groupId)
    {
        var result = new List<StoredDecision>();
        using var cmd = Command(_connection, null, "SELECT event_index, kind, member, rule_id, policy_version, evidence, at, until FROM group_decisions WHERE group_id = $g ORDER BY rowid", ("$g", groupId));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            result.Add(new StoredDecision(r.GetInt32(0), Enum.Parse<GroupDecisionKind>(r.GetString(1)), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                Iso.Parse(r.GetString(6)).Value, r.IsDBNull(7) ? null : Iso.Parse(r.GetString(7)).Value));
        }

        return result;
    }

    /// <summary>Replays a group's stored events under its stored policy: the decisions the model gives today.</summary>
    /// <param name="groupId">The group.</param>
    /// <returns>The decisions.</returns>
    public IReadOnlyList<StoredDecision> ReplayGroup(string groupId)
    {
        using var cmd = Command(_connection, null, "SELECT policy_json, events_jsonl FROM groups WHERE group_id = $g", ("$g", groupId));
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

    private LedgerResult Apply(Func<LedgerResult> change, Action<SqliteTransaction, long> store, string kind)
    {
        var before = Ledger.Entries.Count;
        var result = change();
        if (!result.Accepted)
        {
            return result;
        }

        try
        {
            using var tx = _connection.BeginTransaction();
            var op = NextOperation(tx);
            Execute(_connection, tx, "INSERT INTO operations(op, kind) VALUES ($op, $k)", ("$op", op), ("$k", kind));
            store(tx, op);
            for (var i = before; i < Ledger.Entries.Count; i++)
            {
                InsertEntry(tx, Ledger.Entries[i]);
            }

            tx.Commit();
        }
        catch
        {
            // The file did not take the change: go back to what it holds.
            Ledger = Rebuild(_connection);
            throw;
        }

        return result;
    }

    private long NextOperation(SqliteTransaction tx)
    {
        using var cmd = Command(_connection, tx, "SELECT COALESCE(MAX(op), 0) + 1 FROM operations");
        return (long)cmd.ExecuteScalar()!;
    }

    private void InsertEntry(SqliteTransaction tx, LedgerEntry e) =>
        Execute(_connection, tx, "INSERT INTO ledger_entries(sequence, kind, earner, order_id, refund_id, amount_minor, at, available_at, explanation) VALUES ($s, $k, $e, $o, $r, $a, $t, $v, $x)",
            ("$s", e.Sequence), ("$k", e.Kind.ToString()), ("$e", e.Earner.Value), ("$o", e.Order?.Value), ("$r", e.Refund?.Value), ("$a", e.Amount.MinorUnits),
            ("$t", Iso.Format(e.At)), ("$v", e.AvailableAt is { } v ? Iso.Format(v) : null), ("$x", e.Explanation));

    private static PayoutLedger Rebuild(SqliteConnection connection)
    {
        Currency currency;
        Period holding;
        DateTimeZone zone;
        using (var cmd = Command(connection, null, "SELECT schema_version, currency, holding_period, zone FROM settings"))
        using (var r = cmd.ExecuteReader())
        {
            if (!r.Read() || r.GetInt32(0) != SchemaVersion)
            {
                throw new InvalidDataException($"{connection.DataSource} is not a store of schema version {SchemaVersion}.");
            }

            currency = Currency.FromCode(r.GetString(1));
            holding = PeriodPattern.Roundtrip.Parse(r.GetString(2)).Value;
            zone = DateTimeZoneProviders.Tzdb[r.GetString(3)];
        }

        var ledger = new PayoutLedger(currency, holding, zone);
        var operations = new List<(long Op, string Kind)>();
        using (var cmd = Command(connection, null, "SELECT op, kind FROM operations ORDER BY op"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                operations.Add((r.GetInt64(0), r.GetString(1)));
            }
        }

        foreach (var (op, kind) in operations)
        {
            var result = kind switch
            {
                "record" => ledger.Record(ReadOrders(connection, op, currency)),
                "refund" => ReadRefund(connection, op, currency, ledger),
                "payout" => ReadPayout(connection, op, ledger),
                _ => throw new InvalidDataException($"Operation {op} has an unknown kind '{kind}'."),
            };
            if (!result.Accepted)
            {
                throw new InvalidDataException($"Operation {op} ({kind}) no longer applies: {result.Message}");
            }
        }

        var stored = ReadEntries(connection, currency);
        if (stored.Count != ledger.Entries.Count)
        {
            throw new InvalidDataException($"The file holds {stored.Count} ledger entries; its facts give {ledger.Entries.Count}.");
        }

        for (var i = 0; i < stored.Count; i++)
        {
            if (stored[i] != ledger.Entries[i])
            {
                throw new InvalidDataException($"Ledger entry {stored[i].Sequence} in the file is not what its facts give:\n  stored: {stored[i]}\n  facts:  {ledger.Entries[i]}");
            }
        }

        return ledger;
    }

    private static List<OrderCommission> ReadOrders(SqliteConnection connection, long op, Currency currency)
    {
        var orders = new List<OrderCommission>();
        using var cmd = Command(connection, null, "SELECT order_id, buyer, product, amount_minor, paid_at, company_minor, cap_cut_minor FROM orders WHERE op = $op ORDER BY rowid", ("$op", op));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var id = new OrderId(r.GetString(0));
            var lines = ReadLines(connection, id, currency);
            var amount = r.GetInt64(3);
            var company = r.GetInt64(5);
            if (lines.Sum(l => l.Amount.MinorUnits) + company != amount)
            {
                // The engine's conservation law: lines and the company's share make up the order, to the minor unit.
                throw new InvalidDataException($"Order {id} in the file does not add up: its lines and the company's share are not its amount.");
            }

            orders.Add(new OrderCommission(id, new MemberId(r.GetString(1)), new ProductId(r.GetString(2)), new Money(amount, currency), Iso.Parse(r.GetString(4)).Value,
                lines, [], new Money(company, currency), new Money(r.GetInt64(6), currency)));
        }

        return orders;
    }

    private static List<CommissionLine> ReadLines(SqliteConnection connection, OrderId order, Currency currency)
    {
        var lines = new List<CommissionLine>();
        using var cmd = Command(connection, null, "SELECT earner, rule, level, distance, rate_ppm, amount_minor, cap_cut_minor FROM commission_lines WHERE order_id = $o ORDER BY position", ("$o", order.Value));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            lines.Add(new CommissionLine(order, new MemberId(r.GetString(0)), Enum.Parse<CommissionRuleKind>(r.GetString(1)), r.GetInt32(2), r.GetInt32(3),
                r.IsDBNull(4) ? null : Rate.FromPartsPerMillion(r.GetInt64(4)), new Money(r.GetInt64(5), currency), new Money(r.GetInt64(6), currency), []));
        }

        return lines;
    }

    private static LedgerResult ReadRefund(SqliteConnection connection, long op, Currency currency, PayoutLedger ledger)
    {
        using var cmd = Command(connection, null, "SELECT refund_id, order_id, amount_minor, at FROM refunds WHERE op = $op", ("$op", op));
        using var r = cmd.ExecuteReader();
        return r.Read()
            ? ledger.Refund(new RefundId(r.GetString(0)), new OrderId(r.GetString(1)), new Money(r.GetInt64(2), currency), Iso.Parse(r.GetString(3)).Value)
            : throw new InvalidDataException($"Refund operation {op} has no refund row.");
    }

    private static LedgerResult ReadPayout(SqliteConnection connection, long op, PayoutLedger ledger)
    {
        using var cmd = Command(connection, null, "SELECT earner, at FROM payouts WHERE op = $op", ("$op", op));
        using var r = cmd.ExecuteReader();
        return r.Read() ? ledger.RecordPayout(new MemberId(r.GetString(0)), Iso.Parse(r.GetString(1)).Value) : throw new InvalidDataException($"Payout operation {op} has no payout row.");
    }

    private static List<LedgerEntry> ReadEntries(SqliteConnection connection, Currency currency)
    {
        var entries = new List<LedgerEntry>();
        using var cmd = Command(connection, null, "SELECT sequence, kind, earner, order_id, refund_id, amount_minor, at, available_at, explanation FROM ledger_entries ORDER BY sequence");
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            entries.Add(new LedgerEntry(r.GetInt64(0), Enum.Parse<LedgerEntryKind>(r.GetString(1)), new MemberId(r.GetString(2)),
                r.IsDBNull(3) ? (OrderId?)null : new OrderId(r.GetString(3)), r.IsDBNull(4) ? (RefundId?)null : new RefundId(r.GetString(4)), new Money(r.GetInt64(5), currency),
                Iso.Parse(r.GetString(6)).Value, r.IsDBNull(7) ? null : Iso.Parse(r.GetString(7)).Value, r.GetString(8)));
        }

        return entries;
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, null, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;");
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, tx, sql, parameters);
        cmd.ExecuteNonQuery();
    }

    private const string Schema = """
        CREATE TABLE settings (schema_version INTEGER NOT NULL, currency TEXT NOT NULL, holding_period TEXT NOT NULL, zone TEXT NOT NULL);
        CREATE TABLE operations (op INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('record', 'refund', 'payout')));
        CREATE TABLE orders (order_id TEXT PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(op), buyer TEXT NOT NULL, product TEXT NOT NULL,
            amount_minor INTEGER NOT NULL, paid_at TEXT NOT NULL, company_minor INTEGER NOT NULL, cap_cut_minor INTEGER NOT NULL);
        CREATE TABLE commission_lines (order_id TEXT NOT NULL REFERENCES orders(order_id), position INTEGER NOT NULL, earner TEXT NOT NULL, rule TEXT NOT NULL,
            level INTEGER NOT NULL, distance INTEGER NOT NULL, rate_ppm INTEGER, amount_minor INTEGER NOT NULL, cap_cut_minor INTEGER NOT NULL, PRIMARY KEY (order_id, position));
        CREATE TABLE refunds (refund_id TEXT PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(op), order_id TEXT NOT NULL REFERENCES orders(order_id),
            amount_minor INTEGER NOT NULL, at TEXT NOT NULL);
        CREATE TABLE payouts (op INTEGER PRIMARY KEY REFERENCES operations(op), earner TEXT NOT NULL, at TEXT NOT NULL);
        CREATE TABLE ledger_entries (sequence INTEGER PRIMARY KEY, kind TEXT NOT NULL, earner TEXT NOT NULL, order_id TEXT, refund_id TEXT,
            amount_minor INTEGER NOT NULL, at TEXT NOT NULL, available_at TEXT, explanation TEXT NOT NULL);
        CREATE INDEX ledger_entries_by_earner ON ledger_entries(earner);
        CREATE TABLE groups (group_id TEXT PRIMARY KEY, policy_json TEXT NOT NULL, events_jsonl TEXT NOT NULL);
        CREATE TABLE group_decisions (group_id TEXT NOT NULL REFERENCES groups(group_id), event_index INTEGER NOT NULL, kind TEXT NOT NULL, member TEXT,
            rule_id TEXT NOT NULL, policy_version TEXT NOT NULL, evidence TEXT NOT NULL, at TEXT NOT NULL, until TEXT);
        """;
}
