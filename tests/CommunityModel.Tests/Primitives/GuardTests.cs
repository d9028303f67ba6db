using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Primitives;

/// <summary>Inputs at the edge of the ranges give the documented errors, never a raw overflow or index error.</summary>
public class GuardTests
{
    [Fact]
    public void OfMajor_BeyondDecimalsRange_IsAMoneyOverflow()
    {
        var e = Assert.Throws<InvalidInputException>(() => Money.OfMajor(decimal.MaxValue, Currency.CNY));
        Assert.IsType<MoneyOverflowRule>(e.Rule);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => Money.OfMajor(decimal.MinValue, Currency.CNY)).Rule);
        Assert.IsType<MoneyOverflowRule>(Assert.Throws<InvalidInputException>(() => Money.OfMajor(92_233_720_368_547_758.08m, Currency.CNY)).Rule);
        Assert.Equal(long.MaxValue, Money.OfMajor(92_233_720_368_547_758.07m, Currency.CNY).MinorUnits);
    }

    [Fact]
    public void Rates_BeyondTheLargest_AreOutOfRange_NotOverflows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(decimal.MaxValue));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromPercent(10_000.0001m));
        Assert.Equal(Rate.FromPercent(100), Rate.FromFraction(1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromFraction(long.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rate.FromFraction(10_001, 100));
        Assert.Equal(Rate.FromPercent(10_000), Rate.FromFraction(100, 1));
    }

    [Fact]
    public void Split_OfTheSmallestAmount_KeepsEveryUnit()
    {
        var whole = Money.OfMinor(long.MinValue, Currency.CNY);
        Assert.Equal(whole, Assert.Single(whole.Split(1)));
        var halves = whole.Split(2);
        Assert.Equal(long.MinValue / 2, halves[0].MinorUnits);
        Assert.Equal(long.MinValue / 2, halves[1].MinorUnits);
        var parts = new long[3];
        Money.AllocateMinor(long.MinValue, [0, 1, 0], parts);
        Assert.Equal([0L, long.MinValue, 0L], parts);
    }

    [Fact]
    public void MemberAt_OutsideTheTree_IsOutOfRange()
    {
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("a"), null, Instant.FromUtc(2026, 1, 1, 0, 0))]);
        Assert.Equal(MemberId.From("a"), tree.MemberAt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.MemberAt(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.MemberAt(1));
    }
}
