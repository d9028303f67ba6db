using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Primitives;

/// <summary>
/// Money at its edges: the exact limits of 64-bit minor units, the operation each overflow names, parsing near
/// the limits, and the largest-remainder allocation on both of its paths (up to 64 weights and beyond), against a
/// reference written the plain way. Written from the survivors of a mutation run (tests/README.md).
/// </summary>
public class MoneyEdgeTests
{
    private static readonly Currency Cny = Currency.CNY;

    private static Money M(long minor) => Money.OfMinor(minor, Cny);

    private static string OverflowOf(Action action)
    {
        var e = Assert.Throws<InvalidInputException>(action);
        var rule = Assert.IsType<MoneyOverflowRule>(e.Rule);
        Assert.Equal("money.overflow", rule.Code);
        return rule.Operation;
    }

    [Fact]
    public void Arithmetic_ReachesBothLimitsExactly_AndNamesTheOperationThatWouldPassThem()
    {
        Assert.Equal(long.MaxValue, (M(long.MaxValue - 1) + M(1)).MinorUnits);
        Assert.Equal(long.MinValue, (M(long.MinValue + 1) - M(1)).MinorUnits);
        Assert.Equal(long.MaxValue, M(long.MaxValue - 1).Add(M(1)).MinorUnits);
        Assert.Equal(long.MinValue, M(long.MinValue + 1).Subtract(M(1)).MinorUnits);
        Assert.Equal(long.MaxValue, (M(long.MaxValue) * 1).MinorUnits);
        Assert.Equal(long.MinValue, (M(long.MinValue) * 1).MinorUnits);
        Assert.Equal(long.MinValue, (M(long.MinValue / 2) * 2).MinorUnits);
        Assert.Equal(-10, M(5).Multiply(-2).MinorUnits);
        Assert.Equal(M(-5), -M(5));
        Assert.Equal(M(long.MaxValue), -M(-long.MaxValue));

        Assert.Equal("addition", OverflowOf(() => _ = M(long.MaxValue) + M(1)));
        Assert.Equal("subtraction", OverflowOf(() => _ = M(long.MinValue) - M(1)));
        Assert.Equal("multiplication", OverflowOf(() => _ = M(long.MaxValue) * 2));
        Assert.Equal("multiplication", OverflowOf(() => _ = M((long.MinValue / 2) - 1) * 2));
        Assert.Equal("negation", OverflowOf(() => _ = -M(long.MinValue)));
        Assert.Equal("OfMajor", OverflowOf(() => Money.OfMajor(decimal.MaxValue, Cny)));
        Assert.Equal("OfMajor", OverflowOf(() => Money.OfMajor(92233720368547758.08m, Cny)));
        Assert.Contains("The result of negation does not fit", Assert.Throws<InvalidInputException>(() => -M(long.MinValue)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OfMajor_TakesEveryAmountInRange_ToTheFen()
    {
        Assert.Equal(long.MinValue, Money.OfMajor(-92233720368547758.08m, Cny).MinorUnits);
        Assert.Equal(long.MaxValue, Money.OfMajor(92233720368547758.07m, Cny).MinorUnits);
        Assert.Equal(-1, Money.OfMajor(-0.01m, Cny).MinorUnits);
        Assert.Throws<ArgumentException>(() => Money.OfMajor(0.001m, Cny));
    }

    [Fact]
    public void Comparisons_AreStrictWhereTheyShouldBe()
    {
        var (a, b, same) = (M(1), M(2), M(1));
        Assert.False(a < same);
        Assert.False(a > same);
        Assert.True(a <= same && a >= same);
        Assert.True(a < b && b > a);
        Assert.Equal(a, Money.Min(a, b));
        Assert.Equal(a, Money.Min(b, a));
        Assert.Equal(b, Money.Max(a, b));
        Assert.Equal(b, Money.Max(b, a));
    }

    [Theory]
    [InlineData("92233720368547758.07", long.MaxValue)]
    [InlineData("-92233720368547758.08", long.MinValue)]
    [InlineData("CNY 10000000000000000.5", 1000000000000000050)]
    [InlineData("12.3", 1230)]
    [InlineData("-0", 0)]
    public void Parse_NearTheLimits_IsExact(string text, long minor)
    {
        Assert.True(Money.TryParse(text, Cny, out var money));
        Assert.Equal(minor, money.MinorUnits);
        Assert.Equal(minor, Money.Parse(text, Cny).MinorUnits);
    }

    [Theory]
    [InlineData("92233720368547758.08", "is too large")]
    [InlineData("-92233720368547758.09", "is too large")]
    [InlineData("999999999999999999999", "is too large")]
    [InlineData("CNY", "is not an amount")]
    [InlineData("CNY ", "is not an amount")]
    [InlineData("", "An amount is required")]
    [InlineData(".5", "is not an amount")]
    [InlineData("5.", "is not an amount")]
    [InlineData("1.234", "has 3 decimals")]
    public void Parse_Refuses_WithTheReason(string text, string reason)
    {
        Assert.False(Money.TryParse(text, Cny, out _));
        Assert.Contains(reason, Assert.Throws<FormatException>(() => Money.Parse(text, Cny)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WithCode_NeedsAKnownCodeAndOneSpace()
    {
        Assert.Equal(M(1234), Money.Parse("CNY 12.34"));
        Assert.Contains("is not of the form", Assert.Throws<FormatException>(() => Money.Parse(" 12.34")).Message, StringComparison.Ordinal);
        Assert.Contains("is not of the form", Assert.Throws<FormatException>(() => Money.Parse("CNY")).Message, StringComparison.Ordinal);
        Assert.Contains("'XYZ' is not a known currency code", Assert.Throws<FormatException>(() => Money.Parse("XYZ 1.00")).Message, StringComparison.Ordinal);
        Assert.False(Money.TryParse("1.00", default, out _));
    }

    [Fact]
    public void SplitAndAllocate_RefuseWhatCannotBeShared()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => M(100).Split(0));
        Assert.Throws<ArgumentException>(() => Money.AllocateMinor(100, [], []));
        Assert.Throws<ArgumentException>(() => Money.AllocateMinor(100, [1, 1], new long[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Money.AllocateMinor(100, [1, -1], new long[2]));
        Assert.Throws<ArgumentException>(() => Money.AllocateMinor(100, [0, 0], new long[2]));
        var whole = new long[1];
        Money.AllocateMinor(long.MaxValue, [1], whole);
        Assert.Equal(long.MaxValue, whole[0]);
        Money.AllocateMinor(long.MinValue, [1], whole);
        Assert.Equal(long.MinValue, whole[0]);
    }

    /// <summary>Largest remainder, ties to the lower index, written the plain way: a full sort of (remainder, index).</summary>
    private static long[] Reference(long amount, long[] weights)
    {
        var total = weights.Aggregate(Int128.Zero, (s, w) => s + w);
        var abs = amount < 0 ? -(Int128)amount : amount;
        var parts = weights.Select(w => abs * w / total).ToArray();
        var left = abs - parts.Aggregate(Int128.Zero, (s, p) => s + p);
        var order = Enumerable.Range(0, weights.Length).OrderByDescending(i => abs * weights[i] % total).ThenBy(i => i).ToArray();
        for (var k = 0; k < left; k++)
        {
            parts[order[k]]++;
        }

        return [.. parts.Select(p => (long)(amount < 0 ? -p : p))];
    }

    [Property(MaxTest = 300)]
    public Property Allocation_IsTheLargestRemainderWithTiesToTheLowerIndex_OnBothPaths() =>
        Prop.ForAll(
            Arb.From(from n in Gen.OneOf(Gen.Choose(1, 64), Gen.Choose(65, 200))
                     from weights in Gen.Choose(0, 6).Select(w => (long)w).ArrayOf(n)
                     from amount in Gen.OneOf(Gen.Choose(-1000, 1000).Select(a => (long)a), Gen.Choose(int.MinValue, int.MaxValue).Select(a => (long)a * 1009))
                     select (amount, weights)),
            c =>
            {
                var (amount, weights) = c;
                if (weights.All(w => w == 0))
                {
                    weights[0] = 1;
                }

                var parts = new long[weights.Length];
                Money.AllocateMinor(amount, weights, parts);
                var expected = Reference(amount, weights);
                return parts.SequenceEqual(expected).Label($"{string.Join(",", parts)} vs {string.Join(",", expected)}");
            });

    [Fact]
    public void Split_GivesTheExtraUnitsToTheFirstParts_AtAnySize()
    {
        Assert.Equal([4, 3, 3], M(10).Split(3).Select(m => m.MinorUnits));
        var many = M(1000).Split(300);
        Assert.Equal(100, many.Count(m => m.MinorUnits == 4));
        Assert.All(many.Take(100), m => Assert.Equal(4, m.MinorUnits));
        Assert.All(many.Skip(100), m => Assert.Equal(3, m.MinorUnits));
    }
}
