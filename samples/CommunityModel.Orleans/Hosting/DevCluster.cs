using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CommunityModel.Orleans.Hosting;

/// <summary>One silo in this process with shared memory storage: the cluster of the <c>dev</c> command, no Redis needed.</summary>
public static class DevCluster
{
    /// <summary>Starts the silo, runs <paramref name="work"/> against it, stops it.</summary>
    public static async Task<int> RunAsync(Func<IHost, Task<int>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var store = new SharedMemoryStore();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            ClusterSetup.SharedMemoryStorage(silo, store);
            ClusterSetup.MemoryReminders(silo, NodaTime.SystemClock.Instance);
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            return await work(host);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
