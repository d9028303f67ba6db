using System.Collections.Immutable;
using System.Globalization;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Teams;

/// <summary>A three-step degree.</summary>
public enum Degree
{
    /// <summary>Low.</summary>
    Low = 0,

    /// <summary>Medium.</summary>
    Medium = 1,

    /// <summary>High.</summary>
    High = 2,
}

/// <summary>The customers' wealth band.</summary>
public enum NetWorthBand
{
    /// <summary>The mass market.</summary>
    Mass = 0,

    /// <summary>Affluent.</summary>
    Affluent = 1,

    /// <summary>High net worth (entrepreneurs, owners).</summary>
    HighNetWorth = 2,
}

/// <summary>Facts about a community's customers and products.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="NetWorth">The customers' wealth band.</param>
/// <param name="DecisionCycleDays">The typical days from first contact to first purchase.</param>
/// <param name="Standardisation">How standardised the products and service are.</param>
/// <param name="TypicalPrice">A typical order's price.</param>
/// <param name="DerivedValue">How much value grows around the product (network, advice, access).</param>
public sealed record CommunityFacts(NetWorthBand NetWorth, int DecisionCycleDays, Degree Standardisation, Money TypicalPrice, Degree DerivedValue);

/// <summary>Thresholds of the community profile. Validated by <see cref="CommunityProfileOptionsValidator"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record CommunityProfileOptions
{
    /// <summary>
    /// Every problem of this CommunityProfileOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new CommunityProfileOptionsValidator(), this);

    /// <summary>A decision cycle this long or longer counts as long.</summary>
    public int LongDecisionDays { get; init; } = 30;

    /// <summary>A typical price this high or higher counts as high-priced.</summary>
    public Money HighPrice { get; init; } = Money.Parse("CNY 10000.00");

    /// <summary>How many of the five entrepreneur-community traits call for sales and operations together.</summary>
    public int TraitsForCollaboration { get; init; } = 3;
}

/// <summary>Validates <see cref="CommunityProfileOptions"/>. Error codes: <c>profile.decision-days.range</c>, <c>profile.price.positive</c>, <c>profile.traits.range</c>.</summary>
internal sealed class CommunityProfileOptionsValidator : AbstractValidator<CommunityProfileOptions>
{
    /// <summary>Creates the validator.</summary>
    public CommunityProfileOptionsValidator()
    {
        RuleFor(o => o.LongDecisionDays).InclusiveBetween(1, 3_650).WithErrorCode("profile.decision-days.range");
        RuleFor(o => o.HighPrice.MinorUnits).GreaterThan(0).OverridePropertyName("HighPrice").WithErrorCode("profile.price.positive");
        RuleFor(o => o.TraitsForCollaboration).InclusiveBetween(1, 5).WithErrorCode("profile.traits.range");
    }
}

/// <summary>How a community should be run.</summary>
public enum CommunityVerdict
{
    /// <summary>A community that can run itself with light operation.</summary>
    SelfRunning = 0,

    /// <summary>Sales and operations must work together (seed 001's entrepreneurs' community).</summary>
    SalesAndOperationsTogether = 1,
}

/// <summary>The profile's verdict with its reasons.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Verdict">Whether the people described make a sharing community, and of which kind.</param>
/// <param name="Traits">How many of the five traits the community shows.</param>
/// <param name="Reasons">One line per trait, shown or not.</param>
public sealed record CommunityProfileReading(CommunityVerdict Verdict, int Traits, ImmutableArray<string> Reasons);

/// <summary>
/// Classifies a community (seed 001): where customers are high net worth, decisions take long, the product is
/// hard to standardise, high-priced and rich in derived value, sales and operations must merge; otherwise the
/// community can largely run itself.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class CommunityProfile
{
    /// <summary>Classifies.</summary>
    /// <param name="facts">What is known about the people of the would-be community.</param>
    /// <param name="options">The thresholds; defaults when null.</param>
    /// <returns>The verdict and reasons.</returns>
    /// <exception cref="InvalidInputException">The options are invalid.</exception>
    public static CommunityProfileReading Classify(CommunityFacts facts, CommunityProfileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        options ??= new CommunityProfileOptions();
        Validation.Check(new CommunityProfileOptionsValidator(), options);
        var reasons = ImmutableArray.CreateBuilder<string>();
        var traits = 0;
        void Trait(bool shown, string yes, string no)
        {
            traits += shown ? 1 : 0;
            reasons.Add(shown ? yes : no);
        }

        Trait(facts.NetWorth == NetWorthBand.HighNetWorth, "customers are high net worth", $"customers are {facts.NetWorth}, not high net worth");
        Trait(facts.DecisionCycleDays >= options.LongDecisionDays, $"decisions take {facts.DecisionCycleDays} days (long: {options.LongDecisionDays}+)", $"decisions take {facts.DecisionCycleDays} days (short)");
        Trait(facts.Standardisation == Degree.Low, "the product is hard to standardise", $"standardisation is {facts.Standardisation}");
        Trait(facts.TypicalPrice.Currency == options.HighPrice.Currency && facts.TypicalPrice >= options.HighPrice, $"a typical order is {facts.TypicalPrice} (high-priced: {options.HighPrice}+)", $"a typical order is {facts.TypicalPrice}");
        Trait(facts.DerivedValue == Degree.High, "value grows around the product (derived value high)", $"derived value is {facts.DerivedValue}");
        var verdict = traits >= options.TraitsForCollaboration ? CommunityVerdict.SalesAndOperationsTogether : CommunityVerdict.SelfRunning;
        return new CommunityProfileReading(verdict, traits, reasons.ToImmutable());
    }
}

/// <summary>Thresholds of the sharing-community readiness check. Validated by <see cref="SharingReadinessOptionsValidator"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record SharingReadinessOptions
{
    /// <summary>
    /// Every problem of this SharingReadinessOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new SharingReadinessOptionsValidator(), this);

    /// <summary>The window's length in days; growth compares it with the window before.</summary>
    public int WindowDays { get; init; } = 30;

    /// <summary>The fewest trial buyers in the window.</summary>
    public int MinimumTrialBuyers { get; init; } = 100;

    /// <summary>The smallest growth of trial buyers over the window before (0.2 = 20%).</summary>
    public Rate MinimumGrowth { get; init; } = Rate.FromPercent(20);
}

/// <summary>Validates <see cref="SharingReadinessOptions"/>. Error codes: <c>sharing.window.range</c>, <c>sharing.buyers.range</c>.</summary>
internal sealed class SharingReadinessOptionsValidator : AbstractValidator<SharingReadinessOptions>
{
    /// <summary>Creates the validator.</summary>
    public SharingReadinessOptionsValidator()
    {
        RuleFor(o => o.WindowDays).InclusiveBetween(1, 366).WithErrorCode("sharing.window.range");
        RuleFor(o => o.MinimumTrialBuyers).GreaterThanOrEqualTo(1).WithErrorCode("sharing.buyers.range");
    }
}

/// <summary>Whether to open a sharing community now, and why.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Ready">Yes (true) or not yet.</param>
/// <param name="TrialBuyers">Distinct trial buyers in the window.</param>
/// <param name="PreviousTrialBuyers">Distinct trial buyers in the window before.</param>
/// <param name="Growth">Growth over the window before (null when it had none).</param>
/// <param name="Reason">Why, in one line.</param>
public sealed record SharingReadiness(bool Ready, int TrialBuyers, int PreviousTrialBuyers, double? Growth, string Reason);
