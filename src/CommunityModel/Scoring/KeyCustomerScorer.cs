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
/// <param name="CustomerId">The customer.</param>
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
    /// <param name="options">The options.</param>
    /// <exception cref="InvalidInputException">Every problem of the options, with its property and error code.</exception>
    public KeyCustomerScorer(KeyCustomerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validation.Check(new KeyCustomerOptionsValidator(), options);
        Options = options;
    }

    /// <summary>The options.</summary>
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

/// <summary>The scores of a population of customers, with breakdowns and a stable top-k.</summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class KeyCustomerScoreboard
{
    private readonly KeyCustomerScorer _scorer;
    private readonly IReadOnlyList<CustomerFacts> _facts;
    private readonly RfmCell[] _rfm;
    private readonly double[] _components;
    private readonly double[] _scores;
    private readonly CustomerArchetype[] _archetypes;
    private readonly long _spendHalf;
    private Dictionary<string, int>? _index;

    internal KeyCustomerScoreboard(KeyCustomerScorer scorer, IReadOnlyList<CustomerFacts> facts, RfmCell[] rfm, double[] components, double[] scores, CustomerArchetype[] archetypes, long spendHalf)
    {
        _scorer = scorer;
        _facts = facts;
        _rfm = rfm;
        _components = components;
        _scores = scores;
        _archetypes = archetypes;
        _spendHalf = spendHalf;
    }

    /// <summary>How many customers were scored.</summary>
    public int Count => _scores.Length;

    /// <summary>The referred-spend half point used, in minor units (0 when nobody's referrals bought).</summary>
    public long ReferredSpendHalfMinor => _spendHalf;

    /// <summary>The score of the customer at a position of the input.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The score in [0, 1].</returns>
    public double ScoreAt(int index) => _scores[index];

    /// <summary>The archetypes of the customer at a position of the input.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The archetypes.</returns>
    public CustomerArchetype ArchetypesAt(int index) => _archetypes[index];

    /// <summary>The RFM cell of the customer at a position of the input.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The cell.</returns>
    public RfmCell RfmAt(int index) => _rfm[index];

    /// <summary>The full score of one customer, with breakdown and reasons.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>The score.</returns>
    /// <exception cref="KeyNotFoundException">The customer was not scored.</exception>
    public KeyCustomerScore ScoreOf(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        _index ??= BuildIndex();
        return _index.TryGetValue(customerId, out var i) ? Explain(i) : throw new KeyNotFoundException($"Customer '{customerId}' was not scored.");
    }

    /// <summary>
    /// The <paramref name="k"/> best customers, best first; equal scores are ordered by customer key
    /// (ordinal), so the result does not depend on input order.
    /// </summary>
    /// <param name="k">How many (at least 0).</param>
    /// <returns>The scores with breakdowns.</returns>
    public IReadOnlyList<KeyCustomerScore> Top(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        k = Math.Min(k, Count);
        if (k == 0)
        {
            return [];
        }

        // A min-heap of the best k so far: its root is the worst of them.
        var worstFirst = Comparer<int>.Create((a, b) => -Better(a, b));
        var heap = new PriorityQueue<int, int>(k, worstFirst);
        for (var i = 0; i < Count; i++)
        {
            if (heap.Count < k)
            {
                heap.Enqueue(i, i);
            }
            else if (Better(i, heap.Peek()) < 0)
            {
                heap.DequeueEnqueue(i, i);
            }
        }

        var best = new int[heap.Count];
        for (var j = best.Length - 1; j >= 0; j--)
        {
            best[j] = heap.Dequeue();
        }

        var result = new KeyCustomerScore[best.Length];
        for (var j = 0; j < best.Length; j++)
        {
            result[j] = Explain(best[j]);
        }

        return result;
    }

    /// <summary>Negative when a ranks before b.</summary>
    private int Better(int a, int b)
    {
        var c = _scores[b].CompareTo(_scores[a]);
        return c != 0 ? c : string.CompareOrdinal(_facts[a].CustomerId.Value, _facts[b].CustomerId.Value);
    }

    private Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(Count, StringComparer.Ordinal);
        for (var i = 0; i < Count; i++)
        {
            index[_facts[i].CustomerId.Value] = i;
        }

        return index;
    }

    private KeyCustomerScore Explain(int i)
    {
        var f = _facts[i];
        var o = _scorer.Options;
        var weightSum = o.RepurchaseWeight + o.InfluenceWeight + o.SpreadingWeight + o.RfmWeight;
        string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        var since = f.DaysSinceLastPurchase switch { null => string.Empty, 0 => ", last on the as-of day", 1 => ", last 1 day ago", { } d => $", last {d} days ago" };
        var repEvidence = o.Repurchase switch
        {
            RepurchaseSignal.RecentRepeats => $"{f.RepeatPurchases} repeat purchase(s){since}",
            RepurchaseSignal.BgNbdProbabilityAlive => $"{f.RepeatPurchases} repeat purchase(s){since}; BG/NBD probability alive",
            _ => $"{f.RepeatPurchases} repeat purchase(s){since}; BG/NBD expected purchases over {N(o.Horizon)} units",
        };
        var conv = f.ReferralConversionDays is { } cd && f.ReferredBuyers > 0 ? $", converting in {N(cd)} days (median)" : string.Empty;
        var infEvidence = $"{f.ReferredBuyers} referred buyer(s) spending {f.ReferredSpend}{conv}; downline {f.DownlineSize}";
        var sprEvidence = $"{f.Shares} share(s), {f.GroupReplies} group repl(ies)";
        var values = _components.AsSpan(i * 4, 4);
        var weights = new[] { o.RepurchaseWeight, o.InfluenceWeight, o.SpreadingWeight, o.RfmWeight };
        var names = new[] { "Repurchase", "Influence", "Spreading", "Rfm" };
        var evidence = new[] { repEvidence, infEvidence, sprEvidence, $"RFM cell {_rfm[i]}, {f.PurchaseDays} purchase day(s), spend {f.TotalSpend}" };
        var breakdown = new ScoreComponent[4];
        for (var c = 0; c < 4; c++)
        {
            breakdown[c] = new ScoreComponent(names[c], values[c], weights[c], weights[c] * values[c] / weightSum, evidence[c]);
        }

        var reasons = new List<string>();
        var a = _archetypes[i];
        if (a.HasFlag(CustomerArchetype.HelpfulSpreader))
        {
            reasons.Add($"helpful spreader: {f.Shares} share(s) and {f.GroupReplies} repl(ies), {f.ReferredBuyers} referred buyer(s)");
        }

        if (a.HasFlag(CustomerArchetype.LoyalRepeater))
        {
            reasons.Add($"loyal repeater: {f.RepeatPurchases} repeat purchase(s){since}");
        }

        if (a.HasFlag(CustomerArchetype.PromisesWithoutAction))
        {
            reasons.Add($"promises without action: promised {f.PromisedReferrals} referral(s), no referred buyer");
        }

        if (a.HasFlag(CustomerArchetype.Silent))
        {
            reasons.Add("silent: no shares, replies, questions, promises or referrals recorded");
        }

        var strongest = breakdown.OrderByDescending(b => b.Contribution).ThenBy(b => b.Name, StringComparer.Ordinal).First();
        if (strongest.Contribution > 0)
        {
            reasons.Add($"strongest: {strongest.Name} ({strongest.Evidence})");
        }

        return new KeyCustomerScore(f.CustomerId, _scores[i], _rfm[i], a, breakdown, reasons);
    }
}
