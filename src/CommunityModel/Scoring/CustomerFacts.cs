using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Scoring;

/// <summary>
/// Everything the key-customer scorer knows about one customer as of a day: purchases, referrals and
/// the recorded interactions, all facts. Build them with <see cref="CustomerFacts.Build"/> or fill them
/// from a store of your own.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record CustomerFacts
{
    /// <summary>The customer's key.</summary>
    public required MemberId CustomerId { get; init; }

    /// <summary>The day the facts are taken at (inclusive).</summary>
    public required LocalDate AsOf { get; init; }

    /// <summary>Distinct days with a purchase, up to <see cref="AsOf"/>.</summary>
    public int PurchaseDays { get; init; }

    /// <summary>Repeat purchase days (purchase days after the first).</summary>
    public int RepeatPurchases => Math.Max(0, PurchaseDays - 1);

    /// <summary>The first purchase day, if any.</summary>
    public LocalDate? FirstPurchase { get; init; }

    /// <summary>The last purchase day, if any.</summary>
    public LocalDate? LastPurchase { get; init; }

    /// <summary>Total spend up to <see cref="AsOf"/>.</summary>
    public required Money TotalSpend { get; init; }

    /// <summary>Customers this one referred who bought.</summary>
    public int ReferredBuyers { get; init; }

    /// <summary>What those referred buyers spent.</summary>
    public required Money ReferredSpend { get; init; }

    /// <summary>The median days from a referred customer's joining to their first purchase (how fast referrals convert), if known.</summary>
    public double? ReferralConversionDays { get; init; }

    /// <summary>The size of the customer's downline in the referral tree.</summary>
    public int DownlineSize { get; init; }

    /// <summary>Posts, products or the store shared.</summary>
    public int Shares { get; init; }

    /// <summary>Replies to others in groups (dialogue).</summary>
    public int GroupReplies { get; init; }

    /// <summary>Referrals promised.</summary>
    public int PromisedReferrals { get; init; }

    /// <summary>Times the customer asked the price.</summary>
    public int PriceQuestions { get; init; }

    /// <summary>Times the customer asked about validity or gifts.</summary>
    public int ValidityOrGiftQuestions { get; init; }

    /// <summary>Other questions asked.</summary>
    public int Questions { get; init; }

    /// <summary>Complaints made.</summary>
    public int Complaints { get; init; }

    /// <summary>Days from the last purchase to <see cref="AsOf"/>, if the customer bought.</summary>
    public int? DaysSinceLastPurchase => LastPurchase is { } last ? Period.DaysBetween(last, AsOf) : null;

    /// <summary>The problems of these facts (negative counts, purchases after the as-of day, mixed currencies); empty when sound.</summary>
    /// <returns>The problems.</returns>
    public IReadOnlyList<Problem> Problems()
    {
        var problems = new List<Problem>();
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                problems.Add(new Problem("scoring.facts.invalid", CustomerId.ToString(), $"{CustomerId}: {what}"));
            }
        }

        Check(!CustomerId.IsDefault, "the customer id is missing");
        Check(PurchaseDays >= 0 && ReferredBuyers >= 0 && DownlineSize >= 0 && Shares >= 0 && GroupReplies >= 0 && PromisedReferrals >= 0
            && PriceQuestions >= 0 && ValidityOrGiftQuestions >= 0 && Questions >= 0 && Complaints >= 0, "a count is negative");
        Check(TotalSpend.MinorUnits >= 0 && ReferredSpend.MinorUnits >= 0, "a spend is negative");
        Check(TotalSpend.Currency == ReferredSpend.Currency, "total and referred spend are in different currencies");
        Check((PurchaseDays == 0) == (FirstPurchase is null) && (FirstPurchase is null) == (LastPurchase is null), "purchase days and first/last purchase disagree");
        Check(FirstPurchase is null || (FirstPurchase <= LastPurchase && LastPurchase <= AsOf), "first purchase after last, or last purchase after the as-of day");
        Check(FirstPurchase is null || PurchaseDays <= Period.DaysBetween(FirstPurchase.Value, LastPurchase!.Value) + 1, "more purchase days than days between first and last purchase");
        Check(ReferralConversionDays is null || (double.IsFinite(ReferralConversionDays.Value) && ReferralConversionDays >= 0), "the referral conversion time is negative or not a number");
        return problems;
    }

    /// <summary>
    /// Builds the facts of every customer seen in the purchases, the interactions or the tree, as of the end
    /// of <paramref name="asOf"/> (later facts are ignored). Purchases on one day count as one purchase day.
    /// Referral facts come from the tree when one is given: a direct referral (sponsor as of the end of
    /// <paramref name="asOf"/>) who bought counts as a referred buyer, with their spend and the days from
    /// joining to first purchase; without a tree they come from <see cref="InteractionKind.ReferredBuyer"/>
    /// interactions whose subject is the referred customer (each subject counted once). The result is
    /// ordered by customer key (ordinal).
    /// </summary>
    /// <param name="purchases">The purchases, in any order, in one currency.</param>
    /// <param name="interactions">The interactions, in any order.</param>
    /// <param name="asOf">The as-of day (inclusive).</param>
    /// <param name="currency">The currency of the spend.</param>
    /// <param name="tree">The referral tree, or null.</param>
    /// <param name="zone">The store's zone, to read join instants as days (required with a tree).</param>
    /// <returns>The facts, one per customer.</returns>
    /// <exception cref="InvalidInputException">Every bad purchase listed (other currency, quantity below 1).</exception>
    public static IReadOnlyList<CustomerFacts> Build(
        IEnumerable<Purchase> purchases,
        IEnumerable<Interaction> interactions,
        LocalDate asOf,
        Currency currency,
        ReferralTree? tree = null,
        DateTimeZone? zone = null)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(interactions);
        if (tree is not null && zone is null)
        {
            throw new ArgumentNullException(nameof(zone), "A zone is needed to read the tree's join instants as days.");
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var acc = new List<Accumulator>();
        int Slot(string id)
        {
            if (!index.TryGetValue(id, out var i))
            {
                i = acc.Count;
                index[id] = i;
                acc.Add(new Accumulator { Id = id });
            }

            return i;
        }

        var problems = new List<Problem>();
        var dayKeys = new List<long>();
        foreach (var p in purchases)
        {
            ArgumentNullException.ThrowIfNull(p);
            if (p.Value.Currency != currency || p.Quantity < 1 || p.CustomerId.IsDefault)
            {
                problems.Add(new Problem("scoring.purchase.invalid", p.CustomerId.ToString(), $"purchase by '{p.CustomerId}' on {p.Date}: needs a customer, quantity at least 1 and {currency.Code} (got {p.Value}, quantity {p.Quantity})"));
                continue;
            }

            if (p.Date > asOf)
            {
                continue;
            }

            var i = Slot(p.CustomerId.Value);
            acc[i].Spend = checked(acc[i].Spend + p.Value.MinorUnits);
            dayKeys.Add(((long)i << 32) | (uint)p.Date.ToDateOnly().DayNumber);
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }

        var keys = dayKeys.ToArray();
        Array.Sort(keys);
        for (var k = 0; k < keys.Length; k++)
        {
            if (k > 0 && keys[k] == keys[k - 1])
            {
                continue;
            }

            var i = (int)(keys[k] >> 32);
            var day = LocalDate.FromDateOnly(DateOnly.FromDayNumber(unchecked((int)(uint)keys[k])));
            var a = acc[i];
            a.Days++;
            if (a.Days == 1)
            {
                a.First = day;
            }

            a.Last = day;
        }

        var referredSubjects = new HashSet<(int Referrer, string Subject)>();
        foreach (var x in interactions)
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.Date > asOf)
            {
                continue;
            }

            var a = acc[Slot(x.CustomerId.Value)];
            switch (x.Kind)
            {
                case InteractionKind.AskedPrice: a.Price++; break;
                case InteractionKind.AskedValidityOrGifts: a.Validity++; break;
                case InteractionKind.AskedQuestion: a.Questions++; break;
                case InteractionKind.Complained: a.Complaints++; break;
                case InteractionKind.SharedPost: a.Shares++; break;
                case InteractionKind.RepliedInGroup: a.Replies++; break;
                case InteractionKind.PromisedReferral: a.Promises++; break;
                case InteractionKind.ReferredBuyer:
                    if (tree is null && x.Subject is { } s && referredSubjects.Add((index[x.CustomerId.Value], s)))
                    {
                        a.Referred++;
                        if (index.TryGetValue(s, out var si))
                        {
                            a.ReferredSpend = checked(a.ReferredSpend + acc[si].Spend);
                        }
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(interactions), x.Kind, "Unknown interaction kind.");
            }
        }

        if (tree is not null)
        {
            var end = asOf.PlusDays(1).AtStartOfDayInZone(zone!).ToInstant() - Duration.Epsilon;
            var downline = DownlineJoinedBy(tree, end);
            var conversions = new List<(int Sponsor, int Days)>();
            for (var m = 0; m < tree.Count; m++)
            {
                var id = tree.MemberAt(m).Value;
                var joined = tree.JoinedAt(tree.MemberAt(m));
                if (joined > end)
                {
                    continue;
                }

                var self = Slot(id);
                acc[self].Downline = downline[m];
                var sponsor = tree.SponsorIndexAsOf(m, end);
                if (sponsor < 0 || acc[self].Days == 0)
                {
                    continue;
                }

                var s = acc[Slot(tree.MemberAt(sponsor).Value)];
                s.Referred++;
                s.ReferredSpend = checked(s.ReferredSpend + acc[self].Spend);
                var joinDay = joined.InZone(zone!).Date;
                conversions.Add((index[s.Id], Math.Max(0, Period.DaysBetween(joinDay, acc[self].First!.Value))));
            }

            conversions.Sort();
            for (var c = 0; c < conversions.Count;)
            {
                var e = c;
                while (e < conversions.Count && conversions[e].Sponsor == conversions[c].Sponsor)
                {
                    e++;
                }

                var n = e - c;
                acc[conversions[c].Sponsor].ConversionDays = n % 2 == 1
                    ? conversions[c + (n / 2)].Days
                    : (conversions[c + (n / 2) - 1].Days + conversions[c + (n / 2)].Days) / 2.0;
                c = e;
            }
        }

        var result = new CustomerFacts[acc.Count];
        for (var i = 0; i < acc.Count; i++)
        {
            var a = acc[i];
            result[i] = new CustomerFacts
            {
                CustomerId = MemberId.From(a.Id),
                AsOf = asOf,
                PurchaseDays = a.Days,
                FirstPurchase = a.First,
                LastPurchase = a.Days == 0 ? null : a.Last,
                TotalSpend = Money.OfMinor(a.Spend, currency),
                ReferredBuyers = a.Referred,
                ReferredSpend = Money.OfMinor(a.ReferredSpend, currency),
                ReferralConversionDays = a.ConversionDays,
                DownlineSize = a.Downline,
                Shares = a.Shares,
                GroupReplies = a.Replies,
                PromisedReferrals = a.Promises,
                PriceQuestions = a.Price,
                ValidityOrGiftQuestions = a.Validity,
                Questions = a.Questions,
                Complaints = a.Complaints,
            };
        }

        Array.Sort(result, (x, y) => string.CompareOrdinal(x.CustomerId.Value, y.CustomerId.Value));
        return result;
    }

    /// <summary>Downline sizes as of an instant, counting only members who had joined by then (deepest first, no recursion).</summary>
    private static int[] DownlineJoinedBy(ReferralTree tree, Instant end)
    {
        var n = tree.Count;
        var depth = tree.Depths(end);
        var maxDepth = 0;
        foreach (var d in depth)
        {
            maxDepth = Math.Max(maxDepth, d);
        }

        var start = new int[maxDepth + 2];
        foreach (var d in depth)
        {
            start[d + 1]++;
        }

        for (var d = 1; d < start.Length; d++)
        {
            start[d] += start[d - 1];
        }

        var byDepth = new int[n];
        var fill = (int[])start.Clone();
        for (var m = 0; m < n; m++)
        {
            byDepth[fill[depth[m]]++] = m;
        }

        var size = new int[n];
        for (var k = n - 1; k >= 0; k--)
        {
            var m = byDepth[k];
            var parent = tree.SponsorIndexAsOf(m, end);
            if (parent >= 0 && tree.JoinedAt(tree.MemberAt(m)) <= end)
            {
                size[parent] += size[m] + 1;
            }
        }

        return size;
    }

    private sealed class Accumulator
    {
        public string Id = string.Empty;
        public long Spend;
        public int Days;
        public LocalDate? First;
        public LocalDate Last;
        public int Referred;
        public long ReferredSpend;
        public double? ConversionDays;
        public int Downline;
        public int Shares;
        public int Replies;
        public int Promises;
        public int Price;
        public int Validity;
        public int Questions;
        public int Complaints;
    }
}
