namespace CommunityModel.Primitives;

/// <summary>
/// Finds the position of a key among keys stored elsewhere (a column of ids), by open addressing over
/// positions: 4 bytes a slot and at most 3 slots in 4 used, so millions of ids cost a few bytes each instead
/// of a dictionary entry each. Positions are added in order from 0. Not thread-safe for writes.
/// </summary>
internal sealed class IdTable
{
    private readonly Func<int, string> _keyOf;
    private int[] _slots = new int[16];
    private int _count;

    /// <summary>Creates an empty table.</summary>
    /// <param name="keyOf">The key stored at a position.</param>
    public IdTable(Func<int, string> keyOf) => _keyOf = keyOf;

    /// <summary>The bytes the slots occupy.</summary>
    public long AllocatedBytes => _slots.Length * 4L;

    /// <summary>A table over the positions 0..<paramref name="count"/>-1 (keys assumed distinct).</summary>
    /// <param name="count">How many positions.</param>
    /// <param name="keyOf">The key stored at a position.</param>
    /// <returns>The table.</returns>
    public static IdTable Over(int count, Func<int, string> keyOf)
    {
        var table = new IdTable(keyOf);
        table.Resize(count);
        for (var i = 0; i < count; i++)
        {
            table.Place(i);
        }

        table._count = count;
        return table;
    }

    /// <summary>The position holding a key, or -1.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The position or -1.</returns>
    public int Find(ReadOnlySpan<char> key)
    {
        var mask = _slots.Length - 1;
        for (var slot = Slot(string.GetHashCode(key), mask); ; slot = (slot + 1) & mask)
        {
            var v = _slots[slot];
            if (v == 0)
            {
                return -1;
            }

            if (key.SequenceEqual(_keyOf(v - 1)))
            {
                return v - 1;
            }
        }
    }

    /// <summary>Adds the next position (its key not in the table yet).</summary>
    /// <param name="position">The position.</param>
    public void Add(int position)
    {
        if ((_count + 1) * 4L > _slots.Length * 3L)
        {
            var count = _count;
            Resize(count + 1);
            for (var i = 0; i < count; i++)
            {
                Place(i);
            }
        }

        Place(position);
        _count++;
    }

    private void Resize(int count)
    {
        var size = 16;
        while (size * 3L < count * 8L)
        {
            size *= 2;
        }

        _slots = new int[size];
    }

    private void Place(int position)
    {
        var mask = _slots.Length - 1;
        for (var slot = Slot(string.GetHashCode(_keyOf(position)), mask); ; slot = (slot + 1) & mask)
        {
            if (_slots[slot] == 0)
            {
                _slots[slot] = position + 1;
                return;
            }
        }
    }

    private static int Slot(int hash, int mask) => unchecked((int)(((uint)hash * 0x9E3779B1u) >> 1)) & mask;
}
