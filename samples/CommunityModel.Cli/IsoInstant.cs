using System.Runtime.InteropServices;
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
    // NodaTime's pattern is built when first asked for (a text outside the common shape): building it costs ~50 ms
    // of a run's start, on the threads that read the first rows.
    private static OffsetDateTimePattern Pattern => OffsetDateTimePattern.ExtendedIso;

    /// <summary>Parses the text; false when it is not an instant NodaTime's extended ISO pattern accepts (or it is out of range).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Instant instant)
    {
        var cache = default(Cache);
        return TryParse(text, ref cache, out instant);
    }

    /// <summary>
    /// Parses the text as <see cref="TryParse(ReadOnlySpan{char}, out Instant)"/> does, remembering in
    /// <paramref name="cache"/> the last date and offset read: a file's rows mostly share them with the row before,
    /// and then only the time of day is read. One cache per reading thread.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, ref Cache cache, out Instant instant)
    {
        instant = default;
        try
        {
            if (TryFast(text, ref cache, out instant))
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

    /// <summary>The last date (its 10 characters and its first second since the Unix epoch) and offset read.</summary>
    internal struct Cache
    {
        internal ulong Date0;
        internal ulong Date1;
        internal uint Date2;
        internal long DateSeconds;
        internal ulong Offset0;
        internal uint Offset1;
        internal int OffsetLength;
        internal long OffsetSeconds;
    }

    private static bool TryFast(ReadOnlySpan<char> s, ref Cache cache, out Instant instant)
    {
        instant = default;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        // The date: the last one read again (compared as 20 bytes), or read and checked.
        var bytes = MemoryMarshal.AsBytes(s);
        var d0 = MemoryMarshal.Read<ulong>(bytes);
        var d1 = MemoryMarshal.Read<ulong>(bytes[8..]);
        var d2 = MemoryMarshal.Read<uint>(bytes[16..]);
        long dateSeconds;
        if (cache.DateSeconds != 0 && d0 == cache.Date0 && d1 == cache.Date1 && d2 == cache.Date2)
        {
            dateSeconds = cache.DateSeconds;
        }
        else
        {
            if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
                || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                return false;
            }

            // The proleptic Gregorian calendar NodaTime's ISO calendar is (years 1-9999 here). 1970-01-01 (0 seconds)
            // is read every time: 0 marks an empty cache.
            dateSeconds = DaysFromCivil(year, month, day) * 86_400L;
            (cache.Date0, cache.Date1, cache.Date2, cache.DateSeconds) = (d0, d1, d2, dateSeconds);
        }

        if (!Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second)
            || hour > 23 || minute > 59 || second > 59)
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

        var rest = s[i..];
        long offsetSeconds;
        if (rest.Length == 6 && cache.OffsetLength == 6 && MemoryMarshal.Read<ulong>(MemoryMarshal.AsBytes(rest)) == cache.Offset0
            && MemoryMarshal.Read<uint>(MemoryMarshal.AsBytes(rest)[8..]) == cache.Offset1)
        {
            offsetSeconds = cache.OffsetSeconds;
        }
        else if (rest is "Z")
        {
            offsetSeconds = 0;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && Digits(rest, 1, 2, out var oh) && Digits(rest, 4, 2, out var om) && oh <= 18 && om < 60)
        {
            offsetSeconds = (rest[0] == '-' ? -1 : 1) * ((oh * 3600L) + (om * 60L));
            var offsetBytes = MemoryMarshal.AsBytes(rest);
            (cache.Offset0, cache.Offset1, cache.OffsetLength, cache.OffsetSeconds) = (MemoryMarshal.Read<ulong>(offsetBytes), MemoryMarshal.Read<uint>(offsetBytes[8..]), 6, offsetSeconds);
        }
        else if (rest.Length == 3 && (rest[0] == '+' || rest[0] == '-') && Digits(rest, 1, 2, out var hours) && hours <= 18)
        {
            offsetSeconds = (rest[0] == '-' ? -1 : 1) * hours * 3600L;
        }
        else
        {
            return false;
        }

        instant = Instant.FromUnixTimeSeconds(dateSeconds + (hour * 3600) + (minute * 60) + second - offsetSeconds).PlusNanoseconds(nanos);
        return true;
    }

    /// <summary>Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year from 1).</summary>
    private static long DaysFromCivil(int year, int month, int day)
    {
        // Years counted from March, so that the leap day is the last day of a year.
        var y = month <= 2 ? year - 1 : year;
        var era = y / 400;
        var yearOfEra = y - (era * 400);
        var dayOfYear = (((153 * (month > 2 ? month - 3 : month + 9)) + 2) / 5) + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return (era * 146_097L) + dayOfEra - 719_468;
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
