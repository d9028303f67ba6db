using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The files of the payout pipeline benchmark, made once and kept: 1M members (preferential attachment with
/// chains thousands deep), orders of CNY 0.01 to 1,000.00 over a month, refunds of 1% of the orders (half of
/// them partial, ten days after the order), and a 2-level 10% / 5% plan. And the same job done by DuckDB from
/// the same files, writing the same payout file.
/// </summary>
public static class PayoutFiles
{
    public const int Members = 1_000_000;

    /// <summary>Where the files live: COMMUNITYMODEL_BENCH_DATA, or a folder under the system's temporary folder.</summary>
    public static string Folder => Environment.GetEnvironmentVariable("COMMUNITYMODEL_BENCH_DATA") is { Length: > 0 } dir
        ? dir : Path.Combine(Path.GetTempPath(), "communitymodel-payout-bench");

    public static readonly Instant Start = Instant.FromUtc(2026, 3, 1, 0, 0) - Duration.FromSeconds(Members);

    /// <summary>The instant the ledger path reports pending and available as of: the end of May in Shanghai.</summary>
    public const string AsOf = "2026-05-15T00:00:00+08:00";

    public static string MembersCsv => Path.Combine(Folder, "members.csv");

    public static string PlanJson => Path.Combine(Folder, "plan.json");

    public static string OrdersCsv(int orders) => Path.Combine(Folder, $"orders-{orders}.csv");

    public static string RefundsCsv(int orders) => Path.Combine(Folder, $"refunds-{orders}.csv");

    /// <summary>Makes the files that are missing.</summary>
    public static void Ensure(params int[] orderCounts)
    {
        Directory.CreateDirectory(Folder);
        var rng = new Random(20261202);
        var sponsor = BenchmarkData.Sponsors(Members, rng);
        var pattern = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<+HH:mm>");
        var shanghai = Offset.FromHours(8);
        if (!File.Exists(MembersCsv))
        {
            using var w = Writer(MembersCsv);
            w.Write("member_id,sponsor_id,joined_at\n");
            for (var i = 0; i < Members; i++)
            {
                w.Write(BenchmarkData.Id(i));
                w.Write(',');
                if (sponsor[i] >= 0)
                {
                    w.Write(BenchmarkData.Id(sponsor[i]));
                }

                w.Write(',');
                w.Write(pattern.Format((Start + Duration.FromSeconds(i)).WithOffset(shanghai)));
                w.Write('\n');
            }
        }

        if (!File.Exists(PlanJson))
        {
            File.WriteAllText(PlanJson, """
                {
                  "name": "二级分销 10% / 5%",
                  "currency": "CNY",
                  "levels": { "rates": ["10%", "5%"], "requireActive": false }
                }
                """);
        }

        foreach (var n in orderCounts)
        {
            if (File.Exists(OrdersCsv(n)) && File.Exists(RefundsCsv(n)))
            {
                continue;
            }

            var orderRng = new Random(n);
            var month = Duration.FromDays(30).TotalSeconds / n;
            using var orders = Writer(OrdersCsv(n));
            using var refunds = Writer(RefundsCsv(n));
            orders.Write("order_id,buyer_id,product_id,amount,currency,paid_at\n");
            refunds.Write("refund_id,order_id,amount,refunded_at\n");
            var end = Start + Duration.FromSeconds(Members);
            for (var k = 0; k < n; k++)
            {
                var id = "o" + k.ToString(CultureInfo.InvariantCulture);
                var amount = orderRng.Next(1, 100_001);
                var paid = end + Duration.FromSeconds((long)(k * month));
                orders.Write(id);
                orders.Write(',');
                orders.Write(BenchmarkData.Id(orderRng.Next(Members)));
                orders.Write(",box,");
                orders.Write(Amount(amount));
                orders.Write(",CNY,");
                orders.Write(pattern.Format(paid.WithOffset(shanghai)));
                orders.Write('\n');
                if (k % 100 == 37)
                {
                    refunds.Write("r" + k.ToString(CultureInfo.InvariantCulture));
                    refunds.Write(',');
                    refunds.Write(id);
                    refunds.Write(',');
                    refunds.Write(Amount(k % 200 == 37 ? amount : (amount + 1) / 2));
                    refunds.Write(',');
                    refunds.Write(pattern.Format((paid + Duration.FromDays(10)).WithOffset(shanghai)));
                    refunds.Write('\n');
                }
            }
        }
    }

    /// <summary>The CLI's arguments for a job: totals only, or with holding and refunds through the ledger.</summary>
    public static string[] CliArgs(int orders, bool ledger, string output) => ledger
        ? ["commissions", "--plan", PlanJson, "--members", MembersCsv, "--orders", OrdersCsv(orders), "--refunds", RefundsCsv(orders),
            "--holding", "P2M", "--zone", "Asia/Shanghai", "--as-of", AsOf, "--out", output]
        : ["commissions", "--plan", PlanJson, "--members", MembersCsv, "--orders", OrdersCsv(orders), "--out", output];

    /// <summary>The same job in DuckDB: read the CSVs, compute the lines, write the same payout file.</summary>
    public static void DuckDb(int orders, bool ledger, string output)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        void Execute(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        Execute($"""
            CREATE TABLE m AS SELECT * FROM read_csv('{MembersCsv}', header = true,
                columns = {"{"}'member_id': 'VARCHAR', 'sponsor_id': 'VARCHAR', 'joined_at': 'VARCHAR'{"}"});
            CREATE TABLE o AS SELECT order_id, buyer_id, CAST(round(amount * 100) AS BIGINT) AS amount, paid_at FROM read_csv('{OrdersCsv(orders)}', header = true,
                columns = {"{"}'order_id': 'VARCHAR', 'buyer_id': 'VARCHAR', 'product_id': 'VARCHAR', 'amount': 'DECIMAL(18,2)', 'currency': 'VARCHAR', 'paid_at': 'TIMESTAMPTZ'{"}"});
            CREATE TABLE lines AS
                SELECT o.order_id, m1.sponsor_id AS earner, (o.amount * 100000) // 1000000 AS pay, o.amount, o.paid_at
                FROM o JOIN m m1 ON m1.member_id = o.buyer_id WHERE m1.sponsor_id IS NOT NULL
                UNION ALL
                SELECT o.order_id, m2.sponsor_id, (o.amount * 50000) // 1000000, o.amount, o.paid_at
                FROM o JOIN m m1 ON m1.member_id = o.buyer_id JOIN m m2 ON m2.member_id = m1.sponsor_id WHERE m2.sponsor_id IS NOT NULL;
            """);
        if (!ledger)
        {
            Execute($"""
                COPY (SELECT earner AS earner_id, printf('%d.%02d', s // 100, s % 100) AS amount, 'CNY' AS currency
                      FROM (SELECT earner, SUM(pay) AS s FROM lines GROUP BY earner) ORDER BY earner_id)
                TO '{output}' (HEADER, DELIMITER ',', QUOTE '');
                """);
            return;
        }

        // Refunds reverse each line by floor(line x refunded / amount); a line stays pending until two calendar
        // months after its order in Shanghai.
        Execute($"""
            SET TimeZone = 'Asia/Shanghai';
            CREATE TABLE r AS SELECT order_id, SUM(CAST(round(amount * 100) AS BIGINT)) AS refunded FROM read_csv('{RefundsCsv(orders)}', header = true,
                columns = {"{"}'refund_id': 'VARCHAR', 'order_id': 'VARCHAR', 'amount': 'DECIMAL(18,2)', 'refunded_at': 'TIMESTAMPTZ'{"}"}) GROUP BY order_id;
            COPY (
                SELECT earner AS earner_id, printf('%d.%02d', net // 100, net % 100) AS amount,
                       printf('%d.%02d', pending // 100, pending % 100) AS pending, printf('%d.%02d', available // 100, available % 100) AS available, 'CNY' AS currency
                FROM (
                    SELECT earner, SUM(left_) AS net,
                           SUM(CASE WHEN available_at > TIMESTAMPTZ '{AsOf}' THEN left_ ELSE 0 END) AS pending,
                           SUM(CASE WHEN available_at > TIMESTAMPTZ '{AsOf}' THEN 0 ELSE left_ END) AS available
                    FROM (
                        SELECT l.earner, l.pay - COALESCE(CAST((CAST(l.pay AS HUGEINT) * r.refunded) // l.amount AS BIGINT), 0) AS left_,
                               l.paid_at + INTERVAL 2 MONTH AS available_at
                        FROM lines l LEFT JOIN r ON r.order_id = l.order_id)
                    GROUP BY earner)
                ORDER BY earner_id)
            TO '{output}' (HEADER, DELIMITER ',', QUOTE '');
            """);
    }

    private static string Amount(long minor) => (minor / 100).ToString(CultureInfo.InvariantCulture) + "." + (minor % 100).ToString("00", CultureInfo.InvariantCulture);

    private static StreamWriter Writer(string path) => new(path, append: false, new UTF8Encoding(false), 1 << 20);
}
