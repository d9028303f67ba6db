using CommunityModel.Groups;
using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Groups;

/// <summary>A fleet of groups replays a multi-group stream exactly as each group replayed alone, on any number of threads.</summary>
public class GroupFleetTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 6, 1, 2, 0);

    private static GroupPolicy Policy(string version, int capacity) => GroupPolicy.Create(new GroupPolicy
    {
        Version = version,
        EffectiveFrom = T0 - Duration.FromDays(1),
        Admission = new AdmissionRules { Capacity = capacity },
    });

    /// <summary>One group's events: members join, talk, post ads, flood, leave; some refused (not a member, out of order).</summary>
    private static Gen<List<GroupEvent>> GroupEvents =>
        from n in Gen.Choose(0, 60)
        from steps in Gen.Choose(0, 8).ArrayOf(n)
        from who in Gen.Choose(0, 5).ArrayOf(n)
        from gaps in Gen.Elements(-1.0, 0.0, 0.1, 1.0, 60.0, 1440.0).ArrayOf(n)
        select Build(steps, who, gaps);

    private static List<GroupEvent> Build(int[] steps, int[] who, double[] gaps)
    {
        var events = new List<GroupEvent> { new MemberAdded(T0, MemberId.From("host"), GroupRole.Host) };
        var t = T0;
        for (var i = 0; i < steps.Length; i++)
        {
            t += Duration.FromSeconds(gaps[i] * 60);
            var m = MemberId.From($"m{who[i]}");
            events.Add(steps[i] switch
            {
                0 => new MemberAdded(t, m),
                1 => new MessagePosted(t, m, "宝宝几个月了?"),
                2 => new MessagePosted(t, m, "代购奶粉 加微信 abc"),
                3 => new MessagePosted(t, m, "flood"),
                4 => new TimeTick(t),
                5 => new MemberLeft(t, m),
                6 => new CheckedIn(t, m),
                7 => new JoinRequested(t, m, JoinChannel.StoreQrScan, new Candidate(true, 1, true, false)),
                _ => new RoleChanged(t, m, GroupRole.Staff),
            });
        }

        return events;
    }

    /// <summary>Several groups' events interleaved at random, each group's order kept.</summary>
    private static Gen<(List<GroupEvent>[] Groups, int[] Interleaving)> Streams =>
        from k in Gen.Choose(1, 6)
        from groups in GroupEvents.ArrayOf(k)
        from picks in Gen.Choose(0, k - 1).ArrayOf(groups.Sum(g => g.Count) * 3)
        select (groups, Interleave(groups, picks));

    private static int[] Interleave(List<GroupEvent>[] groups, int[] picks)
    {
        var left = groups.Select(g => g.Count).ToArray();
        var result = new List<int>();
        foreach (var p in picks)
        {
            if (left[p] > 0)
            {
                result.Add(p);
                left[p]--;
            }
        }

        for (var g = 0; g < groups.Length; g++)
        {
            result.AddRange(Enumerable.Repeat(g, left[g]));
        }

        return [.. result];
    }

    private static bool Same(GroupOutcome a, GroupOutcome b) =>
        a.Status == b.Status && a.ErrorCode == b.ErrorCode && a.Error == b.Error && a.Decisions.SequenceEqual(b.Decisions);

    /// <summary>
    /// How the stream's events are made: 0 by the constructor (no member handle), 1 by the fleet's <c>For</c> (handles
    /// resolved through its directory), 2 by another fleet's <c>For</c> whose directory numbered the members otherwise
    /// (handles that name other members here), 3 a mix of the three, 4 the mix given handles by the fleet's <c>Resolve</c>.
    /// </summary>
    private static FleetEvent[] Make(GroupFleet fleet, int[] handles, List<GroupEvent>[] groups, int[] interleaving, int how)
    {
        var decoy = new GroupFleet();
        for (var k = 9; k >= 0; k--)
        {
            decoy.Members.Intern(MemberId.From($"m{k}"));
        }

        foreach (var g in handles)
        {
            decoy.Add($"group-{g}", Policy("decoy", 1));
        }

        var taken = new int[groups.Length];
        FleetEvent[] made = [.. interleaving.Select((g, i) => (how >= 3 ? i % 3 : how) switch
        {
            0 => new FleetEvent(handles[g], groups[g][taken[g]++]),
            1 => fleet.For(handles[g], groups[g][taken[g]++]),
            _ => decoy.For(handles[g], groups[g][taken[g]++]),
        })];
        if (how == 4)
        {
            fleet.Resolve(made);
        }

        return made;
    }

    [Property(MaxTest = 120)]
    public Property TheFleet_GivesWhatEachGroupAloneGives_OnOneToFourThreads_HoweverItsEventsWereMade() =>
        Prop.ForAll(Streams.ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), Gen.Choose(0, 4).Zip(Gen.Choose(0, 100)).ToArbitrary(), (stream, threads, made) =>
        {
            var (groups, interleaving) = stream;
            var (how, cutPercent) = made;
            var fleet = new GroupFleet();
            var handles = groups.Select((_, g) => fleet.Add($"group-{g}", Policy($"v{g}", 2 + g))).ToArray();
            var events = Make(fleet, handles, groups, interleaving, how);

            // The stream replayed in two consecutive batches (the states carry over): the outcomes of the whole.
            var cut = events.Length * cutPercent / 100;
            var first = fleet.Replay(events[..cut], threads);
            var second = fleet.Replay(events[cut..], threads);
            var outcomes = first.Concat(second).ToList();
            var notable = first.DecidedOrInvalid.Concat(second.DecidedOrInvalid.Select(i => i + cut)).ToList();
            var statuses = Enumerable.Range(0, first.Count).Select(first.StatusOf).Concat(Enumerable.Range(0, second.Count).Select(second.StatusOf)).ToList();
            var indexed = Enumerable.Range(0, first.Count).Select(i => first[i]).Concat(Enumerable.Range(0, second.Count).Select(i => second[i])).ToList();

            // Each group alone, then its outcomes in the stream's order.
            var alone = groups.Select((g, i) => GroupReplay.Replay(Policy($"v{i}", 2 + i), g).Steps.Select(s => s.Outcome).ToList()).ToArray();
            var at = new int[groups.Length];
            var expected = interleaving.Select(g => alone[g][at[g]++]).ToList();
            var sameStates = groups.Select((_, g) => fleet.StateOf(handles[g]).Members().SequenceEqual(GroupReplay.Replay(Policy($"v{g}", 2 + g), groups[g]).State.Members())).All(x => x);
            var expectedNotable = Enumerable.Range(0, expected.Count).Where(i => expected[i].Status != GroupEventStatus.Applied || expected[i].Decisions.Count > 0).ToList();
            return (outcomes.Count == expected.Count && outcomes.Zip(expected).All(p => Same(p.First, p.Second))
                    && indexed.Zip(expected).All(p => Same(p.First, p.Second))
                    && statuses.SequenceEqual(expected.Select(o => o.Status))
                    && notable.SequenceEqual(expectedNotable)
                    && sameStates)
                .Label($"{groups.Length} groups, {events.Length} events, {threads} threads, events made {how}, cut at {cut}");
        });

    /// <summary>A stricter candidate: flood after 2 messages a minute, two strikes and out, a capacity of 3.</summary>
    private static GroupPolicy Strict => GroupPolicy.Create(new GroupPolicy
    {
        Version = "strict",
        EffectiveFrom = T0,
        Admission = new AdmissionRules { Capacity = 3 },
        Flood = new FloodRules { MaxMessages = 2, Window = Duration.FromMinutes(1) },
        Escalation = new EscalationLadder { Steps = [EscalationAction.Warn, EscalationAction.Remove] },
    });

    [Property(MaxTest = 80)]
    public Property TheFleetsDryRunAndActivityBands_AreEachGroupsAlone_OnOneToFourThreads() =>
        Prop.ForAll(Streams.ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), (stream, threads) =>
        {
            var (groups, interleaving) = stream;
            var fleet = new GroupFleet();
            var handles = groups.Select((_, g) => fleet.Add($"group-{g}", Policy($"v{g}", 2 + g))).ToArray();
            var events = Make(fleet, handles, groups, interleaving, 3);

            // The dry run: per group, GroupReplay.DryRun of its own events, at the events' places in the stream.
            var positions = groups.Select(_ => new List<int>()).ToArray();
            for (var i = 0; i < interleaving.Length; i++)
            {
                positions[interleaving[i]].Add(i);
            }

            var expected = groups.SelectMany((g, k) => GroupReplay.DryRun(Policy($"v{k}", 2 + k), g, Strict).Select(d => (Index: positions[k][d.Index], d)))
                .OrderBy(x => x.Index).ToList();
            var actual = fleet.DryRun(events, Strict, threads);
            var sameDryRun = actual.Count == expected.Count && actual.Zip(expected).All(p =>
                p.First.Index == p.Second.Index && ReferenceEquals(p.First.Event, p.Second.d.Event)
                && Same(p.First.Before, p.Second.d.Before) && Same(p.First.After, p.Second.d.After));
            var untouched = handles.All(h => fleet.StateOf(h).MemberCount == 0); // the dry run changed nothing

            // Activity bands: from the fleet's steps of a group, what the group's own replay gives.
            var outcomes = fleet.Replay(events, threads);
            var zone = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
            var start = T0.InZone(zone).Date;
            var sameBands = groups.Select((g, k) =>
                ActivityBand.Measure(outcomes.StepsOf(events, handles[k]), zone, start, 2)
                == ActivityBand.Measure(GroupReplay.Replay(Policy($"v{k}", 2 + k), g).Steps, zone, start, 2)).All(x => x);
            var sameSteps = groups.Select((g, k) => outcomes.StepsOf(events, handles[k]).Select(x => (x.Index, x.Event)).SequenceEqual(g.Select((e, i) => (i, e)))).All(x => x);
            return (sameDryRun && untouched && sameBands && sameSteps)
                .Label($"{groups.Length} groups, {events.Length} events, {threads} threads: {actual.Count} differences against {expected.Count}");
        });

    [Fact]
    public void Groups_AreNumberedOnce_AndBadStreamsAreRefusedBeforeAnythingIsReplayed()
    {
        var fleet = new GroupFleet();
        Assert.Equal(0, fleet.Add("妈妈群 1", Policy("v1", 10)));
        Assert.Equal(1, fleet.Add("妈妈群 2", Policy("v1", 10)));
        Assert.Equal(0, fleet.Add("妈妈群 1", Policy("v2", 3))); // the same group: its handle, its first policy kept
        Assert.Equal(2, fleet.Count);
        Assert.Equal(-1, fleet.IndexOf("nobody"));
        Assert.Equal("妈妈群 2", fleet.IdOf(1));
        Assert.Throws<ArgumentException>(() => fleet.For("nobody", new TimeTick(T0)));

        var join = fleet.For("妈妈群 2", new MemberAdded(T0, MemberId.From("li")));
        Assert.Throws<ArgumentOutOfRangeException>(() => fleet.Replay([join, new FleetEvent(2, new TimeTick(T0))]));
        Assert.Throws<ArgumentOutOfRangeException>(() => fleet.Replay([join, new FleetEvent(-1, new TimeTick(T0))]));
        Assert.Throws<ArgumentException>(() => fleet.Replay([join, default]));
        Assert.Throws<ArgumentOutOfRangeException>(() => fleet.Replay([join], 0));
        Assert.False(fleet.StateOf(1).Contains(MemberId.From("li"))); // nothing replayed

        var outcomes = fleet.Replay([join, fleet.For("妈妈群 1", new MessagePosted(T0, MemberId.From("li"), "hi"))]);
        Assert.NotEqual(GroupEventStatus.Invalid, outcomes[0].Status);
        Assert.Equal("group.event.not-a-member", outcomes[1].ErrorCode); // li joined group 2, not group 1
        Assert.True(fleet.StateOf(1).Contains(MemberId.From("li")));
        Assert.Equal(2, outcomes.Count);
        Assert.Equal([0, 1], outcomes.DecidedOrInvalid); // the admission is a decision, the message refused
        Assert.Throws<ArgumentOutOfRangeException>(() => outcomes[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => outcomes.StatusOf(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => fleet.For(2, new TimeTick(T0)));
        Assert.Throws<ArgumentException>(() => outcomes.StepsOf([join], 1));
        Assert.Throws<InvalidInputException>(() => fleet.DryRun([join], new GroupPolicy { Version = "", EffectiveFrom = T0 }));
    }

    [Fact]
    public void EventsMadeByTheFleet_CarryTheirMembersHandle_InternedOnce()
    {
        var fleet = new GroupFleet();
        var group = fleet.Add("妈妈群", Policy("v1", 10));
        var li = fleet.For(group, new MemberAdded(T0, MemberId.From("li")));
        var wang = fleet.For("妈妈群", new MessagePosted(T0, MemberId.From("wang"), "hi"));
        var liAgain = fleet.For(group, new MessagePosted(T0, MemberId.From("li"), "你好"));
        Assert.Equal((0, 1, 0), (li.Member, wang.Member, liAgain.Member));
        Assert.Equal(-1, fleet.For(group, new TimeTick(T0)).Member); // names nobody
        Assert.Equal(-1, new FleetEvent(group, new MemberAdded(T0, MemberId.From("zhao"))).Member); // made without the fleet
        Assert.Equal(2, fleet.Members.Count);
        Assert.Equal(MemberId.From("wang"), fleet.Members.IdOf(1));
        Assert.Equal(1, fleet.Members.IndexOf(MemberId.From("wang")));

        // The replay finds members by handle; an event made without one is looked up by id, and interned when it adds someone.
        var outcomes = fleet.Replay([li, wang, liAgain, new FleetEvent(group, new MemberAdded(T0, MemberId.From("zhao")))]);
        Assert.Equal(
            [GroupEventStatus.Decided, GroupEventStatus.Invalid, GroupEventStatus.Applied, GroupEventStatus.Decided],
            Enumerable.Range(0, 4).Select(outcomes.StatusOf));
        Assert.Equal(2, fleet.Members.IndexOf(MemberId.From("zhao")));
        Assert.Equal([MemberId.From("li"), MemberId.From("zhao")], fleet.StateOf(group).Members());
    }
}

/// <summary>A fleet's Resolve gives a long stream's events the handles its For would give them one by one.</summary>
public class GroupFleetResolveTests
{
    [Fact]
    public void Resolve_OnEveryCore_GivesTheHandlesOfForInStreamOrder_AndKeepsTheEvents()
    {
        // 1.1M events (long enough to be looked up on several threads) naming 3,000 ids, 2,000 of them known before.
        var t0 = Instant.FromUtc(2026, 6, 1, 2, 0);
        var messages = Enumerable.Range(0, 3_000).Select(k => (GroupEvent)new MessagePosted(t0, MemberId.From($"m{(k * 7919) % 3_000}"), "hi")).ToArray();
        var tick = new TimeTick(t0);
        var policy = GroupPolicy.Create(new GroupPolicy { Version = "v1", EffectiveFrom = t0, Admission = new AdmissionRules { Capacity = 10 } });
        var (parallel, serial) = (new GroupFleet(), new GroupFleet());
        foreach (var fleet in new[] { parallel, serial })
        {
            fleet.Add("a", policy);
            fleet.Add("b", policy);
            for (var k = 0; k < 2_000; k++)
            {
                fleet.Members.Intern(MemberId.From($"m{k}"));
            }
        }

        var random = new Random(3);
        var stream = Enumerable.Range(0, 1_100_000).Select(i => new FleetEvent(i % 2, i % 11 == 0 ? tick : messages[random.Next(messages.Length)])).ToArray();
        stream[5] = parallel.For(1, messages[1]); // made by the fleet already: kept
        var expected = stream.Select(e => serial.For(e.Group, e.Event)).ToArray();
        var resolved = (FleetEvent[])stream.Clone();
        parallel.Resolve(resolved);

        Assert.Equal(3_000, parallel.Members.Count);
        Assert.Equal(expected.Select(e => (e.Group, e.Member)), resolved.Select(e => (e.Group, e.Member)));
        Assert.True(resolved.Select(e => e.Event).SequenceEqual(stream.Select(e => e.Event)));
        Assert.All(Enumerable.Range(0, 3_000), h => Assert.Equal(serial.Members.IdOf(h), parallel.Members.IdOf(h)));
        FleetEvent[] bad = [new FleetEvent(0, new MessagePosted(t0, MemberId.From("new"), "hi")), default];
        Assert.Throws<ArgumentException>(() => parallel.Resolve(bad));
        Assert.Equal(-1, bad[0].Member); // nothing changed, nothing interned
        Assert.Equal(-1, parallel.Members.IndexOf(MemberId.From("new")));
        Assert.Throws<ArgumentOutOfRangeException>(() => parallel.Resolve(stream, 0));
    }
}

/// <summary>A member directory numbers ids densely, each once, also when several threads intern at once.</summary>
public class MemberDirectoryTests
{
    [Fact]
    public void Ids_GetDenseHandles_InTheOrderFirstInterned()
    {
        var directory = new MemberDirectory();
        Assert.Equal(0, directory.Count);
        Assert.Equal(-1, directory.IndexOf(MemberId.From("a")));
        Assert.Equal(0, directory.Intern(MemberId.From("a")));
        Assert.Equal(1, directory.Intern(MemberId.From("b")));
        Assert.Equal(0, directory.Intern(MemberId.From("a")));
        Assert.Equal(2, directory.Count);
        Assert.Equal(MemberId.From("b"), directory.IdOf(1));
        Assert.Equal(-1, directory.IndexOf(default));
        Assert.Throws<ArgumentException>(() => directory.Intern(default));
        Assert.Throws<ArgumentOutOfRangeException>(() => directory.IdOf(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => directory.IdOf(-1));
    }

    [Fact]
    public void FourThreadsInterningOverlappingIds_GiveEachIdOneHandle_AndEveryHandleOneId()
    {
        // 40,000 ids (beyond a chunk of 16,384), each thread interning them all in its own order while reading back.
        const int Ids = 40_000;
        var directory = new MemberDirectory();
        var seen = new int[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var mine = seen[t] = new int[Ids];
            for (var k = 0; k < Ids; k++)
            {
                var i = t % 2 == 0 ? k : Ids - 1 - k;
                var handle = directory.Intern(MemberId.From($"m{i}"));
                mine[i] = handle;
                if (directory.IdOf(handle) != MemberId.From($"m{i}"))
                {
                    throw new InvalidOperationException($"handle {handle} read back another id");
                }
            }
        });

        Assert.Equal(Ids, directory.Count);
        for (var t = 1; t < 4; t++)
        {
            Assert.Equal(seen[0], seen[t]);
        }

        Assert.Equal(Enumerable.Range(0, Ids), seen[0].Order());
        Assert.All(Enumerable.Range(0, Ids), i => Assert.Equal(MemberId.From($"m{i}"), directory.IdOf(seen[0][i])));
    }
}

/// <summary>The fleet's partition of a long stream on several threads is the serial one exactly, errors included.</summary>
public class GroupFleetPartitionTests
{
    private static readonly GroupEvent Tick = new TimeTick(Instant.FromUtc(2026, 6, 1, 2, 0));

    [Property(MaxTest = 100)]
    public bool ThePartitionOnThreads_EqualsTheSerialOne(PositiveInt groupCount, NonNegativeInt length, PositiveInt threadCount, int seed)
    {
        var groups = 1 + (groupCount.Get % 50);
        var threads = 1 + (threadCount.Get % 5);
        var random = new Random(seed);
        var all = new FleetEvent[length.Get % 3_000];
        for (var i = 0; i < all.Length; i++)
        {
            // Skewed: a few groups take most events, some none.
            all[i] = new FleetEvent(random.Next(4) == 0 ? random.Next(groups) : random.Next(Math.Min(3, groups)), Tick);
        }

        var (serialStart, serialOrder) = GroupFleet.Partition(all, groups);
        var (start, order) = GroupFleet.PartitionInParallel(all, groups, threads);
        return serialStart.SequenceEqual(start) && serialOrder.SequenceEqual(order);
    }

    [Fact]
    public void ThePartitionOnThreads_ReportsTheFirstBadEventOfTheStream()
    {
        var all = Enumerable.Range(0, 1_000).Select(i => new FleetEvent(i % 3, Tick)).ToArray();
        all[900] = new FleetEvent(7, Tick);
        all[600] = new FleetEvent(1, null!);
        var serial = Assert.Throws<ArgumentException>(() => GroupFleet.Partition(all, 3));
        var parallel = Assert.Throws<ArgumentException>(() => GroupFleet.PartitionInParallel(all, 3, 4));
        Assert.Equal(serial.Message, parallel.Message);
        Assert.Contains("Event 600 has no event.", parallel.Message, StringComparison.Ordinal);
        all[600] = new FleetEvent(1, Tick);
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => GroupFleet.PartitionInParallel(all, 3, 2));
        Assert.Contains("Event 900 names group 7", outOfRange.Message, StringComparison.Ordinal);
    }
}
