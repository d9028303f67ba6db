using System.Runtime;

namespace CommunityModel.Cli;

/// <summary>
/// Holds off garbage collections while a large file is read into objects that all stay alive, such as the members
/// file (every member id becomes a string of the tree, every row a slot of its index). Collections during such a
/// read find nothing to free: they only stop the reading threads and copy the survivors from generation 0 to 1 to 2
/// (a 1M-member file: ten collections, half the reading time). With a budget of the bytes the read will allocate,
/// the runtime allocates them without collecting (<see cref="GC.TryStartNoGCRegion(long)"/>); past the budget it
/// collects as usual. Nothing else changes: where the runtime refuses (a budget too large, a pause already on) the
/// read runs as before. Turned off with <c>COMMUNITY_GC_PAUSE=0</c>.
/// </summary>
internal sealed class CollectionPause : IDisposable
{
    /// <summary>Below this budget a pause is not worth its start (a collection of the small heap there is).</summary>
    private const long Smallest = 16L << 20;

    private bool _on;

    private CollectionPause(bool on) => _on = on;

    /// <summary>Whether this pause is holding off collections now.</summary>
    public bool On => _on && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion;

    /// <summary>Holds off collections for the next <paramref name="bytes"/> allocated (at most a quarter of the memory available).</summary>
    /// <param name="bytes">What the read will allocate, about.</param>
    /// <param name="setting">The value of <c>COMMUNITY_GC_PAUSE</c>: <c>0</c> turns this off.</param>
    /// <returns>The pause; dispose it when the read is done.</returns>
    public static CollectionPause For(long bytes, string? setting)
    {
        var budget = Math.Min(bytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);
        // (Asking again while a pause is on would end that pause: the runtime's refusal does.)
        if (setting is "0" or "false" || budget < Smallest || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return new CollectionPause(false);
        }

        try
        {
            return new CollectionPause(GC.TryStartNoGCRegion(budget));
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // Larger than the runtime allows at once, or a pause already on.
            return new CollectionPause(false);
        }
    }

    /// <summary>
    /// Lets collections run again (if the budget was not already spent), starting with a collection of generation 0:
    /// it moves what the read made to generation 1 at once (cheaply: it is all alive), and the collector's budgets
    /// start again from the heap as it is. Without it, some runs went on allocating the rest of the job without a
    /// collection (a 10M-order job peaked at 730 MB instead of 450 MB).
    /// </summary>
    public void Dispose()
    {
        if (On)
        {
            try
            {
                GC.EndNoGCRegion();
            }
            catch (InvalidOperationException)
            {
                // The budget was spent and the runtime collected meanwhile: collections already run.
            }

            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        }

        _on = false;
    }
}
