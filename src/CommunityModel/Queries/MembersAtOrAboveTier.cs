using Ardalis.Specification;
using CommunityModel.Membership;

namespace CommunityModel.Queries;

/// <summary>
/// Members whose tier in force is at or above a rank (for example every partner and above, to invite to a
/// partners' group), highest rank first, then by member id. A query over <see cref="MemberStanding"/> rows,
/// as Ardalis.Specification runs it in memory (<c>spec.Evaluate(rows)</c>) or against a store's
/// <see cref="IQueryable{T}"/>. Immutable once built; safe to share between threads.
/// </summary>
public sealed class MembersAtOrAboveTier : Specification<MemberStanding>
{
    /// <summary>Members at <paramref name="rank"/> or above.</summary>
    /// <param name="rank">The least rank (0 is the base tier, so 0 selects everyone).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is negative.</exception>
    public MembersAtOrAboveTier(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        Rank = rank;
        Query.Where(s => s.Rank >= rank).OrderByDescending(s => s.Rank).ThenBy(s => s.Member.Value);
    }

    /// <summary>Members at the tier named <paramref name="tierId"/> in <paramref name="policy"/> or above.</summary>
    /// <param name="policy">The policy whose tiers give the rank.</param>
    /// <param name="tierId">The tier's id, e.g. <c>partner</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="tierId"/> is not a tier of the policy.</exception>
    public MembersAtOrAboveTier(MembershipPolicy policy, string tierId)
        : this(RankOf(policy, tierId))
    {
    }

    /// <summary>The least rank selected.</summary>
    public int Rank { get; }

    internal static int RankOf(MembershipPolicy policy, string tierId)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var rank = policy.IndexOf(tierId);
        return rank >= 0 ? rank : throw new ArgumentException($"'{tierId}' is not a tier of policy '{policy.Version}'.", nameof(tierId));
    }
}
