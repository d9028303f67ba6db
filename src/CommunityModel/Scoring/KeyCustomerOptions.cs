using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Scoring;

/// <summary>Which fact measures a customer's readiness to buy again.</summary>
public enum RepurchaseSignal
{
    /// <summary>
    /// Repeat purchases, saturating, decayed by the days since the last purchase:
    /// x / (x + RepeatHalf) * 2^(-days / RecencyHalfLifeDays). Never lowered by one more repeat purchase.
    /// </summary>
    RecentRepeats,

    /// <summary>
    /// BG/NBD conditional expected purchases over the horizon, saturating: E / (E + ExpectedPurchasesHalf).
    /// Note the model's own frequency-recency effect: one more repeat purchase long before the last one can
    /// lower it (a frequent buyer who went quiet looks gone).
    /// </summary>
    BgNbdExpectedPurchases,

    /// <summary>The BG/NBD probability that the customer is still alive.</summary>
    BgNbdProbabilityAlive,
}

/// <summary>
/// How the key-customer scorer weighs and normalises the facts. Each component is scaled to [0, 1]; the
/// score is the weighted mean of the components. Counts are scaled by saturation, v / (v + half): the
/// half point is where a count earns half of the component. Validated by <see cref="KeyCustomerOptionsValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record KeyCustomerOptions
{
    /// <summary>
    /// Every problem of this KeyCustomerOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new KeyCustomerOptionsValidator(), this);

    /// <summary>Weight of readiness to buy again.</summary>
    public double RepurchaseWeight { get; init; } = 0.35;

    /// <summary>Weight of influence: referred buyers, their spend, how fast they convert, downline size.</summary>
    public double InfluenceWeight { get; init; } = 0.35;

    /// <summary>Weight of spreading: shares and group replies.</summary>
    public double SpreadingWeight { get; init; } = 0.2;

    /// <summary>Weight of the RFM cell.</summary>
    public double RfmWeight { get; init; } = 0.1;

    /// <summary>The repurchase signal.</summary>
    public RepurchaseSignal Repurchase { get; init; } = RepurchaseSignal.RecentRepeats;

    /// <summary>BG/NBD parameters, required by the BG/NBD signals.</summary>
    public BgNbdParameters? BgNbd { get; init; }

    /// <summary>Days per BG/NBD time unit (7 when the model was fitted in weeks).</summary>
    public double DaysPerUnit { get; init; } = 7;

    /// <summary>The horizon of expected purchases, in BG/NBD time units.</summary>
    public double Horizon { get; init; } = 26;

    /// <summary>Half point of repeat purchases.</summary>
    public double RepeatHalf { get; init; } = 3;

    /// <summary>Days after the last purchase at which the repeat signal halves.</summary>
    public double RecencyHalfLifeDays { get; init; } = 90;

    /// <summary>Half point of expected purchases.</summary>
    public double ExpectedPurchasesHalf { get; init; } = 1;

    /// <summary>Half point of referred buyers.</summary>
    public double ReferredBuyersHalf { get; init; } = 2;

    /// <summary>Half point of referred spend in minor units; null takes the median of the positive referred spends of the customers scored.</summary>
    public long? ReferredSpendHalfMinor { get; init; }

    /// <summary>Referral conversion days at which the speed signal halves: speed = 1 / (1 + days / half).</summary>
    public double ConversionHalfDays { get; init; } = 14;

    /// <summary>Half point of downline size.</summary>
    public double DownlineHalf { get; init; } = 5;

    /// <summary>Half point of shares.</summary>
    public double SharesHalf { get; init; } = 3;

    /// <summary>Half point of group replies.</summary>
    public double RepliesHalf { get; init; } = 10;

    /// <summary>Shares plus group replies that, with at least one referred buyer, make a helpful spreader.</summary>
    public int SpreaderMinActions { get; init; } = 3;

    /// <summary>Promised referrals that, with no referred buyer, make a promiser without action.</summary>
    public int PromiserMinPromises { get; init; } = 1;

    /// <summary>Repeat purchases that make a loyal repeater (with a recent last purchase).</summary>
    public int LoyalMinRepeats { get; init; } = 3;

    /// <summary>The most days since the last purchase for a loyal repeater.</summary>
    public int LoyalMaxDaysSinceLast { get; init; } = 90;
}

/// <summary>
/// Validates <see cref="KeyCustomerOptions"/>. Error codes: <c>scoring.weight.negative</c>,
/// <c>scoring.weight.none</c>, <c>scoring.half.nonpositive</c>, <c>scoring.bgnbd.missing</c>,
/// <c>scoring.bgnbd.invalid</c>, <c>scoring.horizon.nonpositive</c>, <c>scoring.threshold.negative</c>.
/// </summary>
internal sealed class KeyCustomerOptionsValidator : AbstractValidator<KeyCustomerOptions>
{
    /// <summary>Creates the validator.</summary>
    public KeyCustomerOptionsValidator()
    {
        static bool Finite(double v) => double.IsFinite(v);
        foreach (var (name, get) in new (string, Func<KeyCustomerOptions, double>)[]
        {
            (nameof(KeyCustomerOptions.RepurchaseWeight), o => o.RepurchaseWeight),
            (nameof(KeyCustomerOptions.InfluenceWeight), o => o.InfluenceWeight),
            (nameof(KeyCustomerOptions.SpreadingWeight), o => o.SpreadingWeight),
            (nameof(KeyCustomerOptions.RfmWeight), o => o.RfmWeight),
        })
        {
            RuleFor(o => get(o)).Must(v => Finite(v) && v >= 0).OverridePropertyName(name)
                .WithErrorCode("scoring.weight.negative").WithMessage(o => $"{name} must be a finite number at least 0; got {get(o)}.");
        }

        RuleFor(o => o.RepurchaseWeight + o.InfluenceWeight + o.SpreadingWeight + o.RfmWeight)
            .Must(v => v > 0).OverridePropertyName("Weights")
            .WithErrorCode("scoring.weight.none").WithMessage("At least one weight must be positive.");

        foreach (var (name, get) in new (string, Func<KeyCustomerOptions, double>)[]
        {
            (nameof(KeyCustomerOptions.DaysPerUnit), o => o.DaysPerUnit),
            (nameof(KeyCustomerOptions.RepeatHalf), o => o.RepeatHalf),
            (nameof(KeyCustomerOptions.RecencyHalfLifeDays), o => o.RecencyHalfLifeDays),
            (nameof(KeyCustomerOptions.ExpectedPurchasesHalf), o => o.ExpectedPurchasesHalf),
            (nameof(KeyCustomerOptions.ReferredBuyersHalf), o => o.ReferredBuyersHalf),
            (nameof(KeyCustomerOptions.ConversionHalfDays), o => o.ConversionHalfDays),
            (nameof(KeyCustomerOptions.DownlineHalf), o => o.DownlineHalf),
            (nameof(KeyCustomerOptions.SharesHalf), o => o.SharesHalf),
            (nameof(KeyCustomerOptions.RepliesHalf), o => o.RepliesHalf),
            (nameof(KeyCustomerOptions.Horizon), o => o.Horizon),
        })
        {
            RuleFor(o => get(o)).Must(v => Finite(v) && v > 0).OverridePropertyName(name)
                .WithErrorCode(name == nameof(KeyCustomerOptions.Horizon) ? "scoring.horizon.nonpositive" : "scoring.half.nonpositive")
                .WithMessage(o => $"{name} must be a finite number above 0; got {get(o)}.");
        }

        RuleFor(o => o.ReferredSpendHalfMinor).Must(v => v is null or > 0)
            .WithErrorCode("scoring.half.nonpositive").WithMessage(o => $"ReferredSpendHalfMinor must be above 0 when set; got {o.ReferredSpendHalfMinor}.");

        RuleFor(o => o.BgNbd).NotNull().When(o => o.Repurchase != RepurchaseSignal.RecentRepeats)
            .WithErrorCode("scoring.bgnbd.missing").WithMessage(o => $"The {o.Repurchase} signal needs BG/NBD parameters.");
        RuleFor(o => o.BgNbd!)
            .Must(p => Finite(p.R) && Finite(p.Alpha) && Finite(p.A) && Finite(p.B) && p.R > 0 && p.Alpha > 0 && p.A > 0 && p.B > 0)
            .When(o => o.BgNbd is not null)
            .WithErrorCode("scoring.bgnbd.invalid").WithMessage(o => $"BG/NBD parameters must all be finite and positive; got {o.BgNbd}.");
        foreach (var (name, get) in new (string, Func<KeyCustomerOptions, int>)[]
        {
            (nameof(KeyCustomerOptions.SpreaderMinActions), o => o.SpreaderMinActions),
            (nameof(KeyCustomerOptions.PromiserMinPromises), o => o.PromiserMinPromises),
            (nameof(KeyCustomerOptions.LoyalMinRepeats), o => o.LoyalMinRepeats),
            (nameof(KeyCustomerOptions.LoyalMaxDaysSinceLast), o => o.LoyalMaxDaysSinceLast),
        })
        {
            RuleFor(o => get(o)).GreaterThanOrEqualTo(0).OverridePropertyName(name)
                .WithErrorCode("scoring.threshold.negative").WithMessage(o => $"{name} must be at least 0; got {get(o)}.");
        }
    }
}
