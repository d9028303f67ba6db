using CommunityModel.Scoring;

namespace CommunityModel.Tests.Scoring;

public class BfgsTests
{
    private static double Rosenbrock(ReadOnlySpan<double> p, Span<double> g)
    {
        var (x, y) = (p[0], p[1]);
        g[0] = (-2 * (1 - x)) - (400 * x * (y - (x * x)));
        g[1] = 200 * (y - (x * x));
        return ((1 - x) * (1 - x)) + (100 * (y - (x * x)) * (y - (x * x)));
    }

    [Fact]
    public void Rosenbrock_ReachesTheValley_sMinimum_FromTheClassicStart()
    {
        var (point, value, outcome, iterations, evaluations) = Bfgs.Minimize(Rosenbrock, [-1.2, 1.0], -15, 15, 1e-14, 1000);
        Assert.True(outcome is Bfgs.Outcome.Gradient or Bfgs.Outcome.Progress, outcome.ToString());
        Assert.Equal(1.0, point[0], 1e-6);
        Assert.Equal(1.0, point[1], 1e-6);
        Assert.True(value < 1e-12, $"{value}");

        // A strong-Wolfe BFGS needs about 35 iterations here; well under two evaluations each.
        Assert.InRange(iterations, 10, 80);
        Assert.True(evaluations < 2 * iterations, $"{evaluations} evaluations for {iterations} iterations");
    }

    [Fact]
    public void AMinimumOutsideTheBox_StopsAtTheBound_WithTheFreeCoordinateOptimal()
    {
        // (x - 20)^2 + (y - 3)^2 in [-15, 15]: x is held at 15, y is free and goes to 3.
        static double Shifted(ReadOnlySpan<double> p, Span<double> g)
        {
            g[0] = 2 * (p[0] - 20);
            g[1] = 2 * (p[1] - 3);
            return ((p[0] - 20) * (p[0] - 20)) + ((p[1] - 3) * (p[1] - 3));
        }

        var (point, value, outcome, _, _) = Bfgs.Minimize(Shifted, [0, 0], -15, 15, 1e-12, 1000);
        Assert.NotEqual(Bfgs.Outcome.LineSearchFailed, outcome);
        Assert.Equal(15, point[0], 1e-12);
        Assert.Equal(3, point[1], 1e-7);
        Assert.Equal(25, value, 1e-9);
    }

    [Fact]
    public void ANonFiniteStart_IsReported_NotIterated()
    {
        static double Broken(ReadOnlySpan<double> p, Span<double> g)
        {
            g[0] = 0;
            return double.NaN;
        }

        var (_, _, outcome, iterations, evaluations) = Bfgs.Minimize(Broken, [1], -15, 15, 1e-12, 1000);
        Assert.Equal(Bfgs.Outcome.LineSearchFailed, outcome);
        Assert.Equal(0, iterations);
        Assert.Equal(1, evaluations);
    }

    [Fact]
    public void AWallOfNonFiniteValues_IsBacktrackedFrom()
    {
        // -ln(x) + x has its minimum at 1 and is not finite for x <= 0: a long first step must come back.
        static double Wall(ReadOnlySpan<double> p, Span<double> g)
        {
            var x = p[0];
            g[0] = x > 0 ? (-1 / x) + 1 : double.NaN;
            return x > 0 ? -Math.Log(x) + x : double.NaN;
        }

        var (point, _, outcome, _, _) = Bfgs.Minimize(Wall, [0.01], -15, 15, 1e-14, 1000);
        Assert.True(outcome is Bfgs.Outcome.Gradient or Bfgs.Outcome.Progress, outcome.ToString());
        Assert.Equal(1.0, point[0], 1e-7);
    }
}
