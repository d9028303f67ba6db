using CommunityModel.Primitives;
using System.Globalization;
using CommunityModel.Scoring;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Scoring;

public class BgNbdTests
{
    private static readonly BgNbdParameters Published = new(0.243, 4.414, 0.793, 2.426);

    private static List<RepeatSummary> CdnowSummary() => SharedData.CdnowSummary();

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

    [SharedDataFact]
    public void StandardErrors_Cdnow_AreThePublishedOnes()
    {
        // Published with lifetimes' CDNOW example (its summary() of the BG/NBD fit): r 0.0126, alpha 0.378,
        // a 0.186, b 0.705.
        var data = CdnowSummary();
        var fit = BgNbd.Fit(data);
        var se = BgNbd.StandardErrors(data, fit.Parameters);
        Assert.Equal(0.0126, se.R, 4);
        Assert.Equal(0.378, se.Alpha, 3);
        Assert.Equal(0.186, se.A, 3);
        Assert.Equal(0.705, se.B, 3);
    }

    [Fact]
    public void ConditionalExpectation_PublishedWorkedExample_Is1Point226()
    {
        Assert.Equal(1.226, Math.Round(BgNbd.ConditionalExpectedPurchases(Published, 39, 2, 30.43, 38.86), 3));
    }

    [Property(MaxTest = 50)]
    public Property AnalyticGradient_MatchesFiniteDifferences() =>
        Prop.ForAll(
            Gen.Choose(-150, 150).Select(v => v / 100.0).ArrayOf(4).ToArbitrary(),
            theta =>
            {
                var data = new List<RepeatSummary> { new(MemberId.From("a"), 0, 0, 30), new(MemberId.From("b"), 2, 20, 35), new(MemberId.From("c"), 5, 10, 38), new(MemberId.From("d"), 1, 1, 2), new(MemberId.From("e"), 14, 37.5, 38) };
                var likelihood = new BgNbdLikelihood(data);
                var gradient = new double[4];
                var f0 = likelihood.Evaluate(theta, gradient);
                var p = new BgNbdParameters(Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]), Math.Exp(theta[3]));
                var sameValue = Math.Abs(f0 - BgNbd.LogLikelihood(p, data)) < 1e-9 * Math.Max(1, Math.Abs(f0));
                return sameValue && Enumerable.Range(0, 4).All(k =>
                {
                    const double h = 1e-6;
                    var up = (double[])theta.Clone();
                    var down = (double[])theta.Clone();
                    up[k] += h;
                    down[k] -= h;
                    var numeric = (likelihood.Evaluate(up, new double[4]) - likelihood.Evaluate(down, new double[4])) / (2 * h);
                    return Math.Abs(numeric - gradient[k]) < 1e-5 * Math.Max(1, Math.Abs(numeric));
                });
            });

    [Fact]
    public void BadSummaries_AreAllReported()
    {
        var ex = Assert.Throws<InvalidInputException>(() => BgNbd.Fit(
        [
            new RepeatSummary(MemberId.From("neg"), 1, -1, 5),
            new RepeatSummary(MemberId.From("beyond"), 2, 9, 5),
            new RepeatSummary(MemberId.From("ghost"), 0, 3, 5),
            new RepeatSummary(MemberId.From("nan"), 1, double.NaN, 5),
        ]));
        Assert.Equal(4, ex.Problems.Length);
        Assert.Throws<InvalidInputException>(() => BgNbd.Fit([]));
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

public class GammaGammaTests
{
    [SharedDataFact]
    public void StandardErrors_AreThoseOfAnIndependentSecondDifferenceHessian()
    {
        var buyers = File.ReadLines(SharedData.PathOf("cdnow/cdnow_customers_summary_with_transactions.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(f => new SpendSummary(MemberId.From(f[0]), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)))
            .Where(s => s.Frequency > 0)
            .ToList();
        var fit = GammaGamma.Fit(buyers);
        var se = GammaGamma.StandardErrors(buyers, fit.Parameters);

        // The same information from second differences of the public log-likelihood alone.
        double Ll(double[] v) => buyers.Sum(b => GammaGamma.LogLikelihood(new GammaGammaParameters(v[0], v[1], v[2]), b.Frequency, b.MeanValue));
        double[] at = [fit.Parameters.P, fit.Parameters.Q, fit.Parameters.Gamma];
        var h = at.Select(v => v * 1e-4).ToArray();
        var info = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(3, 3);
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                double Shift(int si, int sj)
                {
                    var v = (double[])at.Clone();
                    v[i] += si * h[i];
                    v[j] += sj * h[j];
                    return Ll(v);
                }

                info[i, j] = -(Shift(1, 1) - Shift(1, -1) - Shift(-1, 1) + Shift(-1, -1)) / (4 * h[i] * h[j]);
            }
        }

        var cov = info.Inverse();
        Assert.Equal(Math.Sqrt(cov[0, 0]), se.P, Math.Sqrt(cov[0, 0]) * 1e-3);
        Assert.Equal(Math.Sqrt(cov[1, 1]), se.Q, Math.Sqrt(cov[1, 1]) * 1e-3);
        Assert.Equal(Math.Sqrt(cov[2, 2]), se.Gamma, Math.Sqrt(cov[2, 2]) * 1e-3);
        Assert.InRange(se.P, 0.01, 10);
    }

    [SharedDataFact]
    public void Fit_CdnowRepeatBuyers_ReproducesThePublishedParameters()
    {
        var buyers = File.ReadLines(SharedData.PathOf("cdnow/cdnow_customers_summary_with_transactions.csv")).Skip(1)
            .Select(l => l.Split(','))
            .Select(f => new SpendSummary(MemberId.From(f[0]), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)))
            .Where(s => s.Frequency > 0)
            .ToList();
        Assert.Equal(946, buyers.Count);
        var fit = GammaGamma.Fit(buyers);
        Assert.True(fit.Converged);
        Assert.Equal(6.25, Math.Round(fit.Parameters.P, 2));
        Assert.Equal(3.74, Math.Round(fit.Parameters.Q, 2));
        // The file's mean values are rounded to the cent; on it the maximum lies at gamma = 15.4476, which
        // is within 0.01 of the published 15.44 and has a higher likelihood than the published point.
        Assert.InRange(fit.Parameters.Gamma, 15.44 - 0.01, 15.44 + 0.01);
        var published = new GammaGammaParameters(6.25, 3.74, 15.44);
        Assert.True(fit.LogLikelihood >= buyers.Sum(b => GammaGamma.LogLikelihood(published, b.Frequency, b.MeanValue)));
    }

    [Fact]
    public void ConditionalExpectedValue_ShrinksTowardThePopulationMean()
    {
        var p = new GammaGammaParameters(6.25, 3.74, 15.44);
        var population = GammaGamma.ConditionalExpectedValue(p, 0, 0);
        Assert.Equal(6.25 * 15.44 / 2.74, population, 9);
        var one = GammaGamma.ConditionalExpectedValue(p, 1, 100);
        var many = GammaGamma.ConditionalExpectedValue(p, 20, 100);
        Assert.True(population < one && one < many && many < 100);
        Assert.Throws<InvalidInputException>(() => GammaGamma.Fit([new SpendSummary(MemberId.From("z"), 0, 5)]));
    }
}

public class HypergeometricTests
{
    [Theory]
    [InlineData(1, 1, 2, 0.5)]
    [InlineData(1, 1, 2, 0.95)]
    [InlineData(1, 1, 2, 0.9999)]
    public void Log1MinusZ_Identity(double a, double b, double c, double z)
    {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z (c - a - b = 0: the nudged branch near 1).
        var expected = -Math.Log(1 - z) / z;
        Assert.InRange(Math.Abs((BgNbd.Hypergeometric2F1(a, b, c, z) / expected) - 1), 0, 1e-8);
    }

    [Theory]
    [InlineData(2.95, 0.72, 1.79, 0.9998245921768111)]
    [InlineData(0.5, 1.5, 3.2, 0.97)]
    [InlineData(3.1, 2.2, 1.3, 0.93)]
    public void BothBranches_AgreeWithEuler_TransformAtTheSwitch(double a, double b, double c, double z)
    {
        // Euler: 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z).
        var direct = BgNbd.Hypergeometric2F1(a, b, c, z);
        var euler = Math.Pow(1 - z, c - a - b) * BgNbd.Hypergeometric2F1(c - a, c - b, c, z);
        Assert.InRange(Math.Abs((direct / euler) - 1), 0, 1e-8);
        Assert.InRange(Math.Abs((BgNbd.Hypergeometric2F1(a, b, c, 0.9) / BgNbd.Hypergeometric2F1(a, b, c, 0.9 + 1e-12)) - 1), 0, 1e-8);
    }
}

public class RepeatSummariesTests
{
    [SharedDataFact]
    public void FromPurchases_CdnowSample_GivesThePublishedSummaryFile()
    {
        var purchases = File.ReadLines(SharedData.PathOf("cdnow/CDNOW_sample.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => new Purchase(
                MemberId.From(int.Parse(f[1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
                NodaTime.Text.LocalDatePattern.CreateWithInvariantCulture("yyyyMMdd").Parse(f[2]).Value,
                CommunityModel.Primitives.Money.Parse(f[4], CommunityModel.Primitives.Currency.USD)))
            .ToList();
        var built = RepeatSummaries.FromPurchases(purchases, new NodaTime.LocalDate(1997, 9, 30))
            .ToDictionary(s => s.Summary.CustomerId);
        var expected = File.ReadLines(SharedData.PathOf("cdnow/cdnow_customers_summary_with_transactions.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(expected.Count, built.Count);
        foreach (var f in expected)
        {
            var s = built[MemberId.From(f[0])];
            Assert.Equal(int.Parse(f[1], CultureInfo.InvariantCulture), s.Summary.Frequency);
            Assert.Equal(double.Parse(f[2], CultureInfo.InvariantCulture), Math.Round(s.Summary.Recency, 2));
            Assert.Equal(double.Parse(f[3], CultureInfo.InvariantCulture), Math.Round(s.Summary.Age, 2));
            // The file rounds to the cent (22.345 -> 22.35): the built mean must lie within half a cent.
            Assert.InRange(Math.Abs(double.Parse(f[4], CultureInfo.InvariantCulture) - s.MeanRepeatValue), 0, 0.005 + 1e-9);
        }
    }

    [Fact]
    public void FromPurchases_SameDayMergesAndHoldoutIsCounted()
    {
        var usd = CommunityModel.Primitives.Currency.USD;
        var d = new NodaTime.LocalDate(2026, 1, 1);
        var built = RepeatSummaries.FromPurchases(
        [
            new Purchase(MemberId.From("a"), d, CommunityModel.Primitives.Money.OfMinor(100, usd)),
            new Purchase(MemberId.From("a"), d.PlusDays(7), CommunityModel.Primitives.Money.OfMinor(300, usd)),
            new Purchase(MemberId.From("a"), d.PlusDays(7), CommunityModel.Primitives.Money.OfMinor(100, usd)),
            new Purchase(MemberId.From("a"), d.PlusDays(30), CommunityModel.Primitives.Money.OfMinor(100, usd)),
            new Purchase(MemberId.From("b"), d.PlusDays(20), CommunityModel.Primitives.Money.OfMinor(100, usd)),
        ], d.PlusDays(14), d.PlusDays(60));
        var a = Assert.Single(built);
        Assert.Equal((1, 1.0, 2.0, 4.0, 1), (a.Summary.Frequency, a.Summary.Recency, a.Summary.Age, a.MeanRepeatValue, a.HoldoutPurchases));
    }
}

public class BgNbdDistributionTests
{
    [Property(MaxTest = 100)]
    public Property ProbabilityOfPurchases_SumsToOneAndItsMeanIsTheExpectation() =>
        Prop.ForAll(
            Arb.From(from r in Gen.Choose(10, 300) from alpha in Gen.Choose(100, 1000) from a in Gen.Choose(150, 400) from b in Gen.Choose(100, 400) from t in Gen.Choose(1, 52)
                     select (new BgNbdParameters(r / 100.0, alpha / 100.0, a / 100.0, b / 100.0), (double)t)),
            c =>
            {
                var (p, t) = c;
                double total = 0, mean = 0;
                // Up to 4,000 purchases: the customers who never drop out buy like an NBD of mean up to 3 x 52 / 1,
                // whose mass beyond 400 can be 1e-6 (the sum to 400 is then 0.999999 exactly; the test was wrong).
                for (var n = 0; n <= 4_000; n++)
                {
                    var pn = BgNbd.ProbabilityOfPurchases(p, n, t);
                    total += pn;
                    mean += n * pn;
                }

                return (Math.Abs(total - 1) < 1e-6 && Math.Abs(mean - BgNbd.ExpectedPurchases(p, t)) < 1e-4 * Math.Max(1, mean))
                    .Label($"total {total}, mean {mean} vs {BgNbd.ExpectedPurchases(p, t)}");
            });

    [Theory]
    [InlineData(0, 39, 0.57378635209600941)]
    [InlineData(1, 39, 0.19939528083591146)]
    [InlineData(5, 39, 0.017965493866579044)]
    [InlineData(20, 1, 9.7614501837023686e-18)]
    [InlineData(40, 1, 7.2924338489984782e-33)]
    [InlineData(100, 52, 6.9440273639143292e-8)]
    public void ProbabilityOfPurchases_MatchesFiftyDigitArithmetic_IntoTheFarTail(int n, double t, double expected)
    {
        // References from mpmath at 50 digits with the published CDNOW parameters (Fader, Hardie and Lee 2005).
        var p = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);
        Assert.Equal(expected, BgNbd.ProbabilityOfPurchases(p, n, t), expected * 1e-9);
    }

    [Fact]
    public void CustomerLifetimeValue_DiscountsAndGrowsWithTheHorizon()
    {
        var p = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);
        var undiscounted = BgNbd.CustomerLifetimeValue(p, 2, 30.43, 38.86, 20, 39, 0);
        Assert.Equal(20 * BgNbd.ConditionalExpectedPurchases(p, 39, 2, 30.43, 38.86), undiscounted, 9);
        Assert.True(BgNbd.CustomerLifetimeValue(p, 2, 30.43, 38.86, 20, 39, 0.01) < undiscounted);
        Assert.True(BgNbd.CustomerLifetimeValue(p, 2, 30.43, 38.86, 20, 52, 0.01) > BgNbd.CustomerLifetimeValue(p, 2, 30.43, 38.86, 20, 39, 0.01));
    }
}
