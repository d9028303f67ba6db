using CommunityModel.Primitives;
using CommunityModel.Scoring;
using MathNet.Numerics.LinearAlgebra;

namespace CommunityModel.Tests.Scoring;

/// <summary>
/// BG/NBD's guards in their exact words: every problem of a bad summary list, the fit's diagnoses, and the
/// arguments the predictions refuse (what mutation testing showed no test pinned).
/// </summary>
public class BgNbdEdgeTests
{
    private static RepeatSummary S(string id, int x, double tx, double t) => new(MemberId.From(id), x, tx, t);

    private static readonly BgNbdParameters Cdnow = new(0.243, 4.414, 0.793, 2.426);

    [Fact]
    public void BadSummaries_AreAllReported_InTheirWords()
    {
        var e = Assert.Throws<InvalidInputException>(() => BgNbd.Validate([]));
        Assert.Equal(("scoring.summary.empty", "", "no customers to fit"), (e.Problems[0].Code, e.Problems[0].Path, e.Problems[0].Message));

        e = Assert.Throws<InvalidInputException>(() => BgNbd.Validate(
        [
            S("a", -1, 0, 5),
            S("b", 1, double.NaN, 5),
            S("c", 1, 2, double.PositiveInfinity),
            S("d", 2, 6, 5),
            S("e", 0, 1, 5),
            S("ok", 1, 2, 5),
        ]));
        Assert.Equal(
            [
                ("scoring.summary.frequency", "a", "a: frequency -1 is negative"),
                ("scoring.summary.times", "b", "b: times must be finite and not negative (recency NaN, age 5)"),
                ("scoring.summary.times", "c", "c: times must be finite and not negative (recency 2, age Infinity)"),
                ("scoring.summary.recency", "d", "d: recency 6 is beyond age 5"),
                ("scoring.summary.recency", "e", "e: no repeat purchase but recency 1 > 0"),
            ],
            e.Problems.Select(p => (p.Code, p.Path, p.Message)));
    }

    [Fact]
    public void TheFitsDiagnoses_SayWhyInTheStoreOwnersWords()
    {
        var m = Vector<double>.Build.DenseOfArray([0.0, 0.0, 0.0, 0.0]);
        string[] names = ["r", "alpha", "a", "b"];
        List<RepeatSummary> good = [S("a", 2, 3, 10), S("b", 0, 0, 8)];
        Assert.Equal("No customer bought again, so how fast customers drop out cannot be estimated; wait for repeat purchases.",
            ScoringChecks.RepeatFitDiagnosis([S("a", 0, 0, 10), S("b", 0, 0, 8)], -1, true, m, names));
        Assert.Equal("Every customer was observed for no time at all (age 0); there is nothing to fit yet.",
            ScoringChecks.RepeatFitDiagnosis([S("a", 1, 0, 0), S("b", 0, 0, 0)], -1, true, m, names));
        Assert.Equal("One customer cannot identify the model; fit on the whole customer base.",
            ScoringChecks.RepeatFitDiagnosis([S("a", 2, 3, 10)], -1, true, m, names));
        Assert.Null(ScoringChecks.RepeatFitDiagnosis(good, -1, true, m, names)); // two customers can
        Assert.Equal("The likelihood is not finite at the result; the data do not fit the model.",
            ScoringChecks.RepeatFitDiagnosis(good, double.NegativeInfinity, true, m, names));
        Assert.Equal("The optimiser stopped before it converged; do not use these parameters blindly.",
            ScoringChecks.RepeatFitDiagnosis(good, -1, false, m, names));

        // A parameter at the edge of the [-15, 15] log-space box is named, with every parameter's value.
        var edge = Vector<double>.Build.DenseOfArray([0.0, 0.0, 14.95, 0.0]);
        Assert.Equal("The parameter a ran to the edge of the search (r 1, alpha 1, a 3.11E+06, b 1): the data do not pin it down.",
            ScoringChecks.RepeatFitDiagnosis(good, -1, true, edge, names));
        Assert.Null(ScoringChecks.RepeatFitDiagnosis(good, -1, true, Vector<double>.Build.DenseOfArray([0.0, 14.9, -14.9, 0.0]), names));
    }

    [Fact]
    public void ThePredictions_RefuseImpossibleArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Cdnow, 1, double.NaN, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Cdnow, 1, -1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Cdnow, -1, 1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityOfPurchases(Cdnow, -1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityOfPurchases(Cdnow, 1, -0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.CustomerLifetimeValue(Cdnow, 1, 2, 10, 50, -1, 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.CustomerLifetimeValue(Cdnow, 1, 2, 10, 50, 12, -0.01));

        // A horizon of 0 is allowed: nothing is bought in no time.
        Assert.Equal(1.0, BgNbd.ProbabilityOfPurchases(Cdnow, 0, 0), 12);
        Assert.Equal(0.0, BgNbd.ProbabilityOfPurchases(Cdnow, 1, 0), 12);
        Assert.Equal(0.0, BgNbd.CustomerLifetimeValue(Cdnow, 1, 2, 10, 50, 0, 0.01));
    }
}
