using CommunityModel.Primitives;
using CommunityModel.Scoring;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Scoring;

/// <summary>
/// BG/NBD predictions hold everywhere: compared with 60-digit values made once with mpmath 1.3.0
/// (mp.dps = 60; E[Y(t) | x, t_x, T] and E[X(t)] written with Euler's transformation
/// (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z), which mpmath sums directly), and finite
/// wherever the inputs are.
/// </summary>
public class BgNbdNumericsTests
{
    private static readonly BgNbdParameters Cdnow = new(0.243, 4.414, 0.793, 2.426);

    [Theory]
    [InlineData(39, 2000, 38, 38.86, 1.2664255041031154e-11)]
    [InlineData(39, 2, 30.43, 38.86, 1.2260281747671445)]
    [InlineData(39, 0, 0, 38.86, 0.19509805201126264)]
    [InlineData(52, 1100, 30, 38.86, 4.4901528210883579e-104)]
    [InlineData(10000, 5, 30, 38.86, 46.460745817638028)]
    [InlineData(39, 10_000_000, 38.86, 38.86, 6871878.5067089089)]
    public void ConditionalExpectedPurchases_MatchesHighPrecision_ForManyPurchasesAndLongHorizons(double t, int x, double tx, double age, double expected)
    {
        var actual = BgNbd.ConditionalExpectedPurchases(Cdnow, t, x, tx, age);
        Assert.True(double.IsFinite(actual), $"{actual}");
        Assert.Equal(expected, actual, expected * 1e-9);
    }

    [Fact]
    public void ConditionalExpectedPurchases_BelowTheSmallestDouble_IsZero_NotNaN()
    {
        // The true value is 1.3568826397524461e-353, below double's range.
        Assert.Equal(0.0, BgNbd.ConditionalExpectedPurchases(Cdnow, 39, 100_000, 38.5, 38.86));
    }

    [Theory]
    [InlineData(1, 0.05326789117165828)]
    [InlineData(39, 1.1967231933208168)]
    [InlineData(10000, 15.067913315055178)]
    public void ExpectedPurchases_MatchesHighPrecision(double t, double expected) =>
        Assert.Equal(expected, BgNbd.ExpectedPurchases(Cdnow, t), expected * 1e-9);

    [Fact]
    public void AtAEqualToOne_ThePredictionsTakeTheirFiniteLimit()
    {
        // mpmath at a = 1 + 1e-31 (the limit to far more digits than a double holds).
        var p = new BgNbdParameters(0.5, 4, 1, 2.5);
        Assert.Equal(0.97798788477639027, BgNbd.ConditionalExpectedPurchases(p, 39, 3, 20, 38), 1e-12);
        Assert.Equal(2.1462155019419648, BgNbd.ExpectedPurchases(p, 39), 1e-12);
        var near = new BgNbdParameters(0.5, 4, 1 + 1e-9, 2.5);
        Assert.Equal(BgNbd.ExpectedPurchases(p, 39), BgNbd.ExpectedPurchases(near, 39), 1e-7);
    }

    /// <summary>Parameters over the fitted ranges, a history (x up to 10^5, recency a share of the age) and a positive amount.</summary>
    private static Arbitrary<(BgNbdParameters P, int X, double Tx, double Age, double More)> Histories(Gen<double> more) =>
        Arb.From(from r in Gen.Choose(5, 500) from alpha in Gen.Choose(10, 2000) from a in Gen.Choose(50, 500) from b in Gen.Choose(50, 500)
                 from x in Gen.OneOf(Gen.Choose(0, 50), Gen.Choose(0, 100_000)) from age in Gen.Choose(1, 2000) from txShare in Gen.Choose(0, 100)
                 from m in more
                 select (new BgNbdParameters(r / 100.0, alpha / 100.0, a / 100.0, b / 100.0), x, x == 0 ? 0 : age / 10.0 * txShare / 100, age / 10.0, m));

    [Property(MaxTest = 300)]
    public Property Predictions_AreFiniteNonNegative_AndGrowWithTheHorizon() =>
        Prop.ForAll(
            Histories(Gen.Choose(1, 10_000).Select(t => (double)t)),
            c =>
            {
                var (p, x, tx, age, t) = c;
                var now = BgNbd.ConditionalExpectedPurchases(p, t, x, tx, age);
                var later = BgNbd.ConditionalExpectedPurchases(p, t * 2, x, tx, age);
                var prior = BgNbd.ExpectedPurchases(p, t);
                return (double.IsFinite(now) && now >= 0 && later >= now * (1 - 1e-12) && double.IsFinite(prior) && prior >= 0)
                    .Label($"now {now}, later {later}, prior {prior}");
            });

    [Property(MaxTest = 300)]
    public Property ProbabilityAlive_IsInUnitRange_AndDoesNotRiseWithAge_ForTheSameHistory() =>
        Prop.ForAll(
            Histories(Gen.Choose(0, 500).Select(later => later / 10.0)),
            c =>
            {
                var (p, x, tx, age, more) = c;
                var now = BgNbd.ProbabilityAlive(p, x, tx, age);
                var older = BgNbd.ProbabilityAlive(p, x, tx, age + more);

                // The batch (vector lanes) agrees, and keeps the same order.
                var batch = BgNbd.ProbabilityAlive(p, [new RepeatSummary(MemberId.From("a"), x, tx, age), new RepeatSummary(MemberId.From("b"), x, tx, age + more)]);
                return (now is >= 0 and <= 1 && older <= now && batch[1] <= batch[0] * (1 + 1e-12)
                        && Math.Abs(batch[0] - now) <= 1e-12 * now && Math.Abs(batch[1] - older) <= 1e-12 * older)
                    .Label($"now {now}, older {older}, batch {batch[0]}, {batch[1]}");
            });

    [Fact]
    public void Predictions_RefuseHistoriesNoCustomerCanHave()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Cdnow, -1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ConditionalExpectedPurchases(Cdnow, 39, -1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Cdnow, 2, 11, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ConditionalExpectedPurchases(Cdnow, 39, 2, 5, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ConditionalExpectedPurchases(Cdnow, double.NaN, 2, 5, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ExpectedPurchases(Cdnow, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityOfPurchases(Cdnow, 1, double.NaN));

        // Recency past age by a rounding unit only (260/7 against 27 + 71/7) is the same instant.
        var recency = 260.0 / 7;
        var age = 27 + (71.0 / 7);
        Assert.True(recency > age);
        Assert.True(double.IsFinite(BgNbd.ProbabilityAlive(Cdnow, 3, recency, age)));
        BgNbd.Validate([new RepeatSummary(CommunityModel.Primitives.MemberId.From("a"), 3, recency, age)]);
    }

    [Fact]
    public void Fits_TheDataCannotIdentify_SayWhy_AndDoNotClaimToConverge()
    {
        static RepeatSummary S(string id, int x, double tx, double age) => new(CommunityModel.Primitives.MemberId.From(id), x, tx, age);

        var noRepeats = BgNbd.Fit([S("a", 0, 0, 10), S("b", 0, 0, 20), S("c", 0, 0, 30)]);
        Assert.False(noRepeats.Converged);
        Assert.StartsWith("No customer bought again", noRepeats.Diagnosis, StringComparison.Ordinal);

        var nothingObserved = BgNbd.Fit([S("a", 0, 0, 0), S("b", 0, 0, 0)]);
        Assert.False(nothingObserved.Converged);
        Assert.NotNull(nothingObserved.Diagnosis);

        var one = BgNbd.Fit([S("a", 3, 8, 10)]);
        Assert.False(one.Converged);
        Assert.StartsWith("One customer cannot identify the model", one.Diagnosis, StringComparison.Ordinal);

        var oneBuyer = GammaGamma.Fit([new SpendSummary(CommunityModel.Primitives.MemberId.From("a"), 3, 35.5)]);
        Assert.False(oneBuyer.Converged);
        Assert.NotNull(oneBuyer.Diagnosis);
        var same = GammaGamma.Fit([new SpendSummary(CommunityModel.Primitives.MemberId.From("a"), 3, 20), new SpendSummary(CommunityModel.Primitives.MemberId.From("b"), 2, 20)]);
        Assert.False(same.Converged);
        Assert.StartsWith("Every repeat buyer spends the same", same.Diagnosis, StringComparison.Ordinal);
    }

    [Fact]
    public void ParameterRecords_RefuseNegativeZeroAndNonFiniteValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BgNbdParameters(-0.2, 4, 0.8, 2.4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BgNbdParameters(0.2, double.NaN, 0.8, 2.4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BgNbdParameters(0.2, 4, 0, 2.4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cdnow with { B = double.PositiveInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new GammaGammaParameters(6.25, -3.74, 15.44));
        Assert.Equal(0.243, new BgNbdParameters(0.243, 4.414, 0.793, 2.426).R);
    }
}
