using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>
/// Customers grouped by their repeat purchases in the calibration period, with their mean actual and predicted
/// purchases in the holdout period.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="CalibrationPurchases">Repeat purchases in the calibration period (the last group holds this many and more).</param>
/// <param name="AndMore">Whether this is the last group, of customers with at least <paramref name="CalibrationPurchases"/>.</param>
/// <param name="Customers">Customers in the group.</param>
/// <param name="ActualMean">Their mean purchase days in the holdout period.</param>
/// <param name="PredictedMean">Their mean expected purchases in the holdout period, as the model predicts from the calibration period.</param>
public sealed record HoldoutGroup(int CalibrationPurchases, bool AndMore, int Customers, double ActualMean, double PredictedMean);

/// <summary>One point of the tracking curve: cumulative repeat purchases of the cohort by the end of a period.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Period">The period, from 1 (the first time unit after the cohort's first purchase day).</param>
/// <param name="End">The first day after the period.</param>
/// <param name="Actual">Repeat purchases made by then.</param>
/// <param name="Expected">Repeat purchases the model expects by then (from each customer's first purchase day).</param>
public sealed record TrackingPoint(int Period, LocalDate End, double Actual, double Expected);

/// <summary>
/// The calibration/holdout comparison users make of a repeat-purchase model: how its predictions for the
/// holdout period compare with what customers then did, by number of calibration purchases, and the cumulative
/// tracking curve of the cohort over both periods.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Customers">Customers in the cohort (first purchase on or before the calibration end).</param>
/// <param name="HoldoutLength">The holdout period in the time unit.</param>
/// <param name="ActualHoldoutPurchases">All purchase days of the cohort in the holdout period.</param>
/// <param name="PredictedHoldoutPurchases">The model's expectation of that number.</param>
/// <param name="Groups">By calibration repeat purchases, 0 upwards; the last group holds the rest.</param>
/// <param name="Tracking">The tracking curve, one point per period from the cohort's first day to the observation end.</param>
public sealed record HoldoutComparison(
    int Customers,
    double HoldoutLength,
    int ActualHoldoutPurchases,
    double PredictedHoldoutPurchases,
    IReadOnlyList<HoldoutGroup> Groups,
    IReadOnlyList<TrackingPoint> Tracking);

/// <summary>
/// Calibration/holdout validation: split purchases at a calibration end, fit on the calibration period (the
/// caller fits, on <see cref="CalibrationSummary.Summary"/>), and compare the model's predictions with the
/// holdout period up to the observation end.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class HoldoutCheck
{
    /// <summary>The calibration summaries, with each customer's purchase days in the holdout period.</summary>
    /// <param name="purchases">The purchases.</param>
    /// <param name="calibrationEnd">The last day of the calibration period.</param>
    /// <param name="observationEnd">The last day of the holdout period.</param>
    /// <param name="daysPerUnit">Days per time unit (7: weeks).</param>
    /// <returns>One summary per customer of the cohort.</returns>
    /// <exception cref="ArgumentException">The observation end is not after the calibration end.</exception>
    public static IReadOnlyList<CalibrationSummary> Split(IEnumerable<Purchase> purchases, LocalDate calibrationEnd, LocalDate observationEnd, int daysPerUnit = 7)
    {
        if (observationEnd <= calibrationEnd)
        {
            throw new ArgumentException($"The observation end {observationEnd} must be after the calibration end {calibrationEnd}.", nameof(observationEnd));
        }

        return RepeatSummaries.FromPurchases(purchases, calibrationEnd, observationEnd, daysPerUnit);
    }

    /// <summary>Compares BG/NBD predictions with the holdout period.</summary>
    /// <param name="purchases">The purchases (the same the summaries were made from).</param>
    /// <param name="calibrationEnd">The last day of the calibration period.</param>
    /// <param name="observationEnd">The last day of the holdout period.</param>
    /// <param name="p">Parameters fitted on the calibration summaries.</param>
    /// <param name="daysPerUnit">Days per time unit, as for the summaries.</param>
    /// <param name="groups">How many groups by calibration purchases (the last holds the rest).</param>
    /// <returns>The comparison.</returns>
    public static HoldoutComparison CompareBgNbd(IReadOnlyList<Purchase> purchases, LocalDate calibrationEnd, LocalDate observationEnd, BgNbdParameters p, int daysPerUnit = 7, int groups = 8)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Compare(purchases, calibrationEnd, observationEnd, daysPerUnit, groups, (s, t) => BgNbd.ConditionalExpectedPurchases(p, t, s.Frequency, s.Recency, s.Age), t => BgNbd.ExpectedPurchases(p, t));
    }

    /// <summary>Compares Pareto/NBD predictions with the holdout period.</summary>
    /// <param name="purchases">The purchases (the same the summaries were made from).</param>
    /// <param name="calibrationEnd">The last day of the calibration period.</param>
    /// <param name="observationEnd">The last day of the holdout period.</param>
    /// <param name="p">Parameters fitted on the calibration summaries.</param>
    /// <param name="daysPerUnit">Days per time unit, as for the summaries.</param>
    /// <param name="groups">How many groups by calibration purchases (the last holds the rest).</param>
    /// <returns>The comparison.</returns>
    public static HoldoutComparison CompareParetoNbd(IReadOnlyList<Purchase> purchases, LocalDate calibrationEnd, LocalDate observationEnd, ParetoNbdParameters p, int daysPerUnit = 7, int groups = 8)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Compare(purchases, calibrationEnd, observationEnd, daysPerUnit, groups, (s, t) => ParetoNbd.ConditionalExpectedPurchases(p, t, s.Frequency, s.Recency, s.Age), t => ParetoNbd.ExpectedPurchases(p, t));
    }

    private static HoldoutComparison Compare(
        IReadOnlyList<Purchase> purchases, LocalDate calibrationEnd, LocalDate observationEnd, int daysPerUnit, int groups,
        Func<RepeatSummary, double, double> conditional, Func<double, double> fromFirst)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        var summaries = Split(purchases, calibrationEnd, observationEnd, daysPerUnit);
        var holdout = Period.DaysBetween(calibrationEnd, observationEnd) / (double)daysPerUnit;

        var count = new int[groups];
        var actual = new double[groups];
        var predicted = new double[groups];
        double predictedTotal = 0;
        var actualTotal = 0;
        var firstDays = new Dictionary<LocalDate, int>();
        foreach (var c in summaries)
        {
            var g = Math.Min(c.Summary.Frequency, groups - 1);
            var e = conditional(c.Summary, holdout);
            count[g]++;
            actual[g] += c.HoldoutPurchases;
            predicted[g] += e;
            predictedTotal += e;
            actualTotal += c.HoldoutPurchases;
            firstDays[c.FirstPurchase] = firstDays.GetValueOrDefault(c.FirstPurchase) + 1;
        }

        var rows = new List<HoldoutGroup>(groups);
        for (var g = 0; g < groups; g++)
        {
            rows.Add(new HoldoutGroup(g, g == groups - 1, count[g], count[g] == 0 ? 0 : actual[g] / count[g], count[g] == 0 ? 0 : predicted[g] / count[g]));
        }

        return new HoldoutComparison(summaries.Count, holdout, actualTotal, predictedTotal, rows, Tracking(purchases, summaries, firstDays, observationEnd, daysPerUnit, fromFirst));
    }

    /// <summary>Cumulative repeat purchase days of the cohort by the end of each period, and the model's expectation.</summary>
    private static List<TrackingPoint> Tracking(
        IReadOnlyList<Purchase> purchases, IReadOnlyList<CalibrationSummary> cohort, Dictionary<LocalDate, int> firstDays, LocalDate observationEnd, int daysPerUnit, Func<double, double> fromFirst)
    {
        var points = new List<TrackingPoint>();
        if (cohort.Count == 0)
        {
            return points;
        }

        var firstOf = new Dictionary<string, LocalDate>(StringComparer.Ordinal);
        foreach (var c in cohort)
        {
            firstOf[c.Summary.CustomerId.Value] = c.FirstPurchase;
        }

        // Repeat purchase days (one per customer and day, as the summaries count them) by day.
        var seen = new HashSet<(string, LocalDate)>();
        var repeatsOn = new SortedDictionary<LocalDate, int>();
        foreach (var p in purchases)
        {
            if (firstOf.TryGetValue(p.CustomerId.Value, out var first) && p.Date > first && p.Date <= observationEnd && seen.Add((p.CustomerId.Value, p.Date)))
            {
                repeatsOn[p.Date] = repeatsOn.GetValueOrDefault(p.Date) + 1;
            }
        }

        var origin = firstDays.Keys.Min();
        var periods = (int)Math.Ceiling((Period.DaysBetween(origin, observationEnd) + 1) / (double)daysPerUnit);
        var repeatDays = repeatsOn.ToList();
        var next = 0;
        double cumulative = 0;
        for (var k = 1; k <= periods; k++)
        {
            var end = origin.PlusDays(k * daysPerUnit);
            while (next < repeatDays.Count && repeatDays[next].Key < end)
            {
                cumulative += repeatDays[next++].Value;
            }

            double expected = 0;
            foreach (var (first, customers) in firstDays)
            {
                var t = (Period.DaysBetween(first, end) - 1) / (double)daysPerUnit;
                if (t > 0)
                {
                    expected += customers * fromFirst(t);
                }
            }

            points.Add(new TrackingPoint(k, end, cumulative, expected));
        }

        return points;
    }
}
