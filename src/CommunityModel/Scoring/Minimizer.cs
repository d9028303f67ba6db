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
}
