using CommunityModel.Orleans.Hosting;
using CommunityModel.Orleans.Load;
using CommunityModel.Orleans.Model;
using NodaTime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CommunityModel.Orleans.Tests;

/// <summary>A silo lost in the middle of a stream: nothing lost, nothing doubled.</summary>
public sealed class SiloLossTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASiloLostMidStreamLosesNothingAndDoublesNothing(bool kill)
    {
        var storage = new SharedMemoryStore();
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((_, silo) => ClusterSetup.SharedMemoryStorage(silo, storage));
        builder.ConfigureSilo((_, silo) => silo.Configure<global::Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = ClusterSetup.ResponseTimeout));
        builder.ConfigureClient(ClusterSetup.QuickResponses);
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var policy = StoreFiles.GroupPolicy(StoreFiles.Root());
        var histories = Enumerable.Range(0, 12).Select(i => StoreHistory.Generate($"loss-{kill}-{i}", new StoreHistoryOptions(Members: 80, Groups: 3, MessagesPerGroupPerMonth: 40, Months: 3))).ToList();
        await LoadPlayer.SetupAsync(cluster.Client, histories, StoreModelTests.Setup, policy, 8, CancellationToken.None);

        var writesBefore = storage.Writes;
        var play = LoadPlayer.PlayAsync(cluster.Client, histories, 10, 16, m => output.WriteLine(m), CancellationToken.None);

        // A third of the way in, one of the silos goes: killed (no goodbye) or stopped.
        var expectedWrites = histories.Sum(h => h.Count) / 10;
        while (storage.Writes - writesBefore < expectedWrites / 3 && !play.IsCompleted)
        {
            await Task.Delay(5);
        }

        Assert.False(play.IsCompleted, "the stream was still running when the silo went");
        var victim = cluster.Silos[1];
        var lost = System.Diagnostics.Stopwatch.StartNew();
        if (kill)
        {
            await cluster.KillSiloAsync(victim);
        }
        else
        {
            await cluster.StopSiloAsync(victim);
        }

        var report = await play;
        output.WriteLine($"silo {(kill ? "killed" : "stopped")}; the stream finished {lost.Elapsed.TotalSeconds:F1} s later: {report.Commands} commands, {report.Retries} retries, longest call {report.LongestCall.TotalSeconds:F2} s; {report.Outcomes}");
        Assert.Equal(histories.Sum(h => h.Count), report.Commands);
        Assert.All(report.Rejections.Keys, code => Assert.Equal("ledger.payout.nothing-available", code));
        var later = new LocalDate(2026, 12, 1).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).ToInstant();
        Assert.Empty(await LoadPlayer.VerifyAsync(cluster.Client, histories, StoreModelTests.Setup, policy, later));
    }
}
