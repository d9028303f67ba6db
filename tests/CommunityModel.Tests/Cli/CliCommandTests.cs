using System.Globalization;
using System.Text.Json;
using CommunityModel.Cli;
using CommunityModel.Serialization.Json;
using CommunityModel.Simulation;

namespace CommunityModel.Tests.Cli;

/// <summary>The commands <c>groups replay</c>, <c>score key-customers</c> and <c>simulate --config</c> on the sample files, and their bad inputs.</summary>
public sealed class CliCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("community-cli-").FullName;

    private static string Config(string name) => RepoRoot.SampleConfig(name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr, interactive: true);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string Temp(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private string OutPath(string name) => Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Commissions_ThatPayNobody_SayWhy()
    {
        // plan-two-level pays rank 3 and up: without --ranks every member is rank 0.
        string[] common = ["commissions", "--plan", Config("plan-two-level.json"), "--members", Config("members.csv"), "--orders", Config("orders.csv")];
        var (code, output, _) = Run([.. common, "--out", OutPath("a.csv")]);
        Assert.Equal(0, code);
        Assert.Contains("Nobody was paid: the plan pays rank 3 and up and no --ranks file was given: every member is rank 0.", output, StringComparison.Ordinal);

        var lowRanks = Temp("ranks.csv", "member_id,rank\nwang,2\nli,1\n");
        (code, output, _) = Run([.. common, "--ranks", lowRanks, "--out", OutPath("b.csv"), "--json"]);
        Assert.Equal(0, code);
        Assert.Equal($"the plan pays rank 3 and up and the highest rank in {lowRanks} is 2", JsonDocument.Parse(output).RootElement.GetProperty("hint").GetString());

        // With the sample's ranks somebody is paid, and no hint is given.
        (code, output, _) = Run([.. common, "--ranks", Config("ranks.csv"), "--out", OutPath("c.csv"), "--json"]);
        Assert.Equal(0, code);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(output).RootElement.GetProperty("hint").ValueKind);
    }

    [Fact]
    public void GroupsReplay_OfAFileOfManyGroups_DecidesAsEachGroupReplayedAlone()
    {
        // events-groups.jsonl interleaves two groups' weeks; every event names its group. The fleet replay (every core)
        // must decide for each group exactly what a replay of that group's events alone decides.
        var fleetCsv = OutPath("fleet.csv");
        var (code, output, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events-groups.jsonl"), "--out", fleetCsv);
        Assert.True(code == 0, err);
        Assert.Contains("44 events in 2 groups, 0 rejected; decisions: admit 12, reject 10, warn 4, remove 2, allow-red-packet 2.", output, StringComparison.Ordinal);
        var fleetRows = File.ReadAllLines(fleetCsv);
        Assert.Equal("event_line,group,at,decision,member,rule,policy_version,evidence,until", fleetRows[0]);

        var byGroup = new Dictionary<string, List<string>>();
        foreach (var line in File.ReadLines(Config("events-groups.jsonl")).Where(l => l.StartsWith('{')))
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            var group = node["group"]!.GetValue<string>();
            node.Remove("group");
            (byGroup.TryGetValue(group, out var list) ? list : byGroup[group] = []).Add(node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        }

        Assert.Equal(2, byGroup.Count);
        foreach (var (group, lines) in byGroup)
        {
            var alone = OutPath($"alone-{lines.Count}-{group.Length}.csv");
            (code, _, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Temp($"g{group.Length}.jsonl", string.Join('\n', lines) + "\n"), "--out", alone);
            Assert.True(code == 0, err);
            static string WithoutLine(string row) => row[(row.IndexOf(',', StringComparison.Ordinal) + 1)..];
            var expected = File.ReadAllLines(alone).Skip(1).Select(WithoutLine).ToList();
            var prefix = (group.Contains(',', StringComparison.Ordinal) ? $"\"{group}\"" : group) + ",";
            var actual = fleetRows.Skip(1).Select(WithoutLine).Where(r => r.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r[prefix.Length..]).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, actual);
        }

        // Some events naming a group and others not: an error at the line, nothing written.
        var mixed = Temp("mixed.jsonl", "{\"type\":\"memberAdded\",\"at\":\"2026-03-02T01:00:00Z\",\"group\":\"g\",\"member\":\"a\"}\n{\"type\":\"checkIn\",\"at\":\"2026-03-02T02:00:00Z\",\"member\":\"a\"}\n");
        (code, _, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", mixed, "--out", OutPath("never.csv"));
        Assert.Equal(2, code);
        Assert.Contains("mixed.jsonl:2:", err, StringComparison.Ordinal);
        Assert.Contains("[json.group]", err, StringComparison.Ordinal);
        Assert.False(File.Exists(OutPath("never.csv")));
    }

    [Fact]
    public void GroupsReplay_OfAFileOfManyGroups_GivesTheSameInSmallBatches_AndItsDryRunIsEachGroupsAlone()
    {
        // The many-group file is streamed in batches, the groups' states carrying over: batches of 7 events (the file
        // has 44) must give what one batch gives, line for line, also for --json and --dry-run.
        string[] Replay(params string[] extra)
        {
            var csv = OutPath($"batch-{Guid.NewGuid():N}.csv");
            var (code, output, err) = Run(["groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events-groups.jsonl"), "--out", csv, .. extra]);
            Assert.True(code == 0, err);
            return [output, File.ReadAllText(csv)];
        }

        var whole = Replay("--dry-run", Config("group-policy-strict.json"));
        var wholeJson = Replay("--dry-run", Config("group-policy-strict.json"), "--json");
        string[] small, smallJson;
        CliApp.FleetBatchForTests.Value = 7;
        try
        {
            small = Replay("--dry-run", Config("group-policy-strict.json"));
            smallJson = Replay("--dry-run", Config("group-policy-strict.json"), "--json");
        }
        finally
        {
            CliApp.FleetBatchForTests.Value = null;
        }

        Assert.Equal(whole, small);
        Assert.Equal(wholeJson, smallJson);

        // The dry run's differences are those of each group's own events tried alone under the candidate.
        var fleetCount = int.Parse(System.Text.RegularExpressions.Regex.Match(whole[0], @"dry run under '[^']+': (\d+) event").Groups[1].Value, CultureInfo.InvariantCulture);
        var aloneCount = 0;
        foreach (var group in File.ReadLines(Config("events-groups.jsonl")).Where(l => l.StartsWith('{')).GroupBy(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["group"]!.GetValue<string>()))
        {
            var lines = group.Select(l =>
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject();
                node.Remove("group");
                return node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            });
            var (code, output, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Temp($"dry-{group.Key.Length}.jsonl", string.Join('\n', lines) + "\n"), "--dry-run", Config("group-policy-strict.json"));
            Assert.True(code == 0, err);
            aloneCount += int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"dry run under '[^']+': (\d+) event").Groups[1].Value, CultureInfo.InvariantCulture);
        }

        Assert.True(fleetCount > 0, whole[0]);
        Assert.Equal(aloneCount, fleetCount);
    }

    [Fact]
    public void GroupsReplay_StreamsTheFile_AndReportsEveryBadLineFirst()
    {
        // Without --json or --dry-run the file is read line by line, twice: bad lines are all reported before
        // anything is replayed or written.
        var bad = Temp("bad-events.jsonl", "{\"type\":\"memberAdded\",\"at\":\"2026-03-02T01:00:00Z\",\"member\":\"a\"}\n{\"type\":\"dance\",\"at\":\"2026-03-02T01:00:00Z\"}\n\n{\"type\":\"tick\"}\n");
        var (code, output, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", bad, "--out", OutPath("never.csv"));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("bad-events.jsonl:2:", err, StringComparison.Ordinal);
        Assert.Contains("line 4", err, StringComparison.Ordinal); // the second problem, listed with the first
        Assert.False(File.Exists(OutPath("never.csv")));

        // The streamed replay gives what the whole-file replay (--json) gives.
        (code, output, _) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events.jsonl"), "--out", OutPath("streamed.csv"));
        Assert.Equal(0, code);
        var (jsonCode, json, _) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events.jsonl"), "--json");
        Assert.Equal(0, jsonCode);
        var document = JsonDocument.Parse(json).RootElement;
        Assert.Contains($"{document.GetProperty("events").GetInt32()} events, {document.GetProperty("rejected").GetArrayLength()} rejected", output, StringComparison.Ordinal);
        var decisions = document.GetProperty("steps").EnumerateArray().Sum(step => step.GetProperty("decisions").GetArrayLength());
        Assert.Equal(decisions + 1, File.ReadAllLines(OutPath("streamed.csv")).Length);
    }

    [Fact]
    public void GroupsReplay_TheStoreGroupsWeek()
    {
        var (code, output, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events.jsonl"), "--out", OutPath("decisions.csv"));
        Assert.Equal(0, code);
        Assert.Equal("", err); // interactive, but under a second: no progress bar
        // Seed 004's week: the stranger is screened out, the ad poster is warned then removed, the sixth message in a minute is a flood,
        // the host's red packet is allowed in the evening window and a member's is not.
        Assert.Contains("line 8: reject stranger-x by customers-only [store-group-v1]", output, StringComparison.Ordinal);
        Assert.Contains("line 12: warn dad-sun by content.ad [store-group-v1]", output, StringComparison.Ordinal);
        Assert.Contains("line 13: remove dad-sun by content.ad [store-group-v1]", output, StringComparison.Ordinal);
        Assert.Contains("line 19: warn mum-li by flood.window [store-group-v1]: 6 messages within 60 s (at most 5)", output, StringComparison.Ordinal);
        Assert.Contains("line 21: allow-red-packet host-lin", output, StringComparison.Ordinal);
        Assert.Contains("line 22: reject mum-chen by redpacket.sender", output, StringComparison.Ordinal);
        Assert.Contains("22 events, 0 rejected; decisions: admit 6, reject 5, warn 2, remove 1, allow-red-packet 1.", output, StringComparison.Ordinal);

        var csv = File.ReadAllLines(OutPath("decisions.csv"));
        Assert.Equal("event_line,at,decision,member,rule,policy_version,evidence,until", csv[0]);
        Assert.Equal(1 + 15, csv.Length);
        Assert.StartsWith("13,2026-03-03T05:00:00Z,remove,dad-sun,content.ad,store-group-v1,", csv[11], StringComparison.Ordinal);
    }

    [Fact]
    public void GroupsReplay_DryRun_ShowsWhatTheStricterPolicyWouldChange()
    {
        var (code, output, _) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events.jsonl"), "--dry-run", Config("group-policy-strict.json"));
        Assert.Equal(0, code);
        Assert.Contains("dry run under 'store-group-v2': 4 event(s) would be decided differently.", output, StringComparison.Ordinal);

        var (_, json, _) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", Config("events.jsonl"), "--dry-run", Config("group-policy-strict.json"), "--json");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(22, root.GetProperty("events").GetInt32());
        var differences = root.GetProperty("dryRun").GetProperty("differences").EnumerateArray().ToList();
        // The first ad removes at once; the second ad is then from a non-member; the 4th and 5th flood messages are now floods.
        Assert.Equal([12, 13, 17, 18], differences.Select(d => d.GetProperty("line").GetInt32()));
        Assert.Equal("remove", differences[0].GetProperty("after")[1].GetProperty("decision").GetString());
        Assert.Contains("not a member", differences[1].GetProperty("afterError").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GroupsReplay_EventsTheEngineRejects_AreNamedByLine_AndTheReplayGoesOn()
    {
        var events = Temp("events.jsonl", """
            {"type":"memberAdded","at":"2026-03-02T01:00:00Z","member":"host-lin","role":"host"}
            {"type":"message","at":"2026-03-02T02:00:00Z","member":"nobody","text":"hi"}
            {"type":"message","at":"2026-03-01T02:00:00Z","member":"host-lin","text":"yesterday"}
            {"type":"message","at":"2026-03-02T03:00:00Z","member":"host-lin","text":"welcome"}
            """);
        var (code, output, _) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", events);
        Assert.Equal(0, code);
        Assert.Contains("line 2: rejected event:", output, StringComparison.Ordinal);
        Assert.Contains("nobody", output, StringComparison.Ordinal);
        Assert.Contains("line 3: rejected event:", output, StringComparison.Ordinal);
        Assert.Contains("4 events, 2 rejected", output, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupsReplay_BadFiles_ExitTwo_NamingFileLineAndColumn_AndWriteNothing()
    {
        var badEvents = Temp("bad.jsonl", "{\"type\":\"tick\",\"at\":\"2026-03-02T01:00:00Z\"}\n// a comment\n{\"type\":\"redPacket\",\"at\":\"2026-03-02T01:00:00Z\",\"member\":\"a\",\"amount\":\"lots\",\"count\":1}\n");
        var (code, _, err) = Run("groups", "replay", "--policy", Config("group-policy.json"), "--events", badEvents, "--out", OutPath("decisions.csv"));
        Assert.Equal(2, code);
        Assert.Contains("bad.jsonl:3:", err, StringComparison.Ordinal);
        Assert.Contains("$.amount", err, StringComparison.Ordinal);
        Assert.False(File.Exists(OutPath("decisions.csv")));

        var badPolicy = Temp("policy.json", """{ "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z", "admission": { "capacity": 0 }, "flood": { "maxMessages": 0 } }""");
        (code, _, err) = Run("groups", "replay", "--policy", badPolicy, "--events", Config("events.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("$.admission.capacity", err, StringComparison.Ordinal);
        Assert.Contains("group.flood.range", err, StringComparison.Ordinal); // every problem is reported

        var syntax = Temp("syntax.json", "{ \"version\": \"v1\",\n  \"effectiveFrom\": }");
        (code, _, err) = Run("groups", "replay", "--policy", syntax, "--events", Config("events.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("syntax.json:2:", err, StringComparison.Ordinal);

        (code, _, err) = Run("groups", "replay", "--policy", OutPath("missing.json"), "--events", Config("events.jsonl"));
        Assert.Equal(2, code);
        Assert.Contains("file not found", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ScoreKeyCustomers_RanksTheSampleStore()
    {
        string[] args = ["score", "key-customers", "--members", Config("members.csv"), "--orders", Config("orders.csv"), "--interactions", Config("interactions.csv"), "--top", "3"];
        var (code, output, _) = Run([.. args, "--out", OutPath("scores.csv")]);
        Assert.Equal(0, code);
        Assert.Contains("6 customers scored as of 2026-03-04; the top 3:", output, StringComparison.Ordinal);
        // Li shared twice, replied once and referred two buyers: a helpful spreader.
        Assert.Contains("helpful spreader: 2 share(s) and 1 repl(ies), 2 referred buyer(s)", output, StringComparison.Ordinal);
        var scores = File.ReadAllLines(OutPath("scores.csv"));
        Assert.Equal("customer_id,score,repurchase,influence,spreading,rfm,rfm_cell,archetypes", scores[0]);
        Assert.Equal(7, scores.Length);

        var (_, json, _) = Run([.. args, "--json"]);
        using var doc = JsonDocument.Parse(json);
        var top = doc.RootElement.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(3, top.Count);
        Assert.Equal(["chen", "zhang", "li"], top.Select(t => t.GetProperty("customer").GetString()));
        Assert.Equal("HelpfulSpreader", top[2].GetProperty("archetypes").GetString());
        var scoresInOrder = top.Select(t => t.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scoresInOrder.OrderDescending(), scoresInOrder);

        // As of an earlier day, later facts do not count.
        var (_, early, _) = Run([.. args, "--as-of", "2026-02-28"]);
        Assert.Contains("scored as of 2026-02-28", early, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("customer_id,date,kind\nli,2026-02-21,shared-post\nli,2026-02-22,danced\n", "interactions.csv:3:", "'danced' is not an interaction kind")]
    [InlineData("customer_id,date,kind\nghost,2026-02-21,shared-post\n", "interactions.csv:2:1:", "unknown member 'ghost'")]
    [InlineData("customer_id,date,kind\nli,21/02/2026,shared-post\n", "interactions.csv:2:4:", "is not a date")]
    [InlineData("customer_id,kind\nli,shared-post\n", "interactions.csv:1:1:", "missing column 'date'")]
    public void ScoreKeyCustomers_BadInteractions_ExitTwo(string content, string where, string message)
    {
        var interactions = Temp("interactions.csv", content);
        var (code, _, err) = Run("score", "key-customers", "--members", Config("members.csv"), "--orders", Config("orders.csv"), "--interactions", interactions, "--out", OutPath("scores.csv"));
        Assert.Equal(2, code);
        Assert.Contains(where, err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.False(File.Exists(OutPath("scores.csv")));
    }

    [Fact]
    public void ScoreBgNbd_FromTransactions_IsTheFitOfTheirWeeklySummaries()
    {
        // a: three purchase days (the 15th twice counts once): frequency 2, recency 42 days = 6 weeks, age 63 days = 9 weeks.
        // b: one purchase a week before the end: 0, 0, 1. d: 0, 0, 4. e: 1, 2, 5. c bought after the end and is left out.
        var tx = Temp("tx.csv", "customer_id,date\na,2026-01-01\na,20260115\na,2026-01-15\na,2026-02-12\nb,2026-02-26\nc,2026-03-06\nd,2026-02-05\ne,2026-01-29\ne,2026-02-12\n");
        var summary = Temp("summary.csv", "ID,frequency,recency,T\na,2,6,9\nb,0,0,1\nd,0,0,4\ne,1,2,5\n");
        // Four customers cannot identify the model: both paths refuse with the same sentence (the same runaway
        // parameters, so the same summaries), write no file and exit 2 instead of printing meaningless numbers.
        var (code, _, fromTx) = Run("score", "bgnbd", "--transactions", tx, "--calibration-end", "2026-03-05", "--out", OutPath("tx-scores.csv"));
        Assert.Equal(2, code);
        var (summaryCode, _, fromSummary) = Run("score", "bgnbd", "--summary", summary, "--out", OutPath("summary-scores.csv"));
        Assert.Equal(2, summaryCode);
        Assert.Contains("the model cannot be fitted on these customers: The parameter alpha ran to the edge of the search", fromTx, StringComparison.Ordinal);
        Assert.Equal(fromSummary.Replace(summary, "F", StringComparison.Ordinal), fromTx.Replace(tx, "F", StringComparison.Ordinal));
        Assert.False(File.Exists(OutPath("tx-scores.csv")));
        Assert.Single(fromTx.Trim().Split('\n'));

        var bad = Temp("bad.csv", "customer_id,date\na,2026-01-01\na,yesterday\n");
        (code, _, var err) = Run("score", "bgnbd", "--transactions", bad, "--calibration-end", "2026-03-05");
        Assert.Equal(2, code);
        Assert.Contains("bad.csv:3:3:", err, StringComparison.Ordinal);
        (code, _, err) = Run("score", "bgnbd", "--transactions", tx);
        Assert.Equal(2, code);
        Assert.Contains("--calibration-end is required", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_FromAConfigFile_IsTheLibrarysRun_AndDrawsCharts()
    {
        var charts = Path.Combine(_dir, "charts");
        var (code, json, _) = Run("simulate", "--config", Config("sim.json"), "--charts", charts, "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(json);
        var settings = ConfigJson.ReadSimulationSettings(File.ReadAllText(Config("sim.json"))).Value!;
        var result = CommunitySimulator.Run(settings);
        Assert.Equal(300, doc.RootElement.GetProperty("customers").GetInt32());
        Assert.Equal(result.Flows.GrossSales.ToString(), doc.RootElement.GetProperty("grossSales").GetString());
        Assert.Equal(result.Orders.Count, doc.RootElement.GetProperty("orders").GetInt32());
        Assert.True(new FileInfo(Path.Combine(charts, "funnel.png")).Length > 1_000);
        Assert.True(new FileInfo(Path.Combine(charts, "revenue-sources.png")).Length > 1_000);

        // Options on the command line override the file.
        var (_, shorter, _) = Run("simulate", "--config", Config("sim.json"), "--days", "30", "--json");
        using var shorterDoc = JsonDocument.Parse(shorter);
        Assert.Equal(CommunitySimulator.Run(settings with { Days = 30 }).Orders.Count, shorterDoc.RootElement.GetProperty("orders").GetInt32());
    }

    [Fact]
    public void Simulate_ABadConfig_ExitsTwo_WithEveryProblem()
    {
        var config = Temp("sim.json", """{ "days": 0, "refundProbability": 1.5, "compliance": "two-level" }""");
        var (code, _, err) = Run("simulate", "--config", config);
        Assert.Equal(2, code);
        Assert.Contains("$.days", err, StringComparison.Ordinal);
        Assert.Contains("sim.days.range", err, StringComparison.Ordinal);
        Assert.Contains("sim.probability.range", err, StringComparison.Ordinal);

        var unknown = Temp("sim2.json", "{ \"days\": 30,\n  \"customers\": 10 }");
        (code, _, err) = Run("simulate", "--config", unknown);
        Assert.Equal(2, code);
        Assert.Contains("sim2.json:2:", err, StringComparison.Ordinal);
        Assert.Contains("json.unknown-property", err, StringComparison.Ordinal);
    }
}

public sealed class ProgressBarTests
{
    [Fact]
    public void DrawsOnlyAfterASecond_AtMostEveryTenthOfASecond_AndClearsItsLine()
    {
        long now = 0;
        var err = new StringWriter();
        using (var bar = new ProgressBar(err, enabled: true, "work", 10, () => now))
        {
            now = 900;
            bar.Report(3);
            Assert.Equal("", err.ToString()); // under a second: nothing
            now = 1_000;
            bar.Report(5);
            Assert.Equal("\rwork [###############---------------]  50% ", err.ToString());
            now = 1_050;
            bar.Report(6);
            Assert.DoesNotContain("60%", err.ToString(), StringComparison.Ordinal); // too soon after the last draw
            now = 1_200;
            bar.Report(10);
            Assert.EndsWith("[##############################] 100% ", err.ToString(), StringComparison.Ordinal);
        }

        Assert.EndsWith("\r" + new string(' ', 4 + 30 + 10) + "\r", err.ToString(), StringComparison.Ordinal);

        var quiet = new StringWriter();
        using (var off = new ProgressBar(quiet, enabled: false, "work", 10, () => 5_000))
        {
            off.Report(5);
        }

        Assert.Equal("", quiet.ToString()); // not a terminal: never drawn
    }
}
