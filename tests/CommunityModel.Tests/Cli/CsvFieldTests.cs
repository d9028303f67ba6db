using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityModel.Cli;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using nietras.SeparatedValues;

namespace CommunityModel.Tests.Cli;

/// <summary>The CLI reads fields as they are and trims and unescapes them itself, exactly as Sep would.</summary>
public class CsvFieldTests
{
    /// <summary>
    /// Rows of spaces, quotes (balanced or not, doubled or not), commas and letters: every field read as it is and then
    /// passed through <c>CsvLine.Field</c> is the text Sep gives with <c>Trim = All</c> and <c>Unescape = true</c>, and
    /// starts at the same column (for error messages); the rows have the same fields.
    /// </summary>
    [Property(MaxTest = 3000)]
    public Property Field_IsWhatSepGivesTrimmedAndUnescaped() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            char[] alphabet = ['a', 'b', ' ', ' ', '"', '"', ',', 'x'];
            var text = new string([.. Enumerable.Range(0, random.Next(0, 24)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var expected = Read(text, o => o with { HasHeader = false, Unescape = true, Trim = SepTrim.All, DisableColCountCheck = true }, expectedSide: true);
            var actual = Read(text, o => o with { HasHeader = false, Unescape = false, Trim = SepTrim.None, DisableColCountCheck = true }, expectedSide: false);
            return (expected.SequenceEqual(actual)).Label($"[{text}]: Sep {string.Join(" | ", expected)}; CLI {string.Join(" | ", actual)}");
        });

    [Theory]
    [InlineData("a", "a", 0)]
    [InlineData("  a  ", "a", 2)]
    [InlineData("\"a b\"", "a b", 1)]
    [InlineData("  \" a,b \"  ", "a,b", 4)]
    [InlineData("\"a\"\"b\"", "a\"b", 0)]
    [InlineData("a\"b", "a\"b", 0)]
    [InlineData("\"\"", "", 1)]
    [InlineData("   ", "", 3)]
    public void Field_TrimsAndUnescapesAsSep(string raw, string text, int start)
    {
        Assert.Equal(text, CsvLine.Field(raw, out var at).ToString());
        Assert.Equal(start, at);
    }

    private static List<string> Read(string text, Func<SepReaderOptions, SepReaderOptions> options, bool expectedSide)
    {
        var fields = new List<string>();
        try
        {
            using var reader = Sep.New(',').Reader(options).FromText(text);
            foreach (var row in reader)
            {
                var line = row.Span;
                for (var c = 0; c < row.ColCount; c++)
                {
                    var span = row[c].Span;
                    int start;
                    string value;
                    if (expectedSide)
                    {
                        value = span.ToString();
                        start = (int)(Unsafe.ByteOffset(ref MemoryMarshal.GetReference(line), ref MemoryMarshal.GetReference(span)) / sizeof(char));
                    }
                    else
                    {
                        value = CsvLine.Field(span, out var at).ToString();
                        start = (int)(Unsafe.ByteOffset(ref MemoryMarshal.GetReference(line), ref MemoryMarshal.GetReference(span)) / sizeof(char)) + at;
                    }

                    fields.Add($"{value}@{start}");
                }

                fields.Add("/");
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            fields.Add("refused");
        }

        return fields;
    }
}
