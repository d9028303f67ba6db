namespace CommunityModel.Groups;

/// <summary>
/// Finds the ways a chat ad names a contact, written as people write them to slip past filters: a contact word
/// (微信 / 威信 / 薇信 / 维信 / V信 / vx / wx / 扣扣 / 企鹅 / QQ / 加V / 加Q) followed by an id, a mainland mobile number
/// with spaces, dashes or dots between its digits, in full-width digits or Chinese numerals (一三八…), and a link
/// without a scheme (abc.com/x). The text is first folded as a Chinese keyboard makes it: full-width ASCII to
/// ASCII, upper to lower case, Chinese numerals to digits, and the separators inserted to dodge filters (spaces,
/// zero-width characters, * . - _ | · 、 ~) dropped; each folded character remembers where it came from, so the
/// evidence is the original text. Allocation-free after the first calls on a thread (its buffers are kept).
/// </summary>
internal static class ContactFinder
{
    // Contact words as folded text: the id that follows them is what makes a message an ad.
    private static readonly string[] ContactWords = ["微信", "威信", "薇信", "维信", "徽信", "v信", "vx", "wx", "weixin", "wechat", "扣扣", "企鹅", "qq", "加v", "加q"];

    // Phrases that ask for a contact by themselves (once the separators inserted to dodge filters are dropped).
    private static readonly string[] AskPhrases = ["加微信", "加我微信", "加威信", "加薇信", "加v信", "加vx", "加wx", "加qq", "加扣扣", "加我v", "加我vx", "加我wx", "加我qq", "加我扣扣"];

    // What may stand between a contact word and its id: a colon, 号 (number), 是 / 为 (is), 同 (same as).
    private const string Between = ":：号是为同";

    private static readonly string[] LinkEnds = [".com", ".cn", ".net", ".org", ".top", ".vip", ".xyz", ".cc", ".me", ".io", ".shop", ".ltd", ".club", ".site"];

    [ThreadStatic]
    private static char[]? t_folded;

    [ThreadStatic]
    private static int[]? t_origin;

    /// <summary>The start, in <paramref name="text"/>, of a contact an ad gives, and what kind it is; -1 when there is none.</summary>
    public static int Find(ReadOnlySpan<char> text, out string kind)
    {
        kind = "";
        if (text.Length == 0)
        {
            return -1;
        }

        var folded = t_folded is { } f && f.Length >= text.Length ? f : t_folded = new char[Math.Max(64, text.Length * 2)];
        var origin = t_origin is { } o && o.Length >= text.Length ? o : t_origin = new int[Math.Max(64, text.Length * 2)];
        // One pass folds the text and counts what the checks need, so most chat lines (no number, no id, no "加",
        // no dot) are done after it.
        int n = 0, digits = 0, alnum = 0;
        var ask = false;
        var dot = false;
        for (var i = 0; i < text.Length; i++)
        {
            var raw = text[i];
            dot |= raw is '.' or '\uFF0E';
            var c = Fold(raw);
            if (c != '\0')
            {
                digits += char.IsAsciiDigit(c) ? 1 : 0;
                alnum += char.IsAsciiLetterOrDigit(c) ? 1 : 0;
                ask |= c == '加';
                folded[n] = c;
                origin[n++] = i;
            }
        }

        var s = folded.AsSpan(0, n);
        var at = digits >= 11 ? FindPhone(s) : -1;
        if (at >= 0)
        {
            kind = "phone number";
            return origin[at];
        }

        if (ask)
        {
            foreach (var phrase in AskPhrases)
            {
                at = s.IndexOf(phrase.AsSpan(), StringComparison.Ordinal);
                if (at >= 0)
                {
                    kind = "contact";
                    return origin[at];
                }
            }
        }

        at = alnum >= 5 ? FindContactWord(s) : -1;
        if (at >= 0)
        {
            kind = "contact";
            return origin[at];
        }

        at = dot ? FindLink(text) : -1;
        if (at >= 0)
        {
            kind = "link";
            return at;
        }

        return -1;
    }

    /// <summary>A character folded; '\0' for a separator dropped.</summary>
    private static char Fold(char c) => c switch
    {
        >= '\uFF10' and <= '\uFF19' => (char)('0' + (c - '\uFF10')),
        >= '\uFF21' and <= '\uFF3A' => (char)('a' + (c - '\uFF21')),
        >= '\uFF41' and <= '\uFF5A' => (char)('a' + (c - '\uFF41')),
        '\uFF1A' => ':',
        >= 'A' and <= 'Z' => (char)(c + 32),
        ' ' or '\t' or '\u3000' or '\u00A0' or '\u200B' or '\u200C' or '\u200D' or '\uFEFF' or '*' or '.' or '-' or '_' or '|' or '·' or '、' or '~' or '\uFF0A' or '\uFF0E' or '\uFF0D' or '\uFF3F' or '\uFF5E' or '\u30FB' => '\0',
        '〇' or '零' => '0',
        '一' or '幺' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => c,
    };

    /// <summary>Eleven digits from 1 then 3-9, not part of a longer run of digits.</summary>
    private static int FindPhone(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (i < s.Length)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i - start == 11 && s[start] == '1' && s[start + 1] is >= '3' and <= '9')
            {
                return start;
            }
        }

        return -1;
    }

    /// <summary>A contact word, then at most two of <see cref="Between"/>, then an id of at least five letters or digits (and at least one digit or five letters).</summary>
    private static int FindContactWord(ReadOnlySpan<char> s)
    {
        foreach (var word in ContactWords)
        {
            var from = 0;
            while (from < s.Length)
            {
                var at = s[from..].IndexOf(word.AsSpan(), StringComparison.Ordinal);
                if (at < 0)
                {
                    break;
                }

                at += from;
                var j = at + word.Length;
                for (var k = 0; k < 2 && j < s.Length && Between.Contains(s[j], StringComparison.Ordinal); k++)
                {
                    j++;
                }

                var id = 0;
                while (j + id < s.Length && char.IsAsciiLetterOrDigit(s[j + id]))
                {
                    id++;
                }

                // An id: 5 to 20 letters and digits, not a plain English word after "wechat" ("wechat group").
                if (id is >= 5 and <= 20 && (ContainsDigit(s.Slice(j, id)) || !IsAsciiWordLike(word)))
                {
                    return at;
                }

                from = at + 1;
            }
        }

        return -1;
    }

    private static bool ContainsDigit(ReadOnlySpan<char> s) => s.IndexOfAnyInRange('0', '9') >= 0;

    private static bool IsAsciiWordLike(string word) => char.IsAsciiLetter(word[0]) && char.IsAsciiLetter(word[^1]);

    /// <summary>A host name without a scheme: two or more letters, digits or dashes, then one of <see cref="LinkEnds"/>, then the end, a slash or no letter.</summary>
    private static int FindLink(ReadOnlySpan<char> text)
    {
        foreach (var end in LinkEnds)
        {
            var from = 0;
            while (from < text.Length)
            {
                var at = text[from..].IndexOf(end.AsSpan(), StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    break;
                }

                at += from;
                var after = at + end.Length;
                var start = at;
                while (start > 0 && (char.IsAsciiLetterOrDigit(text[start - 1]) || text[start - 1] == '-'))
                {
                    start--;
                }

                if (at - start >= 2 && (after == text.Length || !char.IsAsciiLetter(text[after])))
                {
                    return start;
                }

                from = at + 1;
            }
        }

        return -1;
    }
}
