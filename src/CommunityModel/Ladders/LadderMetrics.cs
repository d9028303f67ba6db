using System.Collections.Immutable;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Ladders;

/// <summary>How customers moved on one rung and from it to the next.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Rung">The rung's id.</param>
/// <param name="CustomersReached">Customers who bought a product on this rung (an order not fully refunded).</param>
/// <param name="ConvertedToNext">Customers who reached this rung and later (or at the same instant) the next one; 0 on the top rung.</param>
/// <param name="ConversionToNext">ConvertedToNext / CustomersReached (0 when no one reached the rung).</param>
/// <param name="MedianTimeToNext">Median of (first purchase on the next rung - first purchase on this one) over the converted, nearest rank; null when none converted.</param>
/// <param name="P90TimeToNext">90th percentile of the same, nearest rank; null when none converted.</param>
/// <param name="CustomersTopHere">Customers whose highest rung is this one.</param>
/// <param name="RevenueTopHere">Net revenue (all their orders, on or off the ladder) of the customers whose highest rung is this one.</param>
/// <param name="RevenuePerCustomerTopHere">RevenueTopHere / CustomersTopHere, rounded half to even to the minor unit; zero when none.</param>
public sealed record RungMetrics(
    Rung Rung,
    int CustomersReached,
    int ConvertedToNext,
    double ConversionToNext,
    Duration? MedianTimeToNext,
    Duration? P90TimeToNext,
    int CustomersTopHere,
    Money RevenueTopHere,
    Money RevenuePerCustomerTopHere);

/// <summary>
/// Ladder metrics over an order stream (see <see cref="LadderMetrics.Compute(ProductLadder, IReadOnlyList{Order}, IReadOnlyList{Refund}, ReferralTree)"/> for every formula).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Rungs">Per-rung metrics, lowest rung first.</param>
/// <param name="Buyers">Customers with at least one order not fully refunded.</param>
/// <param name="Orders">Orders not fully refunded.</param>
/// <param name="Revenue">Net revenue: order amounts minus refunds.</param>
/// <param name="FirstOrderRevenue">Net revenue of each buyer's first order.</param>
/// <param name="RepeatRevenue">Revenue - FirstOrderRevenue: every order after a buyer's first.</param>
/// <param name="ReferredFirstOrderRevenue">Net revenue of the first orders of buyers who had a sponsor in the referral tree at that instant.</param>
/// <param name="RepeatPurchaseRate">Buyers with two or more orders / Buyers.</param>
/// <param name="SelfCirculationShare">(RepeatRevenue + ReferredFirstOrderRevenue) / Revenue: revenue that did not need paid traffic.</param>
/// <param name="Members">Buyers who reached a rung whose role is Membership or Partnership.</param>
/// <param name="Partners">Buyers who reached a Partnership rung.</param>
/// <param name="MemberPenetration">Members / Buyers.</param>
/// <param name="PartnerYield">Partners / Members.</param>
/// <param name="Climbers">Buyers whose highest rung is above the rung of their first ladder purchase.</param>
/// <param name="LadderEfficiency">Net revenue of the climbers / Revenue.</param>
/// <param name="OffLadderCustomers">Buyers who never bought a product on the ladder.</param>
/// <param name="ReferralsKnown">True when a referral tree was given; without one referred revenue is zero.</param>
public sealed record LadderReport(
    ImmutableArray<RungMetrics> Rungs,
    int Buyers,
    long Orders,
    Money Revenue,
    Money FirstOrderRevenue,
    Money RepeatRevenue,
    Money ReferredFirstOrderRevenue,
    double RepeatPurchaseRate,
    double SelfCirculationShare,
    int Members,
    int Partners,
    double MemberPenetration,
    double PartnerYield,
    int Climbers,
    double LadderEfficiency,
    int OffLadderCustomers,
    bool ReferralsKnown);

/// <summary>
/// Measures a product ladder from an order stream, in one linear pass over the orders plus one over the
/// buyers. Orders may come in any order; ties in time are broken by order id (ordinal), so the result does
/// not depend on input order. Refunds reduce an order's net amount; an order refunded in full no longer counts
/// as a purchase (it reaches no rung and is nobody's first order).
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class LadderMetrics
{
    /// <summary>Computes the ladder metrics.</summary>
    /// <param name="ladder">The ladder whose rungs the products are counted on.</param>
    /// <param name="orders">The orders, in the ladder's currency.</param>
    /// <param name="refunds">Refunds of those orders, or null.</param>
    /// <param name="tree">The referral tree, or null: with it, a buyer's first order counts as referred when the buyer had a sponsor at that instant.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidInputException">An order or refund is in another currency, or a refund names an unknown order or exceeds it.</exception>
    public static LadderReport Compute(ProductLadder ladder, IReadOnlyList<Order> orders, IReadOnlyList<Refund>? refunds = null, ReferralTree? tree = null)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        ArgumentNullException.ThrowIfNull(orders);
        var currency = ladder.Currency;
        var n = orders.Count;
        var amount = new long[n];
        var ticks = new long[n];
        var buyer = new int[n];
        var product = new int[n];
        var ids = new OrderId[n];
        var products = new Dictionary<ProductId, int>();
        var productTable = new List<ProductId>();

        // Buyers: their tree index when the tree knows them, otherwise a number after the tree's members.
        var members = tree?.Count ?? 0;
        var others = new Dictionary<MemberId, int>();
        for (var i = 0; i < n; i++)
        {
            var o = orders[i];
            if (o.Amount.Currency != currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(currency, o.Amount.Currency));
            }

            amount[i] = o.Amount.MinorUnits;
            ticks[i] = o.PaidAt.ToUnixTimeTicks();
            ids[i] = o.Id;
            if (tree is not null && tree.TryGetIndex(o.Buyer, out var ti))
            {
                buyer[i] = ti;
            }
            else if (!others.TryGetValue(o.Buyer, out buyer[i]))
            {
                buyer[i] = members + others.Count;
                others.Add(o.Buyer, buyer[i]);
            }

            if (!products.TryGetValue(o.Product, out product[i]))
            {
                product[i] = productTable.Count;
                products.Add(o.Product, product[i]);
                productTable.Add(o.Product);
            }
        }

        return Compute(ladder, amount, ticks, buyer, members + others.Count, product, [.. productTable], i => ids[i], refunds, tree);
    }

    /// <summary>
    /// Computes the ladder metrics of an order batch from its columns (no order object is made): the same report
    /// as <see cref="Compute(ProductLadder, IReadOnlyList{Order}, IReadOnlyList{Refund}, ReferralTree)"/> gives for
    /// the batch's orders with the batch's tree. A batch made from columns without ids names its orders <c>#row</c>
    /// (<see cref="OrderBatch.IdAt"/>), which is how refunds must name them.
    /// </summary>
    /// <param name="ladder">The ladder whose rungs the products are counted on (in the batch's currency).</param>
    /// <param name="orders">The orders.</param>
    /// <param name="refunds">Refunds of those orders, or null.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidInputException">The batch or a refund is in another currency, or a refund names an unknown order or exceeds it.</exception>
    public static LadderReport Compute(ProductLadder ladder, OrderBatch orders, IReadOnlyList<Refund>? refunds)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        ArgumentNullException.ThrowIfNull(orders);
        if (orders.Currency != ladder.Currency)
        {
            throw new InvalidInputException(new CurrencyMismatchRule(ladder.Currency, orders.Currency));
        }

        return Compute(ladder, (long[])orders.Amount.Clone(), orders.PaidAtTicks, orders.Buyer, orders.Tree.Count, orders.Product, orders.ProductTable, orders.IdAt, refunds, orders.Tree);
    }

    private static LadderReport Compute(ProductLadder ladder, long[] net, long[] paidTicks, int[] buyer, int slots, int[] product, ProductId[] productTable, Func<int, OrderId> idOf, IReadOnlyList<Refund>? refunds, ReferralTree? tree)
    {
        var currency = ladder.Currency;
        var n = net.Length;
        var gross = (long[])net.Clone();
        if (refunds is { Count: > 0 })
        {
            var orderIndex = RefundedOrders.Positions(refunds, n, idOf);

            foreach (var r in refunds)
            {
                if (r.Amount.Currency != currency)
                {
                    throw new InvalidInputException(new CurrencyMismatchRule(currency, r.Amount.Currency));
                }

                if (!orderIndex.TryGetValue(r.Order, out var oi))
                {
                    throw new InvalidInputException(new RefundForUnknownOrderRule(r.Id, r.Order));
                }

                if (r.Amount.MinorUnits <= 0 || r.Amount.MinorUnits > net[oi])
                {
                    throw new InvalidInputException(new RefundMustNotExceedOrderRule(r.Id, r.Order, r.Amount, new Money(net[oi], currency)));
                }

                net[oi] -= r.Amount.MinorUnits;
            }
        }

        var productRung = new int[productTable.Length];
        for (var p = 0; p < productRung.Length; p++)
        {
            productRung[p] = ladder.RungIndexOf(productTable[p]);
        }

        var rungCount = ladder.Rungs.Length;
        var ofSlot = new int[slots];
        ofSlot.AsSpan().Fill(-1);
        var buyers = 0;
        var acc = new Customer[Math.Max(16, Math.Min(slots, n))];
        var reached = new long[acc.Length * rungCount];
        for (var i = 0; i < n; i++)
        {
            if (net[i] == 0 && gross[i] > 0)
            {
                continue;
            }

            var ticks = paidTicks[i];
            var c = ofSlot[buyer[i]];
            if (c < 0)
            {
                c = buyers++;
                ofSlot[buyer[i]] = c;
                if (c == acc.Length)
                {
                    Array.Resize(ref acc, c * 2);
                    Array.Resize(ref reached, c * 2 * rungCount);
                }

                acc[c].FirstOrder = i;
                acc[c].FirstTicks = ticks;
                acc[c].Slot = buyer[i];
                reached.AsSpan(c * rungCount, rungCount).Fill(long.MaxValue);
            }

            ref var a = ref acc[c];
            a.Orders++;
            a.Revenue += net[i];
            if (ticks < a.FirstTicks || (ticks == a.FirstTicks && i != a.FirstOrder && string.CompareOrdinal(idOf(i).Value, idOf(a.FirstOrder).Value) < 0))
            {
                a.FirstOrder = i;
                a.FirstTicks = ticks;
            }

            var rung = productRung[product[i]];
            if (rung >= 0)
            {
                var slot = (c * rungCount) + rung;
                if (ticks < reached[slot])
                {
                    reached[slot] = ticks;
                }
            }
        }

        long totalOrders = 0;
        long totalRevenue = 0;
        long firstRevenue = 0;
        long referredFirst = 0;
        long climberRevenue = 0;
        int repeaters = 0, members = 0, partners = 0, climbers = 0, offLadder = 0;
        var reachedCount = new int[rungCount];
        var converted = new int[rungCount];
        var climbTimes = new List<long>[rungCount];
        var topCustomers = new int[rungCount];
        var topRevenue = new long[rungCount];
        for (var k = 0; k < rungCount; k++)
        {
            climbTimes[k] = [];
        }

        for (var c = 0; c < buyers; c++)
        {
            totalOrders += acc[c].Orders;
            totalRevenue += acc[c].Revenue;
            var first = acc[c].FirstOrder;
            firstRevenue += net[first];
            if (acc[c].Orders >= 2)
            {
                repeaters++;
            }

            if (tree is not null && acc[c].Slot < tree.Count && tree.SponsorIndexAsOf(acc[c].Slot, Instant.FromUnixTimeTicks(paidTicks[first])) >= 0)
            {
                referredFirst += net[first];
            }

            int highest = -1, entry = -1;
            long entryTicks = long.MaxValue;
            var baseSlot = c * rungCount;
            for (var k = 0; k < rungCount; k++)
            {
                var t = reached[baseSlot + k];
                if (t == long.MaxValue)
                {
                    continue;
                }

                reachedCount[k]++;
                highest = k;
                if (t < entryTicks)
                {
                    entryTicks = t;
                    entry = k;
                }

                if (k + 1 < rungCount && reached[baseSlot + k + 1] != long.MaxValue && reached[baseSlot + k + 1] >= t)
                {
                    converted[k]++;
                    climbTimes[k].Add(reached[baseSlot + k + 1] - t);
                }
            }

            if (highest < 0)
            {
                offLadder++;
                continue;
            }

            topCustomers[highest]++;
            topRevenue[highest] += acc[c].Revenue;
            var memberRole = false;
            for (var k = 0; k <= highest; k++)
            {
                if (reached[baseSlot + k] != long.MaxValue && ladder.Rungs[k].Role >= RungRole.Membership)
                {
                    memberRole = true;
                }

                if (reached[baseSlot + k] != long.MaxValue && ladder.Rungs[k].Role == RungRole.Partnership)
                {
                    partners++;
                    break;
                }
            }

            if (memberRole)
            {
                members++;
            }

            if (highest > entry)
            {
                climbers++;
                climberRevenue += acc[c].Revenue;
            }
        }

        var rungs = ImmutableArray.CreateBuilder<RungMetrics>(rungCount);
        for (var k = 0; k < rungCount; k++)
        {
            var times = climbTimes[k];
            times.Sort();
            rungs.Add(new RungMetrics(
                ladder.Rungs[k],
                reachedCount[k],
                converted[k],
                Ratio(converted[k], reachedCount[k]),
                NearestRank(times, 50),
                NearestRank(times, 90),
                topCustomers[k],
                new Money(topRevenue[k], currency),
                new Money(topCustomers[k] == 0 ? 0 : ExactMath.DivideToInt64(topRevenue[k], topCustomers[k], RoundingMode.HalfEven), currency)));
        }

        return new LadderReport(
            rungs.MoveToImmutable(),
            buyers,
            totalOrders,
            new Money(totalRevenue, currency),
            new Money(firstRevenue, currency),
            new Money(totalRevenue - firstRevenue, currency),
            new Money(referredFirst, currency),
            Ratio(repeaters, buyers),
            Ratio(totalRevenue - firstRevenue + referredFirst, totalRevenue),
            members,
            partners,
            Ratio(members, buyers),
            Ratio(partners, members),
            climbers,
            Ratio(climberRevenue, totalRevenue),
            offLadder,
            tree is not null);
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private static Duration? NearestRank(List<long> sorted, int percent)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return Duration.FromTicks(sorted[Math.Clamp(rank, 1, sorted.Count) - 1]);
    }

    private struct Customer
    {
        public int FirstOrder;
        public int Slot;
        public int Orders;
        public long FirstTicks;
        public long Revenue;
    }
}
