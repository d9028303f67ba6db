using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Ladders;

/// <summary>The role of a rung on the product ladder (seed 002's three steps).</summary>
public enum RungRole
{
    /// <summary>Low-ticket products that draw trial fans (低客单).</summary>
    Trial = 0,

    /// <summary>High-ticket products that draw members (高客单).</summary>
    Membership = 1,

    /// <summary>Ultra-high-ticket products that draw partner-distributors (超高客单).</summary>
    Partnership = 2,
}

/// <summary>The kinds of benefit a rung carries: "function, service and relationship in one".</summary>
public enum BenefitKind
{
    /// <summary>What the product does.</summary>
    Function = 0,

    /// <summary>The service that comes with it.</summary>
    Service = 1,

    /// <summary>The relationship it opens (a group, a circle, a partner's standing).</summary>
    Relationship = 2,
}

/// <summary>A benefit a rung carries.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Kind">Function, service or relationship.</param>
/// <param name="Description">What the customer gets, in words.</param>
public sealed record Benefit(BenefitKind Kind, string Description);

/// <summary>The price band of a rung: every product on it sells between <see cref="Min"/> and <see cref="Max"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Min">The lowest price.</param>
/// <param name="Max">The highest price.</param>
public readonly record struct PriceBand(Money Min, Money Max);

/// <summary>One rung of a product ladder.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record Rung
{
    /// <summary>The rung's key, e.g. <c>trial</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Trial, membership or partnership.</summary>
    public required RungRole Role { get; init; }

    /// <summary>The products on this rung (a product is on one rung only).</summary>
    public required ImmutableArray<ProductId> Products { get; init; }

    /// <summary>The price band of its products.</summary>
    public required PriceBand Price { get; init; }

    /// <summary>The benefits it carries.</summary>
    public ImmutableArray<Benefit> Benefits { get; init; } = [];

    /// <summary>
    /// The membership tier that buying this rung unlocks (a membership policy reads it through its
    /// <c>BoughtRung</c> condition), or null. A tier is a standing and its privileges; it never carries, by
    /// itself, a right to be paid for recruiting: who earns commissions is decided by the commission plan's
    /// eligibility alone.
    /// </summary>
    public string? UnlocksTier { get; init; }
}

/// <summary>
/// A product ladder (产品体系): rungs in order from trial to partnership, prices rising along it. Build with
/// <see cref="Create"/>, which validates with <see cref="ProductLadderValidator"/> and reports every problem.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class ProductLadder
{
    private readonly Dictionary<ProductId, int> _rungOfProduct;

    private ProductLadder(Currency currency, ImmutableArray<Rung> rungs)
    {
        Currency = currency;
        Rungs = rungs;
        _rungOfProduct = [];
        for (var i = 0; i < rungs.Length; i++)
        {
            foreach (var p in rungs[i].Products)
            {
                _rungOfProduct[p] = i;
            }
        }
    }

    /// <summary>The ladder's currency.</summary>
    public Currency Currency { get; }

    /// <summary>The rungs, lowest first.</summary>
    public ImmutableArray<Rung> Rungs { get; }

    /// <summary>Validates and builds a ladder.</summary>
    /// <param name="currency">The currency of every price.</param>
    /// <param name="rungs">The rungs, lowest first.</param>
    /// <returns>The ladder.</returns>
    /// <exception cref="InvalidInputException">Every problem, with its property path and code.</exception>
    public static ProductLadder Create(Currency currency, IEnumerable<Rung> rungs)
    {
        ArgumentNullException.ThrowIfNull(rungs);
        var definition = new ProductLadderDefinition(currency, [.. rungs]);
        Validation.Check(new ProductLadderValidator(), definition);
        return new ProductLadder(currency, definition.Rungs);
    }

    /// <summary>Validates a ladder definition and builds the ladder, or returns every problem without throwing.</summary>
    /// <param name="definition">The currency and the rungs, bottom first.</param>
    /// <param name="ladder">The ladder when the definition is valid; otherwise null.</param>
    /// <param name="problems">Every problem (codes <c>ladder.*</c>); empty when valid.</param>
    /// <returns>True when the ladder was built.</returns>
    public static bool TryCreate(ProductLadderDefinition definition, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProductLadder? ladder, out IReadOnlyList<Problem> problems)
    {
        ArgumentNullException.ThrowIfNull(definition);
        problems = definition.Validate();
        ladder = problems.Count == 0 ? new ProductLadder(definition.Currency, definition.Rungs) : null;
        return ladder is not null;
    }

    /// <summary>The index of the rung a product is on, or -1 when it is not on the ladder.</summary>
    /// <param name="product">A product; one on no rung gives -1 or null.</param>
    /// <returns>The rung index (0 is the lowest) or -1.</returns>
    public int RungIndexOf(ProductId product) => _rungOfProduct.TryGetValue(product, out var i) ? i : -1;

    /// <summary>The rung a product is on, or null.</summary>
    /// <param name="product">A product; one on no rung gives -1 or null.</param>
    /// <returns>The rung or null.</returns>
    public Rung? RungOf(ProductId product) => _rungOfProduct.TryGetValue(product, out var i) ? Rungs[i] : null;

    /// <summary>The index of the rung with the given id, or -1.</summary>
    /// <param name="rungId">The rung id.</param>
    /// <returns>The index or -1.</returns>
    public int IndexOf(string rungId)
    {
        for (var i = 0; i < Rungs.Length; i++)
        {
            if (string.Equals(Rungs[i].Id, rungId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>The input a <see cref="ProductLadder"/> is built from, as validated.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Currency">The currency of every price.</param>
/// <param name="Rungs">The rungs, lowest first.</param>
public sealed record ProductLadderDefinition(Currency Currency, ImmutableArray<Rung> Rungs)
{
    /// <summary>
    /// Every problem of this ProductLadderDefinition (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new ProductLadderValidator(), this);
}

/// <summary>
/// Validates a ladder. Error codes: <c>ladder.rungs.empty</c>, <c>ladder.trial.missing</c>,
/// <c>ladder.rung.id-empty</c>, <c>ladder.rung.id-duplicate</c>, <c>ladder.rung.products-empty</c>,
/// <c>ladder.roles.order</c>, <c>ladder.price.currency</c>, <c>ladder.price.band</c>,
/// <c>ladder.price.not-rising</c>, <c>ladder.product.duplicate</c>.
/// </summary>
internal sealed class ProductLadderValidator : AbstractValidator<ProductLadderDefinition>
{
    /// <summary>Creates the validator.</summary>
    public ProductLadderValidator()
    {
        RuleFor(l => l.Rungs).Must(r => !r.IsDefaultOrEmpty).WithErrorCode("ladder.rungs.empty").WithMessage("A ladder needs at least one rung.");
        RuleFor(l => l.Rungs).Must(r => r.IsDefaultOrEmpty || r.Any(x => x is not null && x.Role == RungRole.Trial))
            .WithErrorCode("ladder.trial.missing").WithMessage("A ladder needs at least one trial rung.");
        RuleForEach(l => l.Rungs).ChildRules(rung =>
        {
            rung.RuleFor(r => r.Id).NotEmpty().WithErrorCode("ladder.rung.id-empty");
            rung.RuleFor(r => r.Products).Must(p => !p.IsDefaultOrEmpty).WithErrorCode("ladder.rung.products-empty")
                .WithMessage(r => $"Rung '{r.Id}' has no products.");
            rung.RuleFor(r => r.Price).Must(p => p.Min.Currency == p.Max.Currency && p.Min.MinorUnits >= 0 && p.Min <= p.Max)
                .WithErrorCode("ladder.price.band").WithMessage(r => $"Rung '{r.Id}' needs 0 <= min <= max in one currency.");
        }).When(l => !l.Rungs.IsDefault && l.Rungs.All(r => r is not null));
        RuleFor(l => l).Custom((l, context) =>
        {
            if (l.Rungs.IsDefaultOrEmpty || l.Rungs.Any(r => r is null))
            {
                return;
            }

            var seenIds = new HashSet<string>(StringComparer.Ordinal);
            var seenProducts = new Dictionary<ProductId, string>();
            for (var i = 0; i < l.Rungs.Length; i++)
            {
                var r = l.Rungs[i];
                var path = $"Rungs[{i}]";
                if (!string.IsNullOrEmpty(r.Id) && !seenIds.Add(r.Id))
                {
                    Fail(context, $"{path}.Id", "ladder.rung.id-duplicate", $"Rung id '{r.Id}' is used twice.");
                }

                if (r.Price.Min.Currency != l.Currency || r.Price.Max.Currency != l.Currency)
                {
                    Fail(context, $"{path}.Price", "ladder.price.currency", $"Rung '{r.Id}' is priced in {r.Price.Min.Currency}/{r.Price.Max.Currency}, the ladder in {l.Currency}.");
                }

                if (!r.Products.IsDefault)
                {
                    foreach (var p in r.Products)
                    {
                        if (!seenProducts.TryAdd(p, r.Id))
                        {
                            Fail(context, $"{path}.Products", "ladder.product.duplicate", $"Product '{p}' is on rung '{seenProducts[p]}' and on rung '{r.Id}'.");
                        }
                    }
                }

                if (i == 0)
                {
                    continue;
                }

                var before = l.Rungs[i - 1];
                if (r.Role < before.Role)
                {
                    Fail(context, $"{path}.Role", "ladder.roles.order", $"Rung '{r.Id}' ({r.Role}) comes after rung '{before.Id}' ({before.Role}); roles run trial, membership, partnership.");
                }

                var sameCurrency = r.Price.Min.Currency == before.Price.Max.Currency && r.Price.Max.Currency == before.Price.Max.Currency;
                if (sameCurrency && (r.Price.Min < before.Price.Max || r.Price.Max <= before.Price.Max))
                {
                    Fail(context, $"{path}.Price", "ladder.price.not-rising",
                        $"Rung '{r.Id}' ({r.Price.Min}..{r.Price.Max}) must start at or above the top of rung '{before.Id}' ({before.Price.Max}) and end above it.");
                }
            }
        });
    }

    private static void Fail(ValidationContext<ProductLadderDefinition> context, string path, string code, string message) =>
        context.AddFailure(new FluentValidation.Results.ValidationFailure(path, message) { ErrorCode = code });
}
