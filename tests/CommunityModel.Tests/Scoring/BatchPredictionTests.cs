using CommunityModel.Primitives;
using CommunityModel.Scoring;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Scoring;

public class BatchPredictionTests
{
    private static readonly BgNbdParameters Bg = new(0.243, 4.414, 0.793, 2.426);
    private static readonly ParetoNbdParameters Pareto = new(0.55, 10.58, 0.61, 11.67);

    /// <summary>Many customers sharing few (x, T) pairs, as real ones do, past the size that runs on every core.</summary>
    private static List<RepeatSummary> Customers(int n, int seed)
    {
        var rng = new Random(seed);
        var list = new List<RepeatSummary>(n);
        for (var i = 0; i < n; i++)
        {
            var age = rng.Next(0, 40) + (rng.Next(0, 7) / 7.0);
            var x = rng.Next(0, 4) == 0 ? rng.Next(1, 30) : 0;
            list.Add(new RepeatSummary(MemberId.From($"c{i}"), x, x == 0 ? 0 : age * rng.NextDouble(), age));
        }

        return list;
    }

    /// <summary>Equal to within a few roundings: the batches compute in vector lanes, whose log and exp may round differently.</summary>
    private static bool Close(double batch, double single) =>
        Math.Abs(batch - single) <= 1e-12 * Math.Abs(single) || batch == single;

    [Property(MaxTest = 5)]
    public Property Batches_GiveWhatOneCustomerAtATimeGives(PositiveInt seed) =>
        Prop.ForAll(Gen.Elements(10, 20_000, 40_000).ToArbitrary(), n =>
        {
            var customers = Customers(n, seed.Get);
            var alive = BgNbd.ProbabilityAlive(Bg, customers);
            var expected = BgNbd.ConditionalExpectedPurchases(Bg, 39, customers);
            var paretoAlive = ParetoNbd.ProbabilityAlive(Pareto, customers);
            var paretoExpected = ParetoNbd.ConditionalExpectedPurchases(Pareto, 39, customers);
            for (var i = 0; i < customers.Count; i += n < 100 ? 1 : 97)
            {
                var c = customers[i];
                if (!Close(alive[i], BgNbd.ProbabilityAlive(Bg, c.Frequency, c.Recency, c.Age))
                    || !Close(expected[i], BgNbd.ConditionalExpectedPurchases(Bg, 39, c.Frequency, c.Recency, c.Age))
                    || paretoAlive[i] != ParetoNbd.ProbabilityAlive(Pareto, c.Frequency, c.Recency, c.Age)
                    || paretoExpected[i] != ParetoNbd.ConditionalExpectedPurchases(Pareto, 39, c.Frequency, c.Recency, c.Age))
                {
                    return false;
                }
            }

            return alive.Length == n && expected.Length == n;
        });

    [Fact]
    public void Batches_RefuseAHistoryNoCustomerCanHave_NamingItsPosition_BeforeComputingAnything()
    {
        var customers = Customers(30_000, 1);
        customers[25_000] = new RepeatSummary(MemberId.From("bad"), 2, 12, 10);
        customers[29_000] = new RepeatSummary(MemberId.From("later"), -1, 0, 10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ConditionalExpectedPurchases(Bg, 39, customers));
        Assert.Contains("Summary 25000 (bad)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Summary 25000 (bad)", Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ProbabilityAlive(Bg, customers)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ParetoNbd.ProbabilityAlive(Pareto, customers));
        customers[24_000] = null!;
        Assert.Throws<ArgumentNullException>(() => BgNbd.ProbabilityAlive(Bg, customers));
        Assert.Throws<ArgumentOutOfRangeException>(() => BgNbd.ConditionalExpectedPurchases(Bg, -1, Customers(3, 1)));
    }
}
