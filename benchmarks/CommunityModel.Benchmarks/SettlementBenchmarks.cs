using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// A month's close into a fresh payout ledger, two ways: line by line (the engine's detailed run, every line recorded:
/// the baseline) and settled by totals (<see cref="CommissionEngine.RunTotals(MemberStatuses, OrderBatch, CommissionRunOptions)"/>
/// on one thread, as a grain runs it, and <see cref="PayoutLedger.RecordSettlement"/>: one entry per earner). A store
/// of the Orleans host's size (1,000 members, 1,500 orders) and a large network (1M members, 10M orders), 2-level plan.
/// The set-up prints the bytes each ledger keeps.
/// </summary>
public abstract class SettlementBenchmarks
{
    private static readonly CommissionRunOptions OneThread = new() { MaxDegreeOfParallelism = 1 };
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private MemberStatuses _statuses = null!;
    private OrderBatch _batch = null!;
    private CommissionEngine _engine = null!;
    private Instant _end;

    /// <summary>The size measured.</summary>
    protected abstract string Size { get; }

    [GlobalSetup]
    public void Setup()
    {
        var (members, count) = Size.StartsWith("1K", StringComparison.Ordinal) ? (1_000, 1_500) : (1_000_000, 10_000_000);
        var data = BenchmarkData.Create(members, count);
        var orders = new OrderBatchBuilder(data.Tree, Currency.CNY, count);
        for (var k = 0; k < count; k++)
        {
            orders.TryAdd(OrderId.From("o" + k.ToString(System.Globalization.CultureInfo.InvariantCulture)), data.Buyers[k], "box", data.Amounts[k], data.PaidAt[k]);
        }

        _batch = orders.Build();
        _statuses = data.Statuses();
        _engine = new CommissionEngine(BenchmarkData.TwoLevelPlan());
        _end = data.PaidAt.Max() + Duration.FromSeconds(1);
        foreach (var (name, close) in new (string, Func<PayoutLedger>)[] { ("lines", Lines), ("settled", Settled) })
        {
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var ledger = close();
            var after = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine($"// {Size}, {name}: {ledger.Entries.Count:N0} entries, {after - before:N0} bytes kept by the ledger");
            GC.KeepAlive(ledger);
        }
    }

    [Benchmark(Baseline = true)]
    public PayoutLedger Lines()
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        var result = ledger.Record(_engine.Run(_statuses, _batch));
        return result.Accepted ? ledger : throw new InvalidOperationException(result.Message);
    }

    [Benchmark]
    public PayoutLedger Settled()
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), Shanghai);
        var result = ledger.RecordSettlement("month", _engine.RunTotals(_statuses, _batch, OneThread), _batch, _end);
        return result.Accepted ? ledger : throw new InvalidOperationException(result.Message);
    }
}

/// <summary>A store of the Orleans host's size: 1,000 members, 1,500 orders (BenchmarkDotNet's default job: many invocations).</summary>
[MemoryDiagnoser]
public class StoreSettlementBenchmarks : SettlementBenchmarks
{
    protected override string Size => "1K members, 1.5K orders";
}

/// <summary>A large network: 1M members, 10M orders (a few monitored iterations).</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class NetworkSettlementBenchmarks : SettlementBenchmarks
{
    protected override string Size => "1M members, 10M orders";
}
