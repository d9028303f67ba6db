using System.Diagnostics;
using System.Globalization;
using CommunityModel.Orleans;
using CommunityModel.Orleans.Hosting;
using CommunityModel.Orleans.Load;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodaTime;

// community-orleans: a silo of the store cluster, or a load generator against it, or the same load in one process.
//   silo     --redis 127.0.0.1:6390 --port 11111 --gateway 30000 [--name silo-1]
//   load     --redis 127.0.0.1:6390 [--stores 1000 --members 1000 --groups 20 --months 3 --batch 100 --concurrency 64 --verify 50]
//   local    [same options as load]: the same streams applied to the models in this process, no Orleans
//   dev      [same options as load]: one silo with memory storage in this process, and the load against it
//   footprint [--stores 100 --members 1000 --groups 20 --months 1]: memory per store and group model, snapshot size,
//            activation by folding the journal against activation from a snapshot (the figures of docs/scale.md)
var args2 = Args.Parse(args);
try
{
    return args2.Command switch
    {
        "silo" => await RunSilo(args2),
        "load" => await RunLoad(args2, null),
        "dev" => await RunDev(args2),
        "local" => RunLocal(args2),
        "footprint" => RunFootprint(args2),
        _ => Usage(),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"community-orleans: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: community-orleans silo|load|local|dev|footprint [--redis host:port] [--port n --gateway n --name s] [--stores n --members n --groups n --months n --batch n --concurrency n --verify n]");
    return 2;
}

static async Task<int> RunSilo(Args a)
{
    var redis = a.Text("--redis", "127.0.0.1:6390");
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.UseOrleans(silo => ClusterSetup.RedisSilo(silo, redis, a.Int("--port", 11111), a.Int("--gateway", 30000), a.Text("--name", $"silo-{Environment.ProcessId}")));
    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine($"silo {a.Text("--name", $"silo-{Environment.ProcessId}")} up (pid {Environment.ProcessId}), Redis {redis}");
    await host.WaitForShutdownAsync();
    return 0;
}

static Task<int> RunDev(Args a) => DevCluster.RunAsync(host => RunLoad(a, host));

static async Task<int> RunLoad(Args a, IHost? inProcess)
{
    var root = StoreFiles.Root();
    var (setup, policy) = (StoreFiles.Setup(root), StoreFiles.GroupPolicy(root));
    var streams = Streams(a);
    var total = streams.Sum(s => (long)s.Count);
    Console.WriteLine($"{streams.Count} stores x ({a.Int("--members", 1000)} members, {a.Int("--groups", 20)} groups) over {a.Int("--months", 3)} months: {total:N0} commands and events");
    IHost? client = null;
    if (inProcess is null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(c => ClusterSetup.RedisClient(c, a.Text("--redis", "127.0.0.1:6390")));
        client = builder.Build();
        await client.StartAsync();
    }

    try
    {
        var grains = (inProcess ?? client!).Services.GetRequiredService<IGrainFactory>();
        var clock = Stopwatch.StartNew();
        await LoadPlayer.SetupAsync(grains, streams, setup, policy, a.Int("--concurrency", 64), CancellationToken.None);
        Console.WriteLine($"set up {streams.Count} stores and {streams.Sum(s => s.Groups.Count)} groups in {clock.Elapsed.TotalSeconds:F1} s");
        var report = await LoadPlayer.PlayAsync(grains, streams, a.Int("--batch", 100), a.Int("--concurrency", 64), a.Flag("--quiet") ? null : m => Console.Error.WriteLine(m), CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"played {report.Commands:N0} commands in {report.Elapsed.TotalSeconds:F1} s: {report.PerSecond:N0} commands/s; {report.Retries} calls retried; longest call (retries included) {report.LongestCall.TotalSeconds:F2} s; {report.Outcomes}"));
        var verify = Math.Min(a.Int("--verify", 50), streams.Count);
        var asOf = a.Months.Start.PlusMonths(a.Int("--months", 3) + 3).OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).ToInstant();
        var differences = await LoadPlayer.VerifyAsync(grains, streams.Take(verify), setup, policy, asOf);
        Console.WriteLine(differences.Count == 0
            ? $"verified: {verify} stores and their groups equal the same commands replayed in one process (tiers, balances, ledger, decisions)"
            : $"DIFFERENT from one process: {string.Join("\n  ", differences)}");
        return differences.Count == 0 ? 0 : 1;
    }
    finally
    {
        if (client is not null)
        {
            await client.StopAsync();
            client.Dispose();
        }
    }
}

static int RunLocal(Args a)
{
    var root = StoreFiles.Root();
    var streams = Streams(a);
    Console.WriteLine($"{streams.Count} stores; the first: {string.Join(", ", streams[0].Commands.GroupBy(c => c.Kind).Select(g => $"{g.Count()} {g.Key}"))}, {streams[0].Groups.Sum(g => g.Events.Count)} group events");
    var report = LoadPlayer.PlayInProcess(streams, StoreFiles.Setup(root), StoreFiles.GroupPolicy(root));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"one process, no Orleans: {report.Commands:N0} commands in {report.Elapsed.TotalSeconds:F1} s: {report.PerSecond:N0} commands/s on {Environment.ProcessorCount} cores; {report.Outcomes}"));
    return 0;
}

static int RunFootprint(Args a)
{
    var root = StoreFiles.Root();
    var setup = StoreFiles.Setup(root);
    var policy = StoreFiles.GroupPolicy(root);
    var streams = Streams(a);
    var commands = streams.Sum(s => s.Commands.Count);
    var events = streams.Sum(s => s.Groups.Sum(g => g.Events.Count));
    var groups = streams.Sum(s => s.Groups.Count);

    // Live managed memory with the streams alone, then with every store's and group's model built from them.
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var stores = new CommunityModel.Orleans.Model.StoreModel[streams.Count];
    var groupModels = new List<CommunityModel.Orleans.Model.GroupModel>();
    var fold = Stopwatch.StartNew();
    for (var i = 0; i < streams.Count; i++)
    {
        stores[i] = CommunityModel.Orleans.Model.StoreModel.TryCreate(setup, out _)!;
        foreach (var c in streams[i].Commands)
        {
            stores[i].Apply(c);
        }
    }

    var storeFold = fold.Elapsed;
    var withStores = GC.GetTotalMemory(forceFullCollection: true);
    foreach (var s in streams)
    {
        foreach (var (_, list) in s.Groups)
        {
            var g = CommunityModel.Orleans.Model.GroupModel.TryCreate(policy, out _)!;
            foreach (var e in list)
            {
                g.Apply(e, out _);
            }

            groupModels.Add(g);
        }
    }

    var withGroups = GC.GetTotalMemory(forceFullCollection: true);
    var clock = Stopwatch.StartNew();
    var snapshots = stores.Select(s => s.Snapshot()).ToArray();
    var write = clock.Elapsed;
    clock.Restart();
    foreach (var bytes in snapshots)
    {
        CommunityModel.Orleans.Model.StoreModel.Restore(setup, bytes);
    }

    var restore = clock.Elapsed;
    GC.KeepAlive(stores);
    GC.KeepAlive(groupModels);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{streams.Count} stores x ({a.Int("--members", 1000)} members, {groups / streams.Count} groups, {a.Int("--months", 1)} month(s)): {commands:N0} store commands, {events:N0} group events"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  live memory per store model {(withStores - before) / streams.Count / 1024.0:N0} KiB, per group model {(withGroups - withStores) / Math.Max(1, groups) / 1024.0:N1} KiB"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  activation of a store: folding its journal {storeFold.TotalMilliseconds / streams.Count:F1} ms ({commands / streams.Count:N0} commands); from its snapshot {restore.TotalMilliseconds / streams.Count:F1} ms ({snapshots.Average(b => b.Length) / 1024.0:N0} KiB; taking it {write.TotalMilliseconds / streams.Count:F1} ms)"));
    return 0;
}

static List<StoreHistory> Streams(Args a)
{
    var options = new StoreHistoryOptions(a.Int("--members", 1000), a.Int("--groups", 20), Months: a.Int("--months", 3), FirstMonth: a.Months.Start);
    var stores = a.Int("--stores", 1000);
    var streams = new StoreHistory[stores];
    Parallel.For(0, stores, i => streams[i] = StoreHistory.Generate(StoreHistory.StoreIdOf(i), options));
    return [.. streams];
}
