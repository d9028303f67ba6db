using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Cli;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The whole payout job from files (members.csv + orders.csv [+ refunds.csv] -> payouts.csv) on 1M members:
/// the <c>community commissions</c> entry point against DuckDB reading the same CSVs and writing the same file,
/// totals only and with a 2-month holding and 1% refunds through the ledger. The set-up makes the files once
/// (<see cref="PayoutFiles"/>) and checks that both write byte-identical payout files before anything is timed.
/// Whole processes with their peak memory: benchmarks/payout-pipeline.sh.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class PayoutPipelineBenchmarks
{
    private string _cliOut = string.Empty;
    private string _duckOut = string.Empty;

    [Params(1_000_000, 10_000_000)]
    public int Orders { get; set; }

    [Params(false, true)]
    public bool Ledger { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        PayoutFiles.Ensure(Orders);
        _cliOut = Path.Combine(PayoutFiles.Folder, $"cli-{Orders}-{Ledger}.csv");
        _duckOut = Path.Combine(PayoutFiles.Folder, $"duckdb-{Orders}-{Ledger}.csv");
        Cli();
        DuckDb();
        if (!File.ReadAllBytes(_cliOut).AsSpan().SequenceEqual(File.ReadAllBytes(_duckOut)))
        {
            throw new InvalidOperationException($"The CLI and DuckDB wrote different payout files: {_cliOut}, {_duckOut}.");
        }
    }

    [Benchmark(Baseline = true)]
    public void DuckDb() => PayoutFiles.DuckDb(Orders, Ledger, _duckOut);

    [Benchmark]
    public int Cli()
    {
        var code = CliApp.Run(PayoutFiles.CliArgs(Orders, Ledger, _cliOut), TextWriter.Null, Console.Error);
        return code == 0 ? code : throw new InvalidOperationException($"The CLI exited {code}.");
    }
}

/// <summary>
/// Recording a detailed run of 10M orders (about 20M lines, 2-level plan, 1M members) in a fresh
/// <see cref="PayoutLedger"/>: lines per second, and the bytes per line the ledger keeps (printed by the set-up).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class PayoutLedgerBenchmarks
{
    private CommissionRun _run = null!;
    private PayoutLedger? _ledger;

    [GlobalSetup]
    public void Setup()
    {
        var data = BenchmarkData.Create(1_000_000, 10_000_000);
        var orders = new OrderBatchBuilder(data.Tree, Currency.CNY, data.Buyers.Length);
        for (var k = 0; k < data.Buyers.Length; k++)
        {
            orders.TryAdd(OrderId.From("o" + k.ToString(System.Globalization.CultureInfo.InvariantCulture)), data.Buyers[k], "box", data.Amounts[k], data.PaidAt[k]);
        }

        _run = new CommissionEngine(BenchmarkData.TwoLevelPlan()).Run(data.Statuses(), orders.Build());
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var ledger = Record();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var lines = ledger.Entries.Count;
        Console.WriteLine($"// ledger: {lines:N0} lines recorded, {after - before:N0} bytes retained, {(after - before) / (double)lines:F1} bytes per line");
        GC.KeepAlive(ledger);
    }

    [IterationSetup]
    public void Fresh() => _ledger = null;

    [Benchmark]
    public PayoutLedger Record()
    {
        _ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), DateTimeZoneProviders.Tzdb["Asia/Shanghai"]);
        var result = _ledger.Record(_run);
        return result.Accepted ? _ledger : throw new InvalidOperationException(result.Message);
    }
}

/// <summary>
/// A detailed run with the trace of a 5-rank differential plan with a peer bonus over a chain 1,000,000
/// levels deep and 1,000,000 orders: allocated by the run, and the memory it keeps (printed by the set-up).
/// Ranks climb 0, 1, 2, 3, 4 up the chain with every 7th member inactive, so each order's walk passes
/// over inactive and outranked uplines and stops at the top rate.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class DetailedTraceBenchmarks
{
    private MemberStatuses _statuses = null!;
    private OrderBatch _batch = null!;
    private CommissionEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        const int n = 1_000_000;
        var builder = new ReferralTreeBuilder(n);
        for (var i = 0; i < n; i++)
        {
            builder.Add(BenchmarkData.Id(i), i == 0 ? default : BenchmarkData.Id(i - 1), BenchmarkData.Start + Duration.FromSeconds(i));
        }

        var tree = builder.Build();
        var ranks = new int[n];
        var active = new bool[n];
        var depths = tree.Depths();
        for (var i = 0; i < n; i++)
        {
            var depth = depths[i];
            ranks[i] = 4 - (depth % 5);
            active[i] = depth % 7 != 3;
        }

        _statuses = MemberStatuses.FromArrays(tree, ranks, active);
        var orders = new OrderBatchBuilder(tree, Currency.CNY, n);
        for (var k = 0; k < n; k++)
        {
            orders.Add(n - 1 - (k % n), "box", 10_000 + k, BenchmarkData.Start + Duration.FromSeconds(n + k));
        }

        _batch = orders.Build();
        _engine = new CommissionEngine(BenchmarkData.DifferentialPlan());
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var run = Traced();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// traced run: {run.LineCount:N0} lines, {run.Orders.Sum(o => o.Skipped.Count):N0} skip entries, {(after - before) / 1e6:N0} MB kept; process peak {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:N0} MB");
        GC.KeepAlive(run);
    }

    [Benchmark]
    public CommissionRun Traced() => _engine.Run(_statuses, _batch, trace: true);
}
