using Ardalis.Specification;
using CommunityModel.Commissions;

namespace CommunityModel.Queries;

/// <summary>
/// Earners with commissions still in their holding period (<see cref="EarnerBalance.Pending"/> above zero), the
/// largest pending amount first, then by earner id: the money a store owes soon and may still claw back. A query
/// over the rows of <see cref="PayoutLedger.Balances"/>. Immutable once built; safe to share between threads.
/// </summary>
public sealed class EarnersWithPendingBalance : Specification<EarnerBalance>
{
    /// <summary>Creates the query.</summary>
    public EarnersWithPendingBalance() =>
        Query.Where(b => b.Pending.MinorUnits > 0).OrderByDescending(b => b.Pending.MinorUnits).ThenBy(b => b.Earner.Value);
}
