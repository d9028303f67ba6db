using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;
using FluentValidation.Results;
using NodaTime;

namespace CommunityModel.Care;

/// <summary>The kinds of key date worth a word to the customer (seed 003).</summary>
public enum KeyDateKind
{
    /// <summary>The customer's birthday.</summary>
    Birthday = 0,

    /// <summary>The wedding anniversary.</summary>
    WeddingAnniversary = 1,

    /// <summary>A child's birthday (or due date, full month).</summary>
    ChildBirthday = 2,

    /// <summary>An insurance (car, health) expires.</summary>
    InsuranceExpiry = 3,

    /// <summary>The day the customer said they would decide or buy.</summary>
    DecisionDay = 4,

    /// <summary>Anything else (an exam, a move, a trip).</summary>
    Other = 5,
}

/// <summary>Where the anniversary of 29 February falls in a common year.</summary>
public enum LeapDayRule
{
    /// <summary>On 28 February (the default: the day stays in its month).</summary>
    February28 = 0,

    /// <summary>On 1 March (the day after 28 February).</summary>
    March1 = 1,
}

/// <summary>A customer's key date.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record KeyDate
{
    /// <summary>The customer the key date belongs to; reminders are made for them.</summary>
    public required MemberId Customer { get; init; }

    /// <summary>What kind of date.</summary>
    public required KeyDateKind Kind { get; init; }

    /// <summary>The date (for a recurring date, its first occurrence, e.g. the birth date).</summary>
    public required LocalDate Date { get; init; }

    /// <summary>True for a date that comes back every year; false for a one-off date.</summary>
    public bool Recurring { get; init; }

    /// <summary>How many days before the date to remind (0..365).</summary>
    public int LeadDays { get; init; } = 3;

    /// <summary>The customer's zone (IANA id): a reminder is due at the start of its day there.</summary>
    public string ZoneId { get; init; } = "Asia/Shanghai";

    /// <summary>A note for the person who reaches out ("car insurance with PICC").</summary>
    public string Note { get; init; } = string.Empty;
}

/// <summary>A reminder that a key date is coming.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Customer">The customer to remind the store about.</param>
/// <param name="KeyDate">The key date.</param>
/// <param name="Occurrence">The date it falls on this time.</param>
/// <param name="RemindOn">The day to reach out: the occurrence minus the lead days.</param>
/// <param name="DueAt">The start of that day in the customer's zone.</param>
/// <param name="Years">For a recurring date, how many years since the first occurrence (an age, an anniversary number); null for a one-off.</param>
public sealed record CareReminder(MemberId Customer, KeyDate KeyDate, LocalDate Occurrence, LocalDate RemindOn, Instant DueAt, int? Years);

/// <summary>
/// A care calendar of key dates (seed 003: "remember a friend's key date ... an information tool can help with
/// many customers"). Answers "what is due between two instants" for any number of customers, each in their own
/// zone. Recurring dates of 29 February follow the calendar's <see cref="LeapDayRule"/> in common years.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class CareCalendar
{
    private readonly ImmutableArray<(KeyDate Date, DateTimeZone Zone)> _dates;

    private CareCalendar(ImmutableArray<(KeyDate, DateTimeZone)> dates, LeapDayRule leapDay)
    {
        _dates = dates;
        LeapDay = leapDay;
    }

    /// <summary>Where 29 February falls in common years.</summary>
    public LeapDayRule LeapDay { get; }

    /// <summary>The number of key dates.</summary>
    public int Count => _dates.Length;

    /// <summary>Validates the key dates (every problem at once) and builds the calendar.</summary>
    /// <param name="dates">The key dates.</param>
    /// <param name="leapDay">Where 29 February falls in common years.</param>
    /// <returns>The calendar.</returns>
    /// <exception cref="InvalidInputException">Every problem, with its path and code (<c>care.zone.unknown</c>, <c>care.lead.range</c>, <c>care.kind.unknown</c>, <c>care.date.missing</c>).</exception>
    public static CareCalendar Create(IEnumerable<KeyDate> dates, LeapDayRule leapDay = LeapDayRule.February28)
    {
        ArgumentNullException.ThrowIfNull(dates);
        var list = dates.ToList();
        var failures = new List<ValidationFailure>();
        var built = ImmutableArray.CreateBuilder<(KeyDate, DateTimeZone)>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var d = list[i];
            if (d is null)
            {
                failures.Add(new ValidationFailure($"[{i}]", "A key date is missing.") { ErrorCode = "care.date.missing" });
                continue;
            }

            var zone = d.ZoneId is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(d.ZoneId);
            if (zone is null)
            {
                failures.Add(new ValidationFailure($"[{i}].ZoneId", $"'{d.ZoneId}' is not an IANA time zone id.") { ErrorCode = "care.zone.unknown" });
            }

            if (d.LeadDays is < 0 or > 365)
            {
                failures.Add(new ValidationFailure($"[{i}].LeadDays", $"A lead of {d.LeadDays} days is outside 0..365.") { ErrorCode = "care.lead.range" });
            }

            if (!Enum.IsDefined(d.Kind))
            {
                failures.Add(new ValidationFailure($"[{i}].Kind", $"Unknown kind {d.Kind}.") { ErrorCode = "care.kind.unknown" });
            }

            if (zone is not null)
            {
                built.Add((d, zone));
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidInputException(Validation.ToProblems(failures));
        }

        return new CareCalendar(built.ToImmutable(), leapDay);
    }

    /// <summary>Where a recurring date falls in a year, under the calendar's leap-day rule.</summary>
    /// <param name="date">The first occurrence.</param>
    /// <param name="year">The calendar year (ISO) of the occurrence asked for.</param>
    /// <returns>The date in that year.</returns>
    public LocalDate OccurrenceIn(LocalDate date, int year)
    {
        if (date.Month == 2 && date.Day == 29 && !CalendarSystem.Iso.IsLeapYear(year))
        {
            return LeapDay == LeapDayRule.February28 ? new LocalDate(year, 2, 28) : new LocalDate(year, 3, 1);
        }

        return new LocalDate(year, date.Month, date.Day);
    }

    /// <summary>
    /// The reminders due in <c>[start, end)</c>: those whose day to reach out (occurrence minus lead) begins,
    /// in the customer's zone, inside the interval. Sorted by due instant, then customer, then kind.
    /// </summary>
    /// <param name="start">The start (included).</param>
    /// <param name="end">The end (excluded).</param>
    /// <returns>The reminders.</returns>
    public IReadOnlyList<CareReminder> DueBetween(Instant start, Instant end)
    {
        if (end < start)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, "The end must not be before the start.");
        }

        var result = new List<CareReminder>();
        foreach (var (d, zone) in _dates)
        {
            var firstDay = start.InZone(zone).Date.PlusDays(-1);
            var lastDay = end.InZone(zone).Date.PlusDays(1);
            if (!d.Recurring)
            {
                Consider(d, zone, d.Date, null, start, end, result);
                continue;
            }

            var fromYear = Math.Max(d.Date.Year, firstDay.PlusDays(d.LeadDays).Year);
            var toYear = lastDay.PlusDays(d.LeadDays).Year;
            for (var year = fromYear; year <= toYear; year++)
            {
                Consider(d, zone, OccurrenceIn(d.Date, year), year - d.Date.Year, start, end, result);
            }
        }

        result.Sort(static (a, b) =>
        {
            var c = a.DueAt.CompareTo(b.DueAt);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.Customer.Value, b.Customer.Value);
            }

            return c != 0 ? c : a.KeyDate.Kind.CompareTo(b.KeyDate.Kind);
        });
        return result;
    }

    private static void Consider(KeyDate d, DateTimeZone zone, LocalDate occurrence, int? years, Instant start, Instant end, List<CareReminder> into)
    {
        var remindOn = occurrence.PlusDays(-d.LeadDays);
        var due = zone.AtStartOfDay(remindOn).ToInstant();
        if (due >= start && due < end)
        {
            into.Add(new CareReminder(d.Customer, d, occurrence, remindOn, due, years));
        }
    }
}
