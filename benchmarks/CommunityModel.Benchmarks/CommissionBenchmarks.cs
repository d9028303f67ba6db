using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Commissions;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The commission engine against DuckDB on 1,000,000 members, at 100k, 1M and 10M orders. Each method computes
/// every member's total for the batch. Throughput strategy (many invocations per iteration), so the short
/// runs are timed as well as the long ones.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class CommissionBenchmarks : IDisposable
{
    private BenchmarkData _data = null!;
    private MemberStatuses _statuses = null!;
    private OrderBatch _batch = null!;
    private CommissionEngine _twoLevel = null!;
    private CommissionEngine _differential = null!;
    private DuckDbBaseline _duck = null!;

    [Params(100_000, 1_000_000, 10_000_000)]
    public int Orders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(1_000_000, Orders);
        _statuses = _data.Statuses();
        _batch = _data.Batch();
        _twoLevel = new CommissionEngine(BenchmarkData.TwoLevelPlan());
        _differential = new CommissionEngine(BenchmarkData.DifferentialPlan());
        _duck = new DuckDbBaseline(_data);

        // The implementations must agree before anything is timed.
        var engine = _twoLevel.RunTotals(_statuses, _batch).ToArray();
        var duck = _duck.Compute(_data.Tree.Count);
        for (var i = 0; i < engine.Length; i++)
        {
            if (engine[i] != duck[i])
            {
                throw new InvalidOperationException($"Implementations disagree for {_data.Tree.MemberAt(i)}: engine {engine[i]}, DuckDB {duck[i]}.");
            }
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _duck?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "DuckDB SQL joins, 2-level")]
    public long DuckDbTwoLevel() => _duck.Compute(_data.Tree.Count)[0];

    [Benchmark(Description = "engine totals, 2-level")]
    public long EngineTotalsTwoLevel() => _twoLevel.RunTotals(_statuses, _batch).TotalPaid.MinorUnits;

    [Benchmark(Description = "engine totals, differential + peer + compression")]
    public long EngineTotalsDifferential() => _differential.RunTotals(_statuses, _batch).TotalPaid.MinorUnits;
}

/// <summary>
/// The commission engine against the object-graph baseline (objects with a Sponsor reference, LINQ) on the
/// same data. The baseline takes seconds to tens of seconds a run, so it is timed a few single runs at a time.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class CommissionObjectGraphBenchmarks
{
    private BenchmarkData _data = null!;
    private MemberStatuses _statuses = null!;
    private OrderBatch _batch = null!;
    private CommissionEngine _twoLevel = null!;
    private ObjectGraphBaseline.Purchase[] _objectOrders = null!;

    [Params(100_000, 1_000_000, 10_000_000)]
    public int Orders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(1_000_000, Orders);
        _statuses = _data.Statuses();
        _batch = _data.Batch();
        _twoLevel = new CommissionEngine(BenchmarkData.TwoLevelPlan());
        _objectOrders = ObjectGraphBaseline.Build(_data).Orders;

        var engine = _twoLevel.RunTotals(_statuses, _batch).ToArray();
        var graph = ObjectGraphBaseline.Compute(_objectOrders);
        for (var i = 0; i < engine.Length; i++)
        {
            var id = _data.Tree.MemberAt(i).Value;
            if (engine[i] != graph.GetValueOrDefault(id))
            {
                throw new InvalidOperationException($"Implementations disagree for {id}: engine {engine[i]}, object graph {graph.GetValueOrDefault(id)}.");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "object graph + LINQ, 2-level")]
    public int ObjectGraphTwoLevel() => ObjectGraphBaseline.Compute(_objectOrders).Count;

    [Benchmark(Description = "engine totals, 2-level")]
    public long EngineTotalsTwoLevel() => _twoLevel.RunTotals(_statuses, _batch).TotalPaid.MinorUnits;
}

/// <summary>The detailed mode (every line with its trace) against the totals mode, at 1M orders.</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class CommissionDetailBenchmarks
{
    private MemberStatuses _statuses = null!;
    private OrderBatch _batch = null!;
    private CommissionEngine _twoLevel = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = BenchmarkData.Create(1_000_000, 1_000_000);
        _statuses = data.Statuses();
        _batch = data.Batch();
        _twoLevel = new CommissionEngine(BenchmarkData.TwoLevelPlan());
    }

    [Benchmark(Baseline = true, Description = "engine totals, 2-level, 1M orders")]
    public long Totals() => _twoLevel.RunTotals(_statuses, _batch).TotalPaid.MinorUnits;

    [Benchmark(Description = "engine detailed, 2-level, 1M orders")]
    public int Detailed() => _twoLevel.Run(_statuses, _batch).Orders.Count;
}
