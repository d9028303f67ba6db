using System.Runtime.CompilerServices;
using Lanes = System.Numerics.Vector<double>;
using Simd = System.Numerics.Vector;

namespace CommunityModel.Scoring;

/// <content>The batch predictions of BG/NBD over blocks of customers, in <c>Vector&lt;double&gt;</c> lanes.</content>
public static partial class BgNbd
{
    /// <summary>P(alive) for a block: 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)), 1 at x = 0.</summary>
    private readonly struct AliveBatch(BgNbdParameters p) : IPrediction<AliveBatch>
    {
        public AliveBatch ForRange() => this;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PredictBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> age, Span<double> result)
        {
            var (lnA, bMinus1, r, alpha) = (new Lanes(Math.Log(p.A)), new Lanes(p.B - 1), new Lanes(p.R), new Lanes(p.Alpha));
            var i = 0;
            for (; i <= result.Length - Lanes.Count; i += Lanes.Count)
            {
                var vx = new Lanes(x[i..]);
                var logRatio = lnA - Simd.Log(bMinus1 + vx) + ((r + vx) * (Simd.Log(alpha + new Lanes(age[i..])) - Simd.Log(alpha + new Lanes(tx[i..]))));
                var alive = Lanes.One / (Lanes.One + Simd.Exp(logRatio));
                Simd.ConditionalSelect(Simd.Equals(vx, Lanes.Zero), Lanes.One, alive).CopyTo(result[i..]);
            }

            for (; i < result.Length; i++)
            {
                result[i] = AliveCore(p, (int)x[i], tx[i], age[i]);
            }
        }
    }

    /// <summary>
    /// E[Y(t) | x, t_x, T] over a block: the hypergeometric bracket depends on x and T only, and customers share
    /// few (x, T) pairs (weeks since a first purchase in a few months), so it is summed once per pair and kept in
    /// the thread's table; the rest is a closed form in lanes.
    /// </summary>
    private readonly struct ExpectedBatch(BgNbdParameters p, double t, Dictionary<(int, double), double>? brackets = null) : IPrediction<ExpectedBatch>
    {
        public ExpectedBatch ForRange() => new(p, t, []);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PredictBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> age, Span<double> result)
        {
            // The brackets first, into the result span.
            for (var k = 0; k < result.Length; k++)
            {
                var key = ((int)x[k], age[k]);
                if (!brackets!.TryGetValue(key, out var bracket))
                {
                    bracket = OneMinusGOverAMinusOne(p.R, p.Alpha + age[k], p.A, p.B, key.Item1, t);
                    brackets[key] = bracket;
                }

                result[k] = bracket;
            }

            var (lnA, bMinus1, r, alpha, abMinus1) = (new Lanes(Math.Log(p.A)), new Lanes(p.B - 1), new Lanes(p.R), new Lanes(p.Alpha), new Lanes(p.A + p.B - 1));
            var i = 0;
            for (; i <= result.Length - Lanes.Count; i += Lanes.Count)
            {
                var vx = new Lanes(x[i..]);
                var numerator = (abMinus1 + vx) * new Lanes(result[i..]);

                // 1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x) in logs, as ExpectedFromBracket does.
                var logD = lnA - Simd.Log(bMinus1 + vx) + ((r + vx) * (Simd.Log(alpha + new Lanes(age[i..])) - Simd.Log(alpha + new Lanes(tx[i..]))));
                var e = Simd.Exp(-Simd.Abs(logD));
                var positive = Simd.GreaterThan(logD, Lanes.Zero);
                var expected = Simd.ConditionalSelect(positive, numerator * e, numerator) / (Lanes.One + e);
                Simd.ConditionalSelect(Simd.Equals(vx, Lanes.Zero), numerator, expected).CopyTo(result[i..]);
            }

            for (; i < result.Length; i++)
            {
                result[i] = ExpectedFromBracket(p, result[i], (int)x[i], tx[i], age[i]);
            }
        }
    }
}
