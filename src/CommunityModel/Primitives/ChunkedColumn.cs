using System.Runtime.CompilerServices;

namespace CommunityModel.Primitives;

/// <summary>
/// An append-only column of values kept in fixed chunks of 65,536 (the first one grows from 16 to that
/// size): past the first chunk, growing never copies what is stored and never leaves more than one chunk
/// unused, so a column of 20 million values costs
/// 20 million values (plus at most one chunk), not the up to twice that of a doubling list. Not
/// thread-safe for writes.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class ChunkedColumn<T>
    where T : struct
{
    private const int Shift = 16;
    private const int ChunkSize = 1 << Shift;
    private const int Mask = ChunkSize - 1;
    private T[][] _chunks = [];
    private T[] _tail = [];
    private int _tailUsed;
    private int _count;

    /// <summary>How many values are stored.</summary>
    public int Count => _count;

    /// <summary>The value at an index (by reference, so it can be changed in place).</summary>
    /// <param name="index">0..<see cref="Count"/>-1.</param>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (unchecked((uint)index >= (uint)_count))
            {
                ThrowOutOfRange(index);
            }

            return ref _chunks[index >> Shift][index & Mask];
        }
    }

    /// <summary>Appends a value.</summary>
    /// <param name="value">The value appended at the end.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T value)
    {
        // The common case touches only the last chunk: one bounds check and one store.
        var tail = _tail;
        var used = _tailUsed;
        if (unchecked((uint)used < (uint)tail.Length))
        {
            tail[used] = value;
            _tailUsed = used + 1;
            _count++;
            return;
        }

        AddSlow(value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddSlow(T value)
    {
        var chunk = _count >> Shift;
        if (chunk == _chunks.Length || _chunks[chunk] is null || _chunks[chunk].Length <= (_count & Mask))
        {
            Grow(chunk);
        }

        _tail = _chunks[chunk];
        _tail[_count & Mask] = value;
        _tailUsed = (_count & Mask) + 1;
        _count++;
    }

    /// <summary>The bytes the stored chunks occupy (for measurements).</summary>
    public long AllocatedBytes
    {
        get
        {
            long bytes = 0;
            foreach (var chunk in _chunks)
            {
                bytes += chunk is null ? 0 : (long)chunk.Length * Unsafe.SizeOf<T>();
            }

            return bytes;
        }
    }

    private void Grow(int chunk)
    {
        if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
        }

        if (chunk == 0)
        {
            // The first chunk starts small and doubles up to the chunk size, so a small column stays small.
            ref var first = ref _chunks[0];
            Array.Resize(ref first, first is null ? 16 : Math.Min(ChunkSize, first.Length * 2));
            return;
        }

        _chunks[chunk] = new T[ChunkSize];
    }

    private static void ThrowOutOfRange(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "Outside the column.");
}
