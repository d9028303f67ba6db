using global::Orleans.Storage;
using System.Collections.Concurrent;

namespace CommunityModel.Orleans.Hosting;

/// <summary>
/// Grain state kept outside the silos, in this process: what a database is to a real cluster, for an in-process
/// cluster whose silos are stopped and killed by tests (Orleans' own memory storage keeps state in grains on the
/// silos, so a lost silo loses it). <see cref="Down"/> makes every read and write fail, as a storage that does not
/// answer would.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class SharedMemoryStore
{
    internal ConcurrentDictionary<string, (object State, string ETag)> States { get; } = new(StringComparer.Ordinal);

    /// <summary>While set, every read and write fails with an <see cref="IOException"/>.</summary>
    public bool Down { get; set; }

    /// <summary>When set, that many more writes succeed and every later one fails (until it is set to null).</summary>
    public int? WritesLeft { get; set; }

    /// <summary>Writes kept so far.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    private long _writes;

    internal void Wrote() => Interlocked.Increment(ref _writes);
}

/// <summary>An <see cref="IGrainStorage"/> over a <see cref="SharedMemoryStore"/>, with ETags checked like a database's, and copies in and out.</summary>
/// <remarks>Thread-safe.</remarks>
public sealed class SharedMemoryGrainStorage(SharedMemoryStore store, global::Orleans.Serialization.DeepCopier copier) : IGrainStorage
{
    private static string Key(string stateName, GrainId grainId) => $"{grainId}/{stateName}";

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        ThrowIfDown();
        if (store.States.TryGetValue(Key(stateName, grainId), out var kept))
        {
            grainState.State = copier.Copy((T)kept.State);
            grainState.ETag = kept.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        ThrowIfDown();
        lock (store)
        {
            if (store.WritesLeft is { } left)
            {
                if (left <= 0)
                {
                    throw new IOException("the storage refused the write");
                }

                store.WritesLeft = left - 1;
            }
        }

        var key = Key(stateName, grainId);
        var copy = copier.Copy(grainState.State)!;
        var etag = Guid.NewGuid().ToString("N");
        lock (store.States)
        {
            var current = store.States.TryGetValue(key, out var kept) ? kept.ETag : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"{key}: version conflict (stored {current ?? "none"}, written over {grainState.ETag ?? "none"})", current ?? "", grainState.ETag ?? "");
            }

            store.States[key] = (copy, etag);
        }

        store.Wrote();
        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        ThrowIfDown();
        store.States.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private void ThrowIfDown()
    {
        if (store.Down)
        {
            throw new IOException("the storage does not answer");
        }
    }
}
