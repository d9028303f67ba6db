namespace CommunityModel.Cli;

/// <summary>
/// The 64-bit hashes of one part of a file's ids, kept in 256 buckets by their top byte as they are added, so that
/// equal hashes among every part can be found bucket by bucket (<see cref="Repeated"/>): each bucket of all parts
/// together is a few ten thousand hashes, sorted in the cache, and the buckets are shared among the cores. A sort of
/// each part's hashes whole and a merge of the parts on one core cost twice as much for ten million ids. Not
/// thread-safe: one part, one thread.
/// </summary>
internal sealed class HashBuckets
{
    private const int Count = 256;

    /// <summary>Every bucket's room, one after another in one array (one large allocation, not 256).</summary>
    private readonly long[] _store;
    private readonly int _each;
    private readonly int[] _used = new int[Count];

    /// <summary>What did not fit in a bucket's room, for uneven ids (usually nothing).</summary>
    private readonly List<long>?[] _spilled = new List<long>?[Count];

    /// <summary>Makes room for about <paramref name="expected"/> hashes (a bucket that fills spills past that).</summary>
    /// <param name="expected">How many hashes the part will likely hold.</param>
    public HashBuckets(int expected)
    {
        // Hashes spread evenly: each bucket gets expected / 256 give or take a few hundred for ten million.
        _each = (expected / Count) + (expected / Count / 16) + 16;
        _store = GC.AllocateUninitializedArray<long>(_each * Count);
    }

    /// <summary>Adds a hash.</summary>
    /// <param name="hash">The hash.</param>
    public void Add(long hash)
    {
        var b = (int)(unchecked((ulong)hash) >> 56);
        var used = _used[b];
        if (used < _each)
        {
            _store[(b * _each) + used] = hash;
            _used[b] = used + 1;
        }
        else
        {
            (_spilled[b] ??= []).Add(hash);
        }
    }

    /// <summary>A bucket's hashes: those in its room, then those spilled.</summary>
    private (ReadOnlyMemory<long> Room, List<long>? Spilled) Bucket(int b) => (_store.AsMemory(b * _each, _used[b]), _spilled[b]);

    /// <summary>The hashes that appear more than once among all the parts (in one part or in several), or null when none does.</summary>
    /// <param name="parts">Every part's buckets.</param>
    /// <param name="threads">How many threads look (0: one per processor).</param>
    /// <returns>The repeated hashes, or null.</returns>
    public static HashSet<long>? Repeated(IReadOnlyList<HashBuckets> parts, int threads = 0)
    {
        HashSet<long>? repeated = null;
        var gate = new Lock();
        Parallel.For(
            0,
            Count,
            new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount },
            () => Array.Empty<long>(),
            (b, _, table) =>
            {
                var n = 0;
                foreach (var part in parts)
                {
                    n += part._used[b] + (part._spilled[b]?.Count ?? 0);
                }

                // An open-addressing set of the bucket's hashes, at most half full, in the cache (each bucket of ten
                // million ids is about 40,000 hashes: a 512 KiB table); 0 marks an empty slot, so a hash of 0 is
                // counted apart.
                var bits = 4;
                while ((1L << bits) < 2L * n)
                {
                    bits++;
                }

                if (table.Length < 1 << bits)
                {
                    table = new long[1 << bits];
                }
                else
                {
                    Array.Clear(table, 0, 1 << bits);
                }

                var mask = (1 << bits) - 1;
                var zeros = 0;
                foreach (var part in parts)
                {
                    var (room, spilled) = part.Bucket(b);
                    foreach (var hash in spilled is null ? room.Span : [.. room.Span, .. spilled])
                    {
                        if (hash == 0)
                        {
                            if (++zeros == 2)
                            {
                                Found(0);
                            }

                            continue;
                        }

                        // The bucket fixed the top byte: the slot comes from the other bits, mixed.
                        for (var s = (int)(unchecked((ulong)hash * 0x9E3779B97F4A7C15UL) >> (64 - bits)); ; s = (s + 1) & mask)
                        {
                            if (table[s] == 0)
                            {
                                table[s] = hash;
                                break;
                            }

                            if (table[s] == hash)
                            {
                                Found(hash);
                                break;
                            }
                        }
                    }
                }

                return table;
            },
            _ => { });
        return repeated;

        void Found(long hash)
        {
            lock (gate)
            {
                (repeated ??= []).Add(hash);
            }
        }
    }
}
