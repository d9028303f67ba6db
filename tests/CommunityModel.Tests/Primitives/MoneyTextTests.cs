using CommunityModel.Primitives;

namespace CommunityModel.Tests.Primitives;

public class MoneyTextTests
{
    [Theory]
    [InlineData(1234, "CNY", "CNY 12.34")]
    [InlineData(-5, "CNY", "CNY -0.05")]
    [InlineData(0, "CNY", "CNY 0.00")]
    [InlineData(500, "JPY", "JPY 500")]
    [InlineData(-500, "JPY", "JPY -500")]
    [InlineData(long.MinValue, "USD", "USD -92233720368547758.08")]
    [InlineData(1234, "KWD", "KWD 1.234")]
    public void ToString_FormatsInvariantly(long minor, string code, string expected)
    {
        var money = Money.OfMinor(minor, Currency.FromCode(code));
        Assert.Equal(expected, money.ToString());
        Assert.Equal(money, Money.Parse(expected));
    }

    [Theory]
    [InlineData("12.34", 1234)]
    [InlineData("12.3", 1230)]
    [InlineData("12", 1200)]
    [InlineData("-0.5", -50)]
    [InlineData("0", 0)]
    [InlineData("CNY 7.01", 701)]
    public void Parse_WithCurrency_ReadsMajorUnits(string text, long minor)
    {
        Assert.Equal(Money.OfMinor(minor, Currency.CNY), Money.Parse(text, Currency.CNY));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12.345")]
    [InlineData("12.")]
    [InlineData(".5")]
    [InlineData("1,000")]
    [InlineData("+5")]
    [InlineData("--5")]
    [InlineData("99999999999999999999")]
    [InlineData("USD 1.00")]
    public void Parse_BadText_ThrowsFormatException(string text)
    {
        var ex = Assert.Throws<FormatException>(() => Money.Parse(text, Currency.CNY));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.False(Money.TryParse(text, Currency.CNY, out _));
    }

    [Fact]
    public void Parse_Jpy_RejectsDecimals()
    {
        Assert.Equal(Money.OfMinor(500, Currency.JPY), Money.Parse("JPY 500"));
        var ex = Assert.Throws<FormatException>(() => Money.Parse("500.5", Currency.JPY));
        Assert.Contains("JPY allows 0", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CNY12.34")]
    [InlineData("XXX 1.00")]
    [InlineData("12.34")]
    public void Parse_WithoutKnownCode_Throws(string text)
    {
        Assert.Throws<FormatException>(() => Money.Parse(text));
    }

    [Fact]
    public void OfMajor_IsExactOrRejected()
    {
        Assert.Equal(1234, Money.OfMajor(12.34m, Currency.CNY).MinorUnits);
        Assert.Throws<ArgumentException>(() => Money.OfMajor(12.345m, Currency.CNY));
        Assert.Equal(12.34m, Money.OfMinor(1234, Currency.CNY).ToMajor());
    }
}
