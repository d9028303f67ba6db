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
    private readonly double[] _lnBx1;
    private readonly double[] _invBx1;
    private readonly double[] _zeroWeightByT;
    private readonly double _zeroWeight;

    public BgNbdLikelihood(IReadOnlyList<RepeatSummary> summaries)
    {
        var groups = new Dictionary<(int, double, double), double>();
        foreach (var s in summaries)
        {
            var key = (s.Frequency, s.Recency, s.Age);
            groups[key] = groups.GetValueOrDefault(key) + 1;
        }

        var all = groups.OrderBy(g => g.Key).ToArray();
        var zeros = 0;
        while (zeros < all.Length && all[zeros].Key.Item1 == 0)
        {
            zeros++;
        }

        // Customers who never bought again are summed per distinct T (their recency is 0 and plays no part).
        var zeroByT = new SortedDictionary<double, double>();
        for (var i = 0; i < zeros; i++)
        {
            var ((_, _, t), w) = all[i];
            zeroByT[t] = zeroByT.GetValueOrDefault(t) + w;
            _zeroWeight += w;
        }

        var rows = all[zeros..];
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
        // ln(alpha + t_x) are taken once per distinct time in each evaluation instead of once per row. The
        // distinct T of the customers without repeats come first, in the order of their weights.
        var tValues = new double[zeroByT.Count + n];
        zeroByT.Keys.CopyTo(tValues, 0);
        _t.CopyTo(tValues, zeroByT.Count);
        (var tIndex, _distinctT) = Distinct(tValues);
        _tIndex = tIndex[zeroByT.Count..];
        _zeroWeightByT = [.. zeroByT.Values];
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
        _lnBx1 = new double[d];
        _invBx1 = new double[d];
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
    /// <remarks>
    /// Customers who never bought again contribute r ln(alpha) - r ln(alpha + T) only (their gamma terms cancel),
    /// so they are summed once per distinct T; the others need one exponential and one log1p per distinct
    /// (x, t_x, T), with ln(b + x - 1) and the gamma terms taken once per distinct x (by the recurrences
    /// Gamma(z + 1) = z Gamma(z), psi(z + 1) = psi(z) + 1/z along runs of consecutive x).
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
    {
        var (r, alpha, a, b) = (Math.Exp(theta[0]), Math.Exp(theta[1]), Math.Exp(theta[2]), Math.Exp(theta[3]));
        var lgR = SpecialFunctions.GammaLn(r);
        var lgB = SpecialFunctions.GammaLn(b);
        var lgAb = SpecialFunctions.GammaLn(a + b);
        var psiR = SpecialFunctions.DiGamma(r);
        var psiB = SpecialFunctions.DiGamma(b);
        var psiAb = SpecialFunctions.DiGamma(a + b);
        var run = 0;
        for (var k = 0; k < _distinctX.Length; k++)
        {
            var x = _distinctX[k];
            if (k > 0 && x == _distinctX[k - 1] + 1 && run < 64)
            {
                var (zr, zb, zab) = (r + x - 1, b + x - 1, a + b + x - 1);
                _lgRx[k] = _lgRx[k - 1] + Math.Log(zr);
                _lgBx[k] = _lgBx[k - 1] + Math.Log(zb);
                _lgAbx[k] = _lgAbx[k - 1] + Math.Log(zab);
                _psiRx[k] = _psiRx[k - 1] + (1 / zr);
                _psiBx[k] = _psiBx[k - 1] + (1 / zb);
                _psiAbx[k] = _psiAbx[k - 1] + (1 / zab);
                run++;
            }
            else
            {
                _lgRx[k] = SpecialFunctions.GammaLn(r + x);
                _lgBx[k] = SpecialFunctions.GammaLn(b + x);
                _lgAbx[k] = SpecialFunctions.GammaLn(a + b + x);
                _psiRx[k] = SpecialFunctions.DiGamma(r + x);
                _psiBx[k] = SpecialFunctions.DiGamma(b + x);
                _psiAbx[k] = SpecialFunctions.DiGamma(a + b + x);
                run = 0;
            }

            _lnBx1[k] = Math.Log(b + x - 1);
            _invBx1[k] = 1 / (b + x - 1);
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

        // Never bought again: r ln(alpha) - r ln(alpha + T), weighted per distinct T.
        double ll = _zeroWeight * r * lnAlpha, gr = _zeroWeight * lnAlpha, galpha = _zeroWeight * r / alpha, ga = 0, gb = 0;
        for (var j = 0; j < _zeroWeightByT.Length; j++)
        {
            var w = _zeroWeightByT[j];
            ll -= w * r * _lnAT[j];
            gr -= w * _lnAT[j];
            galpha -= w * r * _invAT[j];
        }

        for (var i = 0; i < _x.Length; i++)
        {
            var k = _xIndex[i];
            var w = _w[i];
            var rx = r + _x[i];
            var lnAT = _lnAT[_tIndex[i]];
            var lnATx = _lnATx[_txIndex[i]];
            var a1 = -rx * lnAT;
            var a2 = lnA - _lnBx1[k] - (rx * lnATx);

            // ln(e^a1 + e^a2) with one exponential: the larger plus ln(1 + e^-(difference)).
            var e = Math.Exp(-Math.Abs(a1 - a2));
            var lse = Math.Max(a1, a2) + double.LogP1(e);
            var share = 1 / (1 + e);
            var (p1, p2) = a1 >= a2 ? (share, e * share) : (e * share, share);
            ll += w * (_lgRx[k] - lgR + (r * lnAlpha) + lgAb + _lgBx[k] - lgB - _lgAbx[k] + lse);
            gr += w * (_psiRx[k] - psiR + lnAlpha - (p1 * lnAT) - (p2 * lnATx));
            galpha += w * ((r / alpha) - (rx * ((p1 * _invAT[_tIndex[i]]) + (p2 * _invATx[_txIndex[i]]))));
            ga += w * (psiAb - _psiAbx[k] + (p2 / a));
            gb += w * (psiAb + _psiBx[k] - psiB - _psiAbx[k] - (p2 * _invBx1[k]));
        }

        gradient[0] = gr * r;
        gradient[1] = galpha * alpha;
        gradient[2] = ga * a;
        gradient[3] = gb * b;
        return ll;
    }
}
