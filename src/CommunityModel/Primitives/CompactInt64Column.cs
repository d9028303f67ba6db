namespace CommunityModel.Primitives;

/// <summary>
/// An append-only column of 64-bit values stored in 32 bits each when they are a whole multiple of a
/// scale and the quotient fits (almost always: amounts under 21 million in minor units, holding periods in
/// whole seconds); the rare other values are kept exactly in a side table. Not thread-safe for writes.
/// </summary>
internal sealed class CompactInt64Column
{
    private const int Spilled = int.MinValue;
    private readonly ChunkedColumn<int> _values = new();
    private readonly Dictionary<int, long> _spilled = [];
    private readonly long _scale;

    /// <summary>Creates a column.</summary>
    /// <param name="scale">The unit that compact values are counted in (1 for plain values).</param>
    public CompactInt64Column(long scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        _scale = scale;
    }

    /// <summary>How many values are stored.</summary>
    public int Count => _values.Count;

    /// <summary>The value at an index.</summary>
    /// <param name="index">0..<see cref="Count"/>-1.</param>
    public long this[int index]
    {
        get
        {
            var v = _values[index];
            return v == Spilled ? _spilled[index] : v * _scale;
        }
    }

    /// <summary>The bytes the column occupies, roughly (for measurements).</summary>
    public long AllocatedBytes => _values.AllocatedBytes + (_spilled.Count * 24L);

    /// <summary>Appends a value.</summary>
    /// <param name="value">The value appended at the end.</param>
    public void Add(long value)
    {
        if (_scale == 1)
        {
            if (value > int.MinValue && value <= int.MaxValue)
            {
                _values.Add((int)value);
            }
            else
            {
                _spilled[_values.Count] = value;
                _values.Add(Spilled);
            }

            return;
        }

        var q = Math.DivRem(value, _scale, out var r);
        if (r == 0 && q > int.MinValue && q <= int.MaxValue)
        {
            _values.Add((int)q);
            return;
        }

        _spilled[_values.Count] = value;
        _values.Add(Spilled);
    }
}
