using BenchmarkDotNet.Attributes;
using CommunityModel.Primitives;

namespace CommunityModel.Benchmarks;

/// <summary>The primitives every commission line goes through: rate application and exact allocation.</summary>
[MemoryDiagnoser]
public class MoneyBenchmarks
{
    private readonly long[] _amounts = new long[4096];
    private readonly long[] _weights = [5, 3, 2, 7, 11, 13, 1, 1];
    private readonly long[] _parts = new long[8];
    private readonly Rate _rate = Rate.FromPercent(12.5m);

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        for (var i = 0; i < _amounts.Length; i++)
        {
            _amounts[i] = rng.NextInt64(1, 10_000_000);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 4096)]
    public long RateApplyFloor()
    {
        long sum = 0;
        foreach (var a in _amounts)
        {
            sum += _rate.ApplyToMinor(a);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = 4096)]
    public long RateApplyHalfEven()
    {
        long sum = 0;
        foreach (var a in _amounts)
        {
            sum += _rate.ApplyToMinor(a, RoundingMode.HalfEven);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = 4096)]
    public long MoneyAdd()
    {
        var total = Money.Zero(Currency.CNY);
        foreach (var a in _amounts)
        {
            total += new Money(a, Currency.CNY);
        }

        return total.MinorUnits;
    }

    [Benchmark]
    public long AllocateEightWays()
    {
        Money.AllocateMinor(123_456_789, _weights, _parts);
        return _parts[0];
    }
}
