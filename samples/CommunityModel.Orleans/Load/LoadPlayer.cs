using System.Collections.Concurrent;
using System.Diagnostics;
using CommunityModel.Orleans.Grains;
using CommunityModel.Orleans.Model;

namespace CommunityModel.Orleans.Load;

/// <summary>What playing streams gave.</summary>
/// <param name="Commands">Store commands and group events sent (each once, however often retried).</param>
/// <param name="Elapsed">Wall time of the play (setups excluded).</param>
/// <param name="Retries">Calls retried after a failure.</param>
/// <param name="LongestCall">The longest call, its retries included: what a client waited at worst.</param>
/// <param name="Statuses">Results by status.</param>
public sealed record LoadReport(long Commands, TimeSpan Elapsed, int Retries, TimeSpan LongestCall, IReadOnlyDictionary<CommandStatus, long> Statuses)
{
    /// <summary>Rejections by code.</summary>
    public IReadOnlyDictionary<string, long> Rejections { get; init; } = new Dictionary<string, long>();

    /// <summary>The statuses and the rejections' codes, in words.</summary>
    public string Outcomes => string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Value:N0} {s.Key.ToString().ToLowerInvariant()}"))
        + (Rejections.Count == 0 ? "" : $" ({string.Join(", ", Rejections.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value:N0}"))})");

    /// <summary>Commands per second.</summary>
    public double PerSecond => Commands / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Commands kept so far by a play in progress.</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class LoadCounter
{
    private long _sent;

    /// <summary>Commands and events kept so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    internal void Add(int n) => Interlocked.Add(ref _sent, n);
}

/// <summary>
/// Plays stores' streams: against a cluster (each store's commands and each group's events in order, in batches,
/// many stores at once, every call retried until kept) or in this process on the models alone (the same work
/// without Orleans, for the cost of distribution).
/// </summary>
public static class LoadPlayer
{
    /// <summary>Sets up every store and group of <paramref name="streams"/> in the cluster.</summary>
    public static async Task SetupAsync(IGrainFactory grains, IReadOnlyList<StoreHistory> streams, StoreSetup setup, string groupPolicy, int concurrency, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(streams);
        var units = streams.SelectMany(s => s.Groups.Select(g => (Func<Task<CommandResult>>)(() => grains.GetGrain<IGroupGrain>($"{s.StoreId}/{g.Group}").SetupAsync(groupPolicy)))
            .Prepend(() => grains.GetGrain<IStoreGrain>(s.StoreId).SetupAsync(setup)));
        await Parallel.ForEachAsync(units, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellation }, async (unit, ct) =>
        {
            var r = await Retry.UntilDone(unit, 20, null, ct);
            if (r.Status == CommandStatus.Rejected)
            {
                throw new InvalidOperationException($"setup rejected: {r.Message} [{r.Code}]");
            }
        });
    }

    /// <summary>Plays every stream against the cluster and reports the throughput.</summary>
    public static Task<LoadReport> PlayAsync(IGrainFactory grains, IReadOnlyList<StoreHistory> streams, int batch, int concurrency, Action<string>? log, CancellationToken cancellation) =>
        PlayAsync(grains, streams, batch, concurrency, log, new LoadCounter(), cancellation);

    /// <summary>Plays every stream against the cluster, counting in <paramref name="counter"/> as it goes, and reports the throughput.</summary>
    public static async Task<LoadReport> PlayAsync(IGrainFactory grains, IReadOnlyList<StoreHistory> streams, int batch, int concurrency, Action<string>? log, LoadCounter counter, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(counter);
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(streams);
        var tally = new Tally();

        var retries = 0;
        long longest = 0, sent = 0;
        var units = new List<Func<CancellationToken, Task>>();
        foreach (var s in streams)
        {
            var store = grains.GetGrain<IStoreGrain>(s.StoreId);
            units.Add(ct => Send(s.Commands, b => store.ExecuteAsync(b), ct));
            foreach (var (group, events) in s.Groups)
            {
                var g = grains.GetGrain<IGroupGrain>($"{s.StoreId}/{group}");
                units.Add(ct => Send(events, b => g.ApplyAsync(b), ct));
            }
        }

        // Stores and groups interleaved, so that every silo has work from the start.
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(units, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellation }, (unit, ct) => new ValueTask(unit(ct)));
        return new LoadReport(sent, clock.Elapsed, retries, TimeSpan.FromTicks(longest), tally.Statuses) { Rejections = tally.Rejections };

        async Task Send<T>(IReadOnlyList<T> items, Func<T[], Task<CommandResult[]>> call, CancellationToken ct)
        {
            for (var i = 0; i < items.Count; i += batch)
            {
                var chunk = items.Skip(i).Take(batch).ToArray();
                var started = Stopwatch.GetTimestamp();
                var results = await Retry.UntilDone(() => call(chunk), 60, e =>
                {
                    Interlocked.Increment(ref retries);
                    log?.Invoke($"retrying after {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }, ct);
                var took = Stopwatch.GetElapsedTime(started).Ticks;
                long seen;
                while ((seen = Interlocked.Read(ref longest)) < took && Interlocked.CompareExchange(ref longest, took, seen) != seen)
                {
                }

                foreach (var r in results)
                {
                    tally.Count(r);
                }

                Interlocked.Add(ref sent, chunk.Length);
                counter.Add(chunk.Length);
            }
        }
    }

    /// <summary>The same streams applied in this process to the models alone, on every core: no Orleans, no storage.</summary>
    public static LoadReport PlayInProcess(IReadOnlyList<StoreHistory> streams, StoreSetup setup, string groupPolicy)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var tally = new Tally();

        long sent = 0;
        var units = new List<Action>();
        foreach (var s in streams)
        {
            units.Add(() =>
            {
                var store = StoreModel.TryCreate(setup, out _)!;
                foreach (var c in s.Commands)
                {
                    tally.Count(store.Apply(c));
                }

                Interlocked.Add(ref sent, s.Commands.Count);
            });
            foreach (var (_, events) in s.Groups)
            {
                units.Add(() =>
                {
                    var group = GroupModel.TryCreate(groupPolicy, out _)!;
                    foreach (var e in events)
                    {
                        tally.Count(group.Apply(e, out _));
                    }

                    Interlocked.Add(ref sent, events.Count);
                });
            }
        }

        var clock = Stopwatch.StartNew();
        Parallel.ForEach(units, u => u());
        return new LoadReport(sent, clock.Elapsed, 0, TimeSpan.Zero, tally.Statuses) { Rejections = tally.Rejections };
    }

    /// <summary>
    /// Checks stores and groups of the cluster against the same streams replayed in this process: equal digests
    /// (tiers, balances, ledger) and equal group decisions. Returns the differences (empty when all agree).
    /// </summary>
    public static async Task<IReadOnlyList<string>> VerifyAsync(IGrainFactory grains, IEnumerable<StoreHistory> streams, StoreSetup setup, string groupPolicy, NodaTime.Instant asOf)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(streams);
        var differences = new List<string>();
        foreach (var s in streams)
        {
            var model = StoreModel.TryCreate(setup, out _)!;
            foreach (var c in s.Commands)
            {
                model.Apply(c);
            }

            var expected = model.Digest(asOf);
            var actual = await Retry.UntilDone(() => grains.GetGrain<IStoreGrain>(s.StoreId).DigestAsync(asOf.ToUnixTimeTicks()), 30, null, CancellationToken.None);
            if (expected != actual)
            {
                differences.Add($"store {s.StoreId}: cluster {Summary(actual)}; one process {Summary(expected)}");
            }

            foreach (var (group, events) in s.Groups)
            {
                var g = GroupModel.TryCreate(groupPolicy, out _)!;
                foreach (var e in events)
                {
                    g.Apply(e, out _);
                }

                var decided = await Retry.UntilDone(() => grains.GetGrain<IGroupGrain>($"{s.StoreId}/{group}").DecisionsAsync(), 30, null, CancellationToken.None);
                if (!decided.SequenceEqual(g.Decisions))
                {
                    differences.Add($"group {s.StoreId}/{group}: cluster {decided.Length} decisions; one process {g.Decisions.Count}");
                }
            }
        }

        return differences;
    }

    /// <summary>Results counted by status, and rejections by code, from many threads.</summary>
    private sealed class Tally
    {
        public ConcurrentDictionary<CommandStatus, long> Statuses { get; } = new();

        public ConcurrentDictionary<string, long> Rejections { get; } = new(StringComparer.Ordinal);

        public void Count(CommandResult r)
        {
            Statuses.AddOrUpdate(r.Status, 1, (_, n) => n + 1);
            if (r.Status == CommandStatus.Rejected)
            {
                Rejections.AddOrUpdate(r.Code, 1, (_, n) => n + 1);
            }
        }
    }

    private static string Summary(StoreDigest d) =>
        $"{d.Members} members, {d.Orders} orders, {d.Refunds} refunds, {d.Payouts} payouts, months [{d.ClosedMonths}], {d.LedgerEntries} ledger entries summing {d.LedgerSum}";
}
