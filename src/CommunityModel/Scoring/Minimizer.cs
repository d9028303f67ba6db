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
    /// Minimises a smooth objective with its gradient by BFGS (<see cref="Bfgs"/>, in the box [-15, 15] of log
    /// space); when BFGS fails (a line search that cannot progress, a non-finite value), restarted Nelder-Mead
    /// finishes from the best point seen.
    /// </summary>
    public static (Vector<double> Point, double Value, bool Converged, int Iterations) MinimizeWithGradient(
        GradientObjective objective, Vector<double> start, double tolerance, int maxIterations)
    {
        var (point, value, outcome, iterations, _) = Bfgs.Minimize(objective, start.ToArray(), Bfgs.Lower, Bfgs.Upper, tolerance, maxIterations);
        if (double.IsFinite(value) && outcome is Bfgs.Outcome.Gradient or Bfgs.Outcome.Progress or Bfgs.Outcome.Step)
        {
            return (Vector<double>.Build.DenseOfArray(point), value, true, iterations);
        }

        var buffer = new double[start.Count];
        var from = double.IsFinite(value) ? Vector<double>.Build.DenseOfArray(point) : start;
        var (m, v, converged, more) = Minimize(
            p =>
            {
                var f = objective(p.AsArray() ?? p.ToArray(), buffer);
                return double.IsFinite(f) ? f : double.MaxValue;
            },
            from,
            tolerance,
            maxIterations);
        if (double.IsFinite(value) && !(v < value))
        {
            // Nelder-Mead did no better (or gave up): the BFGS point stands, not converged.
            return (Vector<double>.Build.DenseOfArray(point), value, false, iterations + more);
        }

        return (m, v, converged, iterations + more);
    }
}

/// <summary>An objective that writes its gradient at <c>point</c> into <c>gradient</c> and returns its value.</summary>
internal delegate double GradientObjective(ReadOnlySpan<double> point, Span<double> gradient);
