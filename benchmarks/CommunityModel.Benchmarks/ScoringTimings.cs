using System.Diagnostics;
using System.Globalization;
using CommunityModel.Primitives;
using CommunityModel.Scoring;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The scoring tasks timed side by side with lifetimes (benchmarks/scoring-vs-lifetimes.sh): the same input files
/// read by both, each task warmed up once, then the median of several runs printed as "task seconds".
/// </summary>
internal static class ScoringTimings
{
    /// <summary>Writes the 1M simulated summary (CDNOW parameters, seed 42) into the folder once.</summary>
    public static string EnsureMillion(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "million-summary.csv");
        if (!File.Exists(path))
        {
            using var w = new StreamWriter(path + ".tmp");
            w.Write("ID,frequency,recency,T\n");
            foreach (var s in ScoringBenchmarks.Simulate(1_000_000, seed: 42))
            {
                w.Write(string.Create(CultureInfo.InvariantCulture, $"{s.CustomerId.Value},{s.Frequency},{s.Recency:R},{s.Age:R}\n"));
            }

            w.Close();
            File.Move(path + ".tmp", path);
        }

        return path;
    }

    public static int Run(string folder, int runs)
    {
        var cdnowPath = ScoringBenchmarks.SharedDataPath("cdnow/cdnow_customers_summary.csv");
        var spendPath = ScoringBenchmarks.SharedDataPath("cdnow/cdnow_customers_summary_with_transactions.csv");
        if (cdnowPath is null || spendPath is null)
        {
            Console.Error.WriteLine("needs ../shared/data/cdnow");
            return 2;
        }

        var cdnow = Read(cdnowPath, "frequency", "recency", "T");
        var million = Read(EnsureMillion(folder), "frequency", "recency", "T");
        var spenders = File.ReadLines(spendPath).Skip(1).Select(l => l.Split(','))
            .Where(f => int.Parse(f[1], CultureInfo.InvariantCulture) > 0)
            .Select(f => new SpendSummary(MemberId.From(f[0]), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToList();
        var published = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);

        Time("bgnbd-fit-cdnow", runs, () => BgNbd.Fit(cdnow).Parameters.R);
        Time("bgnbd-fit-1m", runs, () => BgNbd.Fit(million).Parameters.R);
        Time("gammagamma-fit-cdnow", runs, () => GammaGamma.Fit(spenders).Parameters.P);
        Time("pareto-fit-cdnow", runs, () => ParetoNbd.Fit(cdnow).Parameters.R);
        Time("conditional-expected-1m", runs, () => BgNbd.ConditionalExpectedPurchases(published, 39, million).Sum());
        Time("p-alive-1m", runs, () => BgNbd.ProbabilityAlive(published, million).Sum());
        return 0;
    }

    private static void Time(string task, int runs, Func<double> work)
    {
        var check = work();
        var seconds = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            check = work();
            seconds.Add(sw.Elapsed.TotalSeconds);
        }

        seconds.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{task} {seconds[seconds.Count / 2]:0.000000} {check:G10}"));
    }

    private static List<RepeatSummary> Read(string path, string x, string tx, string t) =>
        File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .Select(f => new RepeatSummary(MemberId.From(f[0]), int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture), double.Parse(f[3], CultureInfo.InvariantCulture)))
            .ToList();
}
