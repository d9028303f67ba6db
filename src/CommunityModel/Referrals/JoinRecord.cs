using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Referrals;

/// <summary>A member joining, with the sponsor who referred them (none for a root) and when.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member who joined.</param>
/// <param name="Sponsor">The referrer (推荐人), or null for a root.</param>
/// <param name="JoinedAt">When the member joined; the sponsor link is made at this instant.</param>
public sealed record JoinRecord(MemberId Member, MemberId? Sponsor, Instant JoinedAt);

/// <summary>A re-parenting of a member: the only way a locked sponsor link (推荐关系锁定) changes.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member whose sponsor changes.</param>
/// <param name="NewSponsor">The new sponsor.</param>
/// <param name="EffectiveAt">From when the new sponsor applies (orders at or after this instant use it).</param>
/// <param name="Reason">Why; kept for the audit trail.</param>
public sealed record SponsorTransfer(MemberId Member, MemberId NewSponsor, Instant EffectiveAt, string Reason);

/// <summary>What is wrong with one join record or transfer.</summary>
public enum ReferralProblemKind
{
    /// <summary>The sponsor is not a member of the tree.</summary>
    UnknownSponsor,

    /// <summary>The member names itself as sponsor.</summary>
    SelfSponsorship,

    /// <summary>The member is part of (or hangs below) a sponsor cycle.</summary>
    Cycle,

    /// <summary>The member appears more than once.</summary>
    DuplicateMember,

    /// <summary>The sponsor joined after the member (or after the transfer's instant).</summary>
    SponsorJoinedAfterMember,

    /// <summary>A transfer names a member not in the tree.</summary>
    UnknownMember,

    /// <summary>A transfer would put a member below its own downline.</summary>
    TransferIntoOwnDownline,

    /// <summary>A transfer is earlier than the member's join or than a transfer already recorded.</summary>
    TransferOutOfOrder,

    /// <summary>A transfer has no reason.</summary>
    MissingReason,
}

/// <summary>One offender in a rejected referral input.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member concerned.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Detail">A sentence with the values involved.</param>
public sealed record ReferralProblem(MemberId Member, ReferralProblemKind Kind, string Detail)
{
    /// <summary>The position (from 0) of the join record concerned in the input, or -1 for a transfer.</summary>
    public int Record { get; init; } = -1;
}

/// <summary>The referral input was rejected; <see cref="Problems"/> lists every offender and nothing was built.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Problems">Every problem found.</param>
public sealed record ReferralTreeMustBeConsistentRule(IReadOnlyList<ReferralProblem> Problems) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "referrals.invalid";

    /// <inheritdoc />
    public string Message =>
        $"The referral input has {Problems.Count} problem(s): " +
        string.Join("; ", Problems.Take(20).Select(p => $"{p.Member}: {p.Kind} ({p.Detail})")) +
        (Problems.Count > 20 ? $"; and {Problems.Count - 20} more" : string.Empty);
}
