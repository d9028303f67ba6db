using System.Collections.Immutable;
using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

/// <summary>How a level rule treats an ineligible upline.</summary>
public enum Compression
{
    /// <summary>The ineligible upline's level is skipped and its share is kept by the company.</summary>
    None = 0,

    /// <summary>Levels are counted among eligible uplines only: the next eligible upline takes the level.</summary>
    Dynamic = 1,
}

/// <summary>How a per-order cap cuts the lines of an order that pays more than the cap.</summary>
public enum CapPolicy
{
    /// <summary>The lines farthest from the buyer are cut first, then the next nearer, and so on.</summary>
    DeepestFirst = 0,

    /// <summary>Every line is cut in proportion, exactly to the minor unit (largest remainder).</summary>
    ProRata = 1,
}

/// <summary>Which rule produced a commission line.</summary>
public enum CommissionRuleKind
{
    /// <summary>The level (unilevel) rule.</summary>
    Level = 0,

    /// <summary>The rank differential rule (级差).</summary>
    Differential = 1,

    /// <summary>The peer bonus (平级奖) of the differential rule.</summary>
    PeerBonus = 2,

    /// <summary>The self-purchase rebate.</summary>
    SelfPurchaseRebate = 3,
}

/// <summary>
/// The level (unilevel) rule: upline level k (1 = the buyer's sponsor) earns rate k of the order.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record LevelRule
{
    /// <summary>The rate per upline level, level 1 first.</summary>
    public required IReadOnlyList<Rate> Rates { get; init; }

    /// <summary>Optional per-rank rates that replace <see cref="Rates"/> for an earner of that rank (same length).</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<Rate>> RatesByRank { get; init; } = new Dictionary<int, IReadOnlyList<Rate>>();

    /// <summary>The lowest rank that earns from this rule.</summary>
    public int MinimumRank { get; init; }

    /// <summary>When true, an inactive upline does not earn.</summary>
    public bool RequireActive { get; init; } = true;

    /// <summary>What happens at an ineligible upline.</summary>
    public Compression Compression { get; init; } = Compression.None;
}

/// <summary>The peer bonus (平级奖) of a differential rule.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Rate">The rate of the order paid to each peer.</param>
/// <param name="MaxUplines">How many peers at most are paid per order: the first ones up the chain.</param>
public sealed record PeerBonus(Rate Rate, int MaxUplines = 1);

/// <summary>
/// The rank differential rule (级差): each eligible upline earns its rank's rate minus the highest rate
/// already paid below it on the chain. With a <see cref="PeerBonus"/>, an upline whose rank equals the
/// highest rank paid below earns the peer rate, for the first <see cref="PeerBonus.MaxUplines"/> such uplines.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record DifferentialRule
{
    /// <summary>The rate of each rank, rank 0 first; must not decrease with rank.</summary>
    public required IReadOnlyList<Rate> RateByRank { get; init; }

    /// <summary>The optional peer bonus.</summary>
    public PeerBonus? PeerBonus { get; init; }

    /// <summary>When true, an inactive upline does not earn and is passed over (dynamic compression).</summary>
    public bool RequireActive { get; init; } = true;
}

/// <summary>How one product pays commissions.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record ProductRule
{
    /// <summary>The product the rule applies to.</summary>
    public required ProductId Product { get; init; }

    /// <summary>False for products that pay no commission at all (e.g. a membership or partner qualification product).</summary>
    public bool Commissionable { get; init; } = true;

    /// <summary>When set, level k earns this fixed amount per unit instead of the level rule's rate.</summary>
    public IReadOnlyList<Money>? FixedPerUnitByLevel { get; init; }

    /// <summary>When set, the differential rule works on these fixed amounts per unit per rank instead of its rates.</summary>
    public IReadOnlyList<Money>? FixedPerUnitByRank { get; init; }
}

/// <summary>A cap on what one order may pay in total.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MaxShare">The largest share of the order amount paid out in total.</param>
/// <param name="Policy">How lines are cut when the cap binds.</param>
public sealed record OrderCap(Rate MaxShare, CapPolicy Policy = CapPolicy.DeepestFirst);

/// <summary>
/// A commission plan as people write it. Build the immutable, validated <see cref="CommissionPlan"/>
/// with <see cref="CommissionPlan.Create"/>; <see cref="CommissionPlanValidator"/> reports every problem at once.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record CommissionPlanDefinition
{
    /// <summary>
    /// Every problem of this CommissionPlanDefinition (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new CommissionPlanValidator(), this);

    /// <summary>The plan's name.</summary>
    public required string Name { get; init; }

    /// <summary>The currency every order and fixed amount must be in.</summary>
    public required Currency Currency { get; init; }

    /// <summary>How each line is rounded to the minor unit; the remainder stays with the company.</summary>
    public RoundingMode Rounding { get; init; } = RoundingMode.Floor;

    /// <summary>The level rule, if any.</summary>
    public LevelRule? Levels { get; init; }

    /// <summary>The differential rule, if any.</summary>
    public DifferentialRule? Differential { get; init; }

    /// <summary>Per-product rules; products not listed are commissionable at the rules' rates.</summary>
    public IReadOnlyList<ProductRule> Products { get; init; } = [];

    /// <summary>An optional per-order cap. Without one, an order never pays more than 100% of its amount.</summary>
    public OrderCap? Cap { get; init; }

    /// <summary>A rebate to the buyer on their own purchase; null (off) by default.</summary>
    public Rate? SelfPurchaseRebate { get; init; }

    /// <summary>When true, the rebate is paid only to an active buyer.</summary>
    public bool RebateRequiresActive { get; init; } = true;

    /// <summary>
    /// The rank this plan pays each membership tier at, by tier id (<c>"partner": 3</c>): how a store that
    /// decides ranks by its membership tiers turns a member's tier into the rank its rules read
    /// (<see cref="Membership.MembershipPolicy.RanksFor"/>). Empty when the plan is given ranks directly.
    /// </summary>
    public IReadOnlyDictionary<string, int> RanksByTier { get; init; } = ImmutableDictionary<string, int>.Empty;
}
