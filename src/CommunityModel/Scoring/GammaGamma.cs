using CommunityModel.Primitives;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace CommunityModel.Scoring;

/// <summary>
/// One repeat buyer's spend summary for the Gamma-Gamma model: repeat purchases and their mean value.
/// The mean is a statistical input in major units (a model estimate, not a booked amount; amounts stay
/// <see cref="Primitives.Money"/> everywhere else).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="CustomerId">The customer's key.</param>
/// <param name="Frequency">Repeat purchases x (at least 1).</param>
/// <param name="MeanValue">The mean value of the repeat purchases (positive).</param>
public sealed record SpendSummary(MemberId CustomerId, int Frequency, double MeanValue);

/// <summary>Gamma-Gamma parameters (Fader, Hardie and Lee 2005, "RFM and CLV").</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="P">Shape of the per-transaction value gamma.</param>
/// <param name="Q">Shape of the gamma over customers' scale.</param>
/// <param name="Gamma">Scale of the gamma over customers' scale.</param>
public sealed record GammaGammaParameters(double P, double Q, double Gamma)
{
    private readonly double _p = ScoringChecks.Positive(P, nameof(P));
    private readonly double _q = ScoringChecks.Positive(Q, nameof(Q));
    private readonly double _gamma = ScoringChecks.Positive(Gamma, nameof(Gamma));

    /// <summary>Shape of the per-transaction value gamma; positive and finite.</summary>
    public double P
    {
        get => _p;
        init => _p = ScoringChecks.Positive(value, nameof(P));
    }

    /// <summary>Shape of the gamma over customers' scale; positive and finite.</summary>
    public double Q
    {
        get => _q;
        init => _q = ScoringChecks.Positive(value, nameof(Q));
    }

    /// <summary>Scale of the gamma over customers' scale; positive and finite.</summary>
    public double Gamma
    {
        get => _gamma;
        init => _gamma = ScoringChecks.Positive(value, nameof(Gamma));
    }
}

/// <summary>The result of fitting Gamma-Gamma.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Parameters">The fitted p, q and gamma.</param>
/// <param name="LogLikelihood">The log-likelihood at the parameters.</param>
/// <param name="Converged">Whether the optimizer converged.</param>
/// <param name="Customers">How many repeat buyers were fitted.</param>
public sealed record GammaGammaFit(GammaGammaParameters Parameters, double LogLikelihood, bool Converged, int Customers)
{
    /// <summary>
    /// Why the fit cannot be trusted, when <see cref="Converged"/> is false: one repeat buyer, identical spends, a
    /// parameter that ran far out, or an optimiser that stopped; null when the fit converged.
    /// </summary>
    public string? Diagnosis { get; init; }
}

/// <summary>The Gamma-Gamma spend model: fit by maximum likelihood and conditional expected mean value.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class GammaGamma
{
    /// <summary>The log-likelihood of one repeat buyer's mean value.</summary>
    /// <param name="p">Fitted parameters (a fit's <c>Parameters</c>, or published ones such as CDNOW's).</param>
    /// <param name="x">Repeat purchases (at least 1).</param>
    /// <param name="meanValue">Their mean value (positive).</param>
    /// <returns>The log-likelihood.</returns>
    public static double LogLikelihood(GammaGammaParameters p, int x, double meanValue)
    {
        ArgumentNullException.ThrowIfNull(p);
        var px = p.P * x;
        return SpecialFunctions.GammaLn(px + p.Q) - SpecialFunctions.GammaLn(px) - SpecialFunctions.GammaLn(p.Q)
            + (p.Q * Math.Log(p.Gamma)) + ((px - 1) * Math.Log(meanValue)) + (px * Math.Log(x))
            - ((px + p.Q) * Math.Log((x * meanValue) + p.Gamma));
    }

    /// <summary>Fits the parameters on repeat buyers (frequency at least 1, positive mean value).</summary>
    /// <param name="summaries">The repeat buyers.</param>
    /// <param name="tolerance">The optimizer's tolerance.</param>
    /// <returns>The fit.</returns>
    /// <exception cref="InvalidInputException">Every bad summary listed.</exception>
    public static GammaGammaFit Fit(IReadOnlyList<SpendSummary> summaries, double tolerance = 1e-10)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var problems = summaries.Count == 0 ? [new Problem("scoring.summary.empty", string.Empty, "no repeat buyers to fit")] : new List<Problem>();
        foreach (var s in summaries)
        {
            if (s.Frequency < 1 || !double.IsFinite(s.MeanValue) || s.MeanValue <= 0)
            {
                problems.Add(new Problem("scoring.spend.invalid", s.CustomerId.ToString(), $"{s.CustomerId}: needs at least one repeat purchase and a positive mean value (x {s.Frequency}, mean {s.MeanValue})"));
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }

        var likelihood = new GammaGammaLikelihood(summaries);
        double Objective(ReadOnlySpan<double> theta, Span<double> gradient)
        {
            var ll = likelihood.Evaluate(theta, gradient);
            for (var k = 0; k < 3; k++)
            {
                gradient[k] = -gradient[k];
            }

            return double.IsFinite(ll) ? -ll : double.MaxValue;
        }

        var (m, value, converged, _) = Minimizer.MinimizeWithGradient(Objective, Vector<double>.Build.DenseOfArray([0.0, 0.0, 0.0]), tolerance, 10_000);
        var parameters = new GammaGammaParameters(ScoringChecks.ExpInRange(m[0]), ScoringChecks.ExpInRange(m[1]), ScoringChecks.ExpInRange(m[2]));
        var first = summaries[0].MeanValue;
        var diagnosis =
            summaries.Count < 2 ? "One repeat buyer cannot identify how spend varies between customers; fit on all repeat buyers."
            : summaries.All(s => s.MeanValue == first) ? "Every repeat buyer spends the same on average, so how spend varies between customers cannot be estimated."
            : !double.IsFinite(value) ? "The likelihood is not finite at the result; the data do not fit the model."
            : m.Any(v => Math.Abs(v) > 14.9) ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"A parameter ran far out (p {parameters.P:G4}, q {parameters.Q:G4}, gamma {parameters.Gamma:G4}): the data do not pin it down.")
            : !converged ? "The optimiser stopped before it converged; do not use these parameters blindly."
            : null;
        return new GammaGammaFit(parameters, -value, diagnosis is null, summaries.Count) { Diagnosis = diagnosis };
    }

    /// <summary>
    /// Standard errors of fitted parameters: the square roots of the diagonal of the inverse of the observed
    /// information, the Hessian taken by central differences of the analytic gradient. Worth computing only for a
    /// fit that converged.
    /// </summary>
    /// <param name="summaries">The repeat buyers the parameters were fitted on.</param>
    /// <param name="p">The fitted parameters (a converged fit's <c>Parameters</c>).</param>
    /// <returns>The standard errors of p, q and gamma, in the record's shape.</returns>
    /// <exception cref="ArgumentException">The information matrix is not positive definite at these parameters.</exception>
    public static GammaGammaParameters StandardErrors(IReadOnlyList<SpendSummary> summaries, GammaGammaParameters p)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        ArgumentNullException.ThrowIfNull(p);
        var likelihood = new GammaGammaLikelihood(summaries);
        var se = ObservedInformation.StandardErrors(likelihood.Evaluate, [p.P, p.Q, p.Gamma], nameof(p));
        return new GammaGammaParameters(se[0], se[1], se[2]);
    }

    /// <summary>E[mean value | x, observed mean]: the expected value of a customer's future purchases.</summary>
    /// <param name="p">The parameters (q &gt; 1).</param>
    /// <param name="x">Repeat purchases (0 gives the population mean).</param>
    /// <param name="meanValue">The observed mean value.</param>
    /// <returns>The expected mean value per purchase.</returns>
    public static double ConditionalExpectedValue(GammaGammaParameters p, int x, double meanValue)
    {
        ArgumentNullException.ThrowIfNull(p);
        return p.P * (p.Gamma + (x * meanValue)) / ((p.P * x) + p.Q - 1);
    }
}

/// <summary>
/// The Gamma-Gamma log-likelihood and its analytic gradient in log space (p = e^u, q = e^v, gamma = e^w):
/// d/dp = x (psi(px + q) - psi(px) + ln m + ln x - ln(x m + gamma)), d/dq = psi(px + q) - psi(q) + ln gamma
/// - ln(x m + gamma), d/dgamma = q / gamma - (px + q) / (x m + gamma); each times its parameter.
/// </summary>
internal sealed class GammaGammaLikelihood
{
    private readonly double[] _x;
    private readonly int[] _xIndex;
    private readonly double[] _distinctX;
    private readonly double[] _logMeanTimesX;
    private readonly double[] _logMean;
    private readonly double[] _spend;

    // Per distinct x, refilled by each evaluation: ln Gamma(px + q) - ln Gamma(px), and psi(px + q), psi(px).
    private readonly double[] _lnGammaRatio;
    private readonly double[] _psiSum;
    private readonly double[] _psiPx;

    public GammaGammaLikelihood(IReadOnlyList<SpendSummary> summaries)
    {
        _x = new double[summaries.Count];
        _xIndex = new int[summaries.Count];
        _logMeanTimesX = new double[summaries.Count];
        _logMean = new double[summaries.Count];
        _spend = new double[summaries.Count];
        var slots = new Dictionary<int, int>();
        var distinct = new List<double>();
        for (var i = 0; i < _x.Length; i++)
        {
            var frequency = summaries[i].Frequency;
            if (!slots.TryGetValue(frequency, out var slot))
            {
                slot = slots[frequency] = distinct.Count;
                distinct.Add(frequency);
            }

            _xIndex[i] = slot;
            _x[i] = frequency;
            _logMean[i] = Math.Log(summaries[i].MeanValue);
            _logMeanTimesX[i] = _logMean[i] + Math.Log(_x[i]);
            _spend[i] = _x[i] * summaries[i].MeanValue;
        }

        // The gamma and digamma terms depend on x only, and repeat buyers share few values of x: they are taken
        // once per distinct x in each evaluation, not once per customer.
        _distinctX = [.. distinct];
        _lnGammaRatio = new double[_distinctX.Length];
        _psiSum = new double[_distinctX.Length];
        _psiPx = new double[_distinctX.Length];
    }

    /// <summary>The log-likelihood at log-parameters <paramref name="theta"/>; its gradient in log space into <paramref name="gradient"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var (pp, qq, gg) = (Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]));
        double ll = 0, dp = 0, dq = 0, dg = 0;
        var logG = Math.Log(gg);
        var lnGammaQ = SpecialFunctions.GammaLn(qq);
        var psiQ = SpecialFunctions.DiGamma(qq);
        for (var k = 0; k < _distinctX.Length; k++)
        {
            var px = pp * _distinctX[k];
            _lnGammaRatio[k] = SpecialFunctions.GammaLn(px + qq) - SpecialFunctions.GammaLn(px);
            _psiSum[k] = SpecialFunctions.DiGamma(px + qq);
            _psiPx[k] = SpecialFunctions.DiGamma(px);
        }

        for (var i = 0; i < _x.Length; i++)
        {
            var k = _xIndex[i];
            var x = _x[i];
            var px = pp * x;
            var logTotal = Math.Log(_spend[i] + gg);
            var psiSum = _psiSum[k];
            ll += _lnGammaRatio[k] - lnGammaQ + (qq * logG)
                + (px * _logMeanTimesX[i]) - _logMean[i] - ((px + qq) * logTotal);
            dp += x * (psiSum - _psiPx[k] + _logMeanTimesX[i] - logTotal);
            dq += psiSum - psiQ + logG - logTotal;
            dg += (qq / gg) - ((px + qq) / (_spend[i] + gg));
        }

        gradient[0] = dp * pp;
        gradient[1] = dq * qq;
        gradient[2] = dg * gg;
        return ll;
    }
}

