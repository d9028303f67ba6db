using Ardalis.Specification;
using CommunityModel.Commissions;
using CommunityModel.Primitives;

namespace CommunityModel.Queries;

/// <summary>
/// Earners whose available balance (past holding, not yet paid) reaches a payout threshold in its currency, by
/// earner id: the list of a payout run (a store pays out from CNY 1.00, for example, as WeChat Pay's transfers
/// require). A query over the rows of <see cref="PayoutLedger.Balances"/>. Immutable once built; safe to share
/// between threads.
/// </summary>
public sealed class EarnersDueAPayout : Specification<EarnerBalance>
{
    /// <summary>Earners with at least <paramref name="minimum"/> available.</summary>
    /// <param name="minimum">The least payout, more than zero.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimum"/> is zero or negative.</exception>
    public EarnersDueAPayout(Money minimum)
    {
        if (minimum.MinorUnits <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, "A payout threshold is more than zero.");
        }

        Minimum = minimum;
        var currency = minimum.Currency;
        var least = minimum.MinorUnits;
        Query.Where(b => b.Available.Currency == currency && b.Available.MinorUnits >= least).OrderBy(b => b.Earner.Value);
    }

    /// <summary>The least payout.</summary>
    public Money Minimum { get; }
}
