using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Totals of 10M orders over 1M members (2-level plan): one batch of every order (<c>RunTotals</c>, the baseline)
/// against the same orders in batches of 8,192 added to a <see cref="CommissionTotalsBuilder"/> from every core, as
/// <c>community commissions</c> adds them while it reads (the batches are made in the set-up, so only the kernel is
/// timed). Both give the same totals (checked in the set-up).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class StreamedTotalsBenchmarks
{
    private BenchmarkData _data = null!;
    private MemberStatuses _statuses = null!;
    private OrderBatch _whole = null!;
    private OrderBatch[] _batches = [];
    private CommissionEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkData.Create(1_000_000, 10_000_000);
        _statuses = _data.Statuses();
        _whole = _data.Batch();
        _engine = new CommissionEngine(BenchmarkData.TwoLevelPlan());
        const int size = 8192;
        _batches = new OrderBatch[(_data.Buyers.Length + size - 1) / size];
        for (var b = 0; b < _batches.Length; b++)
        {
            var from = b * size;
            var n = Math.Min(size, _data.Buyers.Length - from);
            _batches[b] = OrderBatch.FromColumns(_data.Tree, Currency.CNY, ProductId.From("box"), _data.Buyers.AsSpan(from, n), _data.Amounts.AsSpan(from, n), _data.PaidAt.AsSpan(from, n));
        }

        if (!Whole().ToArray().AsSpan().SequenceEqual(Streamed().ToArray()))
        {
            throw new InvalidOperationException("Streamed totals differ from the whole batch's.");
        }
    }

    [Benchmark(Baseline = true)]
    public CommissionTotals Whole() => _engine.RunTotals(_statuses, _whole);

    [Benchmark]
    public CommissionTotals Streamed()
    {
        var builder = _engine.CreateTotalsBuilder(_statuses);
        Parallel.ForEach(_batches, builder.Add);
        return builder.Build();
    }
}
