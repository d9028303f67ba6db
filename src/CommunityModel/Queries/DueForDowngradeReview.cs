using Ardalis.Specification;
using CommunityModel.Membership;
using NodaTime;

namespace CommunityModel.Queries;

/// <summary>
/// Members at or above a rank whose grace period ends by a review date: their retain conditions were found
/// unmet, and unless they meet them again the next period evaluation after the grace ends moves them down. The
/// list a store's team works through before month end (soonest grace end first, then by member id). Immutable
/// once built; safe to share between threads.
/// </summary>
public sealed class DueForDowngradeReview : Specification<MemberStanding>
{
    /// <summary>Members at <paramref name="rank"/> or above whose grace ends at or before <paramref name="reviewBy"/>.</summary>
    /// <param name="rank">The least rank (for example the partner tier's).</param>
    /// <param name="reviewBy">The review date: graces that end after it are not yet due.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is negative.</exception>
    public DueForDowngradeReview(int rank, Instant reviewBy)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        Rank = rank;
        ReviewBy = reviewBy;
        Query.Where(s => s.Rank >= rank && s.GraceUntil != null && s.GraceUntil <= reviewBy)
            .OrderBy(s => s.GraceUntil)
            .ThenBy(s => s.Member.Value);
    }

    /// <summary>Members at the tier named <paramref name="tierId"/> in <paramref name="policy"/> or above, as <see cref="DueForDowngradeReview(int, Instant)"/>.</summary>
    /// <param name="policy">The policy whose tiers give the rank.</param>
    /// <param name="tierId">The tier's id, e.g. <c>partner</c>.</param>
    /// <param name="reviewBy">The review date.</param>
    /// <exception cref="ArgumentException"><paramref name="tierId"/> is not a tier of the policy.</exception>
    public DueForDowngradeReview(MembershipPolicy policy, string tierId, Instant reviewBy)
        : this(MembersAtOrAboveTier.RankOf(policy, tierId), reviewBy)
    {
    }

    /// <summary>The least rank selected.</summary>
    public int Rank { get; }

    /// <summary>The review date.</summary>
    public Instant ReviewBy { get; }
}
