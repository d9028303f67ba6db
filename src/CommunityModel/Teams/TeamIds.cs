using CommunityModel.Primitives;

namespace CommunityModel.Teams;

/// <summary>Identifies a staff persona account (个人号) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct AccountId : IStringId<AccountId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public AccountId(string value) => _value = StringIds.Require(value, "account");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("account");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static AccountId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}

/// <summary>Identifies a staff member (an employee who operates accounts) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct StaffId : IStringId<StaffId>
{
    private readonly string? _value;

    /// <summary>The id of the caller's key <paramref name="value"/>.</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public StaffId(string value) => _value = StringIds.Require(value, "staff");

    /// <inheritdoc />
    public string Value => _value ?? throw StringIds.Uninitialized("staff");

    /// <inheritdoc />
    public bool IsDefault => _value is null;

    /// <summary>The id of the caller's key <paramref name="value"/> (the same as the constructor).</summary>
    /// <param name="value">The key: not null, empty or white space.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentException">The key is blank.</exception>
    public static StaffId From(string value) => new(value);

    /// <summary>The key, or an empty text for <c>default</c>.</summary>
    /// <returns>The key.</returns>
    public override string ToString() => _value ?? string.Empty;
}
