using System.Globalization;
using NodaTime;

namespace CommunityModel.Primitives;

/// <summary>
/// An instant written as <see cref="Instant.ToString()"/> writes it (<c>2026-05-31T16:00:00Z</c>, to the second),
/// into a span without allocating for the years 1 to 9999 (other years take NodaTime's own text).
/// </summary>
internal readonly struct InstantText(Instant instant) : ISpanFormattable
{
    public string ToString(string? format, IFormatProvider? formatProvider) => instant.ToString();

    public override string ToString() => instant.ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        // The date and time of day in UTC from the ticks (days from the civil calendar, floor division).
        var days = Math.DivRem(instant.ToUnixTimeTicks(), NodaConstants.TicksPerDay, out var rest);
        if (rest < 0)
        {
            days--;
            rest += NodaConstants.TicksPerDay;
        }

        var z = days + 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var doe = z - (era * 146_097);
        var yoe = (doe - (doe / 1_460) + (doe / 36_524) - (doe / 146_096)) / 365;
        var doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        var mp = ((5 * doy) + 2) / 153;
        var day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        var month = (int)(mp < 10 ? mp + 3 : mp - 9);
        var year = yoe + (era * 400) + (month <= 2 ? 1 : 0);
        if (year is < 1 or > 9999)
        {
            var text = instant.ToString();
            if (!text.TryCopyTo(destination))
            {
                return false;
            }

            charsWritten = text.Length;
            return true;
        }

        if (destination.Length < 20)
        {
            return false;
        }

        var seconds = (int)(rest / NodaConstants.TicksPerSecond);
        Digits(destination, 0, (int)year, 4);
        destination[4] = '-';
        Digits(destination, 5, month, 2);
        destination[7] = '-';
        Digits(destination, 8, day, 2);
        destination[10] = 'T';
        Digits(destination, 11, seconds / 3600, 2);
        destination[13] = ':';
        Digits(destination, 14, seconds / 60 % 60, 2);
        destination[16] = ':';
        Digits(destination, 17, seconds % 60, 2);
        destination[19] = 'Z';
        charsWritten = 20;
        return true;
    }

    private static void Digits(Span<char> to, int at, int value, int count)
    {
        for (var k = count - 1; k >= 0; k--)
        {
            to[at + k] = (char)('0' + (value % 10));
            value /= 10;
        }
    }
}
