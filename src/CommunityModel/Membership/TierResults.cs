using System.Collections.Immutable;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Membership;

/// <summary>Why a member's tier changed.</summary>
public enum TierChangeCause
{
    /// <summary>An evaluation: qualified for a higher tier, or no longer met the retain conditions at a period evaluation.</summary>
    Evaluation = 0,

    /// <summary>A paid membership or a manual lock ran out.</summary>
    Expiry = 1,

    /// <summary>A refund took away the facts an upgrade or a paid membership stood on.</summary>
    Refund = 2,

    /// <summary>A manual lock or unlock, with a reason and an actor.</summary>
    Manual = 3,

    /// <summary>A paid membership began.</summary>
    Paid = 4,
}

/// <summary>What an evaluation may do.</summary>
public enum EvaluationKind
{
    /// <summary>Apply upgrades (and refund reversals, expiries); never downgrade for unmet retain conditions. Run it as often as facts arrive.</summary>
    UpgradesOnly = 0,

    /// <summary>A period evaluation: upgrades and, where retain conditions fail, downgrades under the policy's rules. Run it at period boundaries.</summary>
    Period = 1,
}

/// <summary>One criterion, as measured.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Criterion">The criterion in words.</param>
/// <param name="Met">Whether it holds.</param>
/// <param name="Actual">The measured value (minor units for money, a count, or 1/0 for yes/no).</param>
/// <param name="Required">The value required, in the same unit.</param>
/// <param name="Shortfall">What is missing, in words ("spend CNY 120.00 more this calendar month"), or null when met.</param>
public sealed record CriterionResult(string Criterion, bool Met, long Actual, long Required, string? Shortfall);

/// <summary>One change of a member's tier, as kept in the append-only history.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member concerned.</param>
/// <param name="From">The tier before.</param>
/// <param name="To">The tier after.</param>
/// <param name="At">When it took effect.</param>
/// <param name="Cause">Why.</param>
/// <param name="PolicyVersion">The policy version in effect.</param>
/// <param name="Evidence">The facts behind it, in words.</param>
public sealed record TierChange(MemberId Member, string From, string To, Instant At, TierChangeCause Cause, string PolicyVersion, string Evidence);

/// <summary>The decision of an evaluation for one member.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member concerned.</param>
/// <param name="At">The evaluation instant.</param>
/// <param name="From">The tier before (what the member held).</param>
/// <param name="To">The tier after.</param>
/// <param name="EarnedTier">The tier of the earned track after (paid membership and locks aside).</param>
/// <param name="Cause">Why the tier changed, or null when it did not.</param>
/// <param name="PolicyVersion">The policy version used.</param>
/// <param name="Reason">The decision in words.</param>
/// <param name="Criteria">The criteria behind the decision.</param>
public sealed record TierDecision(MemberId Member, Instant At, string From, string To, string EarnedTier, TierChangeCause? Cause, string PolicyVersion, string Reason, ImmutableArray<CriterionResult> Criteria)
{
    /// <summary>True when the tier changed.</summary>
    public bool Changed => !string.Equals(From, To, StringComparison.Ordinal);

    /// <summary>Value equality, the criteria compared element by element.</summary>
    /// <param name="other">The other decision.</param>
    /// <returns>True when every field and every criterion are equal.</returns>
    public bool Equals(TierDecision? other) =>
        other is not null && Member == other.Member && At == other.At && From == other.From && To == other.To
        && EarnedTier == other.EarnedTier && Cause == other.Cause && PolicyVersion == other.PolicyVersion && Reason == other.Reason
        && Criteria.SequenceEqual(other.Criteria);

    /// <summary>A hash of the fields (the criteria by count).</summary>
    /// <returns>The hash.</returns>
    public override int GetHashCode() => HashCode.Combine(Member, At, From, To, Cause, Reason, Criteria.Length);
}

/// <summary>Where a member stands: the tier, what the next one takes, and what keeping this one takes.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member concerned.</param>
/// <param name="At">The instant the explanation is for: windows end there.</param>
/// <param name="CurrentTier">The tier held.</param>
/// <param name="Decision">What an upgrades-only evaluation would decide now.</param>
/// <param name="NextTier">The next tier up, or null at the top.</param>
/// <param name="NextTierCriteria">Its qualify criteria, as measured.</param>
/// <param name="DistanceToNext">What is missing for the next tier ("spend CNY 120.00 more this calendar month or refer 1 more buyer(s) in total"), or null.</param>
/// <param name="RetainCriteria">The retain criteria of the earned tier, as measured.</param>
/// <param name="DistanceToKeep">What is missing to keep the earned tier at the next period evaluation, or null when it is kept.</param>
/// <param name="ProtectedUntil">No downgrade before this instant (minimum duration), or null.</param>
/// <param name="GraceUntil">The end of a running grace period, or null.</param>
/// <param name="PaidTier">The tier of a paid membership in force, or null.</param>
/// <param name="PaidUntil">Its end, or null.</param>
/// <param name="LockedUntil">The end of a manual lock in force (the maximum instant for an open-ended lock), or null.</param>
public sealed record TierExplanation(
    MemberId Member,
    Instant At,
    string CurrentTier,
    TierDecision Decision,
    string? NextTier,
    ImmutableArray<CriterionResult> NextTierCriteria,
    string? DistanceToNext,
    ImmutableArray<CriterionResult> RetainCriteria,
    string? DistanceToKeep,
    Instant? ProtectedUntil,
    Instant? GraceUntil,
    string? PaidTier,
    Instant? PaidUntil,
    Instant? LockedUntil);

/// <summary>A manual lock of a member's tier: while it is in force, evaluations do not move the member.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="TierId">The tier held.</param>
/// <param name="Reason">Why.</param>
/// <param name="Actor">Who.</param>
/// <param name="From">From when.</param>
/// <param name="Until">Until when (excluded), or null for no end.</param>
public sealed record TierLock(string TierId, string Reason, string Actor, Instant From, Instant? Until);

/// <summary>A manual grant: makes <see cref="GrantedManually"/> hold for the tier while in force.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="TierId">The tier granted.</param>
/// <param name="Reason">Why.</param>
/// <param name="Actor">Who.</param>
/// <param name="From">From when.</param>
/// <param name="Until">Until when (excluded), or null for no end.</param>
public sealed record TierGrant(string TierId, string Reason, string Actor, Instant From, Instant? Until);

/// <summary>What one evaluation over all members did.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">The evaluation instant.</param>
/// <param name="Kind">Upgrades only, or a period evaluation.</param>
/// <param name="PolicyVersion">The policy version used.</param>
/// <param name="Evaluated">Members evaluated (those who had joined by then).</param>
/// <param name="Upgrades">Tier changes up.</param>
/// <param name="Downgrades">Tier changes down.</param>
/// <param name="Changes">Every change, in member index order.</param>
public sealed record EvaluationSummary(Instant At, EvaluationKind Kind, string PolicyVersion, int Evaluated, int Upgrades, int Downgrades, ImmutableArray<TierChange> Changes);

/// <summary>A tier id is not in the policy.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="TierId">The tier id that was named.</param>
public sealed record TierMustExistRule(string TierId) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "membership.tier.unknown";

    /// <inheritdoc />
    public string Message => $"'{TierId}' is not a tier of the membership policy.";
}

/// <summary>A manual change needs a reason and an actor.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member concerned.</param>
public sealed record ManualChangeNeedsReasonRule(MemberId Member) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "membership.manual.reason";

    /// <inheritdoc />
    public string Message => $"A manual change of {Member}'s tier needs a reason and an actor.";
}

/// <summary>A member is not in the program's referral tree.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member concerned.</param>
public sealed record MemberMustBeKnownRule(MemberId Member) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "membership.member.unknown";

    /// <inheritdoc />
    public string Message => $"'{Member}' is not a member of the program (not in its referral tree).";
}

/// <summary>The policy versions of one program must share their tiers.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Version">The version that differs.</param>
public sealed record PolicyVersionsMustShareTiersRule(string Version) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "membership.versions.tiers";

    /// <inheritdoc />
    public string Message => $"Policy version '{Version}' has other tiers than the first version; versions may change conditions and rules, not the tier list.";
}

/// <summary>A book's evaluations move forward in time: none may be earlier than the latest one it recorded.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">The instant asked for.</param>
/// <param name="Latest">The latest evaluation the book recorded.</param>
public sealed record EvaluationsMustMoveForwardRule(Instant At, Instant Latest) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "membership.evaluation.earlier";

    /// <inheritdoc />
    public string Message => $"An evaluation at {At} is earlier than the book's latest, at {Latest}: a member's tier history cannot go back in time. Evaluate at {Latest} or later (the same instant again changes nothing).";
}
