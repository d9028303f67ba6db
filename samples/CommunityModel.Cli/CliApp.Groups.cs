using System.Globalization;
using System.Text;
using System.Text.Json;
using CommunityModel.Serialization.Json;
using CommunityModel.Groups;

namespace CommunityModel.Cli;

public static partial class CliApp
{
    private static int GroupsReplay(Options o, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var policyPath = o.Required("--policy");
        var policyRead = ConfigJson.ReadGroupPolicy(ReadText(policyPath));
        var policy = policyRead.IsValid ? policyRead.Value! : throw Problems(policyPath, policyRead.Problems);
        GroupPolicy? candidate = null;
        if (o.Optional("--dry-run") is { } candidatePath)
        {
            var candidateRead = ConfigJson.ReadGroupPolicy(ReadText(candidatePath));
            candidate = candidateRead.IsValid ? candidateRead.Value! : throw Problems(candidatePath, candidateRead.Problems);
        }

        var eventsPath = o.Required("--events");
        if (IsFleetFile(eventsPath))
        {
            return GroupsReplayFleet(policy, candidate, eventsPath, o.Optional("--out"), o.Flag("--json"), stdout);
        }

        if (candidate is null && !o.Flag("--json"))
        {
            return GroupsReplayStreaming(policy, eventsPath, o.Optional("--out"), stdout);
        }

        var text = ReadText(eventsPath);
        var eventsRead = ConfigJson.ReadGroupEvents(text);
        var events = eventsRead.IsValid ? eventsRead.Value! : throw Problems(eventsPath, eventsRead.Problems);
        var lineOf = EventLines(text);

        // Events out of time order, or about unknown members, are rejected by the engine one by one (the state is
        // unchanged) and reported with their line; they do not stop the replay.
        IReadOnlyList<ReplayStep> steps;
        using (var bar = new ProgressBar(stderr, interactive, "replaying", events.Count))
        {
            steps = GroupReplay.Replay(policy, bar.Track(events)).Steps;
        }

        var differences = candidate is null ? null : GroupReplay.DryRun(policy, events, candidate);
        string? csv = null;
        if (o.Optional("--out") is not null)
        {
            var sb = new StringBuilder("event_line,at,decision,member,rule,policy_version,evidence,until\n");
            foreach (var step in steps)
            {
                foreach (var d in step.Outcome.Decisions)
                {
                    sb.Append(lineOf[step.Index].ToString(CultureInfo.InvariantCulture)).Append(',').Append(d.At.ToString()).Append(',').Append(Kebab(d.Kind.ToString())).Append(',')
                      .Append(Csv.Field(d.Member?.Value ?? "")).Append(',').Append(Csv.Field(d.RuleId)).Append(',').Append(Csv.Field(d.PolicyVersion)).Append(',')
                      .Append(Csv.Field(d.Evidence)).Append(',').Append(d.Until?.ToString() ?? "").Append('\n');
                }
            }

            csv = sb.ToString();
        }

        if (csv is not null)
        {
            WriteAtomically(o.Optional("--out")!, csv);
        }

        var rejected = steps.Where(s => s.Outcome.Status == GroupEventStatus.Invalid).ToList();
        var byKind = steps.SelectMany(s => s.Outcome.Decisions).GroupBy(d => d.Kind).OrderBy(g => g.Key).Select(g => (Kind: Kebab(g.Key.ToString()), Count: g.Count())).ToList();
        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                events = steps.Count,
                rejected = rejected.Select(s => new { line = lineOf[s.Index], error = s.Outcome.Error }),
                decisions = byKind.ToDictionary(k => k.Kind, k => k.Count),
                steps = steps.Where(s => s.Outcome.Decisions.Count > 0).Select(s => new
                {
                    line = lineOf[s.Index],
                    decisions = s.Outcome.Decisions.Select(Json),
                }),
                dryRun = differences is null ? null : new
                {
                    policy = candidate!.Version,
                    differences = differences.Select(d => new { line = lineOf[d.Index], before = d.Before.Decisions.Select(Json), after = d.After.Decisions.Select(Json), afterError = d.After.Error }),
                },
            }, JsonOut));
            return 0;
        }

        foreach (var step in steps)
        {
            if (step.Outcome.Status == GroupEventStatus.Invalid)
            {
                stdout.WriteLine($"line {lineOf[step.Index]}: rejected event: {step.Outcome.Error}");
            }

            foreach (var d in step.Outcome.Decisions)
            {
                stdout.WriteLine($"line {lineOf[step.Index]}: {Describe(d)}");
            }
        }

        stdout.WriteLine($"{steps.Count} events, {rejected.Count} rejected; decisions: {(byKind.Count == 0 ? "none" : string.Join(", ", byKind.Select(k => $"{k.Kind} {k.Count}")))}.");
        if (differences is not null)
        {
            stdout.WriteLine($"dry run under '{candidate!.Version}': {differences.Count} event(s) would be decided differently.");
            foreach (var d in differences)
            {
                WriteDifference(stdout, $"line {lineOf[d.Index]}", d);
            }
        }

        return 0;
    }

    /// <summary>
    /// The replay without --json or --dry-run, in memory bounded by the group's state, not the file: a first pass
    /// reads every line to report all bad lines at once (nothing written); a second reads them again and replays each
    /// event as it is read, writing its decisions at once (the --out file to a temporary file, renamed at the end).
    /// </summary>
    private static int GroupsReplayStreaming(GroupPolicy policy, string eventsPath, string? outPath, TextWriter stdout)
    {
        if (!File.Exists(eventsPath))
        {
            throw new InputException(eventsPath, 0, 0, Directory.Exists(eventsPath) ? "is a folder, not a file" : "file not found");
        }

        if (outPath is not null)
        {
            OutputFile.Check(outPath, "--out");
        }

        var problems = new List<ConfigProblem>();
        using (var reader = new StreamReader(eventsPath))
        {
            foreach (var (_, one) in ConfigJson.ReadGroupEventLines(reader))
            {
                problems.AddRange(one.Problems);
                if (problems.Count >= 100)
                {
                    break;
                }
            }
        }

        if (problems.Count > 0)
        {
            throw Problems(eventsPath, problems);
        }

        var state = new GroupState(policy);
        var events = 0;
        var rejected = 0;
        var byKind = new SortedDictionary<GroupDecisionKind, int>();
        using var file = outPath is null ? null : OutputFile.Create(outPath, "--out");
        file?.Writer.Write("event_line,at,decision,member,rule,policy_version,evidence,until\n");
        using (var reader = new StreamReader(eventsPath))
        {
            foreach (var (line, one) in ConfigJson.ReadGroupEventLines(reader))
            {
                events++;
                var outcome = state.Apply(one.Value!);
                if (outcome.Status == GroupEventStatus.Invalid)
                {
                    rejected++;
                    stdout.WriteLine($"line {line}: rejected event: {outcome.Error}");
                }

                foreach (var d in outcome.Decisions)
                {
                    byKind[d.Kind] = byKind.GetValueOrDefault(d.Kind) + 1;
                    stdout.WriteLine($"line {line}: {Describe(d)}");
                    file?.Writer.Write($"{line.ToString(CultureInfo.InvariantCulture)},{d.At},{Kebab(d.Kind.ToString())},{Csv.Field(d.Member?.Value ?? "")},{Csv.Field(d.RuleId)},{Csv.Field(d.PolicyVersion)},{Csv.Field(d.Evidence)},{d.Until?.ToString() ?? ""}\n");
                }
            }
        }

        file?.Commit();
        stdout.WriteLine($"{events} events, {rejected} rejected; decisions: {(byKind.Count == 0 ? "none" : string.Join(", ", byKind.Select(k => $"{Kebab(k.Key.ToString())} {k.Value}")))}.");
        return 0;
    }

    /// <summary>Whether a file's events name their groups (<c>"group"</c>): its first event does.</summary>
    private static bool IsFleetFile(string eventsPath)
    {
        if (!File.Exists(eventsPath))
        {
            throw new InputException(eventsPath, 0, 0, Directory.Exists(eventsPath) ? "is a folder, not a file" : "file not found");
        }

        using var probe = new StreamReader(eventsPath);
        return ConfigJson.ReadFleetEventLines(probe).FirstOrDefault().Group is not null;
    }

    /// <summary>Events replayed at once by the fleet: enough to keep every core busy, few enough to keep memory small.</summary>
    private const int FleetBatchDefault = 1 << 18;

    /// <summary>A smaller batch for a test on the calling flow (the batches must not change any output).</summary>
    internal static readonly AsyncLocal<int?> FleetBatchForTests = new();

    private static int FleetBatch => FleetBatchForTests.Value ?? FleetBatchDefault;

    /// <summary>
    /// The replay of many groups (each named by its events' <c>group</c>) under the policy, in memory bounded by the
    /// groups' state and one batch of events, not by the file: a first pass reads every line to report all bad lines at
    /// once (nothing written); a second reads them again into batches of <see cref="FleetBatchDefault"/> events, each made by
    /// the fleet (its group and member resolved to handles once) and replayed by <see cref="GroupFleet"/> on every core,
    /// the groups' states carrying over from batch to batch; each batch's decisions are written in the file's order
    /// with their group before the next batch is read. A dry run replays the same batches in a second fleet under the
    /// candidate policy (policy changes in the file ignored there), as <see cref="GroupReplay.DryRun"/> does per group.
    /// </summary>
    private static int GroupsReplayFleet(GroupPolicy policy, GroupPolicy? candidate, string eventsPath, string? outPath, bool json, TextWriter stdout)
    {
        if (outPath is not null)
        {
            OutputFile.Check(outPath, "--out");
        }

        var problems = new List<ConfigProblem>();
        using (var reader = new StreamReader(eventsPath))
        {
            foreach (var (line, group, one) in ConfigJson.ReadFleetEventLines(reader))
            {
                if (group is null && one.IsValid)
                {
                    problems.Add(new ConfigProblem("$.group", "json.group", "this event names no group, but the file's first event does: every event of a file of many groups names its group", line));
                }

                problems.AddRange(one.Problems);
                if (problems.Count >= 100)
                {
                    break;
                }
            }
        }

        if (problems.Count > 0)
        {
            throw Problems(eventsPath, problems);
        }

        var fleet = new GroupFleet();
        var trial = candidate is null ? null : new GroupFleet();
        var trialPolicy = candidate is null ? null : candidate with { EffectiveFrom = NodaTime.Instant.MinValue };
        var byKind = new SortedDictionary<GroupDecisionKind, int>();
        var events = 0;
        var rejectedCount = 0;
        var rejected = new List<object>();
        var steps = new List<object>();
        var differences = new List<(int Line, string Group, DecisionDifference Difference)>();
        var batch = new List<FleetEvent>(FleetBatch);
        var trialBatch = new List<FleetEvent>(candidate is null ? 0 : FleetBatch);
        var trialAt = new List<int>(candidate is null ? 0 : FleetBatch);
        var lines = new List<int>(FleetBatch);
        using var file = outPath is null ? null : OutputFile.Create(outPath, "--out");
        file?.Writer.Write("event_line,group,at,decision,member,rule,policy_version,evidence,until\n");

        void Flush()
        {
            var outcomes = fleet.Replay(batch);
            var trialOutcomes = trial?.Replay(trialBatch);
            foreach (var i in outcomes.DecidedOrInvalid)
            {
                var outcome = outcomes[i];
                var (line, group) = (lines[i], fleet.IdOf(batch[i].Group));
                if (outcome.Status == GroupEventStatus.Invalid)
                {
                    rejectedCount++;
                    if (json)
                    {
                        rejected.Add(new { line, group, error = outcome.Error });
                    }
                    else
                    {
                        stdout.WriteLine($"line {line} [{group}]: rejected event: {outcome.Error}");
                    }
                }

                foreach (var d in outcome.Decisions)
                {
                    byKind[d.Kind] = byKind.GetValueOrDefault(d.Kind) + 1;
                    if (!json)
                    {
                        stdout.WriteLine($"line {line} [{group}]: {Describe(d)}");
                    }

                    file?.Writer.Write($"{line.ToString(CultureInfo.InvariantCulture)},{Csv.Field(group)},{d.At},{Kebab(d.Kind.ToString())},{Csv.Field(d.Member?.Value ?? "")},{Csv.Field(d.RuleId)},{Csv.Field(d.PolicyVersion)},{Csv.Field(d.Evidence)},{d.Until?.ToString() ?? ""}\n");
                }

                if (json && outcome.Decisions.Count > 0)
                {
                    steps.Add(new { line, group, decisions = outcome.Decisions.Select(Json).ToList() });
                }
            }

            if (trialOutcomes is not null)
            {
                // The trial fleet saw the batch without its policy changes: trialAt[k] is the batch position of its k-th event.
                var k = 0;
                for (var i = 0; i < batch.Count; i++)
                {
                    var after = k < trialAt.Count && trialAt[k] == i ? trialOutcomes[k++] : GroupOutcome.Applied;
                    var before = outcomes[i];
                    if (!GroupReplay.SameDecisions(before, after))
                    {
                        differences.Add((lines[i], fleet.IdOf(batch[i].Group), new DecisionDifference(events - batch.Count + i, batch[i].Event, before, after)));
                    }
                }
            }

            batch.Clear();
            trialBatch.Clear();
            trialAt.Clear();
            lines.Clear();
        }

        using (var reader = new StreamReader(eventsPath))
        {
            foreach (var (line, groupId, one) in ConfigJson.ReadFleetEventLines(reader))
            {
                var group = fleet.IndexOf(groupId!);
                if (group < 0)
                {
                    group = fleet.Add(groupId!, policy);
                    trial?.Add(groupId!, trialPolicy!);
                }

                var e = one.Value!;
                batch.Add(fleet.For(group, e));
                lines.Add(line);
                if (trial is not null && e is not PolicyChanged)
                {
                    trialAt.Add(batch.Count - 1);
                    trialBatch.Add(trial.For(group, e));
                }

                events++;
                if (batch.Count == FleetBatch)
                {
                    Flush();
                }
            }
        }

        if (batch.Count > 0)
        {
            Flush();
        }

        file?.Commit();
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                events,
                groups = fleet.Count,
                rejected,
                decisions = byKind.ToDictionary(k => Kebab(k.Key.ToString()), k => k.Value),
                steps,
                dryRun = candidate is null ? null : new
                {
                    policy = candidate.Version,
                    differences = differences.Select(d => new { line = d.Line, group = d.Group, before = d.Difference.Before.Decisions.Select(Json), after = d.Difference.After.Decisions.Select(Json), afterError = d.Difference.After.Error }),
                },
            }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"{events} events in {fleet.Count} groups, {rejectedCount} rejected; decisions: {(byKind.Count == 0 ? "none" : string.Join(", ", byKind.Select(k => $"{Kebab(k.Key.ToString())} {k.Value}")))}.");
        if (candidate is not null)
        {
            stdout.WriteLine($"dry run under '{candidate.Version}': {differences.Count} event(s) would be decided differently.");
            foreach (var (line, group, d) in differences)
            {
                WriteDifference(stdout, $"line {line} [{group}]", d);
            }
        }

        return 0;
    }

    /// <summary>A dry run's difference as two lines: what the event was decided, and what it would be.</summary>
    private static void WriteDifference(TextWriter stdout, string where, DecisionDifference d)
    {
        static string Of(GroupOutcome outcome) => outcome.Status == GroupEventStatus.Invalid
            ? $"rejected event ({outcome.Error})"
            : outcome.Decisions.Count == 0 ? "nothing" : string.Join("; ", outcome.Decisions.Select(Describe));
        stdout.WriteLine($"{where}: now {Of(d.Before)}");
        stdout.WriteLine($"{new string(' ', where.Length)}  would be {Of(d.After)}");
    }

    private static object Json(GroupDecision d) => new
    {
        decision = Kebab(d.Kind.ToString()), member = d.Member?.Value, rule = d.RuleId, policyVersion = d.PolicyVersion, evidence = d.Evidence,
        at = d.At.ToString(), until = d.Until?.ToString(),
    };

    private static string Describe(GroupDecision d) =>
        $"{Kebab(d.Kind.ToString())} {d.Member?.Value ?? "(group)"} by {d.RuleId} [{d.PolicyVersion}]{(d.Until is { } u ? $" until {u}" : "")}: {d.Evidence}";

    /// <summary>The 1-based file line of each event, skipping blank and comment lines as the reader does.</summary>
    private static List<int> EventLines(string text)
    {
        var lines = new List<int>();
        var n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.TrimEnd('\r');
            if (!string.IsNullOrWhiteSpace(line) && !line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                lines.Add(n);
            }
        }

        return lines;
    }

    private static string Kebab(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(pascal[i]));
        }

        return sb.ToString();
    }
}
