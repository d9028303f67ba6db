using System.Globalization;
using CommunityModel.Scoring;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Scoring;

public class BgNbdTests
{
    private static readonly BgNbdParameters Published = new(0.243, 4.414, 0.793, 2.426);

    private static List<RepeatSummary> CdnowSummary() =>
        File.ReadLines(SharedData.PathOf("cdnow/cdnow_customers_summary.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(f => new RepeatSummary(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();

    [SharedDataFact]
    public void Fit_Cdnow_ReproducesThePublishedParametersAndLogLikelihood()
    {
        var data = CdnowSummary();
        Assert.Equal(2357, data.Count);
        var fit = BgNbd.Fit(data);
        Assert.True(fit.Converged);
        Assert.Equal(0.243, Math.Round(fit.Parameters.R, 3));
        Assert.Equal(4.414, Math.Round(fit.Parameters.Alpha, 3));
        Assert.Equal(0.793, Math.Round(fit.Parameters.A, 3));
        Assert.Equal(2.426, Math.Round(fit.Parameters.B, 3));
        Assert.Equal(-9582.4, Math.Round(fit.LogLikelihood, 1));
    }

    [Fact]
    public void ConditionalExpectation_PublishedWorkedExample_Is1Point226()
    {
        Assert.Equal(1.226, Math.Round(BgNbd.ConditionalExpectedPurchases(Published, 39, 2, 30.43, 38.86), 3));
    }

    [Fact]
    public void BadSummaries_AreAllReported()
    {
        var ex = Assert.Throws<RepeatSummaryException>(() => BgNbd.Fit(
        [
            new RepeatSummary("neg", 1, -1, 5),
            new RepeatSummary("beyond", 2, 9, 5),
            new RepeatSummary("ghost", 0, 3, 5),
            new RepeatSummary("nan", 1, double.NaN, 5),
        ]));
        Assert.Equal(4, ex.Problems.Count);
        Assert.Throws<RepeatSummaryException>(() => BgNbd.Fit([]));
    }

    [Property(MaxTest = 300)]
    public Property ProbabilitiesAreInUnitRange_AndExpectationsGrowWithTheHorizon() =>
        Prop.ForAll(
            Arb.From(from r in Gen.Choose(1, 500) from alpha in Gen.Choose(1, 2000) from a in Gen.Choose(105, 500) from b in Gen.Choose(1, 500)
                     from x in Gen.Choose(0, 30) from txPct in Gen.Choose(0, 100) from age in Gen.Choose(1, 100) from t in Gen.Choose(1, 60)
                     select (new BgNbdParameters(r / 100.0, alpha / 100.0, a / 100.0, b / 100.0), x, txPct, age, t)),
            c =>
            {
                var (p, x, txPct, age, t) = c;
                var tx = x == 0 ? 0 : age * txPct / 100.0;
                var alive = BgNbd.ProbabilityAlive(p, x, tx, age);
                var e1 = BgNbd.ConditionalExpectedPurchases(p, t, x, tx, age);
                var e2 = BgNbd.ConditionalExpectedPurchases(p, t + 1, x, tx, age);
                var n1 = BgNbd.ExpectedPurchases(p, t);
                var n2 = BgNbd.ExpectedPurchases(p, t + 1);
                return alive is >= 0 and <= 1 && e1 >= 0 && e2 >= e1 && n1 >= 0 && n2 >= n1;
            });
}
