using System.Globalization;

namespace CommunityModel.Primitives;

/// <summary>
/// An exact non-negative rate in parts per million (1% = 10,000 ppm; 1 basis point = 100 ppm),
/// for commission and discount rates. Applying a rate to money is exact in 128-bit
/// arithmetic and rounds once, with an explicit <see cref="RoundingMode"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct Rate : IComparable<Rate>, ISpanFormattable
{
    /// <summary>Parts per million in one whole (100%).</summary>
    public const long OneInPartsPerMillion = 1_000_000;

    /// <summary>The largest rate accepted: 100 times the whole (10,000%).</summary>
    public const long MaxPartsPerMillion = 100 * OneInPartsPerMillion;

    private Rate(long partsPerMillion) => PartsPerMillion = partsPerMillion;

    /// <summary>The rate in parts per million.</summary>
    public long PartsPerMillion { get; }

    /// <summary>The zero rate.</summary>
    public static Rate Zero => default;

    /// <summary>The whole (100%).</summary>
    public static Rate One { get; } = new(OneInPartsPerMillion);

    /// <summary>True when this rate is zero.</summary>
    public bool IsZero => PartsPerMillion == 0;

    /// <summary>Creates a rate from parts per million.</summary>
    /// <param name="partsPerMillion">0..<see cref="MaxPartsPerMillion"/>.</param>
    /// <returns>The rate.</returns>
    public static Rate FromPartsPerMillion(long partsPerMillion)
    {
        Preconditions.InRange(partsPerMillion, 0, MaxPartsPerMillion);
        return new Rate(partsPerMillion);
    }

    /// <summary>Creates a rate from basis points (1 bp = 0.01%).</summary>
    /// <param name="basisPoints">Non-negative basis points.</param>
    /// <returns>The rate.</returns>
    public static Rate FromBasisPoints(long basisPoints)
    {
        Preconditions.InRange(basisPoints, 0, MaxPartsPerMillion / 100);
        return new Rate(basisPoints * 100);
    }

    /// <summary>Creates a rate from a percentage, e.g. <c>12.5m</c> for 12.5%. It must be exact to the part per million.</summary>
    /// <param name="percent">A non-negative percentage with at most four decimal places.</param>
    /// <returns>The rate.</returns>
    /// <exception cref="ArgumentException">The percentage is negative, too large, or finer than one part per million.</exception>
    public static Rate FromPercent(decimal percent)
    {
        if (percent < 0 || percent > MaxPartsPerMillion / 10_000m)
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, $"A rate must be between 0% and {MaxPartsPerMillion / 10_000}%.");
        }

        var ppm = percent * 10_000m;
        if (ppm != decimal.Truncate(ppm))
        {
            throw new ArgumentException($"{percent.ToString(CultureInfo.InvariantCulture)}% is finer than one part per million.", nameof(percent));
        }

        // 0 <= percent <= 10,000 was checked above, so ppm is within 0..MaxPartsPerMillion.
        return new Rate((long)ppm);
    }

    /// <summary>Creates the rate <paramref name="numerator"/>/<paramref name="denominator"/>, which must be exact in parts per million.</summary>
    /// <param name="numerator">Non-negative numerator.</param>
    /// <param name="denominator">Positive denominator.</param>
    /// <returns>The rate.</returns>
    public static Rate FromFraction(long numerator, long denominator)
    {
        Preconditions.NotNegative(numerator);
        Preconditions.Positive(denominator);
        var scaled = (Int128)numerator * OneInPartsPerMillion;
        if (scaled % denominator != 0)
        {
            throw new ArgumentException($"{numerator}/{denominator} is not exact in parts per million.", nameof(denominator));
        }

        var ppm = scaled / denominator;
        if (ppm > MaxPartsPerMillion)
        {
            throw new ArgumentOutOfRangeException(nameof(numerator), numerator, $"{numerator}/{denominator} is above the largest rate ({MaxPartsPerMillion / 10_000}%).");
        }

        return FromPartsPerMillion((long)ppm);
    }

    /// <summary>The rate as a percentage.</summary>
    public decimal Percent => PartsPerMillion / 10_000m;

    /// <summary>Applies the rate to an amount: <c>amount × rate</c>, rounded once with <paramref name="mode"/>.</summary>
    /// <param name="amount">The amount the rate is applied to (any sign).</param>
    /// <param name="mode">How the exact product is rounded to a minor unit.</param>
    /// <returns>The rounded product, in the amount's currency.</returns>
    public Money Apply(Money amount, RoundingMode mode = RoundingMode.Floor)
        => new(ApplyToMinor(amount.MinorUnits, mode), amount.Currency);

    /// <summary>Applies the rate to a count of minor units.</summary>
    /// <param name="minorUnits">The amount in minor units.</param>
    /// <param name="mode">The rounding mode.</param>
    /// <returns>The rounded product in minor units.</returns>
    public long ApplyToMinor(long minorUnits, RoundingMode mode = RoundingMode.Floor)
    {
        // Fast path: a non-negative product that fits in 64 bits, floored (the payout default).
        if (mode == RoundingMode.Floor && minorUnits >= 0)
        {
            var high = Math.BigMul((ulong)minorUnits, (ulong)PartsPerMillion, out var low);
            if (high == 0 && low <= long.MaxValue)
            {
                return (long)(low / OneInPartsPerMillion);
            }
        }

        return ExactMath.DivideToInt64((Int128)minorUnits * PartsPerMillion, OneInPartsPerMillion, mode);
    }

    /// <summary>The sum of two rates.</summary>
    /// <param name="a">A rate.</param>
    /// <param name="b">Another rate.</param>
    /// <returns>The sum.</returns>
    public static Rate operator +(Rate a, Rate b) => FromPartsPerMillion(checked(a.PartsPerMillion + b.PartsPerMillion));

    /// <summary>The difference of two rates, never below zero.</summary>
    /// <param name="a">A rate.</param>
    /// <param name="b">The rate taken off.</param>
    /// <returns><c>max(0, a - b)</c>.</returns>
    public static Rate SaturatingSubtract(Rate a, Rate b) => new(Math.Max(0, a.PartsPerMillion - b.PartsPerMillion));

    /// <inheritdoc />
    public int CompareTo(Rate other) => PartsPerMillion.CompareTo(other.PartsPerMillion);

    /// <summary>Compares two rates.</summary>
    /// <param name="left">A rate.</param>
    /// <param name="right">Another rate.</param>
    /// <returns>True when <paramref name="left"/> is smaller.</returns>
    public static bool operator <(Rate left, Rate right) => left.CompareTo(right) < 0;

    /// <summary>Compares two rates.</summary>
    /// <param name="left">A rate.</param>
    /// <param name="right">Another rate.</param>
    /// <returns>True when <paramref name="left"/> is larger.</returns>
    public static bool operator >(Rate left, Rate right) => left.CompareTo(right) > 0;

    /// <summary>Compares two rates.</summary>
    /// <param name="left">A rate.</param>
    /// <param name="right">Another rate.</param>
    /// <returns>True when <paramref name="left"/> is smaller or equal.</returns>
    public static bool operator <=(Rate left, Rate right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two rates.</summary>
    /// <param name="left">A rate.</param>
    /// <param name="right">Another rate.</param>
    /// <returns>True when <paramref name="left"/> is larger or equal.</returns>
    public static bool operator >=(Rate left, Rate right) => left.CompareTo(right) >= 0;

    /// <summary>The rate as a percentage, e.g. <c>12.5%</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Percent.ToString("0.####", CultureInfo.InvariantCulture) + "%";

    /// <summary>The rate as a percentage, e.g. <c>12.5%</c>, whatever the format and culture (invariant, up to four decimals).</summary>
    /// <param name="format">Ignored.</param>
    /// <param name="formatProvider">Ignored.</param>
    /// <returns>The text.</returns>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes the rate as <see cref="ToString()"/> does into a span, allocating nothing.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written (0 when the span is too short).</param>
    /// <param name="format">Ignored.</param>
    /// <param name="provider">Ignored.</param>
    /// <returns>False when the span is too short.</returns>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (Percent.TryFormat(destination, out var n, "0.####", CultureInfo.InvariantCulture) && n < destination.Length)
        {
            destination[n] = '%';
            charsWritten = n + 1;
            return true;
        }

        charsWritten = 0;
        return false;
    }
}
