using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Commissions;

/// <summary>
/// Builds an <see cref="OrderBatch"/> one order at a time, as a reader of a large orders file produces
/// them: straight into columns, products interned by their text, ids kept (and checked for repeats) only
/// when given. Either every order has an id (<see cref="TryAdd"/>, checked at once, or <see cref="AddWithId"/>, checked when built) or none has (<see cref="Add"/>; the
/// batch then names its orders <c>#row</c>). Not thread-safe.
/// </summary>
public sealed class OrderBatchBuilder
{
    private readonly ReferralTree _tree;
    private readonly Currency _currency;
    private readonly Dictionary<string, int> _productIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _products;
    private int _lastProduct = -1;
    private readonly List<ProductId> _productTable = [];
    private int[] _buyer;
    private long[] _amount;
    private int[] _product;
    private int[] _quantity;
    private long[] _paid;
    private OrderId[]? _ids;
    private IdTable? _idTable;
    private int _count;
    private bool? _withIds;
    private bool _checkAtBuild;

    /// <summary>Creates a builder.</summary>
    /// <param name="tree">The tree whose dense indices the buyers are given in.</param>
    /// <param name="currency">The currency of every amount.</param>
    /// <param name="capacity">How many orders to make room for; a batch of exactly this many is built without a copy.</param>
    public OrderBatchBuilder(ReferralTree tree, Currency currency, int capacity = 0)
    {
        _tree = Preconditions.NotNull(tree);
        if (currency.IsDefault)
        {
            throw new ArgumentException("A currency is required.", nameof(currency));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _currency = currency;
        _products = _productIndex.GetAlternateLookup<ReadOnlySpan<char>>();
        _buyer = new int[capacity];
        _amount = new long[capacity];
        _product = new int[capacity];
        _quantity = new int[capacity];
        _paid = new long[capacity];
    }

    /// <summary>How many orders were added.</summary>
    public int Count => _count;

    /// <summary>Adds an order without an id.</summary>
    /// <param name="buyerIndex">The buyer's dense index in the tree.</param>
    /// <param name="product">The product's key (not blank).</param>
    /// <param name="amountMinor">The amount in minor units, not negative.</param>
    /// <param name="paidAt">When it was paid.</param>
    /// <param name="quantity">Units, at least 1.</param>
    /// <exception cref="ArgumentException">An argument is out of range, or orders with ids were added before.</exception>
    public void Add(int buyerIndex, ReadOnlySpan<char> product, long amountMinor, Instant paidAt, int quantity = 1)
    {
        Mode(withIds: false);
        Append(buyerIndex, product, amountMinor, paidAt, quantity);
    }

    /// <summary>Adds an order with its id, unless the id was added before.</summary>
    /// <param name="id">The order's id.</param>
    /// <param name="buyerIndex">The buyer's dense index in the tree.</param>
    /// <param name="product">The product's key (not blank).</param>
    /// <param name="amountMinor">The amount in minor units, not negative.</param>
    /// <param name="paidAt">When it was paid.</param>
    /// <param name="quantity">Units, at least 1.</param>
    /// <returns>False, with nothing added, when an order with this id was already added.</returns>
    /// <exception cref="ArgumentException">An argument is out of range, or orders without ids were added before.</exception>
    public bool TryAdd(OrderId id, int buyerIndex, ReadOnlySpan<char> product, long amountMinor, Instant paidAt, int quantity = 1)
    {
        if (id.IsDefault)
        {
            throw new ArgumentException("An order id is required.", nameof(id));
        }

        Mode(withIds: true);
        _idTable ??= new IdTable(i => _ids![i].Value);
        if (_idTable.Find(id.Value) >= 0)
        {
            return false;
        }

        Append(buyerIndex, product, amountMinor, paidAt, quantity);
        if (_ids!.Length < _buyer.Length)
        {
            Array.Resize(ref _ids, _buyer.Length);
        }

        _ids[_count - 1] = id;
        _idTable.Add(_count - 1);
        return true;
    }

    /// <summary>
    /// Adds an order with its id; repeated ids are found when the batch is built (<see cref="Build"/> then reports
    /// every repeat with its position), which for millions of orders is much cheaper than checking each on the way.
    /// </summary>
    /// <param name="id">The order's id.</param>
    /// <param name="buyerIndex">The buyer's dense index in the tree.</param>
    /// <param name="product">The product's key (not blank).</param>
    /// <param name="amountMinor">The amount in minor units, not negative.</param>
    /// <param name="paidAt">When it was paid.</param>
    /// <param name="quantity">Units, at least 1.</param>
    /// <exception cref="ArgumentException">An argument is out of range, or orders without ids were added before.</exception>
    public void AddWithId(OrderId id, int buyerIndex, ReadOnlySpan<char> product, long amountMinor, Instant paidAt, int quantity = 1)
    {
        if (id.IsDefault)
        {
            throw new ArgumentException("An order id is required.", nameof(id));
        }

        Mode(withIds: true);
        Append(buyerIndex, product, amountMinor, paidAt, quantity);
        if (_ids!.Length < _buyer.Length)
        {
            Array.Resize(ref _ids, _buyer.Length);
        }

        _ids[_count - 1] = id;
        _checkAtBuild = true;
    }

    /// <summary>
    /// Moves every order of <paramref name="other"/> (over the same tree and currency, with ids or without as
    /// this one) to the end of this builder, in order: builders filled on several threads are joined this way.
    /// With ids, stops at the first order whose id this builder already has and returns its position in
    /// <paramref name="other"/> (the orders before it are moved); otherwise returns -1. <paramref name="other"/>
    /// is emptied.
    /// </summary>
    /// <param name="other">The builder to take the orders of.</param>
    /// <returns>-1, or the position in <paramref name="other"/> of the first repeated id.</returns>
    /// <exception cref="ArgumentException">The builders are over different trees or currencies, or one has ids and the other not.</exception>
    public int Append(OrderBatchBuilder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!ReferenceEquals(other._tree, _tree) || other._currency != _currency)
        {
            throw new ArgumentException("The builders must be over the same tree and currency.", nameof(other));
        }

        if (other._count == 0)
        {
            return -1;
        }

        if (_withIds is { } mine && other._withIds is { } theirs && mine != theirs)
        {
            throw new ArgumentException("One builder has ids and the other not.", nameof(other));
        }

        Mode(other._withIds ?? false);
        var need = _count + other._count;
        if (need > _buyer.Length)
        {
            Array.Resize(ref _buyer, need);
            Array.Resize(ref _amount, need);
            Array.Resize(ref _product, need);
            Array.Resize(ref _quantity, need);
            Array.Resize(ref _paid, need);
        }

        var productMap = new int[other._productTable.Count];
        for (var p = 0; p < productMap.Length; p++)
        {
            productMap[p] = Intern(other._productTable[p].Value);
        }

        var moved = other._count;
        _checkAtBuild |= other._checkAtBuild;
        if (other._ids is { } ids && _checkAtBuild)
        {
            if (_ids!.Length < need)
            {
                Array.Resize(ref _ids, need);
            }

            Array.Copy(ids, 0, _ids, _count, other._count);
        }
        else if (other._ids is { } checkedIds)
        {
            if (_ids!.Length < need)
            {
                Array.Resize(ref _ids, need);
            }

            _idTable ??= new IdTable(i => _ids![i].Value);
            for (var k = 0; k < other._count; k++)
            {
                if (_idTable.Find(checkedIds[k].Value) >= 0)
                {
                    moved = k;
                    break;
                }

                _ids[_count + k] = checkedIds[k];
                _idTable.Add(_count + k);
            }
        }

        Array.Copy(other._buyer, 0, _buyer, _count, moved);
        Array.Copy(other._amount, 0, _amount, _count, moved);
        Array.Copy(other._quantity, 0, _quantity, _count, moved);
        Array.Copy(other._paid, 0, _paid, _count, moved);
        for (var k = 0; k < moved; k++)
        {
            _product[_count + k] = productMap[other._product[k]];
        }

        _count += moved;
        var repeated = moved < other._count ? moved : -1;
        other._buyer = [];
        other._amount = [];
        other._paid = [];
        other._product = [];
        other._quantity = [];
        other._ids = null;
        other._idTable = null;
        other._count = 0;
        return repeated;
    }

    /// <summary>The position of the order added with an id, or -1.</summary>
    /// <param name="id">An order id added with <see cref="AddWithId"/>; others are not found.</param>
    /// <returns>Its position from 0, or -1.</returns>
    public int IndexOf(OrderId id) => id.IsDefault || _idTable is null ? -1 : _idTable.Find(id.Value);

    /// <summary>Builds the batch. The builder must not be used afterwards.</summary>
    /// <returns>The batch.</returns>
    /// <exception cref="InvalidInputException">With <see cref="OrderBatchMustBeValidRule"/> listing every repeated id added with <see cref="AddWithId"/> and every order paid before its buyer joined (<c>order.before-join</c>).</exception>
    public OrderBatch Build()
    {
        var problems = _checkAtBuild ? RepeatedIds() : [];

        // One pass over the members' join ticks (8 bytes a member, in the cache for a million members) rather than a
        // lookup per added order.
        var joined = _tree.JoinedTicks;
        for (var i = FirstPaidBeforeJoin(_paid, _buyer, _count, joined, 0); i >= 0; i = FirstPaidBeforeJoin(_paid, _buyer, _count, joined, i + 1))
        {
            problems.Add(OrderBatch.BeforeJoin(i, _ids?[i], _tree.MemberAt(_buyer[i]), Instant.FromUnixTimeTicks(_paid[i]), _tree.JoinedAtIndex(_buyer[i])));
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(new OrderBatchMustBeValidRule(problems));
        }

        if (_buyer.Length != _count)
        {
            Array.Resize(ref _buyer, _count);
            Array.Resize(ref _amount, _count);
            Array.Resize(ref _product, _count);
            Array.Resize(ref _quantity, _count);
            Array.Resize(ref _paid, _count);
        }

        if (_ids is not null && _ids.Length != _count)
        {
            Array.Resize(ref _ids, _count);
        }

        var batch = OrderBatch.FromOwnedColumns(_tree, _currency, _ids, _buyer, _amount, _product, [.. _productTable], _quantity, _paid);
        _buyer = [];
        _amount = [];
        _product = [];
        _quantity = [];
        _paid = [];
        _ids = null;
        _count = 0;
        return batch;
    }

    /// <summary>The first order from <paramref name="from"/> on paid before its buyer joined, or -1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static int FirstPaidBeforeJoin(long[] paid, int[] buyer, int count, long[] joined, int from)
    {
        for (var i = from; i < count; i++)
        {
            if (paid[i] < joined[buyer[i]])
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Every id that repeats an earlier one: the ids' 64-bit hashes sorted, equal neighbours compared as text.</summary>
    private List<OrderProblem> RepeatedIds()
    {
        var hashes = new long[_count];
        var rows = new int[_count];
        for (var i = 0; i < _count; i++)
        {
            var text = _ids![i].Value.AsSpan();
            ulong fnv = 14695981039346656037UL;
            foreach (var c in text)
            {
                fnv = unchecked((fnv ^ c) * 1099511628211UL);
            }

            hashes[i] = unchecked((long)fnv);
            rows[i] = i;
        }

        Array.Sort(hashes, rows);
        var problems = new List<OrderProblem>();
        for (var start = 0; start < _count;)
        {
            var end = start + 1;
            while (end < _count && hashes[end] == hashes[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                // Same hash: compare the texts; every row that repeats an earlier one is a problem.
                Array.Sort(rows, start, end - start);
                for (var a = start + 1; a < end; a++)
                {
                    for (var b = start; b < a; b++)
                    {
                        if (_ids![rows[a]] == _ids[rows[b]])
                        {
                            problems.Add(new OrderProblem(rows[a], _ids[rows[a]], "order.duplicate", $"order '{_ids[rows[a]]}' appears more than once (first at row {rows[b]})"));
                            break;
                        }
                    }
                }
            }

            start = end;
        }

        problems.Sort((x, y) => x.Row.CompareTo(y.Row));
        return problems;
    }

    private void Mode(bool withIds)
    {
        _withIds ??= withIds;
        if (_withIds != withIds)
        {
            throw new ArgumentException(withIds ? "Orders without ids were added before; add every order with an id or none." : "Orders with ids were added before; add every order with an id or none.");
        }

        if (withIds)
        {
            _ids ??= new OrderId[_buyer.Length];
        }
    }

    private int Intern(ReadOnlySpan<char> product)
    {
        // Orders mostly name the product of the order before: compared first, then looked up.
        if (_lastProduct >= 0 && product.SequenceEqual(_productTable[_lastProduct].Value))
        {
            return _lastProduct;
        }

        if (!_products.TryGetValue(product, out var p))
        {
            var text = product.ToString();
            p = _productTable.Count;
            _productIndex.Add(text, p);
            _productTable.Add(new ProductId(text));
        }

        _lastProduct = p;
        return p;
    }

    private void Append(int buyerIndex, ReadOnlySpan<char> product, long amountMinor, Instant paidAt, int quantity)
    {
        if (unchecked((uint)buyerIndex >= (uint)_tree.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(buyerIndex), buyerIndex, $"The tree has {_tree.Count} members.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(amountMinor);
        ArgumentOutOfRangeException.ThrowIfLessThan(quantity, 1);
        if (product.IsWhiteSpace())
        {
            throw new ArgumentException("A product key must not be blank.", nameof(product));
        }

        var p = Intern(product);

        if (_count == _buyer.Length)
        {
            var size = Math.Max(16, _count * 2);
            Array.Resize(ref _buyer, size);
            Array.Resize(ref _amount, size);
            Array.Resize(ref _product, size);
            Array.Resize(ref _quantity, size);
            Array.Resize(ref _paid, size);
        }

        _buyer[_count] = buyerIndex;
        _amount[_count] = amountMinor;
        _product[_count] = p;
        _quantity[_count] = quantity;
        _paid[_count] = paidAt.ToUnixTimeTicks();
        _count++;
    }
}
