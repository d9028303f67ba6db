using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Primitives;
using CommunityModel.Scoring;
using CommunityModel.Simulation;
using MathNet.Numerics.Distributions;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The scoring core: BG/NBD fit on CDNOW (2,357 customers, from ../shared/data) and on 1,000,000 simulated
/// customers; probability alive plus expected purchases for 1,000,000; RFM and key-customer scoring (with the
/// top 30) for 1,000,000 customers of a synthetic store.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ScoringBenchmarks
{
    private static readonly BgNbdParameters Published = new(0.243, 4.414, 0.793, 2.426);
    private List<RepeatSummary> _cdnow = null!;
    private RepeatSummary[] _million = null!;
    private IReadOnlyList<CustomerFacts> _facts = null!;
    private KeyCustomerScorer _scorer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _cdnow = LoadCdnow();
        _million = Simulate(1_000_000, seed: 42);
        var store = SyntheticStore.Generate(new SyntheticStoreOptions { Seed = 1, Customers = 1_000_000, PlantedKeyCustomers = 1_000 });
        _facts = CustomerFacts.Build(store.Purchases, store.Interactions, store.EndDate, Currency.CNY, store.BuildTree(), store.Zone);
        _scorer = new KeyCustomerScorer();
        Console.WriteLine($"// CDNOW customers {_cdnow.Count}; simulated {_million.Length} with {_million.Select(s => (s.Frequency, s.Recency, s.Age)).Distinct().Count()} distinct summaries; store facts {_facts.Count}");
    }

    /// <summary>BG/NBD maximum-likelihood fit on the CDNOW summary.</summary>
    [Benchmark]
    public BgNbdFit FitCdnow() => BgNbd.Fit(_cdnow);

    /// <summary>BG/NBD fit on 1,000,000 simulated customers.</summary>
    [Benchmark]
    public BgNbdFit FitMillion() => BgNbd.Fit(_million);

    /// <summary>Probability alive and conditional expected purchases (39 weeks) for 1,000,000 customers.</summary>
    [Benchmark]
    public double AliveAndExpectedMillion()
    {
        var sum = 0.0;
        foreach (var s in _million)
        {
            sum += BgNbd.ProbabilityAlive(Published, s.Frequency, s.Recency, s.Age);
            sum += BgNbd.ConditionalExpectedPurchases(Published, 39, s.Frequency, s.Recency, s.Age);
        }

        return sum;
    }

    /// <summary>RFM quintiles alone for 1,000,000 customers.</summary>
    [Benchmark]
    public RfmCell[] RfmMillion() => Rfm.Score(_facts);

    /// <summary>Key-customer scoring (RFM included) for 1,000,000 customers and the top 30 with reasons.</summary>
    [Benchmark]
    public int KeyCustomersMillion() => _scorer.Score(_facts).Top(30).Count;

    private static List<RepeatSummary> LoadCdnow()
    {
        var path = SharedDataPath("cdnow/cdnow_customers_summary.csv");
        if (path is null)
        {
            Console.WriteLine("// ../shared/data/cdnow is absent: the CDNOW fit runs on a simulated stand-in of the same size");
            return [.. Simulate(2_357, seed: 7)];
        }

        return File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Select(f => new RepeatSummary(MemberId.From(f[0]), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();
    }

    internal static string? SharedDataPath(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CommunityModel.sln")))
            {
                var path = Path.Combine(dir.FullName, "..", "shared", "data", relative);
                return File.Exists(path) ? path : null;
            }
        }

        return null;
    }

    /// <summary>
    /// Customers drawn from the BG/NBD process with the CDNOW parameters: rates from Gamma(r, alpha), dropout
    /// from Beta(a, b), first purchases spread over 12 weeks, a 39-week calibration period, times in weeks
    /// rounded to days as CDNOW's are.
    /// </summary>
    internal static RepeatSummary[] Simulate(int n, int seed)
    {
        var rng = new Random(seed);
        var result = new RepeatSummary[n];
        for (var i = 0; i < n; i++)
        {
            var lambda = Gamma.Sample(rng, Published.R, Published.Alpha);
            var p = Beta.Sample(rng, Published.A, Published.B);
            var age = ((39 * 7) - rng.Next(0, 84)) / 7.0;
            var t = 0.0;
            var x = 0;
            var last = 0.0;
            while (true)
            {
                t += Exponential.Sample(rng, lambda);
                if (t > age)
                {
                    break;
                }

                x++;
                last = Math.Round(t * 7) / 7.0;
                if (rng.NextDouble() < p)
                {
                    break;
                }
            }

            result[i] = new RepeatSummary(MemberId.From(i.ToString(CultureInfo.InvariantCulture)), x, x == 0 ? 0 : Math.Min(last, age), age);
        }

        return result;
    }
}
