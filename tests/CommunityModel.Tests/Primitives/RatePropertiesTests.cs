using CommunityModel.Primitives;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Primitives;

public class RatePropertiesTests
{
    [Property(MaxTest = 1000)]
    public Property Apply_Floor_NeverExceedsExactProductAndIsWithinOneUnit() =>
        Prop.ForAll(Arb.From(Gens.Amount), Arb.From(Gens.RatePpm), (amount, ppm) =>
        {
            var paid = Rate.FromPartsPerMillion(ppm).Apply(Money.OfMinor(amount, Currency.CNY), RoundingMode.Floor).MinorUnits;
            var exactTimesMillion = (Int128)amount * ppm;
            var scaled = (Int128)paid * 1_000_000;
            return scaled <= exactTimesMillion && scaled + 1_000_000 > exactTimesMillion;
        });

    [Property(MaxTest = 1000)]
    public Property Apply_HalfEvenAndHalfUp_MatchDecimalRounding() =>
        Prop.ForAll(Arb.From(Gens.Amount), Arb.From(Gens.RatePpm), (amount, ppm) =>
        {
            var rate = Rate.FromPartsPerMillion(ppm);
            var money = Money.OfMinor(amount, Currency.CNY);
            var exact = (decimal)amount * ppm / 1_000_000m;
            var even = rate.Apply(money, RoundingMode.HalfEven).MinorUnits;
            var up = rate.Apply(money, RoundingMode.HalfUp).MinorUnits;
            var ceil = rate.Apply(money, RoundingMode.Ceiling).MinorUnits;
            return (even == (long)Math.Round(exact, MidpointRounding.ToEven)).Label($"half-even {even} vs {exact}")
                .And(up == (long)Math.Round(exact, MidpointRounding.AwayFromZero)).Label($"half-up {up} vs {exact}")
                .And(ceil == (long)Math.Ceiling(exact)).Label($"ceiling {ceil} vs {exact}");
        });

    [Theory]
    [InlineData(10, 100_000)]
    [InlineData(12.5, 125_000)]
    [InlineData(0.0001, 1)]
    [InlineData(0, 0)]
    public void FromPercent_IsExact(decimal percent, long ppm)
    {
        Assert.Equal(ppm, Rate.FromPercent(percent).PartsPerMillion);
    }

    [Fact]
    public void Builders_AgreeAndRejectBadInput()
    {
        Assert.Equal(Rate.FromPercent(5), Rate.FromBasisPoints(500));
        Assert.Equal(Rate.FromPercent(5), Rate.FromFraction(1, 20));
        Assert.Throws<ArgumentException>(() => Rate.FromPercent(0.00001m));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(-1));
        Assert.Throws<ArgumentException>(() => Rate.FromFraction(1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPartsPerMillion(-1));
        Assert.Equal("12.5%", Rate.FromPercent(12.5m).ToString());
    }

    [Fact]
    public void Apply_HugeAmount_DoesNotOverflow()
    {
        var amount = Money.OfMinor(1_000_000_000_000_000, Currency.CNY);
        Assert.Equal(100_000_000_000_000_000, Rate.FromPartsPerMillion(Rate.MaxPartsPerMillion).Apply(amount).MinorUnits);
    }

    [Theory]
    [InlineData(25, RoundingMode.Floor, 2)]
    [InlineData(25, RoundingMode.Ceiling, 3)]
    [InlineData(25, RoundingMode.HalfEven, 2)]
    [InlineData(35, RoundingMode.HalfEven, 4)]
    [InlineData(25, RoundingMode.HalfUp, 3)]
    [InlineData(-25, RoundingMode.Floor, -3)]
    [InlineData(-25, RoundingMode.HalfUp, -3)]
    [InlineData(-25, RoundingMode.HalfEven, -2)]
    [InlineData(-25, RoundingMode.Ceiling, -2)]
    public void Apply_TenPercent_RoundsAsDocumented(long amount, RoundingMode mode, long expected)
    {
        Assert.Equal(expected, Rate.FromPercent(10).Apply(Money.OfMinor(amount, Currency.CNY), mode).MinorUnits);
    }
}
