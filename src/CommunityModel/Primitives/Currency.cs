using System.Collections.Frozen;

namespace CommunityModel.Primitives;

/// <summary>
/// A currency: its ISO 4217 alphabetic code and the number of digits of its minor unit
/// (2 for CNY fen, 0 for JPY). Use the well-known instances (<see cref="CNY"/>, ...),
/// <see cref="FromCode"/> for the built-in ISO list, or <see cref="Define"/> for another.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public readonly record struct Currency
{
    /// <summary>The largest supported number of minor-unit digits.</summary>
    public const int MaxMinorDigits = 6;

    private static readonly long[] Powers = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

    private Currency(string code, int minorDigits)
    {
        Code = code;
        MinorDigits = minorDigits;
    }

    /// <summary>The three-letter upper-case code, e.g. <c>CNY</c>.</summary>
    public string Code { get; }

    /// <summary>How many decimal digits the minor unit has (0..<see cref="MaxMinorDigits"/>).</summary>
    public int MinorDigits { get; }

    /// <summary>How many minor units make one major unit (10^<see cref="MinorDigits"/>).</summary>
    public long MinorPerMajor => Powers[MinorDigits];

    /// <summary>True for <c>default(Currency)</c>, which is not a usable currency.</summary>
    public bool IsDefault => Code is null;

    /// <summary>Chinese yuan renminbi (2 digits, fen).</summary>
    public static Currency CNY { get; } = new("CNY", 2);

    /// <summary>US dollar (2 digits).</summary>
    public static Currency USD { get; } = new("USD", 2);

    /// <summary>Euro (2 digits).</summary>
    public static Currency EUR { get; } = new("EUR", 2);

    /// <summary>Japanese yen (0 digits).</summary>
    public static Currency JPY { get; } = new("JPY", 0);

    private static readonly FrozenDictionary<string, Currency> Known = new Dictionary<string, Currency>(StringComparer.Ordinal)
    {
        ["CNY"] = CNY,
        ["USD"] = USD,
        ["EUR"] = EUR,
        ["JPY"] = JPY,
        ["GBP"] = new("GBP", 2),
        ["HKD"] = new("HKD", 2),
        ["TWD"] = new("TWD", 2),
        ["MOP"] = new("MOP", 2),
        ["SGD"] = new("SGD", 2),
        ["MYR"] = new("MYR", 2),
        ["AUD"] = new("AUD", 2),
        ["CAD"] = new("CAD", 2),
        ["CHF"] = new("CHF", 2),
        ["KRW"] = new("KRW", 0),
        ["VND"] = new("VND", 0),
        ["KWD"] = new("KWD", 3),
        ["BHD"] = new("BHD", 3),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The currencies <see cref="FromCode"/> knows without a definition.</summary>
    public static IReadOnlyCollection<Currency> BuiltIn => Known.Values;

    /// <summary>Looks up a built-in currency by its ISO 4217 code.</summary>
    /// <param name="code">The code, e.g. <c>CNY</c>.</param>
    /// <returns>The currency.</returns>
    /// <exception cref="ArgumentException">The code is not built in; use <see cref="Define"/>.</exception>
    public static Currency FromCode(string code)
    {
        Preconditions.NotBlank(code);
        if (Known.TryGetValue(code, out var currency))
        {
            return currency;
        }

        throw new ArgumentException($"Unknown currency code '{code}'. Built in: {string.Join(", ", Known.Keys.Order(StringComparer.Ordinal))}; define others with Currency.Define.", nameof(code));
    }

    /// <summary>Looks up a built-in currency by its code without throwing.</summary>
    /// <param name="code">An ISO 4217 code of a built-in currency, e.g. <c>CNY</c>.</param>
    /// <param name="currency">The currency when found.</param>
    /// <returns>True when the code is built in.</returns>
    public static bool TryFromCode(string? code, out Currency currency)
    {
        if (code is not null && Known.TryGetValue(code, out currency))
        {
            return true;
        }

        currency = default;
        return false;
    }

    /// <summary>Defines a currency that is not built in (or re-states a built-in one, which must agree).</summary>
    /// <param name="code">Three upper-case ASCII letters.</param>
    /// <param name="minorDigits">Digits of the minor unit, 0..<see cref="MaxMinorDigits"/>.</param>
    /// <returns>The currency.</returns>
    /// <exception cref="ArgumentException">The code is malformed, the digits are out of range, or a built-in code is re-stated with other digits.</exception>
    public static Currency Define(string code, int minorDigits)
    {
        var result = new CurrencyDefinitionValidator().Validate(new CurrencyDefinition(code, minorDigits));
        if (!result.IsValid)
        {
            throw new ArgumentException(string.Join(" ", result.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage} [{e.ErrorCode}]")), nameof(code));
        }

        return new Currency(code, minorDigits);
    }

    /// <summary>The ISO code.</summary>
    /// <returns>The code, or an empty string for the default value.</returns>
    public override string ToString() => Code ?? string.Empty;
}
