using CommunityModel.Cli;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Cli;

/// <summary>The orders file's repeated-id check: hashes kept in buckets per part, repeats found bucket by bucket.</summary>
public class HashBucketsTests
{
    /// <summary>
    /// Whatever the hashes (spread, all in one bucket so that it spills, 0 and the extremes, repeats inside a part
    /// and across parts) and however they are cut into parts, the repeated ones found are exactly those that appear
    /// more than once, and none is found when none repeats.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Repeated_FindsExactlyTheHashesThatAppearTwice() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            var n = random.Next(0, 3000);
            var oneBucket = random.Next(4) == 0;
            long[] special = [0, -1, 1, long.MinValue, long.MaxValue];
            var hashes = new List<long>(n);
            for (var i = 0; i < n; i++)
            {
                var h = random.Next(10) == 0 ? special[random.Next(special.Length)]
                    : random.Next(8) == 0 && hashes.Count > 0 ? hashes[random.Next(hashes.Count)]
                    : random.NextInt64(long.MinValue, long.MaxValue);
                hashes.Add(oneBucket ? (h & 0x00FFFFFFFFFFFFFF) | (0x7FL << 56) : h);
            }

            var partCount = random.Next(1, 5);
            var parts = Enumerable.Range(0, partCount).Select(_ => new HashBuckets(random.Next(0, 2 * ((n / partCount) + 1)))).ToArray();
            foreach (var h in hashes)
            {
                parts[random.Next(partCount)].Add(h);
            }

            var expected = hashes.GroupBy(h => h).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            var found = HashBuckets.Repeated(parts, threads: random.Next(0, 3));
            return (expected.Count == 0 ? found is null : found is not null && found.SetEquals(expected))
                .Label($"expected {expected.Count} repeated, found {found?.Count.ToString() ?? "none"}");
        });

    [Fact]
    public void Repeated_OfNothing_IsNone_AndOfOneHashTwiceAnywhere_IsThatHash()
    {
        Assert.Null(HashBuckets.Repeated([]));
        Assert.Null(HashBuckets.Repeated([new HashBuckets(0), new HashBuckets(100)]));
        var a = new HashBuckets(10);
        var b = new HashBuckets(10);
        a.Add(0);
        b.Add(42);
        Assert.Null(HashBuckets.Repeated([a, b]));
        b.Add(0);
        Assert.Equal([0L], HashBuckets.Repeated([a, b])!);
    }
}
