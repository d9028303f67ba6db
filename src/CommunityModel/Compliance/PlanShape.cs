using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;

namespace CommunityModel.Compliance;

/// <summary>
/// What a plan can pay, read off its definition: how many upline hops it pays at most, the largest share of
/// one order it can pay, and whether any of it depends on a downline's sales beyond the direct referrer.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MaxPaidHops">The most upline hops from the buyer that can earn; null when unbounded (differential rules and dynamic compression).</param>
/// <param name="MaxRateShare">The largest share of an order the rates can pay, after the cap (fixed amounts excluded).</param>
/// <param name="MaxShareWithFixed">The largest share including fixed per-unit amounts at the known unit prices; null when a fixed amount has no known price and no cap bounds it.</param>
/// <param name="DirectReferrerMaxRate">The largest rate the direct referrer (hop 1) can earn on an order.</param>
/// <param name="PaysBeyondDirectReferrer">True when anyone above the direct referrer can be paid.</param>
/// <param name="PaysSelfRebate">True when the buyer is paid on their own purchase.</param>
public sealed record PlanShape(
    int? MaxPaidHops,
    Rate MaxRateShare,
    Rate? MaxShareWithFixed,
    Rate DirectReferrerMaxRate,
    bool PaysBeyondDirectReferrer,
    bool PaysSelfRebate)
{
    /// <summary>Reads the shape of a plan.</summary>
    /// <param name="plan">A plan built by <see cref="CommissionPlan.Create"/> (so already valid).</param>
    /// <param name="unitPrices">Unit prices for products with fixed amounts.</param>
    /// <returns>The shape.</returns>
    public static PlanShape Of(CommissionPlan plan, IReadOnlyDictionary<ProductId, Money>? unitPrices = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var d = plan.Definition;
        int? hops = 0;
        long levelPpm = 0, firstPpm = 0;
        if (d.Levels is { } levels && levels.Rates.Count > 0)
        {
            for (var k = 0; k < levels.Rates.Count; k++)
            {
                var best = levels.Rates[k].PartsPerMillion;
                foreach (var row in levels.RatesByRank.Values)
                {
                    best = Math.Max(best, row[k].PartsPerMillion);
                }

                levelPpm += best;
                if (k == 0)
                {
                    firstPpm = best;
                }
            }

            hops = levels.Compression == Compression.Dynamic ? null : LastPayingLevel(levels);
        }

        long diffPpm = 0;
        if (d.Differential is { } diff)
        {
            diffPpm = diff.RateByRank.Max(r => r.PartsPerMillion) + (diff.PeerBonus is { } peer ? peer.Rate.PartsPerMillion * peer.MaxUplines : 0);
            firstPpm += diff.RateByRank.Max(r => r.PartsPerMillion);
            hops = null;
        }

        var rebate = d.SelfPurchaseRebate?.PartsPerMillion ?? 0;
        var cap = d.Cap?.MaxShare.PartsPerMillion ?? Rate.OneInPartsPerMillion;
        var rateShare = Math.Min(cap, levelPpm + diffPpm + rebate);

        Rate? withFixed = Rate.FromPartsPerMillion(rateShare);
        foreach (var p in d.Products)
        {
            if (!p.Commissionable)
            {
                continue;
            }

            var fixedMinor = (p.FixedPerUnitByLevel?.Sum(m => m.MinorUnits) ?? 0) + (p.FixedPerUnitByRank is { Count: > 0 } byRank ? byRank.Max(m => m.MinorUnits) : 0);
            if (fixedMinor == 0)
            {
                continue;
            }

            if (p.FixedPerUnitByLevel is { Count: > 0 } byLevel && hops is not null)
            {
                hops = Math.Max(hops.Value, byLevel.Count);
            }

            if (unitPrices is not null && unitPrices.TryGetValue(p.Product, out var price) && price.MinorUnits > 0)
            {
                // The share of the fixed amounts in the price, rounded up to the ppm so it is never understated.
                var ppmWide = ((Int128)fixedMinor * Rate.OneInPartsPerMillion + price.MinorUnits - 1) / price.MinorUnits;
                var ppm = ppmWide > long.MaxValue / 2 ? long.MaxValue / 2 : (long)ppmWide;
                var share = Math.Min(cap, ppm + rebate);
                if (withFixed is { } w && share > w.PartsPerMillion)
                {
                    withFixed = Rate.FromPartsPerMillion(share);
                }
            }
            else if (d.Cap is null)
            {
                withFixed = null;
            }
            else if (withFixed is { } w2)
            {
                withFixed = Rate.FromPartsPerMillion(Math.Max(w2.PartsPerMillion, cap));
            }
        }

        var beyond = hops is null || hops > 1;
        return new PlanShape(hops, Rate.FromPartsPerMillion(rateShare), withFixed, Rate.FromPartsPerMillion(firstPpm), beyond, d.SelfPurchaseRebate is { IsZero: false });
    }

    /// <summary>The paid depth in words.</summary>
    /// <returns>"unbounded" or the number of hops.</returns>
    public string DescribeHops() => MaxPaidHops is { } h ? h.ToString(CultureInfo.InvariantCulture) : "unbounded";

    private static int LastPayingLevel(LevelRule levels)
    {
        var last = 0;
        for (var k = 0; k < levels.Rates.Count; k++)
        {
            var pays = levels.Rates[k].PartsPerMillion > 0 || levels.RatesByRank.Values.Any(row => row[k].PartsPerMillion > 0);
            if (pays)
            {
                last = k + 1;
            }
        }

        return last;
    }
}
