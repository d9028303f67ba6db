using CommunityModel.Commissions;
using CommunityModel.Conditions;
using System.Collections.Immutable;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using FluentValidation;
using FluentValidation.Results;
using NodaTime;

namespace CommunityModel.Membership;

/// <summary>How far a downgrade goes when a member no longer meets a tier's retain conditions.</summary>
public enum DowngradeMode
{
    /// <summary>One tier down per period evaluation.</summary>
    OneTierAtATime = 0,

    /// <summary>Straight to the highest lower tier the facts support (its qualify or retain conditions hold).</summary>
    StraightToSupported = 1,
}

/// <summary>
/// The privileges of a tier. A member enjoys the privileges of their tier and of every tier below it; when
/// several give a price for a product, the lowest price wins (see <see cref="MembershipPolicy.PriceFor"/>).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record TierPrivileges
{
    /// <summary>A discount off the list price of every product (zero for none).</summary>
    public Rate Discount { get; init; } = Rate.Zero;

    /// <summary>Fixed member prices per product.</summary>
    public ImmutableDictionary<ProductId, Money> MemberPrices { get; init; } = ImmutableDictionary<ProductId, Money>.Empty;

    /// <summary>The service level, e.g. "reply within 2 hours, 1:1 advisor".</summary>
    public string ServiceLevel { get; init; } = string.Empty;
}

/// <summary>One tier of a membership program.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record MembershipTier
{
    /// <summary>The tier's key, e.g. <c>member</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The name members see.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>
    /// What it takes to reach the tier; null only for the base tier (the first). A tier condition is built of
    /// <see cref="SpendAtLeast"/>, <see cref="OrdersAtLeast"/>, <see cref="BoughtProduct"/>, <see cref="BoughtRung"/>,
    /// <see cref="DirectReferralsWhoBought"/>, <see cref="TeamSpendAtLeast"/>, <see cref="HasPaidMembership"/> and
    /// <see cref="GrantedManually"/>, composed with <see cref="AllOf"/> and <see cref="AnyOf"/>; each counts facts a
    /// member can bring about, so no <see cref="Not"/> (code <c>membership.condition.not</c>).
    /// </summary>
    public Condition? Qualify { get; init; }

    /// <summary>What it takes to keep the tier at a period evaluation; null means the qualify conditions (保级 may be lower).</summary>
    public Condition? Retain { get; init; }

    /// <summary>The tier's privileges.</summary>
    public TierPrivileges Privileges { get; init; } = new();
}

/// <summary>A paid membership: buying <see cref="Product"/> grants <see cref="TierId"/> for <see cref="Term"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Product">The product that is the membership fee.</param>
/// <param name="TierId">The tier it grants.</param>
/// <param name="Term">How long, from the purchase or from the end of the running term when bought again (in the program's zone).</param>
public sealed record PaidMembershipPlan(ProductId Product, string TierId, Period Term);

/// <summary>A price and the privilege that gave it.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Price">The price the member pays.</param>
/// <param name="ListPrice">The list price.</param>
/// <param name="TierId">The tier whose privilege gave the price, or null for the list price.</param>
/// <param name="Source">Which privilege: "list price", "member price" or "discount".</param>
public sealed record PriceQuote(Money Price, Money ListPrice, string? TierId, string Source);

/// <summary>
/// A membership policy: tiers in order (the first is the base tier everyone holds), the rules of up- and
/// downgrades, paid memberships, and the program's zone. Versioned by <see cref="EffectiveFrom"/>; a new
/// version applies from its date and never rewrites history. Build with <see cref="Create"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record MembershipPolicy
{
    /// <summary>
    /// Every problem of this MembershipPolicy (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new MembershipPolicyValidator(), this);

    /// <summary>The version tier changes cite.</summary>
    public required string Version { get; init; }

    /// <summary>When this version takes effect.</summary>
    public required Instant EffectiveFrom { get; init; }

    /// <summary>The program's zone (IANA id); periods are built in it.</summary>
    public string ZoneId { get; init; } = "Asia/Shanghai";

    /// <summary>The currency of every amount.</summary>
    public required Currency Currency { get; init; }

    /// <summary>The tiers, lowest first; the first has no conditions.</summary>
    public required ImmutableArray<MembershipTier> Tiers { get; init; }

    /// <summary>No downgrade until this long after reaching a tier (zero for none).</summary>
    public Period MinimumTierDuration { get; init; } = Period.Zero;

    /// <summary>After retain conditions first fail, the member keeps the tier this much longer (zero for none).</summary>
    public Period GracePeriod { get; init; } = Period.Zero;

    /// <summary>How far a downgrade goes.</summary>
    public DowngradeMode Downgrade { get; init; } = DowngradeMode.OneTierAtATime;

    /// <summary>Paid memberships, run as their own track.</summary>
    public ImmutableArray<PaidMembershipPlan> PaidPlans { get; init; } = [];

    /// <summary>
    /// The product ladder, or null. <see cref="BoughtRung"/> conditions name its rungs, and a rung that unlocks a
    /// tier adds "bought a product of this rung in the <see cref="RungUnlockWindow"/>" as one more way to
    /// qualify for that tier.
    /// </summary>
    public ProductLadder? Ladder { get; init; }

    /// <summary>How long buying an unlocking rung keeps qualifying for its tier (default: the last 365 days).</summary>
    public MembershipWindow RungUnlockWindow { get; init; } = MembershipWindow.Rolling(365);

    /// <summary>The zone, resolved.</summary>
    public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[ZoneId];

    /// <summary>Validates and returns the policy.</summary>
    /// <param name="policy">The policy to check; returned as it is when valid (it is an immutable record).</param>
    /// <returns>The same policy.</returns>
    /// <exception cref="InvalidInputException">Every problem, with its property path and code.</exception>
    public static MembershipPolicy Create(MembershipPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Validation.Check(new MembershipPolicyValidator(), policy);
        return policy;
    }

    /// <summary>Validates a policy without throwing: the policy itself when valid, or every problem.</summary>
    /// <param name="policy">The policy to check; returned as it is when valid (it is an immutable record).</param>
    /// <param name="valid">The policy when it is valid; otherwise null.</param>
    /// <param name="problems">Every problem (codes <c>membership.*</c>); empty when valid.</param>
    /// <returns>True when the policy is valid.</returns>
    public static bool TryCreate(MembershipPolicy policy, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MembershipPolicy? valid, out IReadOnlyList<Problem> problems)
    {
        ArgumentNullException.ThrowIfNull(policy);
        problems = policy.Validate();
        valid = problems.Count == 0 ? policy : null;
        return valid is not null;
    }

    /// <summary>
    /// The rank a commission plan pays each tier of this policy at (index = the tier's place in
    /// <see cref="Tiers"/>), from the plan's <see cref="CommissionPlanDefinition.RanksByTier"/>.
    /// </summary>
    /// <param name="plan">The plan that pays by rank.</param>
    /// <returns>One rank per tier.</returns>
    /// <exception cref="InvalidInputException">Every tier the plan does not map (<c>plan.ranks-by-tier.unmapped</c>) and every mapped id that is not a tier of the policy (<c>plan.ranks-by-tier.unknown-tier</c>), at once.</exception>
    public int[] RanksFor(CommissionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var map = plan.Definition.RanksByTier;
        var policy = this;
        var problems = new List<Problem>();
        var ranks = new int[policy.Tiers.Length];
        for (var t = 0; t < ranks.Length; t++)
        {
            var id = policy.Tiers[t].Id;
            if (map.TryGetValue(id, out var rank))
            {
                ranks[t] = rank;
            }
            else
            {
                problems.Add(new Problem("plan.ranks-by-tier.unmapped", "RanksByTier",
                    $"The plan '{plan.Name}' does not say which rank tier '{id}' of membership policy '{policy.Version}' is paid at; add \"{id}\": <rank> to its ranksByTier."));
            }
        }

        foreach (var id in map.Keys)
        {
            if (policy.IndexOf(id) < 0)
            {
                problems.Add(new Problem("plan.ranks-by-tier.unknown-tier", $"RanksByTier.{id}",
                    $"The plan '{plan.Name}' maps tier '{id}', which membership policy '{policy.Version}' does not have (its tiers: {string.Join(", ", policy.Tiers.Select(t => t.Id))})."));
            }
        }

        return problems.Count == 0 ? ranks : throw new InvalidInputException(problems);
    }

    /// <summary>The index of a tier, or -1.</summary>
    /// <param name="tierId">The tier id.</param>
    /// <returns>The index (0 is the base tier) or -1.</returns>
    public int IndexOf(string tierId)
    {
        for (var i = 0; i < Tiers.Length; i++)
        {
            if (string.Equals(Tiers[i].Id, tierId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The best price a member of a tier pays for a product: the lowest of the list price, and of the member
    /// prices and discounts of the tier and every tier below it. A discount takes off the list price times the
    /// rate rounded down to the minor unit. On equal prices the higher tier's privilege is named.
    /// </summary>
    /// <param name="tierIndex">The member's tier.</param>
    /// <param name="product">A product; the best of its member price and the tier's discount applies.</param>
    /// <param name="listPrice">Its list price.</param>
    /// <returns>The price and which privilege gave it.</returns>
    public PriceQuote PriceFor(int tierIndex, ProductId product, Money listPrice)
    {
        if (tierIndex < 0 || tierIndex >= Tiers.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(tierIndex), tierIndex, $"The policy has tiers 0..{Tiers.Length - 1}.");
        }

        var best = new PriceQuote(listPrice, listPrice, null, "list price");
        for (var k = tierIndex; k >= 0; k--)
        {
            var p = Tiers[k].Privileges;
            if (p.MemberPrices.TryGetValue(product, out var memberPrice) && memberPrice < best.Price)
            {
                best = new PriceQuote(memberPrice, listPrice, Tiers[k].Id, "member price");
            }

            if (!p.Discount.IsZero)
            {
                var discounted = listPrice - p.Discount.Apply(listPrice, RoundingMode.Floor);
                if (discounted < best.Price)
                {
                    best = new PriceQuote(discounted, listPrice, Tiers[k].Id, $"discount {p.Discount.Percent:0.##}%");
                }
            }
        }

        return best;
    }

    /// <summary>The conditions that qualify for a tier, with the ladder's unlocking rungs added.</summary>
    /// <param name="tierIndex">A tier's position in <see cref="Tiers"/> (0 is the base tier).</param>
    /// <returns>The effective qualify condition, or null for the base tier.</returns>
    public Condition? EffectiveQualify(int tierIndex)
    {
        var tier = Tiers[tierIndex];
        if (tierIndex == 0 || Ladder is null)
        {
            return tier.Qualify;
        }

        var result = tier.Qualify;
        foreach (var rung in Ladder.Rungs)
        {
            if (string.Equals(rung.UnlocksTier, tier.Id, StringComparison.Ordinal))
            {
                var viaRung = new BoughtRung(rung.Id, RungUnlockWindow);
                result = result is null ? viaRung : new AnyOf([result, viaRung]);
            }
        }

        return result;
    }

    /// <summary>The conditions that keep a tier: the retain conditions, or the effective qualify conditions.</summary>
    /// <param name="tierIndex">A tier's position in <see cref="Tiers"/> (0 is the base tier).</param>
    /// <returns>The condition, or null for the base tier.</returns>
    public Condition? EffectiveRetain(int tierIndex) => Tiers[tierIndex].Retain ?? EffectiveQualify(tierIndex);
}

/// <summary>
/// Validates a <see cref="MembershipPolicy"/>. Error codes: <c>membership.version.empty</c>,
/// <c>membership.zone.unknown</c>, <c>membership.tiers.empty</c>, <c>membership.tier.id-empty</c>,
/// <c>membership.tier.id-duplicate</c>, <c>membership.base.conditional</c>, <c>membership.tier.no-qualify</c>,
/// <c>membership.condition.null</c>, <c>membership.condition.empty</c>, <c>membership.condition.range</c>,
/// <c>membership.condition.currency</c>, <c>membership.window.range</c>, <c>membership.window.team-anniversary</c>,
/// <c>membership.rung.unknown</c>, <c>membership.tier.unknown</c>, <c>membership.duration.negative</c>,
/// <c>membership.paid.term</c>, <c>membership.paid.duplicate</c>, <c>membership.privilege.range</c>,
/// <c>membership.privilege.currency</c>, <c>membership.ladder.currency</c>.
/// </summary>
internal sealed class MembershipPolicyValidator : AbstractValidator<MembershipPolicy>
{
    /// <summary>Creates the validator.</summary>
    public MembershipPolicyValidator()
    {
        RuleFor(p => p.Version).NotEmpty().WithErrorCode("membership.version.empty");
        RuleFor(p => p.ZoneId).Must(z => z is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(z) is not null)
            .WithErrorCode("membership.zone.unknown").WithMessage(p => $"'{p.ZoneId}' is not an IANA time zone id.");
        RuleFor(p => p.Tiers).Must(t => !t.IsDefaultOrEmpty).WithErrorCode("membership.tiers.empty").WithMessage("A policy needs at least one tier.");
        RuleFor(p => p.MinimumTierDuration).Must(NotNegative).WithErrorCode("membership.duration.negative");
        RuleFor(p => p.GracePeriod).Must(NotNegative).WithErrorCode("membership.duration.negative");
        RuleFor(p => p).Custom(CheckTiers);
        RuleFor(p => p).Custom((p, context) => CheckWindow(p.RungUnlockWindow, "RungUnlockWindow", context));
    }

    private static bool NotNegative(Period period) =>
        period is not null && period.Years >= 0 && period.Months >= 0 && period.Weeks >= 0 && period.Days >= 0 && period.Hours >= 0 && period.Minutes >= 0 && period.Seconds >= 0;

    private static void CheckTiers(MembershipPolicy p, ValidationContext<MembershipPolicy> context)
    {
        if (p.Tiers.IsDefaultOrEmpty)
        {
            return;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < p.Tiers.Length; i++)
        {
            var tier = p.Tiers[i];
            var path = $"Tiers[{i}]";
            if (tier is null)
            {
                Fail(context, path, "membership.tier.id-empty", "A tier is missing.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(tier.Id))
            {
                Fail(context, $"{path}.Id", "membership.tier.id-empty", "A tier needs an id.");
            }
            else if (!ids.Add(tier.Id))
            {
                Fail(context, $"{path}.Id", "membership.tier.id-duplicate", $"Tier id '{tier.Id}' is used twice.");
            }

            if (i == 0 && (tier.Qualify is not null || tier.Retain is not null))
            {
                Fail(context, $"{path}.Qualify", "membership.base.conditional", $"The base tier '{tier.Id}' is everyone's and takes no conditions.");
            }

            if (i > 0 && tier.Qualify is null && !(p.Ladder?.Rungs.Any(r => string.Equals(r.UnlocksTier, tier.Id, StringComparison.Ordinal)) ?? false))
            {
                Fail(context, $"{path}.Qualify", "membership.tier.no-qualify", $"Tier '{tier.Id}' has no way to qualify (no conditions, no rung unlocks it).");
            }

            CheckCondition(p, tier.Qualify, $"{path}.Qualify", context);
            CheckCondition(p, tier.Retain, $"{path}.Retain", context);
            var privileges = tier.Privileges;
            if (privileges is not null)
            {
                if (privileges.Discount.PartsPerMillion is < 0 or > Rate.OneInPartsPerMillion)
                {
                    Fail(context, $"{path}.Privileges.Discount", "membership.privilege.range", $"Tier '{tier.Id}' has a discount outside 0..100%.");
                }

                foreach (var (product, price) in privileges.MemberPrices)
                {
                    if (price.Currency != p.Currency)
                    {
                        Fail(context, $"{path}.Privileges.MemberPrices[{product}]", "membership.privilege.currency", $"The member price of {product} is in {price.Currency}, the policy in {p.Currency}.");
                    }
                    else if (price.MinorUnits < 0)
                    {
                        Fail(context, $"{path}.Privileges.MemberPrices[{product}]", "membership.privilege.range", $"The member price of {product} is negative.");
                    }
                }
            }
        }

        var paidProducts = new HashSet<ProductId>();
        for (var i = 0; i < (p.PaidPlans.IsDefault ? 0 : p.PaidPlans.Length); i++)
        {
            var plan = p.PaidPlans[i];
            var path = $"PaidPlans[{i}]";
            if (plan is null)
            {
                Fail(context, path, "membership.paid.term", "A paid plan is missing.");
                continue;
            }

            if (p.IndexOf(plan.TierId) <= 0)
            {
                Fail(context, $"{path}.TierId", "membership.tier.unknown", $"Paid plan of {plan.Product} grants '{plan.TierId}', which is not a tier above the base.");
            }

            if (plan.Term is null || !NotNegative(plan.Term) || plan.Term.Equals(Period.Zero))
            {
                Fail(context, $"{path}.Term", "membership.paid.term", $"Paid plan of {plan.Product} needs a positive term.");
            }

            if (!paidProducts.Add(plan.Product))
            {
                Fail(context, $"{path}.Product", "membership.paid.duplicate", $"Product {plan.Product} has two paid plans.");
            }
        }

        if (p.Ladder is not null)
        {
            if (p.Ladder.Currency != p.Currency)
            {
                Fail(context, "Ladder.Currency", "membership.ladder.currency", $"The ladder is in {p.Ladder.Currency}, the policy in {p.Currency}.");
            }

            for (var r = 0; r < p.Ladder.Rungs.Length; r++)
            {
                var unlocks = p.Ladder.Rungs[r].UnlocksTier;
                if (unlocks is not null && p.IndexOf(unlocks) <= 0)
                {
                    Fail(context, $"Ladder.Rungs[{r}].UnlocksTier", "membership.tier.unknown", $"Rung '{p.Ladder.Rungs[r].Id}' unlocks '{unlocks}', which is not a tier above the base.");
                }
            }
        }
    }

    private static void CheckCondition(MembershipPolicy p, Condition? root, string rootPath, ValidationContext<MembershipPolicy> context) =>
        ConditionWalk.Check(root, rootPath, "membership.condition", allowNot: false, (path, code, message) => Fail(context, path, code, message), (c, path) =>
        {
            switch (c)
            {
                case SpendAtLeast s:
                    CheckAmount(p, s.Amount, path, context);
                    CheckWindow(s.Window, $"{path}.Window", context);
                    break;
                case TeamSpendAtLeast t:
                    CheckAmount(p, t.Amount, path, context);
                    CheckWindow(t.Window, $"{path}.Window", context);
                    if (t.Window is not null && !t.Window.IsSharedByAllMembers)
                    {
                        Fail(context, $"{path}.Window", "membership.window.team-anniversary", "Team spend needs a window shared by all members (not an anniversary).");
                    }

                    break;
                case OrdersAtLeast o:
                    CheckCount(o.Count, path, context);
                    CheckWindow(o.Window, $"{path}.Window", context);
                    break;
                case DirectReferralsWhoBought d:
                    CheckCount(d.Count, path, context);
                    CheckWindow(d.Window, $"{path}.Window", context);
                    break;
                case BoughtProduct b:
                    CheckWindow(b.Window, $"{path}.Window", context);
                    break;
                case BoughtRung r:
                    CheckWindow(r.Window, $"{path}.Window", context);
                    if (p.Ladder is null || p.Ladder.IndexOf(r.RungId) < 0)
                    {
                        Fail(context, $"{path}.RungId", "membership.rung.unknown", $"Rung '{r.RungId}' is not on the policy's ladder.");
                    }

                    break;
                case HasPaidMembership h:
                    if (h.TierId is not null && p.IndexOf(h.TierId) <= 0)
                    {
                        Fail(context, $"{path}.TierId", "membership.tier.unknown", $"'{h.TierId}' is not a tier above the base.");
                    }

                    break;
                case GrantedManually:
                    break;
                default:
                    Fail(context, path, "membership.condition.foreign", $"'{c.GetType().Name}' is not a tier condition; tiers take spendAtLeast, ordersAtLeast, boughtProduct, boughtRung, directReferralsWhoBought, teamSpendAtLeast, hasPaidMembership, grantedManually, allOf and anyOf.");
                    break;
            }
        });

    private static void CheckAmount(MembershipPolicy p, Money amount, string path, ValidationContext<MembershipPolicy> context)
    {
        if (amount.Currency != p.Currency)
        {
            Fail(context, $"{path}.Amount", "membership.condition.currency", $"{amount} is not in the policy's currency {p.Currency}.");
        }
        else if (amount.MinorUnits < 1)
        {
            Fail(context, $"{path}.Amount", "membership.condition.range", $"{amount} must be at least one minor unit.");
        }
    }

    private static void CheckCount(int count, string path, ValidationContext<MembershipPolicy> context)
    {
        if (count is < 1 or > 1_000_000)
        {
            Fail(context, $"{path}.Count", "membership.condition.range", $"A count of {count} is outside 1..1,000,000.");
        }
    }

    private static void CheckWindow(MembershipWindow? window, string path, ValidationContext<MembershipPolicy> context)
    {
        if (window is null)
        {
            Fail(context, path, "membership.window.range", "A window is missing.");
        }
        else if (window.Kind == WindowKind.RollingDays ? window.Days is < 1 or > 3660 : window.Days != 0)
        {
            Fail(context, path, "membership.window.range", $"A {window.Kind} window with {window.Days} days: rolling windows take 1..3660 days, others none.");
        }
        else if (!Enum.IsDefined(window.Kind))
        {
            Fail(context, path, "membership.window.range", $"Unknown window kind {window.Kind}.");
        }
    }

    private static void Fail(ValidationContext<MembershipPolicy> context, string path, string code, string message) =>
        context.AddFailure(new ValidationFailure(path, message) { ErrorCode = code });
}
