using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using Microsoft.Data.Sqlite;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Sqlite;

/// <summary>Reads a store file's rows in one transaction and turns each value into the model's types, naming the table, row and column of anything it cannot.</summary>
internal sealed class StoreReader(SqliteConnection connection, SqliteTransaction tx, string path)
{
    private static readonly InstantPattern Iso = InstantPattern.ExtendedIso;

    public (Currency Currency, Period Holding, DateTimeZone Zone, long Count, string Head) Settings(int schemaVersion)
    {
        var rows = new List<object?[]>();
        using (var cmd = CommunityModel.Samples.SqliteCommands.Command(connection, tx, "SELECT schema_version, currency, holding_period, zone, operation_count, head_hash, sums FROM settings"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                var values = new object?[7];
                r.GetValues(values);
                rows.Add([.. values.Select(v => v is DBNull ? null : v)]);
            }
        }

        if (rows.Count != 1)
        {
            throw new StoreCorruptException(path, "settings", "1", null, $"the file holds {rows.Count} settings rows; a store has exactly one.");
        }

        var row = rows[0];
        if (row[0] is not long version || version != schemaVersion)
        {
            throw new StoreCorruptException(path, "settings", "1", "schema_version", $"this store reads schema version {schemaVersion} (with checksums and a hash chain); the file says {row[0] ?? "nothing"}.");
        }

        var sums = row[6] as string;
        for (var i = 0; i < StoreTable.SettingsColumns.Length; i++)
        {
            var column = StoreTable.SettingsColumns[i];
            if (sums is null || sums.Length != 8 * StoreTable.SettingsColumns.Length)
            {
                throw new StoreCorruptException(path, "settings", "1", "sums", "the checksums are missing or unreadable.");
            }

            if (!sums.AsSpan(8 * i, 8).SequenceEqual(StoreTable.ColumnSum("settings", column, row[i])))
            {
                throw new StoreCorruptException(path, "settings", "1", column, "the value does not match its checksum (changed outside the store).");
            }
        }

        Currency currency;
        try
        {
            currency = Currency.FromCode(row[1] as string ?? string.Empty);
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or FormatException)
        {
            throw new StoreCorruptException(path, "settings", "1", "currency", $"'{row[1]}' is not a currency code: {e.Message}");
        }

        var holding = row[2] is string h && PeriodPattern.Roundtrip.Parse(h) is { Success: true } parsed
            ? parsed.Value
            : throw new StoreCorruptException(path, "settings", "1", "holding_period", $"'{row[2]}' is not an ISO 8601 period.");
        var zone = (row[3] is string z ? DateTimeZoneProviders.Tzdb.GetZoneOrNull(z) : null)
            ?? throw new StoreCorruptException(path, "settings", "1", "zone", $"'{row[3]}' is not a time zone of the tz database.");
        return row[4] is long count && row[5] is string head
            ? (currency, holding, zone, count, head)
            : throw new StoreCorruptException(path, "settings", "1", row[4] is long ? "head_hash" : "operation_count", "the value is not of its type.");
    }

    /// <summary>Every row of a table in (op, position) order, each checked against its checksums.</summary>
    public List<(StoreRow Row, object? Hash)> Rows(StoreTable table, bool withHash)
    {
        var result = new List<(StoreRow, object?)>();
        var sql = $"SELECT op, position, {string.Join(", ", table.Columns)}, sums{(withHash ? ", hash" : string.Empty)} FROM {table.Name} ORDER BY op, position";
        using var cmd = CommunityModel.Samples.SqliteCommands.Command(connection, tx, sql);
        using var r = cmd.ExecuteReader();
        var n = table.Columns.Length;
        while (r.Read())
        {
            var raw = new object?[r.FieldCount];
            r.GetValues(raw);
            for (var i = 0; i < raw.Length; i++)
            {
                raw[i] = raw[i] is DBNull ? null : raw[i];
            }

            var values = raw[2..(2 + n)];
            if (raw[0] is not long op || raw[1] is not long position)
            {
                var where = string.Create(CultureInfo.InvariantCulture, $"rowid of op {raw[0] ?? "null"}, position {raw[1] ?? "null"}");
                throw new StoreCorruptException(path, table.Name, where, raw[0] is long ? "position" : "op", "the value is not a whole number.");
            }

            var row = new StoreRow(table, op, position, values);
            if (table.FirstMismatch(op, position, values, raw[2 + n]) is { } column)
            {
                throw new StoreCorruptException(path, table.Name, row.Name, column,
                    column == "sums" ? "the checksums are missing or unreadable." : "the value does not match its checksum (changed outside the store).");
            }

            result.Add((row, withHash ? raw[3 + n] : null));
        }

        return result;
    }

    public string Text(StoreRow row, string column) =>
        row[column] as string ?? throw Bad(row, column, "text");

    private string? OptionalText(StoreRow row, string column) =>
        row[column] is null ? null : Text(row, column);

    private long Whole(StoreRow row, string column) =>
        row[column] as long? ?? throw Bad(row, column, "a whole number");

    private int Small(StoreRow row, string column)
    {
        var v = Whole(row, column);
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Bad(row, column, "a whole number within 32 bits");
    }

    private Instant At(StoreRow row, string column) =>
        Iso.Parse(Text(row, column)) is { Success: true } r ? r.Value : throw Bad(row, column, "an ISO 8601 instant");

    private Instant? OptionalAt(StoreRow row, string column) =>
        row[column] is null ? null : At(row, column);

    private TEnum Kind<TEnum>(StoreRow row, string column)
        where TEnum : struct, Enum =>
        Enum.TryParse<TEnum>(Text(row, column), ignoreCase: false, out var v) && Enum.IsDefined(v) ? v : throw Bad(row, column, $"one of {string.Join(", ", Enum.GetNames<TEnum>())}");

    private T Id<T>(StoreRow row, string column, Func<string, T> make)
    {
        var text = Text(row, column);
        try
        {
            return make(text);
        }
        catch (ArgumentException e)
        {
            throw new StoreCorruptException(path, row.Table.Name, row.Name, column, $"'{text}' is not an id: {e.Message}");
        }
    }

    private StoreCorruptException Bad(StoreRow row, string column, string expected) =>
        new(path, row.Table.Name, row.Name, column, $"the value {(row[column] is null ? "is missing" : $"'{row[column]}'")} is not {expected}.");

    public IReadOnlyList<LedgerEntry> ReplayRecord(long op, List<StoreRow> orderRows, List<StoreRow> lineRows, Currency currency, PayoutLedger ledger, StoreRow operation)
    {
        if (orderRows.Count == 0)
        {
            throw new StoreCorruptException(path, "operations", operation.Name, null, "a record operation holds at least one order; the file holds none.");
        }

        var linesByOrder = new Dictionary<string, List<StoreRow>>(StringComparer.Ordinal);
        foreach (var o in orderRows)
        {
            linesByOrder[Text(o, "order_id")] = [];
        }

        foreach (var l in lineRows)
        {
            if (!linesByOrder.TryGetValue(Text(l, "order_id"), out var list))
            {
                throw new StoreCorruptException(path, l.Table.Name, l.Name, "order_id", $"the line's order is not among operation {op}'s orders.");
            }

            list.Add(l);
        }

        var orders = new List<OrderCommission>();
        foreach (var o in orderRows)
        {
            var id = Id(o, "order_id", v => new OrderId(v));
            var lines = new List<CommissionLine>();
            var sum = 0L;
            foreach (var l in linesByOrder[id.Value])
            {
                if (Whole(l, "line") != lines.Count)
                {
                    throw new StoreCorruptException(path, l.Table.Name, l.Name, "line", $"order {id}'s lines run 0, 1, 2, ...; expected line {lines.Count} here.");
                }

                var amount = Whole(l, "amount_minor");
                sum += amount;
                var ppm = row_ppm(l);
                lines.Add(new CommissionLine(id, Id(l, "earner", v => new MemberId(v)), Kind<CommissionRuleKind>(l, "rule"), Small(l, "level"), Small(l, "distance"),
                    ppm is { } p ? Rate.FromPartsPerMillion(p) : null, new Money(amount, currency), new Money(Whole(l, "cap_cut_minor"), currency), []));
            }

            var total = Whole(o, "amount_minor");
            var company = Whole(o, "company_minor");
            if (sum + company != total)
            {
                // The engine's conservation law: lines and the company's share make up the order, to the minor unit.
                throw new StoreCorruptException(path, o.Table.Name, o.Name, "amount_minor", "the order does not add up: its lines and the company's share are not its amount.");
            }

            orders.Add(new OrderCommission(id, Id(o, "buyer", v => new MemberId(v)), Id(o, "product", v => new ProductId(v)), new Money(total, currency), At(o, "paid_at"),
                lines, [], new Money(company, currency), new Money(Whole(o, "cap_cut_minor"), currency)));
        }

        var result = ledger.Record(orders);
        return result.Accepted ? result.Entries : throw new StoreCorruptException(path, "orders", orderRows[0].Name, null, $"operation {op} (record) no longer applies: {result.Message}");

        long? row_ppm(StoreRow l) => l["rate_ppm"] is null ? null : Whole(l, "rate_ppm");
    }

    public IReadOnlyList<LedgerEntry> ReplayRefund(StoreRow r, Currency currency, PayoutLedger ledger)
    {
        var result = ledger.Refund(Id(r, "refund_id", v => new RefundId(v)), Id(r, "order_id", v => new OrderId(v)), new Money(Whole(r, "amount_minor"), currency), At(r, "at"));
        return result.Accepted ? result.Entries : throw new StoreCorruptException(path, r.Table.Name, r.Name, null, $"operation {r.Op} (refund) no longer applies: {result.Message}");
    }

    public IReadOnlyList<LedgerEntry> ReplayPayout(StoreRow r, PayoutLedger ledger)
    {
        var result = ledger.RecordPayout(Id(r, "earner", v => new MemberId(v)), At(r, "at"));
        return result.Accepted ? result.Entries : throw new StoreCorruptException(path, r.Table.Name, r.Name, null, $"operation {r.Op} (payout) no longer applies: {result.Message}");
    }

    public IReadOnlyList<LedgerEntry> CheckGroup(StoreRow g)
    {
        _ = Text(g, "group_id");
        _ = Text(g, "policy_json");
        _ = Text(g, "events_jsonl");
        return [];
    }

    /// <summary>The stored entries of an operation against what its facts gave, column by column.</summary>
    public void CompareEntries(List<StoreRow> stored, IReadOnlyList<LedgerEntry> written, Currency currency)
    {
        _ = currency;
        for (var i = 0; i < Math.Max(stored.Count, written.Count); i++)
        {
            if (i >= stored.Count)
            {
                var missing = written[i];
                throw new StoreCorruptException(path, "ledger_entries", string.Create(CultureInfo.InvariantCulture, $"sequence {missing.Sequence}"), null,
                    $"the facts give this entry ({missing.Kind} {missing.Amount} for {missing.Earner}) but the file does not hold it.");
            }

            var row = stored[i];
            if (i >= written.Count)
            {
                throw new StoreCorruptException(path, "ledger_entries", row.Name, null, "the file holds this entry but its facts do not give it.");
            }

            var expected = SqliteFactStore.EntryRow(row.Op, i, written[i]);
            for (var c = 0; c < row.Values.Length; c++)
            {
                if (StoreTable.Canonical(row.Values[c]) != StoreTable.Canonical(expected.Values[c]))
                {
                    throw new StoreCorruptException(path, "ledger_entries", row.Name, row.Table.Columns[c],
                        $"the entry is not what its facts give: stored '{row.Values[c]}', the facts give '{expected.Values[c]}'.");
                }
            }
        }
    }
}
