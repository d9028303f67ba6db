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
    }

    [GeneratedRegex(@"\d+ ms\b")]
    private static partial Regex Milliseconds();
}
