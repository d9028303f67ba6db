using CommunityModel.Primitives;
using CommunityModel.Referrals;

namespace CommunityModel.Commissions;

/// <summary>
/// The rank and active flag of every member of a referral tree, as flat arrays by the tree's dense
/// index: the plain input the commission engine takes (it does not depend on how ranks were decided).
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class MemberStatuses
{
    private readonly int[] _rank;
    private readonly bool[] _active;

    private MemberStatuses(ReferralTree tree, int[] rank, bool[] active)
    {
        Tree = tree;
        _rank = rank;
        _active = active;
    }

    /// <summary>The tree the statuses are indexed by.</summary>
    public ReferralTree Tree { get; }

    internal int[] Ranks => _rank;

    internal bool[] Active => _active;

    /// <summary>Every member at one rank and activity.</summary>
    /// <param name="tree">The referral tree; one rank and one active flag per member of it.</param>
    /// <param name="rank">The rank of everyone.</param>
    /// <param name="active">Whether everyone is active.</param>
    /// <returns>The statuses.</returns>
    public static MemberStatuses Uniform(ReferralTree tree, int rank = 0, bool active = true)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        var ranks = new int[tree.Count];
        Array.Fill(ranks, rank);
        var flags = new bool[tree.Count];
        Array.Fill(flags, active);
        return new MemberStatuses(tree, ranks, flags);
    }

    /// <summary>Statuses from a rank per member (others get <paramref name="defaultRank"/>) and a set of inactive members.</summary>
    /// <param name="tree">The referral tree; one rank and one active flag per member of it.</param>
    /// <param name="ranks">Rank per member; members not listed get the default.</param>
    /// <param name="inactive">Members who are not active; null for none.</param>
    /// <param name="defaultRank">The rank of members not listed.</param>
    /// <returns>The statuses.</returns>
    /// <exception cref="ArgumentException">A member is not in the tree or a rank is negative; every offender is named.</exception>
    public static MemberStatuses Create(ReferralTree tree, IReadOnlyDictionary<MemberId, int>? ranks, IEnumerable<MemberId>? inactive = null, int defaultRank = 0)
    {
        var result = Uniform(tree, defaultRank);
        var problems = new List<string>();
        foreach (var (member, rank) in ranks ?? new Dictionary<MemberId, int>())
        {
            if (!tree.TryGetIndex(member, out var i))
            {
                problems.Add($"'{member}' is not a member");
            }
            else if (rank < 0)
            {
                problems.Add($"'{member}' has negative rank {rank}");
            }
            else
            {
                result._rank[i] = rank;
            }
        }

        foreach (var member in inactive ?? [])
        {
            if (!tree.TryGetIndex(member, out var i))
            {
                problems.Add($"'{member}' is not a member");
            }
            else
            {
                result._active[i] = false;
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Bad member statuses: " + string.Join("; ", problems), nameof(ranks));
        }

        return result;
    }

    /// <summary>Statuses from arrays by dense index (copied).</summary>
    /// <param name="tree">The referral tree; one rank and one active flag per member of it.</param>
    /// <param name="ranks">Rank per index.</param>
    /// <param name="active">Active flag per index.</param>
    /// <returns>The statuses.</returns>
    public static MemberStatuses FromArrays(ReferralTree tree, ReadOnlySpan<int> ranks, ReadOnlySpan<bool> active)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (ranks.Length != tree.Count || active.Length != tree.Count)
        {
            throw new ArgumentException($"Need one rank and one flag per member ({tree.Count}).", nameof(ranks));
        }

        foreach (var r in ranks)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(r, nameof(ranks));
        }

        return new MemberStatuses(tree, ranks.ToArray(), active.ToArray());
    }

    /// <summary>A copy with one member's rank changed.</summary>
    /// <param name="member">A member of the tree these statuses cover (another id: <see cref="KeyNotFoundException"/>).</param>
    /// <param name="rank">The new rank.</param>
    /// <returns>The new statuses.</returns>
    public MemberStatuses WithRank(MemberId member, int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        var ranks = (int[])_rank.Clone();
        ranks[Tree.IndexOf(member)] = rank;
        return new MemberStatuses(Tree, ranks, _active);
    }

    /// <summary>A copy with one member's active flag changed.</summary>
    /// <param name="member">A member of the tree these statuses cover (another id: <see cref="KeyNotFoundException"/>).</param>
    /// <param name="active">The new flag.</param>
    /// <returns>The new statuses.</returns>
    public MemberStatuses WithActive(MemberId member, bool active)
    {
        var flags = (bool[])_active.Clone();
        flags[Tree.IndexOf(member)] = active;
        return new MemberStatuses(Tree, _rank, flags);
    }

    /// <summary>A member's rank.</summary>
    /// <param name="member">A member of the tree these statuses cover (another id: <see cref="KeyNotFoundException"/>).</param>
    /// <returns>The rank.</returns>
    public int RankOf(MemberId member) => _rank[Tree.IndexOf(member)];

    /// <summary>Whether a member is active.</summary>
    /// <param name="member">A member of the tree these statuses cover (another id: <see cref="KeyNotFoundException"/>).</param>
    /// <returns>The flag.</returns>
    public bool IsActive(MemberId member) => _active[Tree.IndexOf(member)];
}
