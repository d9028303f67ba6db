using CommunityModel.Primitives;
using MathNet.Numerics;
using MathNet.Numerics.Integration;
using MathNet.Numerics.LinearAlgebra;

namespace CommunityModel.Scoring;

/// <summary>
/// Pareto/NBD parameters (Schmittlein, Morrison and Colombo 1987): while alive a customer buys at a Poisson rate
/// lambda ~ Gamma(r, alpha) and dies at an exponential rate mu ~ Gamma(s, beta), the two independent.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="R">Shape of the purchase-rate gamma.</param>
/// <param name="Alpha">Scale of the purchase-rate gamma.</param>
/// <param name="S">Shape of the dropout-rate gamma.</param>
/// <param name="Beta">Scale of the dropout-rate gamma.</param>
public sealed record ParetoNbdParameters(double R, double Alpha, double S, double Beta)
{
    private readonly double _r = ScoringChecks.Positive(R, nameof(R));
    private readonly double _alpha = ScoringChecks.Positive(Alpha, nameof(Alpha));
    private readonly double _s = ScoringChecks.Positive(S, nameof(S));
    private readonly double _beta = ScoringChecks.Positive(Beta, nameof(Beta));

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

    /// <summary>Shape of the dropout-rate gamma; positive and finite.</summary>
    public double S
    {
        get => _s;
        init => _s = ScoringChecks.Positive(value, nameof(S));
    }

    /// <summary>Scale of the dropout-rate gamma; positive and finite.</summary>
    public double Beta
    {
        get => _beta;
        init => _beta = ScoringChecks.Positive(value, nameof(Beta));
    }
}

/// <summary>The result of fitting Pareto/NBD by maximum likelihood.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Parameters">The fitted parameters.</param>
/// <param name="LogLikelihood">The log-likelihood at the parameters, summed over customers.</param>
/// <param name="Converged">Whether the fit can be trusted (see <see cref="Diagnosis"/> when it cannot).</param>
/// <param name="Iterations">The optimizer's iterations.</param>
/// <param name="Customers">How many customers were fitted.</param>
public sealed record ParetoNbdFit(ParetoNbdParameters Parameters, double LogLikelihood, bool Converged, int Iterations, int Customers)
{
    /// <summary>
    /// Why the fit cannot be trusted, in a sentence a store owner understands, when <see cref="Converged"/> is
    /// false; null when the fit converged to an interior optimum.
    /// </summary>
    public string? Diagnosis { get; init; }
}

/// <summary>
/// The Pareto/NBD repeat-purchase model: fit, probability alive and expected purchases, on the same
/// <see cref="RepeatSummary"/> rows as <see cref="BgNbd"/>. Where BG/NBD lets a customer drop out only just after
/// a purchase, Pareto/NBD lets death come at any time; it is the older model and often fits a little better, at
/// the price of heavier numerics. Every function is pure and checks its input.
/// </summary>
/// <remarks>
/// Stateless; safe to call from any thread. The likelihood (Fader, Hardie and Lee's 2005 note) is written as
/// C [B + s I]: B = (alpha + T)^-(r + x) (beta + T)^-s, and I the integral of (alpha + u)^-(r + x) (beta + u)^-(s + 1)
/// over t_x &lt;= u &lt;= T, whose closed form through Gauss's hypergeometric function is taken after Euler's
/// transformation: term(u) = G(z_u) (alpha + u)^-(r + x) (beta + u)^-s (for alpha &gt;= beta; the other case is alike)
/// with G a series of positive terms falling about as fast as powers of z_u = |alpha - beta| / (max(alpha, beta) + u) &lt; 1, whatever the number of purchases. Everything
/// is in logarithms, so no power overflows; where z is so close to 1 that the series would be slow (alpha and beta
/// more than 100 times apart), I is integrated numerically instead (adaptive Gauss-Kronrod in the logarithm of time).
/// </remarks>
public static class ParetoNbd
{
    /// <summary>Checks summaries (the same rules as <see cref="BgNbd.Validate"/>).</summary>
    /// <param name="summaries">One summary per customer (frequency, recency and age in the same time unit).</param>
    /// <exception cref="InvalidInputException">Every problem found.</exception>
    public static void Validate(IReadOnlyList<RepeatSummary> summaries) => BgNbd.Validate(summaries);

    /// <summary>The log-likelihood of one customer's summary.</summary>
    /// <param name="p">The parameters (a fit's <c>Parameters</c>, or published ones such as CDNOW's).</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>The log-likelihood.</returns>
    public static double LogLikelihood(ParetoNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        BgNbd.CheckHistory(x, tx, t);
        var (logB, logSI) = Parts(p.R, p.Alpha, p.S, p.Beta, x, tx, t);
        return Constant(p.R, p.Alpha, p.S, p.Beta, x) + LogAddExp(logB, logSI);
    }

    /// <summary>The summed log-likelihood over customers.</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="summaries">One summary per customer.</param>
    /// <returns>The log-likelihood.</returns>
    public static double LogLikelihood(ParetoNbdParameters p, IReadOnlyList<RepeatSummary> summaries)
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
    /// Fits the parameters by maximum likelihood: BFGS (MathNet.Numerics) on the logarithms of the parameters with
    /// a central-difference gradient, falling back to restarted Nelder-Mead when BFGS cannot finish. Customers with
    /// the same (x, t_x, T) are one weighted row. On CDNOW's 2,357 customers it gives the published r 0.55,
    /// alpha 10.58, s 0.61, beta 11.67 (log-likelihood -9,595.0).
    /// </summary>
    /// <param name="summaries">One summary per customer (frequency, recency and age in the same time unit).</param>
    /// <param name="tolerance">The optimizer's convergence tolerance on the objective.</param>
    /// <param name="maxIterations">The optimizer's iteration limit.</param>
    /// <returns>The fit, which says whether it can be trusted.</returns>
    /// <exception cref="InvalidInputException">Bad summaries, every problem listed.</exception>
    public static ParetoNbdFit Fit(IReadOnlyList<RepeatSummary> summaries, double tolerance = 1e-10, int maxIterations = 10_000)
    {
        Validate(summaries);
        var rows = new Rows(summaries);
        var meanX = summaries.Average(s => s.Frequency);
        var meanT = summaries.Average(s => s.Age);
        var start = Vector<double>.Build.DenseOfArray([0.0, Math.Log(Math.Max(1e-3, meanT / Math.Max(meanX, 1e-3))), 0.0, Math.Log(Math.Max(1e-3, meanT))]);
        var (m, value, converged, iterations) = Minimizer.MinimizeWithGradient(
            (theta, gradient) =>
            {
                rows.Gradient(theta, gradient);
                for (var k = 0; k < gradient.Length; k++)
                {
                    gradient[k] = -gradient[k];
                }

                return -rows.Evaluate(theta);
            },
            start,
            tolerance,
            maxIterations);
        var parameters = new ParetoNbdParameters(ScoringChecks.ExpInRange(m[0]), ScoringChecks.ExpInRange(m[1]), ScoringChecks.ExpInRange(m[2]), ScoringChecks.ExpInRange(m[3]));
        var diagnosis = ScoringChecks.RepeatFitDiagnosis(summaries, value, converged, m, ["r", "alpha", "s", "beta"]);
        return new ParetoNbdFit(parameters, -value, diagnosis is null, iterations, summaries.Count) { Diagnosis = diagnosis };
    }

    /// <summary>
    /// Standard errors of fitted parameters: the square roots of the diagonal of the inverse of the observed
    /// information, the Hessian taken by central second differences of the log-likelihood.
    /// </summary>
    /// <param name="summaries">The summaries the parameters were fitted on.</param>
    /// <param name="p">The fitted parameters (a converged fit's <c>Parameters</c>).</param>
    /// <returns>The standard errors of r, alpha, s and beta, in the record's shape.</returns>
    /// <exception cref="InvalidInputException">The summaries are invalid.</exception>
    /// <exception cref="ArgumentException">The information matrix is singular at these parameters (they are not a fitted optimum the data identify).</exception>
    public static ParetoNbdParameters StandardErrors(IReadOnlyList<RepeatSummary> summaries, ParetoNbdParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        Validate(summaries);
        var rows = new Rows(summaries);
        var theta = new double[4];
        var se = ObservedInformation.StandardErrorsFromValues(
            natural =>
            {
                for (var k = 0; k < 4; k++)
                {
                    theta[k] = Math.Log(natural[k]);
                }

                return rows.Evaluate(theta);
            },
            [p.R, p.Alpha, p.S, p.Beta],
            nameof(p));
        return new ParetoNbdParameters(se[0], se[1], se[2], se[3]);
    }

    /// <summary>The probability that a customer with this history is still alive at the end of the period.</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="t">Age T.</param>
    /// <returns>A probability in [0, 1].</returns>
    public static double ProbabilityAlive(ParetoNbdParameters p, int x, double tx, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        BgNbd.CheckHistory(x, tx, t);
        var (logB, logSI) = Parts(p.R, p.Alpha, p.S, p.Beta, x, tx, t);
        var d = logSI - logB;
        return double.IsNegativeInfinity(d) ? 1.0 : d > 0 ? Math.Exp(-d) / (1.0 + Math.Exp(-d)) : 1.0 / (1.0 + Math.Exp(d));
    }

    /// <summary>P(alive) for many customers at once, on every core (each summary checked first).</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="summaries">The customers' summaries.</param>
    /// <returns>Each customer's probability, in the order of <paramref name="summaries"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A summary no customer can have, named by its position.</exception>
    public static double[] ProbabilityAlive(ParetoNbdParameters p, IReadOnlyList<RepeatSummary> summaries)
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
    public static double[] ConditionalExpectedPurchases(ParetoNbdParameters p, double t, IReadOnlyList<RepeatSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(p);
        BgNbd.CheckHorizon(t);
        return BatchPredictions.Run(summaries, new ExpectedBatch(p, t));
    }

    /// <summary>E[X(t)]: expected purchases in (0, t] of a customer just acquired.</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="t">The length of the future period, in the time unit of the fit.</param>
    /// <returns>The expected number of purchases.</returns>
    public static double ExpectedPurchases(ParetoNbdParameters p, double t)
    {
        ArgumentNullException.ThrowIfNull(p);
        BgNbd.CheckHorizon(t);
        return p.R / p.Alpha * p.Beta * PowerBracket(p.S, -double.LogP1(t / p.Beta));
    }

    /// <summary>E[Y(t) | x, t_x, T]: expected purchases in the next t of a customer with this history.</summary>
    /// <param name="p">The parameters.</param>
    /// <param name="t">The length of the future period, in the time unit of the fit.</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="age">Age T.</param>
    /// <returns>The expected number of purchases.</returns>
    public static double ConditionalExpectedPurchases(ParetoNbdParameters p, double t, int x, double tx, double age)
    {
        ArgumentNullException.ThrowIfNull(p);
        BgNbd.CheckHorizon(t);
        var alive = ProbabilityAlive(p, x, tx, age);
        if (t == 0)
        {
            return 0;
        }

        // (r + x) (beta + T) / (alpha + T) * [1 - ((beta + T) / (beta + T + t))^(s - 1)] / (s - 1) * P(alive).
        var betaT = p.Beta + age;
        return (p.R + x) / (p.Alpha + age) * betaT * PowerBracket(p.S, -double.LogP1(t / betaT)) * alive;
    }

    /// <summary>[1 - q^(s - 1)] / (s - 1) from ln q, with its limit -ln q at s = 1.</summary>
    private static double PowerBracket(double s, double logQ)
    {
        var e = s - 1;
        return e == 0 ? -logQ : -double.ExpM1(e * logQ) / e;
    }

    /// <summary>ln[Gamma(r + x) alpha^r beta^s / Gamma(r)].</summary>
    private static double Constant(double r, double alpha, double s, double beta, int x)
        => SpecialFunctions.GammaLn(r + x) - SpecialFunctions.GammaLn(r) + (r * Math.Log(alpha)) + (s * Math.Log(beta));

    private static double LogAddExp(double a, double b)
    {
        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        var max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    /// <summary>ln B and ln(s I) of the likelihood C [B + s I] (ln(s I) is -infinity when t_x = T).</summary>
    internal static (double LogB, double LogSI) Parts(double r, double alpha, double s, double beta, int x, double tx, double t)
    {
        var rx = r + x;
        var logB = (-rx * Math.Log(alpha + t)) - (s * Math.Log(beta + t));
        if (!(t > tx))
        {
            return (logB, double.NegativeInfinity);
        }

        var logI = LogIntegral(r, alpha, s, beta, x, tx, t);
        return (logB, Math.Log(s) + logI);
    }

    /// <summary>ln of the integral of (alpha + u)^-(r + x) (beta + u)^-(s + 1) over [t_x, T], for t_x &lt; T.</summary>
    private static double LogIntegral(double r, double alpha, double s, double beta, int x, double tx, double t)
    {
        var rx = r + x;
        var a1 = rx + s;
        var high = Math.Max(alpha, beta);
        var gap = Math.Abs(alpha - beta);
        var zTx = gap / (high + tx);
        if (zTx <= 0.99)
        {
            // I = [term(t_x) - term(T)] / (r + s + x), with term(u) = G(z_u) (alpha + u)^-(r + x) (beta + u)^-s when
            // alpha >= beta and G(z_u) (alpha + u)^(1 - r - x) (beta + u)^-(s + 1) otherwise.
            var (c0, pa, pb) = alpha >= beta ? (rx, rx, s) : (s + 1, rx - 1, s + 1);
            var lTx = Math.Log(G(c0, a1 + 1, zTx)) - (pa * Math.Log(alpha + tx)) - (pb * Math.Log(beta + tx));
            var lT = Math.Log(G(c0, a1 + 1, gap / (high + t))) - (pa * Math.Log(alpha + t)) - (pb * Math.Log(beta + t));
            var difference = lT < lTx ? lTx + Math.Log(-double.ExpM1(lT - lTx)) : double.NegativeInfinity;
            return difference - Math.Log(a1);
        }

        // The series would need thousands of terms: integrate numerically in v = ln(m + u), m the smaller of alpha and
        // beta, where the integrand is smooth (its scales differ by more than 100 times), scaled by its value at t_x so
        // that nothing underflows however many purchases there were.
        var m = Math.Min(alpha, beta);
        var (ax, bx, mx) = (alpha + tx, beta + tx, m + tx);
        double Scaled(double v)
        {
            var d = Math.Exp(v) - mx;
            return Math.Exp((-rx * double.LogP1(d / ax)) - ((s + 1) * double.LogP1(d / bx)) + double.LogP1(d / mx));
        }

        // Gauss-Legendre panels from v0: the first as wide as the integrand's fall by a factor e (at its steepest), each
        // next twice as wide up to 1 (the integrand's own scale in v); stop once it is falling and what is left
        // cannot count.
        var (v0, v1) = (Math.Log(mx), Math.Log(m + t));
        var steepest = Math.Max(1, Math.Max((mx * ((rx / ax) + ((s + 1) / bx))) - 1, rx + s));
        var step = 1 / steepest;
        double integral = 0, previous = 1;
        for (var from = v0; from < v1;)
        {
            var to = Math.Min(v1, from + Math.Min(1, step));
            var half = (to - from) / 2;
            var mid = from + half;
            double panel = 0;
            for (var k = 0; k < LegendreNodes.Length; k++)
            {
                panel += LegendreWeights[k] * Scaled(mid + (half * LegendreNodes[k]));
            }

            integral += panel * half;
            from = to;
            step *= 2;
            var value = Scaled(from);
            if (value < previous && value * (v1 - from) < integral * 1e-17)
            {
                break;
            }

            previous = value;
        }

        return Math.Log(integral) + Math.Log(mx) - (rx * Math.Log(ax)) - ((s + 1) * Math.Log(bx));
    }

    private static readonly double[] LegendreNodes = new GaussLegendreRule(-1, 1, 20).Abscissas;
    private static readonly double[] LegendreWeights = new GaussLegendreRule(-1, 1, 20).Weights;

    /// <summary>G(z) = sum over k &gt;= 0 of [(c0)_k / (c1)_k] z^k, with 0 &lt; c0 &lt; c1 + 1 and 0 &lt;= z &lt; 1.</summary>
    private static double G(double c0, double c1, double z)
    {
        if (z == 0)
        {
            return 1;
        }

        double sum = 1, term = 1;
        for (var k = 0; k < 1_000_000; k++)
        {
            term *= (c0 + k) / (c1 + k) * z;
            sum += term;
            if (term <= sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>Summaries grouped into distinct (x, t_x, T) rows with weights; the log-likelihood in log-parameters.</summary>
    private sealed class Rows
    {
        private readonly int[] _x;
        private readonly double[] _tx;
        private readonly double[] _t;
        private readonly double[] _w;
        private readonly double _customers;

        public Rows(IReadOnlyList<RepeatSummary> summaries)
        {
            var groups = new Dictionary<(int, double, double), double>();
            foreach (var s in summaries)
            {
                var key = (s.Frequency, s.Recency, s.Age);
                groups[key] = groups.GetValueOrDefault(key) + 1;
            }

            var n = groups.Count;
            (_x, _tx, _t, _w) = (new int[n], new double[n], new double[n], new double[n]);
            var i = 0;
            foreach (var ((x, tx, t), w) in groups)
            {
                (_x[i], _tx[i], _t[i], _w[i]) = (x, tx, t, w);
                i++;
            }

            _customers = summaries.Count;
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public double Evaluate(ReadOnlySpan<double> theta)
        {
            var (r, alpha, s, beta) = (Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]), Math.Exp(theta[3]));
            var baseConstant = (r * Math.Log(alpha)) + (s * Math.Log(beta)) - SpecialFunctions.GammaLn(r);
            var sum = 0.0;
            for (var i = 0; i < _x.Length; i++)
            {
                var (logB, logSI) = Parts(r, alpha, s, beta, _x[i], _tx[i], _t[i]);
                sum += _w[i] * (SpecialFunctions.GammaLn(r + _x[i]) + LogAddExp(logB, logSI));
            }

            return sum + (_customers * baseConstant);
        }

        /// <summary>The gradient in log-parameters by central differences.</summary>
        public void Gradient(ReadOnlySpan<double> theta, Span<double> gradient)
        {
            Span<double> at = stackalloc double[theta.Length];
            for (var k = 0; k < theta.Length; k++)
            {
                theta.CopyTo(at);
                const double H = 1e-6;
                at[k] = theta[k] + H;
                var plus = Evaluate(at);
                at[k] = theta[k] - H;
                var minus = Evaluate(at);
                gradient[k] = (plus - minus) / (2 * H);
            }
        }
    }

    private struct AliveBatch(ParetoNbdParameters p) : IPrediction<AliveBatch>, IOneCustomer
    {
        public readonly AliveBatch ForRange() => this;

        public void PredictBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> age, Span<double> result) =>
            BatchPredictions.OneByOne(ref this, x, tx, age, result);

        public readonly double Predict(int x, double tx, double age) => ProbabilityAlive(p, x, tx, age);
    }

    private struct ExpectedBatch(ParetoNbdParameters p, double t) : IPrediction<ExpectedBatch>, IOneCustomer
    {
        public readonly ExpectedBatch ForRange() => this;

        public void PredictBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> age, Span<double> result) =>
            BatchPredictions.OneByOne(ref this, x, tx, age, result);

        public readonly double Predict(int x, double tx, double age) => ConditionalExpectedPurchases(p, t, x, tx, age);
    }
}
