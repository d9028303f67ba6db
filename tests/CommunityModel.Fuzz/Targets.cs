using CommunityModel.Cli;
using CommunityModel.Commissions;
using CommunityModel.Groups;
using CommunityModel.Serialization.Json;

namespace CommunityModel.Fuzz;

/// <summary>
/// One fuzz target per reader. A target gets the input's bytes and must end normally: the readers turn every bad
/// input into problems (JSON) or a located error and exit code 2 (the CLI's CSV files). Any exception that escapes
/// is a finding.
/// </summary>
public static class Targets
{
    /// <summary>The targets by name, with the sample files that seed each one's corpus.</summary>
    public static readonly IReadOnlyDictionary<string, (Action<byte[]> Run, string[] Seeds)> All = new Dictionary<string, (Action<byte[]>, string[])>
    {
        ["json-plan"] = (JsonPlan, ["plan-two-level.json", "plan-differential.json"]),
        ["json-config"] = (JsonConfig, ["ladder.json", "membership.json", "group-policy.json", "group-policy-strict.json", "sim.json"]),
        ["events"] = (Events, ["events.jsonl"]),
        ["csv-members"] = (bytes => Cli(bytes, "members"), ["members.csv"]),
        ["csv-orders"] = (bytes => Cli(bytes, "orders"), ["orders.csv"]),
        ["csv-ranks"] = (bytes => Cli(bytes, "ranks"), ["ranks.csv"]),
        ["csv-refunds"] = (bytes => Cli(bytes, "refunds"), ["refunds.csv"]),
        ["csv-interactions"] = (bytes => Cli(bytes, "interactions"), ["interactions.csv"]),
    };

    /// <summary>The folder of the sample files (samples/config), found from the working folder or the program's.</summary>
    public static string SamplesConfig()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples", "config");
                if (File.Exists(Path.Combine(dir.FullName, "CommunityModel.sln")) && Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return Environment.GetEnvironmentVariable("COMMUNITYMODEL_SAMPLES_CONFIG") ?? throw new DirectoryNotFoundException("samples/config not found; set COMMUNITYMODEL_SAMPLES_CONFIG.");
    }

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);

    private static void JsonPlan(byte[] bytes)
    {
        var result = ConfigJson.ReadPlan(Text(bytes));
        if (result.IsValid)
        {
            // A valid definition makes a plan, and the plan saves and reads back the same.
            var plan = CommissionPlan.Create(result.Value!);
            var again = ConfigJson.ReadPlan(ConfigJson.Write(plan.Definition));
            if (!again.IsValid)
            {
                throw new InvalidOperationException("A valid plan did not read back: " + string.Join("; ", again.Problems));
            }
        }
    }

    private static void JsonConfig(byte[] bytes)
    {
        var text = Text(bytes);
        _ = ConfigJson.ReadLadder(text);
        _ = ConfigJson.ReadMembershipPolicy(text);
        _ = ConfigJson.ReadGroupPolicy(text);
        _ = ConfigJson.ReadSimulationSettings(text);
    }

    private static readonly Lazy<GroupPolicy> SamplePolicy = new(() => ConfigJson.ReadGroupPolicy(File.ReadAllText(Path.Combine(SamplesConfig(), "group-policy.json"))).Value!);

    private static void Events(byte[] bytes)
    {
        var events = ConfigJson.ReadGroupEvents(Text(bytes));
        if (events.IsValid)
        {
            _ = GroupReplay.Replay(SamplePolicy.Value, events.Value!);
        }
    }

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), $"communitymodel-fuzz-{Environment.ProcessId}");

    /// <summary>The input as one of the commissions command's files, the others the samples', through the whole CLI.</summary>
    private static void Cli(byte[] bytes, string which)
    {
        Directory.CreateDirectory(Folder);
        var config = SamplesConfig();
        var input = Path.Combine(Folder, which + ".csv");
        File.WriteAllBytes(input, bytes);
        string File_(string name) => name == which ? input : Path.Combine(config, name + ".csv");
        string[] args = which == "interactions"
            ? ["score", "key-customers", "--members", File_("members"), "--orders", File_("orders"), "--interactions", input, "--as-of", "2026-03-31"]
            : ["commissions", "--plan", Path.Combine(config, "plan-two-level.json"), "--members", File_("members"), "--orders", File_("orders"),
                "--ranks", File_("ranks"), "--refunds", File_("refunds"), "--out", Path.Combine(Folder, "payouts.csv"), "--lines", Path.Combine(Folder, "lines.csv")];
        var code = CliApp.Run(args, TextWriter.Null, TextWriter.Null);
        if (code is not (0 or 2))
        {
            throw new InvalidOperationException($"The CLI exited {code}, neither success (0) nor bad input (2).");
        }
    }
}
