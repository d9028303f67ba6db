using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

/// <summary>
/// An earner's statement for a period of the payout ledger (<see cref="PayoutLedger.Statements"/>): what the earner had
/// earned net at the opening, what the period's entries moved, the net at the closing, and the balances as of an instant.
/// <c>Closing = Opening + Commissions + Cancellations + Clawbacks</c>; payouts move money from available to paid and
/// leave the net as it was.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Earner">The member the statement belongs to.</param>
/// <param name="Opening">Earned net of refunds before the period's first entry.</param>
/// <param name="Commissions">Commission lines of the period.</param>
/// <param name="Cancellations">Unpaid commissions cancelled by the period's refunds (zero or negative).</param>
/// <param name="Clawbacks">Paid commissions clawed back by the period's refunds (zero or negative).</param>
/// <param name="PaidOut">Paid out in the period (zero or positive).</param>
/// <param name="Closing">Earned net of refunds after the period's last entry.</param>
/// <param name="Pending">Still inside the holding period as of the instant.</param>
/// <param name="Available">Past the holding period and not yet paid, less clawbacks not yet netted, as of the instant.</param>
/// <param name="Paid">Paid out so far.</param>
public sealed record EarnerStatement(MemberId Earner, Money Opening, Money Commissions, Money Cancellations, Money Clawbacks, Money PaidOut, Money Closing, Money Pending, Money Available, Money Paid)
{
    /// <summary>What the store still owes the earner: the closing net less what has been paid.</summary>
    public Money Owed => Closing - Paid;
}
