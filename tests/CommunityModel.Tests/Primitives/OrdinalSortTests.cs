using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Primitives;

public class OrdinalSortTests
{
    /// <summary>
    /// The packed sort orders keys exactly as <c>Array.Sort</c> with the ordinal comparer, its items with them: keys
    /// sharing long prefixes, keys that begin others, characters 0, 255, 256 and above (surrogates too), on both
    /// sides of the size where the packed sort takes over.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property Sort_OrdersAsTheOrdinalComparer() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            var n = random.Next(4) == 0 ? random.Next(0, 40) : random.Next(2000, 6000);
            string[] stems = ["", "m", "member-0000", "会员", "abcdefgh", "abcdefghijklmnop", "\0", "\u00ff", "\u0100"];
            var alphabet = seed % 3 == 0 ? "ab" : seed % 3 == 1 ? "a\0\u00ff\u0100z9" : "xy会\ud83d\ude00\u00e9";
            var common = seed % 2 == 0 ? "shop-42/" : string.Empty;
            var set = new HashSet<string>(StringComparer.Ordinal);
            while (set.Count < n)
            {
                var length = random.Next(0, 14);
                var chars = new char[length];
                for (var j = 0; j < length; j++)
                {
                    chars[j] = alphabet[random.Next(alphabet.Length)];
                }

                set.Add(common + stems[random.Next(stems.Length)] + new string(chars));
            }

            var keys = set.ToArray();
            var items = Enumerable.Range(0, keys.Length).ToArray();
            var expectedKeys = (string[])keys.Clone();
            var expectedItems = (int[])items.Clone();
            Array.Sort(expectedKeys, expectedItems, StringComparer.Ordinal);
            OrdinalSort.Sort(keys, items);
            return (keys.SequenceEqual(expectedKeys, StringComparer.Ordinal) && items.SequenceEqual(expectedItems)).Label($"{n} keys");
        });
}
