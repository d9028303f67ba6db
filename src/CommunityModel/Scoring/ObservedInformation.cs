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

        return FromHessian(hessian, parameterName);
    }

    /// <summary>
    /// The same from the log-likelihood's values alone (for a likelihood without an analytic gradient): the Hessian
    /// by central second differences with steps of 1/1000 of each parameter, where the rounding of a sum over
    /// thousands of customers stays far below the curvature.
    /// </summary>
    public static double[] StandardErrorsFromValues(Func<double[], double> logLikelihood, double[] natural, string parameterName)
    {
        var n = natural.Length;
        var hessian = Matrix<double>.Build.Dense(n, n);
        double At(int i, int j, double di, double dj)
        {
            var v = (double[])natural.Clone();
            v[i] += di;
            v[j] += dj;
            return logLikelihood(v);
        }

        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                var (hi, hj) = (natural[i] * 1e-3, natural[j] * 1e-3);
                var value = (At(i, j, hi, hj) - At(i, j, hi, -hj) - At(i, j, -hi, hj) + At(i, j, -hi, -hj)) / (4 * hi * hj);
                hessian[i, j] = value;
                hessian[j, i] = value;
            }
        }

        return FromHessian(hessian, parameterName);
    }

    private static double[] FromHessian(Matrix<double> hessian, string parameterName)
    {
        var n = hessian.RowCount;
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
