using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>
/// One purchase as the scoring models read it: who, which day (in the store's zone), how much. The scoring
/// models work by day and need no order id (published data such as CDNOW's has none), so this is the
/// day-grain view of an <see cref="Order"/>: make it with <see cref="FromOrder"/> from the orders the rest of
/// the library takes. An immutable record, safe to share between threads.
/// </summary>
/// <param name="CustomerId">The customer who bought.</param>
/// <param name="Date">The purchase day.</param>
/// <param name="Value">The amount paid.</param>
/// <param name="ProductId">The product bought, when known (variety and product-fit measures use it).</param>
/// <param name="Quantity">Units bought (at least 1).</param>
public sealed record Purchase(MemberId CustomerId, LocalDate Date, Money Value, ProductId? ProductId = null, int Quantity = 1)
{
    /// <summary>The purchase an order records: its buyer, its day in the store's zone, its amount, product and quantity.</summary>
    /// <param name="order">The order; its buyer, amount, product and quantity carry over.</param>
    /// <param name="zone">The store's time zone, which decides the day of the order's instant.</param>
    /// <returns>The purchase.</returns>
    public static Purchase FromOrder(Order order, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(zone);
        return new Purchase(order.Buyer, order.PaidAt.InZone(zone).Date, order.Amount, order.Product, order.Quantity);
    }
}

/// <summary>A customer's calibration summary, with the spend and holdout figures built alongside it.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Summary">Repeat purchases, recency and age for BG/NBD.</param>
/// <param name="FirstPurchase">The day of the first purchase.</param>
/// <param name="MeanRepeatValue">The mean value of the repeat purchase days in the calibration period, in major units (0 with no repeat); the Gamma-Gamma input.</param>
/// <param name="HoldoutPurchases">Purchase days in the holdout period.</param>
public sealed record CalibrationSummary(RepeatSummary Summary, LocalDate FirstPurchase, double MeanRepeatValue, int HoldoutPurchases);

/// <summary>Builds repeat-purchase summaries from purchases.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
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

            if (!byCustomer.TryGetValue(p.CustomerId.Value, out var days))
            {
                days = [];
                byCustomer[p.CustomerId.Value] = days;
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
            result.Add(new CalibrationSummary(new RepeatSummary(MemberId.From(customer), repeats, Units(first, last), Units(first, calibrationEnd)), first, mean, holdout));
        }

        return result;
    }
}
