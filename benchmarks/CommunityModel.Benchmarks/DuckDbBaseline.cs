using DuckDB.NET.Data;

namespace CommunityModel.Benchmarks;

/// <summary>The same 2-level plan computed by DuckDB in-process with SQL joins over the same data.</summary>
public sealed class DuckDbBaseline : IDisposable
{
    public const string TwoLevelQuery = """
        SELECT earner, CAST(SUM(pay) AS BIGINT) AS total FROM (
            SELECT m1.sponsor AS earner, (o.amount * 100000) // 1000000 AS pay
            FROM orders o JOIN members m1 ON m1.idx = o.buyer
            WHERE m1.sponsor >= 0
            UNION ALL
            SELECT m2.sponsor AS earner, (o.amount * 50000) // 1000000 AS pay
            FROM orders o JOIN members m1 ON m1.idx = o.buyer JOIN members m2 ON m2.idx = m1.sponsor
            WHERE m2.sponsor >= 0
        ) GROUP BY earner
        """;

    private readonly DuckDBConnection _connection;

    public DuckDbBaseline(BenchmarkData data)
    {
        _connection = new DuckDBConnection("Data Source=:memory:");
        _connection.Open();
        Execute("CREATE TABLE members (idx INTEGER, sponsor INTEGER)");
        Execute("CREATE TABLE orders (buyer INTEGER, amount BIGINT)");
        using (var appender = _connection.CreateAppender("members"))
        {
            for (var i = 0; i < data.JoinParent.Length; i++)
            {
                appender.CreateRow().AppendValue(i).AppendValue(data.JoinParent[i]).EndRow();
            }
        }

        using (var appender = _connection.CreateAppender("orders"))
        {
            for (var k = 0; k < data.Buyers.Length; k++)
            {
                appender.CreateRow().AppendValue(data.Buyers[k]).AppendValue(data.Amounts[k]).EndRow();
            }
        }
    }

    /// <summary>Runs the query and reads every total into an array by member index.</summary>
    public long[] Compute(int members)
    {
        var totals = new long[members];
        using var command = _connection.CreateCommand();
        command.CommandText = TwoLevelQuery;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            totals[reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return totals;
    }

    public void Dispose() => _connection.Dispose();

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
