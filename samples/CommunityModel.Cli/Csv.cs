using System.Text;

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

/// <summary>One CSV row: its fields by header name, with the line and columns for error messages.</summary>
public sealed class CsvRow(string file, int line, IReadOnlyDictionary<string, int> header, List<(string Text, int Column)> fields)
{
    /// <summary>The 1-based line.</summary>
    public int Line { get; } = line;

    /// <summary>A field's text.</summary>
    public string this[string name] => fields[header[name]].Text;

    /// <summary>Whether the file has the column.</summary>
    public bool Has(string name) => header.ContainsKey(name);

    /// <summary>An error at a field.</summary>
    public InputException Error(string name, string message) => new(file, Line, fields[header[name]].Column, message);
}

/// <summary>A small RFC 4180 reader: a header row, commas, double quotes with doubled quotes inside.</summary>
public static class Csv
{
    /// <summary>Reads a file whose header must contain the columns named.</summary>
    public static List<CsvRow> Read(string path, params string[] required)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new InputException(path, 0, 0, "file not found");
        }

        var lines = System.IO.File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0)
        {
            throw new InputException(path, 1, 1, $"empty file; expected a header with {string.Join(",", required)}");
        }

        var headerFields = Split(path, 1, lines[0].TrimStart('\uFEFF'));
        var header = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < headerFields.Count; i++)
        {
            header[headerFields[i].Text.Trim()] = i;
        }

        foreach (var name in required)
        {
            if (!header.ContainsKey(name))
            {
                throw new InputException(path, 1, 1, $"missing column '{name}' (the header has {string.Join(",", headerFields.Select(f => f.Text))})");
            }
        }

        var rows = new List<CsvRow>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var fields = Split(path, i + 1, lines[i]);
            if (fields.Count != headerFields.Count)
            {
                throw new InputException(path, i + 1, 1, $"{fields.Count} field(s), the header has {headerFields.Count}");
            }

            rows.Add(new CsvRow(path, i + 1, header, fields));
        }

        return rows;
    }

    private static List<(string Text, int Column)> Split(string path, int line, string text)
    {
        var fields = new List<(string Text, int Column)>();
        var sb = new StringBuilder();
        var i = 0;
        while (true)
        {
            var start = i + 1;
            sb.Clear();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new InputException(path, line, start, "unclosed quote");
                    }

                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(text[i++]);
                }

                if (i < text.Length && text[i] != ',')
                {
                    throw new InputException(path, line, i + 1, "text after a closing quote");
                }
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    sb.Append(text[i++]);
                }
            }

            fields.Add((sb.ToString(), start));
            if (i >= text.Length)
            {
                return fields;
            }

            i++; // the comma
        }
    }

    /// <summary>Quotes a field when it needs it.</summary>
    public static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
