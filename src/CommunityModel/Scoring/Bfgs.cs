namespace CommunityModel.Scoring;

/// <summary>
/// BFGS with a strong-Wolfe line search (bracketing and safeguarded cubic interpolation, Nocedal and Wright,
/// Numerical Optimization, algorithms 3.5 and 3.6) inside a box. The scoring likelihoods are smooth, have a few
/// parameters and cost a pass over the data per evaluation, so what matters is evaluations per iteration: this
/// search usually accepts its first trial step, where a generic one spends four. Variables at a bound whose
/// descent direction points out of the box are held there for the step (a simple active set).
/// </summary>
internal static class Bfgs
{
    private const double C1 = 1e-4;
    private const double C2 = 0.9;

    /// <summary>The box every scoring fit searches in log space: beyond e^±15 the likelihoods' terms lose their precision.</summary>
    public const double Lower = -15;

    /// <inheritdoc cref="Lower"/>
    public const double Upper = 15;

    /// <summary>Why the search stopped.</summary>
    public enum Outcome
    {
        /// <summary>The projected gradient is small relative to the objective, or the quasi-Newton step is below 1e-9.</summary>
        Gradient,

        /// <summary>The objective stopped improving by more than the tolerance (relative) on a step below 1e-6.</summary>
        Progress,

        /// <summary>The step became negligible.</summary>
        Step,

        /// <summary>The line search could not find a lower point, or the objective was not finite at the start.</summary>
        LineSearchFailed,

        /// <summary>The iteration limit was reached.</summary>
        Iterations,
    }

    /// <summary>Minimises <paramref name="objective"/> from <paramref name="start"/> within [lower, upper] in every coordinate.</summary>
    /// <returns>The best point, its value, why the search stopped, the iterations and the evaluations.</returns>
    public static (double[] Point, double Value, Outcome Outcome, int Iterations, int Evaluations) Minimize(
        GradientObjective objective, double[] start, double lower, double upper, double tolerance, int maxIterations)
    {
        var n = start.Length;
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = Math.Clamp(start[i], lower, upper);
        }

        var g = new double[n];
        var evaluations = 1;
        var f = objective(x, g);
        if (!double.IsFinite(f) || !AllFinite(g))
        {
            return (x, f, Outcome.LineSearchFailed, 0, evaluations);
        }

        var h = new double[n * n];
        SetIdentity(h, n, 1.0);
        var firstUpdate = true;
        var d = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var s = new double[n];
        var y = new double[n];
        var hy = new double[n];
        var free = new bool[n];
        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            if (ProjectedGradientNorm(x, g, lower, upper) * Math.Max(1, MaxAbs(x)) <= 1e-10 * Math.Max(1, Math.Abs(f)))
            {
                return (x, f, Outcome.Gradient, iteration - 1, evaluations);
            }

            // The direction -H g over the free variables; a bound variable whose step would leave the box is held.
            for (var i = 0; i < n; i++)
            {
                free[i] = !((x[i] <= lower && g[i] > 0) || (x[i] >= upper && g[i] < 0));
            }

            var slope = Direction(h, g, free, d, n);
            if (!(slope < 0))
            {
                SetIdentity(h, n, 1.0);
                firstUpdate = true;
                slope = Direction(h, g, free, d, n);
                if (!(slope < 0))
                {
                    return (x, f, Outcome.Gradient, iteration - 1, evaluations);
                }
            }

            // The quasi-Newton step itself below 1e-9: in log space, every parameter is known to 1e-9 relative.
            if (!firstUpdate && MaxAbs(d) <= 1e-9)
            {
                return (x, f, Outcome.Gradient, iteration - 1, evaluations);
            }

            var alphaMax = double.PositiveInfinity;
            for (var i = 0; i < n; i++)
            {
                if (d[i] > 0)
                {
                    alphaMax = Math.Min(alphaMax, (upper - x[i]) / d[i]);
                }
                else if (d[i] < 0)
                {
                    alphaMax = Math.Min(alphaMax, (lower - x[i]) / d[i]);
                }
            }

            if (!(alphaMax > 0))
            {
                return (x, f, Outcome.Step, iteration - 1, evaluations);
            }

            // The first step has no curvature yet: a unit step in the steepest direction, scaled to a modest length.
            var initial = firstUpdate ? Math.Min(1.0, 1.0 / Math.Max(1e-12, MaxAbs(d))) : 1.0;
            var (alpha, fNew, used) = LineSearch(objective, x, f, slope, d, Math.Min(initial, alphaMax), alphaMax, xNew, gNew);
            evaluations += used;
            if (alpha <= 0)
            {
                // No lower point along a descent direction: at the objective's rounding floor when the step asked
                // for was already tiny (below 1e-6 in log space) or the gradient is small; otherwise a failure.
                var floor = (!firstUpdate && MaxAbs(d) <= 1e-6)
                    || ProjectedGradientNorm(x, g, lower, upper) * Math.Max(1, MaxAbs(x)) <= 1e-7 * Math.Max(1, Math.Abs(f));
                return (x, f, floor ? Outcome.Progress : Outcome.LineSearchFailed, iteration, evaluations);
            }

            double sy = 0, yy = 0, stepMax = 0;
            for (var i = 0; i < n; i++)
            {
                s[i] = xNew[i] - x[i];
                y[i] = gNew[i] - g[i];
                sy += s[i] * y[i];
                yy += y[i] * y[i];
                stepMax = Math.Max(stepMax, Math.Abs(s[i]));
            }

            var progress = f - fNew;
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            var previous = f;
            f = fNew;
            if (progress <= tolerance * Math.Max(1, Math.Max(Math.Abs(previous), Math.Abs(f))) && stepMax <= 1e-6)
            {
                return (x, f, Outcome.Progress, iteration, evaluations);
            }

            if (stepMax <= 1e-12)
            {
                return (x, f, Outcome.Step, iteration, evaluations);
            }

            // Curvature pair: skip the update when s'y is not safely positive (the bound cut the step short).
            if (sy > 1e-10 * Math.Sqrt(yy) * Norm(s))
            {
                if (firstUpdate)
                {
                    SetIdentity(h, n, sy / yy);
                    firstUpdate = false;
                }

                Update(h, s, y, hy, sy, n);
            }
        }

        return (x, f, Outcome.Iterations, maxIterations, evaluations);
    }

    private static double Direction(double[] h, double[] g, bool[] free, double[] d, int n)
    {
        var slope = 0.0;
        for (var i = 0; i < n; i++)
        {
            var v = 0.0;
            if (free[i])
            {
                for (var j = 0; j < n; j++)
                {
                    if (free[j])
                    {
                        v -= h[(i * n) + j] * g[j];
                    }
                }
            }

            d[i] = v;
            slope += v * g[i];
        }

        return slope;
    }

    /// <summary>H := (I - rho s y') H (I - rho y s') + rho s s', with rho = 1 / s'y.</summary>
    private static void Update(double[] h, double[] s, double[] y, double[] hy, double sy, int n)
    {
        var rho = 1 / sy;
        var yhy = 0.0;
        for (var i = 0; i < n; i++)
        {
            var v = 0.0;
            for (var j = 0; j < n; j++)
            {
                v += h[(i * n) + j] * y[j];
            }

            hy[i] = v;
            yhy += y[i] * v;
        }

        var c = (1 + (rho * yhy)) * rho;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                h[(i * n) + j] += (c * s[i] * s[j]) - (rho * ((hy[i] * s[j]) + (s[i] * hy[j])));
            }
        }
    }

    /// <summary>
    /// A step along <paramref name="d"/> meeting the strong Wolfe conditions (or, at the box's edge, sufficient
    /// decrease); writes the point and its gradient into <paramref name="xOut"/> and <paramref name="gOut"/>.
    /// Returns step 0 when no lower point was found.
    /// </summary>
    private static (double Alpha, double Value, int Evaluations) LineSearch(
        GradientObjective objective, double[] x, double f0, double slope0, double[] d, double alpha, double alphaMax, double[] xOut, double[] gOut)
    {
        var n = x.Length;
        var g = new double[n];
        var loG = new double[n];
        double loAlpha = 0, loF = f0, loSlope = slope0;
        var evaluations = 0;
        double hiAlpha, hiF, hiSlope;
        for (var i = 0; ; i++)
        {
            var f = Evaluate(objective, x, d, alpha, xOut, g);
            evaluations++;
            var slope = Dot(g, d);
            if (!double.IsFinite(f) || f > f0 + (C1 * alpha * slope0) || (i > 0 && f >= loF))
            {
                (hiAlpha, hiF, hiSlope) = (alpha, f, slope);
                break;
            }

            if (Math.Abs(slope) <= -C2 * slope0)
            {
                Array.Copy(g, gOut, n);
                return (alpha, f, evaluations);
            }

            if (slope >= 0)
            {
                (hiAlpha, hiF, hiSlope) = (loAlpha, loF, loSlope);
                (loAlpha, loF, loSlope) = (alpha, f, slope);
                Array.Copy(g, loG, n);
                break;
            }

            (loAlpha, loF, loSlope) = (alpha, f, slope);
            Array.Copy(g, loG, n);
            if (alpha >= alphaMax || i >= 20)
            {
                // Sufficient decrease at the edge of the box (or a long way out): take it.
                Evaluate(objective, x, d, loAlpha, xOut, gOut, skip: true);
                Array.Copy(loG, gOut, n);
                return (loAlpha, loF, evaluations);
            }

            alpha = Math.Min(alpha * 4, alphaMax);
        }

        // Zoom: the interval between lo (sufficient decrease, the lowest so far) and hi holds a Wolfe point.
        for (var k = 0; k < 30; k++)
        {
            var low = Math.Min(loAlpha, hiAlpha);
            var width = Math.Abs(hiAlpha - loAlpha);
            var trial = double.IsFinite(hiF) && double.IsFinite(hiSlope)
                ? Cubic(loAlpha, loF, loSlope, hiAlpha, hiF, hiSlope)
                : double.NaN;
            if (!double.IsFinite(trial) || trial < low + (0.1 * width) || trial > low + (0.9 * width))
            {
                trial = (loAlpha + hiAlpha) / 2;
            }

            var f = Evaluate(objective, x, d, trial, xOut, g);
            evaluations++;
            var slope = Dot(g, d);
            if (!double.IsFinite(f) || f > f0 + (C1 * trial * slope0) || f >= loF)
            {
                (hiAlpha, hiF, hiSlope) = (trial, f, slope);
            }
            else
            {
                if (Math.Abs(slope) <= -C2 * slope0)
                {
                    Array.Copy(g, gOut, n);
                    return (trial, f, evaluations);
                }

                if (slope * (hiAlpha - loAlpha) >= 0)
                {
                    (hiAlpha, hiF, hiSlope) = (loAlpha, loF, loSlope);
                }

                (loAlpha, loF, loSlope) = (trial, f, slope);
                Array.Copy(g, loG, n);
            }

            if (width <= 1e-14 * Math.Max(1, Math.Abs(loAlpha)))
            {
                break;
            }
        }

        if (loAlpha > 0)
        {
            Evaluate(objective, x, d, loAlpha, xOut, gOut, skip: true);
            Array.Copy(loG, gOut, n);
            return (loAlpha, loF, evaluations);
        }

        return (0, f0, evaluations);
    }

    private static double Evaluate(GradientObjective objective, double[] x, double[] d, double alpha, double[] point, double[] gradient, bool skip = false)
    {
        for (var i = 0; i < x.Length; i++)
        {
            point[i] = Math.Clamp(x[i] + (alpha * d[i]), Lower, Upper);
        }

        if (skip)
        {
            return 0;
        }

        var f = objective(point, gradient);
        return AllFinite(gradient) ? f : double.NaN;
    }

    /// <summary>The minimiser of the cubic through two points with their slopes (NaN when it has none).</summary>
    private static double Cubic(double a, double fa, double da, double b, double fb, double db)
    {
        var d1 = da + db - (3 * (fa - fb) / (a - b));
        var disc = (d1 * d1) - (da * db);
        if (!(disc >= 0))
        {
            return double.NaN;
        }

        var d2 = Math.Sign(b - a) * Math.Sqrt(disc);
        return b - ((b - a) * (db + d2 - d1) / (db - da + (2 * d2)));
    }

    private static double ProjectedGradientNorm(double[] x, double[] g, double lower, double upper)
    {
        var m = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var held = (x[i] <= lower && g[i] > 0) || (x[i] >= upper && g[i] < 0);
            m = held ? m : Math.Max(m, Math.Abs(g[i]));
        }

        return m;
    }

    private static void SetIdentity(double[] h, int n, double scale)
    {
        Array.Clear(h);
        for (var i = 0; i < n; i++)
        {
            h[(i * n) + i] = scale;
        }
    }

    private static bool AllFinite(double[] v)
    {
        foreach (var e in v)
        {
            if (!double.IsFinite(e))
            {
                return false;
            }
        }

        return true;
    }

    private static double Dot(double[] a, double[] b)
    {
        var s = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static double Norm(double[] v) => Math.Sqrt(Dot(v, v));

    private static double MaxAbs(double[] v)
    {
        var m = 0.0;
        foreach (var e in v)
        {
            m = Math.Max(m, Math.Abs(e));
        }

        return m;
    }
}
