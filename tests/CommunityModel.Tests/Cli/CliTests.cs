using CommunityModel.Cli;

namespace CommunityModel.Tests.Cli;

public sealed class CliTests() : CliTestBase("community-cli-")
{
    private static string Config(string name) => RepoRoot.SampleConfig(name);

    private string[] Commissions(string? members = null, string? orders = null, string? plan = null, string? ranks = null) =>
    [
        "commissions", "--plan", plan ?? Config("plan-two-level.json"), "--members", members ?? Config("members.csv"), "--orders", orders ?? Config("orders.csv"),
        "--ranks", ranks ?? Config("ranks.csv"), "--refunds", Config("refunds.csv"), "--out", Path.Combine(Dir, "payouts.csv"), "--lines", Path.Combine(Dir, "lines.csv"),
    ];

    [Fact]
    public void Commissions_OnTheSampleFiles_HandComputed()
    {
        var (code, output, _) = Run(Commissions());
        Assert.Equal(0, code);
        // Chen earns 10% of Sun's 399.00 and gives back half after the half refund; Li and Wang earn on Zhao's and Zhang's orders;
        // Zhang (rank 1) is below the plan's minimum rank; the partner pack pays nothing.
        Assert.Equal("earner_id,amount,currency\nchen,19.95,CNY\nli,16.89,CNY\nwang,8.44,CNY\n", File.ReadAllText(Path.Combine(Dir, "payouts.csv")));
        var lines = File.ReadAllLines(Path.Combine(Dir, "lines.csv"));
        Assert.Equal("order_id,earner_id,rule,level,rate,amount,currency", lines[0]);
        Assert.Contains("2026-0302-002,wang,Level,2,5%,1.99,CNY", lines);
        Assert.Contains("sales CNY 4547.90, refunded CNY 199.50, paid to 3 earners CNY 45.28, company keeps CNY 4303.12", output, StringComparison.Ordinal);
        var (_, json, _) = Run([.. Commissions(), "--json"]);
        Assert.Contains("\"totalPaid\":\"CNY 45.28\"", json, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string, string> BadInputs() => new()
    {
        { "members", "member_id,sponsor,joined_at\nwang,,2026-01-05T10:00:00+08:00\n", ":1:1: missing column 'sponsor_id'", "members.csv" },
        { "members", "member_id,sponsor_id,joined_at\nwang,,2026-01-05T10:00:00+08:00\nli,ghost,2026-01-06T10:00:00+08:00\n", ":3:4: UnknownSponsor", "members.csv" },
        { "members", "member_id,sponsor_id,joined_at\na,b,2026-01-05T10:00:00+08:00\nb,a,2026-01-06T10:00:00+08:00\n", ":2:1: SponsorJoinedAfterMember", "members.csv" },
        { "members", "member_id,sponsor_id,joined_at\nwang,,yesterday\n", ":2:7: 'yesterday' is not an ISO 8601 instant", "members.csv" },
        { "orders", "order_id,buyer_id,product_id,amount,currency,paid_at\no1,sun,diapers,12.3.4,CNY,2026-03-02T10:00:00+08:00\n", ":2:16: '12.3.4' is not an amount", "orders.csv" },
        { "orders", "order_id,buyer_id,product_id,amount,currency,paid_at\no1,nobody,diapers,12.00,CNY,2026-03-02T10:00:00+08:00\n", ":2:4: unknown member 'nobody'", "orders.csv" },
        { "orders", "order_id,buyer_id,product_id,amount,currency,paid_at\no1,sun,diapers,12.00,USD,2026-03-02T10:00:00+08:00\n", ":2:22: 'USD' is not the plan's currency CNY", "orders.csv" },
        { "plan", "{\n  \"name\": \"x\",\n  \"currency\": \"CNY\",\n  \"levels\": { \"rates\": [\"ten\"] }\n}", ":4:", "plan.json" },
        { "ranks", "member_id,rank\nli,high\n", ":2:4: 'high' is not a rank", "ranks.csv" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInput_NamesFileLineAndColumn_Exits2_AndWritesNothing(string which, string content, string expected, string file)
    {
        var path = Temp(file, content);
        var args = which switch
        {
            "members" => Commissions(members: path),
            "orders" => Commissions(orders: path),
            "plan" => Commissions(plan: path),
            _ => Commissions(ranks: path),
        };
        var (code, _, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(file + expected, err, StringComparison.Ordinal);
        if (content.StartsWith("member_id,sponsor_id,joined_at\na,b", StringComparison.Ordinal))
        {
            Assert.Contains("sponsor cycle a -> b -> a", err, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(Dir, "payouts.csv")));
        Assert.False(File.Exists(Path.Combine(Dir, "lines.csv")));
    }

    [Fact]
    public void Usage_Errors_Exit2()
    {
        Assert.Equal(2, Run("nonsense").Code);
        Assert.Contains("--plan is required", Run("commissions", "--members", "m.csv").Err, StringComparison.Ordinal);
        Assert.Contains("'--colour'", Run("commissions", "--colour").Err, StringComparison.Ordinal);
        Assert.Contains(":0:0: file not found", Run(Commissions(members: Path.Combine(Dir, "missing.csv"))).Err, StringComparison.Ordinal);
        // A zone named is checked before any file is read, on either path.
        var badZone = Run([.. Commissions(), "--zone", "Mars/Base"]);
        Assert.Equal(2, badZone.Code);
        Assert.Contains("--zone 'Mars/Base' is not an IANA time zone", badZone.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "payouts.csv")));
        Assert.Equal(0, Run("--help").Code);
    }

    [Fact]
    public void PlanCheck_ExitsOneOnAnErrorFinding_AndZeroForACompliantPlan()
    {
        var bad = Run("plan", "check", Config("plan-differential.json"), "--holding", "P2M", "--refund-window", "P2M");
        Assert.Equal(1, bad.Code);
        Assert.Contains("[ERROR] depth.max-hops", bad.Out, StringComparison.Ordinal);
        Assert.Contains("UplineSafety: BROKEN", bad.Out, StringComparison.Ordinal);
        var good = Run("plan", "check", Config("plan-two-level.json"), "--holding", "P2M", "--refund-window", "P2M", "--json");
        Assert.Equal(0, good.Code);
        Assert.Contains("\"hasErrors\":false", good.Out, StringComparison.Ordinal);
        Assert.Equal(1, Run("plan", "check", Config("plan-two-level.json"), "--profile", "wechat").Code);
        Assert.Equal(2, Run("plan", "check", Config("plan-two-level.json"), "--profile", "mars").Code);
        Assert.Equal(2, Run("plan", "check", Config("plan-two-level.json"), "--holding", "two months").Code);
    }

    [SharedDataFact]
    public void ScoreBgNbd_OnTheCdnowSummary_ReproducesThePublishedFit()
    {
        var outPath = Path.Combine(Dir, "scores.csv");
        var (code, output, _) = Run("score", "bgnbd", "--summary", SharedData.PathOf("cdnow/cdnow_customers_summary.csv"), "--out", outPath);
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(0.243, doc.RootElement.GetProperty("r").GetDouble(), 3);
        Assert.Equal(4.414, doc.RootElement.GetProperty("alpha").GetDouble(), 3);
        Assert.Equal(0.793, doc.RootElement.GetProperty("a").GetDouble(), 3);
        Assert.Equal(2.426, doc.RootElement.GetProperty("b").GetDouble(), 3);
        Assert.Equal(2358, File.ReadAllLines(outPath).Length);
    }

    [Fact]
    public void Commissions_WhoseSumsPass64Bits_ExitTwoWithTheRule_AndWriteNothing()
    {
        var members = Path.Combine(Dir, "big-members.csv");
        var orders = Path.Combine(Dir, "big-orders.csv");
        File.WriteAllText(members, "member_id,sponsor_id,joined_at\nu,,2026-01-01T00:00:00+08:00\nx,u,2026-01-01T00:00:00+08:00\n");
        File.WriteAllText(orders, "order_id,buyer_id,product_id,amount,currency,paid_at\no1,x,box,92233720368547758.00,CNY,2026-02-01T00:00:00+08:00\no2,x,box,92233720368547758.00,CNY,2026-02-01T00:00:00+08:00\n");
        var outPath = Path.Combine(Dir, "big-payouts.csv");
        var (code, _, err) = Run("commissions", "--plan", Config("plan-two-level.json"), "--members", members, "--orders", orders, "--out", outPath);
        Assert.Equal(2, code);
        Assert.Contains("[money.overflow]", err, StringComparison.Ordinal);
        Assert.False(File.Exists(outPath));
    }

    private void AssertPlanCheckPasses(string path)
    {
        var (code, output, _) = Run("plan", "check", path, "--json");
        Assert.Equal(0, code);
        Assert.Contains("\"hasErrors\":false", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_IntoAChartsFolderThatCannotBeMade_ExitsTwo_BeforeAnyWork()
    {
        var (code, output, err) = Run("simulate", "--days", "5", "--charts", "/proc/no-such-folder");
        Assert.Equal(2, code);
        Assert.Contains("--charts: cannot make the folder", err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public void Json_KeepsChineseAsWritten_AndTheSameRunPrintsTheSameJson()
    {
        var (code, output, _) = Run("plan", "check", Config("plan-two-level.json"), "--json");
        Assert.Equal(0, code);
        Assert.Contains("\"plan\":\"二级分销 10% / 5%\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u4E8C", output, StringComparison.OrdinalIgnoreCase);

        string[] commissions = ["commissions", "--plan", Config("plan-two-level.json"), "--members", Config("members.csv"), "--orders", Config("orders.csv"), "--out", Path.Combine(Dir, "json-payouts.csv"), "--json"];
        var first = Run(commissions);
        var second = Run(commissions);
        Assert.Equal(0, first.Code);
        Assert.Equal(first.Out, second.Out);
        Assert.DoesNotContain("milliseconds", first.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanCheck_WithAOneMegabyteProductId_RunsLikeAnyOtherPlan()
    {
        // It took 16 s at 100 KB and over 300 s at 10 MB: every order of every searched case hashed the id whole.
        var plan = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Config("plan-two-level.json")))!;
        plan["products"]![0]!["product"] = new string('p', 1 << 20);
        var path = Path.Combine(Dir, "long-id-plan.json");
        File.WriteAllText(path, plan.ToJsonString());
        AssertPlanCheckPasses(path);
    }

    [Fact]
    public void PlanCheck_WithAHundredThousandProductRules_RunsLikeAnyOtherPlan()
    {
        // It took 32 s: every run of the law checks went over every product rule to bound its arithmetic.
        var plan = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Config("plan-two-level.json")))!;
        var products = new System.Text.Json.Nodes.JsonArray();
        for (var i = 0; i < 100_000; i++)
        {
            products.Add(new System.Text.Json.Nodes.JsonObject { ["product"] = $"p{i}", ["commissionable"] = i % 2 == 0 });
        }

        plan["products"] = products;
        var path = Path.Combine(Dir, "many-products-plan.json");
        File.WriteAllText(path, plan.ToJsonString());
        AssertPlanCheckPasses(path);
    }

    [Fact]
    public void ScorePareto_OnTheShippedCdnowSample_ReproducesThePublishedFit_FromTheFileAsItShips()
    {
        var sample = Path.Combine(RepoRoot.Path, "samples", "data", "cdnow", "CDNOW_sample.txt");
        var outPath = Path.Combine(Dir, "pareto.csv");
        var (code, output, _) = Run("score", "pareto", "--transactions", sample, "--format", "cdnow", "--calibration-end", "1997-09-30", "--horizon", "39", "--out", outPath);
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal("pareto/nbd", doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(0.553, doc.RootElement.GetProperty("r").GetDouble(), 3);
        Assert.Equal(10.578, doc.RootElement.GetProperty("alpha").GetDouble(), 2);
        Assert.Equal(0.606, doc.RootElement.GetProperty("s").GetDouble(), 3);
        Assert.Equal(11.669, doc.RootElement.GetProperty("beta").GetDouble(), 1);
        Assert.Equal(-9595.0, Math.Round(doc.RootElement.GetProperty("logLikelihood").GetDouble(), 1));
        var lines = File.ReadAllLines(outPath);
        Assert.Equal("ID,p_alive,expected_purchases_next_39", lines[0]);
        Assert.Equal(2358, lines.Length);
    }

    [Fact]
    public void ScoreHoldout_OnTheShippedCdnowSample_ComparesByCalibrationPurchases_AndDrawsTheCharts()
    {
        var sample = Path.Combine(RepoRoot.Path, "samples", "data", "cdnow", "CDNOW_sample.txt");
        var charts = Path.Combine(Dir, "holdout-charts");
        var outPath = Path.Combine(Dir, "holdout.csv");
        var (code, output, _) = Run("score", "holdout", "--transactions", sample, "--format", "cdnow", "--calibration-end", "1997-09-30", "--observation-end", "1998-06-30", "--charts", charts, "--out", outPath, "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(2357, root.GetProperty("customers").GetInt32());
        Assert.Equal(39, root.GetProperty("holdoutLength").GetDouble(), 6);

        // Counted independently from the file: purchase days of the cohort from 1997-10-01 to 1998-06-30.
        var days = File.ReadLines(sample).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (Id: f[0], Day: f[2])).Distinct()
            .Count(p => string.CompareOrdinal(p.Day, "19971001") >= 0 && string.CompareOrdinal(p.Day, "19980630") <= 0);
        Assert.Equal(days, root.GetProperty("actualHoldoutPurchases").GetInt32());
        var groups = root.GetProperty("groups");
        Assert.Equal(8, groups.GetArrayLength());
        Assert.Equal(2357, groups.EnumerateArray().Sum(g => g.GetProperty("customers").GetInt32()));
        Assert.Equal("7+", groups[7].GetProperty("calibrationPurchases").GetString());
        Assert.Equal(78, root.GetProperty("tracking").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(charts, "tracking.png")));
        Assert.True(File.Exists(Path.Combine(charts, "holdout-by-calibration-purchases.png")));
        Assert.Equal("calibration_purchases,customers,actual_mean,predicted_mean", File.ReadLines(outPath).First());
        Assert.Equal(2, Run("score", "holdout", "--transactions", sample, "--format", "cdnow", "--calibration-end", "1997-09-30", "--observation-end", "1997-09-01").Code);
        Assert.Equal(2, Run("score", "holdout", "--transactions", sample, "--format", "tsv", "--calibration-end", "1997-09-30", "--observation-end", "1998-06-30").Code);
        Assert.Equal(2, Run("score", "holdout", "--transactions", sample, "--format", "cdnow", "--calibration-end", "1997-09-30", "--observation-end", "1998-06-30", "--charts", "/proc/no-such-folder").Code);
    }

    [SharedDataFact]
    public void ScoreBgNbd_PredictsOverTheHorizonAsked_NotEachCustomersAge()
    {
        var summaryPath = SharedData.PathOf("cdnow/cdnow_customers_summary.csv");
        var outPath = Path.Combine(Dir, "scores-39.csv");
        var (code, output, _) = Run("score", "bgnbd", "--summary", summaryPath, "--horizon", "39", "--out", outPath);
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(39, doc.RootElement.GetProperty("horizon").GetDouble());
        var p = new CommunityModel.Scoring.BgNbdParameters(
            doc.RootElement.GetProperty("r").GetDouble(), doc.RootElement.GetProperty("alpha").GetDouble(), doc.RootElement.GetProperty("a").GetDouble(), doc.RootElement.GetProperty("b").GetDouble());
        var lines = File.ReadAllLines(outPath);
        Assert.Equal("ID,p_alive,expected_purchases_next_39", lines[0]);

        // Every row is the library's prediction over 39 weeks for that customer's own history.
        var summary = File.ReadAllLines(summaryPath).Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => f);
        foreach (var row in lines.Skip(1).Take(200).Select(l => l.Split(',')))
        {
            var f = summary[row[0]];
            var expected = CommunityModel.Scoring.BgNbd.ConditionalExpectedPurchases(p, 39, int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture), row[2]);
        }

        var defaultPath = Path.Combine(Dir, "scores-52.csv");
        Assert.Equal(0, Run("score", "bgnbd", "--summary", summaryPath, "--out", defaultPath).Code);
        Assert.Equal("ID,p_alive,expected_purchases_next_52", File.ReadLines(defaultPath).First());
        Assert.Equal(2, Run("score", "bgnbd", "--summary", summaryPath, "--horizon", "-1").Code);
        Assert.Equal(2, Run("score", "bgnbd", "--summary", summaryPath, "--horizon", "NaN").Code);
        Assert.Equal(2, Run("score", "bgnbd", "--summary", summaryPath, "--time-unit", "day").Code);
    }

    [SharedDataFact]
    public void ScoreClv_OnCdnow_IsBgNbdTimesGammaGamma_DiscountedAndAtTheMargin()
    {
        var lines = File.ReadAllLines(SharedData.PathOf("cdnow/cdnow_customers_summary_with_transactions.csv"));
        lines[0] = "ID,frequency,recency,T,monetary_value";
        var input = Temp("cdnow-clv.csv", string.Join('\n', lines) + "\n");
        var outPath = Path.Combine(Dir, "clv.csv");
        var (code, output, err) = Run("score", "clv", "--summary", input, "--horizon", "39", "--discount", "0.01", "--margin", "40%", "--out", outPath);
        Assert.True(code == 0, err);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(6.25, root.GetProperty("p").GetDouble(), 2);
        Assert.Equal(3.74, root.GetProperty("q").GetDouble(), 1);
        Assert.Equal(0.243, root.GetProperty("r").GetDouble(), 3);
        Assert.Equal(946, root.GetProperty("repeatBuyers").GetInt32());
        var bg = new CommunityModel.Scoring.BgNbdParameters(root.GetProperty("r").GetDouble(), root.GetProperty("alpha").GetDouble(), root.GetProperty("a").GetDouble(), root.GetProperty("b").GetDouble());
        var gg = new CommunityModel.Scoring.GammaGammaParameters(root.GetProperty("p").GetDouble(), root.GetProperty("q").GetDouble(), root.GetProperty("gamma").GetDouble());
        var rows = File.ReadAllLines(outPath);
        Assert.Equal("ID,expected_value_per_purchase,clv", rows[0]);
        Assert.Equal(lines.Length, rows.Length);
        foreach (var k in new[] { 1, 2, 10, 100 })
        {
            var f = lines[k].Split(',');
            var x = int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
            var (tx, age, m) = (double.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture), double.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture));
            var perPurchase = CommunityModel.Scoring.GammaGamma.ConditionalExpectedValue(gg, x, x > 0 ? m : 0);
            var clv = CommunityModel.Scoring.BgNbd.CustomerLifetimeValue(bg, x, tx, age, perPurchase, 39, 0.01) * 0.4;
            Assert.Equal($"{f[0]},{perPurchase.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)},{clv.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)}", rows[k]);
        }

        Assert.Equal(2, Run("score", "clv", "--summary", input, "--margin", "140%").Code);
        Assert.Equal(2, Run("score", "clv", "--summary", input, "--horizon", "0").Code);
    }

    [Fact]
    public void ScoreBgNbd_TimeUnit_IsWeekOrDay()
    {
        var tx = Temp("tx.csv", "customer_id,date\na,2026-01-01\na,2026-01-15\n");
        var (code, _, err) = Run("score", "bgnbd", "--transactions", tx, "--calibration-end", "2026-03-05", "--time-unit", "month");
        Assert.Equal(2, code);
        Assert.Contains("--time-unit 'month' is not week or day", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ScoreBgNbd_BadRows_NameTheirPlace()
    {
        var (code, _, err) = Run("score", "bgnbd", "--summary", Temp("summary.csv", "ID,frequency,recency,T\n1,2,30.4,38.9\n2,1.5,1,38.9\n"));
        Assert.Equal(2, code);
        Assert.Contains("summary.csv:3:3: '1.5' is not a whole number", err, StringComparison.Ordinal);
        Assert.Contains("s2.csv:2:5: recency 40 is after", Run("score", "bgnbd", "--summary", Temp("s2.csv", "ID,frequency,recency,T\n1,2,40,38.9\n")).Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_RunsTheStore_AndRejectsBadSettings()
    {
        var (code, output, _) = Run("simulate", "--customers", "300", "--days", "90", "--json");
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("orders").GetInt32() > 0);
        Assert.False(doc.RootElement.GetProperty("complianceErrors").GetBoolean());
        var bad = Run("simulate", "--days", "0");
        Assert.Equal(2, bad.Code);
        Assert.Contains("sim.days.range", bad.Err, StringComparison.Ordinal);
        Assert.Equal(2, Run("simulate", "--customers", "many").Code);
    }
}
