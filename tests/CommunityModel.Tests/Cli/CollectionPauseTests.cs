using System.Runtime;
using CommunityModel.Cli;

namespace CommunityModel.Tests.Cli;

/// <summary>The CLI holds off collections while it reads a members file, and never fails because of it.</summary>
public class CollectionPauseTests
{
    [Fact]
    public void A_pause_holds_off_collections_until_disposed_and_then_collections_run_again()
    {
        int collections;
        using (var pause = CollectionPause.For(256L << 20, null))
        {
            Assert.True(pause.On);
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);

            // A second pause while one is on is refused quietly.
            using var second = CollectionPause.For(256L << 20, null);
            Assert.False(second.On);
            collections = GC.CollectionCount(0);
        }

        // Collections run again, starting with one of generation 0.
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.True(GC.CollectionCount(0) > collections);
    }

    [Fact]
    public void Past_its_budget_the_runtime_collects_and_the_pause_ends_quietly()
    {
        var pause = CollectionPause.For(20L << 20, null);
        var kept = new List<byte[]>();
        for (var i = 0; i < 64; i++)
        {
            kept.Add(new byte[1 << 20]);
        }

        Assert.False(pause.On);
        pause.Dispose();
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        Assert.Equal(64, kept.Count);
    }

    [Theory]
    [InlineData(256L << 20, "0")]
    [InlineData(256L << 20, "false")]
    [InlineData(1L << 20, null)]
    [InlineData(long.MaxValue, "0")]
    public void Turned_off_or_too_small_it_is_not_on(long bytes, string? setting)
    {
        using var pause = CollectionPause.For(bytes, setting);
        Assert.False(pause.On);
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    [Fact]
    public void A_budget_beyond_the_memory_is_cut_to_a_quarter_of_it_not_refused_with_an_exception()
    {
        using var pause = CollectionPause.For(long.MaxValue, null);
        pause.Dispose();
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }
}
