using CommunityModel.Orleans.Grains;
using CommunityModel.Orleans.Model;
using NodaTime;

namespace CommunityModel.Orleans.Load;

/// <summary>How far a settlement of many stores has come.</summary>
/// <param name="Done">Stores whose month is closed (now or before).</param>
/// <param name="Total">Stores to close.</param>
/// <param name="Failed">Stores whose close was rejected or failed after every retry.</param>
public sealed record SettlementProgress(int Done, int Total, int Failed);

/// <summary>What a settlement of many stores gave: each store's answer to its close.</summary>
/// <param name="Results">Store id to the close's result (or the last failure's message, as a rejection).</param>
/// <param name="Elapsed">How long it took.</param>
public sealed record SettlementReport(IReadOnlyDictionary<string, CommandResult> Results, TimeSpan Elapsed);

/// <summary>The month-end settlement of every store of a cluster, fanned out with a bound on the calls in flight.</summary>
public static class StoreSettlement
{
    /// <summary>
    /// Closes <paramref name="month"/> in every store of <paramref name="storeIds"/>, at most
    /// <paramref name="maxConcurrency"/> at a time, each retried (a close is idempotent: a store closed already
    /// answers duplicate), reporting progress after each store.
    /// </summary>
    public static async Task<SettlementReport> CloseAllAsync(IGrainFactory grains, IReadOnlyList<string> storeIds, YearMonth month, int maxConcurrency, IProgress<SettlementProgress>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(storeIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new System.Collections.Concurrent.ConcurrentDictionary<string, CommandResult>(StringComparer.Ordinal);
        int done = 0, failed = 0;
        var close = StoreCommand.CloseMonth(month);
        await Parallel.ForEachAsync(storeIds, new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellation }, async (id, ct) =>
        {
            CommandResult result;
            try
            {
                var store = grains.GetGrain<IStoreGrain>(id);
                result = (await Retry.UntilDone(() => store.ExecuteAsync([close]), 8, null, ct))[0];
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                result = CommandResult.Rejected("settlement.failed", $"{e.GetType().Name}: {e.Message}");
            }

            results[id] = result;
            var f = result.Status == CommandStatus.Rejected ? Interlocked.Increment(ref failed) : Volatile.Read(ref failed);
            progress?.Report(new SettlementProgress(Interlocked.Increment(ref done), storeIds.Count, f));
        });

        return new SettlementReport(results, clock.Elapsed);
    }
}
