using System.Collections.Immutable;
using System.Text.Json.Serialization;
using CommunityModel.Primitives;

namespace CommunityModel.Membership;

/// <summary>
/// A condition for qualifying for or retaining a tier. Leaves count facts in a <see cref="MembershipWindow"/>;
/// <see cref="AllOf"/> and <see cref="AnyOf"/> (or the <c>&amp;</c> and <c>|</c> operators) compose them.
/// Every condition can be met by facts a member can bring about: none of them is a quota or a slot.
/// In JSON a condition is an object whose <c>type</c> names it (<c>spendAtLeast</c>, <c>ordersAtLeast</c>,
/// <c>boughtProduct</c>, <c>boughtRung</c>, <c>directReferralsWhoBought</c>, <c>teamSpendAtLeast</c>,
/// <c>hasPaidMembership</c>, <c>grantedManually</c>, <c>allOf</c>, <c>anyOf</c>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(SpendAtLeast), "spendAtLeast")]
[JsonDerivedType(typeof(OrdersAtLeast), "ordersAtLeast")]
[JsonDerivedType(typeof(BoughtProduct), "boughtProduct")]
[JsonDerivedType(typeof(BoughtRung), "boughtRung")]
[JsonDerivedType(typeof(DirectReferralsWhoBought), "directReferralsWhoBought")]
[JsonDerivedType(typeof(TeamSpendAtLeast), "teamSpendAtLeast")]
[JsonDerivedType(typeof(HasPaidMembership), "hasPaidMembership")]
[JsonDerivedType(typeof(GrantedManually), "grantedManually")]
[JsonDerivedType(typeof(AllOf), "allOf")]
[JsonDerivedType(typeof(AnyOf), "anyOf")]
public abstract record TierCondition
{
    /// <summary>Both conditions.</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>An <see cref="AllOf"/>.</returns>
    public static TierCondition operator &(TierCondition left, TierCondition right) => And(left, right);

    /// <summary>Either condition.</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>An <see cref="AnyOf"/>.</returns>
    public static TierCondition operator |(TierCondition left, TierCondition right) => Or(left, right);

    /// <summary>Both conditions (the named form of <c>&amp;</c>).</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>An <see cref="AllOf"/>.</returns>
    public static TierCondition And(TierCondition left, TierCondition right) =>
        new AllOf([Preconditions.NotNull(left), Preconditions.NotNull(right)]);

    /// <summary>Either condition (the named form of <c>|</c>).</summary>
    /// <param name="left">The first.</param>
    /// <param name="right">The second.</param>
    /// <returns>An <see cref="AnyOf"/>.</returns>
    public static TierCondition Or(TierCondition left, TierCondition right) =>
        new AnyOf([Preconditions.NotNull(left), Preconditions.NotNull(right)]);

    /// <summary>The condition in words, e.g. "spend at least CNY 1,000.00 this calendar month".</summary>
    /// <returns>The text.</returns>
    public abstract string Describe();
}

/// <summary>The member's own net spend (orders minus refunds) in the window is at least <see cref="Amount"/>.</summary>
/// <param name="Amount">The least spend.</param>
/// <param name="Window">The window.</param>
public sealed record SpendAtLeast(Money Amount, MembershipWindow Window) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => $"spend at least {Amount} {Window.Describe()}";
}

/// <summary>The member placed at least <see cref="Count"/> orders (not fully refunded) in the window.</summary>
/// <param name="Count">The least number of orders.</param>
/// <param name="Window">The window.</param>
public sealed record OrdersAtLeast(int Count, MembershipWindow Window) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => $"place at least {Count} order(s) {Window.Describe()}";
}

/// <summary>The member bought the product (an order not fully refunded) in the window.</summary>
/// <param name="Product">The product.</param>
/// <param name="Window">The window.</param>
public sealed record BoughtProduct(ProductId Product, MembershipWindow Window) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => $"buy product {Product} {Window.Describe()}";
}

/// <summary>The member bought a product of the ladder rung (an order not fully refunded) in the window.</summary>
/// <param name="RungId">The rung's id on the policy's ladder.</param>
/// <param name="Window">The window.</param>
public sealed record BoughtRung(string RungId, MembershipWindow Window) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => $"buy a product of rung '{RungId}' {Window.Describe()}";
}

/// <summary>
/// At least <see cref="Count"/> of the member's direct referrals (sponsor as of the evaluation instant) placed
/// an order (not fully refunded) in the window.
/// </summary>
/// <param name="Count">The least number of referred buyers.</param>
/// <param name="Window">The window (the sponsor's window when it is an anniversary).</param>
public sealed record DirectReferralsWhoBought(int Count, MembershipWindow Window) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => $"have at least {Count} direct referral(s) who bought {Window.Describe()}";
}

/// <summary>
/// The net spend of the member's whole downline (links as of the evaluation instant, the member's own spend
/// excluded) in the window is at least <see cref="Amount"/>. The window must be the same for all members
/// (not an anniversary).
/// </summary>
/// <param name="Amount">The least team spend.</param>
/// <param name="Window">The window.</param>
public sealed record TeamSpendAtLeast(Money Amount, MembershipWindow Window) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => $"have a team spend of at least {Amount} {Window.Describe()}";
}

/// <summary>The member holds a paid membership in force (for the named tier, or any tier when null).</summary>
/// <param name="TierId">The paid tier, or null for any.</param>
public sealed record HasPaidMembership(string? TierId = null) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => TierId is null ? "hold a paid membership" : $"hold a paid '{TierId}' membership";
}

/// <summary>A manual grant of the tier being evaluated is in force (see <see cref="MembershipBook.Grant"/>).</summary>
public sealed record GrantedManually : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => "be granted the tier by hand";
}

/// <summary>Every one of the conditions.</summary>
/// <param name="Conditions">The conditions (at least one).</param>
public sealed record AllOf(ImmutableArray<TierCondition> Conditions) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => "(" + string.Join(" and ", Conditions.Select(c => c.Describe())) + ")";
}

/// <summary>At least one of the conditions.</summary>
/// <param name="Conditions">The conditions (at least one).</param>
public sealed record AnyOf(ImmutableArray<TierCondition> Conditions) : TierCondition
{
    /// <inheritdoc />
    public override string Describe() => "(" + string.Join(" or ", Conditions.Select(c => c.Describe())) + ")";
}
