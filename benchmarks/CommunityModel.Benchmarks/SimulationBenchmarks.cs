using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Compliance;
using CommunityModel.Simulation;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The community simulator over a year: 10,000 and 100,000 customers (paid arrivals sized so the store fills
/// up within the year), every step through the library (tree, monthly membership evaluation, commission run,
/// ledger with refunds and payouts, group rules, disclosure, compliance, key customers). Goal: 100,000
/// customers over 365 days in under 10 s. The plan-law search of a plan with its default options is measured too.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SimulationBenchmarks
{
    /// <summary>Customers the store gains over the year.</summary>
    [Params(10_000, 100_000)]
    public int Customers { get; set; }

    [Benchmark(Description = "simulate 365 days")]
    public int Simulate() => CommunitySimulator.Run(new SimulationSettings { Seed = 2026, MaxCustomers = Customers, PaidArrivalsPerDay = Customers / 500.0, Days = 365 }).Orders.Count;
}

/// <summary>The plan-law search with its default options (2,000 cases): a level plan (no violation, all cases run) and a plain differential plan (stops at the first violation of each law it finds).</summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class PlanLawBenchmarks
{
    [Benchmark(Description = "plan laws, 2-level plan")]
    public int TwoLevel() => PlanLaws.Check(StoreDefaults.TwoLevelPlan()).CasesTried;

    [Benchmark(Description = "plan laws, plain differential")]
    public int Differential() => PlanLaws.Check(StoreDefaults.PlainDifferentialPlan()).CasesTried;
}
