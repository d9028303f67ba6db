using System.Collections.Immutable;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Teams;

/// <summary>How an order is attributed to an account.</summary>
public enum AttributionRule
{
    /// <summary>The account that held the buyer at the order's instant (assignments take effect at their instant).</summary>
    OwnerAtOrder = 0,

    /// <summary>
    /// The account that last served the buyer strictly before the order (a <see cref="ServiceContact"/>); when no
    /// account served the buyer, the owner at the order's instant.
    /// </summary>
    LastServedBefore = 1,
}

/// <summary>What kind of service a contact was.</summary>
public enum ServiceContactKind
{
    /// <summary>A question answered.</summary>
    Answer = 0,

    /// <summary>A message or care touch.</summary>
    Message = 1,

    /// <summary>A call or visit.</summary>
    Visit = 2,
}

/// <summary>An account served a customer.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Customer">The customer who was served.</param>
/// <param name="Account">The staff account that served them.</param>
/// <param name="At">When.</param>
/// <param name="Kind">What kind of service.</param>
public sealed record ServiceContact(MemberId Customer, AccountId Account, Instant At, ServiceContactKind Kind = ServiceContactKind.Answer);

/// <summary>Attributes orders to accounts (see <see cref="AttributionRule"/>). One pass over the orders, linear in their number.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class Attribution
{
    /// <summary>Attributes orders.</summary>
    /// <param name="matrix">The account matrix.</param>
    /// <param name="orders">The orders, in any sequence.</param>
    /// <param name="rule">How an order is credited: to the account that owned the customer at the order, or to the last account that served them before it.</param>
    /// <param name="tree">The referral tree, for referral credit; none without it.</param>
    /// <param name="contacts">Service contacts, for <see cref="AttributionRule.LastServedBefore"/>.</param>
    /// <returns>The attribution, by the orders' positions.</returns>
    public static OrderAttribution Attribute(AccountMatrix matrix, IReadOnlyList<Order> orders, AttributionRule rule = AttributionRule.OwnerAtOrder, ReferralTree? tree = null, IReadOnlyList<ServiceContact>? contacts = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(orders);
        var buyers = new int[orders.Count];
        var ticks = new long[orders.Count];
        var sponsors = new int[orders.Count];
        for (var i = 0; i < orders.Count; i++)
        {
            var o = orders[i];
            buyers[i] = matrix.TryCustomerIndex(o.Buyer, out var c) ? c : -1;
            ticks[i] = o.PaidAt.ToUnixTimeTicks();
            sponsors[i] = -1;
            if (tree is not null && tree.TryGetIndex(o.Buyer, out var t))
            {
                var s = tree.SponsorIndexAsOf(t, o.PaidAt);
                sponsors[i] = s >= 0 && matrix.TryCustomerIndex(tree.MemberAt(s), out var sc) ? sc : -1;
            }
        }

        int[]? served = null;
        if (rule == AttributionRule.LastServedBefore && contacts is { Count: > 0 })
        {
            served = LastServed(matrix, orders, contacts);
        }

        return Attribute(matrix, buyers, ticks, sponsors, served, rule);
    }

    /// <summary>
    /// Attributes orders given as columns, for large batches: each order's buyer and buyer's sponsor as matrix
    /// customer indices (-1 for none; see <see cref="AccountMatrix.Customers"/>) and its instant in Unix ticks.
    /// </summary>
    /// <param name="matrix">The account matrix.</param>
    /// <param name="buyer">The buyer's customer index per order (-1 when not in the matrix).</param>
    /// <param name="paidAtTicks">The order's instant per order.</param>
    /// <param name="sponsor">The buyer's sponsor's customer index per order (-1 for none); an empty span for no referral credit.</param>
    /// <returns>The attribution (rule <see cref="AttributionRule.OwnerAtOrder"/>).</returns>
    public static OrderAttribution Attribute(AccountMatrix matrix, ReadOnlySpan<int> buyer, ReadOnlySpan<long> paidAtTicks, ReadOnlySpan<int> sponsor)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return Attribute(matrix, buyer, paidAtTicks, sponsor, null, AttributionRule.OwnerAtOrder);
    }

    private static OrderAttribution Attribute(AccountMatrix matrix, ReadOnlySpan<int> buyer, ReadOnlySpan<long> ticks, ReadOnlySpan<int> sponsor, int[]? served, AttributionRule rule)
    {
        if (buyer.Length != ticks.Length || (sponsor.Length != 0 && sponsor.Length != buyer.Length))
        {
            throw new ArgumentException("Buyers, instants and sponsors must have one entry per order (sponsors may be empty).", nameof(ticks));
        }

        var (heads, overflow) = matrix.Compile();
        var n = buyer.Length;
        var account = new int[n];
        var op = new int[n];
        var referral = new int[n];

        var operatorCounts = new int[matrix.AccountCount];
        for (var a = 0; a < operatorCounts.Length; a++)
        {
            operatorCounts[a] = matrix.OperatorCount(a);
        }

        for (var i = 0; i < n; i++)
        {
            var t = ticks[i];
            var a = served is not null && served[i] >= 0 ? served[i] : OwnerAt(heads, overflow, buyer[i], t);
            account[i] = a;
            op[i] = a < 0 || operatorCounts[a] == 0 ? -1 : matrix.OperatorIndexAt(a, t);
            referral[i] = sponsor.Length == 0 ? -1 : OwnerAt(heads, overflow, sponsor[i], t);
        }

        return new OrderAttribution(matrix, rule, account, op, referral);
    }

    private static int OwnerAt(AssignmentSlot[] heads, AssignmentSlot[] overflow, int customer, long at)
    {
        if (customer < 0 || customer >= heads.Length)
        {
            return -1;
        }

        // Assignments of a customer are in time order; the owner is the last one at or before the instant.
        ref readonly var slot = ref heads[customer];
        if (slot.Ticks > at)
        {
            return -1;
        }

        var owner = slot.Account;
        for (var k = slot.Next; k >= 0 && overflow[k].Ticks <= at; k = overflow[k].Next)
        {
            owner = overflow[k].Account;
        }

        return owner;
    }

    private static int[] LastServed(AccountMatrix matrix, IReadOnlyList<Order> orders, IReadOnlyList<ServiceContact> contacts)
    {
        var byCustomer = new Dictionary<MemberId, List<(long Ticks, int Account)>>();
        foreach (var c in contacts)
        {
            if (!byCustomer.TryGetValue(c.Customer, out var list))
            {
                byCustomer[c.Customer] = list = [];
            }

            list.Add((c.At.ToUnixTimeTicks(), matrix.AccountIndex(c.Account)));
        }

        foreach (var list in byCustomer.Values)
        {
            list.Sort((x, y) => x.Ticks.CompareTo(y.Ticks));
        }

        var served = new int[orders.Count];
        for (var i = 0; i < orders.Count; i++)
        {
            served[i] = -1;
            if (byCustomer.TryGetValue(orders[i].Buyer, out var list))
            {
                var t = orders[i].PaidAt.ToUnixTimeTicks();
                foreach (var (ticks, account) in list)
                {
                    if (ticks >= t)
                    {
                        break;
                    }

                    served[i] = account;
                }
            }
        }

        return served;
    }
}
