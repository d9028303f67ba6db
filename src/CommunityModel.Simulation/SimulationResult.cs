using System.Collections.Immutable;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using NodaTime;

namespace CommunityModel.Simulation;

/// <summary>Where an order's revenue came from.</summary>
public enum RevenueSource
{
    /// <summary>The first order of a customer who came through paid traffic.</summary>
    PaidTraffic = 0,

    /// <summary>Any later order of a customer (a repeat purchase).</summary>
    Repeat = 1,

    /// <summary>The first order of a customer who was referred by another.</summary>
    Referral = 2,
}

/// <summary>One simulated day.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Date">The simulated day, in the store's zone.</param>
/// <param name="Customers">Customers who had joined by the day's end.</param>
/// <param name="MembersByTier">Customers per tier (tier order), as of the last membership evaluation.</param>
/// <param name="PaidTrafficRevenue">Revenue of the day's paid-traffic first orders.</param>
/// <param name="RepeatRevenue">Revenue of the day's repeat orders.</param>
/// <param name="ReferralRevenue">Revenue of the day's referred first orders.</param>
/// <param name="Refunds">Refunds paid back on the day.</param>
/// <param name="SelfCirculationShare">Repeat and referral revenue over all revenue, from the first day to this one.</param>
public sealed record SimulationDay(
    LocalDate Date,
    int Customers,
    ImmutableArray<int> MembersByTier,
    Money PaidTrafficRevenue,
    Money RepeatRevenue,
    Money ReferralRevenue,
    Money Refunds,
    double SelfCirculationShare)
{
    /// <summary>The day's revenue from all sources.</summary>
    public Money Revenue => PaidTrafficRevenue + RepeatRevenue + ReferralRevenue;
}

/// <summary>One closed period (a calendar month in the store's zone): membership evaluated, commissions run and recorded, refunds reversed, payouts made.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="End">The period's last day.</param>
/// <param name="Customers">Customers by then.</param>
/// <param name="MembersByTier">Customers per tier after the evaluation.</param>
/// <param name="Sales">Sales of the period's orders.</param>
/// <param name="Commissions">Commissions on them.</param>
/// <param name="CompanyShare">What the company kept of them.</param>
/// <param name="Reversed">Commissions reversed by the period's refunds.</param>
/// <param name="PaidOut">Paid out to earners at the period's end.</param>
/// <param name="Upgrades">Tier upgrades at the evaluation.</param>
/// <param name="Downgrades">Tier downgrades at the evaluation.</param>
public sealed record SimulationPeriod(
    LocalDate End,
    int Customers,
    ImmutableArray<int> MembersByTier,
    Money Sales,
    Money Commissions,
    Money CompanyShare,
    Money Reversed,
    Money PaidOut,
    int Upgrades,
    int Downgrades);

/// <summary>
/// Where every cent went, from independent sources: orders, the engine's runs and the ledger's entries.
/// The laws: <c>GrossSales = CommissionsEarned + CompanyShareOfSales</c>;
/// <c>EarnersNet = CommissionsEarned - CommissionsReversed</c>; <c>GrossSales = Refunds + EarnersNet + CompanyNet</c>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="GrossSales">Everything buyers paid (sum of orders).</param>
/// <param name="Refunds">Everything paid back to buyers.</param>
/// <param name="CommissionsEarned">Commission lines of all runs.</param>
/// <param name="CompanyShareOfSales">What the runs left to the company.</param>
/// <param name="CommissionsReversed">Commissions cancelled or clawed back by refunds (ledger entries).</param>
/// <param name="EarnersNet">The earners' net (sum of the ledger's commission, cancellation and clawback entries).</param>
/// <param name="PaidOut">Paid out to earners (the ledger's payout entries).</param>
/// <param name="CompanyNet">What the company keeps after refunds and commissions.</param>
public sealed record MoneyFlows(Money GrossSales, Money Refunds, Money CommissionsEarned, Money CompanyShareOfSales, Money CommissionsReversed, Money EarnersNet, Money PaidOut, Money CompanyNet)
{
    /// <summary>Net commissions over net sales (0 when there are no net sales).</summary>
    public double PayoutRatio => GrossSales.MinorUnits - Refunds.MinorUnits == 0 ? 0 : (double)EarnersNet.MinorUnits / (GrossSales.MinorUnits - Refunds.MinorUnits);
}

/// <summary>What a simulation produced: daily and monthly series, money flows, and the end-of-run reports, all made by the library's own code.</summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class SimulationResult
{
    internal SimulationResult(
        SimulationSettings settings,
        ImmutableArray<string> tiers,
        ImmutableArray<SimulationDay> days,
        ImmutableArray<SimulationPeriod> periods,
        MoneyFlows flows,
        IncomeDisclosureReport disclosure,
        ComplianceReport compliance,
        LadderReport ladder,
        IReadOnlyList<KeyCustomerScore> keyCustomers,
        ImmutableDictionary<GroupDecisionKind, int> groupDecisions,
        int groups,
        ReferralTree tree,
        MembershipBook book,
        PayoutLedger ledger,
        IReadOnlyList<Order> orders,
        IReadOnlyList<Refund> refunds,
        ImmutableArray<RevenueSource> sources,
        IReadOnlyList<Interaction> interactions,
        ImmutableArray<int> groupOf)
    {
        Interactions = interactions;
        _groupOf = groupOf;
        Settings = settings;
        Tiers = tiers;
        Days = days;
        Periods = periods;
        Flows = flows;
        Disclosure = disclosure;
        Compliance = compliance;
        Ladder = ladder;
        KeyCustomers = keyCustomers;
        GroupDecisions = groupDecisions;
        Groups = groups;
        Tree = tree;
        Membership = book;
        Ledger = ledger;
        Orders = orders;
        Refunds = refunds;
        Sources = sources;
    }

    private readonly ImmutableArray<int> _groupOf;

    /// <summary>Every recorded interaction (shares, replies, questions, complaints, promises), for scoring and the trouble signal.</summary>
    public IReadOnlyList<Interaction> Interactions { get; }

    /// <summary>The group a customer was placed in (<c>"group 1"</c>, ...), or null for someone who is not a customer.</summary>
    /// <param name="customerId">The customer's id.</param>
    /// <returns>The group's name or null.</returns>
    public string? GroupOf(string customerId)
    {
        if (!Tree.TryGetIndex(new MemberId(customerId), out var i) || i >= _groupOf.Length || _groupOf[i] < 0)
        {
            return null;
        }

        return "group " + (_groupOf[i] + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The settings the run used.</summary>
    public SimulationSettings Settings { get; }

    /// <summary>The tier ids, lowest first.</summary>
    public ImmutableArray<string> Tiers { get; }

    /// <summary>One entry per simulated day.</summary>
    public ImmutableArray<SimulationDay> Days { get; }

    /// <summary>One entry per closed period (calendar month).</summary>
    public ImmutableArray<SimulationPeriod> Periods { get; }

    /// <summary>Where the money went.</summary>
    public MoneyFlows Flows { get; }

    /// <summary>Repeat and referral revenue over all revenue, over the whole run (the seeds' self-circulation).</summary>
    public double SelfCirculationShare => Days.IsEmpty ? 0 : Days[^1].SelfCirculationShare;

    /// <summary>The income disclosure over all partners at the end, from the ledger's net earnings.</summary>
    public IncomeDisclosureReport Disclosure { get; }

    /// <summary>The plan's compliance report under the settings' profile, with the last period's run as evidence.</summary>
    public ComplianceReport Compliance { get; }

    /// <summary>The ladder's metrics over the whole run.</summary>
    public LadderReport Ladder { get; }

    /// <summary>The key customers at the end, best first.</summary>
    public IReadOnlyList<KeyCustomerScore> KeyCustomers { get; }

    /// <summary>Group-rule decisions by kind, over all groups.</summary>
    public ImmutableDictionary<GroupDecisionKind, int> GroupDecisions { get; }

    /// <summary>How many groups the store opened.</summary>
    public int Groups { get; }

    /// <summary>The referral tree at the end.</summary>
    public ReferralTree Tree { get; }

    /// <summary>The membership book with every tier change.</summary>
    public MembershipBook Membership { get; }

    /// <summary>The payout ledger with every entry.</summary>
    public PayoutLedger Ledger { get; }

    /// <summary>Every order, in time order.</summary>
    public IReadOnlyList<Order> Orders { get; }

    /// <summary>Every refund, in time order.</summary>
    public IReadOnlyList<Refund> Refunds { get; }

    /// <summary>The revenue source of each order, by position in <see cref="Orders"/>.</summary>
    public ImmutableArray<RevenueSource> Sources { get; }
}
