using System.Collections.Immutable;
using CommunityModel.Commissions;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Compliance;

/// <summary>
/// What the compliance checks know about how a plan is operated, beyond the plan itself: the holding
/// period of the payout ledger, the refund window promised to customers, how often payouts are made, the
/// margin the business states, and which products are qualification purchases (sign-up, upgrade, entry).
/// Validated by <see cref="ComplianceContextValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record ComplianceContext
{
    /// <summary>
    /// Every problem of this ComplianceContext (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new ComplianceContextValidator(), this);

    /// <summary>The plan to check.</summary>
    public required CommissionPlan Plan { get; init; }

    /// <summary>The payout ledger's holding period (commissions pending until it passes); null when unknown.</summary>
    public Period? HoldingPeriod { get; init; }

    /// <summary>The refund window promised to customers (the seed store: 2 months, no questions); null when unknown.</summary>
    public Period? RefundWindow { get; init; }

    /// <summary>How often earned commissions are paid out (for example one month); null when unknown.</summary>
    public Period? PayoutInterval { get; init; }

    /// <summary>The gross margin the business states: what it can afford to pay out of an order; null when not stated.</summary>
    public Rate? StatedMargin { get; init; }

    /// <summary>
    /// Products whose purchase is a sign-up, an upgrade or a qualification (a membership card, a partner pack,
    /// an entry fee). Paying commission on them is paying for recruitment.
    /// </summary>
    public ImmutableHashSet<ProductId> QualificationProducts { get; init; } = [];

    /// <summary>True when a member must buy something to gain the right to earn or to recruit (an entry fee).</summary>
    public bool EarningRequiresPurchase { get; init; }

    /// <summary>Typical unit prices, used to turn fixed per-unit amounts into a share of the order.</summary>
    public ImmutableDictionary<ProductId, Money> UnitPrices { get; init; } = ImmutableDictionary<ProductId, Money>.Empty;

    /// <summary>
    /// A context for a plan with the qualification products and unit prices read off a product ladder: the
    /// products of every rung that unlocks a tier or has the partnership role are qualification products,
    /// and each product's unit price is its rung's lowest price.
    /// </summary>
    /// <param name="plan">A plan built by <see cref="CommissionPlan.Create"/> (so already valid).</param>
    /// <param name="ladder">The store's product ladder, when the rules about entry products and retail share should be checked; null leaves them not evaluated.</param>
    /// <returns>The context; set the periods and margin with <c>with</c>.</returns>
    public static ComplianceContext ForPlan(CommissionPlan plan, ProductLadder? ladder = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var context = new ComplianceContext { Plan = plan };
        if (ladder is null)
        {
            return context;
        }

        var qualification = ImmutableHashSet.CreateBuilder<ProductId>();
        var prices = ImmutableDictionary.CreateBuilder<ProductId, Money>();
        foreach (var rung in ladder.Rungs)
        {
            foreach (var product in rung.Products)
            {
                prices[product] = rung.Price.Min;
                if (rung.UnlocksTier is not null || rung.Role == RungRole.Partnership)
                {
                    qualification.Add(product);
                }
            }
        }

        return context with { QualificationProducts = qualification.ToImmutable(), UnitPrices = prices.ToImmutable() };
    }
}

/// <summary>
/// Validates a <see cref="ComplianceContext"/>. Error codes: <c>compliance.period.negative</c>,
/// <c>compliance.margin.range</c>, <c>compliance.price.currency</c>, <c>compliance.price.positive</c>.
/// </summary>
internal sealed class ComplianceContextValidator : AbstractValidator<ComplianceContext>
{
    /// <summary>Creates the validator.</summary>
    public ComplianceContextValidator()
    {
        RuleFor(c => c.Plan).NotNull().WithErrorCode("compliance.plan.missing");
        RuleFor(c => c.HoldingPeriod).Must(NotNegative).WithErrorCode("compliance.period.negative").WithMessage("The holding period must not be negative.");
        RuleFor(c => c.RefundWindow).Must(NotNegative).WithErrorCode("compliance.period.negative").WithMessage("The refund window must not be negative.");
        RuleFor(c => c.PayoutInterval).Must(p => p is null || PeriodSpan.MinDays(p) > 0).WithErrorCode("compliance.period.negative").WithMessage("The payout interval must be positive.");
        RuleFor(c => c.StatedMargin).Must(m => m is null || (m.Value.PartsPerMillion > 0 && m.Value <= Rate.One))
            .WithErrorCode("compliance.margin.range").WithMessage("The stated margin must be above 0% and at most 100%.");
        RuleForEach(c => c.UnitPrices).Must((c, p) => c.Plan is null || p.Value.Currency == c.Plan.Currency)
            .WithErrorCode("compliance.price.currency").WithMessage((c, p) => $"The unit price of {p.Key} is in {p.Value.Currency.Code}, the plan in {c.Plan.Currency.Code}.");
        RuleForEach(c => c.UnitPrices).Must(p => p.Value.MinorUnits > 0)
            .WithErrorCode("compliance.price.positive").WithMessage((c, p) => $"The unit price of {p.Key} must be positive.");
    }

    private static bool NotNegative(Period? p) => p is null || PeriodSpan.MinDays(p) >= 0;
}

/// <summary>
/// A commission run to check against the rules that need data: what each earner was paid and what each
/// earner sold directly to consumers.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Run">The detailed run.</param>
/// <param name="Statuses">The ranks and active flags the run used.</param>
/// <param name="ParticipantMinimumRank">
/// The lowest rank that counts as a participant (a distributor) rather than an end user, for the retail-share
/// rule; buyers below it are customers.
/// </param>
public sealed record RunEvidence(CommissionRun Run, MemberStatuses Statuses, int ParticipantMinimumRank)
{
    /// <summary>
    /// Each member's own direct sales to consumers, in minor units by tree index: the orders of the buyers the
    /// member referred directly (sponsor as of the order) who are below <see cref="ParticipantMinimumRank"/>.
    /// </summary>
    /// <returns>Minor units per member.</returns>
    public long[] OwnDirectSales()
    {
        var tree = Statuses.Tree;
        var sales = new long[tree.Count];
        foreach (var order in Run.Orders)
        {
            var buyer = tree.IndexOf(order.Buyer);
            if (Statuses.Ranks[buyer] >= ParticipantMinimumRank)
            {
                continue;
            }

            var sponsor = tree.SponsorIndexAsOf(buyer, order.PaidAt);
            if (sponsor >= 0)
            {
                sales[sponsor] = checked(sales[sponsor] + order.Amount.MinorUnits);
            }
        }

        return sales;
    }
}
