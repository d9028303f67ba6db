using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Groups;

/// <summary>
/// Something that happened in a group, at an instant. Events are applied in time order. In JSON (one event per line
/// in a <c>.jsonl</c> file) an event is an object whose <c>type</c> names it: <c>joinRequested</c>, <c>memberAdded</c>,
/// <c>memberLeft</c>, <c>message</c>, <c>redPacket</c>, <c>checkIn</c>, <c>roleChanged</c>, <c>policyChanged</c>, <c>tick</c>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
public abstract record GroupEvent(Instant At);

/// <summary>Someone asks to join through a channel; admission screens them.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Member">Who.</param>
/// <param name="Channel">Through which channel.</param>
/// <param name="Facts">The facts screening reads.</param>
public sealed record JoinRequested(Instant At, MemberId Member, JoinChannel Channel, Candidate Facts) : GroupEvent(At);

/// <summary>Someone is added directly (by the owner or staff), with a role; capacity still applies.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Member">Who.</param>
/// <param name="Role">Their role.</param>
public sealed record MemberAdded(Instant At, MemberId Member, GroupRole Role = GroupRole.Member) : GroupEvent(At);

/// <summary>A member leaves.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Member">Who.</param>
public sealed record MemberLeft(Instant At, MemberId Member) : GroupEvent(At);

/// <summary>A member posts a message.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Author">Who.</param>
/// <param name="Text">The message text as posted; content rules match keywords in it case-insensitively.</param>
/// <param name="Labels">Labels an outside classifier put on it (ad, qr-code, illegal, topic:X), or null.</param>
/// <param name="MessageId">The message's id, or null.</param>
/// <param name="ReplyTo">The id of the message it answers, or null.</param>
public sealed record MessagePosted(Instant At, MemberId Author, string Text, IReadOnlyList<string>? Labels = null, string? MessageId = null, string? ReplyTo = null) : GroupEvent(At);

/// <summary>A member sends a red packet.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Sender">Who.</param>
/// <param name="Amount">The packet's amount.</param>
/// <param name="Count">How many shares.</param>
public sealed record RedPacketSent(Instant At, MemberId Sender, Money Amount, int Count) : GroupEvent(At);

/// <summary>A member checks in (打卡).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Member">Who.</param>
public sealed record CheckedIn(Instant At, MemberId Member) : GroupEvent(At);

/// <summary>A member's role changes.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Member">Who.</param>
/// <param name="Role">The new role.</param>
public sealed record RoleChanged(Instant At, MemberId Member, GroupRole Role) : GroupEvent(At);

/// <summary>A new policy version is adopted; it applies from max(its effective instant, this event's instant).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
/// <param name="Policy">The new version.</param>
public sealed record PolicyChanged(Instant At, GroupPolicy Policy) : GroupEvent(At);

/// <summary>Time passes: elimination and the host check run.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="At">When.</param>
public sealed record TimeTick(Instant At) : GroupEvent(At);

/// <summary>What the engine decided.</summary>
public enum GroupDecisionKind
{
    /// <summary>Admitted into the group.</summary>
    Admit,

    /// <summary>Put on the waiting list.</summary>
    WaitingList,

    /// <summary>Admitted from the waiting list into a freed place.</summary>
    AdmitFromWaitingList,

    /// <summary>The request, message or red packet is refused.</summary>
    Reject,

    /// <summary>A warning.</summary>
    Warn,

    /// <summary>Muted until <see cref="GroupDecision.Until"/>.</summary>
    Mute,

    /// <summary>Removed from the group.</summary>
    Remove,

    /// <summary>A notice (an elimination warning, a missing host).</summary>
    Notice,

    /// <summary>A red packet is allowed.</summary>
    AllowRedPacket,
}

/// <summary>A decision, with the rule that made it, the policy version, and the evidence.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Kind">What was decided.</param>
/// <param name="Member">Whom it concerns, if anyone.</param>
/// <param name="RuleId">The rule, e.g. <c>content.ad</c>, <c>flood.window</c>, <c>elimination.silent</c>.</param>
/// <param name="PolicyVersion">The policy version in force.</param>
/// <param name="Evidence">The matched text, the count in the window, the days of silence.</param>
/// <param name="At">When.</param>
/// <param name="Until">The end of a mute.</param>
public sealed record GroupDecision(GroupDecisionKind Kind, MemberId? Member, string RuleId, string PolicyVersion, string Evidence, Instant At, Instant? Until = null);

/// <summary>How an event was taken.</summary>
public enum GroupEventStatus
{
    /// <summary>Applied; for a message: allowed, with no decision.</summary>
    Applied,

    /// <summary>Applied, with decisions (a refused message is applied: it counts for flood).</summary>
    Decided,

    /// <summary>A bad event (unknown member, out of time order): rejected, the state unchanged.</summary>
    Invalid,
}

/// <summary>The outcome of one event.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Status">How the event was taken.</param>
/// <param name="Decisions">The decisions (empty for an allowed message).</param>
/// <param name="Error">Why the event is invalid, in words, for <see cref="GroupEventStatus.Invalid"/>; otherwise null.</param>
/// <param name="ErrorCode">
/// The stable code of an invalid event, for <see cref="GroupEventStatus.Invalid"/>: <c>group.event.out-of-order</c>,
/// <c>group.event.not-a-member</c>, <c>group.event.already-a-member</c>, <c>group.event.message-id-repeated</c>,
/// <c>group.event.red-packet-shares</c>, <c>group.event.no-facts</c>, <c>group.event.policy-invalid</c>,
/// <c>group.event.policy-same-version</c>, <c>group.event.policy-backdated</c>; otherwise null.
/// </param>
public readonly record struct GroupOutcome(GroupEventStatus Status, IReadOnlyList<GroupDecision> Decisions, string? Error, string? ErrorCode)
{
    /// <summary>The outcome of an event applied with no decision.</summary>
    public static GroupOutcome Applied { get; } = new(GroupEventStatus.Applied, [], null, null);
}
