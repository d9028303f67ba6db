using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using nietras.SeparatedValues;

namespace CommunityModel.Cli;

/// <summary>
/// The text encoding of the CSV files a command reads: strict UTF-8 by default (a byte-order mark allowed), or
/// GB18030 (which GBK is part of: what Excel writes on Chinese Windows) with <c>--encoding gb18030</c>. Bytes the
/// encoding cannot decode are an error, never a replacement character. Set once per command (it flows to the
/// threads that read parts of a file).
/// </summary>
public static class CsvEncoding
{
    private static readonly AsyncLocal<Encoding?> Chosen = new();

    /// <summary>The encodings <c>--encoding</c> takes.</summary>
    public static readonly string[] Names = ["utf-8", "gb18030", "gbk", "utf-16", "utf-16be"];

    /// <summary>The encoding in force.</summary>
    public static Encoding Current => Chosen.Value ?? Utf8;

    /// <summary>Whether the encoding in force is UTF-8.</summary>
    public static bool IsUtf8 => Chosen.Value is null;

    /// <summary>
    /// Whether a line feed of the encoding in force is the byte 0x0A and no other character contains that byte (UTF-8,
    /// GB18030): a file can then be cut into parts at line-feed bytes. Not so for UTF-16.
    /// </summary>
    public static bool LineFeedIsAByte => Chosen.Value is not UnicodeEncoding;

    private static readonly Encoding Utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    /// <summary>Chooses the encoding by its <c>--encoding</c> name (null: UTF-8).</summary>
    /// <param name="name">utf-8, gb18030, gbk, utf-16 (little-endian) or utf-16be.</param>
    public static void Use(string? name)
    {
        switch (name?.ToLowerInvariant())
        {
            case null or "utf-8" or "utf8":
                Chosen.Value = null;
                break;
            case "gb18030" or "gbk":
                Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
                Chosen.Value = Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
                break;
            case "utf-16" or "utf16" or "utf-16le" or "unicode":
                // What Excel calls "Unicode text"; the byte-order mark, when present, is skipped.
                Chosen.Value = new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true);
                break;
            case "utf-16be":
                Chosen.Value = new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true);
                break;
            default:
                throw new CliApp.UsageException($"--encoding '{name}' is not one of {string.Join(", ", Names)}");
        }
    }

    /// <summary>The message for bytes the encoding in force cannot decode.</summary>
    /// <param name="line">The line reached.</param>
    public static string NotDecodable(long line) => IsUtf8
        ? $"is not UTF-8 text{(line > 1 ? $" after line {line}" : string.Empty)}; a file Excel saved on Chinese Windows is GB18030: pass --encoding gb18030, or save it as CSV UTF-8"
        : $"is not {Current.WebName.ToUpperInvariant()} text{(line > 1 ? $" after line {line}" : string.Empty)}; check --encoding";
}

/// <summary>A problem in an input file, with where it is.</summary>
public sealed class InputException(string file, long line, long column, string message) : Exception($"{file}:{line}:{column}: {message}")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line.</summary>
    public long Line { get; } = line;

    /// <summary>The 1-based column.</summary>
    public long Column { get; } = column;
}

/// <summary>One CSV row kept in memory (for the small files): its fields by header name, with the line and columns for error messages.</summary>
public sealed class CsvRow(string file, int line, IReadOnlyDictionary<string, int> header, string[] fields, int[] columns)
{
    /// <summary>The 1-based line.</summary>
    public int Line { get; } = line;

    /// <summary>A field's text.</summary>
    public string this[string name] => fields[header[name]];

    /// <summary>Whether the file has the column.</summary>
    public bool Has(string name) => header.ContainsKey(name);

    /// <summary>An error at a field.</summary>
    public InputException Error(string name, string message) => new(file, Line, columns[header[name]], message);
}

/// <summary>One row of a streamed CSV file: fields as spans (no string made unless asked), with the line and columns for error messages.</summary>
public readonly ref struct CsvLine
{
    private readonly SepReader.Row _row;
    private readonly string _file;
    private readonly int _lineOffset;

    internal CsvLine(SepReader.Row row, string file, int lineOffset)
    {
        _row = row;
        _file = file;
        _lineOffset = lineOffset;
    }

    /// <summary>The 1-based line the row starts on.</summary>
    public int Line => _row.LineNumberFrom + _lineOffset;

    /// <summary>A field's text (outer spaces trimmed, quotes removed).</summary>
    public ReadOnlySpan<char> this[int column] => Field(_row[column].Span, out _);

    /// <summary>A field's text as a string.</summary>
    public string Text(int column) => new(this[column]);

    /// <summary>An error at a field: file, line and the field's 1-based character column.</summary>
    public InputException Error(int column, string message)
    {
        var row = _row.Span;
        var raw = _row[column].Span;
        Field(raw, out var start);
        var offset = (Unsafe.ByteOffset(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(raw)) / sizeof(char)) + start;
        return new InputException(_file, Line, offset >= 0 && offset <= row.Length ? offset + 1 : 1, message);
    }

    /// <summary>
    /// A field as Sep gives it with <c>Trim = SepTrim.All</c> and <c>Unescape = true</c>, from the field as read
    /// (Sep reads it with neither, which is 10% cheaper on a large file: most fields have no space at either end and
    /// do not start with a quote, and are returned as they are). Spaces at the ends are trimmed; a field then quoted
    /// at both ends with no other quote loses them and is trimmed again; any other field starting with a quote is
    /// unescaped as Sep does (<c>""</c> is one quote, spaces after the opening quote and at the end are trimmed).
    /// </summary>
    /// <param name="raw">The field as read.</param>
    /// <param name="start">Where the text starts in <paramref name="raw"/> (for an unescaped field, where its opening quote is).</param>
    /// <returns>The text (a new string only for a field that needed unescaping).</returns>
    internal static ReadOnlySpan<char> Field(ReadOnlySpan<char> raw, out int start)
    {
        start = 0;
        if (raw.IsEmpty || (raw[0] != ' ' && raw[0] != '"' && raw[^1] != ' '))
        {
            return raw;
        }

        var text = TrimSpaces(raw, ref start);
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"' && raw.Count('"') == 2)
        {
            text = text[1..^1];
            start++;
        }
        else if (!text.IsEmpty && text[0] == '"')
        {
            return Unescape(text);
        }

        return TrimSpaces(text, ref start);
    }

    private static ReadOnlySpan<char> TrimSpaces(ReadOnlySpan<char> text, scoped ref int start)
    {
        var lead = 0;
        while (lead < text.Length && text[lead] == ' ')
        {
            lead++;
        }

        var end = text.Length;
        while (end > lead && text[end - 1] == ' ')
        {
            end--;
        }

        start += lead;
        return text[lead..end];
    }

    /// <summary>Sep's unescaping of a field that starts with a quote (after the spaces at its ends are trimmed).</summary>
    private static string Unescape(ReadOnlySpan<char> text)
    {
        var chars = new char[text.Length];
        var length = 0;
        var quotes = 1;
        var i = 1;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        for (; i < text.Length; i++)
        {
            var c = text[i];
            chars[length] = c;
            var quote = c == '"' ? 1 : 0;
            quotes += quote;
            length += (quotes & 1) | (quote ^ 1);
        }

        while (length > 0 && chars[length - 1] == ' ')
        {
            length--;
        }

        return new string(chars, 0, length);
    }
}

/// <summary>Handles one row of a streamed CSV file.</summary>
/// <param name="row">The row.</param>
public delegate void CsvRowHandler(CsvLine row);

/// <summary>
/// CSV input on the Sep library: strict UTF-8 (a byte-order mark is allowed), a header row whose named columns
/// must be there, RFC 4180 quoting, outer spaces trimmed, blank lines skipped. Large files are streamed row by
/// row (<see cref="ForEach"/>); every problem is an <see cref="InputException"/> naming file, line and column.
/// </summary>
public sealed class CsvInput : IDisposable
{
    private readonly SepReader _reader;
    private readonly Dictionary<string, int> _header = new(StringComparer.Ordinal);
    private readonly int _lineOffset;

    private CsvInput(string path, SepReader reader, int lineOffset = 0)
    {
        Path = path;
        _reader = reader;
        _lineOffset = lineOffset;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The header's column names, in order.</summary>
    public IReadOnlyList<string> Header => [.. _header.OrderBy(h => h.Value).Select(h => h.Key)];

    /// <summary>
    /// Splits a file into up to <paramref name="parts"/> byte ranges that start at a line, for reading on several
    /// threads; a file with a double quote anywhere (a field may then span lines) is one part.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="parts">How many parts at most.</param>
    /// <returns>Each part's start and end byte and the number of line feeds before it; and the file's lines (a last line without a line feed counted).</returns>
    public static (List<(long Start, long End, int LinesBefore)> Parts, int Lines) Split(string path, int parts)
    {
        var length = new FileInfo(path).Length;
        if (!CsvEncoding.LineFeedIsAByte)
        {
            // UTF-16: one part; its lines are the line feeds among the decoded characters.
            long feeds = 0;
            var last = '\n';
            using (var reader = new StreamReader(path, CsvEncoding.Current, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16))
            {
                var buffer = new char[1 << 16];
                try
                {
                    for (int n; (n = reader.Read(buffer, 0, buffer.Length)) > 0;)
                    {
                        feeds += buffer.AsSpan(0, n).Count('\n');
                        last = buffer[n - 1];
                    }
                }
                catch (DecoderFallbackException)
                {
                    throw new InputException(path, feeds + 1, 1, CsvEncoding.NotDecodable(feeds + 1));
                }
            }

            return ([(0, length, 0)], checked((int)(feeds + (last == '\n' ? 0 : 1))));
        }

        if (length < (1 << 20))
        {
            // A small file: one part, its lines counted on the way.
            var bytes = File.ReadAllBytes(path);
            var feeds = bytes.AsSpan().Count((byte)'\n');
            return ([(0, length, 0)], feeds + (bytes.Length == 0 || bytes[^1] == (byte)'\n' ? 0 : 1));
        }

        return SplitByReading(path, parts, length);
    }

    /// <summary>
    /// <see cref="Split"/> of a large UTF-8 or GB18030 file: the cuts, the line feeds before each and the search for
    /// quotes read the file in blocks of 1 MiB into one buffer per part, on every core (a mapping of the whole file
    /// would count every page of it in the process's resident memory).
    /// </summary>
    private static (List<(long Start, long End, int LinesBefore)> Parts, int Lines) SplitByReading(string path, int parts, long length)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var starts = new List<long> { 0 };
        var probe = new byte[1 << 16];
        for (var k = 1; k < parts; k++)
        {
            // A part starts after the first line feed at or past its cut.
            var cut = Math.Max(length * k / parts, starts[^1]);
            var nl = -1L;
            for (var at = cut; at < length && nl < 0;)
            {
                var read = RandomAccess.Read(handle, probe, at);
                if (read <= 0)
                {
                    break;
                }

                var i = probe.AsSpan(0, read).IndexOf((byte)'\n');
                nl = i >= 0 ? at + i : -1;
                at += read;
            }

            if (nl < 0)
            {
                break;
            }

            if (nl + 1 < length && nl + 1 > starts[^1])
            {
                starts.Add(nl + 1);
            }
        }

        var n = starts.Count;
        var lines = new long[n];
        var quoted = new bool[n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = n }, k =>
        {
            var to = k + 1 < n ? starts[k + 1] : length;
            var buffer = new byte[1 << 20];
            for (var at = starts[k]; at < to;)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, to - at)), at);
                if (read <= 0)
                {
                    break;
                }

                var span = buffer.AsSpan(0, read);
                lines[k] += span.Count((byte)'\n');
                quoted[k] |= span.Contains((byte)'"');
                at += read;
            }
        });

        var last = new byte[1];
        var endsWithFeed = RandomAccess.Read(handle, last, length - 1) == 1 && last[0] == (byte)'\n';
        if (quoted.Any(q => q))
        {
            // A quoted field may hold a line feed, so a cut could fall inside it: one part.
            return ([(0, length, 0)], (int)(lines.Sum() + (endsWithFeed ? 0 : 1)));
        }

        var result = new List<(long, long, int)>(n);
        long before = 0;
        for (var k = 0; k < n; k++)
        {
            result.Add((starts[k], k + 1 < n ? starts[k + 1] : length, checked((int)before)));
            before += lines[k];
        }

        return (result, checked((int)(before + (endsWithFeed ? 0 : 1))));
    }

    /// <summary>Opens a part of a file (see <see cref="Split"/>) after its first part: no header row; the columns are the whole file's.</summary>
    /// <param name="path">The file.</param>
    /// <param name="header">The whole file's header (from the input of its first part).</param>
    /// <param name="start">The part's first byte.</param>
    /// <param name="end">The byte after its last.</param>
    /// <param name="linesBefore">Line feeds before the part.</param>
    /// <returns>The input.</returns>
    public static CsvInput OpenPart(string path, CsvInput header, long start, long end, int linesBefore)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        stream.Seek(start, SeekOrigin.Begin);
        var text = new StreamReader(new RangeStream(stream, end - start), CsvEncoding.Current, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var reader = Sep.New(',').Reader(o => o with { HasHeader = false, Unescape = false, Trim = SepTrim.None, DisableColCountCheck = true }).From(text);
        var input = new CsvInput(path, reader, linesBefore);
        foreach (var (name, index) in header._header)
        {
            input._header[name] = index;
        }

        return input;
    }

    /// <summary>Opens a file whose header must contain the columns named.</summary>
    /// <param name="path">The file.</param>
    /// <param name="required">The columns it must have.</param>
    /// <returns>The input, positioned after the header.</returns>
    public static CsvInput Open(string path, params string[] required) => Open(path, -1, required);

    /// <summary>Opens the first <paramref name="end"/> bytes of a file (all of it for -1), whose header must contain the columns named.</summary>
    /// <param name="path">The file.</param>
    /// <param name="end">Where to stop reading, or -1 for the end of the file.</param>
    /// <param name="required">The columns it must have.</param>
    /// <returns>The input, positioned after the header.</returns>
    public static CsvInput Open(string path, long end, params string[] required)
    {
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
        }

        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (CsvEncoding.IsUtf8)
        {
            // A UTF-16 byte-order mark: the file is UTF-16 (Excel's "Unicode text"), which is read only when asked for.
            Span<byte> mark = stackalloc byte[2];
            var got = stream.ReadAtLeast(mark, 2, throwOnEndOfStream: false);
            if (got == 2 && ((mark[0] == 0xFF && mark[1] == 0xFE) || (mark[0] == 0xFE && mark[1] == 0xFF)))
            {
                stream.Dispose();
                throw new InputException(path, 1, 1, $"starts with a UTF-16 byte-order mark; pass --encoding {(mark[0] == 0xFF ? "utf-16" : "utf-16be")}");
            }

            stream.Seek(0, SeekOrigin.Begin);
        }

        if (end >= 0)
        {
            stream = new RangeStream(stream, end);
        }

        var text = new StreamReader(stream, CsvEncoding.Current, detectEncodingFromByteOrderMarks: CsvEncoding.IsUtf8, bufferSize: 1 << 16);
        SepReader reader;
        try
        {
            reader = Sep.New(',').Reader(o => o with { Unescape = false, Trim = SepTrim.None, DisableColCountCheck = true }).From(text);
        }
        catch (DecoderFallbackException)
        {
            text.Dispose();
            throw new InputException(path, 1, 1, CsvEncoding.NotDecodable(1));
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            text.Dispose();
            throw new InputException(path, 1, 1, $"bad header: {e.Message}");
        }

        var input = new CsvInput(path, reader);
        // Header names as their fields are read (trimmed, quotes removed).
        var names = reader.Header.ColNames.Select(n => CsvLine.Field(n, out _).ToString()).ToList();
        if (names.Count == 0 || (names.Count == 1 && names[0].Length == 0))
        {
            input.Dispose();
            throw new InputException(path, 1, 1, $"empty file; expected a header with {string.Join(",", required)}");
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (!input._header.TryAdd(names[i], i))
            {
                input.Dispose();
                throw new InputException(path, 1, 1, $"column '{names[i]}' appears twice in the header");
            }
        }

        foreach (var name in required)
        {
            if (!input._header.ContainsKey(name))
            {
                input.Dispose();
                throw new InputException(path, 1, 1, $"missing column '{name}' (the header has {string.Join(",", names)})");
            }
        }

        return input;
    }

    /// <summary>The position of a column in the header.</summary>
    /// <param name="name">The column's name.</param>
    /// <returns>Its position, or -1 when the file does not have it.</returns>
    public int Column(string name) => _header.GetValueOrDefault(name, -1);

    /// <summary>Hands every data row to <paramref name="handle"/>, in order; blank lines are skipped.</summary>
    /// <param name="handle">What to do with a row (it may throw an <see cref="InputException"/>).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForEach(CsvRowHandler handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var columns = _header.Count;
        var line = 1;
        try
        {
            foreach (var row in _reader)
            {
                line = row.LineNumberFrom + _lineOffset;
                if (row.ColCount != columns)
                {
                    if (row.ColCount == 1 && row.Span.IsWhiteSpace())
                    {
                        continue;
                    }

                    throw new InputException(Path, line, 1, $"{row.ColCount} field(s), the header has {columns}");
                }

                handle(new CsvLine(row, Path, _lineOffset));
            }
        }
        catch (DecoderFallbackException)
        {
            throw new InputException(Path, line, 1, CsvEncoding.NotDecodable(line));
        }
        catch (InvalidDataException e)
        {
            throw new InputException(Path, line, 1, e.Message);
        }
    }

    /// <summary>Reads a whole (small) file whose header must contain the columns named.</summary>
    /// <param name="path">The file.</param>
    /// <param name="required">The columns it must have.</param>
    /// <returns>The rows.</returns>
    public static List<CsvRow> ReadAll(string path, params string[] required)
    {
        using var input = Open(path, required);
        var rows = new List<CsvRow>();
        var header = input._header;
        input.ForEach(row =>
        {
            var fields = new string[header.Count];
            var columns = new int[header.Count];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = row.Text(i);
                columns[i] = (int)row.Error(i, string.Empty).Column;
            }

            rows.Add(new CsvRow(input.Path, row.Line, header, fields, columns));
        });
        return rows;
    }

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}

/// <summary>CSV helpers: reading small files whole, and quoting fields on the way out.</summary>
public static class Csv
{
    /// <summary>Reads a whole (small) file whose header must contain the columns named.</summary>
    public static List<CsvRow> Read(string path, params string[] required) => CsvInput.ReadAll(path, required);

    private static readonly AsyncLocal<bool> ForExcel = new();

    /// <summary>
    /// Whether the command writes its CSV files for Excel (<c>--excel</c>): a UTF-8 byte-order mark (without it Excel
    /// on Chinese Windows reads UTF-8 as GB18030 and garbles every Chinese id) and text fields that cannot become
    /// live formulas. Set once per command.
    /// </summary>
    public static bool Excel
    {
        get => ForExcel.Value;
        set => ForExcel.Value = value;
    }

    /// <summary>
    /// A text field as written: quoted when it needs it; for Excel, a field that starts with <c>=</c>, <c>+</c>,
    /// <c>-</c>, <c>@</c>, a tab or a carriage return gets a leading apostrophe first, so Excel shows it as text
    /// instead of running it as a formula (OWASP's advice on CSV injection). Numbers are not written through here.
    /// </summary>
    public static string Field(string value)
    {
        if (Excel && value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}

/// <summary>A stream over the first <c>length</c> bytes of another stream (which it owns).</summary>
internal sealed class RangeStream(Stream inner, long length) : Stream
{
    private readonly long _length = length;
    private long _left = length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position { get => _length - _left; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_left <= 0)
        {
            return 0;
        }

        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        _left -= n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
