using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Collections.Frozen;
using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Commissions;

/// <summary>
/// An immutable, validated commission plan compiled into flat arrays for the engine. Create it from a
/// <see cref="CommissionPlanDefinition"/> with <see cref="Create"/> or <see cref="TryCreate"/>.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class CommissionPlan
{
    private readonly FrozenDictionary<ProductId, int> _productIndex;

    private CommissionPlan(CommissionPlanDefinition source)
    {
        // A deep copy: lists the caller passed in and changes later cannot change the plan.
        var definition = Copy(source);
        Definition = definition;
        var levels = definition.Levels;
        var diff = definition.Differential;
        // Ranks are bounded only by a differential rule, whose table defines them.
        var rankCount = diff?.RateByRank.Count ?? 1;
        RankCount = diff is null ? int.MaxValue : rankCount;
        if (levels is not null)
        {
            LevelCount = levels.Rates.Count;
            var rows = levels.RatesByRank.Count == 0 ? 1 : levels.RatesByRank.Keys.Max() + 1;
            LevelPpmByRank = new long[rows][];
            var defaults = levels.Rates.Select(r => r.PartsPerMillion).ToArray();
            LevelDefaultPpm = defaults;
            for (var r = 0; r < rows; r++)
            {
                LevelPpmByRank[r] = levels.RatesByRank.TryGetValue(r, out var row) ? row.Select(x => x.PartsPerMillion).ToArray() : defaults;
            }

            LevelMinimumRank = levels.MinimumRank;
            LevelRequiresActive = levels.RequireActive;
            LevelCompression = levels.Compression;
        }
        else
        {
            LevelPpmByRank = [];
        }

        if (diff is not null)
        {
            DifferentialPpm = new long[rankCount];
            for (var r = 0; r < rankCount; r++)
            {
                DifferentialPpm[r] = diff.RateByRank[Math.Min(r, diff.RateByRank.Count - 1)].PartsPerMillion;
            }

            DifferentialRequiresActive = diff.RequireActive;
            PeerPpm = diff.PeerBonus?.Rate.PartsPerMillion ?? 0;
            PeerMaxUplines = diff.PeerBonus?.MaxUplines ?? 0;
        }

        var products = new Dictionary<ProductId, int>();
        var compiled = new List<CompiledProduct>();
        foreach (var p in definition.Products)
        {
            products[p.Product] = compiled.Count;
            compiled.Add(new CompiledProduct(
                p.Commissionable,
                p.FixedPerUnitByLevel?.Select(m => m.MinorUnits).ToArray(),
                p.FixedPerUnitByRank is null ? null : Enumerable.Range(0, rankCount).Select(r => p.FixedPerUnitByRank[Math.Min(r, p.FixedPerUnitByRank.Count - 1)].MinorUnits).ToArray()));
        }

        _productIndex = products.ToFrozenDictionary();
        Products = compiled.ToArray();
        CapPpm = definition.Cap?.MaxShare.PartsPerMillion ?? Rate.OneInPartsPerMillion;
        CapPolicy = definition.Cap?.Policy ?? CapPolicy.DeepestFirst;
        RebatePpm = definition.SelfPurchaseRebate?.PartsPerMillion ?? 0;
        HasRebate = definition.SelfPurchaseRebate is not null;
        MaxLinesPerOrder = LevelCount + (DifferentialPpm is null ? 0 : rankCount + PeerMaxUplines) + 1;
        DifferentialRankCount = DifferentialPpm is null ? 0 : rankCount;
    }

    /// <summary>A deep copy of the definition the plan was built from: changing the lists that were passed in later does not change the plan.</summary>
    public CommissionPlanDefinition Definition { get; }

    /// <summary>The plan's name.</summary>
    public string Name => Definition.Name;

    /// <summary>The plan's currency.</summary>
    public Currency Currency => Definition.Currency;

    /// <summary>How each line is rounded.</summary>
    public RoundingMode Rounding => Definition.Rounding;

    /// <summary>
    /// Ranks run from 0 to <c>RankCount - 1</c>, as defined by the differential rule's table; the engine
    /// rejects other ranks. Without a differential rule any rank is accepted (<see cref="int.MaxValue"/>).
    /// </summary>
    public int RankCount { get; }

    /// <summary>The number of levels of the level rule (0 without one).</summary>
    public int LevelCount { get; }

    /// <summary>True when the plan has a differential rule.</summary>
    public bool HasDifferential => DifferentialPpm is not null;

    internal long[][] LevelPpmByRank { get; }

    internal long[] LevelDefaultPpm { get; } = [];

    internal int LevelMinimumRank { get; }

    internal bool LevelRequiresActive { get; }

    internal Compression LevelCompression { get; }

    internal long[]? DifferentialPpm { get; }

    internal bool DifferentialRequiresActive { get; }

    internal long PeerPpm { get; }

    internal int PeerMaxUplines { get; }

    internal CompiledProduct[] Products { get; }

    /// <summary>
    /// Figures every run needs and that only depend on the plan: the largest rate in parts per million, the largest
    /// fixed amount of any product, and per differential rank whether some product pays it a fixed amount. Computed
    /// once per plan (a plan with 100,000 product rules is run thousands of times by its law checks).
    /// </summary>
    internal (long MaxPpm, long MaxFixed, bool[] FixedByRank) RunBounds => (_runBounds ??= ComputeRunBounds()).Value;

    // A reference (its write is atomic): threads that race compute the same figures, and one of them is kept.
    private StrongBox<(long, long, bool[])>? _runBounds;

    private StrongBox<(long, long, bool[])> ComputeRunBounds()
    {
        var maxPpm = Math.Max(1, new[] { RebatePpm, PeerPpm, DifferentialPpm?.Max() ?? 0 }
            .Concat(LevelDefaultPpm).Concat(LevelPpmByRank.SelectMany(r => r)).Max());
        long maxFixed = 1;
        var fixedByRank = new bool[DifferentialRankCount];
        foreach (var p in Products)
        {
            foreach (var v in p.FixedByLevel ?? [])
            {
                maxFixed = Math.Max(maxFixed, v);
            }

            if (p.FixedByRank is { } byRank)
            {
                for (var r = 0; r < byRank.Length; r++)
                {
                    maxFixed = Math.Max(maxFixed, byRank[r]);
                    if (r < fixedByRank.Length && byRank[r] > 0)
                    {
                        fixedByRank[r] = true;
                    }
                }
            }
        }

        return new((maxPpm, maxFixed, fixedByRank));
    }

    internal long CapPpm { get; }

    internal CapPolicy CapPolicy { get; }

    internal long RebatePpm { get; }

    internal bool HasRebate { get; }

    internal int MaxLinesPerOrder { get; }

    internal int DifferentialRankCount { get; }

    /// <summary>
    /// The smallest rate, in ppm, that a percentage line of this plan can be paid at (a level rate, a step
    /// between two differential rates, the peer bonus, the rebate); 0 when some line can be paid at a zero rate.
    /// </summary>
    internal long SmallestPositiveLinePpm
    {
        get
        {
            var rates = new List<long>();
            if (LevelCount > 0)
            {
                rates.AddRange(LevelDefaultPpm);
                rates.AddRange(LevelPpmByRank.SelectMany(r => r));
            }

            if (DifferentialPpm is { } dppm)
            {
                var steps = dppm.Append(0).Distinct().Order().ToArray();
                for (var i = 1; i < steps.Length; i++)
                {
                    rates.Add(steps[i] - steps[i - 1]);
                }

                if (PeerMaxUplines > 0)
                {
                    rates.Add(PeerPpm);
                }
            }

            if (HasRebate)
            {
                rates.Add(RebatePpm);
            }

            return rates.Count == 0 ? Rate.OneInPartsPerMillion : rates.Min();
        }
    }

    private static CommissionPlanDefinition Copy(CommissionPlanDefinition d) => d with
    {
        Levels = d.Levels is { } l ? l with
        {
            Rates = [.. l.Rates],
            RatesByRank = l.RatesByRank.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Rate>)[.. kv.Value]).AsReadOnly(),
        } : null,
        Differential = d.Differential is { } diff ? diff with { RateByRank = [.. diff.RateByRank] } : null,
        RanksByTier = (d.RanksByTier ?? ImmutableDictionary<string, int>.Empty).ToImmutableSortedDictionary(StringComparer.Ordinal),
        Products = [.. d.Products.Select(p => p with
        {
            FixedPerUnitByLevel = p.FixedPerUnitByLevel is { } byLevel ? [.. byLevel] : null,
            FixedPerUnitByRank = p.FixedPerUnitByRank is { } byRank ? [.. byRank] : null,
        })],
    };

    /// <summary>Validates a definition and builds the plan.</summary>
    /// <param name="definition">The definition; a deep copy is kept, so later changes to its lists do not reach the plan.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="InvalidInputException">Every problem, with its property path and error code.</exception>
    public static CommissionPlan Create(CommissionPlanDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Validation.Check(new CommissionPlanValidator(), definition);
        return new CommissionPlan(definition);
    }

    /// <summary>Validates a definition and builds the plan, or returns every problem without throwing.</summary>
    /// <param name="definition">The definition; a deep copy is kept, so later changes to its lists do not reach the plan.</param>
    /// <param name="plan">The plan when the definition is valid; otherwise null.</param>
    /// <param name="problems">Every problem (codes <c>plan.*</c>, with property paths); empty when valid.</param>
    /// <returns>True when the plan was built.</returns>
    public static bool TryCreate(CommissionPlanDefinition definition, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CommissionPlan? plan, out IReadOnlyList<Problem> problems)
    {
        ArgumentNullException.ThrowIfNull(definition);
        problems = definition.Validate();
        plan = problems.Count == 0 ? new CommissionPlan(definition) : null;
        return plan is not null;
    }

    /// <summary>The index of a product's rule, or -1 when the product has none.</summary>
    /// <param name="product">A product; one without a rule pays at the plan's rates.</param>
    /// <returns>The rule index or -1.</returns>
    internal int ProductRuleIndex(ProductId product) => _productIndex.TryGetValue(product, out var i) ? i : -1;

    /// <summary>The plan's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;

    internal sealed record CompiledProduct(bool Commissionable, long[]? FixedByLevel, long[]? FixedByRank);
}
