using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Tests.Primitives;

public class CurrencyTests
{
    [Fact]
    public void BuiltIns_HaveIsoDigits()
    {
        Assert.Equal(2, Currency.CNY.MinorDigits);
        Assert.Equal(2, Currency.USD.MinorDigits);
        Assert.Equal(2, Currency.EUR.MinorDigits);
        Assert.Equal(0, Currency.JPY.MinorDigits);
        Assert.Equal(Currency.JPY, Currency.FromCode("JPY"));
        Assert.Equal(100, Currency.CNY.MinorPerMajor);
    }

    [Fact]
    public void Define_OtherCurrency_Works()
    {
        var xts = Currency.Define("XTS", 4);
        Assert.Equal("XTS", xts.Code);
        Assert.Equal(10_000, xts.MinorPerMajor);
        Assert.Equal("XTS 1.2345", Money.OfMinor(12345, xts).ToString());
    }

    [Theory]
    [InlineData("cny", 2, "currency.code.format")]
    [InlineData("", 2, "currency.code.empty")]
    [InlineData("ABCD", 2, "currency.code.format")]
    [InlineData("XTS", 7, "currency.digits.range")]
    [InlineData("JPY", 2, "currency.digits.conflict")]
    public void Define_BadInput_NamesTheProblem(string code, int digits, string errorCode)
    {
        var ex = Assert.Throws<ArgumentException>(() => Currency.Define(code, digits));
        Assert.Contains(errorCode, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCode_Unknown_SaysHowToDefine()
    {
        var ex = Assert.Throws<ArgumentException>(() => Currency.FromCode("XTS"));
        Assert.Contains("Currency.Define", ex.Message, StringComparison.Ordinal);
    }
}

public class ValidationConventionTests
{
    [Fact]
    public void CurrencyDefinition_ReportsEveryProblemInOnePass()
    {
        var result = new CurrencyDefinition("cn", 9).Validate();
        Assert.NotEmpty(result);
        var codes = result.Select(e => (e.Path, e.Code)).ToHashSet();
        Assert.Contains(("Code", "currency.code.format"), codes);
        Assert.Contains(("MinorDigits", "currency.digits.range"), codes);
    }

    [Fact]
    public void MoneyDefinition_ReportsEveryProblemWithPathAndCode()
    {
        var result = new MoneyDefinition("", "ZZZ").Validate();
        var codes = result.Select(e => (e.Path, e.Code)).ToHashSet();
        Assert.Equal(2, codes.Count);
        Assert.Contains(("Currency", "money.currency.unknown"), codes);
        Assert.Contains(("Amount", "money.amount.empty"), codes);
    }

    [Fact]
    public void MoneyDefinition_BadAmount_IsNamed()
    {
        var result = new MoneyDefinition("1.234", "CNY").Validate();
        var error = Assert.Single(result);
        Assert.Equal("Amount", error.Path);
        Assert.Equal("money.amount.format", error.Code);
    }

    [Fact]
    public void MoneyDefinition_ToMoney_BuildsOrThrowsWithAllErrors()
    {
        Assert.Equal(Money.OfMinor(1234, Currency.CNY), new MoneyDefinition("12.34", "CNY").ToMoney());
        var ex = Assert.Throws<InvalidInputException>(() => new MoneyDefinition(null, null).ToMoney());
        Assert.Equal(2, ex.Problems.Length);
    }
}
