using System.Globalization;
using NodaTime;

namespace CommunityModel.Primitives;

/// <summary>
/// Text written into a span piece by piece without allocating; once a piece does not fit, the rest is dropped and
/// <see cref="Done"/> says so (the caller tries again with a larger span).
/// </summary>
internal ref struct SpanText(Span<char> destination)
{
    private readonly Span<char> _to = destination;
    private int _at;
    private bool _full;

    public void Append(ReadOnlySpan<char> text)
    {
        if (_full || !text.TryCopyTo(_to[_at..]))
        {
            _full = true;
            return;
        }

        _at += text.Length;
    }

    public void Append(char c)
    {
        if (_full || _at >= _to.Length)
        {
            _full = true;
            return;
        }

        _to[_at++] = c;
    }

    public void Append(long value)
    {
        if (_full || !value.TryFormat(_to[_at..], out var n, default, CultureInfo.InvariantCulture))
        {
            _full = true;
            return;
        }

        _at += n;
    }

    /// <summary>Appends an amount as <see cref="Money.ToString()"/> writes it.</summary>
    public void Append(Money money)
    {
        if (_full || !money.TryFormat(_to[_at..], out var n, default, null))
        {
            _full = true;
            return;
        }

        _at += n;
    }

    /// <summary>Appends an instant as <see cref="Instant.ToString()"/> writes it.</summary>
    public void Append(Instant instant)
    {
        if (_full || !new InstantText(instant).TryFormat(_to[_at..], out var n, default, null))
        {
            _full = true;
            return;
        }

        _at += n;
    }

    /// <summary>How many characters were written; false (and 0) when something did not fit.</summary>
    public readonly bool Done(out int charsWritten)
    {
        charsWritten = _full ? 0 : _at;
        return !_full;
    }
}
