using System.Collections;

namespace CommunityModel.Groups;

/// <summary>
/// Every event's outcome from a <see cref="GroupFleet"/> replay, at the event's place in the stream, kept compactly: a
/// status byte per event, and only the outcomes with decisions or an error kept whole (most events of a busy group are
/// messages allowed with no decision, which all share <see cref="GroupOutcome.Applied"/>). Ten million events take
/// ten megabytes plus their decisions, not an array of ten million outcomes.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed class FleetOutcomes : IReadOnlyList<GroupOutcome>
{
    private readonly byte[] _status;
    private readonly int[] _indices;
    private readonly GroupOutcome[] _outcomes;

    internal FleetOutcomes(byte[] status, int[] indices, GroupOutcome[] outcomes)
    {
        _status = status;
        _indices = indices;
        _outcomes = outcomes;
    }

    /// <summary>The number of events replayed.</summary>
    public int Count => _status.Length;

    /// <summary>
    /// The positions of the events whose outcome is not a plain <see cref="GroupOutcome.Applied"/> (decided or
    /// invalid), in stream order: what a report of decisions walks.
    /// </summary>
    public IReadOnlyList<int> DecidedOrInvalid => _indices;

    /// <summary>The outcome of the event at a position in the replayed stream.</summary>
    /// <param name="index">The event's position.</param>
    /// <returns>Its outcome.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No event has that position.</exception>
    public GroupOutcome this[int index]
    {
        get
        {
            if (index < 0 || index >= _status.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The replay had events 0 to {_status.Length - 1}.");
            }

            return _status[index] == PlainlyApplied ? GroupOutcome.Applied : _outcomes[Array.BinarySearch(_indices, index)];
        }
    }

    /// <summary>The status of the event at a position (without fetching its decisions).</summary>
    /// <param name="index">The event's position.</param>
    /// <returns>Its status.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No event has that position.</exception>
    public GroupEventStatus StatusOf(int index)
    {
        if (index < 0 || index >= _status.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The replay had events 0 to {_status.Length - 1}.");
        }

        return _status[index] == PlainlyApplied ? GroupEventStatus.Applied : (GroupEventStatus)(_status[index] - 1);
    }

    /// <summary>
    /// One group's steps, as <see cref="GroupReplay.Replay"/> of that group's events alone gives them: the group's
    /// events in stream order with their outcomes, numbered from 0 (what <see cref="ActivityBand.Measure"/> reads).
    /// </summary>
    /// <param name="events">The stream this replay was of.</param>
    /// <param name="group">The group's handle.</param>
    /// <returns>The steps.</returns>
    /// <exception cref="ArgumentException">The stream is not as long as this replay.</exception>
    public IReadOnlyList<ReplayStep> StepsOf(IReadOnlyList<FleetEvent> events, int group)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count != _status.Length)
        {
            throw new ArgumentException($"The replay was of {_status.Length} events, not {events.Count}: give the stream it replayed.", nameof(events));
        }

        var steps = new List<ReplayStep>();
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Group == group)
            {
                steps.Add(new ReplayStep(steps.Count, events[i].Event, this[i]));
            }
        }

        return steps;
    }

    /// <summary>Every outcome, in stream order.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<GroupOutcome> GetEnumerator()
    {
        var next = 0;
        for (var i = 0; i < _status.Length; i++)
        {
            yield return _status[i] == PlainlyApplied ? GroupOutcome.Applied : _outcomes[next++];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The status byte of an outcome kept only as a byte; others are 1 + their status.</summary>
    internal const byte PlainlyApplied = 0;

    /// <summary>Whether an outcome is the plain one (applied, no decision, no error), kept as a byte alone.</summary>
    internal static bool IsPlain(in GroupOutcome o) => o.Status == GroupEventStatus.Applied && o.Decisions.Count == 0 && o.Error is null && o.ErrorCode is null;
}
