using System.Security.Cryptography;
using CommunityModel.Cli;
using Microsoft.Data.Sqlite;

namespace CommunityModel.Tests.Cli;

/// <summary>
/// The store's month-end from files: <c>book init</c>, <c>close</c> and <c>pay</c> over the three months of
/// samples/month-end (expected numbers computed by hand in the comments), the same files twice, bad inputs that leave
/// the book unchanged, a book changed outside the command, a second writer, and <c>tiers evaluate</c>/<c>explain</c>.
/// </summary>
public sealed class CliMonthEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("community-month-end-").FullName;

    private static string Sample(string name) => Path.Combine(RepoRoot.Path, "samples", "month-end", name);

    private string Book => Path.Combine(_dir, "store.db");

    private string Out(string name) => Path.Combine(_dir, name);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private void Init(string? plan = null)
    {
        var (code, _, err) = Run("book", "init", "--book", Book, "--plan", plan ?? Sample("plan.json"), "--membership", RepoRoot.SampleConfig("membership.json"),
            "--ladder", RepoRoot.SampleConfig("ladder.json"), "--holding", "P1M");
        Assert.True(code == 0, err);
    }

    private (int Code, string Out, string Err) Close(string month, string? files = null, string? orders = null, string? refunds = null)
    {
        files ??= month;
        List<string> args = ["close", "--book", Book, "--month", month, "--members", Sample($"{files}/members.csv"), "--orders", orders ?? Sample($"{files}/orders.csv"), "--out", Out(month + "-" + Guid.NewGuid().ToString("N")[..6])];
        refunds ??= File.Exists(Sample($"{files}/refunds.csv")) ? Sample($"{files}/refunds.csv") : null;
        if (!string.IsNullOrEmpty(refunds))
        {
            args.AddRange(["--refunds", refunds]);
        }

        return Run([.. args]);
    }

    private string CloseOk(string month)
    {
        var folder = Out(month);
        List<string> args = ["close", "--book", Book, "--month", month, "--members", Sample($"{month}/members.csv"), "--orders", Sample($"{month}/orders.csv"), "--out", folder];
        if (File.Exists(Sample($"{month}/refunds.csv")))
        {
            args.AddRange(["--refunds", Sample($"{month}/refunds.csv")]);
        }

        var (code, output, err) = Run([.. args]);
        Assert.True(code == 0, err);
        return output;
    }

    private void PayOk(string month)
    {
        var (code, _, err) = Run("pay", "--book", Book, "--month", month, "--paid", Path.Combine(Out(month), "payouts-available.csv"));
        Assert.True(code == 0, err);
    }

    private string Read(string month, string file) => File.ReadAllText(Path.Combine(Out(month), file));

    /// <summary>The book's bytes (the file and its write-ahead log), to show that a refused command changed nothing.</summary>
    private string Fingerprint()
    {
        SqliteConnection.ClearAllPools();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { Book, Book + "-wal" })
        {
            if (File.Exists(file))
            {
                hash.AppendData(File.ReadAllBytes(file));
            }
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private void ThreeMonths()
    {
        Init();
        foreach (var month in new[] { "2026-01", "2026-02", "2026-03" })
        {
            CloseOk(month);
            PayOk(month);
        }
    }

    [Fact]
    public void ThreeMonths_MatchTheHandComputedNumbers()
    {
        Init();

        // January: wang buys the member card (paid membership: member, rank 2); li's CNY 129.00 pays wang 10% = 12.90,
        // held one month (until 2026-02-21): nothing to pay at the month's end.
        var january = CloseOk("2026-01");
        Assert.Contains("2 new members, 2 orders, 0 refunds", january, StringComparison.Ordinal);
        Assert.Contains("commissions CNY 12.90 this month; available to pay CNY 0.00, pending CNY 12.90", january, StringComparison.Ordinal);
        Assert.Equal("earner_id,available,currency\n", Read("2026-01", "payouts-available.csv"));
        PayOk("2026-01");

        // February: li buys the card (member); zhang spends CNY 1290.00 this quarter (member, by spend); on zhang's
        // order li earns 129.00 and wang 64.50; on chen's 39.90 zhang earns 3.99 and li 1.99 (1.995 floored); on
        // zhao's 129.00 li 12.90 and wang 6.45: 218.83. Available on 2026-03-01: wang's January 12.90.
        var february = CloseOk("2026-02");
        Assert.Contains("commissions CNY 218.83 this month; available to pay CNY 12.90, pending CNY 218.83", february, StringComparison.Ordinal);
        Assert.Equal("earner_id,available,currency\nwang,12.90,CNY\n", Read("2026-02", "payouts-available.csv"));
        Assert.Contains("zhang,member,会员,2,2026-03-01T00:00:00+08:00,,new,spend at least CNY 1000.00 this calendar quarter,", Read("2026-02", "tiers.csv"), StringComparison.Ordinal);
        PayOk("2026-02");

        // March: zhang's 1290.00 is refunded on 03-05, inside its holding: li's 129.00 and wang's 64.50 are cancelled,
        // and zhang's upgrade, which stood on it, is undone (member -> customer). li's January order is refunded
        // on 03-12, after wang was paid for it: a clawback of 12.90. sun's 399.00 pays nobody (chen and zhang are
        // customers, below rank 2); zhang's 129.00 pays li 12.90 and wang 6.45: 19.35.
        var march = CloseOk("2026-03");
        Assert.Contains("commissions CNY 19.35 this month", march, StringComparison.Ordinal);

        // Available on 2026-04-01: li 1.99 + 12.90 = 14.89, zhang 3.99; wang 6.45 less the 12.90 clawed back is
        // below zero: nothing. Pending: the March lines, li 12.90 and wang 6.45.
        Assert.Equal("earner_id,available,currency\nli,14.89,CNY\nzhang,3.99,CNY\n", Read("2026-03", "payouts-available.csv"));
        Assert.Equal("earner_id,pending,currency\nli,12.90,CNY\nwang,6.45,CNY\n", Read("2026-03", "pending.csv"));
        var statements = Read("2026-03", "statements.csv").Split('\n');
        Assert.Contains(statements, l => l.StartsWith("li,11,Cancellation,F-002,R-001,-129.00,", StringComparison.Ordinal));
        Assert.Contains(statements, l => l.StartsWith("wang,12,Cancellation,F-002,R-001,-64.50,", StringComparison.Ordinal));

        // wang's month: February's payout (made at March's first instant), then the lines.
        Assert.Contains(statements, l => l.StartsWith("wang,8,Payout,,,12.90,2026-03-01T00:00:00+08:00,,Paid CNY 12.90 to wang", StringComparison.Ordinal));
        Assert.Contains(statements, l => l.StartsWith("wang,13,Clawback,J-002,R-002,-12.90,2026-03-12T10:00:00+08:00,,Refund R-002 of CNY 129.00 on order J-002 claws back CNY 12.90 already paid", StringComparison.Ordinal));

        // The month per earner: wang earned 12.90 + 64.50 + 6.45 = 83.85 before March; in March 6.45 more, 64.50
        // cancelled, 12.90 clawed back, 12.90 paid: 12.90 earned, none owed (6.45 pending, -6.45 available).
        Assert.Equal(
            """
            earner_id,opening_earned,commissions,cancellations,clawbacks,paid,closing_earned,owed,pending,available,currency
            li,143.89,12.90,-129.00,0.00,0.00,27.79,27.79,12.90,14.89,CNY
            wang,83.85,6.45,-64.50,-12.90,12.90,12.90,0.00,6.45,-6.45,CNY
            zhang,3.99,0.00,0.00,0.00,0.00,3.99,3.99,0.00,3.99,CNY

            """.ReplaceLineEndings("\n"),
            Read("2026-03", "statement-totals.csv"));
        var tiers = Read("2026-03", "tiers.csv");
        Assert.Contains("\nzhang,customer,,1,2026-04-01T00:00:00+08:00,member,down,", tiers, StringComparison.Ordinal);
        Assert.Contains("\nsun,customer,,1,", tiers, StringComparison.Ordinal);
        Assert.Contains("all partners,2,2,19.35,", Read("2026-03", "income-disclosure.csv"), StringComparison.Ordinal);
        Assert.Contains("[pass] depth.max-hops", Read("2026-03", "compliance.md"), StringComparison.Ordinal);
        Assert.StartsWith("rung,role,customers_reached,", Read("2026-03", "ladder-metrics.csv"), StringComparison.Ordinal);

        var (code, output, err) = Run("pay", "--book", Book, "--month", "2026-03", "--paid", Path.Combine(Out("2026-03"), "payouts-available.csv"));
        Assert.True(code == 0, err);
        Assert.Equal("Paid 2026-03: 2 earners, CNY 18.88.\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void TheSameFilesTwice_ChangeNothingAndSaySo()
    {
        ThreeMonths();
        var before = Fingerprint();

        // The month again: refused, nothing written.
        var (code, _, err) = Close("2026-03");
        Assert.Equal(2, code);
        Assert.Contains("2026-03 is already closed", err, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());

        // April given March's files: every row is already in the book, so April closes with nothing new, and says so.
        (code, var output, err) = Close("2026-04", files: "2026-03");
        Assert.True(code == 0, err);
        Assert.Contains("0 new members, 0 orders, 0 refunds (6 members, 2 orders and 2 refunds were already in the book: skipped, unchanged)", output, StringComparison.Ordinal);
        Assert.Contains("commissions CNY 0.00 this month", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInputs_AreExit2_WithFileLineAndColumn_AndTheBookUnchanged()
    {
        Init();
        CloseOk("2026-01");
        CloseOk("2026-02");
        var before = Fingerprint();

        // An order paid in a closed month.
        var late = Path.Combine(_dir, "late.csv");
        File.WriteAllText(late, "order_id,buyer_id,product_id,amount,currency,paid_at\nM-001,zhang,diapers,129.00,CNY,2026-03-04T10:00:00+08:00\nM-009,zhao,diapers,129.00,CNY,2026-02-27T10:00:00+08:00\n");
        var (code, _, err) = Close("2026-03", orders: late, refunds: "");
        Assert.Equal(2, code);
        Assert.Contains($"{late}:3:", err, StringComparison.Ordinal);
        Assert.Contains("paid in 2026-02, a month this book has already closed", err, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());

        // A refund of an order the book has never seen.
        var refunds = Path.Combine(_dir, "refunds.csv");
        File.WriteAllText(refunds, "refund_id,order_id,amount,refunded_at\nR-009,NO-SUCH,10.00,2026-03-05T10:00:00+08:00\n");
        (code, _, err) = Close("2026-03", refunds: refunds);
        Assert.Equal(2, code);
        Assert.Contains($"{refunds}:2:7: unknown order 'NO-SUCH'", err, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());

        // An order whose id the book holds with other values.
        var changed = Path.Combine(_dir, "changed.csv");
        File.WriteAllText(changed, "order_id,buyer_id,product_id,amount,currency,paid_at\nF-004,zhao,diapers,128.00,CNY,2026-02-21T10:00:00+08:00\n");
        (code, _, err) = Close("2026-03", orders: changed, refunds: "");
        Assert.Equal(2, code);
        Assert.Contains($"{changed}:2:1: order 'F-004' is already in the book with other values", err, StringComparison.Ordinal);

        // A new order id twice in the file.
        var twice = Path.Combine(_dir, "twice.csv");
        File.WriteAllText(twice, "order_id,buyer_id,product_id,amount,currency,paid_at\nM-101,zhao,diapers,129.00,CNY,2026-03-04T10:00:00+08:00\nM-102,li,diapers,129.00,CNY,2026-03-04T10:00:00+08:00\nM-101,zhao,diapers,129.00,CNY,2026-03-04T10:00:00+08:00\n");
        (code, _, err) = Close("2026-03", orders: twice, refunds: "");
        Assert.Equal(2, code);
        Assert.Contains($"{twice}:4:1: order 'M-101' appears again (first on line 2)", err, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());

        // Months close in order.
        (code, _, err) = Close("2026-04", files: "2026-03");
        Assert.Equal(2, code);
        Assert.Contains("the next month to close is 2026-03, not 2026-04", err, StringComparison.Ordinal);

        // Paying what the book does not hold.
        var paid = Path.Combine(_dir, "paid.csv");
        File.WriteAllText(paid, "earner_id,available,currency\nwang,13.00,CNY\n");
        (code, _, err) = Run("pay", "--book", Book, "--month", "2026-02", "--paid", paid);
        Assert.Equal(2, code);
        Assert.Contains($"{paid}:2:", err, StringComparison.Ordinal);
        Assert.Contains("the book has CNY 12.90 available for 'wang' at the end of 2026-02, not CNY 13.00", err, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());

        // The good files still close the month.
        CloseOk("2026-03");
    }

    [Fact]
    public void PlacesThatCannotBeWritten_AreOneLine_AndLeaveNothing()
    {
        Init();
        var (code, _, err) = Run("close", "--book", Book, "--month", "2026-01", "--members", Sample("2026-01/members.csv"), "--orders", Sample("2026-01/orders.csv"), "--out", "/proc/nope");
        Assert.Equal(2, code);
        Assert.StartsWith("community: /proc/nope:0:0: --out: cannot write here", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        (code, _, err) = Run("book", "init", "--book", "/proc/x.db", "--plan", Sample("plan.json"), "--membership", RepoRoot.SampleConfig("membership.json"),
            "--ladder", RepoRoot.SampleConfig("ladder.json"), "--holding", "P1M");
        Assert.Equal(2, code);
        Assert.StartsWith("community: /proc/x.db:0:0: --book: cannot write the book here", err, StringComparison.Ordinal);
        Assert.Equal(["store.db"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void ATierThePlanDoesNotMap_IsRefusedAtInit()
    {
        var plan = Path.Combine(_dir, "plan.json");
        File.WriteAllText(plan, File.ReadAllText(Sample("plan.json")).Replace(", \"partner\": 3", ", \"partner-plus\": 3", StringComparison.Ordinal));
        var (code, _, err) = Run("book", "init", "--book", Book, "--plan", plan, "--membership", RepoRoot.SampleConfig("membership.json"),
            "--ladder", RepoRoot.SampleConfig("ladder.json"), "--holding", "P1M");
        Assert.Equal(2, code);
        Assert.Contains($"{plan}:15:18: $.ranksByTier: ", err, StringComparison.Ordinal); // where ranksByTier is
        Assert.Contains("does not say which rank tier 'partner' of membership policy 'members-v1' is paid at; add \"partner\": <rank> to its ranksByTier. [plan.ranks-by-tier.unmapped]", err, StringComparison.Ordinal);
        Assert.Contains("maps tier 'partner-plus', which membership policy 'members-v1' does not have", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Book));

        // A rank beyond the plan's ranks is the plan file's own problem.
        File.WriteAllText(plan, File.ReadAllText(Sample("plan.json")).Replace("\"partner\": 3", "\"partner\": -1", StringComparison.Ordinal));
        (code, _, err) = Run("book", "init", "--book", Book, "--plan", plan, "--membership", RepoRoot.SampleConfig("membership.json"),
            "--ladder", RepoRoot.SampleConfig("ladder.json"), "--holding", "P1M");
        Assert.Equal(2, code);
        Assert.Contains("plan.ranks-by-tier.rank", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ABookChangedOutsideTheCommand_IsNamedAndRefused()
    {
        Init();
        CloseOk("2026-01");
        CloseOk("2026-02");
        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={Book};Pooling=False"))
        {
            connection.Open();
            // February's orders are one chunk of columns; one byte of its last column (the time an order was paid) changes.
            byte[] data;
            using (var read = connection.CreateCommand())
            {
                read.CommandText = "SELECT data FROM orders WHERE month = 1 AND chunk = 0";
                data = (byte[])read.ExecuteScalar()!;
            }

            data[^2] ^= 1;
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "UPDATE orders SET data = $d WHERE month = 1 AND chunk = 0";
            cmd.Parameters.AddWithValue("$d", data);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        var (code, _, err) = Close("2026-03");
        Assert.Equal(2, code);
        Assert.Contains("the book was changed outside community: table months: the rows of 2026-02", err, StringComparison.Ordinal);

        // A chunk that no longer reads as orders is named by its table.
        using (var connection = new SqliteConnection($"Data Source={Book};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "UPDATE orders SET data = zeroblob(7) WHERE month = 0";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        (code, _, err) = Close("2026-03");
        Assert.Equal(2, code);
        Assert.Contains("table orders: a chunk of 2026-01 does not read as orders", err, StringComparison.Ordinal);
    }

    private void Sql(string sql)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={Book};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private long Count(string sql)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={Book};Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public void AReopenFromTheSnapshots_WritesWhatAReplayOfEveryMonthWrites()
    {
        // Once with the snapshots each close leaves (only the last month's are kept), once with them removed before
        // every command, as in a book written before snapshots: every file of every month is the same.
        var files = new[] { "tiers.csv", "payouts-available.csv", "pending.csv", "statements.csv", "statement-totals.csv", "ladder-metrics.csv", "income-disclosure.csv", "compliance.md" };
        var written = new List<string>[2];
        for (var pass = 0; pass < 2; pass++)
        {
            if (File.Exists(Book))
            {
                SqliteConnection.ClearAllPools();
                File.Delete(Book);
                foreach (var month in new[] { "2026-01", "2026-02", "2026-03" })
                {
                    Directory.Delete(Out(month), recursive: true);
                }
            }

            Init();
            written[pass] = [];
            foreach (var month in new[] { "2026-01", "2026-02", "2026-03" })
            {
                if (pass == 1)
                {
                    Sql("DELETE FROM snapshots");
                }

                CloseOk(month);
                Assert.Equal(0, Count("SELECT count(*) FROM snapshots WHERE month <> (SELECT max(number) FROM months)"));
                Assert.True(Count("SELECT count(*) FROM snapshots WHERE part = -1") == 2, "the ledger's and the membership book's snapshots of the last month");
                if (pass == 1)
                {
                    Sql("DELETE FROM snapshots");
                }

                PayOk(month);
                written[pass].AddRange(files.Select(f => $"{month}/{f}:\n{Read(month, f)}"));
            }
        }

        Assert.Equal(written[1], written[0]);
    }

    [Fact]
    public void ASnapshotChangedOutsideTheCommand_IsNamedAndRefused_AndTheBookUnchanged()
    {
        Init();
        CloseOk("2026-01");
        CloseOk("2026-02");
        Sql("UPDATE snapshots SET data = CAST(replace(CAST(data AS TEXT), 'wang', 'wanq') AS BLOB) WHERE kind = 'ledger' AND part = 0");
        var before = Fingerprint();
        var (code, _, err) = Close("2026-03");
        Assert.Equal(2, code);
        Assert.Contains("the book was changed outside community: table snapshots: the state saved at the close of 2026-02 is not the one close wrote", err, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());

        // A part removed is found the same way.
        Sql("DELETE FROM snapshots WHERE kind = 'membership' AND part = 0");
        (code, _, err) = Close("2026-03");
        Assert.Equal(2, code);
        Assert.Contains("table snapshots: the state saved at the close of 2026-02", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondWriter_IsRefusedAtOnce()
    {
        Init();
        CloseOk("2026-01");
        using var connection = new SqliteConnection($"Data Source={Book};Pooling=False");
        connection.Open();
        using var tx = connection.BeginTransaction(deferred: false);
        var before = Directory.GetFileSystemEntries(_dir).Length;
        var (code, _, err) = Close("2026-02");
        Assert.Equal(2, code);
        Assert.Contains("another community command is writing this book now", err, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(_dir).Length); // no output folder left behind
    }

    [Fact]
    public void TiersEvaluateAndExplain_FromFilesAlone()
    {
        // Every order of the three months, in one file; March's members file lists everybody.
        var orders = Path.Combine(_dir, "orders.csv");
        File.WriteAllLines(orders, new[] { "2026-01", "2026-02", "2026-03" }.SelectMany((m, i) => File.ReadAllLines(Sample($"{m}/orders.csv")).Skip(1)
            .Select(l => l.Split(',') is var f && f.Length == 6 ? l + ",1" : l)).Prepend("order_id,buyer_id,product_id,amount,currency,paid_at,quantity"));
        string[] common = ["--membership", RepoRoot.SampleConfig("membership.json"), "--ladder", RepoRoot.SampleConfig("ladder.json"),
            "--members", Sample("2026-03/members.csv"), "--orders", orders, "--refunds", Sample("2026-03/refunds.csv"), "--as-of", "2026-03-31"];
        var (code, output, err) = Run(["tiers", "evaluate", .. common, "--out", Out("tiers.csv")]);
        Assert.True(code == 0, err);
        Assert.Contains("6 members evaluated at 2026-04-01T00:00:00+08:00 (policy members-v1): 0 fan, 4 customer, 2 会员, 0 partner", output, StringComparison.Ordinal);
        var tiers = File.ReadAllText(Out("tiers.csv"));
        Assert.Contains("\nli,member,会员,2,", tiers, StringComparison.Ordinal);

        // zhang was a member when March began (CNY 1290.00 spent in February); the refund on 03-05 undid it.
        Assert.Contains("\nzhang,customer,,1,2026-04-01T00:00:00+08:00,member,down,", tiers, StringComparison.Ordinal);

        (code, output, err) = Run(["tiers", "explain", "--member", "zhang", .. common]);
        Assert.True(code == 0, err);
        Assert.StartsWith("zhang at 2026-04-01T00:00:00+08:00 (policy members-v1): customer\n", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Next: 会员 (member): spend CNY 871.00 more this calendar quarter", output, StringComparison.Ordinal);
    }
}
