using System.Collections;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Cli.Book;

/// <summary>
/// A store's members, orders and refunds in flat columns (one array per field, ids as strings kept once): what a
/// book holds and what a month's files add. Orders go to the library as a batch of columns (<see cref="BatchOf"/>);
/// refunds, few, as a view that makes each record when it is read.
/// </summary>
internal sealed class StoreFacts
{
    private readonly Dictionary<string, int> _memberIndex = new(StringComparer.Ordinal);
    private Dictionary<string, int>? _orderIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refundIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _productIndex = new(StringComparer.Ordinal);
    private ReferralTree? _tree;

    public StoreFacts(Currency currency) => Currency = currency;

    public Currency Currency { get; }

    // Members, in the order they joined the book (the tree's indices).
    public List<string> MemberIds { get; } = [];
    public List<string?> Sponsors { get; } = [];
    public List<long> JoinedTicks { get; } = [];
    public List<int> MemberMonth { get; } = [];

    // Orders.
    public List<string> OrderIds { get; } = [];
    public List<int> Buyer { get; } = [];
    public List<int> Product { get; } = [];
    public List<int> Quantity { get; } = [];
    public List<long> Amount { get; } = [];
    public List<long> PaidTicks { get; } = [];
    public List<int> OrderMonth { get; } = [];

    // Refunds.
    public List<string> RefundIds { get; } = [];
    public List<int> RefundOrder { get; } = [];
    public List<long> RefundAmount { get; } = [];
    public List<long> RefundTicks { get; } = [];
    public List<int> RefundMonth { get; } = [];

    public List<string> Products { get; } = [];

    /// <summary>The sum refunded so far per order that has a refund.</summary>
    public Dictionary<int, long> Refunded { get; } = [];

    public int MemberCount => MemberIds.Count;

    public int OrderCount => OrderIds.Count;

    public int RefundCount => RefundIds.Count;

    public int FindMember(string id) => _memberIndex.GetValueOrDefault(id, -1);

    public int FindMember(ReadOnlySpan<char> id) => _memberIndex.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var m) ? m : -1;

    public int FindOrder(ReadOnlySpan<char> id) => OrderIndex.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var o) ? o : -1;

    /// <summary>
    /// Drops the lookup of orders by id once the month's files are read (a close needs it no more): for 10M orders
    /// it is some 300 MB. Finding or adding an order afterwards is a mistake of the caller.
    /// </summary>
    public void ReleaseOrderIndex() => _orderIndex = null;

    private Dictionary<string, int> OrderIndex => _orderIndex ?? throw new InvalidOperationException("the orders' lookup was released after the month's files were read");

    public int FindRefund(ReadOnlySpan<char> id) => _refundIndex.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var r) ? r : -1;

    public int AddMember(string id, string? sponsor, long joinedTicks, int month)
    {
        var m = MemberIds.Count;
        _memberIndex.Add(id, m);
        MemberIds.Add(id);
        Sponsors.Add(sponsor);
        JoinedTicks.Add(joinedTicks);
        MemberMonth.Add(month);
        _tree = null;
        return m;
    }

    public int InternProduct(ReadOnlySpan<char> product)
    {
        var lookup = _productIndex.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(product, out var p))
        {
            return p;
        }

        var text = product.ToString();
        p = Products.Count;
        _productIndex.Add(text, p);
        Products.Add(text);
        return p;
    }

    /// <summary>Makes room for <paramref name="more"/> orders at once (a large file's columns then grow once, not by doubling).</summary>
    public void EnsureOrderCapacity(int more)
    {
        var total = OrderIds.Count + more;
        OrderIndex.EnsureCapacity(total);
        OrderIds.EnsureCapacity(total);
        Buyer.EnsureCapacity(total);
        Product.EnsureCapacity(total);
        Quantity.EnsureCapacity(total);
        Amount.EnsureCapacity(total);
        PaidTicks.EnsureCapacity(total);
        OrderMonth.EnsureCapacity(total);
    }

    /// <summary>Adds an order unless its id is held already (one lookup for both); false and the holder's index then.</summary>
    public bool TryAddOrder(string id, int buyer, int product, int quantity, long amount, long paidTicks, int month, out int existing)
    {
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(OrderIndex, id, out var held);
        if (held)
        {
            existing = slot;
            return false;
        }

        existing = -1;
        slot = OrderIds.Count;
        OrderIds.Add(id);
        Buyer.Add(buyer);
        Product.Add(product);
        Quantity.Add(quantity);
        Amount.Add(amount);
        PaidTicks.Add(paidTicks);
        OrderMonth.Add(month);
        return true;
    }

    public int AddOrder(string id, int buyer, int product, int quantity, long amount, long paidTicks, int month)
    {
        var o = OrderIds.Count;
        return TryAddOrder(id, buyer, product, quantity, amount, paidTicks, month, out _)
            ? o
            : throw new InvalidOperationException($"order '{id}' is held already");
    }

    public int AddRefund(string id, int order, long amount, long atTicks, int month)
    {
        var r = RefundIds.Count;
        _refundIndex.Add(id, r);
        RefundIds.Add(id);
        RefundOrder.Add(order);
        RefundAmount.Add(amount);
        RefundTicks.Add(atTicks);
        RefundMonth.Add(month);
        Refunded[order] = checked(Refunded.GetValueOrDefault(order) + amount);
        return r;
    }

    /// <summary>The referral tree of every member (indices = the book's member order); built once per change.</summary>
    public ReferralTree Tree()
    {
        if (_tree is not null)
        {
            return _tree;
        }

        var builder = new ReferralTreeBuilder(MemberIds.Count);
        for (var m = 0; m < MemberIds.Count; m++)
        {
            builder.Add(MemberIds[m], Sponsors[m], Instant.FromUnixTimeTicks(JoinedTicks[m]));
        }

        return _tree = builder.Build();
    }

    /// <summary>The orders of one month (by its number in the book), or every order (null), as the engine's batch with their ids, in book order.</summary>
    public OrderBatch BatchOf(int? month)
    {
        var tree = Tree();
        var count = 0;
        for (var o = 0; o < OrderIds.Count; o++)
        {
            count += month is null || OrderMonth[o] == month ? 1 : 0;
        }

        var builder = new OrderBatchBuilder(tree, Currency, count);
        for (var o = 0; o < OrderIds.Count; o++)
        {
            if (month is null || OrderMonth[o] == month)
            {
                builder.AddWithId(new OrderId(OrderIds[o]), Buyer[o], Products[Product[o]], Amount[o], Instant.FromUnixTimeTicks(PaidTicks[o]), Quantity[o]);
            }
        }

        return builder.Build();
    }

    /// <summary>Every refund as the library's <see cref="Refund"/>, made when read.</summary>
    public IReadOnlyList<Refund> Refunds => new RefundView(this);

    public Order OrderAt(int o) => new(new OrderId(OrderIds[o]), new MemberId(MemberIds[Buyer[o]]), new ProductId(Products[Product[o]]), Money.OfMinor(Amount[o], Currency), Instant.FromUnixTimeTicks(PaidTicks[o]), Quantity[o]);

    private sealed class RefundView(StoreFacts facts) : IReadOnlyList<Refund>
    {
        public Refund this[int index] => new(new RefundId(facts.RefundIds[index]), new OrderId(facts.OrderIds[facts.RefundOrder[index]]), Money.OfMinor(facts.RefundAmount[index], facts.Currency), Instant.FromUnixTimeTicks(facts.RefundTicks[index]));

        public int Count => facts.RefundIds.Count;

        public IEnumerator<Refund> GetEnumerator()
        {
            for (var r = 0; r < Count; r++)
            {
                yield return this[r];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
