using CommunityModel.Primitives;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace CommunityModel.Scoring;

/// <summary>
/// One customer's repeat-purchase summary for a calibration period, in a time unit of the caller's
/// choice (weeks for CDNOW): repeat purchases, the time of the last purchase after the first, and the
/// time from the first purchase to the end of the period.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="CustomerId">The customer's key.</param>
/// <param name="Frequency">Repeat purchases x (purchases after the first).</param>
/// <param name="Recency">t_x: time from the first to the last purchase (0 when x = 0).</param>
/// <param name="Age">T: time from the first purchase to the end of the calibration period.</param>
public sealed record RepeatSummary(MemberId CustomerId, int Frequency, double Recency, double Age);

/// <summary>BG/NBD parameters (Fader, Hardie and Lee 2005): purchase rates ~ Gamma(r, alpha), dropout ~ Beta(a, b).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="R">Shape of the purchase-rate gamma.</param>
/// <param name="Alpha">Scale of the purchase-rate gamma.</param>
/// <param name="A">First beta parameter of the dropout probability.</param>
/// <param name="B">Second beta parameter of the dropout probability.</param>
public sealed record BgNbdParameters(double R, double Alpha, double A, double B)
{
    private readonly double _r = ScoringChecks.Positive(R, nameof(R));
    private readonly double _alpha = ScoringChecks.Positive(Alpha, nameof(Alpha));
    private readonly double _a = ScoringChecks.Positive(A, nameof(A));
    private readonly double _b = ScoringChecks.Positive(B, nameof(B));

    /// <summary>Shape of the purchase-rate gamma; positive and finite.</summary>
    public double R
    {
        get => _r;
        init => _r = ScoringChecks.Positive(value, nameof(R));
    }

    /// <summary>Scale of the purchase-rate gamma; positive and finite.</summary>
    public double Alpha
    {
        get => _alpha;
        init => _alpha = ScoringChecks.Positive(value, nameof(Alpha));
    }

    /// <summary>First beta parameter of the dropout probability; positive and finite.</summary>
    public double A
    {
        get => _a;
        init => _a = ScoringChecks.Positive(value, nameof(A));
    }

    /// <summary>Second beta parameter of the dropout probability; positive and finite.</summary>
    public double B
    {
        get => _b;
        init => _b = ScoringChecks.Positive(value, nameof(B));
    }
}

/// <summary>Checks shared by the scoring models' parameter records.</summary>
internal static class ScoringChecks
{
    /// <summary>The value when it is positive and finite; otherwise <see cref="ArgumentOutOfRangeException"/>.</summary>
    public static double Positive(double value, string name) =>
        double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} is a model parameter: positive and finite.");

    /// <summary>
    /// Why a repeat-purchase fit (BG/NBD, Pareto/NBD) cannot be trusted, in words a store owner understands, or
    /// null: the data cannot identify the model (no repeat buyer, nothing observed, one customer), the likelihood is
    /// not finite, a parameter ran to the edge of the log-space search, or the optimiser stopped.
    /// </summary>
    public static string? RepeatFitDiagnosis(IReadOnlyList<RepeatSummary> summaries, double value, bool converged, MathNet.Numerics.LinearAlgebra.Vector<double> logs, string[] names)
    {
        var edge = -1;
        for (var k = 0; k < logs.Count && edge < 0; k++)
        {
            edge = Math.Abs(logs[k]) > 14.9 ? k : -1;
        }

        return !summaries.Any(s => s.Frequency > 0) ? "No customer bought again, so how fast customers drop out cannot be estimated; wait for repeat purchases."
            : !summaries.Any(s => s.Age > 0) ? "Every customer was observed for no time at all (age 0); there is nothing to fit yet."
            : summaries.Count < 2 ? "One customer cannot identify the model; fit on the whole customer base."
            : !double.IsFinite(value) ? "The likelihood is not finite at the result; the data do not fit the model."
            : edge >= 0 ? $"The parameter {names[edge]} ran to the edge of the search ({string.Join(", ", names.Select((n, k) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n} {Math.Exp(logs[k]):G4}")))}): the data do not pin it down."
            : !converged ? "The optimiser stopped before it converged; do not use these parameters blindly."
            : null;
    }

    /// <summary>exp(v) kept inside double's positive range, for parameters searched in log space.</summary>
    public static double ExpInRange(double v) => double.IsNaN(v) ? 1 : Math.Exp(Math.Clamp(v, -700, 700));
}

/// <summary>The result of fitting BG/NBD by maximum likelihood.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Parameters">The fitted parameters.</param>
/// <param name="LogLikelihood">The log-likelihood at the parameters, summed over customers.</param>
/// <param name="Converged">Whether the optimizer met its tolerance; when false, do not use the parameters blindly.</param>
/// <param name="Iterations">The optimizer's iterations.</param>
/// <param name="Customers">How many customers were fitted.</param>
public sealed record BgNbdFit(BgNbdParameters Parameters, double LogLikelihood, bool Converged, int Iterations, int Customers)
{
    /// <summary>
    /// Why the fit cannot be trusted, in a sentence a store owner understands, when <see cref="Converged"/> is
    /// false: the data cannot identify the model (no customer bought again, nothing was observed, a single
    /// customer), a parameter ran to the edge of what the optimiser searches, or the optimiser stopped; null when
    /// the fit converged to an interior optimum.
    /// </summary>
    public string? Diagnosis { get; init; }
}

/// <summary>
/// The BG/NBD repeat-purchase model: fit, probability alive and expected purchases. Times are in the
/// unit the summaries use. Every function is pure and checks its input.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static partial class BgNbd
{
    /// <summary>Checks summaries: at least one; no negative or non-finite time; recency not beyond age; zero frequency has zero recency.</summary>
    /// <param name="summaries">One summary per customer (frequency, recency and age in the same time unit).</param>
    /// <exception cref="InvalidInputException">Every problem found.</exception>
    public static void Validate(IReadOnlyList<RepeatSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var problems = new List<Problem>();
        if (summaries.Count == 0)
        {
            problems.Add(new Problem("scoring.summary.empty", string.Empty, "no customers to fit"));
        }

        foreach (var s in summaries)
        {
            if (s.Frequency < 0)
            {
                problems.Add(new Problem("scoring.summary.frequency", s.CustomerId.ToString(), $"{s.CustomerId}: frequency {s.Frequency} is negative"));
            }

            if (!double.IsFinite(s.Recency) || !double.IsFinite(s.Age) || s.Recency < 0 || s.Age < 0)
            {
                problems.Add(new Problem("scoring.summary.times", s.CustomerId.ToString(), $"{s.CustomerId}: times must be finite and not negative (recency {s.Recency}, age {s.Age})"));
            }
            else if (!RecencyWithinAge(s.Recency, s.Age))
            {
                problems.Add(new Problem("scoring.summary.recency", s.CustomerId.ToString(), $"{s.CustomerId}: recency {s.Recency} is beyond age {s.Age}"));
            }

            if (s.Frequency == 0 && s.Recency > 0)
            {
                problems.Add(new Problem("scoring.summary.recency", s.CustomerId.ToString(), $"{s.CustomerId}: no repeat purchase but recency {s.Recency} > 0"));
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }
    }

    /// <summary>The log-likelihood of one customer's summary.</summary>
    /// <param name="p">Fitted parameters (a fit's <c>Parameters</c>, or published ones such as CDNOW's).</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>The log-likelihood.</returns>
    public static double LogLikelihood(BgNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        var (r, alpha, a, b) = (p.R, p.Alpha, p.A, p.B);
        var common = SpecialFunctions.GammaLn(r + x) - SpecialFunctions.GammaLn(r) + (r * Math.Log(alpha));
        var betaTerm = SpecialFunctions.GammaLn(a + b) + SpecialFunctions.GammaLn(b + x) - SpecialFunctions.GammaLn(b) - SpecialFunctions.GammaLn(a + b + x);
        var a1 = -(r + x) * Math.Log(alpha + t);
        if (x == 0)
        {
            return common + betaTerm + a1;
        }

        // ln[(a/(b+x-1)) (alpha+tx)^-(r+x)] combined with a1 by log-sum-exp.
        var a2 = Math.Log(a) - Math.Log(b + x - 1) - ((r + x) * Math.Log(alpha + tx));
        var max = Math.Max(a1, a2);
        return common + betaTerm + max + Math.Log(Math.Exp(a1 - max) + Math.Exp(a2 - max));
    }

    /// <summary>The summed log-likelihood over customers.</summary>
    /// <param name="p">Fitted parameters (a fit's <c>Parameters</c>, or published ones such as CDNOW's).</param>
    /// <param name="summaries">One summary per customer (frequency, recency and age in the same time unit).</param>
    /// <returns>The log-likelihood.</returns>
    public static double LogLikelihood(BgNbdParameters p, IReadOnlyList<RepeatSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var sum = 0.0;
        foreach (var s in summaries)
        {
            sum += LogLikelihood(p, s.Frequency, s.Recency, s.Age);
        }

        return sum;
    }

    /// <summary>
    /// Fits the parameters by maximum likelihood: BFGS (MathNet.Numerics) on the logarithms of the parameters
    /// with the analytic gradient, falling back to restarted Nelder-Mead when BFGS cannot finish. Customers
    /// with the same (x, t_x, T) are grouped and the gamma terms computed once per distinct x, so the cost
    /// grows with distinct summaries.
    /// </summary>
    /// <param name="summaries">One summary per customer (frequency, recency and age in the same time unit).</param>
    /// <param name="tolerance">The optimizer's convergence tolerance on the objective.</param>
    /// <param name="maxIterations">The optimizer's iteration limit.</param>
    /// <returns>The fit, which says whether it converged.</returns>
    /// <exception cref="InvalidInputException">Bad summaries, every problem listed.</exception>
    public static BgNbdFit Fit(IReadOnlyList<RepeatSummary> summaries, double tolerance = 1e-10, int maxIterations = 10_000)
    {
        Validate(summaries);
        var likelihood = new BgNbdLikelihood(summaries);
        var meanX = summaries.Average(s => s.Frequency);
        var meanT = summaries.Average(s => s.Age);
        var start = Vector<double>.Build.DenseOfArray([0.0, Math.Log(Math.Max(1e-3, meanT / Math.Max(meanX, 1e-3))), 0.0, 0.0]);
        var (m, value, converged, iterations) = Minimizer.MinimizeWithGradient(
            (theta, gradient) =>
            {
                var ll = likelihood.Evaluate(theta, gradient);
                for (var k = 0; k < gradient.Length; k++)
                {
                    gradient[k] = -gradient[k];
                }

                return -ll;
            },
            start,
            tolerance,
            maxIterations);
        var parameters = new BgNbdParameters(ScoringChecks.ExpInRange(m[0]), ScoringChecks.ExpInRange(m[1]), ScoringChecks.ExpInRange(m[2]), ScoringChecks.ExpInRange(m[3]));
        var diagnosis = ScoringChecks.RepeatFitDiagnosis(summaries, value, converged, m, ["r", "alpha", "a", "b"]);
        return new BgNbdFit(parameters, -value, diagnosis is null, iterations, summaries.Count) { Diagnosis = diagnosis };
    }

    /// <summary>
    /// Standard errors of fitted parameters: the square roots of the diagonal of the inverse of the observed
    /// information (minus the Hessian of the log-likelihood at the parameters), the Hessian taken by central
    /// differences of the analytic gradient. On CDNOW they are the published r 0.0126, alpha 0.378, a 0.186,
    /// b 0.705. Worth computing only for a fit that converged.
    /// </summary>
    /// <param name="summaries">The summaries the parameters were fitted on.</param>
    /// <param name="p">The fitted parameters (a converged fit's <c>Parameters</c>).</param>
    /// <returns>The standard errors of r, alpha, a and b, in that order, in the record's shape.</returns>
    /// <exception cref="InvalidInputException">The summaries are invalid (as for <see cref="Fit"/>).</exception>
    /// <exception cref="ArgumentException">The information matrix is singular at these parameters (they are not a fitted optimum the data identify).</exception>
    public static BgNbdParameters StandardErrors(IReadOnlyList<RepeatSummary> summaries, BgNbdParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        Validate(summaries);
        var likelihood = new BgNbdLikelihood(summaries);
        var se = ObservedInformation.StandardErrors(likelihood.Evaluate, [p.R, p.Alpha, p.A, p.B], nameof(p));
        return new BgNbdParameters(se[0], se[1], se[2], se[3]);
    }

    /// <summary>The probability that a customer with this history is still alive at the end of the period.</summary>
    /// <param name="p">Fitted parameters (a fit's <c>Parameters</c>, or published ones such as CDNOW's).</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>A probability in [0, 1].</returns>
    public static double ProbabilityAlive(BgNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        CheckHistory(x, tx, t);
        return AliveCore(p, x, tx, t);
    }

    private static double AliveCore(BgNbdParameters p, int x, double tx, double t)
    {
        if (x == 0)
        {
            return 1.0;
        }

        var logRatio = Math.Log(p.A) - Math.Log(p.B + x - 1) + ((p.R + x) * (Math.Log(p.Alpha + t) - Math.Log(p.Alpha + tx)));
        return 1.0 / (1.0 + Math.Exp(logRatio));
    }

    /// <summary>P(alive) for many customers at once, on every core (each summary checked first).</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="summaries">The customers' summaries.</param>
    /// <returns>Each customer's probability, in the order of <paramref name="summaries"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A summary no customer can have, named by its position.</exception>
    public static double[] ProbabilityAlive(BgNbdParameters p, IReadOnlyList<RepeatSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(p);
        return BatchPredictions.Run(summaries, new AliveBatch(p));
    }

    /// <summary>E[Y(t) | x, t_x, T] for many customers at once, on every core (each summary checked first).</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="t">The length of the future period, in the time unit of the fit.</param>
    /// <param name="summaries">The customers' summaries.</param>
    /// <returns>Each customer's expected purchases, in the order of <paramref name="summaries"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A summary no customer can have (named by its position), or a bad horizon.</exception>
    public static double[] ConditionalExpectedPurchases(BgNbdParameters p, double t, IReadOnlyList<RepeatSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(p);
        CheckHorizon(t);
        return BatchPredictions.Run(summaries, new ExpectedBatch(p, t));
    }

    /// <summary>E[X(t)]: expected purchases in (0, t] of a customer just acquired.</summary>
    /// <param name="p">The parameters (a &gt; 1).</param>
    /// <param name="t">The length of the future period, in the time unit of the fit (weeks for CDNOW).</param>
    /// <returns>The expected number of purchases.</returns>
    public static double ExpectedPurchases(BgNbdParameters p, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        CheckHorizon(t);
        return (p.A + p.B - 1) * OneMinusGOverAMinusOne(p.R, p.Alpha, p.A, p.B, 0, t);
    }

    /// <summary>E[Y(t) | x, t_x, T]: expected purchases in the next t of a customer with this history.</summary>
    /// <param name="p">The parameters (a &gt; 1).</param>
    /// <param name="t">The length of the future period, in the time unit of the fit (weeks for CDNOW).</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="age">Age T.</param>
    /// <returns>The expected number of purchases.</returns>
    public static double ConditionalExpectedPurchases(BgNbdParameters p, double t, int x, double tx, double age)
    {
        ArgumentNullException.ThrowIfNull(p);
        CheckHorizon(t);
        CheckHistory(x, tx, age);
        return ExpectedCore(p, t, x, tx, age);
    }

    private static double ExpectedCore(BgNbdParameters p, double t, int x, double tx, double age)
        => ExpectedFromBracket(p, OneMinusGOverAMinusOne(p.R, p.Alpha + age, p.A, p.B, x, t), x, tx, age);

    private static double ExpectedFromBracket(BgNbdParameters p, double bracket, int x, double tx, double age)
    {
        var (r, alpha, a, b) = (p.R, p.Alpha, p.A, p.B);
        var numerator = (a + b + x - 1) * bracket;
        if (x == 0)
        {
            return numerator;
        }

        // 1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x), in logs: the power overflows for many purchases
        // long ago (x = 2,000 gives about 1e-11 expected purchases, not NaN).
        var logD = Math.Log(a / (b + x - 1)) + ((r + x) * Math.Log((alpha + age) / (alpha + tx)));
        return logD > 0 ? numerator * Math.Exp(-logD) / (1 + Math.Exp(-logD)) : numerator / (1 + Math.Exp(logD));
    }

    /// <summary>
    /// (1 - G) / (a - 1) with G = ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; z),
    /// z = t / (alpha + T + t): the bracket of E[X(t)] and E[Y(t) | x, t_x, T]. By Euler's transformation
    /// G = (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z), whose parameters stay small however many
    /// purchases there were (the direct series overflows from about x = 1,100). Writing e = a - 1 and
    /// 2F1 = 1 + e S, (1 - G) / e = -expm1(e ln(1 - z)) / e - (1 - z)^e S, which has the finite limit
    /// -ln(1 - z) - S at a = 1.
    /// </summary>
    private static double OneMinusGOverAMinusOne(double r, double alphaPlusAge, double a, double b, int x, double t)
    {
        if (t == 0)
        {
            return 0;
        }

        var e = a - 1;
        var z = t / (alphaPlusAge + t);
        var logOneMinusZ = Math.Log(alphaPlusAge / (alphaPlusAge + t));
        var first = e == 0 ? -logOneMinusZ : -double.ExpM1(e * logOneMinusZ) / e;
        var power = Math.Exp(e * logOneMinusZ);

        // S = sum over k >= 1 of (b + e - r)_k (1 + e)_(k-1) / ((b + x + e)_k k!) z^k, term by term.
        double sum = 0, term = (b + e - r) / (b + x + e) * z;
        for (var k = 1; k < 10_000_000 && term != 0; k++)
        {
            sum += term;
            if (Math.Abs(term) <= Math.Abs(sum) * 1e-17)
            {
                break;
            }

            term *= (b + e - r + k) * (e + k) / ((b + x + e + k) * (k + 1)) * z;
        }

        return first - (power * sum);
    }

    /// <summary>Recency at most age, allowing for rounding (260/7 against 27 + 71/7 differ in the last bit).</summary>
    internal static bool RecencyWithinAge(double tx, double age) => tx <= age + (Math.Max(1, Math.Abs(age)) * 1e-9);

    /// <summary>Refuses a history no customer can have: negative purchases, non-finite or negative times, recency after age.</summary>
    internal static void CheckHistory(int x, double tx, double age)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        if (!double.IsFinite(tx) || tx < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tx), tx, "Recency is a finite time of at least 0.");
        }

        if (!double.IsFinite(age) || age < 0 || !RecencyWithinAge(tx, age))
        {
            throw new ArgumentOutOfRangeException(nameof(age), age, $"Age is a finite time of at least 0 and at least the recency ({tx}).");
        }
    }

    /// <summary>Refuses a horizon that is negative or not finite.</summary>
    internal static void CheckHorizon(double t)
    {
        if (!double.IsFinite(t) || t < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, "The horizon is a finite time of at least 0.");
        }
    }

    /// <summary>P(X(t) = n): the probability that a customer just acquired makes exactly n purchases in (0, t].</summary>
    /// <param name="p">Fitted parameters (a fit's <c>Parameters</c>, or published ones such as CDNOW's).</param>
    /// <param name="n">The number of purchases.</param>
    /// <param name="t">The length of the future period, in the time unit of the fit (weeks for CDNOW).</param>
    /// <returns>A probability in [0, 1].</returns>
    public static double ProbabilityOfPurchases(BgNbdParameters p, int n, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckHorizon(t);
        var (r, alpha, a, b) = (p.R, p.Alpha, p.A, p.B);
        var logBetaAB = SpecialFunctions.BetaLn(a, b);
        var logP = Math.Log(alpha / (alpha + t));
        var logQ = t == 0 ? double.NegativeInfinity : Math.Log(t / (alpha + t));
        double LogNbd(int j) => SpecialFunctions.GammaLn(r + j) - SpecialFunctions.GammaLn(r) - SpecialFunctions.GammaLn(j + 1) + (r * logP) + (j == 0 ? 0 : j * logQ);
        var first = Math.Exp(SpecialFunctions.BetaLn(a, b + n) - logBetaAB + LogNbd(n));
        if (n == 0)
        {
            return Math.Clamp(first, 0, 1);
        }

        // P(NBD(r, alpha; t) >= n), the upper tail, as a regularized incomplete beta I_q(n, r) with
        // q = t / (alpha + t): exact in the far tail, where 1 - (the sum of the first n terms) loses every digit.
        var tail = SpecialFunctions.BetaRegularized(n, r, t / (alpha + t));
        var second = Math.Exp(SpecialFunctions.BetaLn(a + 1, b + n - 1) - logBetaAB) * tail;
        return Math.Clamp(first + second, 0, 1);
    }

    /// <summary>
    /// Customer lifetime value over <paramref name="horizon"/> whole periods: for each period i, the expected
    /// purchases in it (from <see cref="ConditionalExpectedPurchases(BgNbdParameters, double, int, double, double)"/>) times the expected value per purchase,
    /// discounted by (1 + rate)^i. An estimate in major units, not a booked amount.
    /// </summary>
    /// <param name="p">The BG/NBD parameters.</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="age">Age T.</param>
    /// <param name="valuePerPurchase">Expected value per purchase (e.g. from <see cref="GammaGamma.ConditionalExpectedValue"/>).</param>
    /// <param name="horizon">Number of periods.</param>
    /// <param name="discountRatePerPeriod">Discount rate per period (e.g. 0.01).</param>
    /// <returns>The discounted expected value.</returns>
    public static double CustomerLifetimeValue(BgNbdParameters p, int x, double tx, double age, double valuePerPurchase, int horizon, double discountRatePerPeriod)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        ArgumentOutOfRangeException.ThrowIfNegative(discountRatePerPeriod);
        var total = 0.0;
        var previous = 0.0;
        for (var i = 1; i <= horizon; i++)
        {
            var cumulative = ConditionalExpectedPurchases(p, i, x, tx, age);
            total += valuePerPurchase * (cumulative - previous) / Math.Pow(1 + discountRatePerPeriod, i);
            previous = cumulative;
        }

        return total;
    }

    /// <summary>
    /// The Gaussian hypergeometric function 2F1(a, b; c; z) for 0 &lt;= z &lt; 1: its power series up to
    /// z = 0.9, and beyond, the connection formula in 1 - z (where the series would need too many terms);
    /// when c - a - b is an integer the formula is singular, and two evaluations with c nudged by ±1e-5 are averaged.
    /// </summary>
    /// <param name="a">a.</param>
    /// <param name="b">b.</param>
    /// <param name="c">c, positive.</param>
    /// <param name="z">z in [0, 1).</param>
    /// <returns>The value.</returns>
    /// <exception cref="ArithmeticException">The evaluation did not converge.</exception>
    public static double Hypergeometric2F1(double a, double b, double c, double z)
    {
        if (z < 0 || z >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "2F1 is evaluated for 0 <= z < 1.");
        }

        if (z <= 0.9)
        {
            return Series(a, b, c, z);
        }

        var d = c - a - b;
        if (Math.Abs(d - Math.Round(d)) < 1e-5)
        {
            // The connection formula is singular at integer c - a - b: average two nudged evaluations,
            // which cancels the first-order error of the nudge.
            const double Nudge = 1e-5;
            return (Connection(a, b, c + Nudge, z) + Connection(a, b, c - Nudge, z)) / 2;
        }

        return Connection(a, b, c, z);
    }

    /// <summary>2F1 by the connection formula in 1 - z (c - a - b not an integer).</summary>
    private static double Connection(double a, double b, double c, double z)
    {
        var d = c - a - b;
        var w = 1 - z;
        var (l1, s1) = LogGammaSigned(c);
        var (l2, s2) = LogGammaSigned(d);
        var (l3, s3) = LogGammaSigned(c - a);
        var (l4, s4) = LogGammaSigned(c - b);
        var (l5, s5) = LogGammaSigned(-d);
        var (l6, s6) = LogGammaSigned(a);
        var (l7, s7) = LogGammaSigned(b);
        var first = s1 * s2 * s3 * s4 * Math.Exp(l1 + l2 - l3 - l4) * Series(a, b, 1 - d, w);
        var second = s1 * s5 * s6 * s7 * Math.Exp(l1 + l5 - l6 - l7 + (d * Math.Log(w))) * Series(c - a, c - b, 1 + d, w);
        var result = first + second;
        return double.IsFinite(result) ? result : throw new ArithmeticException($"2F1({a}, {b}; {c}; {z}) overflowed.");
    }

    private static double Series(double a, double b, double c, double z)
    {
        var term = 1.0;
        var sum = 1.0;
        for (var j = 0; j < 100_000; j++)
        {
            term *= (a + j) * (b + j) / ((c + j) * (j + 1)) * z;
            sum += term;
            if (Math.Abs(term) <= 1e-16 * Math.Abs(sum))
            {
                return sum;
            }
        }

        throw new ArithmeticException($"2F1({a}, {b}; {c}; {z}) did not converge.");
    }

    /// <summary>ln|Gamma(x)| and the sign of Gamma(x), for any x that is not a non-positive integer.</summary>
    private static (double LogAbs, double Sign) LogGammaSigned(double x)
    {
        if (x > 0)
        {
            return (SpecialFunctions.GammaLn(x), 1.0);
        }

        // Reflection: Gamma(x) = pi / (sin(pi x) Gamma(1 - x)).
        var sin = Math.Sin(Math.PI * x);
        return (Math.Log(Math.PI) - Math.Log(Math.Abs(sin)) - SpecialFunctions.GammaLn(1 - x), Math.Sign(sin) >= 0 ? 1.0 : -1.0);
    }
}
