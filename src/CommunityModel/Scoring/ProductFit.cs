using System.Globalization;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>Whether a product suits the old-customer strategy.</summary>
public enum ProductFitVerdict
{
    /// <summary>Too few buyers to judge.</summary>
    NotEnoughData,

    /// <summary>Fits: customers come back about monthly or sooner, at full price.</summary>
    Fits,

    /// <summary>The repurchase cycle is too long (durables bought once in years): caring for buyers brings no sales soon.</summary>
    CycleTooLong,

    /// <summary>Repeat buying follows discounts: price and promotion move sales more than relationships do.</summary>
    PriceDriven,
}

/// <summary>Thresholds of the product-fit verdict. Validated by <see cref="ProductFitOptionsValidator"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record ProductFitOptions
{
    /// <summary>
    /// Every problem of this ProductFitOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new ProductFitOptionsValidator(), this);

    /// <summary>The longest median repurchase cycle, in days, that fits ("about monthly or shorter").</summary>
    public int MaxCycleDays { get; init; } = 35;

    /// <summary>The least share of buyers who bought again for a fit.</summary>
    public double MinRepeatBuyerShare { get; init; } = 0.2;

    /// <summary>A purchase at least this far below list price counts as discounted.</summary>
    public Rate DiscountThreshold { get; init; } = Rate.FromPercent(10);

    /// <summary>The share of repeat purchases made at a discount from which the product is price-driven.</summary>
    public double PriceDrivenShare { get; init; } = 0.6;

    /// <summary>The least buyers to judge.</summary>
    public int MinBuyers { get; init; } = 20;
}

/// <summary>Validates <see cref="ProductFitOptions"/>. Error code: <c>fit.option.range</c>.</summary>
internal sealed class ProductFitOptionsValidator : AbstractValidator<ProductFitOptions>
{
    /// <summary>Creates the validator.</summary>
    public ProductFitOptionsValidator()
    {
        RuleFor(o => o.MaxCycleDays).InclusiveBetween(1, 3_650).WithErrorCode("fit.option.range");
        RuleFor(o => o.MinRepeatBuyerShare).InclusiveBetween(0, 1).WithErrorCode("fit.option.range");
        RuleFor(o => o.PriceDrivenShare).InclusiveBetween(0, 1).WithErrorCode("fit.option.range");
        RuleFor(o => o.DiscountThreshold.PartsPerMillion).InclusiveBetween(0, 1_000_000).OverridePropertyName(nameof(ProductFitOptions.DiscountThreshold)).WithErrorCode("fit.option.range");
        RuleFor(o => o.MinBuyers).GreaterThanOrEqualTo(1).WithErrorCode("fit.option.range");
    }
}

/// <summary>The product-fit assessment.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Buyers">Distinct buyers.</param>
/// <param name="RepeatBuyers">Buyers who bought on more than one day.</param>
/// <param name="RepeatBuyerShare">Repeat buyers over buyers.</param>
/// <param name="MedianCycleDays">The median of the gaps between a customer's consecutive purchase days (null without repeats).</param>
/// <param name="P90CycleDays">The 90th percentile of those gaps.</param>
/// <param name="DiscountedRepeatShare">The share of repeat purchases made at a discount.</param>
/// <param name="Verdict">Whether the product suits the old-customer strategy, and if not why.</param>
/// <param name="Reasons">Why, in words.</param>
public sealed record ProductFitReport(int Buyers, int RepeatBuyers, double RepeatBuyerShare, double? MedianCycleDays, double? P90CycleDays, double DiscountedRepeatShare, ProductFitVerdict Verdict, IReadOnlyList<string> Reasons);

/// <summary>
/// Does a product suit the old-customer strategy? Its repurchase cycle from inter-purchase times and the
/// part discounts play in repeat buying decide, with the reasons given.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class ProductFit
{
    /// <summary>Assesses one product from its purchases (the same <see cref="Purchase"/> facts the other models read).</summary>
    /// <param name="purchases">
    /// The product's purchases, in any order, in the list price's currency; a purchase of several units is
    /// discounted when its amount is at or below <c>quantity x</c> the discounted unit price.
    /// </param>
    /// <param name="listPrice">
    /// The product's list price per unit (more than zero), or null when it is not known: then no purchase counts as
    /// discounted and only the repurchase cycle decides.
    /// </param>
    /// <param name="options">The thresholds, or null for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidInputException">
    /// The options are invalid, the list price is not positive (<c>scoring.list-price.invalid</c>), or purchases
    /// are bad (<c>scoring.purchase.invalid</c>, every one listed).
    /// </exception>
    public static ProductFitReport Assess(IEnumerable<Purchase> purchases, Money? listPrice = null, ProductFitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        options ??= new ProductFitOptions();
        Validation.Check(new ProductFitOptionsValidator(), options);
        if (listPrice is { MinorUnits: <= 0 } bad)
        {
            throw new InvalidInputException([new Problem("scoring.list-price.invalid", nameof(listPrice), $"A list price must be more than zero; got {bad}.")]);
        }

        // Discounted when the price per unit is at or below list price less the threshold.
        var floor = listPrice is { } list ? list - options.DiscountThreshold.Apply(list, RoundingMode.Floor) : default;
        Currency? currency = listPrice?.Currency;
        var problems = new List<Problem>();
        var byCustomer = new Dictionary<string, SortedDictionary<LocalDate, bool>>(StringComparer.Ordinal);
        foreach (var p in purchases)
        {
            ArgumentNullException.ThrowIfNull(p);
            currency ??= p.Value.Currency;
            if (p.Value.Currency != currency || p.Value.IsNegative || p.Quantity < 1)
            {
                problems.Add(new Problem("scoring.purchase.invalid", p.CustomerId.ToString(), $"purchase by {p.CustomerId} on {p.Date}: needs a non-negative amount in {currency.Value.Code} and a quantity of at least 1 (got {p.Value}, quantity {p.Quantity})"));
                continue;
            }

            var discounted = listPrice is not null && options.DiscountThreshold.PartsPerMillion > 0 && (Int128)p.Value.MinorUnits <= (Int128)floor.MinorUnits * p.Quantity;
            if (!byCustomer.TryGetValue(p.CustomerId.Value, out var days))
            {
                days = [];
                byCustomer[p.CustomerId.Value] = days;
            }

            // One purchase day is discounted if any purchase that day was.
            days[p.Date] = days.GetValueOrDefault(p.Date) || discounted;
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }

        var gaps = new List<int>();
        var repeatBuyers = 0;
        var repeats = 0;
        var discountedRepeats = 0;
        foreach (var days in byCustomer.Values)
        {
            if (days.Count > 1)
            {
                repeatBuyers++;
            }

            LocalDate? previous = null;
            foreach (var (day, discounted) in days)
            {
                if (previous is { } prev)
                {
                    gaps.Add(Period.DaysBetween(prev, day));
                    repeats++;
                    discountedRepeats += discounted ? 1 : 0;
                }

                previous = day;
            }
        }

        gaps.Sort();
        double? Quantile(double q)
        {
            if (gaps.Count == 0)
            {
                return null;
            }

            var pos = q * (gaps.Count - 1);
            var lo = (int)Math.Floor(pos);
            var hi = Math.Min(lo + 1, gaps.Count - 1);
            return gaps[lo] + ((pos - lo) * (gaps[hi] - gaps[lo]));
        }

        var buyers = byCustomer.Count;
        var repeatShare = buyers == 0 ? 0 : (double)repeatBuyers / buyers;
        var discountShare = repeats == 0 ? 0 : (double)discountedRepeats / repeats;
        var median = Quantile(0.5);
        var p90 = Quantile(0.9);
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        string P(double v) => v.ToString("0%", CultureInfo.InvariantCulture);
        var reasons = new List<string>();
        ProductFitVerdict verdict;
        if (buyers < options.MinBuyers)
        {
            verdict = ProductFitVerdict.NotEnoughData;
            reasons.Add($"{buyers} buyer(s), fewer than the {options.MinBuyers} needed to judge");
        }
        else if (repeats > 0 && discountShare >= options.PriceDrivenShare)
        {
            verdict = ProductFitVerdict.PriceDriven;
            reasons.Add($"{P(discountShare)} of repeat purchases were made at a discount of at least {options.DiscountThreshold.Percent.ToString("0.##", CultureInfo.InvariantCulture)}%: price, not relationship, brings buyers back");
        }
        else if (median is { } m && m <= options.MaxCycleDays && repeatShare >= options.MinRepeatBuyerShare)
        {
            verdict = ProductFitVerdict.Fits;
            reasons.Add($"buyers come back every {F(m)} days (median), within {options.MaxCycleDays}");
            reasons.Add($"{P(repeatShare)} of buyers bought again");
        }
        else
        {
            verdict = ProductFitVerdict.CycleTooLong;
            reasons.Add(median is { } mm
                ? $"the median repurchase cycle is {F(mm)} days, longer than {options.MaxCycleDays}, or too few come back"
                : "nobody bought twice: a product bought once in years");
            reasons.Add($"{P(repeatShare)} of buyers bought again (a fit needs {P(options.MinRepeatBuyerShare)})");
        }

        return new ProductFitReport(buyers, repeatBuyers, repeatShare, median, p90, discountShare, verdict, reasons);
    }
}
