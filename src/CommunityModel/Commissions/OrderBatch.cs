using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Commissions;

/// <summary>What is wrong with one order of a batch.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Row">The order's position in the input.</param>
/// <param name="Order">The order's id, when it has one.</param>
/// <param name="Code">A stable code, e.g. <c>order.buyer.unknown</c>.</param>
/// <param name="Detail">A sentence with the values involved.</param>
public sealed record OrderProblem(int Row, OrderId? Order, string Code, string Detail);

/// <summary>A batch of orders was rejected; every offender is listed and nothing was computed.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Problems">Every problem found.</param>
public sealed record OrderBatchMustBeValidRule(IReadOnlyList<OrderProblem> Problems) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "orders.invalid";

    /// <inheritdoc />
    public string Message =>
        $"The order batch has {Problems.Count} problem(s): " +
        string.Join("; ", Problems.Take(20).Select(p => $"row {p.Row}{(p.Order is { } id ? $" ({id})" : string.Empty)}: {p.Detail} [{p.Code}]")) +
        (Problems.Count > 20 ? $"; and {Problems.Count - 20} more" : string.Empty);
}

/// <summary>
/// Orders as columns over a referral tree's dense indices: the engine's input. Build it once from
/// <see cref="Order"/> records with <see cref="Create"/>, or from raw columns with <see cref="FromColumns"/>
/// for very large runs.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class OrderBatch
{
    private OrderBatch(ReferralTree tree, Currency currency, OrderId[]? ids, int[] buyer, long[] amount, int[] product, ProductId[] products, int[] quantity, long[] paidAtTicks)
    {
        Tree = tree;
        Currency = currency;
        Ids = ids;
        Buyer = buyer;
        Amount = amount;
        Product = product;
        ProductTable = products;
        Quantity = quantity;
        PaidAtTicks = paidAtTicks;
        MaxAmount = amount.Length == 0 ? 0 : amount.Max();
    }

    /// <summary>The tree the buyer indices refer to.</summary>
    public ReferralTree Tree { get; }

    /// <summary>The currency of every amount.</summary>
    public Currency Currency { get; }

    /// <summary>The number of orders.</summary>
    public int Count => Buyer.Length;

    internal OrderId[]? Ids { get; }

    internal int[] Buyer { get; }

    internal long[] Amount { get; }

    internal int[] Product { get; }

    internal ProductId[] ProductTable { get; }

    internal int[] Quantity { get; }

    internal long[] PaidAtTicks { get; }

    /// <summary>The largest order amount, in minor units (0 for an empty batch).</summary>
    internal long MaxAmount { get; }

    /// <summary>The id of the order at a position (synthesised as <c>#row</c> for column batches).</summary>
    /// <param name="row">A row from 0 to <c>Count - 1</c>, in the order the orders were given.</param>
    /// <returns>The id.</returns>
    public OrderId IdAt(int row) => Ids is null ? new OrderId("#" + row.ToString(System.Globalization.CultureInfo.InvariantCulture)) : Ids[row];

    /// <summary>When the order at a position was paid.</summary>
    /// <param name="row">A row from 0 to <c>Count - 1</c>, in the order the orders were given.</param>
    /// <returns>The instant.</returns>
    public Instant PaidAtOf(int row) => Instant.FromUnixTimeTicks(PaidAtTicks[row]);

    /// <summary>
    /// Builds a batch, checking every order: known buyer, paid when or after the buyer joined, one currency,
    /// amount not negative, quantity at least 1, no duplicate id. All problems are reported at once and nothing is built.
    /// </summary>
    /// <param name="tree">The referral tree.</param>
    /// <param name="currency">The currency every order must be in.</param>
    /// <param name="orders">The orders, in the currency given, each bought by a member of the tree.</param>
    /// <returns>The batch.</returns>
    /// <exception cref="InvalidInputException">With <see cref="OrderBatchMustBeValidRule"/>.</exception>
    public static OrderBatch Create(ReferralTree tree, Currency currency, IEnumerable<Order> orders)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(orders);
        var list = orders as IReadOnlyList<Order> ?? orders.ToList();
        var n = list.Count;
        var ids = new OrderId[n];
        var buyer = new int[n];
        var amount = new long[n];
        var product = new int[n];
        var quantity = new int[n];
        var paid = new long[n];
        var productIndex = new Dictionary<ProductId, int>(LongIdComparer.Instance);
        var products = new List<ProductId>();
        var seen = new HashSet<OrderId>();
        var problems = new List<OrderProblem>();

        // A batch has few products, usually as the same few string instances: those are recognised by reference
        // before any hashing, so a long product id is not hashed once per order.
        var recent = new (string? Key, int Index)[8];
        var next = 0;
        int ProductIndex(ProductId id)
        {
            var key = id.Value;
            foreach (var (k, index) in recent)
            {
                if (ReferenceEquals(k, key))
                {
                    return index;
                }
            }

            if (!productIndex.TryGetValue(id, out var found))
            {
                found = productIndex[id] = products.Count;
                products.Add(id);
            }

            recent[next] = (key, found);
            next = (next + 1) % recent.Length;
            return found;
        }

        for (var i = 0; i < n; i++)
        {
            var o = list[i];
            if (o is null)
            {
                problems.Add(new OrderProblem(i, null, "order.null", "the order is null"));
                continue;
            }

            ids[i] = o.Id;
            if (!seen.Add(o.Id))
            {
                problems.Add(new OrderProblem(i, o.Id, "order.duplicate", $"order '{o.Id}' appears more than once"));
            }

            if (!tree.TryGetIndex(o.Buyer, out buyer[i]))
            {
                problems.Add(new OrderProblem(i, o.Id, "order.buyer.unknown", $"buyer '{o.Buyer}' is not a member"));
            }

            else if (o.PaidAt < tree.JoinedAtIndex(buyer[i]))
            {
                problems.Add(BeforeJoin(i, o.Id, o.Buyer, o.PaidAt, tree.JoinedAtIndex(buyer[i])));
            }

            if (o.Amount.Currency != currency)
            {
                problems.Add(new OrderProblem(i, o.Id, "order.currency.mismatch", $"amount {o.Amount} is not in {currency}"));
            }

            if (o.Amount.MinorUnits < 0)
            {
                problems.Add(new OrderProblem(i, o.Id, "order.amount.negative", $"amount {o.Amount} is negative"));
            }

            if (o.Quantity < 1)
            {
                problems.Add(new OrderProblem(i, o.Id, "order.quantity.range", $"quantity {o.Quantity} is below 1"));
            }

            amount[i] = o.Amount.MinorUnits;
            quantity[i] = o.Quantity;
            paid[i] = o.PaidAt.ToUnixTimeTicks();
            product[i] = ProductIndex(o.Product);
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(new OrderBatchMustBeValidRule(problems));
        }

        return new OrderBatch(tree, currency, ids, buyer, amount, product, [.. products], quantity, paid);
    }

    /// <summary>The problem of an order paid before its buyer joined: commissions follow the referral tree as it stood, and the buyer was not in it yet.</summary>
    internal static OrderProblem BeforeJoin(int index, OrderId? id, MemberId buyer, Instant paidAt, Instant joinedAt)
        => new(index, id, "order.before-join", $"paid at {paidAt}, before the buyer '{buyer}' joined at {joinedAt}");

    /// <summary>A batch over columns that the caller hands over (checked by the caller, not copied).</summary>
    internal static OrderBatch FromOwnedColumns(ReferralTree tree, Currency currency, OrderId[]? ids, int[] buyer, long[] amount, int[] product, ProductId[] products, int[] quantity, long[] paidAtTicks)
        => new(tree, currency, ids, buyer, amount, product, products, quantity, paidAtTicks);

    /// <summary>
    /// Builds a batch from raw columns (copied): buyer dense indices, amounts in minor units and payment
    /// instants; every order is of one product and one unit. For very large runs where creating
    /// <see cref="Order"/> records would dominate.
    /// </summary>
    /// <param name="tree">The referral tree.</param>
    /// <param name="currency">The currency of the amounts.</param>
    /// <param name="product">The product of every order.</param>
    /// <param name="buyerIndex">Buyer index per order.</param>
    /// <param name="amountMinor">Amount per order, in minor units, not negative.</param>
    /// <param name="paidAt">Payment instant per order.</param>
    /// <returns>The batch.</returns>
    public static OrderBatch FromColumns(ReferralTree tree, Currency currency, ProductId product, ReadOnlySpan<int> buyerIndex, ReadOnlySpan<long> amountMinor, ReadOnlySpan<Instant> paidAt)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (buyerIndex.Length != amountMinor.Length || buyerIndex.Length != paidAt.Length)
        {
            throw new ArgumentException("The columns must have the same length.", nameof(amountMinor));
        }

        var problems = new List<OrderProblem>();
        var paid = new long[paidAt.Length];
        for (var i = 0; i < buyerIndex.Length; i++)
        {
            if (unchecked((uint)buyerIndex[i] >= (uint)tree.Count))
            {
                problems.Add(new OrderProblem(i, null, "order.buyer.unknown", $"buyer index {buyerIndex[i]} is outside the tree"));
            }
            else if (paidAt[i] < tree.JoinedAtIndex(buyerIndex[i]))
            {
                problems.Add(BeforeJoin(i, null, tree.MemberAt(buyerIndex[i]), paidAt[i], tree.JoinedAtIndex(buyerIndex[i])));
            }

            if (amountMinor[i] < 0)
            {
                problems.Add(new OrderProblem(i, null, "order.amount.negative", $"amount {amountMinor[i]} is negative"));
            }

            paid[i] = paidAt[i].ToUnixTimeTicks();
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(new OrderBatchMustBeValidRule(problems));
        }

        var quantity = new int[buyerIndex.Length];
        Array.Fill(quantity, 1);
        return new OrderBatch(tree, currency, null, buyerIndex.ToArray(), amountMinor.ToArray(), new int[buyerIndex.Length], [product], quantity, paid);
    }
}

/// <summary>
/// Product ids compared by content, hashed on their length and at most 64 characters from each end: a batch
/// built again and again (the plan laws' searches) never hashes a long id whole. Equal ids still compare whole.
/// </summary>
internal sealed class LongIdComparer : IEqualityComparer<ProductId>
{
    public static readonly LongIdComparer Instance = new();

    public bool Equals(ProductId x, ProductId y) => x == y;

    public int GetHashCode(ProductId id)
    {
        var text = id.Value.AsSpan();
        return text.Length <= 128
            ? string.GetHashCode(text)
            : HashCode.Combine(text.Length, string.GetHashCode(text[..64]), string.GetHashCode(text[^64..]));
    }
}
