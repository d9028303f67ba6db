using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Commissions;

/// <summary>
/// One entry of the payout ledger without its explanation: what <see cref="PayoutLedger.FieldsOf"/> reads from the
/// ledger's columns without allocating. The explanation of the same entry is written on request by
/// <see cref="PayoutLedger.TryFormatExplanation"/>; <see cref="LedgerEntry"/> carries both.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Sequence">Position in the ledger, from 1.</param>
/// <param name="Kind">What the entry records.</param>
/// <param name="Earner">Whose balance it moves.</param>
/// <param name="Order">The order, when the entry concerns one.</param>
/// <param name="Refund">The refund, for cancellations and clawbacks.</param>
/// <param name="Amount">The amount (negative for cancellations and clawbacks).</param>
/// <param name="At">When it happened.</param>
/// <param name="AvailableAt">For a commission, when it stops being pending.</param>
public readonly record struct LedgerEntryFields(long Sequence, LedgerEntryKind Kind, MemberId Earner, OrderId? Order, RefundId? Refund, Money Amount, Instant At, Instant? AvailableAt);
