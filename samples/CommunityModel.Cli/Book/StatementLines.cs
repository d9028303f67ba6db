using System.Globalization;
using CommunityModel.Commissions;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Cli.Book;

/// <summary>
/// Writes ledger entries as lines of statements.csv into a reusable character buffer, from the ledger's
/// allocation-free reads (<see cref="PayoutLedger.FieldsOf"/>, <see cref="PayoutLedger.TryFormatReason"/>: the last
/// column says only what the others do not, e.g. a commission's rule, not again its earner, amount, order and date):
/// nothing is allocated per line. One writer per thread.
/// </summary>
internal sealed class StatementLines(PayoutLedger ledger, DateTimeZone zone, bool excel)
{
    public const string Header = "earner_id,sequence,kind,order_id,refund_id,amount,at,available_at,reason\n";

    private static readonly string[] KindNames = [.. Enum.GetValues<LedgerEntryKind>().Select(k => k.ToString())];
    private readonly ZonedIso _iso = new(zone);
    private char[] _text = new char[1 << 16];
    private char[] _explanation = new char[512];

    private byte[] _utf8 = [];
    private int _utf8Length;

    /// <summary>The lines as UTF-8, as of the last <see cref="Encode"/>.</summary>
    public ReadOnlySpan<byte> WrittenUtf8 => _utf8.AsSpan(0, _utf8Length);

    /// <summary>Encodes the lines written since the last <see cref="Clear"/> as UTF-8 (on the thread that rendered them).</summary>
    public void Encode()
    {
        var most = System.Text.Encoding.UTF8.GetMaxByteCount(Length);
        if (_utf8.Length < most)
        {
            _utf8 = new byte[most];
        }

        _utf8Length = System.Text.Encoding.UTF8.GetBytes(Written, _utf8);
    }

    /// <summary>The characters written since the last <see cref="Clear"/>.</summary>
    public ReadOnlySpan<char> Written => _text.AsSpan(0, Length);

    public int Length { get; private set; }

    public void Clear() => Length = 0;

    /// <summary>Appends the line of the entry at a position (0-based) and returns its fields.</summary>
    public LedgerEntryFields Append(int index)
    {
        var f = ledger.FieldsOf(index);
        int n;
        while (!ledger.TryFormatReason(index, _explanation, out n))
        {
            _explanation = new char[_explanation.Length * 2];
        }

        // The longest a line can be: every field quoted with every character doubled, plus the numbers.
        var earner = f.Earner.Value;
        var order = f.Order?.Value ?? string.Empty;
        var refund = f.Refund?.Value ?? string.Empty;
        var most = (2 * (earner.Length + order.Length + refund.Length + n)) + 200;
        if (_text.Length - Length < most)
        {
            Array.Resize(ref _text, Math.Max(_text.Length * 2, Length + most));
        }

        var to = _text.AsSpan();
        var at = Length;
        at = Field(to, at, earner);
        to[at++] = ',';
        f.Sequence.TryFormat(to[at..], out var k, default, CultureInfo.InvariantCulture);
        at += k;
        to[at++] = ',';
        KindNames[(int)f.Kind].CopyTo(to[at..]);
        at += KindNames[(int)f.Kind].Length;
        to[at++] = ',';
        at = Field(to, at, order);
        to[at++] = ',';
        at = Field(to, at, refund);
        to[at++] = ',';
        f.Amount.TryFormatAmount(to[at..], out k);
        at += k;
        to[at++] = ',';
        at += _iso.Write(f.At, to[at..]);
        to[at++] = ',';
        if (f.AvailableAt is { } available)
        {
            at += _iso.Write(available, to[at..]);
        }

        to[at++] = ',';
        at = Field(to, at, _explanation.AsSpan(0, n));
        to[at++] = '\n';
        Length = at;
        return f;
    }

    /// <summary>A text field as <see cref="Csv.Field"/> writes it (quoted when it needs it; the Excel apostrophe).</summary>
    private int Field(Span<char> to, int at, ReadOnlySpan<char> value)
    {
        var guard = excel && value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
        if (value.IndexOfAny(',', '"', '\n') < 0 && value.IndexOf('\r') < 0)
        {
            if (guard)
            {
                to[at++] = '\'';
            }

            value.CopyTo(to[at..]);
            return at + value.Length;
        }

        to[at++] = '"';
        if (guard)
        {
            to[at++] = '\'';
        }

        foreach (var c in value)
        {
            if (c == '"')
            {
                to[at++] = '"';
            }

            to[at++] = c;
        }

        to[at++] = '"';
        return at;
    }

    /// <summary>
    /// An instant in a zone as <c>uuuu-MM-ddTHH:mm:sso&lt;m&gt;</c> (<c>2026-03-01T10:00:00+08:00</c>), with the zone's
    /// current interval and its offset's text kept between calls; years outside 1 to 9999 take NodaTime's pattern.
    /// </summary>
    private sealed class ZonedIso(DateTimeZone zone)
    {
        private static readonly OffsetDateTimePattern Pattern = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");
        private long _start = long.MaxValue;
        private long _end = long.MinValue;
        private long _offset;
        private string _suffix = string.Empty;

        public int Write(Instant at, Span<char> to)
        {
            var ticks = at.ToUnixTimeTicks();
            if (ticks < _start || ticks >= _end)
            {
                var interval = zone.GetZoneInterval(at);
                _start = interval.HasStart ? interval.Start.ToUnixTimeTicks() : long.MinValue;
                _end = interval.HasEnd ? interval.End.ToUnixTimeTicks() : long.MaxValue;
                _offset = interval.WallOffset.Ticks;
                var sample = Pattern.Format(at.InZone(zone).ToOffsetDateTime());
                _suffix = sample.Length > 19 && sample[4] == '-' ? sample[19..] : string.Empty;
            }

            // The local date and time from the local ticks (days from the civil calendar, floor division).
            var local = ticks + _offset;
            var days = Math.DivRem(local, NodaConstants.TicksPerDay, out var rest);
            if (rest < 0)
            {
                days--;
                rest += NodaConstants.TicksPerDay;
            }

            var seconds = (int)(rest / NodaConstants.TicksPerSecond);
            var z = days + 719_468;
            var era = (z >= 0 ? z : z - 146_096) / 146_097;
            var doe = z - (era * 146_097);
            var yoe = (doe - (doe / 1_460) + (doe / 36_524) - (doe / 146_096)) / 365;
            var doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
            var mp = ((5 * doy) + 2) / 153;
            var day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
            var month = (int)(mp < 10 ? mp + 3 : mp - 9);
            var year = yoe + (era * 400) + (month <= 2 ? 1 : 0);
            if (_suffix.Length == 0 || year is < 1 or > 9999)
            {
                var text = Pattern.Format(at.InZone(zone).ToOffsetDateTime());
                text.CopyTo(to);
                return text.Length;
            }

            Digits(to, 0, (int)year, 4);
            to[4] = '-';
            Digits(to, 5, month, 2);
            to[7] = '-';
            Digits(to, 8, day, 2);
            to[10] = 'T';
            Digits(to, 11, seconds / 3600, 2);
            to[13] = ':';
            Digits(to, 14, seconds / 60 % 60, 2);
            to[16] = ':';
            Digits(to, 17, seconds % 60, 2);
            _suffix.CopyTo(to[19..]);
            return 19 + _suffix.Length;
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
}
