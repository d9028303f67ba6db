namespace CommunityModel.Commissions;

/// <summary>
/// How a totals run (<see cref="CommissionEngine.RunTotals(MemberStatuses, OrderBatch, CommissionRunOptions)"/>)
/// may use the machine. The totals never depend on these options: every sum is of integers, each order is counted
/// exactly once, and the work is split the same way whatever the scheduling. An immutable record, safe to share
/// between threads.
/// </summary>
public sealed record CommissionRunOptions
{
    private readonly int _maxDegreeOfParallelism = -1;

    /// <summary>The defaults: one thread per processor for a large batch.</summary>
    public static CommissionRunOptions Default { get; } = new();

    /// <summary>
    /// How many threads a large batch may use: -1 (the default) for one per processor, 1 to stay on the calling
    /// thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to 0 or below -1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            if (value is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism is -1 (one thread per processor) or at least 1.");
            }

            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>For tests and benchmarks: compute totals order by order, never by buyer.</summary>
    internal bool ForceOrderByOrder { get; init; }

    /// <summary>
    /// For tests: the orders per chunk of a by-buyer run, and the members or orders per slice a thread claims,
    /// so that small batches are split between threads too.
    /// </summary>
    internal int? ByBuyerChunkOrders { get; init; }
}
