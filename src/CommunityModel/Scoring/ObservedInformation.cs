using MathNet.Numerics.LinearAlgebra;

namespace CommunityModel.Scoring;

/// <summary>
/// Standard errors of a maximum-likelihood fit: the square roots of the diagonal of the inverse of the observed
/// information (minus the Hessian of the log-likelihood), the Hessian taken by central differences of the
/// analytic gradient, which the likelihoods give in log space (d/dln v = v d/dv).
/// </summary>
internal static class ObservedInformation
{
    public static double[] StandardErrors(GradientObjective logLikelihood, double[] natural, string parameterName)
    {
        var n = natural.Length;

        double[] Gradient(double[] at)
        {
            var theta = new double[n];
            var g = new double[n];
            for (var k = 0; k < n; k++)
            {
                theta[k] = Math.Log(at[k]);
            }

            logLikelihood(theta, g);
            for (var k = 0; k < n; k++)
            {
                g[k] /= at[k];
            }

            return g;
        }

        var hessian = Matrix<double>.Build.Dense(n, n);
        for (var j = 0; j < n; j++)
        {
            var h = natural[j] * 1e-5;
            var plus = (double[])natural.Clone();
            var minus = (double[])natural.Clone();
            plus[j] += h;
            minus[j] -= h;
            var (gp, gm) = (Gradient(plus), Gradient(minus));
            for (var i = 0; i < n; i++)
            {
                hessian[i, j] = (gp[i] - gm[i]) / (2 * h);
            }
        }

        var covariance = (-(hessian + hessian.Transpose()) / 2).Inverse();
        var se = new double[n];
        for (var k = 0; k < n; k++)
        {
            se[k] = covariance[k, k] > 0 && double.IsFinite(covariance[k, k])
                ? Math.Sqrt(covariance[k, k])
                : throw new ArgumentException("The information matrix is not positive definite at these parameters: they are not an optimum the data identify.", parameterName);
        }

        return se;
    }
}
