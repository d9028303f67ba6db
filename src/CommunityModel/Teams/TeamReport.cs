using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CommunityModel.Groups;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Teams;

/// <summary>What a team report reads: the period, the orders, and the facts that tie results to accounts.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record TeamReportInput
{
    /// <summary>The period's start (inclusive).</summary>
    public required Instant From { get; init; }

    /// <summary>The period's end (exclusive).</summary>
    public required Instant To { get; init; }

    /// <summary>Every known order, earlier ones too (to tell a customer's first order from a repeat); only those in the period are counted.</summary>
    public required IReadOnlyList<Order> Orders { get; init; }

    /// <summary>The currency of the orders.</summary>
    public required Currency Currency { get; init; }

    /// <summary>How orders are attributed.</summary>
    public AttributionRule Rule { get; init; } = AttributionRule.OwnerAtOrder;

    /// <summary>The referral tree, for referral credit.</summary>
    public ReferralTree? Tree { get; init; }

    /// <summary>Service contacts (questions answered count those of kind <see cref="ServiceContactKind.Answer"/>).</summary>
    public IReadOnlyList<ServiceContact> Contacts { get; init; } = [];

    /// <summary>Tier changes from the membership book; upgrades into <see cref="MemberTier"/> and <see cref="PartnerTier"/> are counted.</summary>
    public IReadOnlyList<TierChange> TierChanges { get; init; } = [];

    /// <summary>The member tier's id.</summary>
    public string MemberTier { get; init; } = "member";

    /// <summary>The partner tier's id.</summary>
    public string PartnerTier { get; init; } = "partner";

    /// <summary>Each group's activity reading for the period, by group id.</summary>
    public IReadOnlyDictionary<string, ActivityReading> GroupActivity { get; init; } = ImmutableDictionary<string, ActivityReading>.Empty;

    /// <summary>The key customers (ids), counted by their owner at the period's end.</summary>
    public IReadOnlySet<MemberId> KeyCustomers { get; init; } = ImmutableHashSet<MemberId>.Empty;
}

/// <summary>The results tied to one account, one staff member, or one account under one operator.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Name">What the row is ("account wang", "staff li", "wang under li", "team", "unassigned").</param>
/// <param name="Account">The account, when the row is of one.</param>
/// <param name="Staff">The staff member, when the row is of one.</param>
/// <param name="Revenue">Revenue of the orders attributed here.</param>
/// <param name="Orders">How many orders.</param>
/// <param name="NewCustomers">Customers whose first order was attributed here.</param>
/// <param name="UpgradesToMember">Upgrades into the member tier of customers held here at the upgrade.</param>
/// <param name="UpgradesToPartner">Upgrades into the partner tier of customers held here at the upgrade.</param>
/// <param name="RepeatRevenue">Revenue of repeat orders (not the customer's first).</param>
/// <param name="ReferralCredit">Revenue of orders whose buyer's sponsor was held here (credit beside revenue, never added to it).</param>
/// <param name="QuestionsAnswered">Questions answered by the account.</param>
/// <param name="GroupsHosted">Groups hosted at the period's end.</param>
/// <param name="KeyCustomersOwned">Key customers held at the period's end.</param>
public sealed record TeamPerformance(
    string Name,
    AccountId? Account,
    StaffId? Staff,
    Money Revenue,
    int Orders,
    int NewCustomers,
    int UpgradesToMember,
    int UpgradesToPartner,
    Money RepeatRevenue,
    Money ReferralCredit,
    int QuestionsAnswered,
    ImmutableArray<string> GroupsHosted,
    int KeyCustomersOwned)
{
    /// <summary>Value equality, the groups compared element by element.</summary>
    /// <param name="other">The other row.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(TeamPerformance? other) =>
        other is not null && Name == other.Name && Account == other.Account && Staff == other.Staff && Revenue == other.Revenue && Orders == other.Orders
        && NewCustomers == other.NewCustomers && UpgradesToMember == other.UpgradesToMember && UpgradesToPartner == other.UpgradesToPartner
        && RepeatRevenue == other.RepeatRevenue && ReferralCredit == other.ReferralCredit && QuestionsAnswered == other.QuestionsAnswered
        && GroupsHosted.SequenceEqual(other.GroupsHosted) && KeyCustomersOwned == other.KeyCustomersOwned;

    /// <summary>A hash of the main figures.</summary>
    /// <returns>The hash.</returns>
    public override int GetHashCode() => HashCode.Combine(Name, Revenue, Orders, NewCustomers);
}

/// <summary>
/// The dashboard that ties pay to the account (seed 002): results per account, per staff member, and per
/// account under each operator (a handover keeps the results before and after apart, split exactly at the
/// instant), with the team total, which equals the sum of the accounts and the unassigned row.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="From">The period's start.</param>
/// <param name="To">The period's end (exclusive).</param>
/// <param name="Accounts">One row per account, matrix order.</param>
/// <param name="Staff">One row per staff member, by id; events on an account with no operator go to a row with no staff.</param>
/// <param name="ByAccountAndOperator">One row per account and operator that had results.</param>
/// <param name="Unassigned">Orders of buyers no account held.</param>
/// <param name="Team">The whole team: every order once.</param>
/// <param name="GroupActivity">The hosted groups' activity readings, as given.</param>
public sealed record TeamReport(
    Instant From,
    Instant To,
    ImmutableArray<TeamPerformance> Accounts,
    ImmutableArray<TeamPerformance> Staff,
    ImmutableArray<TeamPerformance> ByAccountAndOperator,
    TeamPerformance Unassigned,
    TeamPerformance Team,
    IReadOnlyDictionary<string, ActivityReading> GroupActivity)
{
    /// <summary>Builds the report.</summary>
    /// <param name="matrix">The account matrix.</param>
    /// <param name="input">What to read.</param>
    /// <returns>The report.</returns>
    public static TeamReport Build(AccountMatrix matrix, TeamReportInput input)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(input);
        if (input.To <= input.From)
        {
            throw new ArgumentException($"The period must end after it starts ({input.From} to {input.To}).", nameof(input));
        }

        var attribution = Attribution.Attribute(matrix, input.Orders, input.Rule, input.Tree, input.Contacts);
        var rows = new Dictionary<(int Account, int Operator), Acc>();
        Acc Row(int account, int op) => rows.TryGetValue((account, op), out var r) ? r : rows[(account, op)] = new Acc();
        int Op(int account, Instant at) => account < 0 ? -1 : matrix.OperatorIndexAt(account, at.ToUnixTimeTicks());

        // A customer's first order over all known orders tells a new customer from a repeat purchase.
        var first = new Dictionary<MemberId, (Instant At, OrderId Id)>();
        foreach (var o in input.Orders)
        {
            if (!first.TryGetValue(o.Buyer, out var f) || o.PaidAt < f.At || (o.PaidAt == f.At && string.CompareOrdinal(o.Id.Value, f.Id.Value) < 0))
            {
                first[o.Buyer] = (o.PaidAt, o.Id);
            }
        }

        for (var i = 0; i < input.Orders.Count; i++)
        {
            var o = input.Orders[i];
            if (o.PaidAt < input.From || o.PaidAt >= input.To)
            {
                continue;
            }

            if (o.Amount.Currency != input.Currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(input.Currency, o.Amount.Currency));
            }

            var a = attribution.AccountIndex[i];
            var r = Row(a, a < 0 ? -1 : attribution.OperatorIndex[i]);
            r.Revenue += o.Amount.MinorUnits;
            r.Orders++;
            if (first[o.Buyer].Id == o.Id)
            {
                r.NewCustomers++;
            }
            else
            {
                r.Repeat += o.Amount.MinorUnits;
            }

            var referral = attribution.ReferralAccountIndex[i];
            if (referral >= 0)
            {
                Row(referral, Op(referral, o.PaidAt)).ReferralCredit += o.Amount.MinorUnits;
            }
        }

        foreach (var change in input.TierChanges)
        {
            if (change.At < input.From || change.At >= input.To || change.To == change.From)
            {
                continue;
            }

            var toMember = change.To == input.MemberTier;
            var toPartner = change.To == input.PartnerTier;
            if (!toMember && !toPartner)
            {
                continue;
            }

            var owner = matrix.TryCustomerIndex(change.Member, out var c) ? matrix.OwnerIndexAt(c, change.At.ToUnixTimeTicks()) : -1;
            var r = Row(owner, Op(owner, change.At));
            r.ToMember += toMember ? 1 : 0;
            r.ToPartner += toPartner ? 1 : 0;
        }

        foreach (var contact in input.Contacts)
        {
            if (contact.Kind == ServiceContactKind.Answer && contact.At >= input.From && contact.At < input.To)
            {
                var a = matrix.AccountIndex(contact.Account);
                Row(a, Op(a, contact.At)).Questions++;
            }
        }

        var end = input.To - Duration.Epsilon;
        for (var a = 0; a < matrix.AccountCount; a++)
        {
            var id = matrix.Accounts[a].Id;
            var hosted = matrix.GroupsHostedBy(id, end);
            if (hosted.Count > 0)
            {
                Row(a, Op(a, end)).Groups.AddRange(hosted);
            }
        }

        foreach (var key in input.KeyCustomers)
        {
            var owner = matrix.TryCustomerIndex(key, out var c) ? matrix.OwnerIndexAt(c, end.ToUnixTimeTicks()) : -1;
            Row(owner, Op(owner, end)).KeyCustomers++;
        }

        var currency = input.Currency;
        string StaffName(int account, int op) => op < 0 ? "(no operator)" : matrix.OperatorByIndex(account, op).Value;
        TeamPerformance Make(string name, AccountId? account, StaffId? staff, IEnumerable<Acc> parts)
        {
            var sum = new Acc();
            foreach (var p in parts)
            {
                sum.Add(p);
            }

            return new TeamPerformance(name, account, staff, Money.OfMinor(sum.Revenue, currency), sum.Orders, sum.NewCustomers, sum.ToMember, sum.ToPartner,
                Money.OfMinor(sum.Repeat, currency), Money.OfMinor(sum.ReferralCredit, currency), sum.Questions, [.. sum.Groups.Distinct().Order(StringComparer.Ordinal)], sum.KeyCustomers);
        }

        var accounts = Enumerable.Range(0, matrix.AccountCount)
            .Select(a => Make("account " + matrix.Accounts[a].Id, matrix.Accounts[a].Id, null, rows.Where(kv => kv.Key.Account == a).Select(kv => kv.Value)))
            .ToImmutableArray();
        var byPair = rows.Where(kv => kv.Key.Account >= 0)
            .OrderBy(kv => kv.Key.Account).ThenBy(kv => kv.Key.Operator)
            .Select(kv => Make($"{matrix.Accounts[kv.Key.Account].Id} under {StaffName(kv.Key.Account, kv.Key.Operator)}", matrix.Accounts[kv.Key.Account].Id,
                kv.Key.Operator < 0 ? (StaffId?)null : matrix.OperatorByIndex(kv.Key.Account, kv.Key.Operator), [kv.Value]))
            .ToImmutableArray();
        var staff = rows.Where(kv => kv.Key.Account >= 0)
            .GroupBy(kv => kv.Key.Operator < 0 ? (StaffId?)null : matrix.OperatorByIndex(kv.Key.Account, kv.Key.Operator))
            .OrderBy(g => g.Key?.Value ?? "\uffff", StringComparer.Ordinal)
            .Select(g => Make(g.Key is { } s ? "staff " + s : "(no operator)", null, g.Key, g.Select(kv => kv.Value)))
            .ToImmutableArray();
        var unassigned = Make("unassigned", null, null, rows.Where(kv => kv.Key.Account < 0).Select(kv => kv.Value));
        var team = Make("team", null, null, rows.Values);
        return new TeamReport(input.From, input.To, accounts, staff, byPair, unassigned, team, input.GroupActivity);
    }

    /// <summary>A readable table: accounts, then handovers, staff, unassigned and the team.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"",-28} {"revenue",12} {"orders",6} {"new",4} {"member+",7} {"partner+",8} {"repeat",12} {"referral cr.",12} {"answers",7} {"groups",6} {"key",4}\n");
        foreach (var r in Accounts.Concat(ByAccountAndOperator).Concat(Staff).Append(Unassigned).Append(Team))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{r.Name,-28} {r.Revenue.FormatAmount(),12} {r.Orders,6} {r.NewCustomers,4} {r.UpgradesToMember,7} {r.UpgradesToPartner,8} {r.RepeatRevenue.FormatAmount(),12} {r.ReferralCredit.FormatAmount(),12} {r.QuestionsAnswered,7} {r.GroupsHosted.Length,6} {r.KeyCustomersOwned,4}\n");
        }

        return sb.ToString();
    }

    private sealed class Acc
    {
        public long Revenue { get; set; }

        public int Orders { get; set; }

        public int NewCustomers { get; set; }

        public int ToMember { get; set; }

        public int ToPartner { get; set; }

        public long Repeat { get; set; }

        public long ReferralCredit { get; set; }

        public int Questions { get; set; }

        public List<string> Groups { get; } = [];

        public int KeyCustomers { get; set; }

        public void Add(Acc o)
        {
            Revenue = checked(Revenue + o.Revenue);
            Orders += o.Orders;
            NewCustomers += o.NewCustomers;
            ToMember += o.ToMember;
            ToPartner += o.ToPartner;
            Repeat = checked(Repeat + o.Repeat);
            ReferralCredit = checked(ReferralCredit + o.ReferralCredit);
            Questions += o.Questions;
            Groups.AddRange(o.Groups);
            KeyCustomers += o.KeyCustomers;
        }
    }
}
