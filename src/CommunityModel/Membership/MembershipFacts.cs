using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Membership;

/// <summary>
/// The facts a membership evaluation reads, laid out for speed: every member's orders sorted by time in one
/// array per field (members in the referral tree's index order), running sums of amounts, and the refunds of
/// each member. Built once in linear time (plus a sort of each member's own orders when they come out of
/// order); an evaluation at any instant sees only the orders paid and refunds made before it. Instants are
/// kept to the tick (100 ns), NodaTime's Unix-ticks resolution.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class MembershipFacts
{
    private readonly int[] _offsets;
    private readonly long[] _ticks;
    private readonly long[] _amounts;
    private readonly int[] _products;
    private readonly long[] _prefix;
    private readonly int[] _refundOffsets;
    private readonly int[] _refundPosition;
    private readonly long[] _refundTicks;
    private readonly long[] _refundAmounts;
    private readonly Dictionary<ProductId, int> _productIndex;

    private MembershipFacts(ReferralTree tree, Currency currency, int[] offsets, long[] ticks, long[] amounts, int[] products, int[] refundOffsets, int[] refundPosition, long[] refundTicks, long[] refundAmounts, Dictionary<ProductId, int> productIndex)
    {
        Tree = tree;
        Currency = currency;
        _offsets = offsets;
        _ticks = ticks;
        _amounts = amounts;
        _products = products;
        _refundOffsets = refundOffsets;
        _refundPosition = refundPosition;
        _refundTicks = refundTicks;
        _refundAmounts = refundAmounts;
        _productIndex = productIndex;

        _prefix = new long[ticks.Length + 1];
        for (var i = 0; i < amounts.Length; i++)
        {
            _prefix[i + 1] = checked(_prefix[i] + amounts[i]);
        }
    }

    /// <summary>The referral tree: the members, their join instants and sponsors.</summary>
    public ReferralTree Tree { get; }

    /// <summary>The currency of every amount.</summary>
    public Currency Currency { get; }

    /// <summary>The number of orders.</summary>
    public int OrderCount => _ticks.Length;

    /// <summary>The number of refunds.</summary>
    public int RefundCount => _refundTicks.Length;

    /// <summary>
    /// Builds the facts. Every buyer must be a member of the tree; every order and refund in the one currency;
    /// a refund must name a known order, be positive, and with the earlier refunds of that order not exceed it.
    /// </summary>
    /// <param name="tree">The referral tree every buyer must be a member of.</param>
    /// <param name="currency">The one currency every amount must be in; an amount in another is refused.</param>
    /// <param name="orders">The orders, in any order.</param>
    /// <param name="refunds">The refunds, or null.</param>
    /// <returns>The facts.</returns>
    /// <exception cref="InvalidInputException">A buyer is not a member, a currency differs, or a refund is invalid.</exception>
    public static MembershipFacts Build(ReferralTree tree, Currency currency, IReadOnlyList<Order> orders, IReadOnlyList<Refund>? refunds = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(orders);
        var n = orders.Count;
        var buyer = new int[n];
        var paid = new long[n];
        var amount = new long[n];
        var product = new int[n];
        var ids = new OrderId[n];
        var productIndex = new Dictionary<ProductId, int>();
        for (var i = 0; i < n; i++)
        {
            var o = orders[i];
            if (!tree.TryGetIndex(o.Buyer, out var b))
            {
                throw new InvalidInputException(new BuyerMustBeAMemberRule(o.Id, o.Buyer));
            }

            if (o.Amount.Currency != currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(currency, o.Amount.Currency));
            }

            if (!productIndex.TryGetValue(o.Product, out var p))
            {
                p = productIndex.Count;
                productIndex.Add(o.Product, p);
            }

            buyer[i] = b;
            paid[i] = o.PaidAt.ToUnixTimeTicks();
            amount[i] = o.Amount.MinorUnits;
            product[i] = p;
            ids[i] = o.Id;
        }

        return Build(tree, currency, buyer, paid, amount, product, productIndex, i => ids[i], refunds);
    }

    /// <summary>
    /// Builds the facts from an order batch (its columns as they are: no order object is made), with the same
    /// checks of the refunds as <see cref="Build(ReferralTree, Currency, IReadOnlyList{Order}, IReadOnlyList{Refund})"/>
    /// and the same facts as it gives for the batch's orders. A batch made from columns without ids names its orders
    /// <c>#row</c> (<see cref="OrderBatch.IdAt"/>), which is how refunds must name them.
    /// </summary>
    /// <param name="orders">The orders (the batch's tree and currency are the facts').</param>
    /// <param name="refunds">The refunds, or null.</param>
    /// <returns>The facts.</returns>
    /// <exception cref="InvalidInputException">A refund is in another currency, names an unknown order, or exceeds what is left of it.</exception>
    public static MembershipFacts Build(OrderBatch orders, IReadOnlyList<Refund>? refunds)
    {
        ArgumentNullException.ThrowIfNull(orders);
        var productIndex = new Dictionary<ProductId, int>();
        var remap = new int[orders.ProductTable.Length];
        for (var p = 0; p < remap.Length; p++)
        {
            remap[p] = -1;
        }

        // Products are numbered in the order they are first bought, as the list overload numbers them.
        var product = new int[orders.Count];
        for (var i = 0; i < product.Length; i++)
        {
            var q = orders.Product[i];
            if (remap[q] < 0)
            {
                remap[q] = productIndex.Count;
                productIndex.Add(orders.ProductTable[q], remap[q]);
            }

            product[i] = remap[q];
        }

        return Build(orders.Tree, orders.Currency, orders.Buyer, orders.PaidAtTicks, orders.Amount, product, productIndex, orders.IdAt, refunds);
    }

    private static MembershipFacts Build(ReferralTree tree, Currency currency, int[] buyer, long[] paid, long[] amount, int[] product, Dictionary<ProductId, int> productIndex, Func<int, OrderId> idOf, IReadOnlyList<Refund>? refunds)
    {
        var members = tree.Count;
        var n = buyer.Length;
        var offsets = new int[members + 1];
        for (var i = 0; i < n; i++)
        {
            offsets[buyer[i] + 1]++;
        }

        for (var m = 0; m < members; m++)
        {
            offsets[m + 1] += offsets[m];
        }

        var fill = (int[])offsets.Clone();
        var ticks = new long[n];
        var amounts = new long[n];
        var products = new int[n];
        var source = new int[n];
        for (var i = 0; i < n; i++)
        {
            var pos = fill[buyer[i]]++;
            ticks[pos] = paid[i];
            amounts[pos] = amount[i];
            products[pos] = product[i];
            source[pos] = i;
        }

        SortSegments(offsets, ticks, amounts, products, source, idOf);

        int[] refundOffsets = new int[members + 1];
        int[] refundPosition = [];
        long[] refundTicks = [];
        long[] refundAmounts = [];
        if (refunds is { Count: > 0 })
        {
            // The orders' ids are read in the order they were made (in the segments' order they are scattered in memory).
            var positionOfOrder = new int[n];
            for (var pos = 0; pos < n; pos++)
            {
                positionOfOrder[source[pos]] = pos;
            }

            var positionOf = RefundedOrders.Positions(refunds, n, idOf, positionOfOrder);

            var entries = new (int Member, int Position, long Ticks, long Amount)[refunds.Count];
            var refunded = new Dictionary<int, long>();
            var sorted = refunds.OrderBy(r => r.At).ThenBy(r => r.Id.Value, StringComparer.Ordinal).ToArray();
            for (var k = 0; k < sorted.Length; k++)
            {
                var r = sorted[k];
                if (r.Amount.Currency != currency)
                {
                    throw new InvalidInputException(new CurrencyMismatchRule(currency, r.Amount.Currency));
                }

                if (!positionOf.TryGetValue(r.Order, out var pos))
                {
                    throw new InvalidInputException(new RefundForUnknownOrderRule(r.Id, r.Order));
                }

                refunded.TryGetValue(pos, out var before);
                if (r.Amount.MinorUnits <= 0 || r.Amount.MinorUnits > amounts[pos] - before)
                {
                    throw new InvalidInputException(new RefundMustNotExceedOrderRule(r.Id, r.Order, r.Amount, new Money(amounts[pos] - before, currency)));
                }

                refunded[pos] = before + r.Amount.MinorUnits;
                entries[k] = (buyer[source[pos]], pos, r.At.ToUnixTimeTicks(), r.Amount.MinorUnits);
            }

            Array.Sort(entries, (a, b) => a.Member != b.Member ? a.Member.CompareTo(b.Member) : a.Position != b.Position ? a.Position.CompareTo(b.Position) : a.Ticks.CompareTo(b.Ticks));
            refundPosition = new int[entries.Length];
            refundTicks = new long[entries.Length];
            refundAmounts = new long[entries.Length];
            for (var k = 0; k < entries.Length; k++)
            {
                refundOffsets[entries[k].Member + 1]++;
                refundPosition[k] = entries[k].Position;
                refundTicks[k] = entries[k].Ticks;
                refundAmounts[k] = entries[k].Amount;
            }

            for (var m = 0; m < members; m++)
            {
                refundOffsets[m + 1] += refundOffsets[m];
            }
        }

        return new MembershipFacts(tree, currency, offsets, ticks, amounts, products, refundOffsets, refundPosition, refundTicks, refundAmounts, productIndex);
    }

    /// <summary>The index of a product among those bought, or -1.</summary>
    internal int ProductIndexOf(ProductId product) => _productIndex.TryGetValue(product, out var i) ? i : -1;

    /// <summary>A member's orders and refunds as a view.</summary>
    internal OrderView ViewOf(int member) =>
        new(_ticks, _amounts, _products, _prefix, _offsets[member], _offsets[member + 1], _refundPosition, _refundTicks, _refundAmounts, _refundOffsets[member], _refundOffsets[member + 1]);

    /// <summary>True when the member has a refund made in [from, to).</summary>
    internal bool HasRefundBetween(int member, long fromTicks, long toTicks)
    {
        for (var k = _refundOffsets[member]; k < _refundOffsets[member + 1]; k++)
        {
            if (_refundTicks[k] >= fromTicks && _refundTicks[k] < toTicks)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A view of one member's orders with hypothetical orders added (for what-if questions); products unknown
    /// to the facts get negative indices resolved through <paramref name="extraProducts"/>.
    /// </summary>
    internal OrderView ViewWith(int member, IReadOnlyList<Order> hypothetical, Dictionary<ProductId, int> extraProducts)
    {
        var own = ViewOf(member);
        var count = own.End - own.Start;
        var list = new List<(long Ticks, long Amount, int Product, int OwnPosition)>(count + hypothetical.Count);
        for (var i = own.Start; i < own.End; i++)
        {
            list.Add((_ticks[i], _amounts[i], _products[i], i));
        }

        foreach (var o in hypothetical)
        {
            if (o.Amount.Currency != Currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(Currency, o.Amount.Currency));
            }

            var p = ProductIndexOf(o.Product);
            if (p < 0 && !extraProducts.TryGetValue(o.Product, out p))
            {
                p = -2 - extraProducts.Count;
                extraProducts.Add(o.Product, p);
            }

            list.Add((o.PaidAt.ToUnixTimeTicks(), o.Amount.MinorUnits, p, -1));
        }

        list.Sort((a, b) => a.Ticks.CompareTo(b.Ticks));
        var ticks = new long[list.Count];
        var amounts = new long[list.Count];
        var products = new int[list.Count];
        var prefix = new long[list.Count + 1];
        var remap = new Dictionary<int, int>();
        for (var i = 0; i < list.Count; i++)
        {
            ticks[i] = list[i].Ticks;
            amounts[i] = list[i].Amount;
            products[i] = list[i].Product;
            prefix[i + 1] = checked(prefix[i] + amounts[i]);
            if (list[i].OwnPosition >= 0)
            {
                remap[list[i].OwnPosition] = i;
            }
        }

        var refunds = own.RefundEnd - own.RefundStart;
        var position = new int[refunds];
        var refundTicks = new long[refunds];
        var refundAmounts = new long[refunds];
        for (var k = 0; k < refunds; k++)
        {
            position[k] = remap[_refundPosition[own.RefundStart + k]];
            refundTicks[k] = _refundTicks[own.RefundStart + k];
            refundAmounts[k] = _refundAmounts[own.RefundStart + k];
        }

        return new OrderView(ticks, amounts, products, prefix, 0, list.Count, position, refundTicks, refundAmounts, 0, refunds);
    }

    private static void SortSegments(int[] offsets, long[] ticks, long[] amounts, int[] products, int[] source, Func<int, OrderId> idOf)
    {
        int[] index = [];
        long[] t = [];
        long[] a = [];
        int[] p = [];
        int[] s = [];
        for (var m = 0; m + 1 < offsets.Length; m++)
        {
            int start = offsets[m], end = offsets[m + 1];
            var sorted = true;
            for (var i = start + 1; i < end && sorted; i++)
            {
                sorted = Before(i - 1, i, ticks, source, idOf);
            }

            if (sorted)
            {
                continue;
            }

            var len = end - start;
            if (len <= 32)
            {
                // Short segments (the common case): insertion sort in place, no allocation.
                for (var i = start + 1; i < end; i++)
                {
                    var (ti, ai, pi, si) = (ticks[i], amounts[i], products[i], source[i]);
                    var j = i - 1;
                    while (j >= start && (ticks[j] > ti || (ticks[j] == ti && string.CompareOrdinal(idOf(source[j]).Value, idOf(si).Value) > 0)))
                    {
                        ticks[j + 1] = ticks[j];
                        amounts[j + 1] = amounts[j];
                        products[j + 1] = products[j];
                        source[j + 1] = source[j];
                        j--;
                    }

                    (ticks[j + 1], amounts[j + 1], products[j + 1], source[j + 1]) = (ti, ai, pi, si);
                }

                continue;
            }

            if (index.Length < len)
            {
                index = new int[len];
                t = new long[len];
                a = new long[len];
                p = new int[len];
                s = new int[len];
            }

            for (var i = 0; i < len; i++)
            {
                index[i] = start + i;
            }

            Array.Sort(index, 0, len, Comparer<int>.Create((x, y) =>
            {
                var c = ticks[x].CompareTo(ticks[y]);
                return c != 0 ? c : string.CompareOrdinal(idOf(source[x]).Value, idOf(source[y]).Value);
            }));
            for (var i = 0; i < len; i++)
            {
                t[i] = ticks[index[i]];
                a[i] = amounts[index[i]];
                p[i] = products[index[i]];
                s[i] = source[index[i]];
            }

            Array.Copy(t, 0, ticks, start, len);
            Array.Copy(a, 0, amounts, start, len);
            Array.Copy(p, 0, products, start, len);
            Array.Copy(s, 0, source, start, len);
        }
    }

    private static bool Before(int x, int y, long[] ticks, int[] source, Func<int, OrderId> idOf) =>
        ticks[x] < ticks[y] || (ticks[x] == ticks[y] && string.CompareOrdinal(idOf(source[x]).Value, idOf(source[y]).Value) <= 0);
}

/// <summary>
/// One member's orders (sorted by time, with running sums) and refunds, as slices of shared arrays.
/// Measures are taken as of an instant: refunds made at or after it are not yet seen.
/// </summary>
internal readonly struct OrderView(long[] ticks, long[] amounts, int[] products, long[] prefix, int start, int end, int[] refundPosition, long[] refundTicks, long[] refundAmounts, int refundStart, int refundEnd)
{
    public int Start => start;

    public int End => end;

    public int RefundStart => refundStart;

    public int RefundEnd => refundEnd;

    public bool HasOrders => end > start;

    /// <summary>The first position in the slice at or after the instant.</summary>
    public int LowerBound(long t)
    {
        int lo = start, hi = end;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (ticks[mid] < t)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Net spend of orders paid in [from, to), refunds made before asOf taken off.</summary>
    public long Spend(long from, long to, long asOf)
    {
        var lo = LowerBound(from);
        var hi = LowerBound(to);
        var total = prefix[hi] - prefix[lo];
        for (var k = refundStart; k < refundEnd; k++)
        {
            var pos = refundPosition[k];
            if (pos >= lo && pos < hi && refundTicks[k] < asOf)
            {
                total -= refundAmounts[k];
            }
        }

        return total;
    }

    /// <summary>Orders paid in [from, to) and not fully refunded before asOf.</summary>
    public int Orders(long from, long to, long asOf)
    {
        var lo = LowerBound(from);
        var hi = LowerBound(to);
        var count = hi - lo;
        if (refundEnd > refundStart)
        {
            for (var pos = lo; pos < hi; pos++)
            {
                if (FullyRefunded(pos, asOf))
                {
                    count--;
                }
            }
        }

        return count;
    }

    /// <summary>True when an order paid in [from, to) for a product matching the test is not fully refunded before asOf.</summary>
    public bool Bought(long from, long to, long asOf, Func<int, bool> product)
    {
        var lo = LowerBound(from);
        var hi = LowerBound(to);
        for (var pos = lo; pos < hi; pos++)
        {
            if (product(products[pos]) && !FullyRefunded(pos, asOf))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The orders paid before asOf for products matching the test and not fully refunded before asOf, in time order.</summary>
    public IEnumerable<(long Ticks, int Product)> Purchases(long asOf, Func<int, bool> product)
    {
        var hi = LowerBound(asOf);
        for (var pos = start; pos < hi; pos++)
        {
            if (product(products[pos]) && !FullyRefunded(pos, asOf))
            {
                yield return (ticks[pos], products[pos]);
            }
        }
    }

    private bool FullyRefunded(int pos, long asOf)
    {
        if (amounts[pos] == 0)
        {
            return false;
        }

        long refunded = 0;
        for (var k = refundStart; k < refundEnd; k++)
        {
            if (refundPosition[k] == pos && refundTicks[k] < asOf)
            {
                refunded += refundAmounts[k];
            }
        }

        return refunded >= amounts[pos];
    }
}
