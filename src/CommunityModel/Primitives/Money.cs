using System.Collections.Immutable;
using System.Globalization;

namespace CommunityModel.Primitives;

/// <summary>
/// An exact amount of one currency in whole minor units (fen, cents). Arithmetic is checked:
/// overflow and mixing currencies throw <see cref="InvalidInputException"/> with a named rule.
/// Text form is <c>"CNY 12.34"</c> (invariant culture, '.' as the decimal separator).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MinorUnits">The amount in minor units.</param>
/// <param name="Currency">The currency, which fixes how many minor units make a major unit.</param>
public readonly record struct Money(long MinorUnits, Currency Currency) : IComparable<Money>, ISpanFormattable
{
    /// <summary>Zero in a currency.</summary>
    /// <param name="currency">The currency, which fixes how many minor units make a major unit.</param>
    /// <returns>A zero amount.</returns>
    public static Money Zero(Currency currency) => new(0, currency);

    /// <summary>An amount given in minor units.</summary>
    /// <param name="minorUnits">Minor units.</param>
    /// <param name="currency">The currency, which fixes how many minor units make a major unit.</param>
    /// <returns>The amount.</returns>
    public static Money OfMinor(long minorUnits, Currency currency) => new(minorUnits, currency);

    /// <summary>An amount given in major units, e.g. <c>12.34m</c> yuan; it must be exact to the minor unit.</summary>
    /// <param name="major">The amount in major units.</param>
    /// <param name="currency">The currency, which fixes how many minor units make a major unit.</param>
    /// <returns>The amount.</returns>
    /// <exception cref="ArgumentException">The value has more decimals than the currency's minor unit.</exception>
    public static Money OfMajor(decimal major, Currency currency)
    {
        // Beyond a long's range in minor units the product may also pass decimal's: refuse both the same way.
        if (Math.Abs(major) > (decimal)long.MaxValue / currency.MinorPerMajor * 2)
        {
            throw new InvalidInputException(new MoneyOverflowRule("OfMajor"));
        }

        var scaled = major * currency.MinorPerMajor;
        if (scaled != decimal.Truncate(scaled))
        {
            throw new ArgumentException($"{major.ToString(CultureInfo.InvariantCulture)} has more decimals than {currency.Code} allows ({currency.MinorDigits}).", nameof(major));
        }

        if (scaled > long.MaxValue || scaled < long.MinValue)
        {
            throw new InvalidInputException(new MoneyOverflowRule("OfMajor"));
        }

        return new Money((long)scaled, currency);
    }

    /// <summary>True when the amount is zero.</summary>
    public bool IsZero => MinorUnits == 0;

    /// <summary>True when the amount is below zero.</summary>
    public bool IsNegative => MinorUnits < 0;

    /// <summary>The amount in major units as an exact decimal.</summary>
    public decimal ToMajor() => (decimal)MinorUnits / Currency.MinorPerMajor;

    /// <summary>Adds two amounts of one currency.</summary>
    /// <param name="a">An amount.</param>
    /// <param name="b">An amount of the same currency.</param>
    /// <returns>The sum.</returns>
    public static Money operator +(Money a, Money b) => new(Checked(a.MinorUnits, b.MinorUnits, add: true), Same(a, b));

    /// <summary>Subtracts two amounts of one currency.</summary>
    /// <param name="a">An amount.</param>
    /// <param name="b">An amount of the same currency.</param>
    /// <returns>The difference.</returns>
    public static Money operator -(Money a, Money b) => new(Checked(a.MinorUnits, b.MinorUnits, add: false), Same(a, b));

    /// <summary>Negates an amount.</summary>
    /// <param name="a">An amount.</param>
    /// <returns>The negated amount.</returns>
    public static Money operator -(Money a)
        => a.MinorUnits == long.MinValue ? throw new InvalidInputException(new MoneyOverflowRule("negation")) : new(-a.MinorUnits, a.Currency);

    /// <summary>Multiplies an amount by a whole quantity.</summary>
    /// <param name="a">An amount.</param>
    /// <param name="quantity">A quantity.</param>
    /// <returns>The product.</returns>
    public static Money operator *(Money a, long quantity)
    {
        var p = (Int128)a.MinorUnits * quantity;
        if (p > long.MaxValue || p < long.MinValue)
        {
            throw new InvalidInputException(new MoneyOverflowRule("multiplication"));
        }

        return new((long)p, a.Currency);
    }

    /// <summary>Adds two amounts of one currency.</summary>
    /// <param name="other">An amount of the same currency.</param>
    /// <returns>The sum.</returns>
    public Money Add(Money other) => this + other;

    /// <summary>Subtracts an amount of the same currency.</summary>
    /// <param name="other">An amount of the same currency.</param>
    /// <returns>The difference.</returns>
    public Money Subtract(Money other) => this - other;

    /// <summary>Multiplies by a whole quantity.</summary>
    /// <param name="quantity">A whole number of units; the product must fit in 64-bit minor units.</param>
    /// <returns>The product.</returns>
    public Money Multiply(long quantity) => this * quantity;

    /// <summary>Negates the amount.</summary>
    /// <returns>The negated amount.</returns>
    public Money Negate() => -this;

    /// <summary>Applies a rate with a rounding mode (see <see cref="Rate.Apply"/>).</summary>
    /// <param name="rate">The rate (parts per million) to apply.</param>
    /// <param name="mode">The rounding mode.</param>
    /// <returns>The rounded product.</returns>
    public Money Times(Rate rate, RoundingMode mode = RoundingMode.Floor) => rate.Apply(this, mode);

    /// <summary>
    /// Splits this amount into parts proportional to <paramref name="weights"/> by the largest-remainder
    /// method. The parts always add up to this amount exactly; each part is within one minor unit of
    /// its exact share (toward zero by at most one); leftover units go to the largest remainders, ties
    /// to the lower index. A negative amount is split as its absolute value, then negated.
    /// </summary>
    /// <param name="weights">Non-negative weights with a positive sum.</param>
    /// <returns>One part per weight, in order.</returns>
    public ImmutableArray<Money> Allocate(ReadOnlySpan<long> weights)
    {
        var parts = new long[weights.Length];
        AllocateMinor(MinorUnits, weights, parts);
        var builder = ImmutableArray.CreateBuilder<Money>(parts.Length);
        foreach (var p in parts)
        {
            builder.Add(new Money(p, Currency));
        }

        return builder.MoveToImmutable();
    }

    /// <summary>Splits this amount into <paramref name="count"/> parts as equal as possible (the first ones get the extra units).</summary>
    /// <param name="count">How many parts; positive.</param>
    /// <returns>The parts.</returns>
    public ImmutableArray<Money> Split(int count)
    {
        Preconditions.Positive(count);
        Span<long> weights = count <= 256 ? stackalloc long[count] : new long[count];
        weights.Fill(1);
        return Allocate(weights);
    }

    /// <summary>The largest-remainder allocation on raw minor units, writing into <paramref name="parts"/>. See <see cref="Allocate"/>.</summary>
    /// <param name="amount">The amount in minor units.</param>
    /// <param name="weights">Non-negative weights with a positive sum.</param>
    /// <param name="parts">Destination, same length as the weights.</param>
    public static void AllocateMinor(long amount, ReadOnlySpan<long> weights, Span<long> parts)
    {
        if (weights.Length == 0)
        {
            throw new ArgumentException("At least one weight is required.", nameof(weights));
        }

        if (parts.Length != weights.Length)
        {
            throw new ArgumentException("The destination must have one slot per weight.", nameof(parts));
        }

        Int128 total = 0;
        foreach (var w in weights)
        {
            if (w < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), "Weights must not be negative.");
            }

            total += w;
        }

        if (total == 0)
        {
            throw new ArgumentException("The weights must not all be zero.", nameof(weights));
        }

        var negative = amount < 0;
        Int128 abs = negative ? -(Int128)amount : amount;
        const int StackLimit = 64;
        Span<Int128> remainders = weights.Length <= StackLimit ? stackalloc Int128[weights.Length] : new Int128[weights.Length];
        Int128 given = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = abs * weights[i];
            var q = exact / total;
            remainders[i] = exact - (q * total);

            // Only long.MinValue given whole to one weight reaches 2^63: it stays long.MinValue (not negated below).
            parts[i] = q > long.MaxValue ? long.MinValue : (long)q;
            given += q;
        }

        var left = (long)(abs - given);
        // Hand out the leftover units: largest remainder first, ties to the lower index.
        // left < number of weights with a non-zero remainder, so each index gets at most one.
        if (left > 0 && weights.Length <= StackLimit)
        {
            // Small splits (the commission cap's case) allocate nothing: pick the largest remainders one by one.
            Span<bool> taken = stackalloc bool[weights.Length];
            for (var k = 0; k < left; k++)
            {
                var best = -1;
                for (var i = 0; i < weights.Length; i++)
                {
                    if (!taken[i] && (best < 0 || remainders[i] > remainders[best]))
                    {
                        best = i;
                    }
                }

                taken[best] = true;
                parts[best]++;
            }
        }
        else if (left > 0)
        {
            var heapRemainders = remainders.ToArray();
            var order = new int[weights.Length];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (x, y) =>
            {
                var c = heapRemainders[y].CompareTo(heapRemainders[x]);
                return c != 0 ? c : x.CompareTo(y);
            });
            for (var k = 0; k < left; k++)
            {
                parts[order[k]]++;
            }
        }

        if (negative)
        {
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = parts[i] == long.MinValue ? long.MinValue : -parts[i];
            }
        }
    }

    /// <inheritdoc />
    public int CompareTo(Money other)
    {
        Same(this, other);
        return MinorUnits.CompareTo(other.MinorUnits);
    }

    /// <summary>Compares two amounts of one currency.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">An amount of the same currency.</param>
    /// <returns>True when <paramref name="left"/> is smaller.</returns>
    public static bool operator <(Money left, Money right) => left.CompareTo(right) < 0;

    /// <summary>Compares two amounts of one currency.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">An amount of the same currency.</param>
    /// <returns>True when <paramref name="left"/> is larger.</returns>
    public static bool operator >(Money left, Money right) => left.CompareTo(right) > 0;

    /// <summary>Compares two amounts of one currency.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">An amount of the same currency.</param>
    /// <returns>True when <paramref name="left"/> is smaller or equal.</returns>
    public static bool operator <=(Money left, Money right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two amounts of one currency.</summary>
    /// <param name="left">An amount.</param>
    /// <param name="right">An amount of the same currency.</param>
    /// <returns>True when <paramref name="left"/> is larger or equal.</returns>
    public static bool operator >=(Money left, Money right) => left.CompareTo(right) >= 0;

    /// <summary>The smaller of two amounts of one currency.</summary>
    /// <param name="a">An amount.</param>
    /// <param name="b">Another amount.</param>
    /// <returns>The smaller.</returns>
    public static Money Min(Money a, Money b) => a <= b ? a : b;

    /// <summary>The larger of two amounts of one currency.</summary>
    /// <param name="a">An amount.</param>
    /// <param name="b">Another amount.</param>
    /// <returns>The larger.</returns>
    public static Money Max(Money a, Money b) => a >= b ? a : b;

    /// <summary>Formats as <c>"CNY 12.34"</c>, <c>"CNY -0.05"</c>, <c>"JPY 500"</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Currency.Code} {FormatAmount()}";

    /// <summary>
    /// Formats as <see cref="ToString()"/> does (format <c>null</c>, empty or <c>"G"</c>) or as
    /// <see cref="FormatAmount"/> does (format <c>"A"</c>); always in the invariant culture.
    /// </summary>
    /// <param name="format"><c>null</c>, <c>""</c>, <c>"G"</c> or <c>"A"</c>.</param>
    /// <param name="formatProvider">Ignored: amounts are always written with '.' as the decimal separator.</param>
    /// <returns>The text.</returns>
    /// <exception cref="FormatException">Another format.</exception>
    public string ToString(string? format, IFormatProvider? formatProvider)
        => AmountOnly(format) ? FormatAmount() : ToString();

    /// <summary>Formats the amount without the currency code, e.g. <c>"12.34"</c>.</summary>
    /// <returns>The text.</returns>
    public string FormatAmount()
    {
        Span<char> buffer = stackalloc char[48];
        TryFormatAmount(buffer, out var written);
        return new string(buffer[..written]);
    }

    /// <summary>
    /// Writes the amount without the currency code (as <see cref="FormatAmount"/> does) into a span, allocating nothing.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written (0 when the span is too short).</param>
    /// <returns>False when the span is too short.</returns>
    public bool TryFormatAmount(Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        var digits = Currency.MinorDigits;
        var negative = MinorUnits < 0;
        var abs = negative ? (ulong)-(Int128)MinorUnits : (ulong)MinorUnits;
        var per = (ulong)Currency.MinorPerMajor;
        var major = abs / per;
        var minor = abs % per;
        var at = 0;
        if (negative)
        {
            if (destination.IsEmpty)
            {
                return false;
            }

            destination[at++] = '-';
        }

        if (!major.TryFormat(destination[at..], out var n, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        at += n;
        if (digits > 0)
        {
            if (destination.Length < at + 1 + digits)
            {
                return false;
            }

            destination[at++] = '.';
            for (var k = digits - 1; k >= 0; k--)
            {
                destination[at + k] = (char)('0' + (int)(minor % 10));
                minor /= 10;
            }

            at += digits;
        }

        charsWritten = at;
        return true;
    }

    /// <summary>
    /// Writes the amount into a span as <see cref="ToString(string, IFormatProvider)"/> does, allocating nothing.
    /// </summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="charsWritten">How many characters were written (0 when the span is too short).</param>
    /// <param name="format">Empty or <c>"G"</c> for <c>"CNY 12.34"</c>; <c>"A"</c> for the amount alone.</param>
    /// <param name="provider">Ignored: amounts are always written with '.' as the decimal separator.</param>
    /// <returns>False when the span is too short.</returns>
    /// <exception cref="FormatException">Another format.</exception>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (AmountOnly(format))
        {
            return TryFormatAmount(destination, out charsWritten);
        }

        charsWritten = 0;
        var code = Currency.Code ?? string.Empty;
        if (destination.Length < code.Length + 1)
        {
            return false;
        }

        code.CopyTo(destination);
        destination[code.Length] = ' ';
        if (!TryFormatAmount(destination[(code.Length + 1)..], out var n))
        {
            return false;
        }

        charsWritten = code.Length + 1 + n;
        return true;
    }

    private static bool AmountOnly(ReadOnlySpan<char> format) => format switch
    {
        [] or "G" => false,
        "A" => true,
        _ => throw new FormatException($"'{format.ToString()}' is not a format of Money: use \"G\" (\"CNY 12.34\") or \"A\" (\"12.34\")."),
    };

    /// <summary>Parses <c>"CNY 12.34"</c> (code, one space, amount) for a built-in currency.</summary>
    /// <param name="text">The code, one space and the amount, e.g. <c>"CNY 12.34"</c>.</param>
    /// <returns>The amount.</returns>
    /// <exception cref="FormatException">The text is not of that form or the currency is unknown.</exception>
    public static Money Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            throw new FormatException($"'{text}' is not of the form 'CNY 12.34'.");
        }

        var code = text[..space];
        if (!Currency.TryFromCode(code, out var currency))
        {
            throw new FormatException($"'{code}' is not a known currency code.");
        }

        return Parse(text[(space + 1)..], currency);
    }

    /// <summary>Parses an amount in major units such as <c>"12.34"</c>, <c>"-0.5"</c> or <c>"500"</c> in a given currency.</summary>
    /// <param name="text">Optional '-', digits, optionally '.' and 1..MinorDigits digits; optionally prefixed by the currency code and a space.</param>
    /// <param name="currency">The currency, which fixes how many minor units make a major unit.</param>
    /// <returns>The amount.</returns>
    /// <exception cref="FormatException">The text is malformed, has too many decimals, or overflows.</exception>
    public static Money Parse(string text, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParseCore(text, currency, out var money, out var error) ? money : throw new FormatException(error);
    }

    /// <summary>Tries to parse an amount in a given currency (see <see cref="Parse(string, Currency)"/>).</summary>
    /// <param name="text">The amount in major units, e.g. <c>"12.34"</c>; no code, no group separators.</param>
    /// <param name="currency">The currency, which fixes how many minor units make a major unit.</param>
    /// <param name="money">The amount when parsed.</param>
    /// <returns>True when the text is a valid amount.</returns>
    public static bool TryParse(string? text, Currency currency, out Money money)
        => TryParseCore(text, currency, out money, out _);

    /// <summary>Tries to parse an amount in a given currency from text in a buffer, making no string (see <see cref="Parse(string, Currency)"/>).</summary>
    /// <param name="text">The amount in major units, e.g. <c>"12.34"</c>; no code, no group separators.</param>
    /// <param name="currency">The currency, which fixes how many minor units make a major unit.</param>
    /// <param name="money">The amount when parsed.</param>
    /// <returns>True when the text is a valid amount.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, Currency currency, out Money money)
        => TryParseCore(text, currency, out money, out _);

    private static bool TryParseCore(ReadOnlySpan<char> text, Currency currency, out Money money, out string error)
    {
        money = default;
        if (currency.IsDefault)
        {
            error = "A currency is required.";
            return false;
        }

        if (text.IsEmpty)
        {
            error = "An amount is required.";
            return false;
        }

        var s = text;
        if (s.Length > currency.Code.Length && s.StartsWith(currency.Code, StringComparison.Ordinal) && s[currency.Code.Length] == ' ')
        {
            s = s[(currency.Code.Length + 1)..];
        }

        var negative = false;
        if (s.Length > 0 && s[0] == '-')
        {
            negative = true;
            s = s[1..];
        }

        var dot = s.IndexOf('.');
        var intPart = dot < 0 ? s : s[..dot];
        var fracPart = dot < 0 ? ReadOnlySpan<char>.Empty : s[(dot + 1)..];
        if (intPart.Length == 0 || !AllDigits(intPart) || (dot >= 0 && (fracPart.Length == 0 || !AllDigits(fracPart))))
        {
            error = $"'{text.ToString()}' is not an amount like '12.34'.";
            return false;
        }

        if (fracPart.Length > currency.MinorDigits)
        {
            error = $"'{text.ToString()}' has {fracPart.Length} decimals; {currency.Code} allows {currency.MinorDigits}.";
            return false;
        }

        if (intPart.Length + currency.MinorDigits <= 18)
        {
            // At most 18 digits: the value fits in 64 bits, no overflow to check.
            long small = 0;
            foreach (var ch in intPart)
            {
                small = (small * 10) + (ch - '0');
            }

            for (var i = 0; i < currency.MinorDigits; i++)
            {
                small = (small * 10) + (i < fracPart.Length ? fracPart[i] - '0' : 0);
            }

            money = new Money(negative ? -small : small, currency);
            error = string.Empty;
            return true;
        }

        Int128 limit = negative ? -(Int128)long.MinValue : long.MaxValue;
        Int128 value = 0;
        foreach (var ch in intPart)
        {
            value = (value * 10) + (ch - '0');
            if (value > limit)
            {
                error = $"'{text.ToString()}' is too large.";
                return false;
            }
        }

        for (var i = 0; i < currency.MinorDigits; i++)
        {
            value = (value * 10) + (i < fracPart.Length ? fracPart[i] - '0' : 0);
        }

        if (value > limit)
        {
            error = $"'{text.ToString()}' is too large.";
            return false;
        }

        money = new Money((long)(negative ? -value : value), currency);
        error = string.Empty;
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var ch in s)
        {
            if (ch is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    private static Currency Same(Money a, Money b)
    {
        if (a.Currency != b.Currency)
        {
            throw new InvalidInputException(new CurrencyMismatchRule(a.Currency, b.Currency));
        }

        return a.Currency;
    }

    private static long Checked(long a, long b, bool add)
    {
        var r = add ? (Int128)a + b : (Int128)a - b;
        if (r > long.MaxValue || r < long.MinValue)
        {
            throw new InvalidInputException(new MoneyOverflowRule(add ? "addition" : "subtraction"));
        }

        return (long)r;
    }
}
