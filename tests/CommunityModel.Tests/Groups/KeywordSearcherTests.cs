using CommunityModel.Groups;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Groups;

public sealed class KeywordSearcherTests
{
    // Texts and keywords over a small alphabet with case pairs, Chinese, and the letters whose invariant
    // upper case is shared (i, I, dotless i; s, S, long s), so matches and near-matches are frequent.
    private static readonly char[] Alphabet = ['a', 'A', 'i', 'I', 'ı', 's', 'S', 'ſ', 'x', ':', ' ', '加', '微', '信', '号', 'ß', 'K', 'k', 'K'];

    private static Gen<string> Text(int min, int max) =>
        from n in Gen.Choose(min, max)
        from cs in Gen.Elements(Alphabet).ArrayOf(n)
        select new string(cs);

    private static int Naive(string text, string[] keywords)
    {
        var best = -1;
        foreach (var k in keywords.Where(k => k.Length > 0))
        {
            var i = text.IndexOf(k, StringComparison.OrdinalIgnoreCase);
            if (i >= 0 && (best < 0 || i < best))
            {
                best = i;
            }
        }

        return best;
    }

    [Property(MaxTest = 500)]
    public Property FindsTheFirstMatch_AsOrdinalIgnoreCaseDoes() =>
        Prop.ForAll(Arb.From(Text(0, 40)), Arb.From(Text(1, 4).ArrayOf()), (text, keywords) =>
            new KeywordSearcher(keywords).IndexIn(text) == Naive(text, keywords));

    [Theory]
    [InlineData("代购奶粉，加微信 abc123", 0)]
    [InlineData("add me: WeChat: abc", 8)]
    [InlineData("VX:abc", 0)]
    [InlineData("宝宝晚上总是醒, 怎么办?", -1)]
    [InlineData("微信", -1)]
    public void TheStoreKeywords(string text, int expected)
    {
        var searcher = new KeywordSearcher(["加微信", "微信号", "vx:", "wx:", "wechat:", "代购", "私聊"]);
        Assert.Equal(expected, searcher.IndexIn(text));
    }

    // The same alphabet with full-width forms (Ａ, ａ, Ｉ, ｓ, ｘ, the full-width colon) and the ideographic space.
    private static readonly char[] WideAlphabet = [.. Alphabet, 'Ａ', 'ａ', 'Ｉ', 'ｓ', 'Ｓ', 'ｘ', 'Ｘ', '：', '\u3000'];

    // The Halfwidth and Fullwidth Forms block as Unicode lists it, character for character (not the searcher's arithmetic).
    private const string FullWidth = "！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～";
    private const string HalfWidth = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

    /// <summary>Full-width ASCII and the ideographic space made half-width by the table above.</summary>
    private static string Narrow(string s) => new([.. s.Select(c => c == '\u3000' ? ' ' : FullWidth.IndexOf(c, StringComparison.Ordinal) is var k and >= 0 ? HalfWidth[k] : c)]);

    [Property(MaxTest = 500)]
    public Property IgnoresCharacterWidth_AsIfEverythingWereHalfWidth() =>
        Prop.ForAll(
            Arb.From(from n in Gen.Choose(0, 40) from cs in Gen.Elements(WideAlphabet).ArrayOf(n) select new string(cs)),
            Arb.From((from n in Gen.Choose(1, 4) from cs in Gen.Elements(WideAlphabet).ArrayOf(n) select new string(cs)).ArrayOf()),
            (text, keywords) => new KeywordSearcher(keywords).IndexIn(text) == Naive(Narrow(text), [.. keywords.Select(Narrow)]));

    [Theory]
    [InlineData("加我微信：abc123")]
    [InlineData("vx：abc123")]
    [InlineData("ＶＸ: abc123")]
    [InlineData("ｗｘ：ｍａｍａ８８")]
    [InlineData("有需要的加我微信")]
    public void TheDefaultAdRules_CatchTheIdsAsChineseKeyboardsWriteThem(string text)
    {
        var searcher = new KeywordSearcher(new CommunityModel.Groups.ContentRules().AdKeywords);
        Assert.True(searcher.IndexIn(text) >= 0, text);
    }
}
