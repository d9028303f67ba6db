using CommunityModel.Primitives;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Primitives;

public class MoneyPropertiesTests
{
    [Property(MaxTest = 500)]
    public Property Allocate_AnyWeights_PartsSumExactlyAndStayWithinOneUnit() =>
        Prop.ForAll(Arb.From(Gens.Amount), Arb.From(Gens.Weights), (amount, weights) =>
        {
            var money = Money.OfMinor(amount, Currency.CNY);
            var parts = money.Allocate(weights);
            var sum = parts.Aggregate(Money.Zero(Currency.CNY), (a, b) => a + b);
            Int128 total = 0;
            foreach (var w in weights)
            {
                total += w;
            }

            var within = true;
            for (var i = 0; i < weights.Length; i++)
            {
                // |part - amount*w/total| < 1  <=>  |part*total - amount*w| < total
                var diff = ((Int128)parts[i].MinorUnits * total) - ((Int128)amount * weights[i]);
                within &= Int128.Abs(diff) < total;
            }

            return (sum == money).Label($"sum {sum} != {money}") .And(within).Label("a part is a unit or more from its share");
        });

    [Fact]
    public void Allocate_Ties_GoToLowerIndexDeterministically()
    {
        var parts = Money.OfMinor(100, Currency.CNY).Allocate([1, 1, 1]);
        Assert.Equal([34L, 33L, 33L], parts.Select(p => p.MinorUnits));
        var neg = Money.OfMinor(-100, Currency.CNY).Allocate([1, 1, 1]);
        Assert.Equal([-34L, -33L, -33L], neg.Select(p => p.MinorUnits));
    }

    [Fact]
    public void Allocate_ManyWeights_UsesTheSameTieRule()
    {
        var weights = Enumerable.Repeat(1L, 100).ToArray();
        var parts = Money.OfMinor(150, Currency.CNY).Allocate(weights);
        Assert.All(parts.Take(50), p => Assert.Equal(2, p.MinorUnits));
        Assert.All(parts.Skip(50), p => Assert.Equal(1, p.MinorUnits));
        weights[99] = 3; // total weight 102: the last gets 150 * 3 / 102 = 4.41 -> 4, each other 1.47 -> 1 or 2
        var uneven = Money.OfMinor(150, Currency.CNY).Allocate(weights);
        Assert.Equal(150, uneven.Sum(p => p.MinorUnits));
        Assert.Equal(4, uneven[99].MinorUnits);
    }

    [Fact]
    public void Allocate_LargestRemainderWins()
    {
        // 10 over weights 1,2,7 (sum 10) is exact; 11 over 1,2,7 gives 1.1, 2.2, 7.7 -> 1, 2, 8.
        var parts = Money.OfMinor(11, Currency.CNY).Allocate([1, 2, 7]);
        Assert.Equal([1L, 2L, 8L], parts.Select(p => p.MinorUnits));
    }

    [Fact]
    public void Allocate_BadWeights_Throw()
    {
        var m = Money.OfMinor(10, Currency.CNY);
        Assert.Throws<ArgumentException>(() => m.Allocate([]));
        Assert.Throws<ArgumentException>(() => m.Allocate([0, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Allocate([1, -1]));
    }

    [Property(MaxTest = 500)]
    public Property Addition_IsCommutativeAndAssociative() =>
        Prop.ForAll(Arb.From(Gens.Amount), Arb.From(Gens.Amount), Arb.From(Gens.Amount), (a, b, c) =>
        {
            var x = Money.OfMinor(a, Currency.USD);
            var y = Money.OfMinor(b, Currency.USD);
            var z = Money.OfMinor(c, Currency.USD);
            return x + y == y + x && (x + y) + z == x + (y + z) && (x + y) - y == x;
        });

    [Fact]
    public void Addition_Overflow_ThrowsNamedRule()
    {
        var big = Money.OfMinor(long.MaxValue, Currency.CNY);
        var ex = Assert.Throws<InvalidInputException>(() => big + Money.OfMinor(1, Currency.CNY));
        Assert.IsType<MoneyOverflowRule>(ex.Rule);
        Assert.Throws<InvalidInputException>(() => Money.OfMinor(long.MinValue, Currency.CNY) - Money.OfMinor(1, Currency.CNY));
        Assert.Throws<InvalidInputException>(() => -Money.OfMinor(long.MinValue, Currency.CNY));
        Assert.Throws<InvalidInputException>(() => big * 2);
    }

    [Fact]
    public void MixingCurrencies_ThrowsClearError()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Money.OfMinor(1, Currency.CNY) + Money.OfMinor(1, Currency.USD));
        var rule = Assert.IsType<CurrencyMismatchRule>(ex.Rule);
        Assert.Equal("money.currency.mismatch", ex.Code);
        Assert.Contains("CNY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("USD", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Currency.CNY, rule.Left);
        Assert.Throws<InvalidInputException>(() => Money.OfMinor(1, Currency.CNY) < Money.OfMinor(2, Currency.USD));
    }

    [Fact]
    public void Comparison_Orders()
    {
        var a = Money.OfMinor(-5, Currency.CNY);
        var b = Money.OfMinor(3, Currency.CNY);
        Assert.True(a < b);
        Assert.True(b >= a);
        Assert.Equal(b, Money.Max(a, b));
        Assert.Equal(a, Money.Min(a, b));
    }

    [Fact]
    public void Split_SpreadsTheRemainderOverTheFirstParts()
    {
        Assert.Equal([4L, 3L, 3L], Money.OfMinor(10, Currency.CNY).Split(3).Select(p => p.MinorUnits));
    }
}
