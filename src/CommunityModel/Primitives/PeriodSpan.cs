using NodaTime;

namespace CommunityModel.Primitives;

/// <summary>
/// Day spans of NodaTime periods, for comparing periods of different units safely: "1 month" spans 28 to 31
/// days depending on where it starts, so a holding period of one month covers a refund window of 28 days but
/// not one of 30. Each answer considers every start day of a four-year cycle (leap day included). Stateless
/// and safe to use from any thread.
/// </summary>
public static class PeriodSpan
{
    private static readonly LocalDate[] Starts = BuildStarts();

    /// <summary>The fewest days the period spans from any start day of a four-year cycle.</summary>
    /// <param name="period">A period of years, months, weeks, days and time units (time units count in whole days, rounded down).</param>
    /// <returns>The fewest days, e.g. 28 for one month.</returns>
    public static long MinDays(Period period) => Span(period, min: true);

    /// <summary>The most days the period spans from any start day of a four-year cycle.</summary>
    /// <param name="period">A period of years, months, weeks, days and time units.</param>
    /// <returns>The most days, e.g. 31 for one month.</returns>
    public static long MaxDays(Period period) => Span(period, min: false);

    /// <summary>True when <paramref name="longer"/> reaches at least as far as <paramref name="shorter"/> from every start day.</summary>
    /// <param name="longer">The period expected to cover, e.g. a holding period.</param>
    /// <param name="shorter">The period to be covered, e.g. a refund window.</param>
    /// <returns>Whether the first covers the second from every start.</returns>
    public static bool Covers(Period longer, Period shorter)
    {
        if (longer.Normalize().Equals(shorter.Normalize()))
        {
            return true;
        }

        foreach (var start in Starts)
        {
            if (start.PlusPeriodSafe(longer) < start.PlusPeriodSafe(shorter))
            {
                return false;
            }
        }

        return true;
    }

    private static long Span(Period period, bool min)
    {
        var best = min ? long.MaxValue : long.MinValue;
        foreach (var start in Starts)
        {
            var days = Period.Between(start, start.PlusPeriodSafe(period), PeriodUnits.Days).Days;
            best = min ? Math.Min(best, days) : Math.Max(best, days);
        }

        return best;
    }

    private static LocalDate PlusPeriodSafe(this LocalDate date, Period period)
    {
        var dateOnly = Period.FromYears(period.Years) + Period.FromMonths(period.Months) + Period.FromWeeks(period.Weeks) + Period.FromDays(period.Days);
        var extraDays = (period.Hours * 3600L + period.Minutes * 60L + period.Seconds) / 86_400L;
        return date.Plus(dateOnly).PlusDays((int)extraDays);
    }

    private static LocalDate[] BuildStarts()
    {
        var first = new LocalDate(2024, 1, 1);
        var starts = new LocalDate[1461];
        for (var i = 0; i < starts.Length; i++)
        {
            starts[i] = first.PlusDays(i);
        }

        return starts;
    }
}
