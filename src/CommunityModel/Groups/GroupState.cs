using System.Buffers;
using System.Text.RegularExpressions;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Groups;

/// <summary>
/// One group's state and its rule engine: apply events in time order, get decisions with the rule, the
/// policy version and the evidence. A bad event (unknown member, out of time order, an older policy) is
/// rejected and leaves the state unchanged. Replaying the same events from the same start gives the same
/// decisions. An allowed message allocates nothing.
/// </summary>
/// <remarks>Mutable and not thread-safe: each event changes the group, so one instance serves one thread at a time, its events in time order (one actor or grain per group; many groups may be replayed in parallel, each on its own instance).</remarks>
public sealed class GroupState
{
    private readonly List<CompiledPolicy> _policies = [];
    private readonly Dictionary<MemberId, MemberState> _members = [];

    // In a fleet: the fleet's member directory, and the members again by their handle in it (a fleet's events carry it).
    private readonly MemberDirectory? _directory;
    private readonly Dictionary<int, MemberState>? _byHandle;
    private readonly List<MemberId> _waiting = [];
    private readonly Dictionary<string, MemberId> _messageAuthors = new(StringComparer.Ordinal);
    private Dictionary<MemberId, string>? _notAMember;
    private Instant? _last;
    private LocalDate _budgetDay;
    private long _budgetUsed;
    private bool _hostMissingNoticed;

    /// <summary>Creates an empty group under a policy.</summary>
    /// <param name="policy">The first policy (validated here).</param>
    public GroupState(GroupPolicy policy)
        : this(policy, null)
    {
    }

    /// <summary>Creates an empty group under a policy, its members also kept by their handle in a fleet's directory when given one.</summary>
    internal GroupState(GroupPolicy policy, MemberDirectory? directory)
    {
        GroupPolicy.Create(policy);
        _directory = directory;
        _byHandle = directory is null ? null : [];
        _policies.Add(new CompiledPolicy(policy, policy.EffectiveFrom));
    }

    /// <summary>Members now in the group.</summary>
    public int MemberCount => _members.Count;

    /// <summary>The waiting list, in order.</summary>
    public IReadOnlyList<MemberId> WaitingList => _waiting;

    /// <summary>The instant of the last event applied.</summary>
    public Instant? LastEventAt => _last;

    /// <summary>Whether someone is a member.</summary>
    /// <param name="member">Who.</param>
    /// <returns>True when in the group.</returns>
    public bool Contains(MemberId member) => _members.ContainsKey(member);

    /// <summary>A member's role.</summary>
    /// <param name="member">Who.</param>
    /// <returns>The role, or null when not a member.</returns>
    public GroupRole? RoleOf(MemberId member) => _members.TryGetValue(member, out var m) ? m.Role : null;

    /// <summary>The end of a member's mute, if muted at <paramref name="at"/>.</summary>
    /// <param name="member">Who.</param>
    /// <param name="at">When.</param>
    /// <returns>The end of the mute, or null.</returns>
    public Instant? MutedUntil(MemberId member, Instant at) => _members.TryGetValue(member, out var m) && m.MutedUntil > at ? m.MutedUntil : null;

    /// <summary>A member's unexpired strikes at an instant (general and ad ladders together).</summary>
    /// <param name="member">Who.</param>
    /// <param name="at">When.</param>
    /// <returns>The number of strikes.</returns>
    public int StrikesOf(MemberId member, Instant at)
    {
        if (!_members.TryGetValue(member, out var m))
        {
            return 0;
        }

        var policy = PolicyAt(at).Policy;
        return Unexpired(m.Strikes, at, policy.Escalation.StrikeLifetime) + Unexpired(m.AdStrikes, at, policy.Content?.AdLadder.StrikeLifetime ?? policy.Escalation.StrikeLifetime);
    }

    /// <summary>The policy in force at an instant.</summary>
    /// <param name="at">When.</param>
    /// <returns>The policy.</returns>
    public GroupPolicy PolicyInForce(Instant at) => PolicyAt(at).Policy;

    /// <summary>Applies one event.</summary>
    /// <param name="e">The next event: at or after the last one applied, about members the group knows (except joins).</param>
    /// <returns>The outcome; for an invalid event the state is unchanged.</returns>
    public GroupOutcome Apply(GroupEvent e) => Apply(e, -1);

    /// <summary>
    /// Applies one event of a fleet whose member's handle in the fleet's directory is known (the fleet made the
    /// event and resolved it then), or -1 when it is not (then the member is looked up by id).
    /// </summary>
    internal GroupOutcome Apply(GroupEvent e, int handle)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (_last is { } last && e.At < last)
        {
            return Invalid("group.event.out-of-order", $"event at {e.At} is before the last event at {last}: events must come in time order");
        }

        if (e is MessagePosted message)
        {
            // The hot path: one member lookup, no pattern match over every event type.
            if (message.Text is null)
            {
                return Invalid("group.event.no-text", "a message needs its text (empty for a picture or sticker), not null");
            }

            if (Find(message.Author, handle) is not { } author)
            {
                return Invalid("group.event.not-a-member", NotAMember(message.Author));
            }

            if (message.MessageId is { } messageId && _messageAuthors.ContainsKey(messageId))
            {
                return Invalid("group.event.message-id-repeated", $"message id '{messageId}' was used before");
            }

            _last = e.At;
            return OnMessage(message, author);
        }

        if (Check(e) is { } error)
        {
            return Invalid(error.Code, error.Message);
        }

        _last = e.At;
        return e switch
        {
            JoinRequested j => OnJoinRequest(j, handle),
            MemberAdded a => OnAdded(a, handle),
            MemberLeft l => OnLeft(l),
            RedPacketSent r => OnRedPacket(r),
            CheckedIn c => OnCheckIn(c),
            RoleChanged rc => OnRoleChanged(rc),
            PolicyChanged pc => OnPolicyChanged(pc),
            TimeTick t => OnTick(t),
            _ => throw new ArgumentException($"Unknown event type {e.GetType().Name}.", nameof(e)),
        };
    }

    private static GroupOutcome Invalid(string code, string error) => new(GroupEventStatus.Invalid, [], error, code);

    /// <summary>The member an event is about, if any.</summary>
    internal static MemberId? MemberOf(GroupEvent e) => e switch
    {
        MessagePosted m => m.Author,
        MemberAdded a => a.Member,
        MemberLeft l => l.Member,
        RedPacketSent r => r.Sender,
        CheckedIn c => c.Member,
        RoleChanged rc => rc.Member,
        JoinRequested j => j.Member,
        _ => null,
    };

    /// <summary>A member in the group by the event's handle (a fleet's, known to name the event's member) or, without one, by id; null when not in the group.</summary>
    private MemberState? Find(MemberId id, int handle)
    {
        if (handle >= 0 && _byHandle is not null)
        {
            return _byHandle.TryGetValue(handle, out var byHandle) ? byHandle : null;
        }

        return _members.TryGetValue(id, out var m) ? m : null;
    }

    /// <summary>Puts a member in the group (in a fleet also under their handle: the event's, or the directory's, interned now if new).</summary>
    private void Put(MemberId id, int handle, MemberState state)
    {
        _members[id] = state;
        if (_byHandle is not null)
        {
            state.Handle = handle >= 0 ? handle : _directory!.Intern(id);
            _byHandle[state.Handle] = state;
        }
    }

    /// <summary>Takes a member out of the group.</summary>
    private void Take(MemberId id)
    {
        if (_members.Remove(id, out var state) && _byHandle is not null)
        {
            _byHandle.Remove(state.Handle);
        }
    }

    /// <summary>
    /// The error for an event about someone not in the group, made once per id while the group is replayed: someone
    /// removed often keeps posting, and each refused event would otherwise make the same text again. At most
    /// <see cref="NotAMemberTexts"/> ids are kept; then the cache starts over.
    /// </summary>
    private string NotAMember(MemberId id)
    {
        _notAMember ??= [];
        if (!_notAMember.TryGetValue(id, out var text))
        {
            if (_notAMember.Count >= NotAMemberTexts)
            {
                _notAMember.Clear();
            }

            text = $"'{id}' is not a member of the group";
            _notAMember[id] = text;
        }

        return text;
    }

    private const int NotAMemberTexts = 256;

    private static GroupOutcome Decided(params GroupDecision[] decisions) => new(GroupEventStatus.Decided, decisions, null, null);

    private (string Code, string Message)? Check(GroupEvent e)
    {
        (string, string)? NotMember(MemberId id) => id.IsDefault ? ("group.event.no-member", "the event names no member (default(MemberId))")
            : _members.ContainsKey(id) ? null : ("group.event.not-a-member", NotAMember(id));
        switch (e)
        {
            case MessagePosted m:
                if (m.Text is null)
                {
                    return ("group.event.no-text", "a message needs its text (empty for a picture or sticker), not null");
                }

                return NotMember(m.Author) ?? (m.MessageId is { } id && _messageAuthors.ContainsKey(id) ? ("group.event.message-id-repeated", $"message id '{id}' was used before") : null);
            case MemberLeft l: return NotMember(l.Member);
            case RedPacketSent r: return NotMember(r.Sender) ?? (r.Count < 1 ? ("group.event.red-packet-shares", $"a red packet needs at least one share; got {r.Count}") : null);
            case CheckedIn c: return NotMember(c.Member);
            case RoleChanged rc: return NotMember(rc.Member);
            case MemberAdded a:
                return a.Member.IsDefault ? ("group.event.no-member", "a member added needs an id (default(MemberId) names nobody)")
                    : _members.ContainsKey(a.Member) ? ("group.event.already-a-member", $"'{a.Member}' is already a member") : null;
            case JoinRequested j: return j.Facts is null ? ("group.event.no-facts", "a join request needs the candidate's facts") : null;
            case PolicyChanged pc:
                if (pc.Policy is null)
                {
                    return ("group.event.policy-invalid", "a policy change needs the new policy, not null");
                }

                var problems = pc.Policy.Validate();
                if (problems.Count > 0)
                {
                    return ("group.event.policy-invalid", "the new policy is invalid: " + string.Join("; ", problems.Select(x => $"{x.Path} ({x.Code}): {x.Message}")));
                }

                var latest = _policies[^1];
                return latest.Policy.Version == pc.Policy.Version ? ("group.event.policy-same-version", $"policy version '{pc.Policy.Version}' is already in force")
                    : Max(pc.Policy.EffectiveFrom, pc.At) < latest.From ? ("group.event.policy-backdated", "a policy cannot take effect before the latest one") : null;
            default: return null;
        }
    }

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    private CompiledPolicy PolicyAt(Instant at)
    {
        for (var i = _policies.Count - 1; i > 0; i--)
        {
            if (_policies[i].From <= at)
            {
                return _policies[i];
            }
        }

        return _policies[0];
    }

    private GroupOutcome OnMessage(MessagePosted m, MemberState member)
    {
        var compiled = PolicyAt(m.At);
        var policy = compiled.Policy;
        var content = compiled.Content;
        var now = m.At;
        if (m.MessageId is { } id)
        {
            _messageAuthors[id] = m.Author;
        }

        // A notice of elimination is lifted by speaking.
        member.NoticedAt = null;
        var previous = member.LastSpokeAt;
        member.LastSpokeAt = now;
        if (member.MutedUntil > now)
        {
            return Decided(new GroupDecision(GroupDecisionKind.Reject, m.Author, "escalation.muted", policy.Version, $"muted until {member.MutedUntil}", now));
        }

        if (policy.Flood is { } flood && !compiled.IsFloodExempt(member.Role))
        {
            if (flood.SlowMode is { } slow && previous is { } p && now - p < slow)
            {
                return Decided(new GroupDecision(GroupDecisionKind.Reject, m.Author, "flood.slow-mode", policy.Version, $"{(now - p).TotalSeconds:0.###} s since the last message, slow mode {slow.TotalSeconds:0.###} s", now));
            }

            var inWindow = member.RecordAndCount(now, flood.Window, flood.MaxMessages);
            if (inWindow > flood.MaxMessages)
            {
                return Strike(member, m.Author, policy, policy.Escalation, member.Strikes, "flood.window", $"{inWindow} messages within {flood.Window.TotalSeconds:0.###} s (at most {flood.MaxMessages})", now);
            }
        }

        if (content is not null && !compiled.IsContentExempt(member.Role))
        {
            var (rule, evidence) = content.Check(m.Text, m.Labels);
            if (rule is not null)
            {
                var ladder = rule == "content.ad" ? policy.Content!.AdLadder : policy.Escalation;
                return Strike(member, m.Author, policy, ladder, rule == "content.ad" ? member.AdStrikes : member.Strikes, rule, evidence!, now);
            }
        }

        return GroupOutcome.Applied;
    }

    private GroupOutcome Strike(MemberState member, MemberId id, GroupPolicy policy, EscalationLadder ladder, List<Instant> strikes, string rule, string evidence, Instant now)
    {
        // Expired strikes go (a loop, not RemoveAll with a closure: no allocation beyond the decisions).
        var kept = 0;
        for (var k = 0; k < strikes.Count; k++)
        {
            if (strikes[k] + ladder.StrikeLifetime > now)
            {
                strikes[kept++] = strikes[k];
            }
        }

        strikes.RemoveRange(kept, strikes.Count - kept);
        strikes.Add(now);
        var n = strikes.Count;
        var step = ladder.Steps[Math.Min(n, ladder.Steps.Count) - 1];
        var reject = new GroupDecision(GroupDecisionKind.Reject, id, rule, policy.Version, evidence, now);
        var why = $"{evidence}; strike {n} within {ladder.StrikeLifetime.TotalDays:0.##} days";
        switch (step)
        {
            case EscalationAction.Warn:
                return Decided(reject, new GroupDecision(GroupDecisionKind.Warn, id, rule, policy.Version, why, now));
            case EscalationAction.Mute:
                member.MutedUntil = now + ladder.MuteDuration;
                return Decided(reject, new GroupDecision(GroupDecisionKind.Mute, id, rule, policy.Version, why, now, member.MutedUntil));
            default:
                Take(id);
                var decisions = new List<GroupDecision> { reject, new(GroupDecisionKind.Remove, id, rule, policy.Version, why, now) };
                AdmitWaiting(policy, now, decisions);
                return Decided([.. decisions]);
        }
    }

    private void AdmitWaiting(GroupPolicy policy, Instant now, List<GroupDecision> decisions)
    {
        while (_waiting.Count > 0 && _members.Count < policy.Admission.Capacity)
        {
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            Put(next, -1, new MemberState(GroupRole.Member, now));
            decisions.Add(new GroupDecision(GroupDecisionKind.AdmitFromWaitingList, next, "admission.waiting-list", policy.Version, $"a place freed; {_waiting.Count} still waiting", now));
        }
    }

    private GroupOutcome OnJoinRequest(JoinRequested j, int handle)
    {
        var policy = PolicyAt(j.At).Policy;
        var admission = policy.Admission;
        GroupDecision Reject(string rule, string evidence) => new(GroupDecisionKind.Reject, j.Member, rule, policy.Version, evidence, j.At);
        if (_members.ContainsKey(j.Member))
        {
            return Decided(Reject("admission.already-member", "already in the group"));
        }

        if (_waiting.Contains(j.Member))
        {
            return Decided(Reject("admission.already-waiting", $"already on the waiting list at place {_waiting.IndexOf(j.Member) + 1}"));
        }

        if (!admission.Channels.Contains(j.Channel))
        {
            return Decided(Reject("admission.channel", $"{j.Channel} is not an allowed channel"));
        }

        foreach (var s in admission.Screenings)
        {
            if (!ScreeningRules.Holds(s.Condition, j.Facts))
            {
                return Decided(Reject(s.RuleId, $"screening '{s.RuleId}' not met by {j.Facts}"));
            }
        }

        if (_members.Count >= admission.Capacity)
        {
            if (!admission.WaitingList)
            {
                return Decided(Reject("admission.full", $"{_members.Count} of {admission.Capacity} places taken"));
            }

            _waiting.Add(j.Member);
            return Decided(new GroupDecision(GroupDecisionKind.WaitingList, j.Member, "admission.full", policy.Version, $"{_members.Count} of {admission.Capacity} places taken; place {_waiting.Count} in line", j.At));
        }

        Put(j.Member, handle, new MemberState(GroupRole.Member, j.At));
        return Decided(new GroupDecision(GroupDecisionKind.Admit, j.Member, "admission.screened", policy.Version, $"via {j.Channel}; {_members.Count} of {admission.Capacity} places taken", j.At));
    }

    private GroupOutcome OnAdded(MemberAdded a, int handle)
    {
        var policy = PolicyAt(a.At).Policy;
        if (_members.Count >= policy.Admission.Capacity)
        {
            return Decided(new GroupDecision(GroupDecisionKind.Reject, a.Member, "admission.full", policy.Version, $"{_members.Count} of {policy.Admission.Capacity} places taken", a.At));
        }

        _waiting.Remove(a.Member);
        Put(a.Member, handle, new MemberState(a.Role, a.At));
        return Decided(new GroupDecision(GroupDecisionKind.Admit, a.Member, "admission.added", policy.Version, $"added as {a.Role}", a.At));
    }

    private GroupOutcome OnLeft(MemberLeft l)
    {
        var policy = PolicyAt(l.At).Policy;
        Take(l.Member);
        var decisions = new List<GroupDecision>();
        AdmitWaiting(policy, l.At, decisions);
        return decisions.Count == 0 ? GroupOutcome.Applied : Decided([.. decisions]);
    }

    private GroupOutcome OnRedPacket(RedPacketSent r)
    {
        var compiled = PolicyAt(r.At);
        var (policy, zone) = (compiled.Policy, compiled.Zone);
        GroupOutcome Reject(string rule, string evidence) => Decided(new GroupDecision(GroupDecisionKind.Reject, r.Sender, rule, policy.Version, evidence, r.At));
        if (policy.RedPackets is not { } rules)
        {
            return Reject("redpacket.forbidden", "this group allows no red packets");
        }

        var role = _members[r.Sender].Role;
        if (!rules.Senders.Contains(role))
        {
            return Reject("redpacket.sender", $"a {role} may not send red packets");
        }

        var local = r.At.InZone(zone).LocalDateTime;
        if (rules.TimeWindows.Count > 0 && !rules.TimeWindows.Any(w => local.TimeOfDay >= w.Start && local.TimeOfDay < w.End))
        {
            return Reject("redpacket.time", $"{local.TimeOfDay:HH:mm} is outside the allowed windows");
        }

        if (r.Amount.Currency != rules.MaxAmount.Currency || r.Amount < rules.MinAmount || r.Amount > rules.MaxAmount)
        {
            return Reject("redpacket.amount", $"{r.Amount} is outside {rules.MinAmount}..{rules.MaxAmount}");
        }

        if (r.Count > rules.MaxCount || r.Count > r.Amount.MinorUnits)
        {
            return Reject("redpacket.count", $"{r.Count} shares (at most {rules.MaxCount}, and at least one minor unit each)");
        }

        if (_budgetDay != local.Date)
        {
            _budgetDay = local.Date;
            _budgetUsed = 0;
        }

        if (_budgetUsed + r.Amount.MinorUnits > rules.DailyBudget.MinorUnits)
        {
            return Reject("redpacket.budget", $"{Money.OfMinor(_budgetUsed, r.Amount.Currency)} already sent today; {r.Amount} more would pass the daily budget {rules.DailyBudget}");
        }

        _budgetUsed += r.Amount.MinorUnits;
        return Decided(new GroupDecision(GroupDecisionKind.AllowRedPacket, r.Sender, "redpacket.allowed", policy.Version, $"{r.Amount} in {r.Count} shares; {Money.OfMinor(_budgetUsed, r.Amount.Currency)} of {rules.DailyBudget} used today", r.At));
    }

    private GroupOutcome OnCheckIn(CheckedIn c)
    {
        var zone = PolicyAt(c.At).Zone;
        var m = _members[c.Member];
        var day = c.At.InZone(zone).Date;
        if (m.LastCheckIn is { } lastDay && lastDay == day)
        {
            return GroupOutcome.Applied;
        }

        m.Streak = m.LastCheckIn is { } d && d.PlusDays(1) == day ? m.Streak + 1 : 1;
        m.LastCheckIn = day;
        return GroupOutcome.Applied;
    }

    private GroupOutcome OnRoleChanged(RoleChanged rc)
    {
        _members[rc.Member].Role = rc.Role;
        return GroupOutcome.Applied;
    }

    private GroupOutcome OnPolicyChanged(PolicyChanged pc)
    {
        _policies.Add(new CompiledPolicy(pc.Policy, Max(pc.Policy.EffectiveFrom, pc.At)));
        return GroupOutcome.Applied;
    }

    private GroupOutcome OnTick(TimeTick t)
    {
        var policy = PolicyAt(t.At).Policy;
        var decisions = new List<GroupDecision>();
        var elim = policy.Elimination;
        var protectedRole = new bool[8];
        foreach (var role in elim?.ProtectedRoles ?? [])
        {
            if ((int)role >= protectedRole.Length)
            {
                Array.Resize(ref protectedRole, (int)role + 1);
            }

            protectedRole[(int)role] = true;
        }

        // One unordered pass finds whether the group has a host and the few members due an elimination
        // decision; only those are sorted, so decisions come in one order whatever the dictionary's, without
        // sorting the whole group on every tick.
        var noticeIfActiveBefore = elim is null ? Instant.MinValue : t.At - Duration.FromDays(elim.SilentDays);
        var removeIfNoticedBefore = elim is null ? Instant.MinValue : t.At - Duration.FromDays(elim.GraceDays);
        var hasHost = false;
        List<KeyValuePair<MemberId, MemberState>>? due = null;
        foreach (var kv in _members)
        {
            var m = kv.Value;
            hasHost |= m.Role == GroupRole.Host;
            if (elim is null || ((int)m.Role < protectedRole.Length && protectedRole[(int)m.Role]))
            {
                continue;
            }

            var lastActive = m.LastSpokeAt is { } s && s > m.JoinedAt ? s : m.JoinedAt;
            if (m.NoticedAt is { } noticed ? noticed <= removeIfNoticedBefore : lastActive <= noticeIfActiveBefore)
            {
                (due ??= []).Add(kv);
            }
        }

        if (!hasHost && !_hostMissingNoticed)
        {
            decisions.Add(new GroupDecision(GroupDecisionKind.Notice, null, "group.host.missing", policy.Version, "the group has no host (主持人)", t.At));
        }

        _hostMissingNoticed = !hasHost;
        if (elim is not null)
        {
            var removed = new List<MemberId>();
            due?.Sort((a, b) => string.CompareOrdinal(a.Key.Value, b.Key.Value));
            foreach (var (id, m) in due ?? [])
            {
                var lastActive = m.LastSpokeAt is { } s && s > m.JoinedAt ? s : m.JoinedAt;
                if (m.NoticedAt is { } noticed)
                {
                    removed.Add(id);
                    decisions.Add(new GroupDecision(GroupDecisionKind.Remove, id, "elimination.silent", policy.Version, $"silent since {lastActive}; noticed {noticed}, grace {elim.GraceDays} days passed", t.At));
                }
                else
                {
                    m.NoticedAt = t.At;
                    decisions.Add(new GroupDecision(GroupDecisionKind.Notice, id, "elimination.notice", policy.Version, $"silent for {(t.At - lastActive).TotalDays:0.#} days (limit {elim.SilentDays}); removal in {elim.GraceDays} days unless they speak", t.At));
                }
            }

            foreach (var id in removed)
            {
                Take(id);
            }

            AdmitWaiting(policy, t.At, decisions);
        }

        return decisions.Count == 0 ? GroupOutcome.Applied : Decided([.. decisions]);
    }

    private static int Unexpired(List<Instant> strikes, Instant at, Duration lifetime)
    {
        var n = 0;
        foreach (var s in strikes)
        {
            n += s + lifetime > at ? 1 : 0;
        }

        return n;
    }

    /// <summary>The check-in streak of a member: consecutive days up to their last check-in.</summary>
    /// <param name="member">Who.</param>
    /// <returns>The streak (0 without a check-in).</returns>
    public int CheckInStreak(MemberId member) => _members.TryGetValue(member, out var m) ? m.Streak : 0;

    private sealed class MemberState(GroupRole role, Instant joinedAt)
    {
        private long[]? _ring;
        private int _next;
        private int _filled;

        public GroupRole Role { get; set; } = role;

        /// <summary>The member's handle in the fleet's directory (a fleet's group only; -1 otherwise).</summary>
        public int Handle { get; set; } = -1;

        public Instant JoinedAt { get; } = joinedAt;

        public Instant? LastSpokeAt { get; set; }

        public Instant MutedUntil { get; set; }

        public Instant? NoticedAt { get; set; }

        public LocalDate? LastCheckIn { get; set; }

        public int Streak { get; set; }

        public List<Instant> Strikes { get; } = [];

        public List<Instant> AdStrikes { get; } = [];

        /// <summary>Records a message and counts this member's messages in (now - window, now], this one included.</summary>
        public int RecordAndCount(Instant now, Duration window, int max)
        {
            // The ring keeps the last max + 1 message times: enough to tell whether more than max fall in the window.
            var size = max + 1;
            if (_ring is null || _ring.Length != size)
            {
                _ring = new long[size];
                _next = 0;
                _filled = 0;
            }

            var ticks = now.ToUnixTimeTicks();
            _ring[_next] = ticks;
            _next = (_next + 1) % size;
            _filled = Math.Min(_filled + 1, size);
            var from = ticks - window.BclCompatibleTicks;
            var count = 0;
            for (var k = 0; k < _filled; k++)
            {
                count += _ring[k] > from ? 1 : 0;
            }

            return count;
        }
    }

    /// <summary>A policy version with what the hot path needs precomputed: compiled content, the zone, exempt roles as bit masks.</summary>
    private sealed class CompiledPolicy
    {
        private readonly int _floodExempt;
        private readonly int _contentExempt;

        public CompiledPolicy(GroupPolicy policy, Instant from)
        {
            Policy = policy;
            From = from;
            Content = CompiledContent.From(policy.Content);
            Zone = DateTimeZoneProviders.Tzdb[policy.ZoneId];
            _floodExempt = Mask(policy.Flood?.ExemptRoles);
            _contentExempt = Mask(policy.Content?.ExemptRoles);
        }

        public GroupPolicy Policy { get; }

        public Instant From { get; }

        public CompiledContent? Content { get; }

        public DateTimeZone Zone { get; }

        public bool IsFloodExempt(GroupRole role) => (_floodExempt & Bit(role)) != 0;

        public bool IsContentExempt(GroupRole role) => (_contentExempt & Bit(role)) != 0;

        private static int Bit(GroupRole role) => 1 << ((int)role & 31);

        private static int Mask(IReadOnlyList<GroupRole>? roles)
        {
            var mask = 0;
            foreach (var r in roles ?? [])
            {
                mask |= Bit(r);
            }

            return mask;
        }
    }

    /// <summary>Content rules compiled for fast checks: keyword search values, link markers, patterns, label sets.</summary>
    private sealed class CompiledContent
    {
        // Groups under one policy share its compiled rules (the rules are immutable records).
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ContentRules, CompiledContent> Cache = [];
        private static readonly SearchValues<string> LinkMarkers = SearchValues.Create(["http://", "https://", "www."], StringComparison.OrdinalIgnoreCase);
        private readonly ContentRules _rules;
        private readonly KeywordSearcher? _keywords;
        private readonly KeywordSearcher? _allow;
        private readonly Regex[] _patterns;
        private readonly HashSet<string> _adLabels;
        private readonly HashSet<string> _prohibited;
        private readonly HashSet<string> _onTheme;

        private CompiledContent(ContentRules rules)
        {
            _rules = rules;
            _keywords = rules.AdKeywords.Count > 0 ? new KeywordSearcher(rules.AdKeywords) : null;
            _allow = rules.AllowList.Count > 0 ? new KeywordSearcher(rules.AllowList) : null;
            _patterns = [.. rules.AdPatterns.Select(p => new Regex(p, GroupPolicyLimits.PatternOptions, GroupPolicyLimits.PatternTimeout))];
            _adLabels = new HashSet<string>(rules.AdLabels, StringComparer.OrdinalIgnoreCase);
            _prohibited = new HashSet<string>(rules.ProhibitedLabels, StringComparer.OrdinalIgnoreCase);
            _onTheme = new HashSet<string>(rules.OnThemeTopics, StringComparer.OrdinalIgnoreCase);
        }

        public static CompiledContent? From(ContentRules? rules) => rules is null ? null : Cache.GetValue(rules, r => new CompiledContent(r));

        public (string? Rule, string? Evidence) Check(string text, IReadOnlyList<string>? labels)
        {
            if (labels is { Count: > 0 })
            {
                foreach (var l in labels)
                {
                    if (_prohibited.Contains(l))
                    {
                        return ("content.prohibited", $"labelled '{l}'");
                    }
                }
            }

            var span = text.AsSpan();
            var allowed = _allow is not null && _allow.IndexIn(span) >= 0;
            if (!allowed)
            {
                if (labels is { Count: > 0 })
                {
                    foreach (var l in labels)
                    {
                        if (_adLabels.Contains(l))
                        {
                            return ("content.ad", $"labelled '{l}'");
                        }
                    }
                }

                int at;
                if (_rules.BlockLinks && (at = span.IndexOfAny(LinkMarkers)) >= 0)
                {
                    return ("content.ad", $"link \"{Excerpt(text, at)}\"");
                }

                if (_keywords is not null && (at = _keywords.IndexIn(span)) >= 0)
                {
                    return ("content.ad", $"keyword in \"{Excerpt(text, at)}\"");
                }

                if (_rules.BlockPhoneNumbers && FindPhone(span) is var phone && phone >= 0)
                {
                    return ("content.ad", $"phone number \"{Excerpt(text, phone)}\"");
                }

                if (_rules.BlockContacts && ContactFinder.Find(span, out var kind) is var contact && contact >= 0)
                {
                    return ("content.ad", $"{kind} \"{Excerpt(text, contact)}\"");
                }

                foreach (var r in _patterns)
                {
                    var match = r.Match(text);
                    if (match.Success)
                    {
                        return ("content.ad", $"pattern '{r}' matched \"{match.Value}\"");
                    }
                }
            }

            if (_onTheme.Count > 0 && labels is { Count: > 0 })
            {
                string? offTopic = null;
                foreach (var l in labels)
                {
                    if (l.StartsWith("topic:", StringComparison.OrdinalIgnoreCase))
                    {
                        if (_onTheme.Contains(l[6..]))
                        {
                            return (null, null);
                        }

                        offTopic ??= l;
                    }
                }

                if (offTopic is not null)
                {
                    return ("content.off-theme", $"labelled '{offTopic}', not one of the group's topics");
                }
            }

            return (null, null);
        }

        private static string Excerpt(string text, int at)
        {
            var start = Math.Max(0, at - 10);
            var end = Math.Min(text.Length, at + 30);
            return text[start..end];
        }

        /// <summary>The start of a mainland mobile number: 11 digits from 1 then 3-9, spaces or dashes allowed between digits.</summary>
        private static int FindPhone(ReadOnlySpan<char> s)
        {
            var i = NextDigit(s, 0);
            while (i >= 0 && i < s.Length)
            {
                var start = i;
                var digits = 0;
                var second = '\0';
                var j = i;
                while (j < s.Length && (char.IsAsciiDigit(s[j]) || ((s[j] == ' ' || s[j] == '-') && j + 1 < s.Length && char.IsAsciiDigit(s[j + 1]) && digits > 0)))
                {
                    if (char.IsAsciiDigit(s[j]))
                    {
                        digits++;
                        if (digits == 2)
                        {
                            second = s[j];
                        }
                    }

                    j++;
                }

                if (digits == 11 && s[start] == '1' && second is >= '3' and <= '9')
                {
                    return start;
                }

                i = NextDigit(s, j);
            }

            return -1;
        }

        // A plain loop: the generic span search allocated on some inputs, and an allowed message must allocate nothing.
        private static int NextDigit(ReadOnlySpan<char> s, int from)
        {
            for (var k = from; k < s.Length; k++)
            {
                if (char.IsAsciiDigit(s[k]))
                {
                    return k;
                }
            }

            return -1;
        }
    }

    /// <summary>The members' ids, ordered (for reports).</summary>
    /// <returns>The ids.</returns>
    public IReadOnlyList<MemberId> Members() => [.. _members.Keys.OrderBy(k => k.Value, StringComparer.Ordinal)];
}
