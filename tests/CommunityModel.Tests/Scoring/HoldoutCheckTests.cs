using CommunityModel.Primitives;
using CommunityModel.Scoring;
using NodaTime;

namespace CommunityModel.Tests.Scoring;

public class HoldoutCheckTests
{
    private static readonly LocalDate Start = new(2026, 1, 1);

    private static Purchase Buy(string who, int day) => new(MemberId.From(who), Start.PlusDays(day), Money.OfMinor(100, Currency.CNY));

    [Fact]
    public void Compare_CountsHoldoutPurchasesByCalibrationPurchases_AndTracksTheCohort()
    {
        // Calibration: days 0-13 (two weeks); holdout: days 14-27.
        // a: first day 0, repeats on 3 and 10 (x = 2), holdout on 15 and 15 (one day) and 20: 2 holdout days.
        // b: first day 7, no repeat (x = 0), holdout on 21: 1.
        // c: first day 20 (after the calibration end): not in the cohort.
        var purchases = new List<Purchase> { Buy("a", 0), Buy("a", 3), Buy("a", 10), Buy("a", 15), Buy("a", 15), Buy("a", 20), Buy("b", 7), Buy("b", 21), Buy("c", 20), Buy("c", 22) };
        var p = new BgNbdParameters(0.5, 5, 0.8, 2.5);
        var result = HoldoutCheck.CompareBgNbd(purchases, Start.PlusDays(13), Start.PlusDays(27), p, daysPerUnit: 7, groups: 3);

        Assert.Equal(2, result.Customers);
        Assert.Equal(2.0, result.HoldoutLength);
        Assert.Equal(3, result.ActualHoldoutPurchases);
        Assert.Equal(1, result.Groups[0].Customers);
        Assert.Equal(1.0, result.Groups[0].ActualMean);
        Assert.Equal(0, result.Groups[1].Customers);
        Assert.True(result.Groups[2].AndMore);
        Assert.Equal(2.0, result.Groups[2].ActualMean);

        // Predictions: each customer's E[Y(2) | x, t_x, T] in weeks. a: x 2, t_x 10/7, T 13/7; b: x 0, T 6/7.
        var a = BgNbd.ConditionalExpectedPurchases(p, 2, 2, 10 / 7.0, 13 / 7.0);
        var b = BgNbd.ConditionalExpectedPurchases(p, 2, 0, 0, 6 / 7.0);
        Assert.Equal(a, result.Groups[2].PredictedMean, 12);
        Assert.Equal(b, result.Groups[0].PredictedMean, 12);
        Assert.Equal(a + b, result.PredictedHoldoutPurchases, 12);

        // Tracking over four weeks from day 0: repeat days 3, 10, 15, 20 (a) and 21 (b), counted before days 7, 14,
        // 21 and 28: 1, 2, 4, 5.
        Assert.Equal([1.0, 2.0, 4.0, 5.0], result.Tracking.Select(t => t.Actual));
        // Expected by the end of week 2 (day 14): a has had 13 days, b 6: E[X(13/7)] + E[X(6/7)].
        Assert.Equal(BgNbd.ExpectedPurchases(p, 13 / 7.0) + BgNbd.ExpectedPurchases(p, 6 / 7.0), result.Tracking[1].Expected, 12);
    }

    [Fact]
    public void Compare_ParetoNbd_UsesItsOwnPredictions()
    {
        var purchases = new List<Purchase> { Buy("a", 0), Buy("a", 3), Buy("a", 20), Buy("b", 7) };
        var p = new ParetoNbdParameters(0.55, 10.58, 0.61, 11.67);
        var result = HoldoutCheck.CompareParetoNbd(purchases, Start.PlusDays(13), Start.PlusDays(27), p);
        Assert.Equal(
            ParetoNbd.ConditionalExpectedPurchases(p, 2, 1, 3 / 7.0, 13 / 7.0) + ParetoNbd.ConditionalExpectedPurchases(p, 2, 0, 0, 6 / 7.0),
            result.PredictedHoldoutPurchases,
            12);
    }

    [Fact]
    public void Split_RefusesAnObservationEndNotAfterTheCalibrationEnd()
        => Assert.Throws<ArgumentException>(() => HoldoutCheck.Split([Buy("a", 0)], Start.PlusDays(13), Start.PlusDays(13)));
}
