using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CommunityModel.Commissions;
using CommunityModel.Primitives;

namespace CommunityModel.Compliance;

/// <summary>The share of people who earned more than a threshold.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Threshold">The earnings threshold the share is counted against.</param>
/// <param name="People">How many earned more than it.</param>
/// <param name="Share">Their share of everyone in the group (0 to 1).</param>
public sealed record ThresholdShare(Money Threshold, int People, double Share);

/// <summary>A percentile of earnings (nearest-rank method: the smallest amount at or above which p% of people fall).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Percentile">The percentile, 1 to 100.</param>
/// <param name="Amount">The earnings at it.</param>
public sealed record EarningsPercentile(int Percentile, Money Amount);

/// <summary>
/// The distribution of earnings over a group of people, non-earners included. Amounts are exact minor units;
/// the mean is rounded half to even to the minor unit; percentiles use the nearest-rank method on the sorted
/// amounts, so every percentile is an amount someone actually earned.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Group">The group's name (all partners, or a rank).</param>
/// <param name="People">How many people the group has.</param>
/// <param name="Earners">How many earned more than zero.</param>
/// <param name="Total">What the group earned in total.</param>
/// <param name="Mean">The mean, half-even to the minor unit.</param>
/// <param name="Median">The median (the 50th percentile, nearest rank).</param>
/// <param name="Max">The most anyone earned.</param>
/// <param name="ShareEarningNothing">The share who earned zero or less (0 to 1).</param>
/// <param name="Percentiles">The percentiles asked for.</param>
/// <param name="AboveThresholds">The share above each threshold.</param>
public sealed record EarningsDistribution(
    string Group,
    int People,
    int Earners,
    Money Total,
    Money Mean,
    Money Median,
    Money Max,
    double ShareEarningNothing,
    ImmutableArray<EarningsPercentile> Percentiles,
    ImmutableArray<ThresholdShare> AboveThresholds)
{
    /// <summary>Value equality, the percentiles and threshold shares compared element by element.</summary>
    /// <param name="other">The other distribution.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(EarningsDistribution? other) =>
        other is not null && Group == other.Group && People == other.People && Earners == other.Earners && Total == other.Total
        && Mean == other.Mean && Median == other.Median && Max == other.Max && ShareEarningNothing.Equals(other.ShareEarningNothing)
        && Percentiles.SequenceEqual(other.Percentiles) && AboveThresholds.SequenceEqual(other.AboveThresholds);

    /// <summary>A hash of the scalar figures.</summary>
    /// <returns>The hash.</returns>
    public override int GetHashCode() => HashCode.Combine(Group, People, Earners, Total, Mean, Median, Max);
}

/// <summary>
/// An income disclosure statement: earnings over all partners, non-earners included, and per rank, the
/// statement regulators ask multi-level sellers to publish.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Currency">The currency of every amount of the report.</param>
/// <param name="AllPartners">Every partner.</param>
/// <param name="ByRank">One distribution per rank that has partners, lowest rank first.</param>
public sealed record IncomeDisclosureReport(Currency Currency, EarningsDistribution AllPartners, ImmutableArray<EarningsDistribution> ByRank)
{
    /// <summary>A readable table.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"group",-14} {"people",7} {"earning 0",9} {"median",12} {"mean",12} {"p90",12} {"max",12}\n");
        foreach (var d in ByRank.Prepend(AllPartners))
        {
            var p90 = d.Percentiles.FirstOrDefault(p => p.Percentile == 90)?.Amount ?? d.Max;
            sb.Append(CultureInfo.InvariantCulture, $"{d.Group,-14} {d.People,7} {d.ShareEarningNothing,9:P0} {d.Median.FormatAmount(),12} {d.Mean.FormatAmount(),12} {p90.FormatAmount(),12} {d.Max.FormatAmount(),12}\n");
        }

        return sb.ToString();
    }
}

/// <summary>Builds income disclosure statements from a commission run's totals or from earnings arrays.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class IncomeDisclosure
{
    /// <summary>The percentiles reported by default.</summary>
    public static ImmutableArray<int> DefaultPercentiles { get; } = [10, 25, 50, 75, 90, 99];

    /// <summary>The statement for a commission run: every member of rank at least <paramref name="partnerMinimumRank"/> is a partner.</summary>
    /// <param name="totals">The run's totals (earnings per member).</param>
    /// <param name="statuses">The ranks the run used.</param>
    /// <param name="partnerMinimumRank">The lowest rank that counts as a partner.</param>
    /// <param name="thresholds">Amounts to report the share above; none when null.</param>
    /// <param name="rankNames">Names of the ranks for the table (rank index to name); numbers when null.</param>
    /// <returns>The statement.</returns>
    public static IncomeDisclosureReport FromRun(CommissionTotals totals, MemberStatuses statuses, int partnerMinimumRank, IReadOnlyList<Money>? thresholds = null, IReadOnlyList<string>? rankNames = null)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(statuses);
        if (!ReferenceEquals(totals.Tree, statuses.Tree) && totals.Tree.Count != statuses.Tree.Count)
        {
            throw new ArgumentException("The totals and the statuses are of different trees.", nameof(statuses));
        }

        return Compute(totals.Currency, totals.ToArray(), statuses.Ranks, partnerMinimumRank, thresholds, rankNames);
    }

    /// <summary>The statement from earnings and ranks by member index.</summary>
    /// <param name="currency">The currency of the earnings.</param>
    /// <param name="earnings">Net earnings per member, minor units.</param>
    /// <param name="ranks">Rank per member.</param>
    /// <param name="partnerMinimumRank">The lowest rank that counts as a partner.</param>
    /// <param name="thresholds">Amounts to report the share above.</param>
    /// <param name="rankNames">Names of the ranks.</param>
    /// <param name="percentiles">Percentiles to report (1 to 100); <see cref="DefaultPercentiles"/> when null.</param>
    /// <returns>The statement.</returns>
    public static IncomeDisclosureReport Compute(Currency currency, ReadOnlySpan<long> earnings, ReadOnlySpan<int> ranks, int partnerMinimumRank, IReadOnlyList<Money>? thresholds = null, IReadOnlyList<string>? rankNames = null, IReadOnlyList<int>? percentiles = null)
    {
        if (earnings.Length != ranks.Length)
        {
            throw new ArgumentException($"Earnings ({earnings.Length}) and ranks ({ranks.Length}) must have one entry per member.", nameof(ranks));
        }

        var pcts = percentiles?.ToImmutableArray() ?? DefaultPercentiles;
        if (pcts.Any(p => p < 1 || p > 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentiles), "Percentiles run from 1 to 100.");
        }

        var limits = thresholds ?? [];
        if (limits.Any(t => t.Currency != currency))
        {
            throw new ArgumentException("Every threshold must be in the earnings' currency.", nameof(thresholds));
        }

        var all = new List<long>();
        var byRank = new SortedDictionary<int, List<long>>();
        for (var i = 0; i < earnings.Length; i++)
        {
            if (ranks[i] < partnerMinimumRank)
            {
                continue;
            }

            all.Add(earnings[i]);
            if (!byRank.TryGetValue(ranks[i], out var list))
            {
                byRank[ranks[i]] = list = [];
            }

            list.Add(earnings[i]);
        }

        string Name(int rank) => rankNames is not null && rank < rankNames.Count ? rankNames[rank] : "rank " + rank.ToString(CultureInfo.InvariantCulture);
        return new IncomeDisclosureReport(
            currency,
            Distribution("all partners", all, currency, pcts, limits),
            byRank.Select(kv => Distribution(Name(kv.Key), kv.Value, currency, pcts, limits)).ToImmutableArray());
    }

    private static EarningsDistribution Distribution(string group, List<long> values, Currency currency, ImmutableArray<int> percentiles, IReadOnlyList<Money> thresholds)
    {
        values.Sort();
        var n = values.Count;
        Int128 sum = 0;
        var earners = 0;
        foreach (var v in values)
        {
            sum += v;
            if (v > 0)
            {
                earners++;
            }
        }

        Money M(long minor) => Money.OfMinor(minor, currency);
        long At(int p) => n == 0 ? 0 : values[Math.Clamp((int)Math.Ceiling(p / 100.0 * n) - 1, 0, n - 1)];
        var mean = n == 0 ? 0 : HalfEven(sum, n);
        return new EarningsDistribution(
            group,
            n,
            earners,
            M(checked((long)sum)),
            M(mean),
            M(At(50)),
            M(n == 0 ? 0 : values[n - 1]),
            n == 0 ? 0 : (double)(n - earners) / n,
            percentiles.Select(p => new EarningsPercentile(p, M(At(p)))).ToImmutableArray(),
            thresholds.Select(t =>
            {
                var above = n - UpperBound(values, t.MinorUnits);
                return new ThresholdShare(t, above, n == 0 ? 0 : (double)above / n);
            }).ToImmutableArray());
    }

    private static int UpperBound(List<long> sorted, long value)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static long HalfEven(Int128 sum, int n)
    {
        var q = Int128.DivRem(sum, n);
        var quotient = q.Quotient;
        var twice = Int128.Abs(q.Remainder) * 2;
        if (twice > n || (twice == n && (quotient & 1) != 0))
        {
            quotient += sum < 0 ? -1 : 1;
        }

        return checked((long)quotient);
    }
}
