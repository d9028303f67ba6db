using System.Buffers;

namespace CommunityModel.Groups;

/// <summary>
/// Finds the first place in a text where any of a set of keywords starts, ignoring case as
/// <see cref="StringComparison.OrdinalIgnoreCase"/> does. A vectorised search for the characters a keyword can
/// start with finds the candidates; only there are the keywords compared. On chat texts, mostly Chinese, this is
/// several times faster than a multi-string <see cref="SearchValues{T}"/> that ignores case.
/// </summary>
internal sealed class KeywordSearcher
{
    private readonly SearchValues<char> _starts;
    private readonly string[][] _byStart;
    private readonly Dictionary<char, int> _slotOf;

    public KeywordSearcher(IEnumerable<string> keywords)
    {
        var list = keywords.Where(k => !string.IsNullOrEmpty(k)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var uppers = new HashSet<char>(list.Select(k => char.ToUpperInvariant(k[0])));

        // Every UTF-16 unit equal to some keyword's first unit under OrdinalIgnoreCase (which compares
        // ToUpperInvariant of each unit), with the keywords that start with it.
        var slots = new Dictionary<char, int>();
        var groups = new List<string[]>();
        var starts = new List<char>();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var ch = (char)c;
            var upper = char.ToUpperInvariant(ch);
            if (!uppers.Contains(upper))
            {
                continue;
            }

            starts.Add(ch);
            if (!slots.ContainsKey(upper))
            {
                slots[upper] = groups.Count;
                groups.Add([.. list.Where(k => char.ToUpperInvariant(k[0]) == upper)]);
            }
        }

        _starts = SearchValues.Create([.. starts]);
        _byStart = [.. groups];
        _slotOf = slots;
        IsEmpty = list.Length == 0;
    }

    /// <summary>True when there is no keyword: nothing is ever found.</summary>
    public bool IsEmpty { get; }

    /// <summary>The index of the first place a keyword starts, or -1.</summary>
    /// <param name="text">The message text to search, as posted.</param>
    /// <returns>The index, or -1.</returns>
    public int IndexIn(ReadOnlySpan<char> text)
    {
        var offset = 0;
        while (offset < text.Length)
        {
            var i = text[offset..].IndexOfAny(_starts);
            if (i < 0)
            {
                return -1;
            }

            i += offset;
            var rest = text[i..];
            foreach (var k in _byStart[_slotOf[char.ToUpperInvariant(text[i])]])
            {
                if (rest.StartsWith(k, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }

            offset = i + 1;
        }

        return -1;
    }
}
