namespace CommunityModel.Primitives;

// Typed ids wrap the caller's own string keys (a WeChat open id, an order number, a SKU):
// strings, because the systems that feed this library key their records by text. Inside the
// hot paths the library maps them once to dense integer indices. Where the library sorts by id
// it compares Value ordinally (string.CompareOrdinal), so results do not depend on culture.
// Every id follows IStringId<TSelf>: made explicitly (constructor or From), never from a string
// by conversion, so two ids of different kinds cannot be swapped; blank keys are refused and
// the Value of a default id throws. The bodies are written by the build's source generator from
// one template ([StringId]); a new id is one declaration here.

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

/// <summary>
/// Marks a <c>readonly partial record struct</c> as an id: the source generator of the build
/// (<c>src/CommunityModel.Generators</c>) writes its key, constructor, <c>Value</c>, <c>IsDefault</c>, <c>From</c> and
/// <c>ToString</c> from one template, so every id has exactly the same shape and checks.
/// </summary>
/// <param name="kind">The word error messages use for the id, e.g. <c>member</c>.</param>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
internal sealed class StringIdAttribute(string kind) : Attribute
{
    public string Kind { get; } = kind;
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
[StringId("member")]
public readonly partial record struct MemberId;

/// <summary>Identifies an order by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
[StringId("order")]
public readonly partial record struct OrderId;

/// <summary>Identifies a product (SKU) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
[StringId("product")]
public readonly partial record struct ProductId;

/// <summary>Identifies a group (a WeChat group, a community) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
[StringId("group")]
public readonly partial record struct GroupId;

/// <summary>Identifies a refund by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
[StringId("refund")]
public readonly partial record struct RefundId;
