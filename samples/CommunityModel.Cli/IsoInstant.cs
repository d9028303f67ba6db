using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Cli;

/// <summary>
/// Reads an ISO 8601 instant with an offset (<c>2026-03-01T10:00:00+08:00</c>, <c>...Z</c>, with or without a
/// fraction of a second) from a span. The common shape is read directly; anything else goes to NodaTime's
/// extended ISO pattern, so the result is always NodaTime's.
/// </summary>
internal static class IsoInstant
{
    private static readonly OffsetDateTimePattern Pattern = OffsetDateTimePattern.ExtendedIso;

    /// <summary>Parses the text; false when it is not an instant NodaTime's extended ISO pattern accepts (or it is out of range).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Instant instant)
    {
        instant = default;
        try
        {
            if (TryFast(text, out instant))
            {
                return true;
            }

            var parsed = Pattern.Parse(text.ToString());
            if (!parsed.Success)
            {
                return false;
            }

            instant = parsed.Value.ToInstant();
            return true;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return false;
        }
    }

    private static bool TryFast(ReadOnlySpan<char> s, out Instant instant)
    {
        instant = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        var i = 19;
        long nanos = 0;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            var count = i - start;
            if (count is 0 or > 9)
            {
                return false;
            }

            for (var k = 0; k < 9; k++)
            {
                nanos = (nanos * 10) + (k < count ? s[start + k] - '0' : 0);
            }
        }

        int offsetMinutes;
        var rest = s[i..];
        if (rest is "Z")
        {
            offsetMinutes = 0;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && Digits(rest, 1, 2, out var oh) && Digits(rest, 4, 2, out var om) && oh <= 18 && om < 60)
        {
            offsetMinutes = (rest[0] == '-' ? -1 : 1) * ((oh * 60) + om);
        }
        else if (rest.Length == 3 && (rest[0] == '+' || rest[0] == '-') && Digits(rest, 1, 2, out var hours) && hours <= 18)
        {
            offsetMinutes = (rest[0] == '-' ? -1 : 1) * hours * 60;
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new LocalDateTime(year, month, day, hour, minute, second).PlusNanoseconds(nanos);
        instant = new OffsetDateTime(local, Offset.FromSeconds(offsetMinutes * 60)).ToInstant();
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, int at, int count, out int value)
    {
        value = 0;
        for (var k = at; k < at + count; k++)
        {
            var d = s[k] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }
}
