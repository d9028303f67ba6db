using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Simulation;

/// <summary>
/// Settings of a synthetic store: how many customers over how many days, and how many planted key
/// customers (who buy again often, refer buyers who convert fast, share and talk). Validated by
/// <see cref="SyntheticStoreOptionsValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record SyntheticStoreOptions
{
    /// <summary>
    /// Every problem of this SyntheticStoreOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => SimulationValidation.Problems(new SyntheticStoreOptionsValidator(), this);

    /// <summary>The seed; equal seeds give equal stores.</summary>
    public ulong Seed { get; init; } = 2026;

    /// <summary>Customers.</summary>
    public int Customers { get; init; } = 2_000;

    /// <summary>Planted key customers among them.</summary>
    public int PlantedKeyCustomers { get; init; } = 30;

    /// <summary>The last day of the store's history.</summary>
    public LocalDate EndDate { get; init; } = new(2026, 6, 30);

    /// <summary>Days of history.</summary>
    public int Days { get; init; } = 365;

    /// <summary>The store's zone (IANA id).</summary>
    public string ZoneId { get; init; } = "Asia/Shanghai";

    /// <summary>The store's currency.</summary>
    public Currency Currency { get; init; } = Currency.CNY;

    /// <summary>Share of ordinary customers who joined through a referral.</summary>
    public double ReferredShare { get; init; } = 0.25;

    /// <summary>Share of ordinary customers who promise referrals that never come.</summary>
    public double PromiserShare { get; init; } = 0.05;

    /// <summary>Share of ordinary customers who record no interaction at all.</summary>
    public double SilentShare { get; init; } = 0.4;
}

/// <summary>
/// Validates <see cref="SyntheticStoreOptions"/>. Error codes: <c>store.customers.range</c>,
/// <c>store.planted.range</c>, <c>store.days.range</c>, <c>store.zone.unknown</c>, <c>store.share.range</c>.
/// </summary>
internal sealed class SyntheticStoreOptionsValidator : AbstractValidator<SyntheticStoreOptions>
{
    /// <summary>Creates the validator.</summary>
    public SyntheticStoreOptionsValidator()
    {
        RuleFor(o => o.Customers).InclusiveBetween(1, 50_000_000).WithErrorCode("store.customers.range");
        RuleFor(o => o.PlantedKeyCustomers).Must((o, p) => p >= 0 && p * 10 <= o.Customers)
            .WithErrorCode("store.planted.range").WithMessage(o => $"Planted key customers must be between 0 and a tenth of the customers; got {o.PlantedKeyCustomers} of {o.Customers}.");
        RuleFor(o => o.Days).InclusiveBetween(60, 3_650).WithErrorCode("store.days.range");
        RuleFor(o => o.ZoneId).Must(z => z is not null && DateTimeZoneProviders.Tzdb.GetZoneOrNull(z) is not null)
            .WithErrorCode("store.zone.unknown").WithMessage(o => $"'{o.ZoneId}' is not an IANA time zone id.");
        RuleFor(o => o.ReferredShare).InclusiveBetween(0, 1).WithErrorCode("store.share.range");
        RuleFor(o => o.PromiserShare).InclusiveBetween(0, 1).WithErrorCode("store.share.range");
        RuleFor(o => o.SilentShare).InclusiveBetween(0, 1).WithErrorCode("store.share.range");
    }
}

/// <summary>
/// A synthetic store for demos, tests and benchmarks: customers who joined over a period (some through a
/// referral), their purchases and their recorded interactions, with a known set of planted key customers.
/// Generated from a seed, so the same options always give the same store.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class SyntheticStore
{
    private SyntheticStore(SyntheticStoreOptions options, DateTimeZone zone, IReadOnlyList<JoinRecord> joins, IReadOnlyList<Purchase> purchases, IReadOnlyList<Interaction> interactions, IReadOnlyList<string> planted)
    {
        Options = options;
        Zone = zone;
        Joins = joins;
        Purchases = purchases;
        Interactions = interactions;
        PlantedKeyCustomers = [.. planted.Select(MemberId.From)];
    }

    /// <summary>The options the store was generated from.</summary>
    public SyntheticStoreOptions Options { get; }

    /// <summary>The store's zone.</summary>
    public DateTimeZone Zone { get; }

    /// <summary>The last day of the history.</summary>
    public LocalDate EndDate => Options.EndDate;

    /// <summary>Every customer's join record (the referral links), sponsors before members.</summary>
    public IReadOnlyList<JoinRecord> Joins { get; }

    /// <summary>The purchases, by day.</summary>
    public IReadOnlyList<Purchase> Purchases { get; }

    /// <summary>The recorded interactions, by day.</summary>
    public IReadOnlyList<Interaction> Interactions { get; }

    /// <summary>The planted key customers' ids.</summary>
    public IReadOnlyList<MemberId> PlantedKeyCustomers { get; }

    /// <summary>Generates a store.</summary>
    /// <param name="options">How many customers, days and planted key customers, and the seed (validated: <c>store.*</c> codes).</param>
    /// <returns>The store.</returns>
    /// <exception cref="InvalidInputException">Every problem of the options.</exception>
    public static SyntheticStore Generate(SyntheticStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        SimulationValidation.Check(new SyntheticStoreOptionsValidator(), options);
        var zone = DateTimeZoneProviders.Tzdb[options.ZoneId];
        var rng = new SeededRandom(options.Seed);
        var n = options.Customers;
        var start = options.EndDate.PlusDays(-(options.Days - 1));
        var width = Math.Max(1, (int)Math.Log10(n) + 1);
        var ids = new string[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = "C" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width, '0');
        }

        // Join days rise with the index, so a sponsor (a lower index) never joins after the member.
        var joinSecond = new long[n];
        var joinDay = new int[n];
        for (var i = 0; i < n; i++)
        {
            joinSecond[i] = (long)i * (options.Days - 30) * 86_400 / n;
            joinDay[i] = (int)(joinSecond[i] / 86_400);
        }

        // Planted customers are spread over the first fifth of the store (they have had time to act).
        var plantedCount = options.PlantedKeyCustomers;
        var isPlanted = new bool[n];
        var planted = new List<string>(plantedCount);
        var firstFifth = Math.Max(plantedCount, n / 5);
        for (var k = 0; k < plantedCount; k++)
        {
            var i = (int)((long)k * firstFifth / plantedCount);
            isPlanted[i] = true;
            planted.Add(ids[i]);
        }

        var sponsor = new int[n];
        Array.Fill(sponsor, -1);
        var plantedIdx = new int[plantedCount];
        for (int i = 0, k = 0; i < n; i++)
        {
            if (isPlanted[i])
            {
                plantedIdx[k++] = i;
            }
        }

        var candidates = 0;
        for (var i = 1; i < n; i++)
        {
            while (candidates < plantedCount && plantedIdx[candidates] < i)
            {
                candidates++;
            }

            if (isPlanted[i] || !rng.NextBool(options.ReferredShare))
            {
                continue;
            }

            // Half of the referrals come from planted customers who joined earlier, the rest from anyone earlier.
            sponsor[i] = candidates > 0 && rng.NextBool(0.5) ? plantedIdx[rng.NextInt32(candidates)] : rng.NextInt32(i);
        }

        var joins = new JoinRecord[n];
        for (var i = 0; i < n; i++)
        {
            var at = start.AtStartOfDayInZone(zone).ToInstant() + Duration.FromSeconds(joinSecond[i]);
            joins[i] = new JoinRecord(new MemberId(ids[i]), sponsor[i] >= 0 ? new MemberId(ids[sponsor[i]]) : (MemberId?)null, at);
        }

        var purchases = new List<Purchase>(n * 3);
        var interactions = new List<Interaction>(n * 3);
        var products = new[] { "trial-pack", "diapers", "formula", "wipes", "membership" };
        var isPromiser = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var join = joinDay[i];
            var span = options.Days - 1 - join;
            var referred = sponsor[i] >= 0;
            var buys = isPlanted[i] || referred ? 1.0 : 0.85;
            if (!rng.NextBool(buys))
            {
                continue;
            }

            var first = join + (int)Math.Min(span, referred ? rng.NextInt64(0, 5) : rng.NextInt64(0, 20));
            var count = 1 + (isPlanted[i] ? (int)rng.NextInt64(8, 14) : Poisson(rng, 1.2 * span / options.Days));
            var days = new int[count];
            days[0] = first;
            for (var c = 1; c < count; c++)
            {
                days[c] = first + (int)rng.NextInt64(0, options.Days - 1 - first);
            }

            if (isPlanted[i] && count > 1)
            {
                days[count - 1] = options.Days - 1 - (int)rng.NextInt64(0, 14);
            }

            foreach (var d in days)
            {
                var product = products[rng.NextInt32(products.Length)];
                var amount = Money.OfMinor(rng.NextInt64(49, 499) * 100, options.Currency);
                purchases.Add(new Purchase(MemberId.From(ids[i]), start.PlusDays(d), amount, ProductId.From(product), 1 + rng.NextInt32(3)));
            }
        }

        for (var i = 0; i < n; i++)
        {
            var from = joinDay[i];
            LocalDate Day() => start.PlusDays(from + (int)rng.NextInt64(0, options.Days - 1 - from));
            void Add(InteractionKind kind, int times)
            {
                for (var t = 0; t < times; t++)
                {
                    interactions.Add(new Interaction(MemberId.From(ids[i]), Day(), kind));
                }
            }

            if (isPlanted[i])
            {
                Add(InteractionKind.SharedPost, (int)rng.NextInt64(5, 12));
                Add(InteractionKind.RepliedInGroup, (int)rng.NextInt64(10, 30));
                Add(InteractionKind.PromisedReferral, (int)rng.NextInt64(1, 3));
                Add(InteractionKind.AskedQuestion, Poisson(rng, 2));
                continue;
            }

            if (rng.NextBool(options.SilentShare))
            {
                continue;
            }

            isPromiser[i] = rng.NextBool(options.PromiserShare);
            Add(InteractionKind.PromisedReferral, isPromiser[i] ? (int)rng.NextInt64(1, 3) : 0);
            Add(InteractionKind.SharedPost, Poisson(rng, 0.6));
            Add(InteractionKind.RepliedInGroup, Poisson(rng, 2));
            Add(InteractionKind.AskedQuestion, Poisson(rng, 1));
            Add(InteractionKind.AskedPrice, Poisson(rng, 0.8));
            Add(InteractionKind.AskedValidityOrGifts, Poisson(rng, 0.3));
            Add(InteractionKind.Complained, Poisson(rng, 0.2));
        }

        purchases.Sort((a, b) => a.Date.CompareTo(b.Date));
        interactions.Sort((a, b) => a.Date.CompareTo(b.Date));
        return new SyntheticStore(options, zone, joins, purchases, interactions, planted);
    }

    /// <summary>The referral tree of the store.</summary>
    /// <returns>The tree.</returns>
    public ReferralTree BuildTree() => ReferralTree.Build(Joins);

    private static int Poisson(SeededRandom rng, double mean)
    {
        // Knuth's method; the means used here are small.
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = rng.NextDouble();
        while (p > limit)
        {
            k++;
            p *= rng.NextDouble();
        }

        return k;
    }
}
