namespace CommunityModel.Primitives;

/// <summary>
/// Finds the position of a key among keys stored elsewhere (a column of ids), by open addressing over
/// positions: each 8-byte slot holds the key's hash beside its position, at most 3 slots in 4 used, so millions
/// of ids cost a few bytes each instead of a dictionary entry each, a key that is not there is answered without
/// reading any stored key, and growing never hashes a key again. Positions are added in order from 0. Not
/// thread-safe for writes.
/// </summary>
internal sealed class IdTable
{
    // Below this many positions per core a table is filled on one thread.
    private const int ParallelFrom = 1 << 18;

    private readonly Func<int, string> _keyOf;
    private ulong[] _slots = new ulong[16];
    private int _count;

    /// <summary>Creates an empty table.</summary>
    /// <param name="keyOf">The key stored at a position.</param>
    public IdTable(Func<int, string> keyOf) => _keyOf = keyOf;

    /// <summary>Creates an empty table with room for <paramref name="capacity"/> positions before it grows.</summary>
    /// <param name="keyOf">The key stored at a position.</param>
    /// <param name="capacity">How many positions it will hold.</param>
    public IdTable(Func<int, string> keyOf, int capacity)
        : this(keyOf) => _slots = new ulong[SizeFor(capacity)];

    /// <summary>The bytes the slots occupy.</summary>
    public long AllocatedBytes => _slots.Length * 8L;

    /// <summary>A table over the positions 0..<paramref name="count"/>-1 (keys assumed distinct).</summary>
    /// <param name="count">How many positions.</param>
    /// <param name="keyOf">The key stored at a position.</param>
    /// <returns>The table.</returns>
    /// <remarks>
    /// Millions of positions are placed from every core: each thread hashes its own range of keys and claims empty
    /// slots with a compare-and-swap. A key then sits in the first slot that was empty when it was placed, so every
    /// key is found from its start as when placed one by one (only the order within a run of full slots differs).
    /// </remarks>
    public static IdTable Over(int count, Func<int, string> keyOf)
    {
        var table = new IdTable(keyOf);
        var slots = table._slots = new ulong[SizeFor(count)];
        var workers = Math.Min(Environment.ProcessorCount, count / ParallelFrom);
        if (workers < 2)
        {
            for (var i = 0; i < count; i++)
            {
                Place(slots, Hash(keyOf(i)), i);
            }
        }
        else
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                var end = (int)((long)count * (w + 1) / workers);
                for (var i = (int)((long)count * w / workers); i < end; i++)
                {
                    PlaceShared(slots, Hash(keyOf(i)), i);
                }
            });
        }

        table._count = count;
        return table;
    }

    /// <summary>The position holding a key, or -1.</summary>
    /// <param name="key">The id text to find.</param>
    /// <returns>The position or -1.</returns>
    public int Find(ReadOnlySpan<char> key) => Find(key, Hash(key));

    /// <summary>Adds the next position (its key not in the table yet).</summary>
    /// <param name="position">The position the id was added at.</param>
    public void Add(int position) => Add(position, Hash(_keyOf(position)));

    /// <summary>Adds the next position unless its key is already there.</summary>
    /// <param name="position">The position the id was added at.</param>
    /// <param name="key">Its key.</param>
    /// <returns>-1 when added, else the position that already holds the key.</returns>
    public int TryAdd(int position, ReadOnlySpan<char> key)
    {
        var hash = Hash(key);
        var found = Find(key, hash);
        if (found < 0)
        {
            Add(position, hash);
        }

        return found;
    }

    private int Find(ReadOnlySpan<char> key, uint hash)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        for (var slot = Start(hash, mask); ; slot = (slot + 1) & mask)
        {
            var v = slots[slot];
            if (v == 0)
            {
                return -1;
            }

            if (HashOf(v) == hash && key.SequenceEqual(_keyOf(PositionOf(v))))
            {
                return PositionOf(v);
            }
        }
    }

    private void Add(int position, uint hash)
    {
        if ((_count + 1) * 4L > _slots.Length * 3L)
        {
            var grown = new ulong[SizeFor(_count + 1)];
            foreach (var v in _slots)
            {
                if (v != 0)
                {
                    Place(grown, HashOf(v), PositionOf(v));
                }
            }

            _slots = grown;
        }

        Place(_slots, hash, position);
        _count++;
    }

    private static int SizeFor(int count)
    {
        var size = 16;
        while (size * 3L < count * 8L)
        {
            size *= 2;
        }

        return size;
    }

    private static void Place(ulong[] slots, uint hash, int position)
    {
        var mask = slots.Length - 1;
        for (var slot = Start(hash, mask); ; slot = (slot + 1) & mask)
        {
            if (slots[slot] == 0)
            {
                slots[slot] = ((ulong)hash << 32) | (uint)(position + 1);
                return;
            }
        }
    }

    /// <summary>Places a position in slots other threads are placing into at the same time.</summary>
    private static void PlaceShared(ulong[] slots, uint hash, int position)
    {
        var mask = slots.Length - 1;
        var value = ((ulong)hash << 32) | (uint)(position + 1);
        for (var slot = Start(hash, mask); ; slot = (slot + 1) & mask)
        {
            if (Volatile.Read(ref slots[slot]) == 0 && Interlocked.CompareExchange(ref slots[slot], value, 0) == 0)
            {
                return;
            }
        }
    }

    private static uint HashOf(ulong slot) => unchecked((uint)(slot >> 32));

    private static int PositionOf(ulong slot) => unchecked((int)(uint)slot) - 1;

    private static uint Hash(ReadOnlySpan<char> key) => unchecked((uint)string.GetHashCode(key));

    private static int Start(uint hash, int mask) => unchecked((int)((hash * 0x9E3779B1u) >> 1)) & mask;
}
