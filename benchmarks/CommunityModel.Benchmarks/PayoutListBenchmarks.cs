using BenchmarkDotNet.Attributes;
using CommunityModel.Commissions;
using CommunityModel.Primitives;

namespace CommunityModel.Benchmarks;

/// <summary>
/// The payout list of a 10M-order run over 1M members (about 600,000 earners): every earner with a line, sorted by
/// id (ordinal), as <c>payouts.csv</c> lists them. <c>ByEarnerWithZeroLines</c> (ids packed into numbers, only ties
/// compared as text) against the same list sorted with <c>Array.Sort</c> and the ordinal string comparer.
/// </summary>
[MemoryDiagnoser]
public class PayoutListBenchmarks
{
    private CommissionTotals _totals = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = BenchmarkData.Create(1_000_000, 10_000_000);
        _totals = new CommissionEngine(BenchmarkData.TwoLevelPlan()).RunTotals(data.Statuses(), data.Batch());
        if (!ByEarner().SequenceEqual(ArraySortOrdinal()))
        {
            throw new InvalidOperationException("The two lists differ.");
        }
    }

    [Benchmark(Baseline = true)]
    public KeyValuePair<MemberId, Money>[] ArraySortOrdinal()
    {
        var totals = _totals.ToArray();
        var count = totals.Count(t => t != 0);
        var keys = new string[count];
        var result = new KeyValuePair<MemberId, Money>[count];
        var k = 0;
        for (var i = 0; i < totals.Length; i++)
        {
            if (totals[i] != 0)
            {
                var member = _totals.Tree.MemberAt(i);
                keys[k] = member.Value;
                result[k++] = new(member, Money.OfMinor(totals[i], Currency.CNY));
            }
        }

        Array.Sort(keys, result, StringComparer.Ordinal);
        return result;
    }

    [Benchmark]
    public IReadOnlyList<KeyValuePair<MemberId, Money>> ByEarner() => _totals.ByEarner();
}
