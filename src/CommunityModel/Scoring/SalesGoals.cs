using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>A customer as the sales goals see them: when the store first reached them, and who referred them.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="CustomerId">The person contacted.</param>
/// <param name="FirstContact">The day of first contact.</param>
/// <param name="ReferredBy">The referrer, for a customer who came through a referral.</param>
public sealed record Contact(MemberId CustomerId, LocalDate FirstContact, MemberId? ReferredBy = null);

/// <summary>The five measures of a kind of purchase (people, frequency, quantity, variety, amount).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="People">Distinct customers who bought.</param>
/// <param name="Purchases">Purchases (frequency).</param>
/// <param name="Quantity">Units bought.</param>
/// <param name="Variety">Distinct products bought (purchases without a product are not counted here).</param>
/// <param name="Amount">What they paid.</param>
public sealed record PurchaseMeasures(int People, int Purchases, long Quantity, int Variety, Money Amount);

/// <summary>
/// The six sales goals over a period [Start, End] (days inclusive). Formulas:
/// new customers = customers whose first purchase ever falls in the period;
/// decision cycle = median days from first contact to first purchase over those new customers with a contact;
/// conversion = contacts first reached in the period who bought by its end, over contacts first reached in it;
/// repeat purchase = purchases in the period by customers whose first purchase was before it;
/// referral purchase = purchases in the period by customers who came through a referral;
/// churn = customers who bought in the previous period of the same length but not in this one, over those who
/// bought in the previous period.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Start">The first day.</param>
/// <param name="End">The last day.</param>
/// <param name="NewCustomers">Goal 1: new customers.</param>
/// <param name="MedianDecisionCycleDays">Goal 2: the median decision cycle in days (null when no new customer has a contact).</param>
/// <param name="ContactsReached">Contacts first reached in the period.</param>
/// <param name="ContactsConverted">Of them, who bought by the period's end.</param>
/// <param name="ConversionRate">Goal 3: converted over reached (null with no contact).</param>
/// <param name="Repeat">Goal 4: repeat purchases.</param>
/// <param name="Referral">Goal 5: referral purchases.</param>
/// <param name="ActiveBefore">Customers who bought in the previous period.</param>
/// <param name="Churned">Of them, who did not buy in this period.</param>
/// <param name="ChurnRate">Goal 6: churned over active before (null when nobody was active before).</param>
public sealed record SalesGoalReport(
    LocalDate Start,
    LocalDate End,
    int NewCustomers,
    double? MedianDecisionCycleDays,
    int ContactsReached,
    int ContactsConverted,
    double? ConversionRate,
    PurchaseMeasures Repeat,
    PurchaseMeasures Referral,
    int ActiveBefore,
    int Churned,
    double? ChurnRate);

/// <summary>The six sales goals of the old-customer strategy, measured from contacts and purchases.</summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class SalesGoals
{
    /// <summary>Measures the six goals over a period.</summary>
    /// <param name="contacts">The contacts (one per customer).</param>
    /// <param name="purchases">All purchases (history before the period is needed to tell old from new).</param>
    /// <param name="start">The first day of the period.</param>
    /// <param name="end">The last day (inclusive, not before start).</param>
    /// <param name="currency">The currency of the purchases.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidInputException">Every bad input listed.</exception>
    public static SalesGoalReport Measure(IEnumerable<Contact> contacts, IEnumerable<Purchase> purchases, LocalDate start, LocalDate end, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        ArgumentNullException.ThrowIfNull(purchases);
        if (end < start)
        {
            throw new ArgumentException($"The period ends ({end}) before it starts ({start}).", nameof(end));
        }

        var problems = new List<Problem>();
        var contactOf = new Dictionary<string, Contact>(StringComparer.Ordinal);
        foreach (var c in contacts)
        {
            ArgumentNullException.ThrowIfNull(c);
            if (!contactOf.TryAdd(c.CustomerId.Value, c))
            {
                problems.Add(new Problem("scoring.contact.duplicate", c.CustomerId.ToString(), $"contact {c.CustomerId}: listed twice"));
            }
        }

        var all = new List<Purchase>();
        foreach (var p in purchases)
        {
            ArgumentNullException.ThrowIfNull(p);
            if (p.Value.Currency != currency || p.Quantity < 1 || p.Value.IsNegative)
            {
                problems.Add(new Problem("scoring.purchase.invalid", p.CustomerId.ToString(), $"purchase by {p.CustomerId} on {p.Date}: needs a non-negative {currency.Code} amount and quantity at least 1 (got {p.Value}, {p.Quantity})"));
            }

            all.Add(p);
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }

        var length = Period.DaysBetween(start, end) + 1;
        var previousStart = start.PlusDays(-length);
        var firstPurchase = new Dictionary<string, LocalDate>(StringComparer.Ordinal);
        var activeBefore = new HashSet<string>(StringComparer.Ordinal);
        var activeNow = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in all)
        {
            if (!firstPurchase.TryGetValue(p.CustomerId.Value, out var f) || p.Date < f)
            {
                firstPurchase[p.CustomerId.Value] = p.Date;
            }

            if (p.Date >= previousStart && p.Date < start)
            {
                activeBefore.Add(p.CustomerId.Value);
            }
            else if (p.Date >= start && p.Date <= end)
            {
                activeNow.Add(p.CustomerId.Value);
            }
        }

        var newCustomers = 0;
        var cycles = new List<int>();
        foreach (var (customer, first) in firstPurchase)
        {
            if (first >= start && first <= end)
            {
                newCustomers++;
                if (contactOf.TryGetValue(customer, out var c) && c.FirstContact <= first)
                {
                    cycles.Add(Period.DaysBetween(c.FirstContact, first));
                }
            }
        }

        cycles.Sort();
        double? medianCycle = cycles.Count == 0 ? null
            : cycles.Count % 2 == 1 ? cycles[cycles.Count / 2] : (cycles[(cycles.Count / 2) - 1] + cycles[cycles.Count / 2]) / 2.0;

        var reached = 0;
        var converted = 0;
        foreach (var c in contactOf.Values)
        {
            if (c.FirstContact >= start && c.FirstContact <= end)
            {
                reached++;
                if (firstPurchase.TryGetValue(c.CustomerId.Value, out var f) && f <= end)
                {
                    converted++;
                }
            }
        }

        var repeat = new MeasureBuilder();
        var referral = new MeasureBuilder();
        foreach (var p in all)
        {
            if (p.Date < start || p.Date > end)
            {
                continue;
            }

            if (firstPurchase[p.CustomerId.Value] < start)
            {
                repeat.Add(p);
            }

            if (contactOf.TryGetValue(p.CustomerId.Value, out var c) && c.ReferredBy is not null)
            {
                referral.Add(p);
            }
        }

        var churned = activeBefore.Count(c => !activeNow.Contains(c));
        return new SalesGoalReport(
            start,
            end,
            newCustomers,
            medianCycle,
            reached,
            converted,
            reached == 0 ? null : (double)converted / reached,
            repeat.Build(currency),
            referral.Build(currency),
            activeBefore.Count,
            churned,
            activeBefore.Count == 0 ? null : (double)churned / activeBefore.Count);
    }

    private sealed class MeasureBuilder
    {
        private readonly HashSet<string> _people = new(StringComparer.Ordinal);
        private readonly HashSet<string> _products = new(StringComparer.Ordinal);
        private int _purchases;
        private long _quantity;
        private long _amount;

        public void Add(Purchase p)
        {
            _people.Add(p.CustomerId.Value);
            if (p.ProductId is { } product)
            {
                _products.Add(product.Value);
            }

            _purchases++;
            _quantity = checked(_quantity + p.Quantity);
            _amount = checked(_amount + p.Value.MinorUnits);
        }

        public PurchaseMeasures Build(Currency currency) => new(_people.Count, _purchases, _quantity, _products.Count, Money.OfMinor(_amount, currency));
    }
}
