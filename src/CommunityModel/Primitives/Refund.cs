using NodaTime;

namespace CommunityModel.Primitives;

/// <summary>A refund of part or all of an order: it reverses the spend the order brought.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Id">The refund's key.</param>
/// <param name="Order">The order refunded.</param>
/// <param name="Amount">The amount given back (positive, at most what remains of the order).</param>
/// <param name="At">When it was refunded.</param>
public sealed record Refund(RefundId Id, OrderId Order, Money Amount, Instant At)
{
    /// <summary>The refund's id; a <c>default</c> id is refused.</summary>
    public RefundId Id { get; init; } = StringIds.Required(Id, nameof(Id));

    /// <summary>The order refunded; a <c>default</c> id is refused.</summary>
    public OrderId Order { get; init; } = StringIds.Required(Order, nameof(Order));
}

/// <summary>A refund names an order that is not in the stream.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Refund">The refund that names it.</param>
/// <param name="Order">The order it names.</param>
public sealed record RefundForUnknownOrderRule(RefundId Refund, OrderId Order) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "refund.order.unknown";

    /// <inheritdoc />
    public string Message => $"Refund {Refund} names order {Order}, which is not among the orders given.";
}

/// <summary>A refund is not positive or takes back more than remains of its order.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Refund">The refund refused.</param>
/// <param name="Order">The order it names.</param>
/// <param name="Amount">The refund's amount.</param>
/// <param name="Remaining">What remained of the order.</param>
public sealed record RefundMustNotExceedOrderRule(RefundId Refund, OrderId Order, Money Amount, Money Remaining) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "refund.amount.invalid";

    /// <inheritdoc />
    public string Message => $"Refund {Refund} of {Amount} on order {Order} must be positive and at most the {Remaining} that remains.";
}

/// <summary>An order's buyer is not a member of the referral tree.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Order">The order refused.</param>
/// <param name="Buyer">Its buyer.</param>
public sealed record BuyerMustBeAMemberRule(OrderId Order, MemberId Buyer) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "order.buyer.unknown";

    /// <inheritdoc />
    public string Message => $"Order {Order} was bought by {Buyer}, who is not a member of the referral tree; add the member first.";
}
