using CommunityModel.Orleans.Model;

namespace CommunityModel.Orleans.Grains;

/// <summary>
/// A store, keyed by its id: its plan, ladder, membership policy and book, referral tree and payout ledger, kept as
/// the log of its commands and rebuilt from that log wherever it is activated.
/// </summary>
[Alias("cm.IStoreGrain")]
public interface IStoreGrain : IGrainWithStringKey
{
    /// <summary>Makes the store (once; the same setup again is a duplicate, another is rejected).</summary>
    [Alias("setup")]
    Task<CommandResult> SetupAsync(StoreSetup setup);

    /// <summary>
    /// Applies commands in order and keeps the applied ones in the store's log before answering. A command seen
    /// before (a retry) is a duplicate and changes nothing. When the log cannot be written the call fails with
    /// <see cref="CommandsNotKeptException"/> and the store forgets the batch: retry the same commands.
    /// </summary>
    [Alias("execute")]
    Task<CommandResult[]> ExecuteAsync(StoreCommand[] commands);

    /// <summary>A member's tier at the last close, with the library's explanation.</summary>
    [Alias("tier")]
    Task<TierView?> TierOfAsync(string member);

    /// <summary>An earner's balance at an instant (Unix ticks).</summary>
    [Alias("balance")]
    Task<BalanceView> BalanceOfAsync(string earner, long asOfTicks);

    /// <summary>An earner's ledger lines, oldest first.</summary>
    [Alias("history")]
    Task<LedgerLineView[]> HistoryOfAsync(string earner);

    /// <summary>The store's key customers on a day (<c>2026-03-31</c>).</summary>
    [Alias("key-customers")]
    Task<KeyCustomerView[]> KeyCustomersAsync(int count, string asOfDate);

    /// <summary>What the open month's orders would pay at the last close's tiers (totals mode; nothing recorded).</summary>
    [Alias("preview")]
    Task<long> PreviewOpenMonthAsync();

    /// <summary>The store's digest at an instant (Unix ticks): what two stores that applied the same commands agree on.</summary>
    [Alias("digest")]
    Task<StoreDigest> DigestAsync(long asOfTicks);

    /// <summary>How many journal entries this activation folded (after the snapshot it read, if any).</summary>
    Task<long> FoldedOnActivationAsync();
}

/// <summary>A chat group of a store, keyed <c>store/group</c>: its rules' state, kept as the log of its events.</summary>
[Alias("cm.IGroupGrain")]
public interface IGroupGrain : IGrainWithStringKey
{
    /// <summary>Makes the group under its policy (JSON; once).</summary>
    [Alias("setup")]
    Task<CommandResult> SetupAsync(string policyJson);

    /// <summary>Applies events in order and keeps the applied ones in the group's log before answering; a retried event is a duplicate.</summary>
    [Alias("apply")]
    Task<CommandResult[]> ApplyAsync(GroupCommand[] events);

    /// <summary>Every decision of the group's rules, in event order.</summary>
    [Alias("decisions")]
    Task<GroupDecisionView[]> DecisionsAsync();
}
