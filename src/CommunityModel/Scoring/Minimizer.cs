using CommunityModel.Primitives;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CommunityModel.Scoring;

/// <summary>Nelder-Mead (MathNet.Numerics) restarted from its own answer until the objective stops improving.</summary>
internal static class Minimizer
{
    /// <summary>Minimises <paramref name="objective"/>; restarts fix Nelder-Mead's stalls on flat ridges.</summary>
    public static (Vector<double> Point, double Value, bool Converged, int Iterations) Minimize(
        Func<Vector<double>, double> objective, Vector<double> start, double tolerance, int maxIterations)
    {
        var simplex = new NelderMeadSimplex(tolerance, maxIterations);
        var function = ObjectiveFunction.Value(objective);
        try
        {
            var result = simplex.FindMinimum(function, start);
            var iterations = result.Iterations;
            for (var restart = 0; restart < 20; restart++)
            {
                var again = simplex.FindMinimum(function, result.MinimizingPoint);
                iterations += again.Iterations;
                var gain = result.FunctionInfoAtMinimum.Value - again.FunctionInfoAtMinimum.Value;
                result = again;
                if (gain <= tolerance * Math.Max(1, Math.Abs(again.FunctionInfoAtMinimum.Value)))
                {
                    break;
                }
            }

            var value = result.FunctionInfoAtMinimum.Value;
            return (result.MinimizingPoint, value, result.ReasonForExit == ExitCondition.Converged && double.IsFinite(value), iterations);
        }
        catch (MaximumIterationsException)
        {
            return (start, double.NaN, false, maxIterations);
        }
    }

    /// <summary>
    /// Minimises a smooth objective with its gradient by BFGS; when BFGS fails (a line search that cannot
    /// progress, a non-finite value), restarted Nelder-Mead finishes from the best point seen.
    /// </summary>
    public static (Vector<double> Point, double Value, bool Converged, int Iterations) MinimizeWithGradient(
        GradientObjective objective, Vector<double> start, double tolerance, int maxIterations)
    {
        var n = start.Count;
        var best = start.Clone();
        var bestValue = double.PositiveInfinity;
        var buffer = new double[n];
        (double Value, Vector<double> Gradient) Evaluate(Vector<double> point)
        {
            var value = objective(point.AsArray() ?? point.ToArray(), buffer);
            if (!double.IsFinite(value))
            {
                return (double.MaxValue, Vector<double>.Build.Dense(n));
            }

            if (value < bestValue)
            {
                bestValue = value;
                best = point.Clone();
            }

            return (value, Vector<double>.Build.DenseOfArray((double[])buffer.Clone()));
        }

        Vector<double>? lastPoint = null;
        (double Value, Vector<double> Gradient) last = default;
        (double Value, Vector<double> Gradient) Cached(Vector<double> point)
        {
            if (lastPoint is null || !lastPoint.Equals(point))
            {
                last = Evaluate(point);
                lastPoint = point.Clone();
            }

            return last;
        }

        var function = ObjectiveFunction.Gradient(p => Cached(p).Value, p => Cached(p).Gradient);
        try
        {
            // Bounded in log space: beyond e^±15 the likelihood's terms lose their precision.
            var bfgs = new BfgsBMinimizer(1e-8, 1e-12, tolerance, maxIterations);
            var result = bfgs.FindMinimum(function, Vector<double>.Build.Dense(n, -15), Vector<double>.Build.Dense(n, 15), start);
            var value = result.FunctionInfoAtMinimum.Value;
            if (double.IsFinite(value) && result.ReasonForExit is ExitCondition.AbsoluteGradient or ExitCondition.RelativeGradient or ExitCondition.Converged)
            {
                return (result.MinimizingPoint, value, true, result.Iterations);
            }
        }
        catch (Exception e) when (e is MaximumIterationsException or InnerOptimizationException or EvaluationException or ArgumentException)
        {
            // fall through to Nelder-Mead from the best point seen
        }

        return Minimize(v => Evaluate(v).Value, bestValue < double.MaxValue ? best : start, tolerance, maxIterations);
    }
}

/// <summary>An objective that writes its gradient at <c>point</c> into <c>gradient</c> and returns its value.</summary>
internal delegate double GradientObjective(ReadOnlySpan<double> point, Span<double> gradient);
