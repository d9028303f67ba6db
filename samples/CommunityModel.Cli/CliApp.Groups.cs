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
        if (FleetEvents(eventsPath, policy) is { } fleet)
        {
            return GroupsReplayFleet(policy, candidate, fleet, o.Optional("--out"), o.Flag("--json"), stdout);
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

    /// <summary>
    /// The events of a file whose events name their groups (<c>"group"</c>), read and checked in one pass (every bad line
    /// reported at once); null when no event names a group (the file is one group's). Some events naming a group and
    /// others not is an error at the first line that differs.
    /// </summary>
    private static (List<FleetEvent> Events, List<int> Lines, GroupFleet Fleet)? FleetEvents(string eventsPath, GroupPolicy policy)
    {
        if (!File.Exists(eventsPath))
        {
            throw new InputException(eventsPath, 0, 0, Directory.Exists(eventsPath) ? "is a folder, not a file" : "file not found");
        }

        using (var probe = new StreamReader(eventsPath))
        {
            var first = ConfigJson.ReadFleetEventLines(probe).FirstOrDefault();
            if (first.Group is null)
            {
                return null;
            }
        }

        var problems = new List<ConfigProblem>();
        var events = new List<FleetEvent>();
        var lines = new List<int>();
        var fleet = new GroupFleet();
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

                if (problems.Count == 0)
                {
                    var index = fleet.IndexOf(group!);
                    events.Add(new FleetEvent(index >= 0 ? index : fleet.Add(group!, policy), one.Value!));
                    lines.Add(line);
                }
            }
        }

        if (problems.Count > 0)
        {
            throw Problems(eventsPath, problems);
        }

        return (events, lines, fleet);
    }

    /// <summary>
    /// The replay of many groups: each group (named by its events' <c>group</c>) under the policy, replayed on every
    /// core by <see cref="GroupFleet"/>, the decisions written in the file's order with their group.
    /// </summary>
    private static int GroupsReplayFleet(GroupPolicy policy, GroupPolicy? candidate, (List<FleetEvent> Events, List<int> Lines, GroupFleet Fleet) read,
        string? outPath, bool json, TextWriter stdout)
    {
        if (outPath is not null)
        {
            OutputFile.Check(outPath, "--out");
        }

        var (events, lines, fleet) = read;
        var outcomes = fleet.Replay(events);
        var byKind = new SortedDictionary<GroupDecisionKind, int>();
        var rejected = new List<int>();
        using (var file = outPath is null ? null : OutputFile.Create(outPath, "--out"))
        {
            file?.Writer.Write("event_line,group,at,decision,member,rule,policy_version,evidence,until\n");
            for (var i = 0; i < outcomes.Count; i++)
            {
                var group = fleet.IdOf(events[i].Group);
                if (outcomes[i].Status == GroupEventStatus.Invalid)
                {
                    rejected.Add(i);
                    if (!json)
                    {
                        stdout.WriteLine($"line {lines[i]} [{group}]: rejected event: {outcomes[i].Error}");
                    }
                }

                foreach (var d in outcomes[i].Decisions)
                {
                    byKind[d.Kind] = byKind.GetValueOrDefault(d.Kind) + 1;
                    if (!json)
                    {
                        stdout.WriteLine($"line {lines[i]} [{group}]: {Describe(d)}");
                    }

                    file?.Writer.Write($"{lines[i].ToString(CultureInfo.InvariantCulture)},{Csv.Field(group)},{d.At},{Kebab(d.Kind.ToString())},{Csv.Field(d.Member?.Value ?? "")},{Csv.Field(d.RuleId)},{Csv.Field(d.PolicyVersion)},{Csv.Field(d.Evidence)},{d.Until?.ToString() ?? ""}\n");
                }
            }

            file?.Commit();
        }

        // A dry run is per group: each group's events under the candidate, from an empty group.
        var differences = new List<(int Line, string Group, DecisionDifference Difference)>();
        if (candidate is not null)
        {
            var members = new List<int>[fleet.Count];
            for (var i = 0; i < events.Count; i++)
            {
                (members[events[i].Group] ??= []).Add(i);
            }

            for (var g = 0; g < fleet.Count; g++)
            {
                var own = members[g].Select(i => events[i].Event).ToList();
                foreach (var d in GroupReplay.DryRun(policy, own, candidate))
                {
                    differences.Add((lines[members[g][d.Index]], fleet.IdOf(g), d));
                }
            }

            differences.Sort((a, b) => a.Line.CompareTo(b.Line));
        }

        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                events = events.Count,
                groups = fleet.Count,
                rejected = rejected.Select(i => new { line = lines[i], group = fleet.IdOf(events[i].Group), error = outcomes[i].Error }),
                decisions = byKind.ToDictionary(k => Kebab(k.Key.ToString()), k => k.Value),
                steps = Enumerable.Range(0, outcomes.Count).Where(i => outcomes[i].Decisions.Count > 0).Select(i => new
                {
                    line = lines[i],
                    group = fleet.IdOf(events[i].Group),
                    decisions = outcomes[i].Decisions.Select(Json),
                }),
                dryRun = candidate is null ? null : new
                {
                    policy = candidate.Version,
                    differences = differences.Select(d => new { line = d.Line, group = d.Group, before = d.Difference.Before.Decisions.Select(Json), after = d.Difference.After.Decisions.Select(Json), afterError = d.Difference.After.Error }),
                },
            }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"{events.Count} events in {fleet.Count} groups, {rejected.Count} rejected; decisions: {(byKind.Count == 0 ? "none" : string.Join(", ", byKind.Select(k => $"{Kebab(k.Key.ToString())} {k.Value}")))}.");
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
