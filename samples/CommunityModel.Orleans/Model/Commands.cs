using NodaTime;

namespace CommunityModel.Orleans.Model;

/// <summary>What a store is made with: its plan, membership policy and ladder (the library's JSON files) and its holding period.</summary>
/// <param name="PlanJson">The commission plan, with its <c>ranksByTier</c> (the plan's rank for each tier of the policy).</param>
/// <param name="MembershipJson">The membership policy (tiers, windows, zone).</param>
/// <param name="LadderJson">The product ladder.</param>
/// <param name="Holding">The holding period of commissions, ISO 8601 (<c>P2M</c>).</param>
[GenerateSerializer, Immutable, Alias("cm.StoreSetup")]
public sealed record StoreSetup(
    [property: Id(0)] string PlanJson,
    [property: Id(1)] string MembershipJson,
    [property: Id(2)] string LadderJson,
    [property: Id(3)] string Holding);

/// <summary>The kinds of store command.</summary>
public enum StoreCommandKind
{
    /// <summary>A member joins (id: the member; reference: the sponsor, or none).</summary>
    Join = 0,

    /// <summary>An order is paid (id: the order; member: the buyer; product; amount).</summary>
    Order = 1,

    /// <summary>An order is refunded in part or whole (id: the refund; reference: the order; amount).</summary>
    Refund = 2,

    /// <summary>The month ends (id: the month, <c>2026-03</c>): tiers evaluated at its end, its commissions recorded.</summary>
    CloseMonth = 3,

    /// <summary>An earner is paid what is available (id: the payout; member: the earner).</summary>
    Payout = 4,
}

/// <summary>
/// One command to a store, carrying its own id: a command sent twice (a retry after a timeout or a lost silo) is
/// recognised by its kind and id and changes nothing the second time. Amounts are in minor units of the store's
/// currency; instants are Unix ticks (100 ns).
/// </summary>
[GenerateSerializer, Immutable, Alias("cm.StoreCommand")]
public sealed record StoreCommand(
    [property: Id(0)] StoreCommandKind Kind,
    [property: Id(1)] string Id,
    [property: Id(2)] string? Member,
    [property: Id(3)] string? Reference,
    [property: Id(4)] string? Product,
    [property: Id(5)] long AmountMinor,
    [property: Id(6)] long AtTicks)
{
    /// <summary>When the command happened.</summary>
    public Instant At => Instant.FromUnixTimeTicks(AtTicks);

    /// <summary>A member joins, referred by <paramref name="sponsor"/> (none for a member of the store's own).</summary>
    public static StoreCommand Join(string member, string? sponsor, Instant at) => new(StoreCommandKind.Join, member, null, sponsor, null, 0, at.ToUnixTimeTicks());

    /// <summary>An order is paid.</summary>
    public static StoreCommand Order(string order, string buyer, string product, long amountMinor, Instant at) => new(StoreCommandKind.Order, order, buyer, null, product, amountMinor, at.ToUnixTimeTicks());

    /// <summary>An order is refunded, in part or whole.</summary>
    public static StoreCommand Refund(string refund, string order, long amountMinor, Instant at) => new(StoreCommandKind.Refund, refund, null, order, null, amountMinor, at.ToUnixTimeTicks());

    /// <summary>The month ends.</summary>
    public static StoreCommand CloseMonth(YearMonth month) => new(StoreCommandKind.CloseMonth, month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture), null, null, null, 0, 0);

    /// <summary>An earner is paid what is available to them at <paramref name="at"/>.</summary>
    public static StoreCommand Payout(string payout, string earner, Instant at) => new(StoreCommandKind.Payout, payout, earner, null, null, 0, at.ToUnixTimeTicks());
}

/// <summary>What became of a command.</summary>
public enum CommandStatus
{
    /// <summary>Applied and kept: it is in the store's log.</summary>
    Applied = 0,

    /// <summary>The same command (kind, id and content) was applied before: nothing changed.</summary>
    Duplicate = 1,

    /// <summary>Refused (see the code and message): nothing changed, nothing was kept.</summary>
    Rejected = 2,
}

/// <summary>The answer to one command.</summary>
/// <param name="Status">Applied, duplicate or rejected.</param>
/// <param name="Code">A stable code (<c>order.buyer.unknown</c>), empty when applied.</param>
/// <param name="Message">What happened, in words.</param>
[GenerateSerializer, Immutable, Alias("cm.CommandResult")]
public sealed record CommandResult(
    [property: Id(0)] CommandStatus Status,
    [property: Id(1)] string Code,
    [property: Id(2)] string Message)
{
    /// <summary>Applied, with what it did.</summary>
    public static CommandResult Applied(string message) => new(CommandStatus.Applied, "", message);

    /// <summary>Seen before.</summary>
    public static CommandResult Duplicate(string message) => new(CommandStatus.Duplicate, "", message);

    /// <summary>Refused.</summary>
    public static CommandResult Rejected(string code, string message) => new(CommandStatus.Rejected, code, message);
}

/// <summary>One event of a chat group, carrying its own id, as a JSON line of the library's group event schema.</summary>
/// <param name="Id">The event's id (unique in its group).</param>
/// <param name="Json">The event, one line of JSON (<c>{"type": "message", "at": ..., "member": ..., "text": ...}</c>).</param>
[GenerateSerializer, Immutable, Alias("cm.GroupCommand")]
public sealed record GroupCommand(
    [property: Id(0)] string Id,
    [property: Id(1)] string Json);

/// <summary>A decision of a group's rules, flattened for the wire.</summary>
[GenerateSerializer, Immutable, Alias("cm.GroupDecisionView")]
public sealed record GroupDecisionView(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Kind,
    [property: Id(2)] string? Member,
    [property: Id(3)] string RuleId,
    [property: Id(4)] string Evidence,
    [property: Id(5)] long AtTicks);

/// <summary>An earner's balance, in minor units.</summary>
[GenerateSerializer, Immutable, Alias("cm.BalanceView")]
public sealed record BalanceView(
    [property: Id(0)] string Earner,
    [property: Id(1)] long Pending,
    [property: Id(2)] long Available,
    [property: Id(3)] long Paid,
    [property: Id(4)] long Net);

/// <summary>One line of an earner's ledger history.</summary>
[GenerateSerializer, Immutable, Alias("cm.LedgerLineView")]
public sealed record LedgerLineView(
    [property: Id(0)] long Sequence,
    [property: Id(1)] string Kind,
    [property: Id(2)] long AmountMinor,
    [property: Id(3)] long AtTicks,
    [property: Id(4)] string? Order,
    [property: Id(5)] string Explanation);

/// <summary>A member's tier with the library's explanation.</summary>
[GenerateSerializer, Immutable, Alias("cm.TierView")]
public sealed record TierView(
    [property: Id(0)] string Member,
    [property: Id(1)] string Tier,
    [property: Id(2)] string Explanation);

/// <summary>A key customer: the scorer's score and reasons.</summary>
[GenerateSerializer, Immutable, Alias("cm.KeyCustomerView")]
public sealed record KeyCustomerView(
    [property: Id(0)] string Member,
    [property: Id(1)] double Score,
    [property: Id(2)] string Reasons);

/// <summary>
/// A store's state in a form two stores can be compared by: every member's tier, every earner's balance, the
/// ledger's entry count and sum, the counts of facts and the months closed. Two stores that applied the same
/// commands have equal digests.
/// </summary>
[GenerateSerializer, Immutable, Alias("cm.StoreDigest")]
public sealed record StoreDigest(
    [property: Id(0)] int Members,
    [property: Id(1)] int Orders,
    [property: Id(2)] int Refunds,
    [property: Id(3)] int Payouts,
    [property: Id(4)] string ClosedMonths,
    [property: Id(5)] long LedgerEntries,
    [property: Id(6)] long LedgerSum,
    [property: Id(7)] string Tiers,
    [property: Id(8)] string Balances);
