using System.Globalization;
using System.Text.RegularExpressions;
using CommunityModel.Quickstart;

namespace CommunityModel.Tests.Docs;

/// <summary>The Quickstart's default output is a short story: seven numbered sections, under 80 lines of at most 100 columns.</summary>
public sealed partial class QuickstartStoryTests
{
    /// <summary>Columns a terminal gives a text: two for a wide (CJK) character, one for the others.</summary>
    private static int Columns(string line) => line.Sum(c => c is >= '\u1100' and <= '\u115F' or >= '\u2E80' and <= '\uA4CF' or >= '\uAC00' and <= '\uD7A3' or >= '\uF900' and <= '\uFAFF' or >= '\uFE30' and <= '\uFE4F' or >= '\uFF00' and <= '\uFF60' or >= '\uFFE0' and <= '\uFFE6' ? 2 : 1);

    [Fact]
    public void TheStory_IsShort_Numbered_AndFitsATerminal()
    {
        var output = new StringWriter();
        var year = Story.Write(output, chartsDirectory: null);
        var lines = output.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.True(lines.Length < 80, $"{lines.Length} lines");
        Assert.All(lines, l => Assert.True(Columns(l) <= 100, $"{Columns(l)} columns: {l}"));

        // Seven sections, numbered in order, each headed.
        var headings = lines.Where(l => Heading().IsMatch(l)).Select(l => int.Parse(l[..l.IndexOf('.', StringComparison.Ordinal)], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], headings);

        // The figures are the year's: its customers, its ladder's first rung, its flows and its verdict.
        var text = output.ToString();
        Assert.Contains($"{year.Tree.Count.ToString("N0", CultureInfo.InvariantCulture)} customers", text, StringComparison.Ordinal);
        Assert.Contains($"{year.Ladder.Rungs[0].CustomersReached.ToString("N0", CultureInfo.InvariantCulture),6} customers reached it", text, StringComparison.Ordinal);
        Assert.Contains($"sales {year.Flows.GrossSales}", text, StringComparison.Ordinal);
        Assert.Contains($"Is the plan lawful? {(year.Compliance.HasErrors ? "No" : "Yes")}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("{", text, StringComparison.Ordinal); // no record dumps
    }

    [GeneratedRegex(@"^[1-9]\. ")]
    private static partial Regex Heading();
}
