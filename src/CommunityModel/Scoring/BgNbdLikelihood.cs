using CommunityModel.Primitives;
using MathNet.Numerics;

namespace CommunityModel.Scoring;

/// <summary>
/// The BG/NBD log-likelihood of grouped summaries with its analytic gradient in log-parameters
/// (ln r, ln alpha, ln a, ln b). Summaries with the same (x, t_x, T) are one weighted row; the gamma and
/// digamma terms depend on x only, so they are computed once per distinct x per evaluation.
/// </summary>
internal sealed class BgNbdLikelihood
{
    private readonly int[] _xIndex;
    private readonly int[] _distinctX;
    private readonly double[] _x;
    private readonly double[] _tx;
    private readonly double[] _t;
    private readonly double[] _w;
    private readonly double[] _lgRx;
    private readonly double[] _lgBx;
    private readonly double[] _lgAbx;
    private readonly double[] _psiRx;
    private readonly double[] _psiBx;
    private readonly double[] _psiAbx;
    private readonly int[] _tIndex;
    private readonly int[] _txIndex;
    private readonly double[] _distinctT;
    private readonly double[] _distinctTx;
    private readonly double[] _lnAT;
    private readonly double[] _invAT;
    private readonly double[] _lnATx;
    private readonly double[] _invATx;

    public BgNbdLikelihood(IReadOnlyList<RepeatSummary> summaries)
    {
        var groups = new Dictionary<(int, double, double), double>();
        foreach (var s in summaries)
        {
            var key = (s.Frequency, s.Recency, s.Age);
            groups[key] = groups.GetValueOrDefault(key) + 1;
        }

        var rows = groups.OrderBy(g => g.Key).ToArray();
        var n = rows.Length;
        _x = new double[n];
        _tx = new double[n];
        _t = new double[n];
        _w = new double[n];
        _xIndex = new int[n];
        var distinct = new SortedSet<int>();
        foreach (var ((x, _, _), _) in rows)
        {
            distinct.Add(x);
        }

        _distinctX = [.. distinct];
        var slot = new Dictionary<int, int>();
        for (var k = 0; k < _distinctX.Length; k++)
        {
            slot[_distinctX[k]] = k;
        }

        for (var i = 0; i < n; i++)
        {
            var ((x, tx, t), w) = rows[i];
            _x[i] = x;
            _tx[i] = tx;
            _t[i] = t;
            _w[i] = w;
            _xIndex[i] = slot[x];
        }

        // Times repeat across customers (whole days since a first purchase in a few months), so ln(alpha + T) and
        // ln(alpha + t_x) are taken once per distinct time in each evaluation instead of once per row.
        (_tIndex, _distinctT) = Distinct(_t);
        (_txIndex, _distinctTx) = Distinct(_tx);
        _lnAT = new double[_distinctT.Length];
        _invAT = new double[_distinctT.Length];
        _lnATx = new double[_distinctTx.Length];
        _invATx = new double[_distinctTx.Length];

        var d = _distinctX.Length;
        _lgRx = new double[d];
        _lgBx = new double[d];
        _lgAbx = new double[d];
        _psiRx = new double[d];
        _psiBx = new double[d];
        _psiAbx = new double[d];
    }

    private static (int[] Index, double[] Values) Distinct(double[] values)
    {
        var slot = new Dictionary<double, int>();
        var index = new int[values.Length];
        var distinct = new List<double>();
        for (var i = 0; i < values.Length; i++)
        {
            if (!slot.TryGetValue(values[i], out var k))
            {
                k = distinct.Count;
                slot[values[i]] = k;
                distinct.Add(values[i]);
            }

            index[i] = k;
        }

        return (index, [.. distinct]);
    }

    /// <summary>Distinct rows.</summary>
    public int Rows => _x.Length;

    /// <summary>The log-likelihood at log-parameters <paramref name="theta"/>, and its gradient in them.</summary>
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var (r, alpha, a, b) = (Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]), Math.Exp(theta[3]));
        var lgR = SpecialFunctions.GammaLn(r);
        var lgB = SpecialFunctions.GammaLn(b);
        var lgAb = SpecialFunctions.GammaLn(a + b);
        var psiR = SpecialFunctions.DiGamma(r);
        var psiB = SpecialFunctions.DiGamma(b);
        var psiAb = SpecialFunctions.DiGamma(a + b);
        for (var k = 0; k < _distinctX.Length; k++)
        {
            var x = _distinctX[k];
            _lgRx[k] = SpecialFunctions.GammaLn(r + x);
            _lgBx[k] = SpecialFunctions.GammaLn(b + x);
            _lgAbx[k] = SpecialFunctions.GammaLn(a + b + x);
            _psiRx[k] = SpecialFunctions.DiGamma(r + x);
            _psiBx[k] = SpecialFunctions.DiGamma(b + x);
            _psiAbx[k] = SpecialFunctions.DiGamma(a + b + x);
        }

        var lnAlpha = Math.Log(alpha);
        var lnA = Math.Log(a);
        for (var j = 0; j < _distinctT.Length; j++)
        {
            _lnAT[j] = Math.Log(alpha + _distinctT[j]);
            _invAT[j] = 1 / (alpha + _distinctT[j]);
        }

        for (var j = 0; j < _distinctTx.Length; j++)
        {
            _lnATx[j] = Math.Log(alpha + _distinctTx[j]);
            _invATx[j] = 1 / (alpha + _distinctTx[j]);
        }

        double ll = 0, gr = 0, galpha = 0, ga = 0, gb = 0;
        for (var i = 0; i < _x.Length; i++)
        {
            var k = _xIndex[i];
            var x = _x[i];
            var w = _w[i];
            var rx = r + x;
            var lnAT = _lnAT[_tIndex[i]];
            var a1 = -rx * lnAT;
            double lse, p1, p2, lnATx = 0, bx1 = 0;
            if (x == 0)
            {
                lse = a1;
                p1 = 1;
                p2 = 0;
            }
            else
            {
                lnATx = _lnATx[_txIndex[i]];
                bx1 = b + x - 1;
                var a2 = lnA - Math.Log(bx1) - (rx * lnATx);

                // ln(e^a1 + e^a2) with one exponential: the larger plus ln(1 + e^-(difference)).
                var e = Math.Exp(-Math.Abs(a1 - a2));
                lse = Math.Max(a1, a2) + double.LogP1(e);
                var share = 1 / (1 + e);
                (p1, p2) = a1 >= a2 ? (share, e * share) : (e * share, share);
            }

            ll += w * (_lgRx[k] - lgR + (r * lnAlpha) + lgAb + _lgBx[k] - lgB - _lgAbx[k] + lse);
            gr += w * (_psiRx[k] - psiR + lnAlpha - (p1 * lnAT) - (x == 0 ? 0 : p2 * lnATx));
            galpha += w * ((r / alpha) - (p1 * rx * _invAT[_tIndex[i]]) - (x == 0 ? 0 : p2 * rx * _invATx[_txIndex[i]]));
            ga += w * (psiAb - _psiAbx[k] + (x == 0 ? 0 : p2 / a));
            gb += w * (psiAb + _psiBx[k] - psiB - _psiAbx[k] - (x == 0 ? 0 : p2 / bx1));
        }

        gradient[0] = gr * r;
        gradient[1] = galpha * alpha;
        gradient[2] = ga * a;
        gradient[3] = gb * b;
        return ll;
    }
}
