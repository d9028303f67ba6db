using BenchmarkDotNet.Running;

#if DEBUG
Console.Error.WriteLine("Benchmarks must run in Release: dotnet run -c Release --project benchmarks/CommunityModel.Benchmarks -- --filter '*'");
return 3;
#else
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
