using CommunityModel.Groups;
using CommunityModel.Serialization.Json;

namespace CommunityModel.Orleans.Model;

/// <summary>
/// One chat group as a pure fold of its events: the library's <see cref="GroupState"/> under its policy, with each
/// event's id kept so that an event sent twice is applied once. Not thread-safe: one grain owns one model.
/// </summary>
public sealed class GroupModel
{
    private readonly GroupState _state;
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly List<GroupDecisionView> _decisions = [];

    private GroupModel(string policyJson, GroupPolicy policy)
    {
        PolicyJson = policyJson;
        _state = new GroupState(policy);
    }

    /// <summary>The group's policy, as it was given.</summary>
    public string PolicyJson { get; }

    /// <summary>The events applied.</summary>
    public int Events => _seen.Count;

    /// <summary>Every decision of the group's rules, in event order.</summary>
    public IReadOnlyList<GroupDecisionView> Decisions => _decisions;

    /// <summary>The group's state (read it; change it only through events).</summary>
    public GroupState State => _state;

    /// <summary>Makes a group under its policy, or says every problem of the policy at once.</summary>
    public static GroupModel? TryCreate(string policyJson, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(policyJson);
        var policy = ConfigJson.ReadGroupPolicy(policyJson);
        if (!policy.IsValid)
        {
            problems = [.. policy.Problems.Select(p => $"group policy: {p}")];
            return null;
        }

        problems = [];
        return new GroupModel(policyJson, policy.Value!);
    }

    /// <summary>
    /// Applies one event: applied (with the decisions it caused), a duplicate, or rejected (a line that is not a
    /// valid event, or an id seen before with another event). An event the group's rules refuse (a message from
    /// someone not in the group) is applied: the refusal is the group's answer, and a replay gives it again.
    /// </summary>
    public CommandResult Apply(GroupCommand command, out IReadOnlyList<GroupDecisionView> decisions)
    {
        ArgumentNullException.ThrowIfNull(command);
        decisions = [];
        if (string.IsNullOrWhiteSpace(command.Id))
        {
            return CommandResult.Rejected("command.id.missing", "a group event needs an id");
        }

        if (_seen.TryGetValue(command.Id, out var was))
        {
            return was == command.Json
                ? CommandResult.Duplicate($"event '{command.Id}' was applied already")
                : CommandResult.Rejected("event.conflict", $"event '{command.Id}' was applied already with another content");
        }

        if (command.Json.Contains('\n', StringComparison.Ordinal))
        {
            return CommandResult.Rejected("event.lines", $"event '{command.Id}' must be one line of JSON");
        }

        using var reader = new StringReader(command.Json);
        var parsed = ConfigJson.ReadGroupEventLines(reader).FirstOrDefault();
        if (parsed.Event is null)
        {
            return CommandResult.Rejected("event.empty", $"event '{command.Id}' is empty");
        }

        if (!parsed.Event.IsValid)
        {
            return CommandResult.Rejected(parsed.Event.Problems[0].Code, $"event '{command.Id}': {string.Join("; ", parsed.Event.Problems)}");
        }

        var outcome = _state.Apply(parsed.Event.Value!);
        _seen.Add(command.Id, command.Json);
        if (outcome.Decisions.Count > 0)
        {
            var made = outcome.Decisions.Select(d => new GroupDecisionView(command.Id, d.Kind.ToString(), d.Member?.Value, d.RuleId, d.Evidence, d.At.ToUnixTimeTicks())).ToList();
            _decisions.AddRange(made);
            decisions = made;
        }

        return outcome.Error is { } error
            ? CommandResult.Applied($"event '{command.Id}': refused by the group ({error}) [{outcome.ErrorCode}]")
            : CommandResult.Applied($"event '{command.Id}': {outcome.Status}, {outcome.Decisions.Count} decisions");
    }
}
