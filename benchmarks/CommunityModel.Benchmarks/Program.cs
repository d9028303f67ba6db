using BenchmarkDotNet.Running;

#if DEBUG
Console.Error.WriteLine("Benchmarks must run in Release: dotnet run -c Release --project benchmarks/CommunityModel.Benchmarks -- --filter '*'");
return 3;
#else
// Whole jobs as processes, for peak memory under /usr/bin/time -v (see benchmarks/README.md):
//   payout-files N...                       makes the CSVs of the payout pipeline benchmark
//   duckdb-payouts N totals|ledger OUT.csv  DuckDB's whole job from those CSVs
//   cli-payouts N totals|ledger OUT.csv     the community CLI's whole job, in this process
//   scoring-timings DIR [RUNS]              the scoring tasks timed against lifetimes (scoring-vs-lifetimes.sh)
if (args is ["payout-files", .. var counts])
{
    CommunityModel.Benchmarks.PayoutFiles.Ensure([.. counts.Select(int.Parse)]);
    return 0;
}

if (args is ["duckdb-payouts", var n, var mode, var output])
{
    CommunityModel.Benchmarks.PayoutFiles.DuckDb(int.Parse(n), mode == "ledger", output);
    return 0;
}

if (args is ["cli-payouts", var cn, var cmode, var coutput])
{
    return CommunityModel.Cli.CliApp.Run(CommunityModel.Benchmarks.PayoutFiles.CliArgs(int.Parse(cn), cmode == "ledger", coutput), Console.Out, Console.Error);
}

if (args is ["scoring-timings", var folder, .. var more])
{
    return CommunityModel.Benchmarks.ScoringTimings.Run(folder, more is [var r] ? int.Parse(r) : 5);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(CommunityModel.Benchmarks.MoneyBenchmarks).Assembly).Run(args).ToList();
if (args.Any(a => a is "--list" or "--help" or "-h" or "--info" or "--version"))
{
    return 0;
}

// BenchmarkDotNet exits 0 after a failed build or when the filter matched nothing: say so and fail.
if (summaries.Count == 0 || summaries.Any(s => s.Reports.Length == 0 || s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)))
{
    Console.Error.WriteLine("Nothing was measured (no benchmark matched, a build failed, or a benchmark did not succeed).");
    return 2;
}

return 0;
#endif
