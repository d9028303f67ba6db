using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Simulation;

/// <summary>
/// How a simulated community behaves: arrivals, the climb up the ladder, repeat buying (BG/NBD-like: each
/// customer buys at a gamma-distributed rate and may drop out after each purchase with a beta-distributed
/// probability), referrals by archetype, group talk, refunds inside the guarantee; and which store it runs
/// (ladder, membership policy, commission plan, group policy). Null store parts mean <see cref="StoreDefaults"/>.
/// Validated by <see cref="SimulationSettingsValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record SimulationSettings
{
    /// <summary>
    /// Every problem of this SimulationSettings (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => SimulationValidation.Problems(new SimulationSettingsValidator(), this);

    /// <summary>The seed; equal settings give equal results.</summary>
    public ulong Seed { get; init; } = 2026;

    /// <summary>The first simulated day.</summary>
    public LocalDate StartDate { get; init; } = new(2026, 1, 1);

    /// <summary>How many days to simulate.</summary>
    public int Days { get; init; } = 365;

    /// <summary>The store's zone (IANA id); days and months close in it.</summary>
    public string ZoneId { get; init; } = StoreDefaults.ZoneId;

    /// <summary>The most customers the store gains; arrivals stop there.</summary>
    public int MaxCustomers { get; init; } = 2_000;

    /// <summary>Mean customers a day who come through paid traffic (Poisson).</summary>
    public double PaidArrivalsPerDay { get; init; } = 4;

    /// <summary>The product ladder; the default store's when null.</summary>
    public ProductLadder? Ladder { get; init; }

    /// <summary>The membership policy; the default store's when null (it must use the same ladder).</summary>
    public MembershipPolicy? Membership { get; init; }

    /// <summary>The commission plan; the default two-level plan when null.</summary>
    public CommissionPlan? Plan { get; init; }

    /// <summary>The group policy; the default store group's when null.</summary>
    public GroupPolicy? GroupPolicy { get; init; }

    /// <summary>The compliance profile the plan is checked against at the end.</summary>
    public ComplianceProfile Compliance { get; init; } = ComplianceProfiles.ChinaTwoLevel;

    /// <summary>The lowest rank (tier index) that counts as a partner, for disclosure and compliance.</summary>
    public int PartnerRank { get; init; } = StoreDefaults.PartnerRank;

    /// <summary>The no-questions refund window promised to customers (seed 001: two months).</summary>
    public Period RefundWindow { get; init; } = Period.FromMonths(2);

    /// <summary>The ledger's holding period; the refund window when null.</summary>
    public Period? HoldingPeriod { get; init; }

    /// <summary>The chance an order is refunded, in full, inside the window.</summary>
    public double RefundProbability { get; init; } = 0.03;

    /// <summary>The chance a repeat purchase of a customer on the first rung is the next rung's product instead.</summary>
    public double ClimbToMembership { get; init; } = 0.12;

    /// <summary>The chance a repeat purchase of a member is the partnership rung's product instead.</summary>
    public double ClimbToPartnership { get; init; } = 0.08;

    /// <summary>Shape r of the gamma distribution of purchase rates (per day).</summary>
    public double PurchaseRateShape { get; init; } = 2;

    /// <summary>Rate alpha (days) of the gamma distribution of purchase rates: the mean rate is r / alpha a day.</summary>
    public double PurchaseRateAlpha { get; init; } = 60;

    /// <summary>Parameter a of the beta distribution of the drop-out chance after a purchase.</summary>
    public double DropoutA { get; init; } = 1;

    /// <summary>Parameter b of the beta distribution of the drop-out chance after a purchase.</summary>
    public double DropoutB { get; init; } = 8;

    /// <summary>Share of customers who are helpful spreaders (share, talk, refer).</summary>
    public double SpreaderShare { get; init; } = 0.08;

    /// <summary>Share of customers who promise referrals and never make them.</summary>
    public double PromiserShare { get; init; } = 0.08;

    /// <summary>Share of customers who never speak in the group.</summary>
    public double SilentShare { get; init; } = 0.4;

    /// <summary>The chance a spreader's purchase brings a referred customer.</summary>
    public double SpreaderReferral { get; init; } = 0.35;

    /// <summary>The chance an ordinary customer's purchase brings a referred customer.</summary>
    public double OrdinaryReferral { get; init; } = 0.04;

    /// <summary>The chance a customer in the group posts on a given day, for spreaders; others post a fifth as often, the silent never.</summary>
    public double SpreaderMessagesPerDay { get; init; } = 0.1;

    /// <summary>The chance one posted message is a spam ad.</summary>
    public double AdShare { get; init; } = 0.003;

    /// <summary>How many key customers to name at the end.</summary>
    public int KeyCustomers { get; init; } = 30;
}

/// <summary>
/// Validates <see cref="SimulationSettings"/>, every problem at once. Error codes: <c>sim.days.range</c>,
/// <c>sim.customers.range</c>, <c>sim.arrivals.range</c>, <c>sim.zone.unknown</c>, <c>sim.probability.range</c>,
/// <c>sim.distribution.positive</c>, <c>sim.shares.sum</c>, <c>sim.membership.ladder</c>, <c>sim.currency.mismatch</c>,
/// <c>sim.refund-window.range</c>, <c>sim.partner-rank.range</c>, <c>sim.key-customers.range</c>.
/// </summary>
internal sealed class SimulationSettingsValidator : AbstractValidator<SimulationSettings>
{
    /// <summary>Creates the validator.</summary>
    public SimulationSettingsValidator()
    {
        RuleFor(s => s.Days).InclusiveBetween(1, 3_660).WithErrorCode("sim.days.range");
        RuleFor(s => s.MaxCustomers).InclusiveBetween(1, 10_000_000).WithErrorCode("sim.customers.range");
        RuleFor(s => s.PaidArrivalsPerDay).InclusiveBetween(0, 100_000).WithErrorCode("sim.arrivals.range");
        RuleFor(s => s.ZoneId).Must(z => z is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(z) is not null)
            .WithErrorCode("sim.zone.unknown").WithMessage(s => $"'{s.ZoneId}' is not an IANA time zone id.");
        foreach (var (name, get) in Probabilities())
        {
            RuleFor(get).InclusiveBetween(0, 1).OverridePropertyName(name).WithErrorCode("sim.probability.range")
                .WithMessage($"{name} must be a probability between 0 and 1.");
        }

        RuleFor(s => s.PurchaseRateShape).GreaterThan(0).WithErrorCode("sim.distribution.positive");
        RuleFor(s => s.PurchaseRateAlpha).GreaterThan(0).WithErrorCode("sim.distribution.positive");
        RuleFor(s => s.DropoutA).GreaterThan(0).WithErrorCode("sim.distribution.positive");
        RuleFor(s => s.DropoutB).GreaterThan(0).WithErrorCode("sim.distribution.positive");
        RuleFor(s => s.SpreaderShare + s.PromiserShare + s.SilentShare).LessThanOrEqualTo(1).OverridePropertyName("SpreaderShare")
            .WithErrorCode("sim.shares.sum").WithMessage("Spreaders, promisers and silent customers must not be more than everyone.");
        RuleFor(s => s.Membership).Must((s, m) => m is null || (s.Ladder is not null && ReferenceEquals(m.Ladder, s.Ladder)))
            .WithErrorCode("sim.membership.ladder").WithMessage("A custom membership policy needs the settings' ladder as its ladder (set both).");
        RuleFor(s => s.Plan).Must((s, p) => p is null || p.Currency == (s.Ladder?.Currency ?? Currency.CNY))
            .WithErrorCode("sim.currency.mismatch").WithMessage("The plan's currency must be the ladder's.");
        RuleFor(s => s.RefundWindow).Must(w => w is not null && PeriodSpan.MinDays(w) >= 1 && PeriodSpan.MaxDays(w) <= 366)
            .WithErrorCode("sim.refund-window.range").WithMessage("The refund window must be between one day and a year.");
        RuleFor(s => s.HoldingPeriod).Must(h => h is null || PeriodSpan.MinDays(h) >= 0).WithErrorCode("sim.refund-window.range");
        RuleFor(s => s.PartnerRank).GreaterThanOrEqualTo(0).WithErrorCode("sim.partner-rank.range");
        RuleFor(s => s.KeyCustomers).InclusiveBetween(0, 10_000).WithErrorCode("sim.key-customers.range");
    }

    private static IEnumerable<(string, System.Linq.Expressions.Expression<Func<SimulationSettings, double>>)> Probabilities() =>
    [
        (nameof(SimulationSettings.RefundProbability), s => s.RefundProbability),
        (nameof(SimulationSettings.ClimbToMembership), s => s.ClimbToMembership),
        (nameof(SimulationSettings.ClimbToPartnership), s => s.ClimbToPartnership),
        (nameof(SimulationSettings.SpreaderShare), s => s.SpreaderShare),
        (nameof(SimulationSettings.PromiserShare), s => s.PromiserShare),
        (nameof(SimulationSettings.SilentShare), s => s.SilentShare),
        (nameof(SimulationSettings.SpreaderReferral), s => s.SpreaderReferral),
        (nameof(SimulationSettings.OrdinaryReferral), s => s.OrdinaryReferral),
        (nameof(SimulationSettings.SpreaderMessagesPerDay), s => s.SpreaderMessagesPerDay),
        (nameof(SimulationSettings.AdShare), s => s.AdShare),
    ];
}
