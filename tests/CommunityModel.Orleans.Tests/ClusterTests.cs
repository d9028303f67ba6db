using CommunityModel.Orleans.Grains;
using CommunityModel.Orleans.Hosting;
using CommunityModel.Orleans.Load;
using CommunityModel.Orleans.Model;
using NodaTime;
using Orleans.TestingHost;

namespace CommunityModel.Orleans.Tests;

/// <summary>Three silos in this process with storage outside them (what a database is to a real cluster).</summary>
public sealed class ThreeSilos : IAsyncLifetime
{
    public SharedMemoryStore Storage { get; } = new();

    /// <summary>The clock the silos' settlement schedules read (set by the tests).</summary>
    public NodaTime.Testing.FakeClock Clock { get; } = new(new LocalDate(2026, 3, 10).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).ToInstant());

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        var storage = Storage;
        var clock = Clock;
        builder.ConfigureSilo((_, silo) =>
        {
            ClusterSetup.SharedMemoryStorage(silo, storage);
            ClusterSetup.MemoryReminders(silo, clock);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>The store and group grains on a three-silo cluster: the same answers as one process, faults included.</summary>
public sealed class ClusterTests(ThreeSilos silos) : IClassFixture<ThreeSilos>
{
    private static readonly string GroupPolicy = StoreFiles.GroupPolicy(StoreFiles.Root());

    private static readonly Instant Later = new LocalDate(2026, 12, 1).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).ToInstant();

    private static List<StoreHistory> Histories(string prefix, int stores, int members = 60) =>
        [.. Enumerable.Range(0, stores).Select(i => StoreHistory.Generate($"{prefix}-{i}", new StoreHistoryOptions(Members: members, Groups: 3, MessagesPerGroupPerMonth: 40, Months: 3)))];

    [Fact]
    public async Task StoresAndGroupsOnTheClusterEqualTheSameCommandsInOneProcess()
    {
        var histories = Histories("equal", 6);
        await LoadPlayer.SetupAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, 8, CancellationToken.None);
        var report = await LoadPlayer.PlayAsync(silos.Grains, histories, 25, 8, null, CancellationToken.None);
        Assert.Equal(histories.Sum(h => h.Count), report.Commands);
        Assert.Empty(await LoadPlayer.VerifyAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, Later));

        // The queries answer from the grain as from the model.
        var store = silos.Grains.GetGrain<IStoreGrain>(histories[0].StoreId);
        var model = StoreModel.TryCreate(StoreModelTests.Setup, out _)!;
        histories[0].Commands.ToList().ForEach(c => model.Apply(c));
        Assert.Equal(model.TierOf("m5"), await store.TierOfAsync("m5"));
        Assert.Equal(model.BalanceOf("m0", Later), await store.BalanceOfAsync("m0", Later.ToUnixTimeTicks()));
        Assert.Equal(model.HistoryOf("m0"), await store.HistoryOfAsync("m0"));
        Assert.Equal(model.KeyCustomers(5, new LocalDate(2026, 5, 31)), await store.KeyCustomersAsync(5, "2026-05-31"));

        // The whole batch sent again (a client that never saw the answer): every command a duplicate, nothing changes.
        var digest = await store.DigestAsync(Later.ToUnixTimeTicks());
        var again = await store.ExecuteAsync([.. histories[0].Commands]);
        Assert.All(again, r => Assert.NotEqual(CommandStatus.Applied, r.Status));
        Assert.Equal(digest, await store.DigestAsync(Later.ToUnixTimeTicks()));
    }

    [Fact]
    public async Task AStoreDeactivatedAndActivatedAgainRebuildsItselfFromItsJournal()
    {
        var histories = Histories("reactivate", 1, members: 300);
        await LoadPlayer.SetupAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, 4, CancellationToken.None);
        await LoadPlayer.PlayAsync(silos.Grains, histories, 100, 4, null, CancellationToken.None);
        Assert.True(histories[0].Commands.Count > 2 * Journal<StoreSetup, StoreCommand>.PageSize, "the journal spans pages");
        var store = silos.Grains.GetGrain<IStoreGrain>(histories[0].StoreId);
        var before = await store.DigestAsync(Later.ToUnixTimeTicks());
        await silos.Cluster.DeactivateAsync(store);
        Assert.Equal(before, await store.DigestAsync(Later.ToUnixTimeTicks()));
    }

    [Fact]
    public async Task AStoreActivatesFromItsSnapshotAndFoldsOnlyTheCommandsAfterIt()
    {
        var histories = Histories("snapshot", 1, members: 400);
        var commands = histories[0].Commands.Count;
        Assert.True(commands > 1024, $"{commands} commands: more than one snapshot's worth");
        await LoadPlayer.SetupAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, 4, CancellationToken.None);
        await LoadPlayer.PlayAsync(silos.Grains, histories, 100, 4, null, CancellationToken.None);
        var store = silos.Grains.GetGrain<IStoreGrain>(histories[0].StoreId);
        var before = await store.DigestAsync(Later.ToUnixTimeTicks());

        // The journal's first page is taken out of storage: an activation that read it would fail ("the storage lost data").
        var first = Assert.Single(silos.Storage.States.Keys, k => k.Contains(histories[0].StoreId, StringComparison.Ordinal) && k.EndsWith("/store-page-0", StringComparison.Ordinal));
        var snapshot = Assert.Single(silos.Storage.States.Keys, k => k.Contains(histories[0].StoreId, StringComparison.Ordinal) && k.EndsWith("/store-snapshot", StringComparison.Ordinal));
        Assert.True(silos.Storage.States.TryRemove(first, out var page));
        try
        {
            await silos.Cluster.DeactivateAsync(store);
            Assert.Equal(before, await store.DigestAsync(Later.ToUnixTimeTicks()));
            var folded = await store.FoldedOnActivationAsync();
            Assert.InRange(folded, 0, 1024 + 99); // at most a snapshot's worth plus the last batch
        }
        finally
        {
            silos.Storage.States[first] = page;
        }

        // A snapshot that cannot be read is set aside: the whole journal is folded.
        silos.Storage.States[snapshot] = (new JournalSnapshot { Count = 5, Bytes = [1, 2, 3] }, "damaged");
        await silos.Cluster.DeactivateAsync(store);
        Assert.Equal(before, await store.DigestAsync(Later.ToUnixTimeTicks()));
        var model = StoreModel.TryCreate(StoreModelTests.Setup, out _)!;
        var applied = histories[0].Commands.Count(c => model.Apply(c).Status == CommandStatus.Applied); // refusals are not journaled
        Assert.Equal(applied, await store.FoldedOnActivationAsync());
    }

    [Fact]
    public async Task AReminderSettlesEachMonthOnceItHasEndedByTheSilosClock()
    {
        // Two months of four stores without their closes; the schedule's reminder ticks every second.
        var histories = Enumerable.Range(0, 4).Select(i => StoreHistory.Generate($"remind-{i}", new StoreHistoryOptions(Members: 50, Groups: 1, MessagesPerGroupPerMonth: 0, Months: 2))).ToList();
        await LoadPlayer.SetupAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, 4, CancellationToken.None);
        foreach (var h in histories)
        {
            var results = await silos.Grains.GetGrain<IStoreGrain>(h.StoreId).ExecuteAsync([.. h.Commands.Where(c => c.Kind != StoreCommandKind.CloseMonth)]);
            Assert.All(results, r => Assert.Equal(CommandStatus.Applied, r.Status));
        }

        var schedule = silos.Grains.GetGrain<ISettlementScheduleGrain>("remind");
        var zone = "Asia/Shanghai";
        silos.Clock.Reset(new LocalDate(2026, 3, 20).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb[zone]).ToInstant());
        await schedule.ScheduleAsync([.. histories.Select(h => h.StoreId)], "2026-03", zone, TimeSpan.FromSeconds(1), 2);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty((await schedule.StatusAsync()).Settled); // March has not ended

        // The clock passes the end of April: the next ticks close March, then April, in every store.
        silos.Clock.Reset(new LocalDate(2026, 5, 2).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb[zone]).ToInstant());
        SettlementScheduleView status;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((status = await schedule.StatusAsync()).Settled.Length < 2 && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }

        Assert.Equal(["2026-03", "2026-04"], status.Settled.Select(s => s.Month));
        Assert.All(status.Settled, s => Assert.Equal((4, 0), (s.Closed, s.Failed)));
        Assert.Equal("2026-05", status.NextMonth);

        // Each store equals the same commands in one process: everything but the closes, then the two closes.
        foreach (var h in histories)
        {
            var model = StoreModel.TryCreate(StoreModelTests.Setup, out _)!;
            foreach (var c in h.Commands.Where(c => c.Kind != StoreCommandKind.CloseMonth).Concat([StoreCommand.CloseMonth(new YearMonth(2026, 3)), StoreCommand.CloseMonth(new YearMonth(2026, 4))]))
            {
                model.Apply(c);
            }

            Assert.Equal(model.Digest(Later), await silos.Grains.GetGrain<IStoreGrain>(h.StoreId).DigestAsync(Later.ToUnixTimeTicks()));
        }
    }

    [Fact]
    public async Task AStorageThatDoesNotAnswerFailsTheCallClearlyAndARetryAppliesItOnce()
    {
        var histories = Histories("outage", 1);
        await LoadPlayer.SetupAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, 4, CancellationToken.None);
        var store = silos.Grains.GetGrain<IStoreGrain>(histories[0].StoreId);
        var commands = histories[0].Commands;
        var half = commands.Count / 2;
        await store.ExecuteAsync([.. commands.Take(half)]);

        // The storage goes away: the call fails, saying so, and nothing of it is kept.
        var next = commands.Skip(half).Take(50).ToArray();
        silos.Storage.Down = true;
        CommandsNotKeptException failed;
        try
        {
            failed = await Assert.ThrowsAsync<CommandsNotKeptException>(() => store.ExecuteAsync(next));
        }
        finally
        {
            silos.Storage.Down = false;
        }

        Assert.Contains("could not be written to storage", failed.Message, StringComparison.Ordinal);
        Assert.Contains("Retry the same commands", failed.Message, StringComparison.Ordinal);

        // A write that fails halfway (pages kept, the head not): the retry still applies each command once.
        silos.Storage.WritesLeft = 1;
        try
        {
            await Assert.ThrowsAsync<CommandsNotKeptException>(() => Retry.UntilDone(() => store.ExecuteAsync([.. commands.Skip(half).Take(400)]), 3, null, CancellationToken.None));
        }
        finally
        {
            silos.Storage.WritesLeft = null;
        }

        var results = await Retry.UntilDone(() => store.ExecuteAsync([.. commands.Skip(half)]), 5, null, CancellationToken.None);
        Assert.DoesNotContain(results, r => r.Status == CommandStatus.Duplicate);
        var model = StoreModel.TryCreate(StoreModelTests.Setup, out _)!;
        commands.ToList().ForEach(c => model.Apply(c));
        Assert.Equal(model.Digest(Later), await store.DigestAsync(Later.ToUnixTimeTicks()));
    }

    [Fact]
    public async Task TheMonthEndOfEveryStoreFansOutWithBoundedConcurrencyAndReportsProgress()
    {
        var histories = Histories("settle", 12, members: 40);
        await LoadPlayer.SetupAsync(silos.Grains, histories, StoreModelTests.Setup, GroupPolicy, 8, CancellationToken.None);

        // Each store's March without its close.
        foreach (var h in histories)
        {
            var march = h.Commands.TakeWhile(c => c.Kind != StoreCommandKind.CloseMonth).ToArray();
            await silos.Grains.GetGrain<IStoreGrain>(h.StoreId).ExecuteAsync(march);
        }

        var reports = new List<SettlementProgress>();
        var progress = new SynchronousProgress<SettlementProgress>(p => { lock (reports) { reports.Add(p); } });
        var ids = histories.Select(h => h.StoreId).ToList();
        var report = await StoreSettlement.CloseAllAsync(silos.Grains, ids, new YearMonth(2026, 3), 3, progress, CancellationToken.None);
        Assert.All(report.Results.Values, r => Assert.Equal(CommandStatus.Applied, r.Status));
        Assert.Equal(Enumerable.Range(1, 12), reports.Select(r => r.Done).Order());
        Assert.All(reports, r => Assert.Equal((12, 0), (r.Total, r.Failed)));

        // Settled again (a coordinator restarted): every store says it was closed already.
        var again = await StoreSettlement.CloseAllAsync(silos.Grains, ids, new YearMonth(2026, 3), 3, null, CancellationToken.None);
        Assert.All(again.Results.Values, r => Assert.Equal(CommandStatus.Duplicate, r.Status));
        foreach (var h in histories)
        {
            var model = StoreModel.TryCreate(StoreModelTests.Setup, out _)!;
            h.Commands.TakeWhile(c => c.Kind != StoreCommandKind.CloseMonth).Append(StoreCommand.CloseMonth(new YearMonth(2026, 3))).ToList().ForEach(c => model.Apply(c));
            Assert.Equal(model.Digest(Later), await silos.Grains.GetGrain<IStoreGrain>(h.StoreId).DigestAsync(Later.ToUnixTimeTicks()));
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
