using CommunityModel.Conditions;
using CommunityModel.Primitives;

namespace CommunityModel.Membership;

// The leaves of tier conditions (MembershipTier.Qualify and Retain): each counts facts a member can bring about
// in a MembershipWindow; AllOf and AnyOf compose them (no Not: a tier must be reachable). Validated in MembershipPolicy.

/// <summary>The member's own net spend (orders minus refunds) in the window is at least <see cref="Amount"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Amount">The least spend.</param>
/// <param name="Window">The window the facts are counted in, ending at the evaluation instant (<c>[start, t)</c> in the program's zone).</param>
public sealed record SpendAtLeast(Money Amount, MembershipWindow Window) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"spend at least {Amount} {Window.Describe()}";
}

/// <summary>The member placed at least <see cref="Count"/> orders (not fully refunded) in the window.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Count">The least number of orders.</param>
/// <param name="Window">The window the facts are counted in, ending at the evaluation instant (<c>[start, t)</c> in the program's zone).</param>
public sealed record OrdersAtLeast(int Count, MembershipWindow Window) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"place at least {Count} order(s) {Window.Describe()}";
}

/// <summary>The member bought the product (an order not fully refunded) in the window.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Product">The product to have bought.</param>
/// <param name="Window">The window the facts are counted in, ending at the evaluation instant (<c>[start, t)</c> in the program's zone).</param>
public sealed record BoughtProduct(ProductId Product, MembershipWindow Window) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"buy product {Product} {Window.Describe()}";
}

/// <summary>The member bought a product of the ladder rung (an order not fully refunded) in the window.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="RungId">The rung's id on the policy's ladder.</param>
/// <param name="Window">The window the facts are counted in, ending at the evaluation instant (<c>[start, t)</c> in the program's zone).</param>
public sealed record BoughtRung(string RungId, MembershipWindow Window) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"buy a product of rung '{RungId}' {Window.Describe()}";
}

/// <summary>
/// At least <see cref="Count"/> of the member's direct referrals (sponsor as of the evaluation instant) placed
/// an order (not fully refunded) in the window.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Count">The least number of referred buyers.</param>
/// <param name="Window">The window (the sponsor's window when it is an anniversary).</param>
public sealed record DirectReferralsWhoBought(int Count, MembershipWindow Window) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"have at least {Count} direct referral(s) who bought {Window.Describe()}";
}

/// <summary>
/// The net spend of the member's whole downline (links as of the evaluation instant, the member's own spend
/// excluded) in the window is at least <see cref="Amount"/>. The window must be the same for all members
/// (not an anniversary).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Amount">The least team spend.</param>
/// <param name="Window">The window the facts are counted in, ending at the evaluation instant (<c>[start, t)</c> in the program's zone).</param>
public sealed record TeamSpendAtLeast(Money Amount, MembershipWindow Window) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"have a team spend of at least {Amount} {Window.Describe()}";
}

/// <summary>The member holds a paid membership in force (for the named tier, or any tier when null).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="TierId">The paid tier, or null for any.</param>
public sealed record HasPaidMembership(string? TierId = null) : Condition
{
    /// <inheritdoc />
    public override string Describe() => TierId is null ? "hold a paid membership" : $"hold a paid '{TierId}' membership";
}

/// <summary>A manual grant of the tier being evaluated is in force (see <see cref="MembershipBook.Grant"/>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record GrantedManually : Condition
{
    /// <inheritdoc />
    public override string Describe() => "be granted the tier by hand";
}
