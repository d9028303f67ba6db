using global::Orleans.Storage;
using System.Net;
using Microsoft.Extensions.Hosting;
using CommunityModel.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using global::Orleans.Configuration;
using StackExchange.Redis;

namespace CommunityModel.Orleans.Hosting;

/// <summary>How the store cluster's silos and clients are configured.</summary>
public static class ClusterSetup
{
    /// <summary>The cluster's id.</summary>
    public const string ClusterId = "communitymodel";

    /// <summary>The service's id (the key of its grains' storage).</summary>
    public const string ServiceId = "communitymodel-stores";

    /// <summary>
    /// A silo of the local cluster: Redis for membership and for the journals, this machine's loopback for its
    /// endpoints, and failure detection tuned to notice a killed silo in seconds.
    /// </summary>
    public static void RedisSilo(ISiloBuilder silo, string redis, int port, int gateway, string name)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseRedisClustering(o => o.ConfigurationOptions = Redis(redis));
        RedisStorage(silo, redis);
        RedisReminders(silo, redis, NodaTime.SystemClock.Instance, TimeSpan.FromMinutes(1));
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
        silo.Configure<SiloOptions>(o => o.SiloName = name);
        silo.ConfigureEndpoints(IPAddress.Loopback, port, gateway);
        FastFailureDetection(silo);
    }

    /// <summary>The journals in Redis at <paramref name="redis"/> (<c>host:port</c>), reconnecting after Redis comes back.</summary>
    public static void RedisStorage(ISiloBuilder silo, string redis)
    {
        ArgumentNullException.ThrowIfNull(silo);
        // Orleans' own binary format for the journals (the default JSON cannot read NodaTime values back).
        silo.AddRedisGrainStorage(JournalStorage.Name, b => b.Configure<IServiceProvider>((o, services) =>
        {
            o.ConfigurationOptions = Redis(redis);
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<global::Orleans.Serialization.Serializer>());
        }));
    }

    /// <summary>A client of the local cluster: Redis for membership (it finds the gateways there).</summary>
    public static void RedisClient(IClientBuilder client, string redis)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.UseRedisClustering(o => o.ConfigurationOptions = Redis(redis));
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
        QuickResponses(client);
    }

    /// <summary>The time a call waits for its answer before failing (and being retried): 10 s, not Orleans' 30 s.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A client whose calls to a lost silo fail after <see cref="ResponseTimeout"/>, to be retried elsewhere.</summary>
    public static void QuickResponses(IClientBuilder client)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }

    /// <summary>A silo that keeps journals in <paramref name="store"/> (shared by every silo of this process).</summary>
    public static void SharedMemoryStorage(ISiloBuilder silo, SharedMemoryStore store)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddKeyedSingleton<IGrainStorage>(JournalStorage.Name, (sp, _) => new SharedMemoryGrainStorage(store, sp.GetRequiredService<global::Orleans.Serialization.DeepCopier>()));
    }

    /// <summary>
    /// Reminders kept in Redis (they outlive every silo: the settlement schedules tick on after a restart), ticking as
    /// often as <paramref name="minimumPeriod"/>, and the clock that settlement schedules read.
    /// </summary>
    public static void RedisReminders(ISiloBuilder silo, string redis, NodaTime.IClock clock, TimeSpan minimumPeriod)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseRedisReminderService(o => o.ConfigurationOptions = Redis(redis));
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = minimumPeriod);
        silo.Services.AddSingleton(clock);
    }

    /// <summary>
    /// Reminders kept in the silos' memory (one silo, or tests), ticking as often as every second, and the clock that
    /// settlement schedules read.
    /// </summary>
    public static void MemoryReminders(ISiloBuilder silo, NodaTime.IClock clock)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseInMemoryReminderService();
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        silo.Services.AddSingleton(clock);
    }

    /// <summary>Probes every second and declares a silo dead after two missed probes (the defaults take tens of seconds).</summary>
    public static void FastFailureDetection(ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        });
    }

    private static ConfigurationOptions Redis(string endpoint)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 2000;
        options.AsyncTimeout = 2000;
        return options;
    }
}
