using CommunityModel.Conditions;
using System.Collections.Immutable;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Membership;

/// <summary>
/// The tiers of every member of a program, with the append-only history of their changes.
/// </summary>
/// <remarks>
/// <para>Each member has an <em>earned</em> track and, apart from it, a <em>paid</em> track; the tier held is
/// the higher of the two, unless a manual lock is in force, which beats both.</para>
/// <para>Earned track, at an evaluation at instant <c>t</c> under the policy version in effect at <c>t</c>:
/// (1) a member who meets the qualify conditions of a higher tier moves up to the highest such tier at once
/// (any evaluation; run <see cref="EvaluationKind.UpgradesOnly"/> evaluations as facts arrive);
/// (2) if a refund was made since the member reached the earned tier and the tier's qualify conditions no longer
/// hold at that instant (own orders re-read with the refund; others' purchases read as of <c>t</c>), the upgrade
/// is undone: the member goes back to the highest tier the facts then support, at once, whatever the minimum
/// duration;
/// (3) only at a <see cref="EvaluationKind.Period"/> evaluation, a member who no longer meets the earned tier's
/// retain conditions is downgraded, never before <see cref="MembershipPolicy.MinimumTierDuration"/> has passed
/// since reaching the tier, and only after <see cref="MembershipPolicy.GracePeriod"/> has run from the first
/// period evaluation that found the conditions unmet; one tier at a time or straight to the highest lower tier
/// whose qualify or retain conditions hold (<see cref="MembershipPolicy.Downgrade"/>).</para>
/// <para>Paid track: each purchase of a <see cref="PaidMembershipPlan"/> product grants its tier for the term,
/// from the purchase or from the end of the running term; a full refund removes it. An evaluation never takes
/// a paid tier away before its end.</para>
/// <para>A member's change never touches another member's tier, nor any sponsor link.</para>
/// <para>Mutable and not thread-safe: evaluations, locks and grants change the book, so one instance serves one
/// thread at a time (guard every call, reads included, with one lock, or keep one book per actor). Explain and
/// WhatIf change nothing but must not run during a change.</para>
/// </remarks>
public sealed partial class MembershipBook
{
    private readonly ImmutableArray<MembershipPolicy> _policies;
    private readonly List<TierChange> _changes = [];
    private readonly List<int> _previousOfMember = [];
    private readonly Dictionary<int, TierLock> _locks = [];
    private readonly Dictionary<int, List<TierGrant>> _grants = [];
    private ReferralTree _tree;
    private Instant? _latestEvaluation;
    private int[] _earned;
    private long[] _since;
    private long[] _graceFrom;
    private int[] _effective;
    private int[] _paidTier;
    private long[] _paidEnd;
    private int[] _lastChange;

    private MembershipBook(ReferralTree tree, ImmutableArray<MembershipPolicy> policies)
    {
        _tree = tree;
        _policies = policies;
        _earned = [];
        _since = [];
        _graceFrom = [];
        _effective = [];
        _paidTier = [];
        _paidEnd = [];
        _lastChange = [];
        Grow(tree);
    }

    /// <summary>The policy versions, oldest first.</summary>
    public IReadOnlyList<MembershipPolicy> Policies => _policies;

    /// <summary>The members' referral tree (the latest one the book has seen).</summary>
    public ReferralTree Tree => _tree;

    /// <summary>Every tier change so far, in the order they were made.</summary>
    public IReadOnlyList<TierChange> Changes => _changes;

    /// <summary>
    /// Opens a book with one or more policy versions (each validated; all with the same tiers). Every member
    /// starts in the base tier.
    /// </summary>
    /// <param name="tree">The referral tree of the program's members; the book holds one tier per member of it.</param>
    /// <param name="versions">The policy versions.</param>
    /// <returns>The book.</returns>
    /// <exception cref="InvalidInputException">A version is invalid (every problem listed).</exception>
    /// <exception cref="InvalidInputException">Versions differ in their tiers, or none was given.</exception>
    public static MembershipBook Create(ReferralTree tree, params IEnumerable<MembershipPolicy> versions)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(versions);
        var list = versions.Select(MembershipPolicy.Create).OrderBy(v => v.EffectiveFrom).ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("At least one policy version is required.", nameof(versions));
        }

        foreach (var v in list)
        {
            if (!v.Tiers.Select(t => t.Id).SequenceEqual(list[0].Tiers.Select(t => t.Id), StringComparer.Ordinal))
            {
                throw new InvalidInputException(new PolicyVersionsMustShareTiersRule(v.Version));
            }
        }

        return new MembershipBook(tree, list);
    }

    /// <summary>The policy version in effect at an instant (the first version before it takes effect).</summary>
    /// <param name="at">The instant of the evaluation: the policy in force then applies, and windows end there.</param>
    /// <returns>The version.</returns>
    public MembershipPolicy PolicyAt(Instant at)
    {
        var result = _policies[0];
        foreach (var p in _policies)
        {
            if (p.EffectiveFrom <= at)
            {
                result = p;
            }
        }

        return result;
    }

    /// <summary>The tier a member holds.</summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <returns>The tier id.</returns>
    public string TierOf(MemberId member) => _policies[0].Tiers[_effective[Index(member)]].Id;

    /// <summary>The rank of a member: the index of the tier held (0 is the base tier), as the commission engine reads it.</summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <returns>The rank.</returns>
    public int RankOf(MemberId member) => _effective[Index(member)];

    /// <summary>The rank of every member, in the tree's index order (for <c>MemberStatuses.FromArrays</c>).</summary>
    /// <returns>A copy.</returns>
    public int[] Ranks() => (int[])_effective.Clone();

    /// <summary>A member's tier changes, oldest first.</summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <returns>The changes.</returns>
    public IReadOnlyList<TierChange> History(MemberId member)
    {
        var result = new List<TierChange>();
        for (var k = _lastChange[Index(member)]; k >= 0; k = _previousOfMember[k])
        {
            result.Add(_changes[k]);
        }

        result.Reverse();
        return result;
    }

    /// <summary>The lock in force or scheduled for a member, or null.</summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <returns>The lock.</returns>
    public TierLock? LockOf(MemberId member) => _locks.GetValueOrDefault(Index(member));

    /// <summary>
    /// Evaluates every member who had joined by <paramref name="at"/> (see the class remarks for the rules) and
    /// records the changes. Linear in members and orders.
    /// </summary>
    /// <param name="facts">The facts (their tree may have grown since the last call; it must extend the book's).</param>
    /// <param name="at">The evaluation instant; windows end there (excluded). For a period evaluation, the period's boundary.</param>
    /// <param name="kind">Upgrades only, or a period evaluation.</param>
    /// <returns>What changed.</returns>
    /// <exception cref="InvalidInputException">With <see cref="EvaluationsMustMoveForwardRule"/> when <paramref name="at"/> is earlier than the book's latest evaluation (nothing changes).</exception>
    public EvaluationSummary Evaluate(MembershipFacts facts, Instant at, EvaluationKind kind = EvaluationKind.UpgradesOnly)
    {
        MoveForward(at);
        Adopt(facts);
        var policy = PolicyAt(at);
        var evaluator = NewEvaluator(facts, policy, at);
        var changes = ImmutableArray.CreateBuilder<TierChange>();
        int evaluated = 0, ups = 0, downs = 0;
        for (var m = 0; m < _tree.Count; m++)
        {
            if (_tree.JoinedAtIndex(m) > at)
            {
                continue;
            }

            evaluated++;
            var outcome = Decide(evaluator, facts, m, at, kind, explain: false);
            var change = Apply(m, outcome, at, policy);
            if (change is not null)
            {
                changes.Add(change);
                if (outcome.Effective > outcome.EffectiveBefore)
                {
                    ups++;
                }
                else
                {
                    downs++;
                }
            }
        }

        _latestEvaluation = at;
        return new EvaluationSummary(at, kind, policy.Version, evaluated, ups, downs, changes.ToImmutable());
    }

    /// <summary>Refuses an evaluation earlier than the latest the book recorded (before anything changes).</summary>
    private void MoveForward(Instant at)
    {
        if (_latestEvaluation is { } latest && at < latest)
        {
            throw new InvalidInputException(new EvaluationsMustMoveForwardRule(at, latest));
        }
    }

    /// <summary>Evaluates one member and records the change, if any.</summary>
    /// <param name="facts">The members' orders and refunds, built over the same tree (<see cref="MembershipFacts.Build(ReferralTree, Currency, IReadOnlyList{Order}, IReadOnlyList{Refund})"/>).</param>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <param name="at">The evaluation instant.</param>
    /// <param name="kind">Upgrades only, or a period evaluation.</param>
    /// <returns>The decision with its criteria.</returns>
    /// <exception cref="InvalidInputException">With <see cref="EvaluationsMustMoveForwardRule"/> when <paramref name="at"/> is earlier than the book's latest evaluation (nothing changes).</exception>
    public TierDecision EvaluateMember(MembershipFacts facts, MemberId member, Instant at, EvaluationKind kind = EvaluationKind.UpgradesOnly)
    {
        MoveForward(at);
        Adopt(facts);
        var m = Index(member);
        var policy = PolicyAt(at);
        var outcome = Decide(NewEvaluator(facts, policy, at), facts, m, at, kind, explain: true);
        var decision = ToDecision(member, at, policy, outcome);
        Apply(m, outcome, at, policy);
        _latestEvaluation = at;
        return decision;
    }

    /// <summary>
    /// The decision an evaluation would take if the given orders were added to the member's facts. Pure: the
    /// book does not change. With no hypothetical orders it equals the decision <see cref="EvaluateMember"/> would take.
    /// </summary>
    /// <param name="facts">The members' orders and refunds, built over the same tree (<see cref="MembershipFacts.Build(ReferralTree, Currency, IReadOnlyList{Order}, IReadOnlyList{Refund})"/>).</param>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <param name="at">The evaluation instant.</param>
    /// <param name="hypotheticalOrders">Orders of this member to imagine (their buyer is ignored).</param>
    /// <param name="kind">Upgrades only, or a period evaluation.</param>
    /// <returns>The decision.</returns>
    public TierDecision WhatIf(MembershipFacts facts, MemberId member, Instant at, IEnumerable<Order> hypotheticalOrders, EvaluationKind kind = EvaluationKind.UpgradesOnly)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(hypotheticalOrders);
        var m = IndexIn(facts.Tree, member);
        var policy = PolicyAt(at);
        var evaluator = NewEvaluator(facts, policy, at);
        var extra = hypotheticalOrders.ToList();
        if (extra.Count > 0)
        {
            evaluator.Overlay(m, extra);
        }

        return ToDecision(member, at, policy, Decide(evaluator, facts, m, at, kind, explain: true));
    }

    /// <summary>Where a member stands now: the decision an evaluation would take, the next tier's criteria and distance, and what keeping the tier takes. Pure.</summary>
    /// <param name="facts">The members' orders and refunds, built over the same tree (<see cref="MembershipFacts.Build(ReferralTree, Currency, IReadOnlyList{Order}, IReadOnlyList{Refund})"/>).</param>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <param name="at">The instant of the evaluation: the policy in force then applies, and windows end there.</param>
    /// <returns>The explanation.</returns>
    public TierExplanation Explain(MembershipFacts facts, MemberId member, Instant at)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var m = IndexIn(facts.Tree, member);
        var policy = PolicyAt(at);
        return ExplainOne(NewEvaluator(facts, policy, at), policy, facts, m, member, at);
    }

    /// <summary>
    /// Every member's explanation (as <see cref="Explain"/> gives it for one) in the order of the facts' tree,
    /// made one at a time as the caller reads them: the facts are summed once for all members, so explaining a
    /// whole store is linear in members and orders. Pure; the book must not change while the sequence is read.
    /// </summary>
    /// <param name="facts">The members' orders and refunds, built over the same tree (<see cref="MembershipFacts.Build(ReferralTree, Currency, IReadOnlyList{Order}, IReadOnlyList{Refund})"/>).</param>
    /// <param name="at">The instant of the evaluation: the policy in force then applies, and windows end there.</param>
    /// <returns>One explanation per member of the facts' tree who had joined by <paramref name="at"/>.</returns>
    public IEnumerable<TierExplanation> ExplainAll(MembershipFacts facts, Instant at)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var tree = facts.Tree;
        if (tree.Count > _earned.Length && !ReferenceEquals(tree, _tree))
        {
            Adopt(tree);
        }

        var policy = PolicyAt(at);
        return Iterate(NewEvaluator(facts, policy, at));

        IEnumerable<TierExplanation> Iterate(TierEvaluator evaluator)
        {
            for (var m = 0; m < tree.Count; m++)
            {
                if (tree.JoinedAtIndex(m) <= at)
                {
                    yield return ExplainOne(evaluator, policy, facts, m, tree.MemberAt(m), at);
                }
            }
        }
    }

    private TierExplanation ExplainOne(TierEvaluator evaluator, MembershipPolicy policy, MembershipFacts facts, int m, MemberId member, Instant at)
    {
        var outcome = Decide(evaluator, facts, m, at, EvaluationKind.UpgradesOnly, explain: true);
        var decision = ToDecision(member, at, policy, outcome);
        var current = outcome.Effective;
        string? nextTier = null;
        string? distanceToNext = null;
        var nextCriteria = ImmutableArray.CreateBuilder<CriterionResult>();
        if (current + 1 < policy.Tiers.Length)
        {
            nextTier = policy.Tiers[current + 1].Id;
            distanceToNext = evaluator.Explain(evaluator.Qualify(current + 1), m, current + 1, nextCriteria);
        }

        var retainCriteria = ImmutableArray.CreateBuilder<CriterionResult>();
        var distanceToKeep = outcome.Earned > 0 ? evaluator.Explain(evaluator.Retain(outcome.Earned), m, outcome.Earned, retainCriteria) : null;
        var protectedUntil = outcome.Earned > 0 ? Plus(policy, Instant.FromUnixTimeTicks(outcome.Since), policy.MinimumTierDuration) : (Instant?)null;
        var graceUntil = outcome.GraceFrom != long.MinValue ? Plus(policy, Instant.FromUnixTimeTicks(outcome.GraceFrom), policy.GracePeriod) : (Instant?)null;
        _locks.TryGetValue(m, out var tierLock);
        var locked = tierLock is not null && tierLock.From <= at && (tierLock.Until is null || at < tierLock.Until) ? tierLock.Until ?? Instant.MaxValue : (Instant?)null;
        return new TierExplanation(
            member,
            at,
            policy.Tiers[current].Id,
            decision,
            nextTier,
            nextCriteria.ToImmutable(),
            distanceToNext,
            retainCriteria.ToImmutable(),
            distanceToKeep,
            protectedUntil is { } p && p > at ? p : null,
            graceUntil,
            outcome.PaidTier > 0 ? policy.Tiers[outcome.PaidTier].Id : null,
            outcome.PaidTier > 0 ? Instant.FromUnixTimeTicks(outcome.PaidEnd) : null,
            locked);
    }

    /// <summary>
    /// Every member's standing after the evaluations recorded so far, in the order of the book's tree (tier ids,
    /// grace ends and their arithmetic from the policy in force at <paramref name="at"/>). One pass over the
    /// book's columns; the rows are new objects the caller owns.
    /// </summary>
    /// <param name="at">The instant whose policy names the tiers and measures the grace period.</param>
    /// <returns>One standing per member of the book's tree.</returns>
    public IReadOnlyList<MemberStanding> Standings(Instant at)
    {
        var policy = PolicyAt(at);
        var result = new MemberStanding[_effective.Length];
        for (var m = 0; m < result.Length; m++)
        {
            var rank = _effective[m];
            var graceUntil = _graceFrom[m] != long.MinValue ? Plus(policy, Instant.FromUnixTimeTicks(_graceFrom[m]), policy.GracePeriod) : (Instant?)null;
            result[m] = new MemberStanding(_tree.MemberAt(m), policy.Tiers[rank].Id, rank, Instant.FromUnixTimeTicks(_since[m]), graceUntil);
        }

        return result;
    }

    /// <summary>
    /// Locks a member's tier by hand from <paramref name="at"/> until <paramref name="until"/> (open-ended when
    /// null): evaluations keep the member there while it is in force. Recorded with the reason and the actor.
    /// </summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <param name="tierId">The tier to hold.</param>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who.</param>
    /// <param name="at">From when.</param>
    /// <param name="until">Until when, or null.</param>
    /// <returns>The tier change, or null when the tier did not change.</returns>
    public TierChange? Lock(MemberId member, string tierId, string reason, string actor, Instant at, Instant? until = null)
    {
        var m = Index(member);
        var policy = PolicyAt(at);
        var tier = policy.IndexOf(tierId);
        if (tier < 0)
        {
            throw new InvalidInputException(new TierMustExistRule(tierId));
        }

        if (string.IsNullOrWhiteSpace(reason) || string.IsNullOrWhiteSpace(actor))
        {
            throw new InvalidInputException(new ManualChangeNeedsReasonRule(member));
        }

        if (until is { } u && u <= at)
        {
            throw new ArgumentOutOfRangeException(nameof(until), until, "A lock must end after it starts.");
        }

        _locks[m] = new TierLock(tierId, reason, actor, at, until);
        return Record(m, tier, at, TierChangeCause.Manual, policy, $"locked by {actor}: {reason}" + (until is null ? string.Empty : $" (until {until})"));
    }

    /// <summary>Ends a member's lock; the member returns to the higher of the earned and paid tracks.</summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who.</param>
    /// <param name="at">When.</param>
    /// <returns>The tier change, or null when the tier did not change.</returns>
    public TierChange? Unlock(MemberId member, string reason, string actor, Instant at)
    {
        var m = Index(member);
        if (string.IsNullOrWhiteSpace(reason) || string.IsNullOrWhiteSpace(actor))
        {
            throw new InvalidInputException(new ManualChangeNeedsReasonRule(member));
        }

        if (!_locks.Remove(m))
        {
            return null;
        }

        var tier = Math.Max(_earned[m], _paidEnd[m] > at.ToUnixTimeTicks() ? _paidTier[m] : 0);
        return Record(m, tier, at, TierChangeCause.Manual, PolicyAt(at), $"unlocked by {actor}: {reason}");
    }

    /// <summary>
    /// Grants a member a tier by hand: <see cref="GrantedManually"/> holds for that tier while the grant is in
    /// force; the next evaluation applies it.
    /// </summary>
    /// <param name="member">A member of the book's tree; any other id throws <see cref="InvalidInputException"/> (<c>membership.member.unknown</c>).</param>
    /// <param name="tierId">The id of a tier of the policy in force, e.g. <c>partner</c>.</param>
    /// <param name="reason">Why.</param>
    /// <param name="actor">Who.</param>
    /// <param name="from">From when.</param>
    /// <param name="until">Until when, or null.</param>
    public void Grant(MemberId member, string tierId, string reason, string actor, Instant from, Instant? until = null)
    {
        var m = Index(member);
        if (PolicyAt(from).IndexOf(tierId) < 0)
        {
            throw new InvalidInputException(new TierMustExistRule(tierId));
        }

        if (string.IsNullOrWhiteSpace(reason) || string.IsNullOrWhiteSpace(actor))
        {
            throw new InvalidInputException(new ManualChangeNeedsReasonRule(member));
        }

        if (!_grants.TryGetValue(m, out var list))
        {
            list = [];
            _grants[m] = list;
        }

        list.Add(new TierGrant(tierId, reason, actor, from, until));
    }

    private static Instant Plus(MembershipPolicy policy, Instant start, Period period) =>
        policy.Zone.AtLeniently(start.InZone(policy.Zone).LocalDateTime.Plus(period)).ToInstant();

    private TierEvaluator NewEvaluator(MembershipFacts facts, MembershipPolicy policy, Instant at)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.Currency != policy.Currency)
        {
            throw new InvalidInputException(new CurrencyMismatchRule(policy.Currency, facts.Currency));
        }

        var since = _since;
        var tree = facts.Tree;
        return new TierEvaluator(facts, policy, at, m => m < since.Length ? since[m] : tree.JoinedAtIndex(m).ToUnixTimeTicks(), _grants);
    }

    private Outcome Decide(TierEvaluator evaluator, MembershipFacts facts, int m, Instant at, EvaluationKind kind, bool explain)
    {
        var policy = evaluator.Policy;
        var t = at.ToUnixTimeTicks();
        var known = m < _earned.Length;
        var o = new Outcome
        {
            EffectiveBefore = known ? _effective[m] : 0,
            Earned = known ? _earned[m] : 0,
            Since = known ? _since[m] : facts.Tree.JoinedAtIndex(m).ToUnixTimeTicks(),
            GraceFrom = known ? _graceFrom[m] : long.MinValue,
            Criteria = explain ? ImmutableArray.CreateBuilder<CriterionResult>() : null,
        };
        var earnedBefore = o.Earned;
        var tiers = policy.Tiers.Length;
        var q = 0;
        for (var k = tiers - 1; k > 0; k--)
        {
            if (evaluator.Holds(evaluator.Qualify(k), m, k, t))
            {
                q = k;
                break;
            }
        }

        if (q > o.Earned)
        {
            o.Earned = q;
            o.Since = t;
            o.GraceFrom = long.MinValue;
            o.EarnedCause = TierChangeCause.Evaluation;
            o.Reason = $"qualified for '{policy.Tiers[q].Id}': {evaluator.QualifyText(q)}";
            o.Explain(evaluator, evaluator.Qualify(q), m, q);
        }
        else if (q < o.Earned && facts.HasRefundBetween(m, o.Since, t) && !evaluator.Holds(evaluator.Qualify(o.Earned), m, o.Earned, o.Since))
        {
            var target = q;
            for (var k = o.Earned - 1; k > target; k--)
            {
                if (evaluator.Holds(evaluator.Qualify(k), m, k, o.Since))
                {
                    target = k;
                    break;
                }
            }

            o.Reason = $"a refund took away what '{policy.Tiers[o.Earned].Id}' was reached on: {evaluator.QualifyText(o.Earned)}";
            o.Explain(evaluator, evaluator.Qualify(o.Earned), m, o.Earned);
            o.Earned = target;
            o.Since = t;
            o.GraceFrom = long.MinValue;
            o.EarnedCause = TierChangeCause.Refund;
        }
        else if (o.Earned > 0 && q < o.Earned && kind == EvaluationKind.Period && !evaluator.Holds(evaluator.Retain(o.Earned), m, o.Earned, t))
        {
            var tier = policy.Tiers[o.Earned].Id;
            var protectedUntil = Plus(policy, Instant.FromUnixTimeTicks(o.Since), policy.MinimumTierDuration);
            o.Explain(evaluator, evaluator.Retain(o.Earned), m, o.Earned);
            if (at < protectedUntil)
            {
                o.Reason = $"keeps '{tier}': retain conditions unmet, but no downgrade before {protectedUntil} (minimum duration)";
            }
            else if (!policy.GracePeriod.Equals(Period.Zero) && (o.GraceFrom == long.MinValue || at < Plus(policy, Instant.FromUnixTimeTicks(o.GraceFrom), policy.GracePeriod)))
            {
                if (o.GraceFrom == long.MinValue)
                {
                    o.GraceFrom = t;
                }

                o.Reason = $"keeps '{tier}' in grace until {Plus(policy, Instant.FromUnixTimeTicks(o.GraceFrom), policy.GracePeriod)}: retain conditions unmet";
            }
            else
            {
                var target = 0;
                if (policy.Downgrade == DowngradeMode.OneTierAtATime)
                {
                    target = o.Earned - 1;
                }
                else
                {
                    for (var k = o.Earned - 1; k > 0; k--)
                    {
                        if (evaluator.Holds(evaluator.Qualify(k), m, k, t) || evaluator.Holds(evaluator.Retain(k), m, k, t))
                        {
                            target = k;
                            break;
                        }
                    }
                }

                o.Reason = $"retain conditions of '{tier}' unmet: {evaluator.RetainText(o.Earned)}";
                o.Earned = target;
                o.Since = t;
                o.GraceFrom = long.MinValue;
                o.EarnedCause = TierChangeCause.Evaluation;
            }
        }
        else
        {
            if (kind == EvaluationKind.Period)
            {
                o.GraceFrom = long.MinValue;
            }

            o.Reason = explain ? $"stays '{policy.Tiers[o.Earned].Id}'" : null;
            if (explain && o.Earned > 0)
            {
                o.Explain(evaluator, kind == EvaluationKind.Period ? evaluator.Retain(o.Earned) : evaluator.Qualify(o.Earned), m, o.Earned);
            }
        }

        (o.PaidTier, o.PaidEnd) = evaluator.Paid(m);
        var paidBefore = known && _paidEnd[m] > t ? _paidTier[m] : -1;
        var lockExpired = false;
        long lockEnd = 0;
        if (_locks.TryGetValue(m, out var tierLock) && tierLock.Until is { } until && until <= at)
        {
            lockExpired = true;
            lockEnd = until.ToUnixTimeTicks();
            o.LockExpired = true;
        }

        if (!lockExpired && tierLock is not null && tierLock.From <= at)
        {
            o.Effective = policy.IndexOf(tierLock.TierId);
            o.Reason += $"; held at '{tierLock.TierId}' by a lock ({tierLock.Reason}, by {tierLock.Actor})";
        }
        else
        {
            o.Effective = Math.Max(o.Earned, Math.Max(o.PaidTier, 0));
        }

        if (o.Effective != o.EffectiveBefore)
        {
            if (lockExpired)
            {
                o.Cause = TierChangeCause.Expiry;
                o.ChangeAt = lockEnd;
                o.Reason += $"; the lock ({tierLock!.Reason}) ended";
            }
            else if (o.Earned != earnedBefore && o.Effective == o.Earned)
            {
                o.Cause = o.EarnedCause;
            }
            else if (o.PaidTier > 0 && o.Effective == o.PaidTier && o.PaidTier != paidBefore)
            {
                o.Cause = TierChangeCause.Paid;
                o.Reason += $"; paid '{policy.Tiers[o.PaidTier].Id}' membership until {Instant.FromUnixTimeTicks(o.PaidEnd)}";
            }
            else if (known && _paidTier[m] > 0 && o.PaidTier < _paidTier[m])
            {
                var ended = _paidEnd[m] <= t;
                o.Cause = ended ? TierChangeCause.Expiry : TierChangeCause.Refund;
                o.ChangeAt = ended ? _paidEnd[m] : 0;
                o.Reason += ended ? $"; the paid membership ended at {Instant.FromUnixTimeTicks(_paidEnd[m])}" : "; the paid membership was refunded";
            }
            else
            {
                o.Cause = o.EarnedCause ?? TierChangeCause.Evaluation;
            }
        }

        return o;
    }

    private TierChange? Apply(int m, Outcome o, Instant at, MembershipPolicy policy)
    {
        _earned[m] = o.Earned;
        _since[m] = o.Since;
        _graceFrom[m] = o.GraceFrom;
        _paidTier[m] = o.PaidTier;
        _paidEnd[m] = o.PaidEnd;
        if (o.LockExpired)
        {
            _locks.Remove(m);
        }

        if (o.Effective == _effective[m])
        {
            return null;
        }

        var when = o.ChangeAt != 0 ? Instant.FromUnixTimeTicks(o.ChangeAt) : at;
        return Record(m, o.Effective, when, o.Cause ?? TierChangeCause.Evaluation, policy, o.Reason ?? string.Empty);
    }

    private TierChange? Record(int m, int tier, Instant at, TierChangeCause cause, MembershipPolicy policy, string evidence)
    {
        if (tier == _effective[m])
        {
            return null;
        }

        var change = new TierChange(_tree.MemberAt(m), policy.Tiers[_effective[m]].Id, policy.Tiers[tier].Id, at, cause, policy.Version, evidence);
        _effective[m] = tier;
        _changes.Add(change);
        _previousOfMember.Add(_lastChange[m]);
        _lastChange[m] = _changes.Count - 1;
        return change;
    }

    private static TierDecision ToDecision(MemberId member, Instant at, MembershipPolicy policy, Outcome o) => new(
        member,
        at,
        policy.Tiers[o.EffectiveBefore].Id,
        policy.Tiers[o.Effective].Id,
        policy.Tiers[o.Earned].Id,
        o.Effective != o.EffectiveBefore ? o.Cause : null,
        policy.Version,
        o.Reason ?? string.Empty,
        o.Criteria?.ToImmutable() ?? []);

    private int Index(MemberId member) =>
        _tree.TryGetIndex(member, out var i) ? i : throw new InvalidInputException(new MemberMustBeKnownRule(member));

    private int IndexIn(ReferralTree tree, MemberId member)
    {
        if (!tree.TryGetIndex(member, out var i))
        {
            throw new InvalidInputException(new MemberMustBeKnownRule(member));
        }

        if (i >= _earned.Length && !ReferenceEquals(tree, _tree))
        {
            Adopt(tree);
        }

        return i;
    }

    private void Adopt(MembershipFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Adopt(facts.Tree);
    }

    private void Adopt(ReferralTree tree)
    {
        if (ReferenceEquals(tree, _tree))
        {
            return;
        }

        if (tree.Count < _tree.Count)
        {
            throw new ArgumentException($"The facts' tree has {tree.Count} members, fewer than the book's {_tree.Count}; it must extend the book's tree.", nameof(tree));
        }

        for (var i = 0; i < _tree.Count; i++)
        {
            if (tree.MemberAt(i) != _tree.MemberAt(i))
            {
                throw new ArgumentException($"The facts' tree has {tree.MemberAt(i)} at index {i} where the book has {_tree.MemberAt(i)}; it must extend the book's tree.", nameof(tree));
            }
        }

        Grow(tree);
        _tree = tree;
    }

    private void Grow(ReferralTree tree)
    {
        var old = _earned.Length;
        var n = tree.Count;
        if (n == old)
        {
            return;
        }

        Array.Resize(ref _earned, n);
        Array.Resize(ref _since, n);
        Array.Resize(ref _graceFrom, n);
        Array.Resize(ref _effective, n);
        Array.Resize(ref _paidTier, n);
        Array.Resize(ref _paidEnd, n);
        Array.Resize(ref _lastChange, n);
        for (var i = old; i < n; i++)
        {
            _since[i] = tree.JoinedAtIndex(i).ToUnixTimeTicks();
            _graceFrom[i] = long.MinValue;
            _paidTier[i] = -1;
            _lastChange[i] = -1;
        }
    }

    private struct Outcome
    {
        public int EffectiveBefore { get; set; }

        public int Earned { get; set; }

        public long Since { get; set; }

        public long GraceFrom { get; set; }

        public int Effective { get; set; }

        public int PaidTier { get; set; }

        public long PaidEnd { get; set; }

        public bool LockExpired { get; set; }

        public long ChangeAt { get; set; }

        public TierChangeCause? EarnedCause { get; set; }

        public TierChangeCause? Cause { get; set; }

        public string? Reason { get; set; }

        public ImmutableArray<CriterionResult>.Builder? Criteria { get; init; }

        public readonly void Explain(TierEvaluator evaluator, Condition? condition, int m, int tier)
        {
            if (Criteria is not null && condition is not null)
            {
                Criteria.Clear();
                evaluator.Explain(condition, m, tier, Criteria);
            }
        }
    }
}
