using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Commissions;

/// <summary>
/// Validates a <see cref="CommissionPlanDefinition"/>, reporting every problem at once with its property
/// path and one of these codes: <c>plan.name.empty</c>, <c>plan.currency.missing</c>,
/// <c>plan.rounding.unknown</c>, <c>plan.rules.empty</c>, <c>plan.levels.empty</c>,
/// <c>plan.levels.too-deep</c>, <c>plan.levels.minimum-rank</c>, <c>plan.levels.by-rank.rank</c>,
/// <c>plan.levels.by-rank.length</c>, <c>plan.levels.compression.unknown</c>,
/// <c>plan.differential.empty</c>, <c>plan.differential.decreasing</c>,
/// <c>plan.peer.max-uplines</c>, <c>plan.products.duplicate</c>, <c>plan.products.fixed.currency</c>,
/// <c>plan.products.fixed.negative</c>, <c>plan.products.fixed.length</c>,
/// <c>plan.cap.over-100-percent</c>, <c>plan.cap.policy.unknown</c>, <c>plan.payout.over-100-percent</c>,
/// <c>plan.ranks-by-tier.tier</c>, <c>plan.ranks-by-tier.rank</c>.
/// </summary>
internal sealed class CommissionPlanValidator : AbstractValidator<CommissionPlanDefinition>
{
    /// <summary>The deepest level rule accepted.</summary>
    public const int MaxLevels = 64;

    /// <summary>The largest number of ranks accepted.</summary>
    public const int MaxRanks = 64;

    /// <summary>Creates the validator.</summary>
    public CommissionPlanValidator()
    {
        RuleFor(p => p.Name).NotEmpty().WithErrorCode("plan.name.empty").WithMessage("A plan needs a name.");
        RuleFor(p => p.Currency).Must(c => !c.IsDefault).WithErrorCode("plan.currency.missing").WithMessage("A plan needs a currency.");
        RuleFor(p => p.Rounding).IsInEnum().WithErrorCode("plan.rounding.unknown");
        RuleFor(p => p).Must(p => p.Levels is not null || p.Differential is not null || p.SelfPurchaseRebate is not null)
            .OverridePropertyName("Rules").WithErrorCode("plan.rules.empty")
            .WithMessage("A plan needs a level rule, a differential rule or a self-purchase rebate.");

        RuleFor(p => p.Levels!).ChildRules(levels =>
        {
            levels.RuleFor(l => l.Rates).NotEmpty().WithErrorCode("plan.levels.empty").WithMessage("A level rule needs at least one level.");
            levels.RuleFor(l => l.Rates.Count).LessThanOrEqualTo(MaxLevels).OverridePropertyName("Rates")
                .WithErrorCode("plan.levels.too-deep").WithMessage($"A level rule may have at most {MaxLevels} levels.");
            levels.RuleFor(l => l.MinimumRank).InclusiveBetween(0, MaxRanks - 1).WithErrorCode("plan.levels.minimum-rank");
            levels.RuleFor(l => l.Compression).IsInEnum().WithErrorCode("plan.levels.compression.unknown");
            levels.RuleForEach(l => l.RatesByRank).ChildRules(entry =>
            {
                entry.RuleFor(e => e.Key).InclusiveBetween(0, MaxRanks - 1).WithErrorCode("plan.levels.by-rank.rank");
            });
            levels.RuleFor(l => l).Must(l => l.RatesByRank.Values.All(r => r is not null && r.Count == (l.Rates?.Count ?? 0)))
                .OverridePropertyName("RatesByRank").WithErrorCode("plan.levels.by-rank.length")
                .WithMessage("Every rank's level rates must have as many levels as Rates.");
        }).When(p => p.Levels is not null);

        RuleFor(p => p.Differential!).ChildRules(diff =>
        {
            diff.RuleFor(d => d.RateByRank).NotEmpty().WithErrorCode("plan.differential.empty").WithMessage("A differential rule needs a rate per rank.");
            diff.RuleFor(d => d.RateByRank.Count).LessThanOrEqualTo(MaxRanks).OverridePropertyName("RateByRank").WithErrorCode("plan.differential.too-many-ranks");
            diff.RuleFor(d => d.RateByRank).Must(NonDecreasing!).When(d => d.RateByRank is not null)
                .WithErrorCode("plan.differential.decreasing").WithMessage("Differential rates must not decrease as rank rises.");
            diff.RuleFor(d => d.PeerBonus!.MaxUplines).InclusiveBetween(1, 16).When(d => d.PeerBonus is not null)
                .OverridePropertyName("PeerBonus.MaxUplines").WithErrorCode("plan.peer.max-uplines");
        }).When(p => p.Differential is not null);

        RuleForEach(p => p.Products).ChildRules(product =>
        {
            product.RuleFor(r => r.FixedPerUnitByLevel).Must(list => list!.All(m => m.MinorUnits >= 0)).When(r => r.FixedPerUnitByLevel is not null)
                .WithErrorCode("plan.products.fixed.negative").WithMessage("Fixed amounts must not be negative.");
            product.RuleFor(r => r.FixedPerUnitByRank).Must(list => list!.All(m => m.MinorUnits >= 0)).When(r => r.FixedPerUnitByRank is not null)
                .WithErrorCode("plan.products.fixed.negative").WithMessage("Fixed amounts must not be negative.");
            product.RuleFor(r => r.FixedPerUnitByRank).Must(list => NonDecreasing(list!.Select(m => m.MinorUnits).ToList())).When(r => r.FixedPerUnitByRank is not null)
                .WithErrorCode("plan.differential.decreasing").WithMessage("Fixed differential amounts must not decrease as rank rises.");
        });
        RuleFor(p => p).Custom((plan, context) =>
        {
            var seen = new HashSet<ProductId>();
            for (var i = 0; i < plan.Products.Count; i++)
            {
                var rule = plan.Products[i];
                if (rule is null)
                {
                    continue;
                }

                if (!seen.Add(rule.Product))
                {
                    Add(context, $"Products[{i}].Product", "plan.products.duplicate", $"Product '{rule.Product}' has more than one rule.");
                }

                if (rule.FixedPerUnitByLevel is { } byLevel)
                {
                    if (byLevel.Any(m => m.Currency != plan.Currency))
                    {
                        Add(context, $"Products[{i}].FixedPerUnitByLevel", "plan.products.fixed.currency", $"Fixed amounts must be in {plan.Currency}.");
                    }

                    if (plan.Levels is null || byLevel.Count != plan.Levels.Rates.Count)
                    {
                        Add(context, $"Products[{i}].FixedPerUnitByLevel", "plan.products.fixed.length", "Fixed amounts per level need a level rule with as many levels.");
                    }
                }

                if (rule.FixedPerUnitByRank is { } byRank)
                {
                    if (byRank.Any(m => m.Currency != plan.Currency))
                    {
                        Add(context, $"Products[{i}].FixedPerUnitByRank", "plan.products.fixed.currency", $"Fixed amounts must be in {plan.Currency}.");
                    }

                    if (plan.Differential is null || byRank.Count != plan.Differential.RateByRank.Count)
                    {
                        Add(context, $"Products[{i}].FixedPerUnitByRank", "plan.products.fixed.length", "Fixed amounts per rank need a differential rule with as many ranks.");
                    }
                }
            }

            foreach (var (tier, rank) in plan.RanksByTier ?? ImmutableDictionary<string, int>.Empty)
            {
                if (string.IsNullOrWhiteSpace(tier))
                {
                    Add(context, "RanksByTier", "plan.ranks-by-tier.tier", "A tier id in RanksByTier must not be empty.");
                }
                else if (rank < 0 || rank >= Math.Min(MaxRanks, plan.Differential?.RateByRank?.Count is > 0 and var n ? n : MaxRanks))
                {
                    Add(context, $"RanksByTier.{tier}", "plan.ranks-by-tier.rank",
                        $"Tier '{tier}' is mapped to rank {rank}, which is not a rank of this plan (0 to {Math.Min(MaxRanks, plan.Differential?.RateByRank?.Count is > 0 and var m ? m : MaxRanks) - 1}).");
                }
            }

            if (plan.Cap is { } cap)
            {
                if (cap.MaxShare > Rate.One)
                {
                    Add(context, "Cap.MaxShare", "plan.cap.over-100-percent", $"A cap of {cap.MaxShare} lets an order pay more than it brought in.");
                }

                if (!Enum.IsDefined(cap.Policy))
                {
                    Add(context, "Cap.Policy", "plan.cap.policy.unknown", $"Unknown cap policy {cap.Policy}.");
                }
            }
            else
            {
                var worst = WorstCaseRatePpm(plan);
                if (worst > Rate.OneInPartsPerMillion)
                {
                    Add(context, "Rules", "plan.payout.over-100-percent",
                        $"The rules can pay {Rate.FromPartsPerMillion(Math.Min(worst, Rate.MaxPartsPerMillion))} of an order; add a cap or lower the rates.");
                }
            }
        });
    }

    /// <summary>The most the plan's rate rules can pay on one order, in parts per million (fixed amounts not included).</summary>
    /// <param name="plan">The definition, valid or not.</param>
    /// <returns>Parts per million.</returns>
    public static long WorstCaseRatePpm(CommissionPlanDefinition plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        long worst = 0;
        if (plan.Levels?.Rates is { } rates)
        {
            for (var k = 0; k < rates.Count; k++)
            {
                var max = rates[k].PartsPerMillion;
                foreach (var row in plan.Levels.RatesByRank.Values)
                {
                    if (row is not null && k < row.Count)
                    {
                        max = Math.Max(max, row[k].PartsPerMillion);
                    }
                }

                worst += max;
            }
        }

        if (plan.Differential?.RateByRank is { Count: > 0 } diff)
        {
            worst += diff.Max(r => r.PartsPerMillion);
            if (plan.Differential.PeerBonus is { } peer)
            {
                worst += peer.Rate.PartsPerMillion * peer.MaxUplines;
            }
        }

        worst += plan.SelfPurchaseRebate?.PartsPerMillion ?? 0;
        return worst;
    }

    private static bool NonDecreasing(IReadOnlyList<Rate> rates)
    {
        for (var i = 1; i < rates.Count; i++)
        {
            if (rates[i] < rates[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    private static bool NonDecreasing(List<long> values)
    {
        for (var i = 1; i < values.Count; i++)
        {
            if (values[i] < values[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    private static void Add(ValidationContext<CommissionPlanDefinition> context, string path, string code, string message)
        => context.AddFailure(new FluentValidation.Results.ValidationFailure(path, message) { ErrorCode = code });
}
