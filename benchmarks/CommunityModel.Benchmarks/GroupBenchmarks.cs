using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Engines;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Replays 10,000,000 message events over 1,000 groups of 200 members with the content, flood and
/// escalation rules on: 98% ordinary messages, 1% ads (warned, then removed), 1% bursts that flood.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GcModes))]
public class GroupBenchmarks
{
    /// <summary>
    /// Each method under both garbage collectors: workstation (a console program's default) and server (the default
    /// of ASP.NET Core and Orleans hosts, where a fleet of groups would live). A replay of 10M events allocates its
    /// outcome array and the decisions' records, and under the workstation collector its ten or so young-generation
    /// collections each scan that array's cards.
    /// </summary>
    private sealed class GcModes : ManualConfig
    {
        public GcModes()
        {
            var job = Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5);
            AddJob(job.WithGcServer(false).WithId("WorkstationGC"));
            AddJob(job.WithGcServer(true).WithId("ServerGC"));
        }
    }

    private const int Groups = 1_000;
    private const int MembersPerGroup = 200;
    private const int Events = 10_000_000;
    private GroupPolicy _policy = null!;
    private MessagePosted[] _messages = null!;
    private int[] _groupOf = null!;
    private GroupState[] _states = null!;
    private FleetEvent[] _fleetEvents = null!;
    private FleetEvent[] _resolved = null!;
    private FleetEvent[] _toResolve = null!;
    private GroupFleet _fleet = null!;

    [GlobalSetup]
    public void Setup()
    {
        var start = Instant.FromUtc(2026, 6, 1, 0, 0);
        _policy = GroupPolicy.Create(new GroupPolicy { Version = "bench", EffectiveFrom = start, Admission = new AdmissionRules { Capacity = 500 } });
        var rng = new SeededRandom(5);
        var members = new MemberId[MembersPerGroup];
        for (var m = 0; m < MembersPerGroup; m++)
        {
            members[m] = new MemberId($"m{m}");
        }

        var ordinary = GroupScalingBenchmarks.Ordinary;
        var ads = GroupScalingBenchmarks.Ads;
        _messages = new MessagePosted[Events];
        _groupOf = new int[Events];
        var t = start + Duration.FromMinutes(1);
        for (var i = 0; i < Events; i++)
        {
            t += Duration.FromMilliseconds(5 + rng.NextInt64(10));
            var roll = rng.NextInt32(100);
            var group = rng.NextInt32(Groups);
            var author = members[rng.NextInt32(MembersPerGroup)];
            var text = roll == 0 ? ads[rng.NextInt32(ads.Length)] : ordinary[rng.NextInt32(ordinary.Length)];
            if (roll == 1)
            {
                // A burst from one member in one group: six messages in a second.
                for (var k = 0; k < 6 && i < Events; k++, i++)
                {
                    _messages[i] = new MessagePosted(t + Duration.FromMilliseconds(k), author, "flood");
                    _groupOf[i] = group;
                }

                i--;
                t += Duration.FromMilliseconds(6);
                continue;
            }

            _messages[i] = new MessagePosted(t, author, text);
            _groupOf[i] = group;
        }

        _fleetEvents = new FleetEvent[Events];
        for (var i = 0; i < Events; i++)
        {
            _fleetEvents[i] = new FleetEvent(_groupOf[i], _messages[i]);
        }
    }

    [IterationSetup]
    public void FreshGroups()
    {
        _states = new GroupState[Groups];
        var at = _policy.EffectiveFrom;
        for (var g = 0; g < Groups; g++)
        {
            var s = new GroupState(_policy);
            s.Apply(new MemberAdded(at, MemberId.From("host"), GroupRole.Host));
            for (var m = 0; m < MembersPerGroup; m++)
            {
                s.Apply(new MemberAdded(at, MemberId.From($"m{m}")));
            }

            _states[g] = s;
        }

        // The same groups in a fleet (its handles are the group numbers: added in order).
        _fleet = new GroupFleet();
        for (var g = 0; g < Groups; g++)
        {
            var handle = _fleet.Add($"group-{g}", _policy);
            var s = _fleet.StateOf(handle);
            s.Apply(new MemberAdded(at, MemberId.From("host"), GroupRole.Host));
            for (var m = 0; m < MembersPerGroup; m++)
            {
                s.Apply(new MemberAdded(at, MemberId.From($"m{m}")));
            }
        }

        // The events as the constructor makes them, for Resolve to change in place.
        _toResolve ??= new FleetEvent[Events];
        Array.Copy(_fleetEvents, _toResolve, Events);

        // The events as the fleet makes them: each with its member's handle in the fleet's directory.
        _resolved ??= new FleetEvent[Events];
        for (var i = 0; i < Events; i++)
        {
            _resolved[i] = _fleet.For(_groupOf[i], _messages[i]);
        }
    }

    /// <summary>Replays the 10M messages; returns how many were allowed.</summary>
    [Benchmark]
    public int Replay10MMessages()
    {
        var allowed = 0;
        for (var i = 0; i < _messages.Length; i++)
        {
            allowed += _states[_groupOf[i]].Apply(_messages[i]).Status == GroupEventStatus.Applied ? 1 : 0;
        }

        return allowed;
    }

    /// <summary>
    /// The same 10M messages through <see cref="GroupFleet.Replay(IReadOnlyList{FleetEvent})"/>: partitioned by group,
    /// groups on every core, each event's member found by the handle the fleet's <c>For</c> gave it (made before).
    /// </summary>
    [Benchmark]
    public int ReplayFleet10MMessages()
    {
        var outcomes = _fleet.Replay(_resolved);
        return outcomes.Count - outcomes.DecidedOrInvalid.Count;
    }

    /// <summary>
    /// The whole path from ids: the events as named by ids (a copy of those the constructor made, taken before the
    /// iteration) given their members' handles in place by the fleet's <c>Resolve</c> (the ids looked up on every
    /// core; none is new here), then the replay.
    /// </summary>
    [Benchmark]
    public int InternAndReplayFleet10MMessages()
    {
        var events = _toResolve;
        _fleet.Resolve(events);
        var outcomes = _fleet.Replay(events);
        return outcomes.Count - outcomes.DecidedOrInvalid.Count;
    }

    /// <summary>The fleet given events made by its constructor (no handles): each member looked up by id in the replay.</summary>
    [Benchmark]
    public int ReplayFleet10MMessagesByIds()
    {
        var outcomes = _fleet.Replay(_fleetEvents);
        return outcomes.Count - outcomes.DecidedOrInvalid.Count;
    }

    /// <summary>The fleet on one thread: what partitioning by group alone gives.</summary>
    [Benchmark]
    public int ReplayFleet10MMessagesOneThread()
    {
        var outcomes = _fleet.Replay(_resolved, 1);
        return outcomes.Count - outcomes.DecidedOrInvalid.Count;
    }
}
