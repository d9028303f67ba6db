using FsCheck;
using FsCheck.Fluent;

namespace CommunityModel.Tests.Generators;

/// <summary>Shared generators, including the nasty shapes: zero, one minor unit, huge amounts, ties.</summary>
public static class Gens
{
    /// <summary>A long in [min, max], spread over magnitudes so that small and huge values both appear.</summary>
    public static Gen<long> Int64In(long min, long max) =>
        from bits in Gen.Choose(0, 62)
        from hi in Gen.Choose(0, int.MaxValue)
        from lo in Gen.Choose(0, int.MaxValue)
        from neg in Gen.Elements(false, true)
        let raw = (((long)hi << 31) | (uint)lo) & (bits == 62 ? long.MaxValue : (1L << bits) - 1)
        let v = neg ? -raw : raw
        select Math.Clamp(v, min, max);

    /// <summary>Amounts in minor units up to ±10^15 with the edge values mixed in.</summary>
    public static Gen<long> Amount { get; } = Gen.Frequency(
        (8, Int64In(-1_000_000_000_000_000, 1_000_000_000_000_000)),
        (1, Gen.Elements(0L, 1L, -1L, 2L, 99L, 100L, 1_000_000_000_000_000L, -1_000_000_000_000_000L)));

    /// <summary>Non-negative amounts up to 10^15.</summary>
    public static Gen<long> NonNegativeAmount { get; } = Amount.Select(Math.Abs);

    /// <summary>Rates in ppm from 0 to 100x, with the common ones mixed in.</summary>
    public static Gen<long> RatePpm { get; } = Gen.Frequency(
        (4, Gen.Choose(0, 1_000_000).Select(i => (long)i)),
        (1, Gen.Choose(0, 100_000_000).Select(i => (long)i)),
        (2, Gen.Elements(0L, 1L, 500_000L, 100_000L, 50_000L, 1_000_000L, 333_333L, 125_000L)));

    /// <summary>Non-empty weights with a positive sum, including ties and zeros.</summary>
    public static Gen<long[]> Weights { get; } =
        Gen.Frequency(
                (3, Gen.Choose(0, 1_000_000).Select(i => (long)i)),
                (1, Gen.Elements(0L, 1L, 3L, 7L)),
                (1, Int64In(0, 1_000_000_000_000)))
            .ArrayOf()
            .Where(a => a.Length > 0 && a.Length <= 50 && a.Sum(w => (decimal)w) > 0);
}
