using System.Globalization;
using CommunityModel.Primitives;

namespace CommunityModel.Scoring;

/// <summary>Whether a campaign paid for itself.</summary>
public enum CampaignVerdict
{
    /// <summary>Even the low end of the confidence interval of the incremental margin covers the cost.</summary>
    Pays,

    /// <summary>Even the high end of the interval does not cover the cost.</summary>
    DoesNotPay,

    /// <summary>The interval straddles the cost: more data is needed to tell.</summary>
    Inconclusive,
}

/// <summary>
/// The measured effect of a campaign (such as the old-customer strategy). Amounts are estimates rounded
/// half-to-even to the minor unit from exact sums.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="LiftPerCustomer">Estimated extra spend per treated customer (treated mean minus control mean, or mean of after minus before).</param>
/// <param name="IncrementalRevenue">Lift times treated customers.</param>
/// <param name="IncrementalRevenueLow">The low end of the bootstrap confidence interval of the incremental revenue.</param>
/// <param name="IncrementalRevenueHigh">The high end.</param>
/// <param name="IncrementalMargin">Incremental revenue times the margin rate.</param>
/// <param name="Cost">What the campaign cost.</param>
/// <param name="ReturnOnCost">(incremental margin - cost) / cost; null for a free campaign.</param>
/// <param name="Confidence">The confidence level of the interval.</param>
/// <param name="Iterations">Bootstrap resamples.</param>
/// <param name="Seed">The seed of the resampling.</param>
/// <param name="Verdict">Whether the campaign paid, did not, or cannot be told from noise.</param>
/// <param name="Explanation">The verdict in words.</param>
public sealed record CampaignEffectResult(
    Money LiftPerCustomer,
    Money IncrementalRevenue,
    Money IncrementalRevenueLow,
    Money IncrementalRevenueHigh,
    Money IncrementalMargin,
    Money Cost,
    double? ReturnOnCost,
    double Confidence,
    int Iterations,
    ulong Seed,
    CampaignVerdict Verdict,
    string Explanation);

/// <summary>
/// Did the strategy raise sales enough to pay for itself? Lift against a control group or before against
/// after, a percentile bootstrap confidence interval from a seeded generator (same seed, same interval),
/// cost, return on cost and a plain verdict.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class CampaignEffect
{
    /// <summary>Treated against control: each list holds one spend per customer over the same period.</summary>
    /// <param name="treated">Spend of each treated customer.</param>
    /// <param name="control">Spend of each control customer.</param>
    /// <param name="cost">The campaign's cost.</param>
    /// <param name="seed">The bootstrap seed.</param>
    /// <param name="margin">The margin rate on extra revenue (null: all of it counts).</param>
    /// <param name="iterations">Bootstrap resamples (100..1,000,000).</param>
    /// <param name="confidence">Confidence level, in (0, 1).</param>
    /// <returns>The effect.</returns>
    public static CampaignEffectResult TreatedVersusControl(IReadOnlyList<Money> treated, IReadOnlyList<Money> control, Money cost, ulong seed, Rate? margin = null, int iterations = 2_000, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(treated);
        ArgumentNullException.ThrowIfNull(control);
        var currency = cost.Currency;
        var t = Minor(treated, currency);
        var c = Minor(control, currency);
        Check(t.Length, nameof(treated), iterations, confidence, cost);
        Check(c.Length, nameof(control), iterations, confidence, cost);
        // The point estimates are exact: lift = sumT/nT - sumC/nC, incremental = lift * nT, each rounded once.
        var (sumT, sumC) = (Sum(t), Sum(c));
        var numerator = (sumT * c.Length) - (sumC * t.Length);
        var lift = Money.OfMinor(ExactMath.DivideToInt64(numerator, (Int128)t.Length * c.Length, RoundingMode.HalfEven), currency);
        var incremental = Money.OfMinor(ExactMath.DivideToInt64(numerator, c.Length, RoundingMode.HalfEven), currency);
        var rng = new SeededRandom(seed);
        var samples = new double[iterations];
        for (var k = 0; k < iterations; k++)
        {
            samples[k] = ResampledMean(t, rng) - ResampledMean(c, rng);
        }

        return Result(lift, incremental, samples, t.Length, cost, margin, iterations, confidence, seed, "treated against control");
    }

    /// <summary>Before against after: one pair of spends per treated customer, over periods of equal length.</summary>
    /// <param name="customers">Spend before and after for each treated customer.</param>
    /// <param name="cost">The campaign's cost.</param>
    /// <param name="seed">The bootstrap seed.</param>
    /// <param name="margin">The margin rate on extra revenue (null: all of it counts).</param>
    /// <param name="iterations">Bootstrap resamples (100..1,000,000).</param>
    /// <param name="confidence">Confidence level, in (0, 1).</param>
    /// <returns>The effect.</returns>
    public static CampaignEffectResult BeforeVersusAfter(IReadOnlyList<(Money Before, Money After)> customers, Money cost, ulong seed, Rate? margin = null, int iterations = 2_000, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var currency = cost.Currency;
        var d = new long[customers.Count];
        for (var i = 0; i < d.Length; i++)
        {
            var (before, after) = customers[i];
            if (before.Currency != currency || after.Currency != currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(currency, before.Currency != currency ? before.Currency : after.Currency));
            }

            d[i] = checked(after.MinorUnits - before.MinorUnits);
        }

        Check(d.Length, nameof(customers), iterations, confidence, cost);
        var rng = new SeededRandom(seed);
        var samples = new double[iterations];
        for (var k = 0; k < iterations; k++)
        {
            samples[k] = ResampledMean(d, rng);
        }

        var sum = Sum(d);
        var lift = Money.OfMinor(ExactMath.DivideToInt64(sum, d.Length, RoundingMode.HalfEven), currency);
        var incremental = Money.OfMinor(checked((long)sum), currency);
        return Result(lift, incremental, samples, d.Length, cost, margin, iterations, confidence, seed, "after against before");
    }

    /// <summary>The point estimates come exact; the interval bounds are bootstrap quantiles (statistics), rounded half-to-even to the minor unit.</summary>
    private static CampaignEffectResult Result(Money lift, Money incremental, double[] samples, int treated, Money cost, Rate? margin, int iterations, double confidence, ulong seed, string design)
    {
        Array.Sort(samples);
        var alpha = (1 - confidence) / 2;
        var low = Quantile(samples, alpha) * treated;
        var high = Quantile(samples, 1 - alpha) * treated;
        var currency = cost.Currency;
        Money M(double minor) => Money.OfMinor((long)Math.Round(minor, MidpointRounding.ToEven), currency);
        var rate = margin ?? Rate.One;
        var incrementalMargin = rate.Apply(incremental, RoundingMode.HalfEven);
        var marginLow = rate.Apply(M(low), RoundingMode.HalfEven);
        var marginHigh = rate.Apply(M(high), RoundingMode.HalfEven);
        var verdict = marginLow >= cost ? CampaignVerdict.Pays : marginHigh < cost ? CampaignVerdict.DoesNotPay : CampaignVerdict.Inconclusive;
        double? roc = cost.IsZero ? null : (double)(incrementalMargin - cost).MinorUnits / cost.MinorUnits;
        var pct = confidence.ToString("0.##%", CultureInfo.InvariantCulture);
        var explanation = verdict switch
        {
            CampaignVerdict.Pays => $"pays: {design}, the extra margin is at least {marginLow} ({pct} interval) against a cost of {cost}",
            CampaignVerdict.DoesNotPay => $"does not pay: {design}, the extra margin is at most {marginHigh} ({pct} interval) against a cost of {cost}",
            _ => $"inconclusive: {design}, the extra margin lies between {marginLow} and {marginHigh} ({pct} interval) around a cost of {cost}",
        };
        return new CampaignEffectResult(lift, incremental, M(low), M(high), incrementalMargin, cost, roc, confidence, iterations, seed, verdict, explanation);
    }

    private static long[] Minor(IReadOnlyList<Money> values, Currency currency)
    {
        var a = new long[values.Count];
        for (var i = 0; i < a.Length; i++)
        {
            if (values[i].Currency != currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(currency, values[i].Currency));
            }

            a[i] = values[i].MinorUnits;
        }

        return a;
    }

    private static void Check(int count, string name, int iterations, double confidence, Money cost)
    {
        if (count == 0)
        {
            throw new ArgumentException($"The {name} group is empty; an effect needs at least one customer in it.", name);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, 1_000_000);
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), $"The confidence level must lie strictly between 0 and 1; got {confidence}.");
        }

        if (cost.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(cost), $"A cost cannot be negative; got {cost}.");
        }
    }

    private static Int128 Sum(long[] values)
    {
        Int128 sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    private static double ResampledMean(long[] values, SeededRandom rng)
    {
        Int128 sum = 0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[rng.NextInt32(values.Length)];
        }

        return (double)sum / values.Length;
    }

    /// <summary>Linear-interpolated quantile of sorted values.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }
}
