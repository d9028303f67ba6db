using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Primitives;

/// <summary>The id table finds every key at its position and nothing else, however it was filled.</summary>
public class IdTableTests
{
    [Property(MaxTest = 200)]
    public Property A_table_over_keys_finds_each_at_its_position_and_no_other_key() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Elements("a", "b", "ab", "ba", "é", "o-1", "o-10", "", "x")
                .SelectMany(a => Gen.Choose(0, 50).Select(n => a + n)))
            .Select(l => l.Distinct(StringComparer.Ordinal).ToArray())), keys =>
        {
            var over = IdTable.Over(keys.Length, i => keys[i]);
            var added = new IdTable(i => keys[i]);
            for (var i = 0; i < keys.Length; i++)
            {
                added.Add(i);
            }

            var found = Enumerable.Range(0, keys.Length).All(i => over.Find(keys[i]) == i && added.Find(keys[i]) == i);
            var absent = new[] { "zz", "a51", "o-1x", "é51" }.Where(k => !keys.Contains(k)).All(k => over.Find(k) < 0 && added.Find(k) < 0);
            return (found && absent).Label($"{keys.Length} keys");
        });

    [Fact]
    public void Millions_of_keys_placed_from_every_core_are_each_found_at_their_position()
    {
        // Past the size where the table is filled from several threads; ids that share long prefixes.
        const int Count = 700_000;
        var keys = new string[Count];
        for (var i = 0; i < Count; i++)
        {
            keys[i] = "order-2026-05-" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
        }

        var table = IdTable.Over(Count, i => keys[i]);
        for (var i = 0; i < Count; i++)
        {
            if (table.Find(keys[i]) != i)
            {
                Assert.Fail($"{keys[i]} found at {table.Find(keys[i])}, not {i}");
            }
        }

        Assert.Equal(-1, table.Find("order-2026-05-9999999"));
        Assert.Equal(-1, table.Find("order-2026-05-"));
        // Growing past it keeps every position.
        var more = keys.Append("order-2026-06-0000000").ToArray();
        var grown = IdTable.Over(Count, i => more[i]);
        Assert.Equal(-1, grown.TryAdd(Count, more[Count]));
        Assert.Equal(Count, grown.Find(more[Count]));
        Assert.Equal(Count - 1, grown.Find(keys[Count - 1]));
    }
}
