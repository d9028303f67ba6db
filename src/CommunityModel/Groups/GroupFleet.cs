using CommunityModel.Kernels;

namespace CommunityModel.Groups;

/// <summary>
/// An event for one group of a <see cref="GroupFleet"/>, with the handle of its member in the fleet's
/// <see cref="MemberDirectory"/> when the fleet made it (<see cref="GroupFleet.For(string, GroupEvent)"/>).
/// </summary>
/// <remarks>Immutable (no property can be changed, also not by <c>with</c>, so a handle always names its event's member); safe to share between threads.</remarks>
public readonly struct FleetEvent : IEquatable<FleetEvent>
{
    /// <summary>An event for a group, with no member handle (the replay looks its member up by id).</summary>
    /// <param name="group">The group's handle in its fleet (<see cref="GroupFleet.Add"/>, <see cref="GroupFleet.IndexOf"/>).</param>
    /// <param name="e">The event.</param>
    public FleetEvent(int group, GroupEvent e)
        : this(group, e, -1, 0)
    {
    }

    private FleetEvent(int group, GroupEvent e, int member, int directory)
    {
        Group = group;
        Event = e;
        Member = member;
        Directory = directory;
    }

    /// <summary>The group's handle in its fleet.</summary>
    public int Group { get; }

    /// <summary>The event.</summary>
    public GroupEvent Event { get; }

    /// <summary>
    /// The handle of the event's member in its fleet's <see cref="GroupFleet.Members"/>, resolved once when the fleet
    /// made the event; -1 when the event names no member or was made by the constructor. A fleet uses the handle only
    /// for events it made itself; another fleet's events are looked up by id (correct, only slower).
    /// </summary>
    public int Member { get; }

    /// <summary>The directory the handle is of (0 for none).</summary>
    internal int Directory { get; }

    /// <summary>Deconstructs into the group and the event.</summary>
    /// <param name="group">The group's handle.</param>
    /// <param name="e">The event.</param>
    public void Deconstruct(out int group, out GroupEvent e) => (group, e) = (Group, Event);

    /// <summary>Whether two fleet events are for the same group, with equal events and the same member handle.</summary>
    /// <param name="other">The other.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(FleetEvent other) => Group == other.Group && Equals(Event, other.Event) && Member == other.Member && Directory == other.Directory;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FleetEvent other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Group, Event, Member, Directory);

    /// <inheritdoc/>
    public override string ToString() => $"FleetEvent {{ Group = {Group}, Member = {Member}, Event = {Event} }}";

    /// <summary>Whether two fleet events are equal.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when equal.</returns>
    public static bool operator ==(FleetEvent left, FleetEvent right) => left.Equals(right);

    /// <summary>Whether two fleet events differ.</summary>
    /// <param name="left">One.</param>
    /// <param name="right">The other.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(FleetEvent left, FleetEvent right) => !left.Equals(right);

    /// <summary>An event with its member's handle in a directory.</summary>
    internal static FleetEvent Resolved(int group, GroupEvent e, int member, MemberDirectory directory) => new(group, e, member, member >= 0 ? directory.Stamp : 0);
}

/// <summary>
/// A community of groups: many chat groups, each its own <see cref="GroupState"/> under its own policy, replayed
/// together. A group's decisions depend only on its own events in their order, so a stream over many groups is
/// partitioned by group (each group's order kept) and the groups are replayed on several threads at once, each
/// group by one thread, its state staying in that core's cache while its events run. The outcomes are returned in
/// the stream's order and are exactly what replaying each group alone gives.
/// </summary>
/// <remarks>
/// Not thread-safe: one replay at a time (a replay uses several threads inside). Groups are numbered densely in the
/// order they are added; the handle is what <see cref="FleetEvent"/> carries, so the stream names its group once at
/// ingestion, not by text per event.
/// </remarks>
public sealed class GroupFleet
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _ids = [];
    private readonly List<GroupState> _states = [];
    private readonly List<GroupPolicy> _first = [];

    /// <summary>The number of groups.</summary>
    public int Count => _states.Count;

    /// <summary>
    /// The fleet's member directory: every member id its groups or events have named, interned to a dense handle that
    /// events carry (<see cref="FleetEvent.Member"/>). One directory serves all the fleet's groups.
    /// </summary>
    public MemberDirectory Members { get; } = new();

    /// <summary>Adds a group with its policy, or gives the handle of the group already added under that id.</summary>
    /// <param name="groupId">The group's id (not empty).</param>
    /// <param name="policy">The group's starting policy (validated).</param>
    /// <returns>The group's handle: 0 for the first group added, then 1, 2, ...</returns>
    /// <exception cref="Primitives.InvalidInputException">The policy is invalid (every problem listed).</exception>
    public int Add(string groupId, GroupPolicy policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        ArgumentNullException.ThrowIfNull(policy);
        if (_index.TryGetValue(groupId, out var existing))
        {
            return existing;
        }

        var state = new GroupState(policy, Members);
        var handle = _states.Count;
        _index.Add(groupId, handle);
        _ids.Add(groupId);
        _states.Add(state);
        _first.Add(policy);
        return handle;
    }

    /// <summary>The handle of a group, or -1 when the fleet has no group with that id.</summary>
    /// <param name="groupId">The group's id.</param>
    /// <returns>The handle, or -1.</returns>
    public int IndexOf(string groupId) => _index.GetValueOrDefault(groupId, -1);

    /// <summary>The id of the group with a handle.</summary>
    /// <param name="group">A handle from <see cref="Add"/>.</param>
    /// <returns>The id.</returns>
    public string IdOf(int group) => _ids[group];

    /// <summary>The state of the group with a handle (its members, roles, mutes and strikes as replayed so far).</summary>
    /// <param name="group">A handle from <see cref="Add"/>.</param>
    /// <returns>The state.</returns>
    public GroupState StateOf(int group) => _states[group];

    /// <summary>
    /// An event for the group with an id, the group's handle and its member's handle (interned in
    /// <see cref="Members"/> if new) resolved once here, so the replay needs neither id's text.
    /// </summary>
    /// <param name="groupId">A group of the fleet.</param>
    /// <param name="e">The event.</param>
    /// <returns>The fleet event.</returns>
    /// <exception cref="ArgumentException">The fleet has no group with that id.</exception>
    public FleetEvent For(string groupId, GroupEvent e)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        var group = IndexOf(groupId);
        return group >= 0 ? For(group, e) : throw new ArgumentException($"The fleet has no group '{groupId}'; add it first.", nameof(groupId));
    }

    /// <summary>An event for the group with a handle, its member's handle (interned in <see cref="Members"/> if new) resolved once here.</summary>
    /// <param name="group">A handle from <see cref="Add"/>.</param>
    /// <param name="e">The event.</param>
    /// <returns>The fleet event.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The fleet has no group with that handle.</exception>
    public FleetEvent For(int group, GroupEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(group, _states.Count);
        var member = GroupState.MemberOf(e);
        return FleetEvent.Resolved(group, e, member is { IsDefault: false } id ? Members.Intern(id) : -1, Members);
    }

    /// <summary>
    /// Gives every event of a stream its member's handle in this fleet's directory, in place, on every core: events
    /// made by the constructor or by another fleet get a handle (ids not yet in <see cref="Members"/> interned, in
    /// stream order, so the handles are those <see cref="For(int, GroupEvent)"/> would give one event at a time);
    /// events this fleet made are kept. Each event keeps its place, group and event.
    /// </summary>
    /// <param name="events">The events, changed in place.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; -1 for one per processor, 1 for the calling thread alone.</param>
    /// <exception cref="ArgumentOutOfRangeException">The degree is 0 or below -1 (nothing is changed).</exception>
    /// <exception cref="ArgumentException">A fleet event holds no event (nothing is changed).</exception>
    public void Resolve(FleetEvent[] events, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Give -1 (one thread per processor) or a positive number of threads.");
        }

        for (var i = 0; i < events.Length; i++)
        {
            if (events[i].Event is null)
            {
                throw new ArgumentException($"Event {i} has no event.", nameof(events));
            }
        }

        var stamp = Members.Stamp;
        var threads = maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        var slices = events.Length >= ParallelSortFrom ? Math.Max(1, threads) : 1;
        var unknown = new List<int>[slices];

        // First every thread looks its slice's ids up (the directory only read); the ids not found are interned
        // after, in stream order.
        void Look(int t)
        {
            var (from, to) = ((int)((long)events.Length * t / slices), (int)((long)events.Length * (t + 1) / slices));
            var mine = unknown[t] = [];
            for (var i = from; i < to; i++)
            {
                ref var e = ref events[i];
                if (e.Directory == stamp || GroupState.MemberOf(e.Event) is not { IsDefault: false } id)
                {
                    continue;
                }

                var handle = Members.IndexOf(id);
                if (handle >= 0)
                {
                    e = FleetEvent.Resolved(e.Group, e.Event, handle, Members);
                }
                else
                {
                    mine.Add(i);
                }
            }
        }

        if (slices == 1)
        {
            Look(0);
        }
        else
        {
            Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = threads }, Look);
        }

        foreach (var list in unknown)
        {
            foreach (var i in list)
            {
                ref var e = ref events[i];
                e = FleetEvent.Resolved(e.Group, e.Event, Members.Intern(GroupState.MemberOf(e.Event)!.Value), Members);
            }
        }
    }

    /// <summary>Replays a stream of events on every core (see <see cref="Replay(IReadOnlyList{FleetEvent}, int)"/>).</summary>
    /// <param name="events">The events, each group's in time order; the groups' events may interleave in any way.</param>
    /// <returns>Each event's outcome, at the event's place in <paramref name="events"/>.</returns>
    public FleetOutcomes Replay(IReadOnlyList<FleetEvent> events) => Replay(events, -1);

    /// <summary>
    /// Replays a stream of events: partitions it by group (a counting sort of the event indices, each group's order
    /// kept), then replays whole groups on up to <paramref name="maxDegreeOfParallelism"/> threads. An event the
    /// group refuses (out of order, about a member not in the group, ...) is an <see cref="GroupEventStatus.Invalid"/>
    /// outcome and changes nothing, as in <see cref="GroupState.Apply(GroupEvent)"/>. The groups' states carry over: replaying a
    /// long stream in consecutive batches gives what replaying it whole gives.
    /// </summary>
    /// <param name="events">The events, each group's in time order; the groups' events may interleave in any way.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; -1 for one per processor, 1 for the calling thread alone.</param>
    /// <returns>Each event's outcome, at the event's place in <paramref name="events"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An event names a group handle the fleet does not have, or the degree is 0 or below -1 (nothing is replayed).</exception>
    /// <exception cref="ArgumentException">A fleet event holds no event (nothing is replayed).</exception>
    public FleetOutcomes Replay(IReadOnlyList<FleetEvent> events, int maxDegreeOfParallelism)
    {
        const int PrefetchAhead = 16;
        ArgumentNullException.ThrowIfNull(events);
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Give -1 (one thread per processor) or a positive number of threads.");
        }

        // Counting sort of the indices by group: start[g] .. start[g + 1] are group g's events, in stream order.
        var all = events as FleetEvent[] ?? [.. events];
        var groups = _states.Count;
        var threads = maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        var (start, order) = threads > 1 && all.Length >= ParallelSortFrom
            ? PartitionInParallel(all, groups, threads)
            : Partition(all, groups);

        // A byte per event; the outcomes with decisions or errors go to the replaying thread's list, with their
        // positions, and are put in stream order at the end.
        var status = new byte[all.Length];
        var stamp = Members.Stamp;
        void ReplayGroup(int g, Notable notable)
        {
            // A group's events lie scattered over the stream (and its event objects over the heap, in stream order):
            // the slots and objects a few events ahead are asked for early, so their cache misses overlap the work on
            // the events before them (one thread: 9.2 s -> 5.6 s for 10M messages over 1,000 groups). The hints change
            // nothing but speed.
            var state = _states[g];
            var end = start[g + 1];
            for (var k = start[g]; k < end; k++)
            {
                if (k + (2 * PrefetchAhead) < end)
                {
                    var far = order[k + (2 * PrefetchAhead)];
                    CacheHint.Prefetch(ref all[far]);
                    CacheHint.Prefetch(ref status[far]);
                }

                if (k + PrefetchAhead < end)
                {
                    CacheHint.PrefetchObject(all[order[k + PrefetchAhead]].Event);
                }

                var i = order[k];
                ref readonly var e = ref all[i];
                var outcome = state.Apply(e.Event, e.Directory == stamp ? e.Member : -1);
                if (!FleetOutcomes.IsPlain(outcome))
                {
                    status[i] = (byte)(1 + (int)outcome.Status);
                    notable.Add(i, outcome);
                }
            }
        }

        var lists = new List<Notable>();
        if (maxDegreeOfParallelism == 1 || groups < 2)
        {
            var notable = new Notable();
            lists.Add(notable);
            for (var g = 0; g < groups; g++)
            {
                ReplayGroup(g, notable);
            }
        }
        else
        {
            Parallel.For(
                0,
                groups,
                new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
                () => new Notable(),
                (g, _, notable) =>
                {
                    ReplayGroup(g, notable);
                    return notable;
                },
                notable =>
                {
                    lock (lists)
                    {
                        lists.Add(notable);
                    }
                });
        }

        return Notable.Merge(status, lists);
    }

    /// <summary>The outcomes one thread kept whole (decided or invalid), with their positions.</summary>
    private sealed class Notable
    {
        private readonly List<int> _indices = [];
        private readonly List<GroupOutcome> _outcomes = [];

        public void Add(int index, GroupOutcome outcome)
        {
            _indices.Add(index);
            _outcomes.Add(outcome);
        }

        public static FleetOutcomes Merge(byte[] status, List<Notable> lists)
        {
            var total = 0;
            foreach (var l in lists)
            {
                total += l._indices.Count;
            }

            var indices = new int[total];
            var outcomes = new GroupOutcome[total];
            var at = 0;
            foreach (var l in lists)
            {
                l._indices.CopyTo(indices, at);
                l._outcomes.CopyTo(outcomes, at);
                at += l._indices.Count;
            }

            Array.Sort(indices, outcomes);
            return new FleetOutcomes(status, indices, outcomes);
        }
    }

    /// <summary>
    /// Dry run of a candidate policy over a stream, this fleet left as it is: the stream is replayed from empty groups
    /// (this fleet's groups, each under the policy it was added with) and again under <paramref name="candidate"/>
    /// alone (the stream's policy changes ignored there), both on every core, and the events decided differently are
    /// returned with their positions in the stream. For each group this is what <see cref="GroupReplay.DryRun"/> of
    /// its own events gives.
    /// </summary>
    /// <param name="events">The events, each group's in time order.</param>
    /// <param name="candidate">The policy to try.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use; -1 for one per processor, 1 for the calling thread alone.</param>
    /// <returns>The differences in stream order; <see cref="DecisionDifference.Index"/> is the event's position in the stream.</returns>
    /// <exception cref="Primitives.InvalidInputException">The candidate is invalid (every problem listed).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An event names a group handle the fleet does not have, or the degree is 0 or below -1.</exception>
    /// <exception cref="ArgumentException">A fleet event holds no event.</exception>
    public IReadOnlyList<DecisionDifference> DryRun(IReadOnlyList<FleetEvent> events, GroupPolicy candidate, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(candidate);
        var trialPolicy = GroupPolicy.Create(candidate with { EffectiveFrom = NodaTime.Instant.MinValue });
        var (before, after) = (new GroupFleet(), new GroupFleet());
        for (var g = 0; g < _states.Count; g++)
        {
            before.Add(_ids[g], _first[g]);
            after.Add(_ids[g], trialPolicy);
        }

        var all = events as FleetEvent[] ?? [.. events];
        var was = before.Replay(all, maxDegreeOfParallelism);
        var trial = new List<FleetEvent>(all.Length);
        var trialAt = new List<int>(all.Length);
        for (var i = 0; i < all.Length; i++)
        {
            if (all[i].Event is not PolicyChanged)
            {
                trial.Add(all[i]);
                trialAt.Add(i);
            }
        }

        var would = after.Replay(trial, maxDegreeOfParallelism);
        var differences = new List<DecisionDifference>();
        var k = 0;
        for (var i = 0; i < all.Length; i++)
        {
            var b = k < trialAt.Count && trialAt[k] == i ? would[k++] : GroupOutcome.Applied;
            var a = was[i];
            if (!GroupReplay.SameDecisions(a, b))
            {
                differences.Add(new DecisionDifference(i, all[i].Event, a, b));
            }
        }

        return differences;
    }

    /// <summary>Streams at least this long are partitioned on several threads.</summary>
    private const int ParallelSortFrom = 1 << 20;

    /// <summary>The counting sort on the calling thread; every event checked first.</summary>
    internal static (int[] Start, int[] Order) Partition(FleetEvent[] all, int groups)
    {
        var start = new int[groups + 1];
        for (var i = 0; i < all.Length; i++)
        {
            Check(all, i, groups);
            start[all[i].Group + 1]++;
        }

        for (var g = 0; g < groups; g++)
        {
            start[g + 1] += start[g];
        }

        var order = new int[all.Length];
        var next = (int[])start.Clone();
        for (var i = 0; i < all.Length; i++)
        {
            order[next[all[i].Group]++] = i;
        }

        return (start, order);
    }

    /// <summary>
    /// The same counting sort on several threads: each counts its slice of the stream per group, the slices' places
    /// in each group follow the stream (slice 0 first), and each scatters its slice into them. The result is the
    /// serial one exactly; an invalid event is reported as the serial sort would (the first in the stream).
    /// </summary>
    internal static (int[] Start, int[] Order) PartitionInParallel(FleetEvent[] all, int groups, int threads)
    {
        var counts = new int[threads][];
        var firstBad = new int[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var (from, to) = ((int)((long)all.Length * t / threads), (int)((long)all.Length * (t + 1) / threads));
            var mine = counts[t] = new int[groups];
            firstBad[t] = -1;
            for (var i = from; i < to; i++)
            {
                var g = all[i].Group;
                if (g < 0 || g >= groups || all[i].Event is null)
                {
                    firstBad[t] = i;
                    return;
                }

                mine[g]++;
            }
        });

        foreach (var bad in firstBad)
        {
            if (bad >= 0)
            {
                Check(all, bad, groups);
            }
        }

        var start = new int[groups + 1];
        var offsets = new int[threads][];
        for (var t = 0; t < threads; t++)
        {
            offsets[t] = new int[groups];
        }

        for (var g = 0; g < groups; g++)
        {
            var at = start[g];
            for (var t = 0; t < threads; t++)
            {
                offsets[t][g] = at;
                at += counts[t][g];
            }

            start[g + 1] = at;
        }

        var order = new int[all.Length];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var (from, to) = ((int)((long)all.Length * t / threads), (int)((long)all.Length * (t + 1) / threads));
            var next = offsets[t];
            for (var i = from; i < to; i++)
            {
                order[next[all[i].Group]++] = i;
            }
        });

        return (start, order);
    }

    private static void Check(FleetEvent[] events, int i, int groups)
    {
        var g = events[i].Group;
        if (g < 0 || g >= groups)
        {
            throw new ArgumentOutOfRangeException(nameof(events), g, $"Event {i} names group {g}; the fleet has groups 0 to {groups - 1}.");
        }

        if (events[i].Event is null)
        {
            throw new ArgumentException($"Event {i} has no event.", nameof(events));
        }
    }
}
