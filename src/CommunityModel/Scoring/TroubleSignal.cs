using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>What kind of trouble an event is.</summary>
public enum TroubleKind
{
    /// <summary>A question (about a product, the price, validity or gifts).</summary>
    Question,

    /// <summary>A complaint.</summary>
    Complaint,
}

/// <summary>One question or complaint, in a segment (a team, a region or a group).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Segment">The segment it belongs to.</param>
/// <param name="Date">The day, in the store's zone.</param>
/// <param name="Kind">Question or complaint.</param>
public sealed record TroubleEvent(string Segment, LocalDate Date, TroubleKind Kind);

/// <summary>How a segment's trouble moves against its own baseline.</summary>
public enum TroubleTrend
{
    /// <summary>No trouble now and too little before to judge.</summary>
    Quiet,

    /// <summary>About as much trouble as its baseline.</summary>
    Steady,

    /// <summary>Clearly more trouble than its baseline: a leading sign of growth (people who ask are engaged).</summary>
    Rising,

    /// <summary>Clearly less trouble than its baseline.</summary>
    Falling,

    /// <summary>Trouble fell to nothing where there used to be some: a warning of decline.</summary>
    Silent,
}

/// <summary>
/// Settings of the trouble signal. The current window is the <see cref="WindowDays"/> days ending on the
/// as-of day; the baseline is the mean of the <see cref="BaselineWindows"/> windows before it. Validated by
/// <see cref="TroubleSignalOptionsValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record TroubleSignalOptions
{
    /// <summary>
    /// Every problem of this TroubleSignalOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new TroubleSignalOptionsValidator(), this);

    /// <summary>Days per window.</summary>
    public int WindowDays { get; init; } = 7;

    /// <summary>Windows in the baseline.</summary>
    public int BaselineWindows { get; init; } = 4;

    /// <summary>The weight of a complaint against a question's 1.</summary>
    public double ComplaintWeight { get; init; } = 1;

    /// <summary>The rising score (a Poisson z-score) at and above which trouble is rising, and at and below whose negative it is falling.</summary>
    public double Threshold { get; init; } = 2;

    /// <summary>The least baseline (weighted events per window) for nothing now to count as silence.</summary>
    public double SilenceBaseline { get; init; } = 2;
}

/// <summary>Validates <see cref="TroubleSignalOptions"/>. Error code: <c>trouble.option.range</c>.</summary>
internal sealed class TroubleSignalOptionsValidator : AbstractValidator<TroubleSignalOptions>
{
    /// <summary>Creates the validator.</summary>
    public TroubleSignalOptionsValidator()
    {
        RuleFor(o => o.WindowDays).InclusiveBetween(1, 366).WithErrorCode("trouble.option.range");
        RuleFor(o => o.BaselineWindows).InclusiveBetween(1, 520).WithErrorCode("trouble.option.range");
        RuleFor(o => o.ComplaintWeight).Must(v => double.IsFinite(v) && v >= 0).WithErrorCode("trouble.option.range").WithMessage("ComplaintWeight must be finite and at least 0.");
        RuleFor(o => o.Threshold).Must(v => double.IsFinite(v) && v > 0).WithErrorCode("trouble.option.range").WithMessage("Threshold must be finite and above 0.");
        RuleFor(o => o.SilenceBaseline).Must(v => double.IsFinite(v) && v > 0).WithErrorCode("trouble.option.range").WithMessage("SilenceBaseline must be finite and above 0.");
    }
}

/// <summary>A segment's trouble reading.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Segment">The segment read (a group, a product line, a region), as the events named it.</param>
/// <param name="Questions">Questions in the current window.</param>
/// <param name="Complaints">Complaints in the current window.</param>
/// <param name="Current">Weighted trouble in the current window.</param>
/// <param name="Baseline">Mean weighted trouble per baseline window.</param>
/// <param name="RisingScore">(current - baseline) / sqrt(max(baseline, 1)).</param>
/// <param name="Trend">Whether trouble is rising, steady or falling against the baseline.</param>
/// <param name="Reason">The reading in words.</param>
public sealed record TroubleReading(string Segment, int Questions, int Complaints, double Current, double Baseline, double RisingScore, TroubleTrend Trend, string Reason);

/// <summary>
/// Trouble is a signal: segments with more questions and complaints than their own baseline are alive and
/// growing; segments where trouble falls to nothing are going quiet. Reads counts over rolling windows.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class TroubleSignal
{
    /// <summary>Reads every segment seen in the events, ordered by segment (ordinal).</summary>
    /// <param name="events">The events, in any order; events after the as-of day are ignored.</param>
    /// <param name="asOf">The last day of the current window.</param>
    /// <param name="options">The settings, or null for the defaults.</param>
    /// <returns>One reading per segment.</returns>
    /// <exception cref="InvalidInputException">The options are invalid.</exception>
    public static IReadOnlyList<TroubleReading> Read(IEnumerable<TroubleEvent> events, LocalDate asOf, TroubleSignalOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        options ??= new TroubleSignalOptions();
        Validation.Check(new TroubleSignalOptionsValidator(), options);
        var windows = options.BaselineWindows + 1;
        var earliest = asOf.PlusDays(-(options.WindowDays * windows) + 1);
        var counts = new SortedDictionary<string, (int[] Questions, int[] Complaints)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e);
            ArgumentException.ThrowIfNullOrWhiteSpace(e.Segment, nameof(events));
            if (!counts.TryGetValue(e.Segment, out var c))
            {
                c = (new int[windows], new int[windows]);
                counts[e.Segment] = c;
            }

            if (e.Date > asOf || e.Date < earliest)
            {
                continue;
            }

            // Window 0 is the current one, 1.. the baseline going back.
            var w = Period.DaysBetween(e.Date, asOf) / options.WindowDays;
            (e.Kind == TroubleKind.Complaint ? c.Complaints : c.Questions)[w]++;
        }

        var readings = new List<TroubleReading>(counts.Count);
        foreach (var (segment, (q, c)) in counts)
        {
            double Weighted(int w) => q[w] + (options.ComplaintWeight * c[w]);
            var current = Weighted(0);
            var baseline = 0.0;
            for (var w = 1; w < windows; w++)
            {
                baseline += Weighted(w);
            }

            baseline /= options.BaselineWindows;
            var score = (current - baseline) / Math.Sqrt(Math.Max(baseline, 1));
            var trend = current == 0 && baseline >= options.SilenceBaseline ? TroubleTrend.Silent
                : current == 0 && baseline == 0 ? TroubleTrend.Quiet
                : score >= options.Threshold ? TroubleTrend.Rising
                : score <= -options.Threshold ? TroubleTrend.Falling
                : TroubleTrend.Steady;
            var words = trend switch
            {
                TroubleTrend.Silent => "silence alert: no questions or complaints where there used to be some",
                TroubleTrend.Quiet => "no questions or complaints, then or now",
                TroubleTrend.Rising => "trouble rising above its baseline: people are engaged",
                TroubleTrend.Falling => "trouble falling below its baseline",
                _ => "trouble about its baseline",
            };
            var reason = FormattableString.Invariant($"{words} ({q[0]} question(s), {c[0]} complaint(s) in the last {options.WindowDays} days against {baseline:0.##} per window before; score {score:0.##})");
            readings.Add(new TroubleReading(segment, q[0], c[0], current, baseline, score, trend, reason));
        }

        return readings;
    }

    /// <summary>
    /// Turns recorded interactions into trouble events: questions (about a product, the price, validity or
    /// gifts) and complaints, each in the segment the function names (customers it maps to null are left out).
    /// </summary>
    /// <param name="interactions">The customers' interactions; asked questions and complaints count, the rest is ignored.</param>
    /// <param name="segmentOf">The segment of a customer (team, region or group), or null.</param>
    /// <returns>The trouble events.</returns>
    public static IEnumerable<TroubleEvent> EventsFrom(IEnumerable<Interaction> interactions, Func<string, string?> segmentOf)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        ArgumentNullException.ThrowIfNull(segmentOf);
        return Iterate();

        IEnumerable<TroubleEvent> Iterate()
        {
            foreach (var x in interactions)
            {
                TroubleKind? kind = x.Kind switch
                {
                    InteractionKind.AskedQuestion or InteractionKind.AskedPrice or InteractionKind.AskedValidityOrGifts => TroubleKind.Question,
                    InteractionKind.Complained => TroubleKind.Complaint,
                    _ => null,
                };
                if (kind is { } k && segmentOf(x.CustomerId.Value) is { } segment)
                {
                    yield return new TroubleEvent(segment, x.Date, k);
                }
            }
        }
    }
}
