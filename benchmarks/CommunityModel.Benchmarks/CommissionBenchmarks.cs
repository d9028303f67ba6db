using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Commissions;

namespace CommunityModel.Benchmarks;

/// <summary>
/// What both commission comparisons share: the generated community at the given order count, the 2-level
/// engine, and a check that another implementation agrees with it on every member before anything is timed.
/// </summary>
public abstract class CommissionComparison
{
    [Params(100_000, 1_000_000, 10_000_000)]
    public int Orders { get; set; }

    protected BenchmarkData Data { get; private set; } = null!;

    protected MemberStatuses Statuses { get; private set; } = null!;

    protected OrderBatch Batch { get; private set; } = null!;

    protected CommissionEngine TwoLevel { get; private set; } = null!;

    protected void CreateData()
    {
        Data = BenchmarkData.Create(1_000_000, Orders);
        Statuses = Data.Statuses();
        Batch = Data.Batch();
        TwoLevel = new CommissionEngine(BenchmarkData.TwoLevelPlan());
    }

    protected void CheckAgrees(string name, Func<int, long> totalOf)
    {
        var engine = TwoLevel.RunTotals(Statuses, Batch).ToArray();
        for (var i = 0; i < engine.Length; i++)
        {
            if (engine[i] != totalOf(i))
            {
                throw new InvalidOperationException($"Implementations disagree for {Data.Tree.MemberAt(i)}: engine {engine[i]}, {name} {totalOf(i)}.");
            }
        }
    }
}

/// <summary>
/// The commission engine against DuckDB on 1,000,000 members, at 100k, 1M and 10M orders. Each method computes
/// every member's total for the batch. Throughput strategy (many invocations per iteration), so the short
/// runs are timed as well as the long ones.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class CommissionBenchmarks : CommissionComparison, IDisposable
{
    private CommissionEngine _differential = null!;
    private DuckDbBaseline _duck = null!;

    [GlobalSetup]
    public void Setup()
    {
        CreateData();
        _differential = new CommissionEngine(BenchmarkData.DifferentialPlan());
        _duck = new DuckDbBaseline(Data);
        var duck = _duck.Compute(Data.Tree.Count);
        CheckAgrees("DuckDB", i => duck[i]);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _duck?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "DuckDB SQL joins, 2-level")]
    public long DuckDbTwoLevel() => _duck.Compute(Data.Tree.Count)[0];

    [Benchmark(Description = "engine totals, 2-level")]
    public long EngineTotalsTwoLevel() => TwoLevel.RunTotals(Statuses, Batch).TotalPaid.MinorUnits;

    [Benchmark(Description = "engine totals, differential + peer + compression")]
    public long EngineTotalsDifferential() => _differential.RunTotals(Statuses, Batch).TotalPaid.MinorUnits;
}

/// <summary>
/// The commission engine against the object-graph baseline (objects with a Sponsor reference, LINQ) on the
/// same data. The baseline takes seconds to tens of seconds a run, so it is timed a few single runs at a time.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class CommissionObjectGraphBenchmarks : CommissionComparison
{
    private ObjectGraphBaseline.Purchase[] _objectOrders = null!;

    [GlobalSetup]
    public void Setup()
    {
        CreateData();
        _objectOrders = ObjectGraphBaseline.Build(Data).Orders;
        var graph = ObjectGraphBaseline.Compute(_objectOrders);
        CheckAgrees("object graph", i => graph.GetValueOrDefault(Data.Tree.MemberAt(i).Value));
    }

    [Benchmark(Baseline = true, Description = "object graph + LINQ, 2-level")]
    public int ObjectGraphTwoLevel() => ObjectGraphBaseline.Compute(_objectOrders).Count;

    [Benchmark(Description = "engine totals, 2-level")]
    public long EngineTotalsTwoLevel() => TwoLevel.RunTotals(Statuses, Batch).TotalPaid.MinorUnits;
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
