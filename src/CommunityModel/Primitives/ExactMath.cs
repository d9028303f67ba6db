namespace CommunityModel.Primitives;

/// <summary>Exact integer division with an explicit rounding mode.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class ExactMath
{
    /// <summary>Divides <paramref name="numerator"/> by a positive <paramref name="denominator"/> and rounds the exact quotient.</summary>
    /// <param name="numerator">Any 128-bit integer.</param>
    /// <param name="denominator">A strictly positive 128-bit integer.</param>
    /// <param name="mode">The rounding mode.</param>
    /// <returns>The rounded quotient.</returns>
    public static Int128 Divide(Int128 numerator, Int128 denominator, RoundingMode mode)
    {
        if (denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(denominator), "The denominator must be positive.");
        }

        var (q, r) = Int128.DivRem(numerator, denominator);
        // Normalise to floor: q*den + r == num with 0 <= r < den.
        if (r < 0)
        {
            q -= 1;
            r += denominator;
        }

        if (r == 0)
        {
            return q;
        }

        switch (mode)
        {
            case RoundingMode.Floor:
                return q;
            case RoundingMode.Ceiling:
                return q + 1;
            case RoundingMode.HalfUp:
            case RoundingMode.HalfEven:
                var twice = r * 2;
                if (twice < denominator)
                {
                    return q;
                }

                if (twice > denominator)
                {
                    return q + 1;
                }

                if (mode == RoundingMode.HalfEven)
                {
                    return Int128.IsEvenInteger(q) ? q : q + 1;
                }

                // Tie, away from zero: the exact value is q + 1/2.
                return q >= 0 ? q + 1 : q;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown rounding mode.");
        }
    }

    /// <summary>Divides and rounds, then checks the result fits in a <see cref="long"/>.</summary>
    /// <param name="numerator">Any 128-bit integer.</param>
    /// <param name="denominator">A strictly positive integer.</param>
    /// <param name="mode">The rounding mode.</param>
    /// <returns>The rounded quotient.</returns>
    public static long DivideToInt64(Int128 numerator, Int128 denominator, RoundingMode mode)
    {
        var q = Divide(numerator, denominator, mode);
        if (q > long.MaxValue || q < long.MinValue)
        {
            throw new InvalidInputException(new MoneyOverflowRule("a rounded division"));
        }

        return (long)q;
    }
}
