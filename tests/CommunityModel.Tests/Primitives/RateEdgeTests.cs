using System.Numerics;
using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Primitives;

/// <summary>Rates at their edges: every factory's limits, exactness, and applying a rate against a BigInteger reference on both paths.</summary>
public class RateEdgeTests
{
    [Fact]
    public void Factories_TakeTheirWholeRange_AndRefuseOneStepBeyond()
    {
        Assert.Equal(0, Rate.FromPartsPerMillion(0).PartsPerMillion);
        Assert.Equal(Rate.MaxPartsPerMillion, Rate.FromPartsPerMillion(Rate.MaxPartsPerMillion).PartsPerMillion);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPartsPerMillion(Rate.MaxPartsPerMillion + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPartsPerMillion(-1));

        Assert.Equal(700, Rate.FromBasisPoints(7).PartsPerMillion);
        Assert.Equal(Rate.MaxPartsPerMillion, Rate.FromBasisPoints(1_000_000).PartsPerMillion);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromBasisPoints(1_000_001));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromBasisPoints(-1));

        Assert.Equal(125_000, Rate.FromPercent(12.5m).PartsPerMillion);
        Assert.Equal(1, Rate.FromPercent(0.0001m).PartsPerMillion);
        Assert.Equal(0, Rate.FromPercent(0m).PartsPerMillion);
        Assert.Equal(Rate.MaxPartsPerMillion, Rate.FromPercent(10_000m).PartsPerMillion);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(10_000.0001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(-0.0001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(decimal.MaxValue));
        Assert.Contains("finer than one part per million", Assert.Throws<ArgumentException>(() => Rate.FromPercent(0.00001m)).Message, StringComparison.Ordinal);

        Assert.Equal(125_000, Rate.FromFraction(1, 8).PartsPerMillion);
        Assert.Equal(0, Rate.FromFraction(0, 5).PartsPerMillion);
        Assert.Equal(Rate.MaxPartsPerMillion, Rate.FromFraction(100, 1).PartsPerMillion);
        Assert.Contains("is not exact", Assert.Throws<ArgumentException>(() => Rate.FromFraction(1, 3)).Message, StringComparison.Ordinal);
        Assert.Contains("above the largest rate", Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromFraction(101, 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromFraction(long.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromFraction(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromFraction(1, 0));
    }

    [Fact]
    public void SumsComparisonsAndText()
    {
        var (five, ten, alsoFive) = (Rate.FromPercent(5), Rate.FromPercent(10), Rate.FromPercent(5));
        Assert.Equal(Rate.FromPercent(15), five + ten);
        Assert.Equal(Rate.MaxPartsPerMillion, (Rate.FromPercent(9_990) + ten).PartsPerMillion);
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(9_995) + ten);
        Assert.Equal(Rate.FromPercent(5), Rate.SaturatingSubtract(ten, five));
        Assert.Equal(Rate.Zero, Rate.SaturatingSubtract(five, ten));
        Assert.True(five < ten && ten > five && five <= alsoFive && five >= alsoFive);
        Assert.False(five < alsoFive || five > alsoFive || ten <= five || five >= ten);
        Assert.True(Rate.Zero.IsZero && !five.IsZero);
        Assert.Equal(1_000_000, Rate.One.PartsPerMillion);
        Assert.Equal("12.5%", Rate.FromPercent(12.5m).ToString());
        Assert.Equal("0.0001%", Rate.FromPartsPerMillion(1).ToString());
        Assert.Equal(12.5m, Rate.FromPercent(12.5m).Percent);
    }

    private static long Reference(long minor, long ppm, RoundingMode mode)
    {
        var exact = (BigInteger)minor * ppm;
        var q = BigInteger.DivRem(exact, Rate.OneInPartsPerMillion, out var r);
        if (r.IsZero)
        {
            return (long)q;
        }

        var floor = exact.Sign < 0 ? q - 1 : q;
        var twice = BigInteger.Abs(r) * 2;
        var half = twice.CompareTo((BigInteger)Rate.OneInPartsPerMillion);
        var result = mode switch
        {
            RoundingMode.Floor => floor,
            RoundingMode.Ceiling => floor + 1,
            RoundingMode.HalfEven => half < 0 ? (exact.Sign < 0 ? floor + 1 : floor) : half > 0 ? (exact.Sign < 0 ? floor : floor + 1) : (floor.IsEven ? floor : floor + 1),
            _ => half < 0 ? (exact.Sign < 0 ? floor + 1 : floor) : half > 0 ? (exact.Sign < 0 ? floor : floor + 1) : (exact.Sign < 0 ? floor : floor + 1),
        };
        return (long)result;
    }

    [Property(MaxTest = 2000)]
    public Property Apply_IsTheExactProductRoundedOnce_OnTheFastAndTheExactPath() =>
        Prop.ForAll(
            Arb.From(from minor in Gen.OneOf(
                         Gen.Choose(-100_000, 100_000).Select(v => (long)v),
                         Gen.Choose(int.MinValue, int.MaxValue).Select(v => (long)v * 4_294_967L),
                         Gen.Choose(0, 1000).Select(v => long.MaxValue / 100 - v),
                         Gen.Choose(0, 1000).Select(v => long.MinValue / 100 + v))
                     from ppm in Gen.OneOf(Gen.Choose(0, 1_000_000), Gen.Choose(0, (int)Rate.MaxPartsPerMillion), Gen.Elements(0, 1, 5, 500_000, 999_999, 1_000_000))
                     from mode in Gen.Elements(RoundingMode.Floor, RoundingMode.HalfEven, RoundingMode.HalfUp, RoundingMode.Ceiling)
                     select (minor, (long)ppm, mode)),
            c =>
            {
                var (minor, ppm, mode) = c;
                var rate = Rate.FromPartsPerMillion(ppm);
                var expected = Reference(minor, ppm, mode);
                return (rate.ApplyToMinor(minor, mode) == expected && rate.Apply(Money.OfMinor(minor, Currency.CNY), mode).MinorUnits == expected)
                    .Label($"{minor} x {ppm} ppm {mode}: {rate.ApplyToMinor(minor, mode)} vs {expected}");
            });

    [Fact]
    public void Apply_PastTheFastPath_IsStillExact()
    {
        // minor x ppm above 2^63 leaves the 64-bit fast path; the result still fits.
        Assert.Equal(long.MaxValue / 2, Rate.FromPercent(50).ApplyToMinor(long.MaxValue - 1));
        Assert.Equal(long.MaxValue, Rate.One.ApplyToMinor(long.MaxValue));
        Assert.Equal(long.MinValue, Rate.One.ApplyToMinor(long.MinValue));
        Assert.Equal(-2, Rate.FromPercent(10).ApplyToMinor(-15));                       // floor of -1.5
        Assert.Equal(-1, Rate.FromPercent(10).ApplyToMinor(-15, RoundingMode.Ceiling));
    }
}
