namespace CommunityModel.Primitives;

// Typed ids wrap the caller's own string keys (a WeChat open id, an order number, a SKU):
// strings, because the systems that feed this library key their records by text. Inside the
// hot paths the library maps them once to dense integer indices. Where the library sorts by id
// it compares Value ordinally (string.CompareOrdinal), so results do not depend on culture.

/// <summary>Identifies a member (any customer, member or partner) by the caller's own key.</summary>
public readonly record struct MemberId
{
    /// <summary>Creates an id.</summary>
    /// <param name="value">A non-blank key.</param>
    public MemberId(string value) => Value = Preconditions.NotBlank(value);

    /// <summary>The key.</summary>
    public string Value { get; }

    /// <summary>The key.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Wraps a key.</summary>
    /// <param name="value">The key.</param>
    public static implicit operator MemberId(string value) => new(value);
}

/// <summary>Identifies an order by the caller's own key.</summary>
public readonly record struct OrderId
{
    /// <summary>Creates an id.</summary>
    /// <param name="value">A non-blank key.</param>
    public OrderId(string value) => Value = Preconditions.NotBlank(value);

    /// <summary>The key.</summary>
    public string Value { get; }

    /// <summary>The key.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Wraps a key.</summary>
    /// <param name="value">The key.</param>
    public static implicit operator OrderId(string value) => new(value);
}

/// <summary>Identifies a product (SKU) by the caller's own key.</summary>
public readonly record struct ProductId
{
    /// <summary>Creates an id.</summary>
    /// <param name="value">A non-blank key.</param>
    public ProductId(string value) => Value = Preconditions.NotBlank(value);

    /// <summary>The key.</summary>
    public string Value { get; }

    /// <summary>The key.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Wraps a key.</summary>
    /// <param name="value">The key.</param>
    public static implicit operator ProductId(string value) => new(value);
}

/// <summary>Identifies a group (a WeChat group, a community) by the caller's own key.</summary>
public readonly record struct GroupId
{
    /// <summary>Creates an id.</summary>
    /// <param name="value">A non-blank key.</param>
    public GroupId(string value) => Value = Preconditions.NotBlank(value);

    /// <summary>The key.</summary>
    public string Value { get; }

    /// <summary>The key.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Wraps a key.</summary>
    /// <param name="value">The key.</param>
    public static implicit operator GroupId(string value) => new(value);
}

/// <summary>Identifies a refund by the caller's own key.</summary>
public readonly record struct RefundId
{
    /// <summary>Creates an id.</summary>
    /// <param name="value">A non-blank key.</param>
    public RefundId(string value) => Value = Preconditions.NotBlank(value);

    /// <summary>The key.</summary>
    public string Value { get; }

    /// <summary>The key.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>Wraps a key.</summary>
    /// <param name="value">The key.</param>
    public static implicit operator RefundId(string value) => new(value);
}
