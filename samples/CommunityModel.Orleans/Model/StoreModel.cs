using System.Globalization;
using System.Text;
using CommunityModel.Commissions;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using CommunityModel.Serialization.Json;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Orleans.Model;

/// <summary>
/// One store as a pure fold of its commands: joins, orders, refunds, month closes and payouts, over the library's
/// referral tree, membership book, commission engine and payout ledger. No clock, no I/O: the same commands in
/// the same order give the same store, which is what lets a grain rebuild it from its log on any silo.
/// </summary>
/// <remarks>
/// Month semantics follow <c>community close</c>: orders and joins are facts until their month closes; the close
/// evaluates every member's tier at the month's end (a period evaluation, after every earlier month's), settles the
/// month's orders with the engine's totals mode at those tiers (one ledger entry per earner, pending for the holding
/// period from the month's end: <see cref="PayoutLedger.RecordSettlement"/>), and then applies the refunds of the
/// month's orders. A refund of an order of a closed month goes to the ledger at once (a cancellation, or a clawback
/// of what was paid): its first refund brings the order's lines, which the engine computes again for that order
/// alone at the ranks its month was settled with (kept per month as the changes from the month before). Not
/// thread-safe: one grain owns one model.
/// </remarks>
public sealed partial class StoreModel
{
    private readonly CommissionPlan _plan;
    private readonly CommissionEngine _engine;
    private readonly MembershipPolicy _policy;
    private readonly int[] _rankOfTier;
    private PayoutLedger _ledger;
    private readonly Currency _currency;

    private readonly List<JoinRecord> _joins = [];
    private readonly Dictionary<string, int> _memberIndex = new(StringComparer.Ordinal);
    private readonly List<Order> _orders = [];
    private readonly Dictionary<string, int> _orderIndex = new(StringComparer.Ordinal);
    private readonly List<long> _refunded = [];
    private readonly List<Refund> _refunds = [];
    private readonly Dictionary<string, int> _refundIndex = new(StringComparer.Ordinal);
    private readonly List<int> _heldRefunds = [];
    private readonly Dictionary<string, string> _payouts = new(StringComparer.Ordinal);
    private readonly List<YearMonth> _closed = [];
    private readonly List<int> _openOrders = [];
    private readonly HashSet<int> _closedOrders = [];
    private Instant _openFrom = Instant.MinValue;

    // Per closed month, the ranks it was settled with, as changes (member's join number, rank) from the month before
    // (a member new to the month from the base tier's rank); the last month's ranks by join number.
    private readonly List<(int Join, int Rank)[]> _rankChanges = [];
    private int[] _lastRanks = [];

    // The statuses of the closed month last asked for by a refund (derived; rebuilt when another month is asked for).
    private (int Month, MemberStatuses Statuses)? _settledStatuses;

    // A grain's turn runs on one thread: the cluster's parallelism comes from its many grains.
    private static readonly CommissionRunOptions OneThread = new() { MaxDegreeOfParallelism = 1 };

    // Derived at each close (and rebuilt by it): the tree of the members joined so far, their book, its facts.
    private ReferralTree? _tree;
    private MembershipBook? _book;
    private MembershipFacts? _facts;

    private StoreModel(StoreSetup setup, CommissionPlan plan, MembershipPolicy policy, int[] rankOfTier, Period holding)
    {
        Setup = setup;
        _plan = plan;
        _engine = new CommissionEngine(plan);
        _policy = policy;
        _rankOfTier = rankOfTier;
        _currency = plan.Currency;
        _ledger = new PayoutLedger(_currency, holding, policy.Zone);
    }

    /// <summary>The rank of the base tier (the first), which a member has until a close says otherwise.</summary>
    private int BaseRank => _rankOfTier[0];

    /// <summary>What the store was made with.</summary>
    public StoreSetup Setup { get; }

    /// <summary>The store's currency.</summary>
    public Currency Currency => _currency;

    /// <summary>The payout ledger (read it; change it only through commands).</summary>
    public PayoutLedger Ledger => _ledger;

    /// <summary>The months closed, in order.</summary>
    public IReadOnlyList<YearMonth> ClosedMonths => _closed;

    /// <summary>
    /// Makes a store from its setup, or says every problem of its files at once (each with its file, path and code).
    /// </summary>
    /// <param name="setup">The plan, policy and ladder JSON and the holding period.</param>
    /// <param name="problems">Every problem found; empty when the store was made.</param>
    /// <returns>The store, or <see langword="null"/> when there are problems.</returns>
    public static StoreModel? TryCreate(StoreSetup setup, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var found = new List<string>();
        var policy = ConfigJson.ReadMembershipPolicy(setup.MembershipJson);
        found.AddRange(policy.Problems.Select(p => $"membership: {p}"));
        var ladder = ConfigJson.ReadLadder(setup.LadderJson);
        found.AddRange(ladder.Problems.Select(p => $"ladder: {p}"));
        var plan = ConfigJson.ReadPlan(setup.PlanJson);
        found.AddRange(plan.Problems.Select(p => $"plan: {p}"));
        var holding = PeriodPattern.Roundtrip.Parse(setup.Holding);
        if (!holding.Success)
        {
            found.Add($"holding: '{setup.Holding}' is not an ISO 8601 period such as P2M [holding.format]");
        }

        if (found.Count > 0)
        {
            problems = found;
            return null;
        }

        try
        {
            var membership = MembershipPolicy.Create(policy.Value!);
            var built = CommissionPlan.Create(plan.Value!);
            var ranks = membership.RanksFor(built);
            if (membership.Currency != built.Currency || ladder.Value!.Currency != built.Currency)
            {
                problems = [$"currency: the plan's {built.Currency.Code}, the policy's {membership.Currency.Code} and the ladder's {ladder.Value!.Currency.Code} must be one currency [store.currency]"];
                return null;
            }

            problems = [];
            return new StoreModel(setup, built, membership, ranks, holding.Value);
        }
        catch (InvalidInputException e)
        {
            problems = [.. e.Problems.Select(p => $"plan: {p}")];
            return null;
        }
    }

    /// <summary>Applies one command: applied, a duplicate (nothing changes), or rejected (nothing changes).</summary>
    /// <param name="command">The command.</param>
    /// <returns>What became of it.</returns>
    public CommandResult Apply(StoreCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrWhiteSpace(command.Id))
        {
            return CommandResult.Rejected("command.id.missing", $"a {command.Kind} command needs an id");
        }

        return command.Kind switch
        {
            StoreCommandKind.Join => Join(command),
            StoreCommandKind.Order => PlaceOrder(command),
            StoreCommandKind.Refund => RefundOrder(command),
            StoreCommandKind.CloseMonth => Close(command),
            StoreCommandKind.Payout => Pay(command),
            _ => CommandResult.Rejected("command.kind.unknown", $"unknown command kind {(int)command.Kind}"),
        };
    }

    private CommandResult Late(StoreCommand c) =>
        CommandResult.Rejected("month.closed", $"{c.Kind} '{c.Id}' at {c.At} falls in a closed month (the store is open from {_openFrom})");

    private CommandResult Join(StoreCommand c)
    {
        if (_memberIndex.TryGetValue(c.Id, out var known))
        {
            var was = _joins[known];
            return was.Sponsor?.Value == c.Reference && was.JoinedAt == c.At
                ? CommandResult.Duplicate($"member '{c.Id}' has joined already")
                : CommandResult.Rejected("member.conflict", $"member '{c.Id}' joined already, with another sponsor or time");
        }

        if (c.At < _openFrom)
        {
            return Late(c);
        }

        MemberId? sponsor = null;
        if (c.Reference is { Length: > 0 } s)
        {
            if (!_memberIndex.TryGetValue(s, out var si))
            {
                return CommandResult.Rejected("member.sponsor.unknown", $"member '{c.Id}': sponsor '{s}' has not joined");
            }

            if (_joins[si].JoinedAt > c.At)
            {
                return CommandResult.Rejected("member.sponsor.later", $"member '{c.Id}' cannot join before sponsor '{s}' did");
            }

            sponsor = new MemberId(s);
        }

        _memberIndex.Add(c.Id, _joins.Count);
        _joins.Add(new JoinRecord(new MemberId(c.Id), sponsor, c.At));
        return CommandResult.Applied($"member '{c.Id}' joined");
    }

    private CommandResult PlaceOrder(StoreCommand c)
    {
        if (_orderIndex.TryGetValue(c.Id, out var known))
        {
            var was = _orders[known];
            return was.Buyer.Value == c.Member && was.Amount.MinorUnits == c.AmountMinor && was.PaidAt == c.At && was.Product.Value == c.Product
                ? CommandResult.Duplicate($"order '{c.Id}' is in the store already")
                : CommandResult.Rejected("order.conflict", $"order '{c.Id}' is in the store already with other content");
        }

        if (c.At < _openFrom)
        {
            return Late(c);
        }

        if (c.Member is null || !_memberIndex.TryGetValue(c.Member, out var buyer))
        {
            return CommandResult.Rejected("order.buyer.unknown", $"order '{c.Id}': buyer '{c.Member}' has not joined");
        }

        if (_joins[buyer].JoinedAt > c.At)
        {
            return CommandResult.Rejected("order.buyer.later", $"order '{c.Id}' is paid before its buyer '{c.Member}' joined");
        }

        if (c.AmountMinor <= 0)
        {
            return CommandResult.Rejected("order.amount", $"order '{c.Id}': the amount must be positive");
        }

        if (string.IsNullOrWhiteSpace(c.Product))
        {
            return CommandResult.Rejected("order.product.missing", $"order '{c.Id}' names no product");
        }

        _orderIndex.Add(c.Id, _orders.Count);
        _openOrders.Add(_orders.Count);
        _orders.Add(new Order(new OrderId(c.Id), new MemberId(c.Member), new ProductId(c.Product), Money.OfMinor(c.AmountMinor, _currency), c.At));
        _refunded.Add(0);
        return CommandResult.Applied($"order '{c.Id}' recorded");
    }

    private CommandResult RefundOrder(StoreCommand c)
    {
        if (_refundIndex.TryGetValue(c.Id, out var known))
        {
            var was = _refunds[known];
            return was.Order.Value == c.Reference && was.Amount.MinorUnits == c.AmountMinor && was.At == c.At
                ? CommandResult.Duplicate($"refund '{c.Id}' is in the store already")
                : CommandResult.Rejected("refund.conflict", $"refund '{c.Id}' is in the store already with other content");
        }

        if (c.At < _openFrom)
        {
            return Late(c);
        }

        if (c.Reference is null || !_orderIndex.TryGetValue(c.Reference, out var o))
        {
            return CommandResult.Rejected("refund.order.unknown", $"refund '{c.Id}': order '{c.Reference}' is not in the store");
        }

        var order = _orders[o];
        if (c.AmountMinor <= 0 || c.AmountMinor > order.Amount.MinorUnits - _refunded[o])
        {
            return CommandResult.Rejected("refund.amount", $"refund '{c.Id}': {Money.OfMinor(c.AmountMinor, _currency)} is not between 0 and what is left of order '{c.Reference}' ({Money.OfMinor(order.Amount.MinorUnits - _refunded[o], _currency)})");
        }

        if (c.At < order.PaidAt)
        {
            return CommandResult.Rejected("refund.before.order", $"refund '{c.Id}' is before its order was paid");
        }

        var refund = new Refund(new RefundId(c.Id), order.Id, Money.OfMinor(c.AmountMinor, _currency), c.At);
        if (_closedOrders.Contains(o))
        {
            // The order's month is closed: the ledger reverses its lines now.
            var result = RefundInLedger(refund, order, null);
            if (!result.Accepted)
            {
                return CommandResult.Rejected(result.Code, $"refund '{c.Id}': {result.Message}");
            }
        }
        else
        {
            _heldRefunds.Add(_refunds.Count);
        }

        _refundIndex.Add(c.Id, _refunds.Count);
        _refunds.Add(refund);
        _refunded[o] += c.AmountMinor;
        return CommandResult.Applied($"refund '{c.Id}' of order '{c.Reference}' recorded");
    }

    private CommandResult Close(StoreCommand c)
    {
        if (!YearMonthPattern.Iso.Parse(c.Id).TryGetValue(default, out var month))
        {
            return CommandResult.Rejected("month.format", $"'{c.Id}' is not a month such as 2026-03");
        }

        if (_closed.Contains(month))
        {
            return CommandResult.Duplicate($"{c.Id} is closed already");
        }

        if (_closed.Count > 0 && month != _closed[^1].PlusMonths(1))
        {
            return CommandResult.Rejected("month.order", $"months close in order: the next is {_closed[^1].PlusMonths(1):yyyy-MM}, not {c.Id}");
        }

        var end = month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(_policy.Zone).ToInstant();
        // The tree of everyone who joined before the month's end; the book evaluated at every closed month's end.
        var joins = _joins.Where(j => j.JoinedAt < end).ToList();
        var tree = ReferralTree.Build(joins);
        var orders = _orders.Where(o => o.PaidAt < end).ToList();
        var refunds = _refunds.Where(r => r.At < end).ToList();
        var facts = MembershipFacts.Build(tree, _currency, orders, refunds);
        var book = MembershipBook.Create(tree, _policy);
        foreach (var m in _closed.Append(month))
        {
            book.Evaluate(facts, m.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(_policy.Zone).ToInstant(), EvaluationKind.Period);
        }

        var tiers = book.Ranks();
        var ranks = new int[tiers.Length];
        for (var m = 0; m < ranks.Length; m++)
        {
            ranks[m] = _rankOfTier[tiers[m]];
        }

        var active = new bool[tree.Count];
        Array.Fill(active, true);
        var statuses = MemberStatuses.FromArrays(tree, ranks, active);
        var monthIndices = _openOrders.Where(o => _orders[o].PaidAt < end).ToList();
        var monthOrders = monthIndices.Select(o => _orders[o]).ToList();
        var batch = OrderBatch.Create(tree, _currency, monthOrders);
        var recorded = _ledger.RecordSettlement(c.Id, _engine.RunTotals(statuses, batch, OneThread), batch, end);
        if (!recorded.Accepted)
        {
            return CommandResult.Rejected(recorded.Code, $"{c.Id} cannot be closed: {recorded.Message}");
        }

        // The month's ranks, kept as the changes from the last month's (by join number), for the refunds to come.
        var byJoin = new int[_joins.Count];
        Array.Fill(byJoin, BaseRank, _lastRanks.Length, byJoin.Length - _lastRanks.Length);
        Array.Copy(_lastRanks, byJoin, _lastRanks.Length);
        var changes = new List<(int Join, int Rank)>();
        for (var m = 0; m < ranks.Length; m++)
        {
            var join = _memberIndex[tree.MemberAt(m).Value];
            if (byJoin[join] != ranks[m])
            {
                changes.Add((join, ranks[m]));
                byJoin[join] = ranks[m];
            }
        }

        _rankChanges.Add([.. changes]);
        _lastRanks = byJoin;
        _settledStatuses = (_closed.Count, statuses);

        var commissions = recorded.Entries.Sum(e => e.Amount.MinorUnits);
        var applied = 0;
        foreach (var r in _heldRefunds.Where(r => _refunds[r].At < end).ToList())
        {
            var refund = _refunds[r];
            var result = RefundInLedger(refund, _orders[_orderIndex[refund.Order.Value]], statuses);
            if (!result.Accepted)
            {
                throw new InvalidOperationException($"refund '{refund.Id.Value}' was accepted when it came and is refused at the close: {result.Message} [{result.Code}]");
            }

            _heldRefunds.Remove(r);
            applied++;
        }

        _openOrders.RemoveAll(o => _orders[o].PaidAt < end);
        _closedOrders.UnionWith(monthIndices);
        _closed.Add(month);
        _openFrom = end;
        (_tree, _book, _facts) = (tree, book, facts);
        var ups = 0;
        for (var m = 0; m < tiers.Length; m++)
        {
            ups += tiers[m] > 0 ? 1 : 0;
        }

        return CommandResult.Applied(string.Create(CultureInfo.InvariantCulture,
            $"{c.Id} closed: {monthOrders.Count} orders, {Money.OfMinor(commissions, _currency)} settled to {recorded.Entries.Count} earners, {applied} refunds applied, {ups} of {tiers.Length} members above the base tier"));
    }

    /// <summary>
    /// Gives a refund of a closed month's order to the ledger: at once when the ledger holds the order's lines (recorded
    /// line by line, or brought by an earlier refund), else with the lines the engine computes for the order alone at
    /// the ranks its month was settled with (<paramref name="statuses"/> when known).
    /// </summary>
    private LedgerResult RefundInLedger(Refund refund, Order order, MemberStatuses? statuses)
    {
        var result = _ledger.Refund(refund.Id, refund.Order, refund.Amount, refund.At);
        if (result.Code != "ledger.refund.lines-needed")
        {
            return result;
        }

        statuses ??= SettledStatuses(MonthOf(order));
        var outcome = _engine.Run(statuses, [order])[order.Id];
        return _ledger.RefundWithLines(refund.Id, outcome, refund.Amount, refund.At);
    }

    /// <summary>The closed month an order was settled in: the first whose end is after it was paid.</summary>
    private int MonthOf(Order order)
    {
        for (var m = 0; m < _closed.Count; m++)
        {
            if (order.PaidAt < EndOf(_closed[m]))
            {
                return m;
            }
        }

        throw new InvalidOperationException($"order '{order.Id.Value}' is in no closed month");
    }

    private Instant EndOf(YearMonth month) => month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(_policy.Zone).ToInstant();

    /// <summary>
    /// The statuses a closed month was settled with, over the last close's tree: the ranks kept for the month, and the
    /// members who joined after it at the base rank. An order's lines depend only on its buyer's uplines, who joined
    /// before the buyer, so they are the lines the order had in its month (no second tree is built or kept).
    /// </summary>
    private MemberStatuses SettledStatuses(int month)
    {
        if (_settledStatuses is { } known && known.Month == month && ReferenceEquals(known.Statuses.Tree, _tree))
        {
            return known.Statuses;
        }

        var byJoin = new int[_joins.Count];
        Array.Fill(byJoin, BaseRank);
        for (var m = 0; m <= month; m++)
        {
            foreach (var (join, rank) in _rankChanges[m])
            {
                byJoin[join] = rank;
            }
        }

        var tree = _tree!;
        var ranks = new int[tree.Count];
        for (var m = 0; m < ranks.Length; m++)
        {
            ranks[m] = byJoin[_memberIndex[tree.MemberAt(m).Value]];
        }

        var active = new bool[tree.Count];
        Array.Fill(active, true);
        var statuses = MemberStatuses.FromArrays(tree, ranks, active);
        _settledStatuses = (month, statuses);
        return statuses;
    }

    private CommandResult Pay(StoreCommand c)
    {
        if (_payouts.TryGetValue(c.Id, out var earner))
        {
            return earner == c.Member
                ? CommandResult.Duplicate($"payout '{c.Id}' was made already")
                : CommandResult.Rejected("payout.conflict", $"payout '{c.Id}' was made already, to '{earner}'");
        }

        if (c.Member is null || !_memberIndex.ContainsKey(c.Member))
        {
            return CommandResult.Rejected("payout.earner.unknown", $"payout '{c.Id}': earner '{c.Member}' has not joined");
        }

        var result = _ledger.RecordPayout(new MemberId(c.Member), c.At);
        if (!result.Accepted)
        {
            return CommandResult.Rejected(result.Code, $"payout '{c.Id}': {result.Message}");
        }

        _payouts.Add(c.Id, c.Member);
        var paid = -result.Entries.Sum(e => e.Amount.MinorUnits);
        return CommandResult.Applied($"payout '{c.Id}': {Money.OfMinor(paid, _currency)} to '{c.Member}'");
    }

    // ----- queries -----

    /// <summary>A member's tier at the last close, with the library's explanation; none before the first close.</summary>
    /// <param name="member">The member's id.</param>
    /// <returns>The tier, or <see langword="null"/> for a member not in the last close.</returns>
    public TierView? TierOf(string member)
    {
        if (_tree is null || _book is null || _facts is null || !_tree.Contains(new MemberId(member)))
        {
            return null;
        }

        var id = new MemberId(member);
        var at = _closed[^1].PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(_policy.Zone).ToInstant();
        return new TierView(member, _book.TierOf(id), _book.Explain(_facts, id, at).ToString());
    }

    /// <summary>An earner's balance at <paramref name="asOf"/>.</summary>
    public BalanceView BalanceOf(string earner, Instant asOf)
    {
        var b = _ledger.BalanceOf(new MemberId(earner), asOf);
        return new BalanceView(earner, b.Pending.MinorUnits, b.Available.MinorUnits, b.Paid.MinorUnits, b.Net.MinorUnits);
    }

    /// <summary>An earner's ledger lines, oldest first.</summary>
    public IReadOnlyList<LedgerLineView> HistoryOf(string earner) =>
        [.. _ledger.HistoryOf(new MemberId(earner)).Select(e => new LedgerLineView(e.Sequence, e.Kind.ToString(), e.Amount.MinorUnits, e.At.ToUnixTimeTicks(), e.Order?.Value, e.Explanation))];

    /// <summary>The store's key customers at <paramref name="asOf"/>: the library's scorer over the store's orders.</summary>
    public IReadOnlyList<KeyCustomerView> KeyCustomers(int count, LocalDate asOf)
    {
        if (_joins.Count == 0)
        {
            return [];
        }

        var tree = ReferralTree.Build(_joins);
        var purchases = _orders.Where(o => o.PaidAt.InZone(_policy.Zone).Date <= asOf)
            .Select(o => new Purchase(o.Buyer, o.PaidAt.InZone(_policy.Zone).Date, o.Amount, o.Product, o.Quantity));
        var facts = CustomerFacts.Build(purchases, [], asOf, _currency, tree, _policy.Zone);
        return [.. new KeyCustomerScorer().Score(facts).Top(count).Select(k => new KeyCustomerView(k.CustomerId.Value, k.Score, string.Join("; ", k.Reasons)))];
    }

    /// <summary>What the open month's orders would pay at the last close's tiers: the engine's totals mode, nothing recorded.</summary>
    /// <returns>The commission total in minor units and the number of earners.</returns>
    public (long Total, int Earners) PreviewOpenMonth()
    {
        if (_joins.Count == 0)
        {
            return (0, 0);
        }

        var tree = ReferralTree.Build(_joins);
        var ranks = new int[tree.Count];
        if (_tree is not null && _book is not null)
        {
            var tiers = _book.Ranks();
            for (var m = 0; m < tiers.Length; m++)
            {
                if (tree.TryGetIndex(_tree.MemberAt(m), out var i))
                {
                    ranks[i] = _rankOfTier[tiers[m]];
                }
            }
        }

        var active = new bool[tree.Count];
        Array.Fill(active, true);
        var open = _openOrders.Select(o => _orders[o]).ToList();
        var totals = _engine.RunTotals(MemberStatuses.FromArrays(tree, ranks, active), OrderBatch.Create(tree, _currency, open));
        var byEarner = totals.ByEarner();
        return (byEarner.Sum(e => e.Value.MinorUnits), byEarner.Count);
    }

    /// <summary>The store's digest at <paramref name="asOf"/>: what two equal stores agree on.</summary>
    public StoreDigest Digest(Instant asOf)
    {
        var tiers = new StringBuilder();
        if (_tree is not null && _book is not null)
        {
            for (var m = 0; m < _tree.Count; m++)
            {
                var id = _tree.MemberAt(m);
                tiers.Append(id.Value).Append('=').Append(_book.TierOf(id)).Append(';');
            }
        }

        var balances = new StringBuilder();
        foreach (var b in _ledger.Balances(asOf).OrderBy(b => b.Earner.Value, StringComparer.Ordinal))
        {
            balances.Append(CultureInfo.InvariantCulture, $"{b.Earner.Value}:{b.Pending.MinorUnits}/{b.Available.MinorUnits}/{b.Paid.MinorUnits}/{b.Net.MinorUnits};");
        }

        long sum = 0;
        foreach (var e in _ledger.Entries)
        {
            sum += e.Amount.MinorUnits;
        }

        return new StoreDigest(_joins.Count, _orders.Count, _refunds.Count, _payouts.Count,
            string.Join(",", _closed.Select(m => m.ToString("yyyy-MM", CultureInfo.InvariantCulture))), _ledger.Entries.Count, sum, tiers.ToString(), balances.ToString());
    }
}
