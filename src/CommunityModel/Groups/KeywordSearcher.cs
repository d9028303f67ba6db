using System.Buffers;

namespace CommunityModel.Groups;

/// <summary>
/// Finds the first place in a text where any of a set of keywords starts, ignoring case as
/// <see cref="StringComparison.OrdinalIgnoreCase"/> does and character width as a Chinese keyboard makes it: the
/// full-width forms of ASCII (U+FF01 to U+FF5E: "ＶＸ", the colon "："), and the ideographic space, match their
/// ASCII letters, so "vx：abc123" and "ＶＸ: abc123" are found by the keyword "vx:". A vectorised search for the
/// characters a keyword can start with finds the candidates; only there are the keywords compared. On chat texts,
/// mostly Chinese, this is several times faster than a multi-string <see cref="SearchValues{T}"/> that ignores case.
/// </summary>
internal sealed class KeywordSearcher
{
    private readonly SearchValues<char> _starts;
    private readonly string[][] _byStart;
    private readonly Dictionary<char, int> _slotOf;

    public KeywordSearcher(IEnumerable<string> keywords)
    {
        // Keywords are kept folded: half-width, upper case (as OrdinalIgnoreCase compares).
        var list = keywords.Where(k => !string.IsNullOrEmpty(k)).Select(Folded).Distinct(StringComparer.Ordinal).ToArray();
        var firsts = new HashSet<char>(list.Select(k => k[0]));

        // Every UTF-16 unit that folds to some keyword's first unit, with the keywords that start with it.
        var slots = new Dictionary<char, int>();
        var groups = new List<string[]>();
        var starts = new List<char>();
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var folded = Fold((char)c);
            if (!firsts.Contains(folded))
            {
                continue;
            }

            starts.Add((char)c);
            if (!slots.ContainsKey(folded))
            {
                slots[folded] = groups.Count;
                groups.Add([.. list.Where(k => k[0] == folded)]);
            }
        }

        _starts = SearchValues.Create([.. starts]);
        _byStart = [.. groups];
        _slotOf = slots;
        IsEmpty = list.Length == 0;
    }

    /// <summary>True when there is no keyword: nothing is ever found.</summary>
    public bool IsEmpty { get; }

    /// <summary>A character as keywords are compared: full-width ASCII and the ideographic space made half-width, then upper case.</summary>
    internal static char Fold(char c) => char.ToUpperInvariant(c switch
    {
        >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
        '\u3000' => ' ',
        _ => c,
    });

    private static string Folded(string keyword) => string.Create(keyword.Length, keyword, static (span, k) =>
    {
        for (var i = 0; i < k.Length; i++)
        {
            span[i] = Fold(k[i]);
        }
    });

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
            foreach (var k in _byStart[_slotOf[Fold(text[i])]])
            {
                if (StartsWithFolded(rest, k))
                {
                    return i;
                }
            }

            offset = i + 1;
        }

        return -1;
    }

    private static bool StartsWithFolded(ReadOnlySpan<char> text, string folded)
    {
        if (text.Length < folded.Length)
        {
            return false;
        }

        for (var j = 0; j < folded.Length; j++)
        {
            if (text[j] != folded[j] && Fold(text[j]) != folded[j])
            {
                return false;
            }
        }

        return true;
    }
}
