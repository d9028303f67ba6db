using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>One purchase as the scoring models read it: who, which day (in the store's zone), how much.</summary>
/// <param name="CustomerId">The customer's key.</param>
/// <param name="Date">The purchase day.</param>
/// <param name="Value">The amount paid.</param>
/// <param name="ProductId">The product bought, when known (variety and product-fit measures use it).</param>
/// <param name="Quantity">Units bought (at least 1).</param>
public sealed record Purchase(string CustomerId, LocalDate Date, Money Value, string? ProductId = null, int Quantity = 1);

/// <summary>A customer's calibration summary, with the spend and holdout figures built alongside it.</summary>
/// <param name="Summary">Repeat purchases, recency and age for BG/NBD.</param>
/// <param name="FirstPurchase">The day of the first purchase.</param>
/// <param name="MeanRepeatValue">The mean value of the repeat purchase days in the calibration period, in major units (0 with no repeat); the Gamma-Gamma input.</param>
/// <param name="HoldoutPurchases">Purchase days in the holdout period.</param>
public sealed record CalibrationSummary(RepeatSummary Summary, LocalDate FirstPurchase, double MeanRepeatValue, int HoldoutPurchases);

/// <summary>Builds repeat-purchase summaries from purchases.</summary>
public static class RepeatSummaries
{
    /// <summary>
    /// Summarises purchases for a calibration period that ends on <paramref name="calibrationEnd"/> (inclusive),
    /// with an optional holdout period after it. Purchases of one customer on one day count as one purchase
    /// (their values add up). Frequency counts the purchase days after the first; recency is the time from the
    /// first to the last purchase day; age T the time from the first purchase day to the end of the period;
    /// times in units of <paramref name="daysPerUnit"/> days (7: weeks). Customers whose first purchase is after
    /// the calibration end are left out. The result is ordered by customer key (ordinal).
    /// </summary>
    /// <param name="purchases">The purchases, in any order.</param>
    /// <param name="calibrationEnd">The last day of the calibration period.</param>
    /// <param name="holdoutEnd">The last day of the holdout period, if any.</param>
    /// <param name="daysPerUnit">Days per time unit.</param>
    /// <returns>One summary per customer.</returns>
    public static IReadOnlyList<CalibrationSummary> FromPurchases(IEnumerable<Purchase> purchases, LocalDate calibrationEnd, LocalDate? holdoutEnd = null, int daysPerUnit = 7)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(daysPerUnit);
        if (holdoutEnd is { } h && h < calibrationEnd)
        {
            throw new ArgumentException($"The holdout end {h} is before the calibration end {calibrationEnd}.", nameof(holdoutEnd));
        }

        var byCustomer = new Dictionary<string, SortedDictionary<LocalDate, long>>(StringComparer.Ordinal);
        Currency? currency = null;
        foreach (var p in purchases)
        {
            ArgumentNullException.ThrowIfNull(p);
            currency ??= p.Value.Currency;
            if (p.Value.Currency != currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(currency.Value, p.Value.Currency));
            }

            if (!byCustomer.TryGetValue(p.CustomerId, out var days))
            {
                days = [];
                byCustomer[p.CustomerId] = days;
            }

            days[p.Date] = checked(days.GetValueOrDefault(p.Date) + p.Value.MinorUnits);
        }

        var result = new List<CalibrationSummary>(byCustomer.Count);
        foreach (var (customer, days) in byCustomer.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var first = days.Keys.First();
            if (first > calibrationEnd)
            {
                continue;
            }

            var last = first;
            var repeats = 0;
            long repeatValue = 0;
            var holdout = 0;
            foreach (var (day, value) in days)
            {
                if (day <= calibrationEnd)
                {
                    if (day != first)
                    {
                        repeats++;
                        repeatValue += value;
                        last = day;
                    }
                }
                else if (holdoutEnd is { } end && day <= end)
                {
                    holdout++;
                }
            }

            double Units(LocalDate from, LocalDate to) => Period.DaysBetween(from, to) / (double)daysPerUnit;
            var mean = repeats == 0 ? 0.0 : (double)repeatValue / repeats / currency!.Value.MinorPerMajor;
            result.Add(new CalibrationSummary(new RepeatSummary(customer, repeats, Units(first, last), Units(first, calibrationEnd)), first, mean, holdout));
        }

        return result;
    }
}
