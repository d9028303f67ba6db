using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CommunityModel.Orleans.Hosting;
using CommunityModel.Orleans.Grains;
using CommunityModel.Orleans.Load;
using CommunityModel.Orleans.Model;
using NodaTime;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CommunityModel.Orleans.Tests;

/// <summary>
/// A test that needs <c>redis-server</c> (Debian's package): skipped, saying so, where it is not installed, unless
/// <c>COMMUNITYMODEL_REQUIRE_REDIS=1</c> (set by <c>.ci/run</c> once it has installed it) makes that a failure.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Path is null && Environment.GetEnvironmentVariable("COMMUNITYMODEL_REQUIRE_REDIS") != "1")
        {
            Skip = "redis-server is not installed (apt-get install -y redis-server); set COMMUNITYMODEL_REQUIRE_REDIS=1 to make that a failure.";
        }
    }
}

/// <summary>A redis-server of the test's own, on a free port, its data in a temporary folder (append-only file, fsync on every write).</summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cm-redis-").FullName;
    private Process? _process;

    public RedisServer()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        Start();
    }

    public static string? Path { get; } = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public void Start()
    {
        var path = Path ?? throw new FileNotFoundException("redis-server is not installed (COMMUNITYMODEL_REQUIRE_REDIS=1 requires it): apt-get install -y redis-server");
        _process = Process.Start(new ProcessStartInfo(path, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        _process.BeginOutputReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"redis-server did not listen on {Port} within 10 s");
    }

    /// <summary>Kills the server (no goodbye); what it acknowledged is in its append-only file.</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.WaitForExit();
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Kill();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>The journals in a real Redis that is killed and started again in the middle of a stream.</summary>
public sealed class RedisTests(ITestOutputHelper output)
{
    [RedisFact]
    public async Task RedisRestartedMidStreamFailsCallsClearlyAndRetriesApplyEachCommandOnce()
    {
        using var redis = new RedisServer();
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => ClusterSetup.RedisStorage(silo, redis.Endpoint));
        builder.ConfigureClient(ClusterSetup.QuickResponses);
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var policy = StoreFiles.GroupPolicy(StoreFiles.Root());
        var histories = Enumerable.Range(0, 6).Select(i => StoreHistory.Generate($"redis-{i}", new StoreHistoryOptions(Members: 60, Groups: 2, MessagesPerGroupPerMonth: 30, Months: 3))).ToList();
        await LoadPlayer.SetupAsync(cluster.Client, histories, StoreModelTests.Setup, policy, 8, CancellationToken.None);

        var failures = new List<string>();
        var sent = 0L;
        var counter = new LoadCounter();
        var play = LoadPlayer.PlayAsync(cluster.Client, histories, 5, 8, m =>
        {
            lock (failures)
            {
                failures.Add(m);
            }
        }, counter, CancellationToken.None);
        while (counter.Sent < histories.Sum(h => h.Count) / 4 && !play.IsCompleted)
        {
            await Task.Delay(5);
        }

        Assert.False(play.IsCompleted, "the stream was still running when Redis went");
        // Down for longer than the client's timeouts (2 s): StackExchange.Redis holds commands while it reconnects,
        // so a shorter outage is only a delay.
        redis.Kill();
        await Task.Delay(4000);
        redis.Start();
        var report = await play;
        sent = report.Commands;
        output.WriteLine($"{report.Commands} commands, {report.Retries} retries, longest call {report.LongestCall.TotalSeconds:F2} s; {report.Outcomes}");
        failures.Take(5).ToList().ForEach(output.WriteLine);
        Assert.Equal(histories.Sum(h => h.Count), sent);
        Assert.NotEmpty(failures);
        Assert.Contains(failures, f => f.Contains("could not be written to storage", StringComparison.Ordinal) || f.Contains("reloaded from storage", StringComparison.Ordinal));
        var later = new LocalDate(2026, 12, 1).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).ToInstant();
        Assert.Empty(await LoadPlayer.VerifyAsync(cluster.Client, histories, StoreModelTests.Setup, policy, later));

        // And after every grain is deactivated, each rebuilds from what Redis kept.
        foreach (var silo in cluster.Silos.ToList())
        {
            await cluster.RestartSiloAsync(silo);
        }

        await cluster.InitializeClientAsync();
        Assert.Empty(await LoadPlayer.VerifyAsync(cluster.Client, histories, StoreModelTests.Setup, policy, later));
    }

    [RedisFact]
    public async Task SettlementRemindersKeptInRedisTickOnAfterEverySiloRestarts()
    {
        using var redis = new RedisServer();
        var zone = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        var clock = new NodaTime.Testing.FakeClock(new LocalDate(2026, 5, 2).AtStartOfDayInZone(zone).ToInstant());
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            ClusterSetup.RedisStorage(silo, redis.Endpoint);
            ClusterSetup.RedisReminders(silo, redis.Endpoint, clock, TimeSpan.FromSeconds(1));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var histories = Enumerable.Range(0, 3).Select(i => StoreHistory.Generate($"redis-remind-{i}", new StoreHistoryOptions(Members: 40, Groups: 1, MessagesPerGroupPerMonth: 0, Months: 2))).ToList();
        await LoadPlayer.SetupAsync(cluster.Client, histories, StoreModelTests.Setup, StoreFiles.GroupPolicy(StoreFiles.Root()), 4, CancellationToken.None);
        foreach (var h in histories)
        {
            await cluster.Client.GetGrain<IStoreGrain>(h.StoreId).ExecuteAsync([.. h.Commands.Where(c => c.Kind != StoreCommandKind.CloseMonth)]);
        }

        await cluster.Client.GetGrain<ISettlementScheduleGrain>("redis").ScheduleAsync([.. histories.Select(h => h.StoreId)], "2026-03", "Asia/Shanghai", TimeSpan.FromSeconds(1), 2);
        await Until(cluster, 2);

        // Every silo restarted: the reminder is in Redis, so once May has ended it settles May without being asked again.
        foreach (var silo in cluster.Silos.ToList())
        {
            await cluster.RestartSiloAsync(silo);
        }

        await cluster.InitializeClientAsync();
        clock.Reset(new LocalDate(2026, 6, 1).AtStartOfDayInZone(zone).ToInstant());
        var status = await Until(cluster, 3);
        Assert.Equal(["2026-03", "2026-04", "2026-05"], status.Settled.Select(s => s.Month));
        Assert.All(status.Settled, s => Assert.Equal((3, 0), (s.Closed, s.Failed)));
        var digest = await cluster.Client.GetGrain<IStoreGrain>(histories[0].StoreId).DigestAsync(clock.GetCurrentInstant().ToUnixTimeTicks());
        Assert.Equal("2026-03,2026-04,2026-05", digest.ClosedMonths);
    }

    private static async Task<SettlementScheduleView> Until(InProcessTestCluster cluster, int months)
    {
        var schedule = cluster.Client.GetGrain<ISettlementScheduleGrain>("redis");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        SettlementScheduleView status;
        while ((status = await schedule.StatusAsync()).Settled.Length < months && waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(250);
        }

        Assert.True(status.Settled.Length >= months, $"{status.Settled.Length} months settled after {waited.Elapsed.TotalSeconds:F0} s");
        return status;
    }
}
