using NodaTime;

namespace CommunityModel.Primitives;

/// <summary>A paid order: the fact commissions, ladders and scoring are computed from.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Id">The order's key.</param>
/// <param name="Buyer">Who bought.</param>
/// <param name="Product">What was bought.</param>
/// <param name="Amount">The amount paid (not negative).</param>
/// <param name="PaidAt">When it was paid.</param>
/// <param name="Quantity">How many units (at least 1); fixed per-unit commissions multiply by it.</param>
public sealed record Order(OrderId Id, MemberId Buyer, ProductId Product, Money Amount, Instant PaidAt, int Quantity = 1)
{
    /// <summary>The order's id; a <c>default</c> id is refused.</summary>
    public OrderId Id { get; init; } = StringIds.Required(Id, nameof(Id));

    /// <summary>Who bought; a <c>default</c> id is refused.</summary>
    public MemberId Buyer { get; init; } = StringIds.Required(Buyer, nameof(Buyer));

    /// <summary>What was bought; a <c>default</c> id is refused.</summary>
    public ProductId Product { get; init; } = StringIds.Required(Product, nameof(Product));
}
