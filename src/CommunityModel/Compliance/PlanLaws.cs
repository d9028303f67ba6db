using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Compliance;

/// <summary>A law a commission plan should keep, whatever the tree, ranks and orders.</summary>
public enum PlanLaw
{
    /// <summary>Raising any member's rank by one never lowers anyone else's total pay (a downline's upgrade never harms the upline, seed 002).</summary>
    UplineSafety = 0,

    /// <summary>For every order, the lines plus the company's share equal the order amount exactly.</summary>
    Conservation = 1,

    /// <summary>No order pays more than its cap (100% without one).</summary>
    Cap = 2,

    /// <summary>No line goes to an earner the rule says is ineligible (below the minimum rank, or inactive where activity is required).</summary>
    EligibleEarnersOnly = 3,
}

/// <summary>
/// How <see cref="PlanLaws.Check"/> searches: the seed, how many cases, how large, and an optional time
/// budget read from the clock you give (the library reads no clock of its own). Validated by
/// <see cref="PlanLawOptionsValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record PlanLawOptions
{
    /// <summary>
    /// Every problem of this PlanLawOptions (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new PlanLawOptionsValidator(), this);

    /// <summary>The seed; the same seed gives the same search and the same answer.</summary>
    public ulong Seed { get; init; } = 20_261_201;

    /// <summary>The most cases to try.</summary>
    public int MaxCases { get; init; } = 2_000;

    /// <summary>The most members in a generated tree (at least 2).</summary>
    public int MaxMembers { get; init; } = 12;

    /// <summary>The most orders in a generated case (at least 1).</summary>
    public int MaxOrders { get; init; } = 6;

    /// <summary>The laws to search for violations of.</summary>
    public ImmutableArray<PlanLaw> Laws { get; init; } = [PlanLaw.UplineSafety, PlanLaw.Conservation, PlanLaw.Cap, PlanLaw.EligibleEarnersOnly];

    /// <summary>A clock for the time budget; null for no time limit.</summary>
    public IClock? Clock { get; init; }

    /// <summary>Stop after this much time on <see cref="Clock"/>; null for no time limit.</summary>
    public Duration? TimeBudget { get; init; }
}

/// <summary>Validates <see cref="PlanLawOptions"/>. Error codes: <c>laws.cases.range</c>, <c>laws.members.range</c>, <c>laws.orders.range</c>, <c>laws.laws.empty</c>, <c>laws.budget.positive</c>.</summary>
internal sealed class PlanLawOptionsValidator : AbstractValidator<PlanLawOptions>
{
    /// <summary>Creates the validator.</summary>
    public PlanLawOptionsValidator()
    {
        RuleFor(o => o.MaxCases).InclusiveBetween(1, 10_000_000).WithErrorCode("laws.cases.range");
        RuleFor(o => o.MaxMembers).InclusiveBetween(2, 1_000).WithErrorCode("laws.members.range");
        RuleFor(o => o.MaxOrders).InclusiveBetween(1, 1_000).WithErrorCode("laws.orders.range");
        RuleFor(o => o.Laws).Must(l => !l.IsDefaultOrEmpty).WithErrorCode("laws.laws.empty").WithMessage("Name at least one law to check.");
        RuleFor(o => o.TimeBudget).Must(b => b is null || b.Value > Duration.Zero).WithErrorCode("laws.budget.positive").WithMessage("The time budget must be positive.");
    }
}

/// <summary>A generated community: members with sponsors, ranks, active flags and orders.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Members">The join records (sponsors before members).</param>
/// <param name="Ranks">The rank of each member, in member order.</param>
/// <param name="Active">Whether each member is active, in member order.</param>
/// <param name="Orders">The orders of the case, each by a member of its tree.</param>
public sealed record PlanLawCase(ImmutableArray<JoinRecord> Members, ImmutableArray<int> Ranks, ImmutableArray<bool> Active, ImmutableArray<Order> Orders)
{
    /// <summary>The case in a few lines: each member with sponsor, rank and activity, then the orders.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Members.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Members[i].Member} (sponsor {Members[i].Sponsor?.Value ?? "none"}, rank {Ranks[i]}{(Active[i] ? "" : ", inactive")})\n");
        }

        foreach (var o in Orders)
        {
            sb.Append(CultureInfo.InvariantCulture, $"order {o.Id}: {o.Buyer} buys {o.Quantity} x {o.Product} for {o.Amount}\n");
        }

        return sb.ToString();
    }

    /// <summary>The case in one line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Describe().Replace('\n', ';');

    /// <summary>Value equality, element by element.</summary>
    /// <param name="other">The other case.</param>
    /// <returns>True when equal.</returns>
    public bool Equals(PlanLawCase? other) =>
        other is not null && Members.SequenceEqual(other.Members) && Ranks.SequenceEqual(other.Ranks) && Active.SequenceEqual(other.Active) && Orders.SequenceEqual(other.Orders);

    /// <summary>A hash of the sizes.</summary>
    /// <returns>The hash.</returns>
    public override int GetHashCode() => HashCode.Combine(Members.Length, Orders.Length);
}

/// <summary>How one member's pay changed between two runs.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Member">The member whose pay changed.</param>
/// <param name="Before">Pay before the change.</param>
/// <param name="After">Pay after it.</param>
public sealed record PayChange(MemberId Member, Money Before, Money After);

/// <summary>A violation of a plan law, with the (shrunk) case that shows it.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Law">The law broken.</param>
/// <param name="Description">What happened, in words and numbers.</param>
/// <param name="Case">The smallest case found that breaks the law, to replay with <see cref="PlanLaws.CheckCase"/>.</param>
/// <param name="RaisedMember">For upline safety: whose rank was raised.</param>
/// <param name="FromRank">For upline safety: the rank before.</param>
/// <param name="ToRank">For upline safety: the rank after.</param>
/// <param name="Losers">For upline safety: who lost how much.</param>
/// <param name="Order">For the per-order laws: the order.</param>
public sealed record PlanLawViolation(PlanLaw Law, string Description, PlanLawCase Case, MemberId? RaisedMember, int? FromRank, int? ToRank, ImmutableArray<PayChange> Losers, OrderId? Order);

/// <summary>What the search found: at most one violation per law (the smallest found), and how much it tried.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Plan">The plan's name.</param>
/// <param name="CasesTried">How many generated cases were run.</param>
/// <param name="StoppedByTime">True when the time budget ended the search early.</param>
/// <param name="Laws">The laws searched.</param>
/// <param name="Violations">The violations found, in law order.</param>
public sealed record PlanLawReport(string Plan, int CasesTried, bool StoppedByTime, ImmutableArray<PlanLaw> Laws, ImmutableArray<PlanLawViolation> Violations)
{
    /// <summary>True when no violation was found in the cases tried (which proves nothing beyond them).</summary>
    public bool NoViolationFound => Violations.IsEmpty;

    /// <summary>The violation of a law, or null.</summary>
    /// <param name="law">Which law to check.</param>
    /// <returns>The violation or null.</returns>
    public PlanLawViolation? ViolationOf(PlanLaw law) => Violations.FirstOrDefault(v => v.Law == law);

    /// <summary>A readable summary with each counterexample.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Plan laws of \"{Plan}\": {CasesTried} generated cases{(StoppedByTime ? " (stopped by the time budget)" : "")}; ");
        sb.Append(NoViolationFound ? "no violation found.\n" : $"{Violations.Length} law(s) broken.\n");
        foreach (var law in Laws)
        {
            var v = ViolationOf(law);
            sb.Append("  ").Append(law).Append(": ").Append(v is null ? "held in every case" : "BROKEN - " + v.Description).Append('\n');
            if (v is not null)
            {
                foreach (var line in v.Case.Describe().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    sb.Append("      ").Append(line).Append('\n');
                }
            }
        }

        return sb.ToString();
    }
}

/// <summary>
/// Searches generated trees, ranks and orders for violations of the <see cref="PlanLaw"/>s, and shrinks the
/// first counterexample of each law to a small one. Seeded and bounded, so the same options give the same
/// answer; the same search the library's own tests use, offered to plan designers before a plan is used.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class PlanLaws
{
    private static readonly Instant Epoch = Instant.FromUtc(2026, 1, 1, 0, 0);

    /// <summary>Searches for violations.</summary>
    /// <param name="plan">A plan built by <see cref="CommissionPlan.Create"/> (so already valid).</param>
    /// <param name="options">The search; defaults when null.</param>
    /// <returns>The report.</returns>
    /// <exception cref="InvalidInputException">The options are invalid.</exception>
    public static PlanLawReport Check(CommissionPlan plan, PlanLawOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new PlanLawOptions();
        Validation.Check(new PlanLawOptionsValidator(), options);
        var laws = options.Laws.Distinct().Order().ToImmutableArray();
        var search = new Search(plan);
        var rng = new SeededRandom(options.Seed);
        var found = new Dictionary<PlanLaw, PlanLawViolation>();
        var started = options.Clock?.GetCurrentInstant();
        var tried = 0;
        var stoppedByTime = false;
        for (var i = 0; i < options.MaxCases && found.Count < laws.Length; i++)
        {
            if (options.Clock is not null && options.TimeBudget is { } budget && options.Clock.GetCurrentInstant() - started!.Value > budget)
            {
                stoppedByTime = true;
                break;
            }

            var c = search.Generate(rng, i, options);
            tried++;
            foreach (var law in laws)
            {
                if (found.ContainsKey(law) || search.Find(c, law) is null)
                {
                    continue;
                }

                found[law] = search.Find(search.Shrink(c, law), law)!;
            }
        }

        return new PlanLawReport(plan.Name, tried, stoppedByTime, laws, laws.Where(found.ContainsKey).Select(l => found[l]).ToImmutableArray());
    }

    /// <summary>Checks one law on one given case (for example a counterexample from a report).</summary>
    /// <param name="plan">A plan built by <see cref="CommissionPlan.Create"/> (so already valid).</param>
    /// <param name="law">Which law to check.</param>
    /// <param name="case">A tree, ranks and orders to check the law on.</param>
    /// <returns>The violation, or null when the law holds on the case.</returns>
    public static PlanLawViolation? CheckCase(CommissionPlan plan, PlanLaw law, PlanLawCase @case)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(@case);
        var search = new Search(plan);
        return search.Find(Raw.From(@case, search.Products), law);
    }

    /// <summary>A case as plain arrays: parent index (-1 for a root, always below the member's), rank, activity, orders.</summary>
    private sealed record Raw(int[] Parent, int[] Rank, bool[] Active, (int Buyer, int Product, long Amount, int Quantity)[] Orders)
    {
        public static Raw From(PlanLawCase c, ProductId[] products)
        {
            var index = new Dictionary<MemberId, int>();
            var parent = new int[c.Members.Length];
            for (var i = 0; i < parent.Length; i++)
            {
                index[c.Members[i].Member] = i;
                parent[i] = c.Members[i].Sponsor is { } s ? index[s] : -1;
            }

            var orders = c.Orders.Select(o =>
            {
                var p = Array.IndexOf(products, o.Product);
                if (p < 0)
                {
                    throw new ArgumentException($"Order {o.Id} is of product {o.Product}, which the search does not know.", nameof(c));
                }

                return (index[o.Buyer], p, o.Amount.MinorUnits, o.Quantity);
            }).ToArray();
            return new Raw(parent, c.Ranks.ToArray(), c.Active.ToArray(), orders);
        }

        public PlanLawCase ToCase(Currency currency, ProductId[] products)
        {
            var joins = new JoinRecord[Parent.Length];
            for (var i = 0; i < Parent.Length; i++)
            {
                joins[i] = new JoinRecord(Id(i), Parent[i] < 0 ? (MemberId?)null : Id(Parent[i]), Epoch + Duration.FromMinutes(i));
            }

            var orders = Orders.Select((o, j) => new Order(
                new OrderId("o" + j.ToString(CultureInfo.InvariantCulture)), Id(o.Buyer), products[o.Product], Money.OfMinor(o.Amount, currency),
                Epoch + Duration.FromDays(10) + Duration.FromSeconds(j), o.Quantity)).ToImmutableArray();
            return new PlanLawCase([.. joins], [.. Rank], [.. Active], orders);
        }

        public static MemberId Id(int i) => new("m" + i.ToString(CultureInfo.InvariantCulture));
    }

    private sealed class Search
    {
        private readonly CommissionPlan _plan;
        private readonly CommissionEngine _engine;
        private readonly int _maxRank;

        public Search(CommissionPlan plan)
        {
            _plan = plan;
            _engine = new CommissionEngine(plan);
            var d = plan.Definition;
            if (plan.HasDifferential)
            {
                _maxRank = plan.RankCount - 1;
            }
            else
            {
                var top = d.Levels is { } l ? Math.Max(l.MinimumRank, l.RatesByRank.Count == 0 ? 0 : l.RatesByRank.Keys.Max()) : 0;
                _maxRank = Math.Min(top + 1, 8);
            }

            Products = [.. d.Products.Select(p => p.Product).Append(new ProductId("any-product")).Distinct()];
        }

        public ProductId[] Products { get; }

        public Raw Generate(SeededRandom rng, int index, PlanLawOptions options)
        {
            // Small cases first: the size grows with the case number, so the first violation found is small.
            var maxN = Math.Min(options.MaxMembers, 2 + (index / 25));
            var n = 2 + rng.NextInt32(maxN - 1);
            var parent = new int[n];
            var shape = rng.NextInt32(4);
            for (var i = 0; i < n; i++)
            {
                parent[i] = i == 0 ? -1 : shape switch
                {
                    0 => i - 1,
                    1 => 0,
                    2 => rng.NextInt32(i),
                    _ => i <= n / 2 ? i - 1 : n / 2,
                };
            }

            var rank = new int[n];
            var ordered = rng.NextBool(0.4);
            for (var i = 0; i < n; i++)
            {
                rank[i] = rng.NextInt32(_maxRank + 1);
            }

            if (ordered)
            {
                // Ranks that rise towards the root, as real teams often are.
                Array.Sort(rank);
                Array.Reverse(rank);
            }

            var active = new bool[n];
            for (var i = 0; i < n; i++)
            {
                active[i] = rng.NextBool(0.85);
            }

            var count = 1 + rng.NextInt32(Math.Min(options.MaxOrders, 1 + (index / 50)));
            var orders = new (int, int, long, int)[count];
            for (var j = 0; j < count; j++)
            {
                var kind = rng.NextInt32(10);
                var amount = kind switch
                {
                    0 => 1,
                    < 4 => rng.NextInt64(1, 999),
                    < 9 => rng.NextInt64(1_000, 1_000_000),
                    _ => rng.NextInt64(1_000_000_000, 1_000_000_000_000),
                };
                orders[j] = (rng.NextInt32(n), rng.NextInt32(Products.Length), amount, 1 + rng.NextInt32(3));
            }

            return new Raw(parent, rank, active, orders);
        }

        public PlanLawViolation? Find(Raw c, PlanLaw law)
        {
            var pc = c.ToCase(_plan.Currency, Products);
            var tree = ReferralTree.Build(pc.Members);
            var ranks = new int[c.Rank.Length];
            var active = new bool[c.Rank.Length];
            for (var i = 0; i < ranks.Length; i++)
            {
                var t = tree.IndexOf(Raw.Id(i));
                ranks[t] = c.Rank[i];
                active[t] = c.Active[i];
            }

            var statuses = MemberStatuses.FromArrays(tree, ranks, active);
            return law == PlanLaw.UplineSafety ? FindUplineHarm(pc, tree, statuses) : FindOrderViolation(pc, statuses, law);
        }

        public Raw Shrink(Raw c, PlanLaw law)
        {
            var budget = 400;
            var improved = true;
            while (improved && budget > 0)
            {
                improved = false;
                foreach (var candidate in Smaller(c))
                {
                    if (--budget <= 0)
                    {
                        break;
                    }

                    if (Find(candidate, law) is not null)
                    {
                        c = candidate;
                        improved = true;
                        break;
                    }
                }
            }

            // Round amounts read better: move each order to CNY 100.00 (10,000 minor units) where the violation stays.
            for (var j = 0; j < c.Orders.Length; j++)
            {
                var o = c.Orders[j];
                if (o.Amount == 10_000)
                {
                    continue;
                }

                var orders = ((int, int, long, int)[])c.Orders.Clone();
                orders[j] = (o.Buyer, o.Product, 10_000, o.Quantity);
                var rounder = c with { Orders = orders };
                if (Find(rounder, law) is not null)
                {
                    c = rounder;
                }
            }

            return c;
        }

        private static IEnumerable<Raw> Smaller(Raw c)
        {
            var n = c.Parent.Length;
            for (var j = 0; j < c.Orders.Length && c.Orders.Length > 1; j++)
            {
                yield return c with { Orders = [.. c.Orders.Where((_, k) => k != j)] };
            }

            for (var m = n - 1; m >= 0 && n > 1; m--)
            {
                if (Array.IndexOf(c.Parent, m) >= 0 || c.Orders.Any(o => o.Buyer == m))
                {
                    continue;
                }

                // m is a leaf nobody buys from: drop it and shift the indices above it.
                int Shift(int i) => i > m ? i - 1 : i;
                yield return new Raw(
                    [.. c.Parent.Where((_, i) => i != m).Select(p => p < 0 ? -1 : Shift(p))],
                    [.. c.Rank.Where((_, i) => i != m)],
                    [.. c.Active.Where((_, i) => i != m)],
                    [.. c.Orders.Select(o => (Shift(o.Buyer), o.Product, o.Amount, o.Quantity))]);
            }

            for (var i = 0; i < n; i++)
            {
                if (c.Rank[i] > 0)
                {
                    var r = (int[])c.Rank.Clone();
                    r[i] = 0;
                    yield return c with { Rank = r };
                }

                if (!c.Active[i])
                {
                    var a = (bool[])c.Active.Clone();
                    a[i] = true;
                    yield return c with { Active = a };
                }
            }

            for (var j = 0; j < c.Orders.Length; j++)
            {
                var o = c.Orders[j];
                foreach (var amount in new[] { 10_000L, 100L, 1L, o.Amount / 2 })
                {
                    if (amount >= 1 && amount < o.Amount)
                    {
                        var orders = ((int, int, long, int)[])c.Orders.Clone();
                        orders[j] = (o.Buyer, o.Product, amount, o.Quantity);
                        yield return c with { Orders = orders };
                    }
                }

                if (o.Quantity > 1)
                {
                    var orders = ((int, int, long, int)[])c.Orders.Clone();
                    orders[j] = (o.Buyer, o.Product, o.Amount, 1);
                    yield return c with { Orders = orders };
                }

                if (o.Product != 0)
                {
                    var orders = ((int, int, long, int)[])c.Orders.Clone();
                    orders[j] = (o.Buyer, 0, o.Amount, o.Quantity);
                    yield return c with { Orders = orders };
                }
            }
        }

        private PlanLawViolation? FindUplineHarm(PlanLawCase pc, ReferralTree tree, MemberStatuses statuses)
        {
            var batch = OrderBatch.Create(tree, _plan.Currency, pc.Orders);
            var before = _engine.RunTotals(statuses, batch).ToArray();
            for (var w = 0; w < tree.Count; w++)
            {
                var rank = statuses.Ranks[w];
                if (rank >= _maxRank)
                {
                    continue;
                }

                var who = tree.MemberAt(w);
                var after = _engine.RunTotals(statuses.WithRank(who, rank + 1), batch).ToArray();
                var losers = ImmutableArray.CreateBuilder<PayChange>();
                for (var i = 0; i < before.Length; i++)
                {
                    if (i != w && after[i] < before[i])
                    {
                        losers.Add(new PayChange(tree.MemberAt(i), Money.OfMinor(before[i], _plan.Currency), Money.OfMinor(after[i], _plan.Currency)));
                    }
                }

                if (losers.Count > 0)
                {
                    var upline = tree.Upline(who, tree.Count).ToHashSet();
                    var first = losers[0];
                    var role = upline.Contains(first.Member) ? "upline" : "member";
                    return new PlanLawViolation(PlanLaw.UplineSafety,
                        $"raising {who} from rank {rank} to {rank + 1} lowers {role} {first.Member}'s pay from {first.Before} to {first.After}" + (losers.Count > 1 ? $" (and {losers.Count - 1} more)" : ""),
                        pc, who, rank, rank + 1, losers.ToImmutable(), null);
                }
            }

            return null;
        }

        private PlanLawViolation? FindOrderViolation(PlanLawCase pc, MemberStatuses statuses, PlanLaw law)
        {
            var run = _engine.Run(statuses, pc.Orders);
            var d = _plan.Definition;
            var tree = statuses.Tree;
            foreach (var oc in run.Orders)
            {
                var amount = oc.Amount.MinorUnits;
                switch (law)
                {
                    case PlanLaw.Conservation:
                        long lines = 0;
                        foreach (var line in oc.Lines)
                        {
                            lines += line.Amount.MinorUnits;
                        }

                        if (lines + oc.CompanyShare.MinorUnits != amount || oc.CompanyShare.IsNegative)
                        {
                            return new PlanLawViolation(law, $"order {oc.Order} of {oc.Amount}: lines {Money.OfMinor(lines, _plan.Currency)} + company {oc.CompanyShare} do not make the order", pc, null, null, null, [], oc.Order);
                        }

                        break;
                    case PlanLaw.Cap:
                        var cap = d.Cap is { } c ? Math.Min(amount, c.MaxShare.ApplyToMinor(amount)) : amount;
                        if (oc.Paid.MinorUnits > cap)
                        {
                            return new PlanLawViolation(law, $"order {oc.Order} of {oc.Amount} pays {oc.Paid}, above its cap of {Money.OfMinor(cap, _plan.Currency)}", pc, null, null, null, [], oc.Order);
                        }

                        break;
                    default:
                        foreach (var line in oc.Lines)
                        {
                            var e = tree.IndexOf(line.Earner);
                            var rank = statuses.Ranks[e];
                            var isActive = statuses.Active[e];
                            var why = line.Rule switch
                            {
                                CommissionRuleKind.Level when d.Levels is { } l && rank < l.MinimumRank => $"rank {rank} is below the minimum {l.MinimumRank}",
                                CommissionRuleKind.Level when d.Levels is { RequireActive: true } && !isActive => "inactive",
                                CommissionRuleKind.Differential or CommissionRuleKind.PeerBonus when d.Differential is { RequireActive: true } && !isActive => "inactive",
                                CommissionRuleKind.SelfPurchaseRebate when line.Earner != oc.Buyer => "not the buyer",
                                CommissionRuleKind.SelfPurchaseRebate when d.RebateRequiresActive && !isActive => "inactive",
                                _ => null,
                            };
                            if (why is not null && line.Amount.MinorUnits != 0)
                            {
                                return new PlanLawViolation(law, $"order {oc.Order} pays {line.Amount} to {line.Earner} by the {line.Rule} rule, who is ineligible: {why}", pc, null, null, null, [], oc.Order);
                            }
                        }

                        break;
                }
            }

            return null;
        }
    }
}
