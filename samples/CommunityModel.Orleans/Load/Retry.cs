namespace CommunityModel.Orleans.Load;

/// <summary>
/// Retries a call that failed for a reason that passes (a silo lost, a storage that did not answer): safe for the
/// store's and groups' commands because each carries its id and a retried one is a duplicate.
/// </summary>
public static class Retry
{
    /// <summary>Calls <paramref name="call"/> until it succeeds, at most <paramref name="attempts"/> times, waiting longer each time.</summary>
    /// <param name="call">The call.</param>
    /// <param name="attempts">Attempts in all.</param>
    /// <param name="onRetry">Told of each failure that is retried.</param>
    /// <param name="cancellation">Stops the waiting.</param>
    public static async Task<T> UntilDone<T>(Func<Task<T>> call, int attempts, Action<Exception>? onRetry, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(call);
        var wait = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < attempts && e is not OperationCanceledException and not ArgumentException)
            {
                onRetry?.Invoke(e);
                await Task.Delay(wait, cancellation);
                wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds * 2, 2000));
            }
        }
    }
}
