using System.Globalization;
using BenchmarkDotNet.Attributes;
using CommunityModel.Primitives;
using CommunityModel.Scoring;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Gamma-Gamma fit on CDNOW's 946 repeat buyers (the published example: p 6.25, q 3.74, gamma 15.44), the case
/// the Python library lifetimes was faster on with our gradient-free fit.
/// </summary>
[MemoryDiagnoser]
public class GammaGammaBenchmarks
{
    private List<SpendSummary> _buyers = null!;

    /// <summary>Reads the repeat buyers from ../shared/data (or a stand-in of the same size when it is absent).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var path = ScoringBenchmarks.SharedDataPath("cdnow/cdnow_customers_summary_with_transactions.csv");
        if (path is null)
        {
            var rng = new Random(11);
            _buyers = [.. Enumerable.Range(0, 946).Select(i => new SpendSummary(MemberId.From("c" + i.ToString(CultureInfo.InvariantCulture)), 1 + rng.Next(10), 5 + (rng.NextDouble() * 60)))];
            Console.WriteLine("// ../shared/data/cdnow is absent: a stand-in of 946 buyers");
            return;
        }

        _buyers = [.. File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Select(f => new SpendSummary(MemberId.From(f[0]), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)))
            .Where(s => s.Frequency > 0)];
        var fit = GammaGamma.Fit(_buyers);
        Console.WriteLine($"// {_buyers.Count} repeat buyers: p {fit.Parameters.P:F3}, q {fit.Parameters.Q:F3}, gamma {fit.Parameters.Gamma:F3}, converged {fit.Converged}");
    }

    /// <summary>The maximum-likelihood fit.</summary>
    /// <returns>The fit.</returns>
    [Benchmark]
    public GammaGammaFit FitCdnowRepeatBuyers() => GammaGamma.Fit(_buyers);
}
