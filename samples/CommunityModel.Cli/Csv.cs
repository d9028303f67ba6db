using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using nietras.SeparatedValues;

namespace CommunityModel.Cli;

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

    internal CsvLine(SepReader.Row row, string file)
    {
        _row = row;
        _file = file;
    }

    /// <summary>The 1-based line the row starts on.</summary>
    public int Line => _row.LineNumberFrom;

    /// <summary>A field's text (outer spaces trimmed).</summary>
    public ReadOnlySpan<char> this[int column] => _row[column].Span;

    /// <summary>A field's text as a string.</summary>
    public string Text(int column) => _row[column].ToString();

    /// <summary>An error at a field: file, line and the field's 1-based character column.</summary>
    public InputException Error(int column, string message)
    {
        var row = _row.Span;
        var field = _row[column].Span;
        var offset = Unsafe.ByteOffset(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(field)) / sizeof(char);
        return new InputException(_file, Line, offset >= 0 && offset <= row.Length ? offset + 1 : 1, message);
    }
}

/// <summary>Handles one row of a streamed CSV file.</summary>
/// <param name="row">The row.</param>
public delegate void CsvRowHandler(CsvLine row);

/// <summary>Turns one row of a CSV file into a value (it may throw an <see cref="InputException"/>).</summary>
/// <typeparam name="T">The value.</typeparam>
/// <param name="row">The row.</param>
/// <returns>The value.</returns>
public delegate T CsvRowFunc<T>(CsvLine row);

/// <summary>A row turned into a value, or the problem the row has.</summary>
/// <typeparam name="T">The value.</typeparam>
/// <param name="Value">The value (default when <paramref name="Error"/> is set).</param>
/// <param name="Error">The problem, or null.</param>
public readonly record struct CsvResult<T>(T Value, InputException? Error);

/// <summary>
/// CSV input on the Sep library: strict UTF-8 (a byte-order mark is allowed), a header row whose named columns
/// must be there, RFC 4180 quoting, outer spaces trimmed, blank lines skipped. Large files are streamed row by
/// row (<see cref="ForEach"/>); every problem is an <see cref="InputException"/> naming file, line and column.
/// </summary>
public sealed class CsvInput : IDisposable
{
    private readonly SepReader _reader;
    private readonly Dictionary<string, int> _header = new(StringComparer.Ordinal);

    private CsvInput(string path, SepReader reader)
    {
        Path = path;
        _reader = reader;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The header's column names, in order.</summary>
    public IReadOnlyList<string> Header => _reader.Header.ColNames;

    /// <summary>Opens a file whose header must contain the columns named.</summary>
    /// <param name="path">The file.</param>
    /// <param name="required">The columns it must have.</param>
    /// <returns>The input, positioned after the header.</returns>
    public static CsvInput Open(string path, params string[] required)
    {
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
        }

        var text = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        SepReader reader;
        try
        {
            reader = Sep.New(',').Reader(o => o with { Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true }).From(text);
        }
        catch (DecoderFallbackException)
        {
            text.Dispose();
            throw new InputException(path, 1, 1, "is not UTF-8 text (save it as UTF-8 CSV)");
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            text.Dispose();
            throw new InputException(path, 1, 1, $"bad header: {e.Message}");
        }

        var input = new CsvInput(path, reader);
        var names = reader.Header.ColNames;
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
    public void ForEach(CsvRowHandler handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var columns = _header.Count;
        var line = 1;
        try
        {
            foreach (var row in _reader)
            {
                line = row.LineNumberFrom;
                if (row.ColCount != columns)
                {
                    if (row.ColCount == 1 && row.Span.IsWhiteSpace())
                    {
                        continue;
                    }

                    throw new InputException(Path, line, 1, $"{row.ColCount} field(s), the header has {columns}");
                }

                handle(new CsvLine(row, Path));
            }
        }
        catch (DecoderFallbackException)
        {
            throw new InputException(Path, line, 1, $"is not UTF-8 text after line {line} (save it as UTF-8 CSV)");
        }
        catch (InvalidDataException e)
        {
            throw new InputException(Path, line, 1, e.Message);
        }
    }

    /// <summary>
    /// Turns every data row into a value on every core (Sep's parallel enumeration), in file order; blank lines are
    /// skipped. A row whose <paramref name="select"/> throws an <see cref="InputException"/>, or whose field count is
    /// wrong, comes back with its error, so the caller reports the first one in file order.
    /// </summary>
    /// <typeparam name="T">The value.</typeparam>
    /// <param name="select">What to make of a row; called on several threads at once.</param>
    /// <returns>The values, in file order.</returns>
    public IEnumerable<CsvResult<T>> ParallelSelect<T>(CsvRowFunc<T> select)
    {
        ArgumentNullException.ThrowIfNull(select);
        var columns = _header.Count;
        var path = Path;
        IEnumerable<(CsvResult<T> Result, bool Blank)> rows;
        try
        {
            rows = _reader.ParallelEnumerate(row =>
            {
                if (row.ColCount != columns)
                {
                    return row.ColCount == 1 && row.Span.IsWhiteSpace()
                        ? (default, true)
                        : (new CsvResult<T>(default!, new InputException(path, row.LineNumberFrom, 1, $"{row.ColCount} field(s), the header has {columns}")), false);
                }

                try
                {
                    return (new CsvResult<T>(select(new CsvLine(row, path)), null), false);
                }
                catch (InputException e)
                {
                    return (new CsvResult<T>(default!, e), false);
                }
            });
        }
        catch (Exception e) when (Unwrap(e) is DecoderFallbackException)
        {
            throw new InputException(Path, 0, 0, "is not UTF-8 text (save it as UTF-8 CSV)");
        }

        using var each = rows.GetEnumerator();
        while (true)
        {
            try
            {
                if (!each.MoveNext())
                {
                    yield break;
                }
            }
            catch (Exception e) when (Unwrap(e) is DecoderFallbackException or InvalidDataException)
            {
                throw new InputException(Path, 0, 0, Unwrap(e) is DecoderFallbackException ? "is not UTF-8 text (save it as UTF-8 CSV)" : Unwrap(e).Message);
            }

            if (!each.Current.Blank)
            {
                yield return each.Current.Result;
            }
        }
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: > 0 } a ? Unwrap(a.InnerExceptions[0]) : e;

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

    /// <summary>Quotes a field when it needs it.</summary>
    public static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
