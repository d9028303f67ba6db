using System.Globalization;
using CommunityModel.Primitives;
using CommunityModel.Scoring;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Scoring;

/// <summary>
/// Pareto/NBD: the published CDNOW fit, and predictions compared with 50-digit values made once with mpmath 1.3.0
/// (mp.dps = 50) straight from the model's integral, the integral of (alpha + u)^-(r + x) (beta + u)^-(s + 1) over
/// [t_x, T] by mpmath's quad (tanh-sinh, split near t_x), not from the hypergeometric closed form the library
/// sums, so the two are independent.
/// </summary>
public class ParetoNbdTests
{
    private static readonly ParetoNbdParameters Cdnow = new(0.55, 10.58, 0.61, 11.67);

    private static List<RepeatSummary> CdnowSummary() => SharedData.CdnowSummary();

    [SharedDataFact]
    public void Fit_Cdnow_ReproducesThePublishedParameters()
    {
        // Fader, Hardie and Lee, "A Note on Implementing the Pareto/NBD Model in MATLAB" (2005): r 0.55,
        // alpha 10.58, s 0.61, beta 11.67, LL -9,595.0; lifetimes 0.11.3 on the same file: r 0.5533,
        // alpha 10.5773, s 0.6063, beta 11.6696.
        var data = CdnowSummary();
        var fit = ParetoNbd.Fit(data);
        Assert.True(fit.Converged, fit.Diagnosis);
        Assert.Null(fit.Diagnosis);
        Assert.Equal(2357, fit.Customers);
        Assert.Equal(0.55, Math.Round(fit.Parameters.R, 2));
        Assert.Equal(10.58, Math.Round(fit.Parameters.Alpha, 2));
        Assert.Equal(0.61, Math.Round(fit.Parameters.S, 2));
        Assert.Equal(11.67, Math.Round(fit.Parameters.Beta, 2));
        // The optimum is flat: lifetimes stops within 2e-4 of ours, at a log-likelihood 1.4e-7 lower.
        var lifetimes = new ParetoNbdParameters(0.5532538533445319, 10.577324394245629, 0.6062645934479269, 11.669642579139502);
        Assert.Equal(lifetimes.R, fit.Parameters.R, lifetimes.R * 2e-4);
        Assert.Equal(lifetimes.Alpha, fit.Parameters.Alpha, lifetimes.Alpha * 2e-4);
        Assert.Equal(lifetimes.S, fit.Parameters.S, lifetimes.S * 2e-4);
        Assert.Equal(lifetimes.Beta, fit.Parameters.Beta, lifetimes.Beta * 2e-4);
        Assert.True(fit.LogLikelihood >= ParetoNbd.LogLikelihood(lifetimes, data) - 1e-9);
        Assert.Equal(-9595.0, Math.Round(fit.LogLikelihood, 1));
        Assert.Equal(ParetoNbd.LogLikelihood(fit.Parameters, data), fit.LogLikelihood, 1e-6);
    }

    [SharedDataFact]
    public void StandardErrors_Cdnow_AgreeWithAnIndependentHessian()
    {
        // Independent: the Hessian in the logarithms of the parameters by second differences of the public
        // log-likelihood (step 0.004), carried to the parameters by the delta method: se(v) = v se(ln v).
        var data = CdnowSummary();
        var fit = ParetoNbd.Fit(data);
        var se = ParetoNbd.StandardErrors(data, fit.Parameters);
        double[] logs = [Math.Log(fit.Parameters.R), Math.Log(fit.Parameters.Alpha), Math.Log(fit.Parameters.S), Math.Log(fit.Parameters.Beta)];
        double Ll(double[] v) => ParetoNbd.LogLikelihood(new ParetoNbdParameters(Math.Exp(v[0]), Math.Exp(v[1]), Math.Exp(v[2]), Math.Exp(v[3])), data);
        const double H = 0.004;
        var hessian = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(4, 4);
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
            {
                double At(double di, double dj)
                {
                    var v = (double[])logs.Clone();
                    v[i] += di;
                    v[j] += dj;
                    return Ll(v);
                }

                hessian[i, j] = (At(H, H) - At(H, -H) - At(-H, H) + At(-H, -H)) / (4 * H * H);
            }
        }

        var covariance = (-hessian).Inverse();
        double[] natural = [fit.Parameters.R, fit.Parameters.Alpha, fit.Parameters.S, fit.Parameters.Beta];
        double[] actual = [se.R, se.Alpha, se.S, se.Beta];
        for (var k = 0; k < 4; k++)
        {
            var expected = natural[k] * Math.Sqrt(covariance[k, k]);
            Assert.Equal(expected, actual[k], expected * 0.01);
        }
    }

    [Theory]
    [InlineData(0, 0, 38.86, -0.51702515088753846, 0.29377395046742047)]
    [InlineData(2, 30.43, 38.86, -9.561981260842964, 0.86841091713209171)]
    [InlineData(2, 5.0, 38.86, -7.6579655496764734, 0.1293664789039781)]
    [InlineData(10, 38.0, 38.86, -27.162199712316854, 0.98856671302100293)]
    [InlineData(2000, 38.0, 38.86, 5426.3602071765336, 1.8833827267013074e-12)]
    [InlineData(100000, 38.5, 38.86, 661934.63627880274, 6.7572844154023193e-313)]
    [InlineData(10_000_000, 38.86, 38.86, 112173357.88093147, 1)]
    [InlineData(5, 30.0, 38.86, -17.48087098067939, 0.81357936797351553)]
    [InlineData(1, 0.5, 80.0, -4.335420812800846, 0.040479362397431106)]
    public void LogLikelihoodAndProbabilityAlive_MatchHighPrecision(int x, double tx, double age, double logLikelihood, double alive)
    {
        Assert.Equal(logLikelihood, ParetoNbd.LogLikelihood(Cdnow, x, tx, age), Math.Max(1, Math.Abs(logLikelihood)) * 1e-10);
        var pa = ParetoNbd.ProbabilityAlive(Cdnow, x, tx, age);
        Assert.Equal(alive, pa, alive * 1e-8);
    }

    [Theory]
    [InlineData(39, 2, 30.43, 38.86, 1.4503713747917109)]
    [InlineData(39, 0, 0, 38.86, 0.10582535589031974)]
    [InlineData(10000, 5, 30, 38.86, 81.399658042856683)]
    [InlineData(39, 2000, 38, 38.86, 2.4677533948268859e-9)]
    [InlineData(39, 10_000_000, 38.86, 38.86, 6549585.0894469741)]
    [InlineData(52, 1100, 30, 38.86, 6.1499568511227655e-89)]
    public void ConditionalExpectedPurchases_MatchHighPrecision(double t, int x, double tx, double age, double expected)
    {
        var actual = ParetoNbd.ConditionalExpectedPurchases(Cdnow, t, x, tx, age);
        Assert.True(double.IsFinite(actual));
        Assert.Equal(expected, actual, expected * 1e-8);
    }

    [Theory]
    [InlineData(1, 0.050685421319157131)]
    [InlineData(39, 1.2023523628319925)]
    [InlineData(10000, 20.117659683469707)]
    public void ExpectedPurchases_MatchHighPrecision(double t, double expected)
        => Assert.Equal(expected, ParetoNbd.ExpectedPurchases(Cdnow, t), expected * 1e-12);

    [Theory]
    // alpha < beta (the other branch of the closed form).
    [InlineData(0.5, 2, 1.5, 40, 0, 0, 30, -0.99281674484071096, 0.29144577875861336, 0.1266309361315763)]
    [InlineData(0.5, 2, 1.5, 40, 3, 10, 30, -10.122565047979704, 0.1538538667904829, 0.46793820392556052)]
    [InlineData(0.5, 2, 1.5, 40, 50, 29, 30, -29.512987390892458, 0.94872600257482193, 41.633624948570676)]
    // alpha far above beta: z close to 1, integrated numerically.
    [InlineData(0.8, 400, 0.3, 0.5, 0, 0, 30, -0.022926504462950843, 0.28133977284613173, 0.01778511085543064)]
    [InlineData(0.8, 400, 0.3, 0.5, 3, 10, 30, -17.73649413495773, 0.70347872196249057, 0.21123701390619095)]
    [InlineData(0.8, 400, 0.3, 0.5, 50, 29, 30, -156.92805583129883, 0.98943876322941195, 3.971806571562441)]
    // s = 1: the limit of [1 - q^(s - 1)] / (s - 1).
    [InlineData(0.55, 10.58, 1, 11.67, 3, 10, 30, -10.670788818115636, 0.187372560076693, 0.451205843420936)]
    [InlineData(0.55, 10.58, 1, 11.67, 50, 29, 30, -40.892788952281027, 0.9528892375335613, 32.6741240457833)]
    public void OtherShapes_MatchHighPrecision(double r, double alpha, double s, double beta, int x, double tx, double age, double logLikelihood, double alive, double expected39)
    {
        var p = new ParetoNbdParameters(r, alpha, s, beta);
        Assert.Equal(logLikelihood, ParetoNbd.LogLikelihood(p, x, tx, age), Math.Abs(logLikelihood) * 1e-10);
        Assert.Equal(alive, ParetoNbd.ProbabilityAlive(p, x, tx, age), alive * 1e-8);
        Assert.Equal(expected39, ParetoNbd.ConditionalExpectedPurchases(p, 39, x, tx, age), expected39 * 1e-8);
    }

    [Fact]
    public void Predictions_RefuseHistoriesNoCustomerCanHave()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ParetoNbd.ProbabilityAlive(Cdnow, -1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParetoNbd.ProbabilityAlive(Cdnow, 1, 11, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParetoNbd.ConditionalExpectedPurchases(Cdnow, double.NaN, 1, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParetoNbd.ConditionalExpectedPurchases(Cdnow, 1, 1, 1, double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParetoNbd.ExpectedPurchases(Cdnow, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParetoNbdParameters(0.5, -1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cdnow with { S = double.NaN });
    }

    [Fact]
    public void Fit_WithNoRepeatBuyers_SaysSo()
    {
        var data = Enumerable.Range(0, 50).Select(i => new RepeatSummary(MemberId.From($"c{i}"), 0, 0, 10 + (i % 7))).ToList();
        var fit = ParetoNbd.Fit(data);
        Assert.False(fit.Converged);
        Assert.Contains("bought again", fit.Diagnosis, StringComparison.Ordinal);
    }

    private static Arbitrary<(ParetoNbdParameters P, int X, double Tx, double Age)> Histories() =>
        (from r in Gen.Choose(5, 500)
         from alpha in Gen.Choose(1, 2000)
         from s in Gen.Choose(5, 500)
         from beta in Gen.Choose(1, 2000)
         from x in Gen.OneOf(Gen.Choose(0, 20), Gen.Choose(0, 1_000_000))
         from age in Gen.Choose(0, 1000)
         from recency in Gen.Choose(0, 1000)
         let tx = x == 0 ? 0 : age * (recency / 1000.0)
         select (new ParetoNbdParameters(r / 100.0, alpha / 10.0, s / 100.0, beta / 10.0), x, tx, (double)age)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Predictions_AreFiniteAndInRange_AndMonotoneInTheHorizon() =>
        Prop.ForAll(Histories(), h =>
        {
            var pa = ParetoNbd.ProbabilityAlive(h.P, h.X, h.Tx, h.Age);
            var ll = ParetoNbd.LogLikelihood(h.P, h.X, h.Tx, h.Age);
            var e10 = ParetoNbd.ConditionalExpectedPurchases(h.P, 10, h.X, h.Tx, h.Age);
            var e100 = ParetoNbd.ConditionalExpectedPurchases(h.P, 100, h.X, h.Tx, h.Age);
            return pa is >= 0 and <= 1 && double.IsFinite(ll) && double.IsFinite(e10) && double.IsFinite(e100) && e10 >= 0 && e100 >= e10;
        });

    [Property(MaxTest = 200)]
    public Property ProbabilityAlive_DoesNotRiseWithAge_ForTheSameHistory() =>
        Prop.ForAll(Histories(), h =>
        {
            var now = ParetoNbd.ProbabilityAlive(h.P, h.X, h.Tx, h.Age);
            var later = ParetoNbd.ProbabilityAlive(h.P, h.X, h.Tx, h.Age + 5);
            return later <= now * (1 + 1e-9);
        });

    [Property(MaxTest = 100)]
    public Property TheClosedFormAndTheQuadrature_Agree() =>
        Prop.ForAll(Histories(), h =>
        {
            // Parts picks the series for these shapes and quadrature only near z = 1; force both by comparing
            // with a direct numeric integral of the model's definition.
            if (!(h.Age > h.Tx))
            {
                return true;
            }

            var (r, alpha, s, beta, x, tx, t) = (h.P.R, h.P.Alpha, h.P.S, h.P.Beta, h.X, h.Tx, h.Age);
            var (_, logSI) = ParetoNbd.Parts(r, alpha, s, beta, x, tx, t);
            double Scaled(double u) => Math.Exp((-(r + x) * double.LogP1((u - tx) / (alpha + tx))) - ((s + 1) * double.LogP1((u - tx) / (beta + tx))));
            var width = Math.Min(alpha + tx, beta + tx) / (r + s + x + 1);
            var split = Math.Min(t, tx + (40 * width));
            var integral = MathNet.Numerics.Integration.GaussKronrodRule.Integrate(Scaled, tx, split, out _, out _, 1e-11, 20, 61)
                + (split < t ? MathNet.Numerics.Integration.GaussKronrodRule.Integrate(Scaled, split, t, out _, out _, 1e-11, 20, 61) : 0);
            var direct = Math.Log(s) + Math.Log(integral) - ((r + x) * Math.Log(alpha + tx)) - ((s + 1) * Math.Log(beta + tx));
            return Math.Abs(direct - logSI) <= 1e-7 * Math.Max(1, Math.Abs(direct));
        });
}
