using System.Globalization;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Scoring;

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
    /// <param name="index">A position from 0 to <c>Count - 1</c>, best score first.</param>
    /// <returns>The score in [0, 1].</returns>
    public double ScoreAt(int index) => _scores[index];

    /// <summary>The archetypes of the customer at a position of the input.</summary>
    /// <param name="index">A position from 0 to <c>Count - 1</c>, best score first.</param>
    /// <returns>The archetypes.</returns>
    public CustomerArchetype ArchetypesAt(int index) => _archetypes[index];

    /// <summary>The RFM cell of the customer at a position of the input.</summary>
    /// <param name="index">A position from 0 to <c>Count - 1</c>, best score first.</param>
    /// <returns>The cell.</returns>
    public RfmCell RfmAt(int index) => _rfm[index];

    /// <summary>The full score of one customer, with breakdown and reasons.</summary>
    /// <param name="customerId">A customer among the facts scored; another throws <see cref="KeyNotFoundException"/>.</param>
    /// <returns>The score.</returns>
    /// <exception cref="KeyNotFoundException">The customer was not scored.</exception>
    public KeyCustomerScore ScoreOf(MemberId customerId)
    {
        _index ??= BuildIndex();
        return !customerId.IsDefault && _index.TryGetValue(customerId.Value, out var i) ? Explain(i) : throw new KeyNotFoundException($"Customer '{customerId}' was not scored.");
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
