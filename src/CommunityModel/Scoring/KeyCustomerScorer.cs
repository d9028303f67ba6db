using System.Globalization;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>Behavioural archetypes read from the facts; a customer can have several.</summary>
[Flags]
public enum CustomerArchetype
{
    /// <summary>None of the archetypes.</summary>
    None = 0,

    /// <summary>Helpful spreader (热情帮人型): shares and talks, and people they referred bought.</summary>
    HelpfulSpreader = 1,

    /// <summary>Promises without action (白眼狼型): promised referrals, none came.</summary>
    PromisesWithoutAction = 2,

    /// <summary>Silent (沉默型): no shares, replies, questions, promises or referrals.</summary>
    Silent = 4,

    /// <summary>Loyal repeater: several repeat purchases and a recent one.</summary>
    LoyalRepeater = 8,
}

/// <summary>One component of a key-customer score.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Name">Repurchase, Influence, Spreading or Rfm.</param>
/// <param name="Value">The component scaled to [0, 1].</param>
/// <param name="Weight">Its weight.</param>
/// <param name="Contribution">Its share of the score: weight * value / sum of weights.</param>
/// <param name="Evidence">The facts behind it.</param>
public sealed record ScoreComponent(string Name, double Value, double Weight, double Contribution, string Evidence);

/// <summary>A customer's key-customer score with its breakdown.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="CustomerId">The customer scored.</param>
/// <param name="Score">The score in [0, 1].</param>
/// <param name="Rfm">The RFM cell.</param>
/// <param name="Archetypes">The archetypes the facts show.</param>
/// <param name="Breakdown">The four components; their contributions add up to the score.</param>
/// <param name="Reasons">The archetypes' evidence and the strongest facts, in words.</param>
public sealed record KeyCustomerScore(MemberId CustomerId, double Score, RfmCell Rfm, CustomerArchetype Archetypes, IReadOnlyList<ScoreComponent> Breakdown, IReadOnlyList<string> Reasons);

/// <summary>
/// Scores customers as key customers: readiness to buy again, influence on new customers, spreading, and
/// RFM, weighted as the options say. Scores are deterministic, independent of input order, and every
/// score comes with its breakdown.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class KeyCustomerScorer
{
    /// <summary>Creates a scorer with the default options.</summary>
    public KeyCustomerScorer()
        : this(new KeyCustomerOptions())
    {
    }

    /// <summary>Creates a scorer.</summary>
    /// <param name="options">The weights and thresholds, or null for the defaults (validated: <c>scoring.*</c> codes).</param>
    /// <exception cref="InvalidInputException">Every problem of the options, with its property and error code.</exception>
    public KeyCustomerScorer(KeyCustomerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validation.Check(new KeyCustomerOptionsValidator(), options);
        Options = options;
    }

    /// <summary>The weights and thresholds this scorer applies.</summary>
    public KeyCustomerOptions Options { get; }

    /// <summary>Scores every customer.</summary>
    /// <param name="facts">The customers' facts (unique ids, one currency).</param>
    /// <returns>The scoreboard.</returns>
    /// <exception cref="InvalidInputException">Every bad fact listed (negative counts, duplicates, mixed currencies).</exception>
    public KeyCustomerScoreboard Score(IReadOnlyList<CustomerFacts> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var n = facts.Count;
        var problems = new List<Problem>();
        var seen = new HashSet<string>(n, StringComparer.Ordinal);
        Currency? currency = null;
        for (var i = 0; i < n; i++)
        {
            var f = facts[i] ?? throw new ArgumentException($"facts[{i}] is null.", nameof(facts));
            problems.AddRange(f.Problems());
            if (!seen.Add(f.CustomerId.Value))
            {
                problems.Add(new Problem("scoring.customer.duplicate", f.CustomerId.ToString(), $"{f.CustomerId}: listed twice"));
            }

            currency ??= f.TotalSpend.Currency;
            if (f.TotalSpend.Currency != currency)
            {
                problems.Add(new Problem("scoring.currency.mismatch", f.CustomerId.ToString(), $"{f.CustomerId}: spend in {f.TotalSpend.Currency.Code}, others in {currency.Value.Code}"));
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }

        var o = Options;
        var rfm = Rfm.Score(facts);
        var spendHalf = o.ReferredSpendHalfMinor ?? MedianPositiveReferredSpend(facts);
        var weightSum = o.RepurchaseWeight + o.InfluenceWeight + o.SpreadingWeight + o.RfmWeight;
        var components = new double[n * 4];
        var scores = new double[n];
        var archetypes = new CustomerArchetype[n];
        for (var i = 0; i < n; i++)
        {
            var f = facts[i];
            var rep = Repurchase(f);
            var inf = Influence(f, spendHalf);
            var spr = (Saturate(f.Shares, o.SharesHalf) + Saturate(f.GroupReplies, o.RepliesHalf)) / 2;
            var r = rfm[i].Normalized;
            components[(i * 4) + 0] = rep;
            components[(i * 4) + 1] = inf;
            components[(i * 4) + 2] = spr;
            components[(i * 4) + 3] = r;
            scores[i] = ((o.RepurchaseWeight * rep) + (o.InfluenceWeight * inf) + (o.SpreadingWeight * spr) + (o.RfmWeight * r)) / weightSum;
            archetypes[i] = ArchetypesOf(f);
        }

        return new KeyCustomerScoreboard(this, facts, rfm, components, scores, archetypes, spendHalf);
    }

    /// <summary>The archetypes the facts show, by the thresholds of the options.</summary>
    /// <param name="facts">One customer's facts.</param>
    /// <returns>The archetypes.</returns>
    public CustomerArchetype ArchetypesOf(CustomerFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var o = Options;
        var a = CustomerArchetype.None;
        if (facts.Shares + facts.GroupReplies >= o.SpreaderMinActions && facts.ReferredBuyers >= 1)
        {
            a |= CustomerArchetype.HelpfulSpreader;
        }

        if (o.PromiserMinPromises > 0 && facts.PromisedReferrals >= o.PromiserMinPromises && facts.ReferredBuyers == 0)
        {
            a |= CustomerArchetype.PromisesWithoutAction;
        }

        if (facts.Shares == 0 && facts.GroupReplies == 0 && facts.PromisedReferrals == 0 && facts.ReferredBuyers == 0
            && facts.Questions == 0 && facts.PriceQuestions == 0 && facts.ValidityOrGiftQuestions == 0 && facts.Complaints == 0)
        {
            a |= CustomerArchetype.Silent;
        }

        if (facts.RepeatPurchases >= Math.Max(1, o.LoyalMinRepeats) && facts.DaysSinceLastPurchase <= o.LoyalMaxDaysSinceLast)
        {
            a |= CustomerArchetype.LoyalRepeater;
        }

        return a;
    }

    internal double Repurchase(CustomerFacts f)
    {
        var o = Options;
        if (f.FirstPurchase is not { } first)
        {
            return 0;
        }

        switch (o.Repurchase)
        {
            case RepurchaseSignal.RecentRepeats:
                return Saturate(f.RepeatPurchases, o.RepeatHalf) * Math.Pow(2, -f.DaysSinceLastPurchase!.Value / o.RecencyHalfLifeDays);
            default:
                var x = f.RepeatPurchases;
                var tx = Period.DaysBetween(first, f.LastPurchase!.Value) / o.DaysPerUnit;
                var age = Period.DaysBetween(first, f.AsOf) / o.DaysPerUnit;
                if (o.Repurchase == RepurchaseSignal.BgNbdProbabilityAlive)
                {
                    return BgNbd.ProbabilityAlive(o.BgNbd!, x, tx, age);
                }

                var e = BgNbd.ConditionalExpectedPurchases(o.BgNbd!, o.Horizon, x, tx, age);
                return double.IsFinite(e) && e > 0 ? e / (e + o.ExpectedPurchasesHalf) : 0;
        }
    }

    internal double Influence(CustomerFacts f, long spendHalf)
    {
        var o = Options;
        var buyers = Saturate(f.ReferredBuyers, o.ReferredBuyersHalf);
        var spend = spendHalf > 0 ? Saturate(f.ReferredSpend.MinorUnits, spendHalf) : 0;
        var speed = f.ReferredBuyers > 0 && f.ReferralConversionDays is { } d ? 1 / (1 + (d / o.ConversionHalfDays)) : 0;
        var downline = Saturate(f.DownlineSize, o.DownlineHalf);
        return (buyers + spend + speed + downline) / 4;
    }

    internal static double Saturate(double v, double half) => v <= 0 ? 0 : v / (v + half);

    private static long MedianPositiveReferredSpend(IReadOnlyList<CustomerFacts> facts)
    {
        var positive = new List<long>();
        foreach (var f in facts)
        {
            if (f.ReferredSpend.MinorUnits > 0)
            {
                positive.Add(f.ReferredSpend.MinorUnits);
            }
        }

        if (positive.Count == 0)
        {
            return 0;
        }

        positive.Sort();
        return positive[(positive.Count - 1) / 2];
    }
}
