using CommunityModel.Primitives;
using CommunityModel.Scoring;
using MathNet.Numerics;

namespace CommunityModel.Tests.Scoring;

/// <summary>Gamma-Gamma pinned where a mutation run found it loose: the likelihood's value, its gradient, and what a fit refuses or doubts.</summary>
public class GammaGammaEdgeTests
{
    private static readonly GammaGammaParameters Cdnow = new(6.25, 3.74, 15.44);

    private static SpendSummary S(string id, int x, double mean) => new(MemberId.From(id), x, mean);

    private static List<SpendSummary> Buyers() =>
        [S("a", 1, 12.5), S("b", 2, 30.2), S("c", 5, 18.0), S("d", 1, 80.0), S("e", 3, 9.9), S("f", 8, 44.1), S("g", 2, 25.0), S("h", 4, 16.4)];

    [Theory]
    [InlineData(1, 12.5)]
    [InlineData(2, 30.2)]
    [InlineData(7, 5.75)]
    public void LogLikelihood_IsTheLogOfTheDensity_WrittenDirectly(int x, double m)
    {
        // f(m | p, q, gamma, x) = Gamma(px + q) / (Gamma(px) Gamma(q)) gamma^q m^(px - 1) x^(px) / (gamma + x m)^(px + q)
        var (p, q, g) = (Cdnow.P, Cdnow.Q, Cdnow.Gamma);
        var px = p * x;
        var density = SpecialFunctions.Gamma(px + q) / (SpecialFunctions.Gamma(px) * SpecialFunctions.Gamma(q))
            * Math.Pow(g, q) * Math.Pow(m, px - 1) * Math.Pow(x, px) / Math.Pow(g + (x * m), px + q);
        Assert.Equal(Math.Log(density), GammaGamma.LogLikelihood(Cdnow, x, m), 10);
    }

    [Fact]
    public void AFit_ReportsTheLikelihoodOfItsParameters_SummedOverTheBuyers()
    {
        var buyers = Buyers();
        var fit = GammaGamma.Fit(buyers);
        Assert.True(fit.Converged, fit.Diagnosis);
        var sum = buyers.Sum(b => GammaGamma.LogLikelihood(fit.Parameters, b.Frequency, b.MeanValue));
        Assert.Equal(sum, fit.LogLikelihood, 8);
        Assert.True(fit.LogLikelihood < 0);

        // It is a maximum: moving any parameter by 1% lowers the likelihood.
        foreach (var moved in new[] { fit.Parameters with { P = fit.Parameters.P * 1.01 }, fit.Parameters with { Q = fit.Parameters.Q * 0.99 }, fit.Parameters with { Gamma = fit.Parameters.Gamma * 1.01 } })
        {
            Assert.True(buyers.Sum(b => GammaGamma.LogLikelihood(moved, b.Frequency, b.MeanValue)) < sum);
        }
    }

    [Fact]
    public void TheAnalyticGradient_MatchesCentralDifferences()
    {
        var likelihood = new GammaGammaLikelihood(Buyers());
        double[] theta = [Math.Log(3.0), Math.Log(2.5), Math.Log(11.0)];
        var gradient = new double[3];
        likelihood.Evaluate(theta, gradient);
        for (var k = 0; k < 3; k++)
        {
            const double H = 1e-6;
            var plus = (double[])theta.Clone();
            var minus = (double[])theta.Clone();
            plus[k] += H;
            minus[k] -= H;
            var numeric = (likelihood.Evaluate(plus, new double[3]) - likelihood.Evaluate(minus, new double[3])) / (2 * H);
            Assert.Equal(numeric, gradient[k], 5);
        }
    }

    [Fact]
    public void BadSummaries_AreAllRefused_WithTheirCodes()
    {
        var empty = Assert.Throws<InvalidInputException>(() => GammaGamma.Fit([]));
        Assert.Equal("scoring.summary.empty", Assert.Single(empty.Problems).Code);

        var bad = Assert.Throws<InvalidInputException>(() => GammaGamma.Fit([S("ok", 2, 10), S("zero-spend", 2, 0), S("no-repeat", 0, 10), S("nan", 1, double.NaN)]));
        Assert.Equal(["scoring.spend.invalid", "scoring.spend.invalid", "scoring.spend.invalid"], bad.Problems.Select(p => p.Code));
        Assert.Contains("zero-spend: needs at least one repeat purchase and a positive mean value", bad.Problems[0].Message, StringComparison.Ordinal);
        Assert.Equal("no-repeat", bad.Problems[1].Path);
    }

    [Fact]
    public void FitsTheDataCannotSupport_SaySoInPlainWords()
    {
        var one = GammaGamma.Fit([S("a", 3, 20)]);
        Assert.False(one.Converged);
        Assert.StartsWith("One repeat buyer cannot identify", one.Diagnosis, StringComparison.Ordinal);

        var same = GammaGamma.Fit([S("a", 3, 20), S("b", 1, 20), S("c", 2, 20)]);
        Assert.False(same.Converged);
        Assert.Contains("spends the same", same.Diagnosis, StringComparison.Ordinal);
    }
}
