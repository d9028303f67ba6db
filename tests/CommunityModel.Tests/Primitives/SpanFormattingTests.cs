using System.Globalization;
using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Primitives;

/// <summary>Money, rates and instants written into spans give the same text as their strings, and refuse a span one too short.</summary>
public class SpanFormattingTests
{
    private static readonly Currency[] Currencies = [Currency.CNY, Currency.FromCode("JPY"), Currency.FromCode("KWD"), Currency.FromCode("USD")];

    /// <summary>The amount as decimal arithmetic writes it: the reference the span writer must equal.</summary>
    private static string Reference(long minor, Currency currency)
    {
        var digits = currency.MinorDigits;
        var major = (decimal)minor / currency.MinorPerMajor;
        return major.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    [Property(MaxTest = 2000)]
    public Property TryFormatAmount_EqualsDecimalTextAndFormatAmount() =>
        Prop.ForAll(
            Arb.From(Gen.OneOf(ArbMap.Default.GeneratorFor<long>(), Gen.Choose(-100_000, 100_000).Select(i => (long)i), Gen.Elements(long.MinValue, long.MaxValue, 0L, -1L, 1L))),
            Arb.From(Gen.Choose(0, Currencies.Length - 1)),
            (minor, c) =>
            {
                var money = Money.OfMinor(minor, Currencies[c]);
                var expected = Reference(minor, Currencies[c]);
                var buffer = new char[64];
                var ok = money.TryFormatAmount(buffer, out var n);
                var full = money.TryFormat(buffer.AsSpan(32), out var m, "", null);
                return (ok && new string(buffer, 0, n) == expected && money.FormatAmount() == expected
                        && full && new string(buffer, 32, m) == money.ToString() && money.ToString() == $"{Currencies[c].Code} {expected}"
                        && !money.TryFormatAmount(buffer.AsSpan(0, expected.Length - 1), out var none) && none == 0)
                    .Label($"{minor} {Currencies[c].Code}: {new string(buffer, 0, n)} vs {expected}");
            });

    [Fact]
    public void Money_Formats_GAndA_AndRefusesOthers()
    {
        var money = Money.OfMinor(-1290, Currency.CNY);
        Assert.Equal("CNY -12.90", $"{money}");
        Assert.Equal("CNY -12.90", money.ToString("G", new NumberFormatInfo { NumberDecimalSeparator = ",", NegativeSign = "~" }));
        Assert.Equal("-12.90", money.ToString("A", new NumberFormatInfo { NumberDecimalSeparator = ",", NegativeSign = "~" }));
        Assert.Equal("-12.90", $"{money:A}");
        Assert.Throws<FormatException>(() => money.ToString("N2", null));
    }

    [Property(MaxTest = 1000)]
    public Property Rate_TryFormat_EqualsToString() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 1_000_000)), ppm =>
        {
            var rate = Rate.FromPartsPerMillion(ppm);
            var buffer = new char[32];
            var text = rate.ToString();
            return rate.TryFormat(buffer, out var n, default, null) && new string(buffer, 0, n) == text && $"{rate}" == text
                && !rate.TryFormat(buffer.AsSpan(0, text.Length - 1), out _, default, null);
        });

    [Property(MaxTest = 2000)]
    public Property InstantText_EqualsNodaTimesText() =>
        Prop.ForAll(Arb.From(Gen.OneOf(
                Gen.Choose(-2_000_000, 2_000_000).Select(s => Instant.FromUnixTimeSeconds(s * 997L) + Duration.FromTicks(s % 10_000_000)),
                Gen.Choose(-30_000, 30_000).Select(d => Instant.FromUnixTimeTicks(d * NodaConstants.TicksPerDay * 3 - 1)),
                Gen.Elements(Instant.MinValue, Instant.MaxValue, Instant.FromUtc(1, 1, 1, 0, 0), Instant.FromUtc(9999, 12, 31, 23, 59, 59), Instant.FromUtc(0, 12, 31, 23, 59, 59)))),
            at =>
            {
                var buffer = new char[64];
                var text = at.ToString();
                return (new InstantText(at).TryFormat(buffer, out var n, default, null) && new string(buffer, 0, n) == text
                        && !new InstantText(at).TryFormat(buffer.AsSpan(0, text.Length - 1), out _, default, null))
                    .Label($"{text} vs {new string(buffer, 0, n)}");
            });
}
