using NodaTime;

namespace CommunityModel.Membership;

/// <summary>The kinds of window a membership condition counts facts in.</summary>
public enum WindowKind
{
    /// <summary>Everything before the evaluation instant.</summary>
    Lifetime = 0,

    /// <summary>The calendar month, in the program's zone.</summary>
    CalendarMonth = 1,

    /// <summary>The calendar quarter (January, April, July, October), in the program's zone.</summary>
    CalendarQuarter = 2,

    /// <summary>The calendar year, in the program's zone.</summary>
    CalendarYear = 3,

    /// <summary>The last N days: from the same local time N days earlier, in the program's zone.</summary>
    RollingDays = 4,

    /// <summary>The year since the last anniversary of the member's joining (the start of that local day).</summary>
    JoinAnniversary = 5,

    /// <summary>The year since the last anniversary of reaching the current tier (the start of that local day).</summary>
    TierAnniversary = 6,
}

/// <summary>
/// A window of time a condition counts facts in. Evaluated at an instant <c>t</c>, every window is the
/// half-open interval <c>[start, t)</c>, where <c>start</c> begins the period that holds the last tick before
/// <c>t</c>. So an evaluation at a period's boundary (midnight of the 1st, in the program's zone) sees the
/// whole period that just ended: an order one tick before the boundary counts, one at the boundary does not.
/// Period starts are built in the program's IANA zone (<see cref="DateTimeZone.AtStartOfDay"/>), never from a
/// fixed offset, so months and days follow daylight-saving changes.
/// Anniversaries of 29 February fall on 28 February in common years (NodaTime's <see cref="LocalDate.PlusYears"/>).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Kind">The kind of window.</param>
/// <param name="Days">For <see cref="WindowKind.RollingDays"/>, the number of days (1..3660); otherwise 0.</param>
public sealed record MembershipWindow(WindowKind Kind, int Days = 0)
{
    /// <summary>Everything before the evaluation instant.</summary>
    public static MembershipWindow Lifetime { get; } = new(WindowKind.Lifetime);

    /// <summary>The calendar month.</summary>
    public static MembershipWindow Month { get; } = new(WindowKind.CalendarMonth);

    /// <summary>The calendar quarter.</summary>
    public static MembershipWindow Quarter { get; } = new(WindowKind.CalendarQuarter);

    /// <summary>The calendar year.</summary>
    public static MembershipWindow Year { get; } = new(WindowKind.CalendarYear);

    /// <summary>The year since the member's last joining anniversary.</summary>
    public static MembershipWindow SinceJoinAnniversary { get; } = new(WindowKind.JoinAnniversary);

    /// <summary>The year since the last anniversary of reaching the current tier.</summary>
    public static MembershipWindow SinceTierAnniversary { get; } = new(WindowKind.TierAnniversary);

    /// <summary>The last <paramref name="days"/> days.</summary>
    /// <param name="days">How many days, 1..3660.</param>
    /// <returns>The window.</returns>
    public static MembershipWindow Rolling(int days) => new(WindowKind.RollingDays, days);

    /// <summary>True when the window is the same for every member (not an anniversary).</summary>
    public bool IsSharedByAllMembers => Kind is not (WindowKind.JoinAnniversary or WindowKind.TierAnniversary);

    /// <summary>The window as of an instant, as a half-open interval <c>[start, at)</c> (no start for a lifetime).</summary>
    /// <param name="at">The evaluation instant (the end, excluded).</param>
    /// <param name="zone">The program's zone.</param>
    /// <param name="joinedAt">When the member joined (for join anniversaries).</param>
    /// <param name="tierSince">When the member reached the current tier (for tier anniversaries).</param>
    /// <returns>The interval.</returns>
    public Interval Resolve(Instant at, DateTimeZone zone, Instant joinedAt, Instant tierSince)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (Kind == WindowKind.Lifetime)
        {
            return new Interval(null, at);
        }

        var last = (at - Duration.Epsilon).InZone(zone);
        var date = last.Date;
        Instant start;
        switch (Kind)
        {
            case WindowKind.CalendarMonth:
                start = zone.AtStartOfDay(new LocalDate(date.Year, date.Month, 1)).ToInstant();
                break;
            case WindowKind.CalendarQuarter:
                start = zone.AtStartOfDay(new LocalDate(date.Year, (((date.Month - 1) / 3) * 3) + 1, 1)).ToInstant();
                break;
            case WindowKind.CalendarYear:
                start = zone.AtStartOfDay(new LocalDate(date.Year, 1, 1)).ToInstant();
                break;
            case WindowKind.RollingDays:
                start = zone.AtLeniently(at.InZone(zone).LocalDateTime.PlusDays(-Days)).ToInstant();
                break;
            case WindowKind.JoinAnniversary:
                start = AnniversaryStart(zone, joinedAt, at);
                break;
            case WindowKind.TierAnniversary:
                start = AnniversaryStart(zone, tierSince, at);
                break;
            default:
                throw new InvalidOperationException($"Unknown window kind {Kind}.");
        }

        return new Interval(start < at ? start : at, at);
    }

    /// <summary>The window in words, e.g. "this calendar month".</summary>
    /// <returns>The text.</returns>
    public string Describe() => Kind switch
    {
        WindowKind.Lifetime => "in total",
        WindowKind.CalendarMonth => "this calendar month",
        WindowKind.CalendarQuarter => "this calendar quarter",
        WindowKind.CalendarYear => "this calendar year",
        WindowKind.RollingDays => $"in the last {Days} days",
        WindowKind.JoinAnniversary => "since the last joining anniversary",
        WindowKind.TierAnniversary => "since the last anniversary of reaching the tier",
        _ => Kind.ToString(),
    };

    private static Instant AnniversaryStart(DateTimeZone zone, Instant origin, Instant at)
    {
        var originDate = origin.InZone(zone).Date;
        if (at <= origin)
        {
            return origin;
        }

        var lastDate = (at - Duration.Epsilon).InZone(zone).Date;
        var candidate = originDate.PlusYears(lastDate.Year - originDate.Year);
        if (zone.AtStartOfDay(candidate).ToInstant() >= at)
        {
            candidate = originDate.PlusYears(lastDate.Year - 1 - originDate.Year);
        }

        return candidate <= originDate ? origin : zone.AtStartOfDay(candidate).ToInstant();
    }
}
