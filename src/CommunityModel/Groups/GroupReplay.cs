namespace CommunityModel.Groups;

/// <summary>One event's outcome in a replay.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Index">The event's position in the input.</param>
/// <param name="Event">The event applied.</param>
/// <param name="Outcome">Its outcome.</param>
public sealed record ReplayStep(int Index, GroupEvent Event, GroupOutcome Outcome);

/// <summary>An event whose decisions differ under a new policy.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Index">The event's position in the input.</param>
/// <param name="Event">The event both policies saw.</param>
/// <param name="Before">The outcome under the policies in force.</param>
/// <param name="After">The outcome under the new policy.</param>
public sealed record DecisionDifference(int Index, GroupEvent Event, GroupOutcome Before, GroupOutcome After);

/// <summary>Replays a group's events, and tries a new policy on past events before it is enforced.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class GroupReplay
{
    /// <summary>Replays events from an empty group under a policy.</summary>
    /// <param name="policy">The starting policy.</param>
    /// <param name="events">The events, in time order.</param>
    /// <returns>Every event's outcome, and the final state.</returns>
    public static (IReadOnlyList<ReplayStep> Steps, GroupState State) Replay(GroupPolicy policy, IEnumerable<GroupEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var state = new GroupState(policy);
        var steps = new List<ReplayStep>();
        var i = 0;
        foreach (var e in events)
        {
            steps.Add(new ReplayStep(i++, e, state.Apply(e)));
        }

        return (steps, state);
    }

    /// <summary>
    /// Dry run: replays the events under the policies in force and again under <paramref name="candidate"/>
    /// alone (policy changes in the events are ignored in the second run), and returns the events whose
    /// decisions would differ (kind, member, rule and mute end; the policy version and evidence texts aside).
    /// </summary>
    /// <param name="policy">The starting policy.</param>
    /// <param name="events">The past events, in time order.</param>
    /// <param name="candidate">The policy to try.</param>
    /// <returns>The differences, in event order.</returns>
    public static IReadOnlyList<DecisionDifference> DryRun(GroupPolicy policy, IReadOnlyList<GroupEvent> events, GroupPolicy candidate)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(candidate);
        var before = new GroupState(policy);
        var after = new GroupState(candidate with { EffectiveFrom = NodaTime.Instant.MinValue });
        var differences = new List<DecisionDifference>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var a = before.Apply(e);
            var b = e is PolicyChanged ? GroupOutcome.Applied : after.Apply(e);
            if (!SameDecisions(a, b))
            {
                differences.Add(new DecisionDifference(i, e, a, b));
            }
        }

        return differences;
    }

    /// <summary>
    /// Whether two outcomes of one event decide alike, as a dry run compares them: both invalid, or both valid with the
    /// same decisions in order (kind, member, rule and mute end; the policy version and evidence texts aside).
    /// </summary>
    /// <param name="a">One outcome.</param>
    /// <param name="b">The other.</param>
    /// <returns>True when they decide alike.</returns>
    public static bool SameDecisions(GroupOutcome a, GroupOutcome b)
    {
        if (a.Status == GroupEventStatus.Invalid || b.Status == GroupEventStatus.Invalid)
        {
            return a.Status == b.Status;
        }

        // default(GroupOutcome) holds no list: no decisions.
        IReadOnlyList<GroupDecision> da = a.Decisions ?? [], db = b.Decisions ?? [];
        if (da.Count != db.Count)
        {
            return false;
        }

        for (var k = 0; k < da.Count; k++)
        {
            var (x, y) = (da[k], db[k]);
            if (x.Kind != y.Kind || x.Member != y.Member || x.RuleId != y.RuleId || x.Until != y.Until)
            {
                return false;
            }
        }

        return true;
    }
}
