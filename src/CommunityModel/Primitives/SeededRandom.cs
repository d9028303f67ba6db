namespace CommunityModel.Primitives;

/// <summary>
/// A small, fast, seeded pseudo-random generator (xoshiro256** seeded through SplitMix64) whose
/// sequence is fixed by its seed on every runtime and platform. The library never reads global
/// randomness: every random choice (bootstrap resamples, red-packet draws, simulations) takes one of
/// these, so the same seed always gives the same result. Not for cryptography.
/// </summary>
/// <remarks>Mutable and not thread-safe: each draw advances its state, so give each thread its own generator (seeded from the run's seed) to keep results reproducible.</remarks>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from a seed; equal seeds give equal sequences.</summary>
    /// <param name="seed">Any 64-bit seed; the same seed gives the same draws on every machine.</param>
    public SeededRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    /// <returns>A value over the whole range of <see cref="ulong"/>.</returns>
    public ulong NextUInt64()
    {
        var result = unchecked(ulong.RotateLeft(_s1 * 5, 7) * 9);
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias (Lemire's method).</summary>
    /// <param name="maxExclusive">The exclusive upper bound (positive).</param>
    /// <returns>The integer.</returns>
    public long NextInt64(long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var range = (ulong)maxExclusive;
        var m = (UInt128)NextUInt64() * range;
        var low = unchecked((ulong)m);
        if (low < range)
        {
            var threshold = unchecked(0 - range) % range;
            while (low < threshold)
            {
                m = (UInt128)NextUInt64() * range;
                low = unchecked((ulong)m);
            }
        }

        return (long)(ulong)(m >> 64);
    }

    /// <summary>A uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxInclusive"/>].</summary>
    /// <param name="minInclusive">The smallest value.</param>
    /// <param name="maxInclusive">The largest value (at least <paramref name="minInclusive"/>; the span must fit a long).</param>
    /// <returns>The integer.</returns>
    public long NextInt64(long minInclusive, long maxInclusive)
    {
        if (maxInclusive < minInclusive)
        {
            throw new ArgumentOutOfRangeException(nameof(maxInclusive), $"The range [{minInclusive}, {maxInclusive}] is empty.");
        }

        var span = (Int128)maxInclusive - minInclusive + 1;
        if (span > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(maxInclusive), "The range is wider than a long can count.");
        }

        return minInclusive + NextInt64((long)span);
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    /// <param name="maxExclusive">The exclusive upper bound (positive).</param>
    /// <returns>The integer.</returns>
    public int NextInt32(int maxExclusive) => (int)NextInt64(maxExclusive);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    /// <returns>The double.</returns>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    /// <param name="probability">A probability in [0, 1].</param>
    /// <returns>The outcome.</returns>
    public bool NextBool(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), $"A probability must lie in [0, 1]; got {probability}.");
        }

        return NextDouble() < probability;
    }

    /// <summary>Shuffles a span in place (Fisher-Yates).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="items">The items to shuffle in place.</param>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt32(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A new generator seeded from this one: independent streams for sub-tasks, still reproducible.</summary>
    /// <returns>The new generator.</returns>
    public SeededRandom Fork() => new(NextUInt64());

    private static ulong SplitMix(ref ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
