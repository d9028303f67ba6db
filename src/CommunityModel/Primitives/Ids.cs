namespace CommunityModel.Primitives;

// Typed ids wrap the caller's own string keys (a WeChat open id, an order number, a SKU):
// strings, because the systems that feed this library key their records by text. Inside the
// hot paths the library maps them once to dense integer indices. Where the library sorts by id
// it compares Value ordinally (string.CompareOrdinal), so results do not depend on culture.
// Every id follows IStringId<TSelf>: made explicitly (constructor or From), never from a string
// by conversion, so two ids of different kinds cannot be swapped; blank keys are refused and
// the Value of a default id throws.

/// <summary>
/// The shape every id of the library shares: a non-blank key of the caller's own, made explicitly with
/// <c>From</c> (or the constructor), compared by key (ordinal, case-sensitive). There is no conversion from
/// <see cref="string"/>: a <c>MemberId</c> cannot be passed where an <c>OrderId</c> is wanted. A
/// <c>default</c> id holds no key; its <see cref="Value"/> throws and the library refuses it where an id is
/// required. Ids are immutable values, safe to share between threads.
/// </summary>
/// <typeparam name="TSelf">The id type itself.</typeparam>
public interface IStringId<TSelf> : IEquatable<TSelf>
    where TSelf : struct, IStringId<TSelf>
{
    /// <summary>The caller's key.</summary>
    /// <exception cref="InvalidOperationException">The id is <c>default</c> and holds no key.</exception>
    string Value { get; }

    /// <summary>True for <c>default</c>, an id that holds no key.</summary>
    bool IsDefault { get; }

    /// <summary>The id of a key.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    static abstract TSelf From(string value);
}

/// <summary>The checks every id shares.</summary>
internal static class StringIds
{
    public static string Require(string? value, string kind) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new ArgumentException($"A {kind} id needs a key that is not blank.", nameof(value))
            : value;

    public static InvalidOperationException Uninitialized(string kind) =>
        new($"This {kind} id is default and holds no key; make ids with From(key) or the constructor.");

    /// <summary>Refuses a default id where one is required.</summary>
    public static T Required<T>(T id, string parameter)
        where T : struct, IStringId<T> =>
        id.IsDefault ? throw new ArgumentException($"An id is required; this one is default and holds no key.", parameter) : id;
}

/// <summary>Identifies a member (any customer, member or partner) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct MemberId : IStringId<MemberId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public MemberId(string value) => _value = StringIds.Require(value, "member");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("member");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static MemberId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}

/// <summary>Identifies an order by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct OrderId : IStringId<OrderId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public OrderId(string value) => _value = StringIds.Require(value, "order");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("order");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static OrderId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}

/// <summary>Identifies a product (SKU) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct ProductId : IStringId<ProductId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public ProductId(string value) => _value = StringIds.Require(value, "product");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("product");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static ProductId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}

/// <summary>Identifies a group (a WeChat group, a community) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct GroupId : IStringId<GroupId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public GroupId(string value) => _value = StringIds.Require(value, "group");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("group");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static GroupId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}

/// <summary>Identifies a refund by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct RefundId : IStringId<RefundId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public RefundId(string value) => _value = StringIds.Require(value, "refund");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("refund");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static RefundId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}
