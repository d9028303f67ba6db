using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CommunityModel.Sqlite;

/// <summary>
/// The store's tables as the hash chain sees them. Every fact row carries the operation that wrote it (<c>op</c>),
/// its place in that operation (<c>position</c>) and <c>sums</c>: an 8-hex-digit checksum of each column, so an
/// edited value is named by its column. Each operation row carries <c>hash</c>: SHA-256 of the previous
/// operation's hash and of every row the operation wrote, in a fixed order, so a row added, removed, moved or
/// reordered breaks the chain; the settings row keeps the count of operations and the head of the chain, so
/// removing the last operations is seen too.
/// </summary>
internal sealed record StoreTable(string Name, string[] Columns, string[] Key)
{
    public static readonly StoreTable Operations = new("operations", ["kind"], []);
    public static readonly StoreTable Orders = new("orders", ["order_id", "buyer", "product", "amount_minor", "paid_at", "company_minor", "cap_cut_minor"], ["order_id"]);
    public static readonly StoreTable Lines = new("commission_lines", ["order_id", "line", "earner", "rule", "level", "distance", "rate_ppm", "amount_minor", "cap_cut_minor"], ["order_id", "line"]);
    public static readonly StoreTable Refunds = new("refunds", ["refund_id", "order_id", "amount_minor", "at"], ["refund_id"]);
    public static readonly StoreTable Payouts = new("payouts", ["earner", "at"], []);
    public static readonly StoreTable Groups = new("groups", ["group_id", "policy_json", "events_jsonl"], ["group_id"]);
    public static readonly StoreTable Decisions = new("group_decisions", ["group_id", "event_index", "kind", "member", "rule_id", "policy_version", "evidence", "at", "until"], ["group_id", "event_index"]);
    public static readonly StoreTable Entries = new("ledger_entries", ["sequence", "kind", "earner", "order_id", "refund_id", "amount_minor", "at", "available_at", "explanation"], ["sequence"]);

    /// <summary>The fact tables in the order the chain hashes an operation's rows (after its operations row).</summary>
    public static readonly StoreTable[] Facts = [Orders, Lines, Refunds, Payouts, Groups, Decisions, Entries];

    /// <summary>The settings row's columns, all covered by its sums.</summary>
    public static readonly string[] SettingsColumns = ["schema_version", "currency", "holding_period", "zone", "operation_count", "head_hash"];

    /// <summary>Where a column is among this table's <see cref="Columns"/>.</summary>
    public int IndexOf(string column) => Array.IndexOf(Columns, column);

    /// <summary>The value as the checksums and the chain read it: its storage type and its text.</summary>
    public static string Canonical(object? value) => value switch
    {
        null or DBNull => "n",
        long l => "i:" + l.ToString(CultureInfo.InvariantCulture),
        int i => "i:" + i.ToString(CultureInfo.InvariantCulture),
        string s => "s:" + s,
        double d => "r:" + d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => "b:" + Convert.ToHexString(b),
        _ => "?:" + Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>The checksum of one column's value: 8 hex digits of SHA-256 over the table, column and value.</summary>
    public static string ColumnSum(string table, string column, object? value) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{table}.{column}={Canonical(value)}")), 0, 4);

    /// <summary>The sums of a row: op, position and each column in order.</summary>
    public string Sums(long op, long position, object?[] values)
    {
        var sb = new StringBuilder(8 * (values.Length + 2));
        sb.Append(ColumnSum(Name, "op", op)).Append(ColumnSum(Name, "position", position));
        for (var i = 0; i < Columns.Length; i++)
        {
            sb.Append(ColumnSum(Name, Columns[i], values[i]));
        }

        return sb.ToString();
    }

    /// <summary>The first column whose value does not give its part of <paramref name="sums"/> ("op", "position", a column, or "sums" when unreadable).</summary>
    public string? FirstMismatch(long op, long position, object?[] values, object? sums)
    {
        if (sums is not string text || text.Length != 8 * (Columns.Length + 2))
        {
            return "sums";
        }

        if (!text.AsSpan(0, 8).SequenceEqual(ColumnSum(Name, "op", op)))
        {
            return "op";
        }

        if (!text.AsSpan(8, 8).SequenceEqual(ColumnSum(Name, "position", position)))
        {
            return "position";
        }

        for (var i = 0; i < Columns.Length; i++)
        {
            if (!text.AsSpan(16 + (8 * i), 8).SequenceEqual(ColumnSum(Name, Columns[i], values[i])))
            {
                return Columns[i];
            }
        }

        return null;
    }

    /// <summary>How an error names a row: its key columns, or its operation and position.</summary>
    public string Describe(long op, long position, object?[] values) =>
        Name == "operations" ? string.Create(CultureInfo.InvariantCulture, $"op {op}")
        : Key.Length == 0 || Key.Any(k => values[IndexOf(k)] is null or DBNull)
            ? string.Create(CultureInfo.InvariantCulture, $"op {op}, position {position}")
            : string.Join(", ", Key.Select(k => $"{k} {values[IndexOf(k)]}"));
}

/// <summary>One stored row of a fact table, as read (raw values) or about to be written.</summary>
internal sealed record StoreRow(StoreTable Table, long Op, long Position, object?[] Values)
{
    /// <summary>How an error names this row.</summary>
    public string Name => Table.Describe(Op, Position, Values);

    /// <summary>The raw value of a column.</summary>
    public object? this[string column] => Values[Table.IndexOf(column)];
}

/// <summary>The chain: each operation's hash from the previous one's and the operation's rows.</summary>
internal static class StoreChain
{
    /// <summary>The head of an empty store.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Next(string previous, long op, string kind, IEnumerable<StoreRow> rows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));
        Add(previous);
        Add(string.Create(CultureInfo.InvariantCulture, $"\n{op}\u001f{kind}\n"));
        foreach (var row in rows)
        {
            Add(string.Create(CultureInfo.InvariantCulture, $"{row.Table.Name}\u001f{row.Op}\u001f{row.Position}"));
            foreach (var v in row.Values)
            {
                Add("\u001f" + StoreTable.Canonical(v));
            }

            Add("\n");
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
