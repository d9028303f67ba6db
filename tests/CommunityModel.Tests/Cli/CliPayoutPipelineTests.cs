using System.Globalization;
using System.Text;
using CommunityModel.Cli;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Tests.Cli;

/// <summary>The payout pipeline through the CLI: streamed readers on big and bad files, which path runs, the payout contract, outputs that are whole or absent.</summary>
public sealed class CliPayoutPipelineTests() : CliTestBase("community-pipeline-")
{
    private const string OrdersHeader = "order_id,buyer_id,product_id,amount,currency,paid_at\n";

    private string Plan() => Temp("plan.json", """{ "name": "2-level", "currency": "CNY", "levels": { "rates": ["10%", "5%"], "requireActive": false } }""");

    private string Members() => Temp("members.csv", "member_id,sponsor_id,joined_at\nA,,2026-01-01T00:00:00+08:00\nB,A,2026-01-02T00:00:00+08:00\nC,B,2026-01-03T00:00:00+08:00\n");

    /// <summary>Orders enough to make the file larger than a megabyte, so it is read in parts on several threads.</summary>
    private static string ManyOrders(int count, Func<int, string>? row = null)
    {
        var sb = new StringBuilder(OrdersHeader);
        for (var k = 0; k < count; k++)
        {
            sb.Append(row?.Invoke(k) ?? $"o{k},C,box,{1 + (k % 500)}.{k % 100:00},CNY,2026-03-01T10:00:00+08:00\n");
        }

        return sb.ToString();
    }

    private string[] Commissions(string orders, params string[] more) =>
        ["commissions", "--plan", Plan(), "--members", Members(), "--orders", orders, "--out", Path.Combine(Dir, "payouts.csv"), .. more];

    [Fact]
    public void PayoutContract_AOneFenOrder_ListsBothUplinesAtZero_OnTheTotalsAndTheLedgerPath()
    {
        var orders = Temp("orders.csv", OrdersHeader + "o1,C,box,0.01,CNY,2026-03-01T10:00:00+08:00\n");
        foreach (var extra in new[] { Array.Empty<string>(), ["--lines", Path.Combine(Dir, "lines.csv")], ["--holding", "P2M", "--as-of", "2026-03-02T00:00:00+08:00"] })
        {
            var (code, output, err) = Run(Commissions(orders, extra));
            Assert.True(code == 0, err);
            var expected = extra.Contains("--holding")
                ? "earner_id,amount,pending,available,currency\nA,0.00,0.00,0.00,CNY\nB,0.00,0.00,0.00,CNY\n"
                : "earner_id,amount,currency\nA,0.00,CNY\nB,0.00,CNY\n";
            Assert.Equal(expected, File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
            Assert.Contains("paid to 2 earners CNY 0.00", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TotalsPathAndLedgerPath_GiveTheSamePayouts_OnAFileReadInParts()
    {
        var orders = Temp("orders.csv", ManyOrders(40_000));
        Assert.True(new FileInfo(orders).Length > 1 << 20);
        Assert.Equal(0, Run(Commissions(orders)).Code);
        var totals = File.ReadAllText(Path.Combine(Dir, "payouts.csv"));
        Assert.Equal(0, Run(Commissions(orders, "--lines", Path.Combine(Dir, "lines.csv"))).Code);
        Assert.Equal(totals, File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
        Assert.Equal(2 * 40_000 + 1, File.ReadAllLines(Path.Combine(Dir, "lines.csv")).Length);

        // Hand-computed: B earns floor(10% of each amount), A floor(5%).
        long b = 0, a = 0;
        for (var k = 0; k < 40_000; k++)
        {
            var minor = ((1 + (k % 500)) * 100L) + (k % 100);
            b += minor * 10 / 100;
            a += minor * 5 / 100;
        }

        Assert.Equal($"earner_id,amount,currency\nA,{a / 100}.{a % 100:00},CNY\nB,{b / 100}.{b % 100:00},CNY\n", totals);
    }

    [Fact]
    public void AFileReadInParts_WithCrLf_AByteOrderMark_BlankLines_AndNoLastLineFeed_GivesTheSamePayouts()
    {
        var lf = ManyOrders(40_000);
        Assert.Equal(0, Run(Commissions(Temp("orders-lf.csv", lf))).Code);
        var expected = File.ReadAllText(Path.Combine(Dir, "payouts.csv"));
        var lines = lf.TrimEnd('\n').Split('\n').ToList();
        lines.Insert(30_000, string.Empty);
        lines.Insert(100, "   ");
        var crlf = "\uFEFF" + string.Join("\r\n", lines);
        foreach (var extra in new[] { Array.Empty<string>(), ["--lines", Path.Combine(Dir, "lines.csv")] })
        {
            var (code, output, err) = Run(Commissions(Temp("orders-crlf.csv", crlf), extra));
            Assert.True(code == 0, err);
            Assert.StartsWith("40000 orders", output, StringComparison.Ordinal);
            Assert.Equal(expected, File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
        }
    }

    [Theory]
    [InlineData(35_000, "o35000,C,box,1.00,CNY,not-a-time\n", ":35002:23: 'not-a-time' is not an ISO 8601 instant")]
    [InlineData(35_000, "o35000,nobody,box,1.00,CNY,2026-03-01T10:00:00+08:00\n", ":35002:8: unknown member 'nobody'")]
    [InlineData(35_000, "o35000,C,box,1.00,CNY\n", ":35002:1: 5 field(s), the header has 6")]
    [InlineData(35_000, "o7,C,box,1.00,CNY,2026-03-01T10:00:00+08:00\n", ":35002:1: order 'o7' appears again (first on line 9)")]
    [InlineData(10, "o10,C,box,1.00,CNY,2026-03-01T10:00:00+08:00\n" + "o11,C,box,-1.00,CNY,2026-03-01T10:00:00+08:00\n", ":13:11: an order's amount must be positive")]
    public void ABadRow_LateInABigFile_IsNamedByFileLineAndColumn_OnEveryPath(int before, string bad, string expected)
    {
        var good = ManyOrders(before);
        var after = ManyOrders(before, k => $"p{k},C,box,2.00,CNY,2026-03-02T10:00:00+08:00\n")[OrdersHeader.Length..];
        var orders = Temp("orders.csv", good + bad + after);
        foreach (var extra in new[] { Array.Empty<string>(), ["--lines", Path.Combine(Dir, "lines.csv")] })
        {
            var (code, _, err) = Run(Commissions(orders, extra));
            Assert.Equal(2, code);
            Assert.Contains("orders.csv" + expected, err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(Dir, "payouts.csv")));
            Assert.False(File.Exists(Path.Combine(Dir, "lines.csv")));
        }
    }

    /// <summary>A chain of members long enough to make the members file larger than a megabyte (read in parts).</summary>
    private static string ManyMembers(int count, Func<int, string>? row = null)
    {
        var sb = new StringBuilder("member_id,sponsor_id,joined_at\n");
        for (var k = 0; k < count; k++)
        {
            sb.Append(row?.Invoke(k) ?? $"member-{k:D7},{(k == 0 ? "" : $"member-{k - 1:D7}")},2026-01-01T00:00:00+08:00\n");
        }

        return sb.ToString();
    }

    /// <summary>
    /// The plan is read beside the members file, yet errors come in the order of reading them in turn: a bad plan
    /// first (whether the members file fails on a row or in its links), then the members file, then the orders.
    /// </summary>
    [Fact]
    public void ABadPlanIsReportedBeforeABadMembersFile_AndABadMembersFileBeforeBadOrders()
    {
        var badPlan = Temp("bad-plan.json", """{ "name": "2-level", "currency": "CNY", "levels": { "rates": ["10%", "150%"] } }""");
        var badRow = Temp("bad-row.csv", "member_id,sponsor_id,joined_at\nA,,2026-01-01T00:00:00+08:00\nB,A,yesterday\n");
        var badLink = Temp("bad-link.csv", "member_id,sponsor_id,joined_at\nA,,2026-01-01T00:00:00+08:00\nB,Z,2026-01-02T00:00:00+08:00\n");
        var badOrders = Temp("bad-orders.csv", OrdersHeader + "o1,C,box,-1.00,CNY,2026-03-01T10:00:00+08:00\n");
        string[] Args(string plan, string members) => ["commissions", "--plan", plan, "--members", members, "--orders", badOrders, "--out", Path.Combine(Dir, "payouts.csv")];
        foreach (var members in new[] { badRow, badLink, Members() })
        {
            var (code, _, err) = Run(Args(badPlan, members));
            Assert.Equal(2, code);
            Assert.Contains("bad-plan.json", err, StringComparison.Ordinal);
        }

        Assert.Contains("bad-row.csv:3:", Run(Args(Plan(), badRow)).Err, StringComparison.Ordinal);
        Assert.Contains("bad-link.csv:3:", Run(Args(Plan(), badLink)).Err, StringComparison.Ordinal);
        Assert.Contains("bad-orders.csv:2:", Run(Args(Plan(), Members())).Err, StringComparison.Ordinal);
    }

    [Fact]
    public void AMembersFileReadInParts_GivesTheTreeOfReadingItWhole()
    {
        // 40,000 members in a chain; the last one buys: the two above it earn 10% and 5%.
        var members = Temp("members-many.csv", ManyMembers(40_000));
        Assert.True(new FileInfo(members).Length > 1 << 20);
        var orders = Temp("orders.csv", OrdersHeader + "o1,member-0039999,box,100.00,CNY,2026-03-01T10:00:00+08:00\n");
        var (code, _, err) = Run(["commissions", "--plan", Plan(), "--members", members, "--orders", orders, "--out", Path.Combine(Dir, "payouts.csv")]);
        Assert.True(code == 0, err);
        Assert.Equal("earner_id,amount,currency\nmember-0039997,5.00,CNY\nmember-0039998,10.00,CNY\n", File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
    }

    [Theory]
    [InlineData(35_000, "x,,yesterday\n", ":35002:4: 'yesterday' is not an ISO 8601 instant")]
    [InlineData(35_000, ",member-0000001,2026-01-01T00:00:00+08:00\n", ":35002:1: member_id must not be empty")]
    [InlineData(35_000, "member-0000007,,2026-01-01T00:00:00+08:00\n", ":35002:1: member 'member-0000007' appears again (first on line 9)")]
    [InlineData(35_000, "x,nobody,2026-01-01T00:00:00+08:00\n", ":35002:3: UnknownSponsor")]
    public void ABadMember_LateInABigFile_IsNamedByFileLineAndColumn(int before, string bad, string expected)
    {
        var members = Temp("members-bad.csv", ManyMembers(before) + bad + ManyMembers(5_000, k => $"late-{k},,2026-01-01T00:00:00+08:00\n")[31..]);
        var orders = Temp("orders.csv", OrdersHeader + "o1,member-0000001,box,1.00,CNY,2026-03-01T10:00:00+08:00\n");
        var (code, _, err) = Run(["commissions", "--plan", Plan(), "--members", members, "--orders", orders, "--out", Path.Combine(Dir, "payouts.csv")]);
        Assert.Equal(2, code);
        Assert.Contains("members-bad.csv" + expected, err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "payouts.csv")));
    }

    [Fact]
    public void FilesFromChineseExcel_ReadWithEncodingGb18030_GiveWhatUtf8Gives_AndWithoutItAClearError()
    {
        // 王 and 李 are two bytes each in GB18030 and invalid as UTF-8: read as UTF-8 both would become U+FFFD.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        var gb = System.Text.Encoding.GetEncoding("GB18030");
        const string members = "member_id,sponsor_id,joined_at\n王,,2026-01-01T00:00:00+08:00\n李,王,2026-01-02T00:00:00+08:00\n张,李,2026-01-03T00:00:00+08:00\n";
        var orders = OrdersHeader + "o1,张,box,100.00,CNY,2026-03-01T10:00:00+08:00\n";
        string Write(string name, string text, System.Text.Encoding encoding)
        {
            var path = Path.Combine(Dir, name);
            File.WriteAllBytes(path, encoding.GetBytes(text));
            return path;
        }

        string[] Args(string m, string o, params string[] more) => ["commissions", "--plan", Plan(), "--members", m, "--orders", o, "--out", Path.Combine(Dir, "payouts.csv"), .. more];
        var (code, _, err) = Run(Args(Write("m8.csv", members, new UTF8Encoding(false)), Write("o8.csv", orders, new UTF8Encoding(false))));
        Assert.True(code == 0, err);
        var expected = File.ReadAllText(Path.Combine(Dir, "payouts.csv"));
        Assert.Equal("earner_id,amount,currency\n李,10.00,CNY\n王,5.00,CNY\n", expected); // earners in ordinal order: U+674E before U+738B

        var (gbMembers, gbOrders) = (Write("mg.csv", members, gb), Write("og.csv", orders, gb));
        (code, _, err) = Run(Args(gbMembers, gbOrders, "--encoding", "gb18030"));
        Assert.True(code == 0, err);
        Assert.Equal(expected, File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
        File.Delete(Path.Combine(Dir, "payouts.csv"));

        (code, _, err) = Run(Args(gbMembers, gbOrders));
        Assert.Equal(2, code);
        Assert.Contains("mg.csv", err, StringComparison.Ordinal);
        Assert.Contains("is not UTF-8 text", err, StringComparison.Ordinal);
        Assert.Contains("pass --encoding gb18030", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "payouts.csv")));

        (code, _, err) = Run(Args(gbMembers, gbOrders, "--encoding", "latin-1"));
        Assert.Equal(2, code);
        Assert.Contains("--encoding 'latin-1' is not one of utf-8, gb18030, gbk, utf-16, utf-16be", err, StringComparison.Ordinal);
    }

    [Fact]
    public void FilesInUtf16_ReadWithEncodingUtf16_GiveWhatUtf8Gives()
    {
        // 上 is U+4E0A: in UTF-16 little-endian its bytes are 0A 4E, a line-feed byte inside a character, so the
        // file must not be cut or counted by bytes. Excel's "Unicode text" starts with a byte-order mark.
        const string members = "member_id,sponsor_id,joined_at\n王,,2026-01-01T00:00:00+08:00\n上,王,2026-01-02T00:00:00+08:00\n张,上,2026-01-03T00:00:00+08:00\n";
        var orders = OrdersHeader + "o1,张,box,100.00,CNY,2026-03-01T10:00:00+08:00\no2,上,box,20.00,CNY,2026-03-01T11:00:00+08:00\n";
        string Write(string name, string text, System.Text.Encoding encoding)
        {
            var path = Path.Combine(Dir, name);
            File.WriteAllBytes(path, [.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);
            return path;
        }

        string[] Args(string m, string o, params string[] more) => ["commissions", "--plan", Plan(), "--members", m, "--orders", o, "--out", Path.Combine(Dir, "payouts.csv"), .. more];
        var (code, _, err) = Run(Args(Write("m8.csv", members, new UTF8Encoding(false)), Write("o8.csv", orders, new UTF8Encoding(false))));
        Assert.True(code == 0, err);
        var expected = File.ReadAllText(Path.Combine(Dir, "payouts.csv"));
        Assert.Equal("earner_id,amount,currency\n上,10.00,CNY\n王,7.00,CNY\n", expected); // 上 10% of 100; 王 5% of 100 + 10% of 20

        foreach (var (name, encoding) in new[] { ("utf-16", (System.Text.Encoding)new UnicodeEncoding(false, true)), ("utf-16be", new UnicodeEncoding(true, true)) })
        {
            File.Delete(Path.Combine(Dir, "payouts.csv"));
            (code, _, err) = Run(Args(Write($"m-{name}.csv", members, encoding), Write($"o-{name}.csv", orders, encoding), "--encoding", name));
            Assert.True(code == 0, err);
            Assert.Equal(expected, File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
        }

        // UTF-16 read as UTF-8 is an error, never a silent misreading.
        (code, _, err) = Run(Args(Path.Combine(Dir, "m-utf-16.csv"), Path.Combine(Dir, "o-utf-16.csv")));
        Assert.Equal(2, code);
        Assert.Contains("m-utf-16.csv:1:1: starts with a UTF-16 byte-order mark; pass --encoding utf-16", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ForExcel_OutputsStartWithAByteOrderMark_AndIdsThatLookLikeFormulasStayText()
    {
        var members = Temp("members-x.csv", "member_id,sponsor_id,joined_at\n=HYPERLINK(\"http://x\"),,2026-01-01T00:00:00+08:00\n@sum,=HYPERLINK(\"http://x\"),2026-01-02T00:00:00+08:00\n-buyer,@sum,2026-01-03T00:00:00+08:00\n");
        var orders = Temp("orders.csv", OrdersHeader + "+o1,-buyer,box,100.00,CNY,2026-03-01T10:00:00+08:00\n");
        var payouts = Path.Combine(Dir, "payouts.csv");
        var lines = Path.Combine(Dir, "lines.csv");
        string[] args = ["commissions", "--plan", Plan(), "--members", members, "--orders", orders, "--out", payouts, "--lines", lines];
        Assert.Equal(0, Run(args).Code);
        Assert.Equal("earner_id,amount,currency\n\"=HYPERLINK(\"\"http://x\"\")\",5.00,CNY\n@sum,10.00,CNY\n", File.ReadAllText(payouts));

        Assert.Equal(0, Run([.. args, "--excel"]).Code);
        var bytes = File.ReadAllBytes(payouts);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Equal("earner_id,amount,currency\n\"'=HYPERLINK(\"\"http://x\"\")\",5.00,CNY\n'@sum,10.00,CNY\n", System.Text.Encoding.UTF8.GetString(bytes[3..]));
        var lineText = File.ReadAllText(lines);
        Assert.Contains("'+o1,'@sum,", lineText, StringComparison.Ordinal);
        Assert.DoesNotContain("\n+o1", lineText, StringComparison.Ordinal);
    }

    [Fact]
    public void AQuantityColumn_MultipliesFixedPerUnitCommissions_AndIsCheckedWhereItIs()
    {
        // B sponsors C and A sponsors B: on C's order of 3 gifts, B earns 3 x 12.00 and A 3 x 5.00.
        var plan = Temp("plan-gift.json", """{ "name": "gifts", "currency": "CNY", "levels": { "rates": ["10%", "5%"], "requireActive": false }, "products": [{ "product": "gift", "fixedPerUnitByLevel": ["CNY 12.00", "CNY 5.00"] }] }""");
        string[] Args(string orders) => ["commissions", "--plan", plan, "--members", Members(), "--orders", orders, "--out", Path.Combine(Dir, "payouts.csv")];
        var header = OrdersHeader.TrimEnd('\n') + ",quantity\n";
        var (code, _, err) = Run(Args(Temp("orders-q.csv", header + "o1,C,gift,300.00,CNY,2026-03-01T10:00:00+08:00,3\n")));
        Assert.True(code == 0, err);
        Assert.Equal("earner_id,amount,currency\nA,15.00,CNY\nB,36.00,CNY\n", File.ReadAllText(Path.Combine(Dir, "payouts.csv")));

        // Without the column (or with it empty) a row is one unit.
        (code, _, err) = Run(Args(Temp("orders-1.csv", header + "o1,C,gift,300.00,CNY,2026-03-01T10:00:00+08:00,\n")));
        Assert.True(code == 0, err);
        Assert.Equal("earner_id,amount,currency\nA,5.00,CNY\nB,12.00,CNY\n", File.ReadAllText(Path.Combine(Dir, "payouts.csv")));

        (code, _, err) = Run(Args(Temp("orders-0.csv", header + "o1,C,gift,300.00,CNY,2026-03-01T10:00:00+08:00,0\n")));
        Assert.Equal(2, code);
        Assert.Contains("orders-0.csv:2:48: '0' is not a quantity", err, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedRowsInRefundsAndInactive_AreErrors_NamingBothLines()
    {
        var orders = Temp("orders.csv", OrdersHeader + "o1,C,box,100.00,CNY,2026-03-01T10:00:00+08:00\n");
        var refunds = Temp("refunds.csv", "refund_id,order_id,amount,refunded_at\nr1,o1,10.00,2026-03-05T10:00:00+08:00\nr1,o1,10.00,2026-03-05T10:00:00+08:00\n");
        var (code, _, err) = Run(Commissions(orders, "--refunds", refunds));
        Assert.Equal(2, code);
        Assert.Contains("refunds.csv:3:1: refund 'r1' appears again (first on line 2)", err, StringComparison.Ordinal);

        var inactive = Temp("inactive.csv", "member_id\nB\nA\nB\n");
        (code, _, err) = Run(Commissions(orders, "--inactive", inactive));
        Assert.Equal(2, code);
        Assert.Contains("inactive.csv:4:1: member 'B' appears again (first on line 2)", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BadOutputs_AreRefusedBeforeAnyWork_AndLeaveNothingBehind()
    {
        var orders = Temp("orders.csv", OrdersHeader + "o1,C,box,10.00,CNY,2026-03-01T10:00:00+08:00\n");
        var folder = Directory.CreateDirectory(Path.Combine(Dir, "a-folder")).FullName;
        var (code, _, err) = Run(["commissions", "--plan", Plan(), "--members", Members(), "--orders", orders, "--out", folder]);
        Assert.Equal((2, true), (code, err.Contains("--out names a folder", StringComparison.Ordinal)));
        (code, _, err) = Run(Commissions(orders, "--lines", Path.Combine(Dir, "missing", "lines.csv")));
        Assert.Equal((2, true), (code, err.Contains("does not exist", StringComparison.Ordinal)));
        Assert.False(File.Exists(Path.Combine(Dir, "payouts.csv")));
        Assert.Empty(Directory.GetFiles(Dir, "*.tmp-*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Dir, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public void NotUtf8_IsRefusedWithTheFileAndLine_NotReadAsReplacementCharacters()
    {
        var bytes = Encoding.UTF8.GetBytes("member_id,sponsor_id,joined_at\nA,,2026-01-01T00:00:00+08:00\n").Concat(new byte[] { 0xCD, 0xF5, 0x2C, 0x41, 0x2C }).Concat(Encoding.UTF8.GetBytes("2026-01-02T00:00:00+08:00\n")).ToArray();
        var members = Path.Combine(Dir, "gbk-members.csv");
        File.WriteAllBytes(members, bytes);
        var orders = Temp("orders.csv", OrdersHeader + "o1,A,box,10.00,CNY,2026-03-01T10:00:00+08:00\n");
        var (code, _, err) = Run(["commissions", "--plan", Plan(), "--members", members, "--orders", orders, "--out", Path.Combine(Dir, "payouts.csv")]);
        Assert.Equal(2, code);
        Assert.Contains("gbk-members.csv:", err, StringComparison.Ordinal);
        Assert.Contains("is not UTF-8 text", err, StringComparison.Ordinal);
    }

    [Fact]
    public void HoldingAndRefunds_GoThroughTheLedger_PendingAndAvailableAsOfTheGivenInstant()
    {
        var orders = Temp("orders.csv", OrdersHeader + "o1,C,box,100.00,CNY,2026-01-10T10:00:00+08:00\no2,C,box,200.00,CNY,2026-03-10T10:00:00+08:00\n");
        var refunds = Temp("refunds.csv", "refund_id,order_id,amount,refunded_at\nr1,o2,50.00,2026-03-12T10:00:00+08:00\n");
        var (code, _, err) = Run(Commissions(orders, "--refunds", refunds, "--holding", "P2M", "--as-of", "2026-04-01T00:00:00+08:00"));
        Assert.True(code == 0, err);

        // B: 10.00 on o1 (available since 2026-03-10) and 20.00 - 5.00 on o2 (pending until 2026-05-10); A: half of each.
        Assert.Equal("earner_id,amount,pending,available,currency\nA,12.50,7.50,5.00,CNY\nB,25.00,15.00,10.00,CNY\n", File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
    }

    /// <summary>
    /// The totals path sums the orders file in batches as it reads it: cut into batches of 1 to 9 rows, a file of
    /// random buyers, products (one not commissionable, by the plan) and amounts (1-fen ones, whose lines are zero)
    /// gives the payouts and the summary of the detailed path, which makes one batch of every order.
    /// </summary>
    [Property(MaxTest = 25)]
    public Property TotalsPath_InBatchesOfAnySize_GivesTheDetailedPathsPayouts() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            var plan = Temp("plan.json", """{ "name": "2-level", "currency": "CNY", "levels": { "rates": ["10%", "5%"], "requireActive": false }, "products": [{ "product": "card", "commissionable": false }] }""");
            string[] buyers = ["A", "B", "C"];
            string[] products = ["box", "card", "tea"];
            var orders = Temp("orders.csv", ManyOrders(random.Next(0, 60), k => $"o{k},{buyers[random.Next(3)]},{products[random.Next(3)]},{(random.Next(4) == 0 ? "0.01" : $"{random.Next(1, 900)}.{random.Next(100):00}")},CNY,2026-03-01T10:00:00+08:00\n"));
            string[] Args(params string[] more) => ["commissions", "--plan", plan, "--members", Members(), "--orders", orders, "--out", Path.Combine(Dir, "payouts.csv"), .. more];
            var detailed = Run(Args("--lines", Path.Combine(Dir, "lines.csv")));
            var expected = File.ReadAllText(Path.Combine(Dir, "payouts.csv"));
            CliApp.StreamChunkRowsForTests.Value = 1 + (seed % 9);
            try
            {
                var streamed = Run(Args());
                return (detailed.Code == 0 && streamed.Code == 0).Label(detailed.Err + streamed.Err)
                    .And((File.ReadAllText(Path.Combine(Dir, "payouts.csv")) == expected).Label("payouts"))
                    .And((streamed.Out == detailed.Out).Label($"summary: {streamed.Out} / {detailed.Out}"));
            }
            finally
            {
                CliApp.StreamChunkRowsForTests.Value = null;
            }
        });

    /// <summary>
    /// A file's instants read with one cache (the last date and offset remembered) are read as each alone: rows that
    /// repeat a date or an offset, change them, break them, or come back to an earlier one.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property IsoInstant_WithTheCacheOfTheRowsBefore_ReadsEachRowAsAlone() =>
        Prop.ForAll(Arb.From(Gen.ListOf(
            from date in Gen.Elements("2026-03-01", "2026-03-02", "2024-02-29", "2023-02-29", "1970-01-01", "9999-12-31", "0001-01-01", "2026-13-01", "2026-03-0x")
            from time in Gen.Elements("T00:00:00", "T23:59:59", "T12:30:45.5", "T24:00:00", "T08:00:00.123456789")
            from offset in Gen.Elements("+08:00", "+08:00", "Z", "-18:00", "+18:00", "+08", "+0800", "-05:30", "+19:00")
            select date + time + offset)), texts =>
        {
            var cache = default(IsoInstant.Cache);
            foreach (var text in texts)
            {
                Instant? alone = IsoInstant.TryParse(text, out var a) ? a : null;
                Instant? cached = IsoInstant.TryParse(text, ref cache, out var c) ? c : null;
                var noda = NodaTimeReads(text);
                if (alone != cached || alone != noda)
                {
                    return false.Label($"{text}: alone {alone}, with the cache {cached}, NodaTime {noda}");
                }
            }

            return true.ToProperty();
        });

    [Theory]
    [InlineData("9999-12-31T23:59:59-18:00")]
    [InlineData("9999-12-31T23:59:59.999999999Z")]
    [InlineData("0001-01-01T00:00:00+18:00")]
    [InlineData("1970-01-01T00:00:00Z")]
    public void IsoInstant_AtTheEdgesOfTheRange_AgreesWithNodaTime(string text)
        => Assert.Equal(NodaTimeReads(text), IsoInstant.TryParse(text, out var ours) ? ours : null);

    /// <summary>The instant NodaTime's extended ISO pattern reads from a text, or null when it refuses it or it is out of range.</summary>
    private static Instant? NodaTimeReads(string text)
    {
        var parsed = OffsetDateTimePattern.ExtendedIso.Parse(text);
        try
        {
            return parsed.Success ? parsed.Value.ToInstant() : null;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
    }

    [Property(MaxTest = 500)]
    public Property IsoInstant_AgreesWithNodaTime_OverEveryYear_AndOnTheLeapDays() =>
        Prop.ForAll(Arb.From(from day in Gen.Choose(0, 3_652_058)
                             from leap in Gen.Elements(0, 0, 1)
                             from year in Gen.Choose(1, 9999)
                             from seconds in Gen.Choose(0, 86_399)
                             from offset in Gen.Elements("Z", "+08:00", "-18:00", "+18:00", "-05:30")
                             select (day, leap, year, seconds, offset)), t =>
        {
            // Any date of years 1-9999, or 29 February of any year (refused where the year is not a leap year).
            var date = t.leap == 1 ? null : (LocalDate?)new LocalDate(1, 1, 1).PlusDays(t.day);
            var dateText = date is { } d ? LocalDatePattern.Iso.Format(d) : $"{t.year:D4}-02-29";
            var text = dateText + "T" + LocalTimePattern.ExtendedIso.Format(LocalTime.Midnight.PlusSeconds(t.seconds))[..8] + t.offset;
            var expected = OffsetDateTimePattern.ExtendedIso.Parse(text);
            Instant? noda = expected.Success ? expected.Value.ToInstant() : null;
            Instant? ours = IsoInstant.TryParse(text, out var parsed) ? parsed : null;
            return (ours == noda).Label($"{text}: ours {ours?.ToString() ?? "refused"}, NodaTime {noda?.ToString() ?? "refused"}");
        });

    [Property(MaxTest = 300)]
    public Property IsoInstant_AgreesWithNodaTimesExtendedIsoPattern() =>
        Prop.ForAll(Arb.From(from ticks in Gen.Choose(-2_000_000, 2_000_000)
                             from seconds in Gen.Choose(0, 86_399)
                             from fraction in Gen.Elements("", ".5", ".123", ".123456789", ".1234567891", ".")
                             from offset in Gen.Elements("Z", "+08:00", "-05:30", "+14:00", "+08", "-05", "-18:00", "+19:00", "+0800", "")
                             from mangle in Gen.Elements(0, 0, 0, 1, 2, 3)
                             select (ticks, seconds, fraction, offset, mangle)), t =>
        {
            var date = new LocalDate(2026, 1, 1).PlusDays(t.ticks / 300);
            var local = date.At(LocalTime.Midnight.PlusSeconds(t.seconds));
            var text = LocalDateTimePattern.ExtendedIso.Format(local)[..19] + t.fraction + t.offset;
            text = t.mangle switch
            {
                1 => text.Replace("-0", "-1", StringComparison.Ordinal),
                2 => text.Replace("T", " ", StringComparison.Ordinal),
                3 => text[..^1],
                _ => text,
            };
            var expected = OffsetDateTimePattern.ExtendedIso.Parse(text);
            Instant? noda = null;
            try
            {
                noda = expected.Success ? expected.Value.ToInstant() : null;
            }
            catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
            {
                noda = null;
            }

            Instant? ours = IsoInstant.TryParse(text, out var parsed) ? parsed : null;
            return (ours == noda).Label($"{text}: ours {ours?.ToString() ?? "refused"}, NodaTime {noda?.ToString() ?? "refused"}");
        });
}
