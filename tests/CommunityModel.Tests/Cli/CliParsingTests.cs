using System.Text.Json;
using System.Text.RegularExpressions;

namespace CommunityModel.Tests.Cli;

/// <summary>
/// The command line as System.CommandLine parses it: help anywhere, options in any order, <c>--out -</c>,
/// <c>--json</c> everywhere a command has a result, short usage errors, timings only when asked for.
/// </summary>
public sealed partial class CliParsingTests() : CliTestBase("community-parse-")
{
    private static string Config(string name) => RepoRoot.SampleConfig(name);

    private static string[] Payouts(params string[] more) =>
        ["commissions", "--plan", Config("plan-two-level.json"), "--members", Config("members.csv"), "--orders", Config("orders.csv"), "--ranks", Config("ranks.csv"), .. more];

    [Theory]
    [InlineData("commissions", "--plan <plan.json>")]
    [InlineData("plan check", "--refund-window <P2M>")]
    [InlineData("score holdout", "--observation-end <1998-06-30>")]
    [InlineData("close", "--timings")]
    [InlineData("tiers explain", "--member <ID>")]
    public void Help_AnywhereOnTheLine_DescribesEveryOptionOfTheCommand(string command, string expected)
    {
        // -h after other options, even invalid ones, still prints the command's help and exits 0.
        foreach (var help in new[] { "-h", "--help", "-?" })
        {
            var (code, output, err) = Run([.. command.Split(' '), "--json", help]);
            Assert.Equal((0, string.Empty), (code, err));
            Assert.Contains($"community {command}", output, StringComparison.Ordinal);
            Assert.Contains(expected, output, StringComparison.Ordinal);
            Assert.Contains("--encoding <utf-8|gb18030|gbk|utf-16>", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Options_MayStandBeforeTheFile()
    {
        // The wechat profile pays one level at most: a two-level plan fails it (exit 1), whichever order is used.
        Assert.Equal(1, Run("plan", "check", "--profile", "wechat", Config("plan-two-level.json")).Code);
        Assert.Equal(1, Run("plan", "check", Config("plan-two-level.json"), "--profile", "wechat").Code);
        Assert.Equal(0, Run("plan", "check", "--holding", "P2M", Config("plan-two-level.json"), "--refund-window", "P2M").Code);
    }

    [Fact]
    public void OutDash_WritesTheResultToStandardOutput_AndTheSummaryToStandardError()
    {
        var before = Directory.GetFiles(Environment.CurrentDirectory, "-");
        var (code, output, err) = Run(Payouts("--out", "-"));
        Assert.Equal(0, code);
        Assert.StartsWith("earner_id,amount,currency\n", output, StringComparison.Ordinal);
        Assert.Contains("chen,39.90,CNY", output, StringComparison.Ordinal);
        Assert.Contains("paid to 3 earners CNY 65.23", err, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(Environment.CurrentDirectory, "-"));

        // A command that writes a folder of files refuses it.
        var close = Run("close", "--book", Path.Combine(Dir, "store.db"), "--month", "2026-03", "--orders", Config("orders.csv"), "--out", "-");
        Assert.Equal(2, close.Code);
        Assert.Contains("--out names a folder, not standard output", close.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void AUsageError_IsOneLineAndTheCommandsUsage_NotEveryCommand()
    {
        var (code, output, err) = Run(Payouts("--colour", "red"));
        Assert.Equal((2, string.Empty), (code, output));
        var lines = err.TrimEnd().Split('\n');
        Assert.StartsWith("community: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("'--colour'", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("usage: community commissions --plan plan.json", lines[1], StringComparison.Ordinal);
        Assert.True(lines.Length <= 7, err);
        Assert.DoesNotContain("score holdout", err, StringComparison.Ordinal);

        var missing = Run("tiers", "explain", "--membership", Config("membership.json"));
        Assert.Equal(2, missing.Code);
        Assert.StartsWith("community: --member is required\nusage: community tiers explain --member ID", missing.Err, StringComparison.Ordinal);

        var group = Run("score");
        Assert.Equal(2, group.Code);
        Assert.Contains("commands: score bgnbd, score pareto, score holdout, score clv, score key-customers", group.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_OnCommandsThatHadNone_IsValidJsonWithTheResult()
    {
        var tiers = Run("tiers", "explain", "--json", "--member", "li", "--membership", Config("membership.json"), "--ladder", Config("ladder.json"),
            "--members", Config("members.csv"), "--orders", Config("orders.csv"), "--as-of", "2026-03-31");
        Assert.Equal(0, tiers.Code);
        var explained = JsonDocument.Parse(tiers.Out).RootElement;
        Assert.Equal(("li", "fan", "customer"), (explained.GetProperty("member").GetString(), explained.GetProperty("tier").GetString(), explained.GetProperty("nextTier").GetString()));
        Assert.Equal("place 1 more order(s) in total", explained.GetProperty("nextTierCriteria")[0].GetProperty("shortfall").GetString());

        var evaluate = Run("tiers", "evaluate", "--json", "--membership", Config("membership.json"), "--ladder", Config("ladder.json"),
            "--members", Config("members.csv"), "--orders", Config("orders.csv"), "--as-of", "2026-03-31", "--out", Path.Combine(Dir, "tiers.csv"));
        Assert.Equal(0, evaluate.Code);
        var counts = JsonDocument.Parse(evaluate.Out).RootElement;
        Assert.Equal(counts.GetProperty("evaluated").GetInt32(), counts.GetProperty("tiers").EnumerateArray().Sum(t => t.GetProperty("members").GetInt32()));
        Assert.Contains("\"name\":\"会员\"", evaluate.Out, StringComparison.Ordinal);

        // score bgnbd always printed JSON; --json is accepted now.
        var summary = Path.Combine(RepoRoot.Path, "samples", "data", "cdnow", "cdnow_summary.csv");
        var fit = Run("score", "bgnbd", "--json", "--summary", summary);
        Assert.Equal(0, fit.Code);
        Assert.True(JsonDocument.Parse(fit.Out).RootElement.GetProperty("r").GetDouble() > 0);
    }

    [Fact]
    public void Timings_OnlyWhenAskedFor()
    {
        var plain = Run(Payouts("--out", Path.Combine(Dir, "a.csv")));
        Assert.Equal(0, plain.Code);
        Assert.DoesNotMatch(Milliseconds(), plain.Out + plain.Err);
        var json = Run(Payouts("--out", Path.Combine(Dir, "b.csv"), "--json"));
        Assert.DoesNotContain("millisecond", json.Out, StringComparison.OrdinalIgnoreCase);
        var timed = Run(Payouts("--out", Path.Combine(Dir, "c.csv"), "--timings"));
        Assert.Matches(Milliseconds(), timed.Err);
        Assert.Equal(plain.Out, timed.Out);
        // Each step of the payout job, in order, on the totals path and on the ledger path.
        string[] totals = ["members parsed", "member ids interned", "referral tree checked and built", "plan (read beside the members)", "statuses and engine", "orders read and summed", "totals and payout list", "files written"];
        Assert.Equal(totals, Steps(timed.Err));
        var ledger = Run(Payouts("--out", Path.Combine(Dir, "d.csv"), "--holding", "P1M", "--timings"));
        Assert.Equal(0, ledger.Code);
        Assert.Equal(
            ["members parsed", "member ids interned", "referral tree checked and built", "plan (read beside the members)", "statuses and engine", "orders read into one batch", "detailed run", "ledger recorded", "balances and payout list", "files written"],
            Steps(ledger.Err));
        static string[] Steps(string err) => [.. err.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l[2..l.IndexOf("  ", 2, StringComparison.Ordinal)].Trim())];
    }

    [Fact]
    public void EveryCrashTheReviewFound_IsNowOneLineAndExitTwo_WithNothingWritten()
    {
        var orders = "order_id,buyer_id,product_id,amount,currency,paid_at\n";
        var hugePlan = Temp("huge.json", File.ReadAllText(Config("plan-two-level.json")).Replace("\"10%\"", "\"79228162514264337593543950335%\"", StringComparison.Ordinal));
        var folder = Directory.CreateDirectory(Path.Combine(Dir, "a-folder")).FullName;
        string[] Pay(string ordersFile, string plan, params string[] more) =>
            ["commissions", "--plan", plan, "--members", Config("members.csv"), "--orders", ordersFile, .. more];
        var cases = new (string[] Args, string Message)[]
        {
            (Pay(Config("orders.csv"), Config("plan-two-level.json"), "--out", Path.Combine(Dir, "p1.csv"), "--lines", Path.Combine(Dir, "missing", "lines.csv")), "--lines: the folder"),
            (["simulate", "--charts", "/proc/nope"], "--charts"),
            (Pay(Config("orders.csv"), Config("plan-two-level.json"), "--out", folder), "--out names a folder"),
            (Pay(Temp("big.csv", orders + "o1,li,box,92233720368547758.07,CNY,2026-03-01T10:00:00+08:00\no2,li,box,1.00,CNY,2026-03-01T10:00:00+08:00\n"), Config("plan-two-level.json"), "--out", Path.Combine(Dir, "p2.csv")), "[money.overflow]"),
            (Pay(Temp("late.csv", orders + "o1,li,box,1.00,CNY,9999-12-31T23:59:59-08:00\n"), Config("plan-two-level.json"), "--out", Path.Combine(Dir, "p3.csv")), "late.csv:2:20:"),
            (Pay(Config("orders.csv"), hugePlan, "--out", Path.Combine(Dir, "p4.csv")), "$.levels.rates[0]: '79228162514264337593543950335%': A rate must be between 0% and 10000%. [json.value]"),
            (["score", "bgnbd", "--summary", Temp("s1.csv", "ID,frequency,recency,T\na,0,1.5,38.86\n"), "--out", Path.Combine(Dir, "s1-out.csv")], "[scoring.summary.recency]"),
            (["score", "bgnbd", "--summary", Temp("s2.csv", "ID,frequency,recency,T\na,10000000000,1.5,38.86\n"), "--out", Path.Combine(Dir, "s2-out.csv")], "s2.csv:2:3: '10000000000' is not a whole number of repeat purchases"),
        };
        foreach (var (args, message) in cases)
        {
            var before = Directory.GetFileSystemEntries(Dir).Order().ToArray();
            var (code, output, err) = Run(args);
            Assert.True(code == 2, string.Join(' ', args) + " -> " + err);
            Assert.Equal(string.Empty, output);
            Assert.Single(err.TrimEnd('\n').Split('\n'));
            Assert.StartsWith("community: ", err, StringComparison.Ordinal);
            Assert.Contains(message, err, StringComparison.Ordinal);
            Assert.Equal(before, Directory.GetFileSystemEntries(Dir).Order().ToArray());
            Assert.Empty(Directory.GetFileSystemEntries(folder));
        }
    }

    [GeneratedRegex(@"\d+ ms\b")]
    private static partial Regex Milliseconds();
}
