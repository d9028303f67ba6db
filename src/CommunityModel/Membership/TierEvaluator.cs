using CommunityModel.Conditions;
using System.Collections.Immutable;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Membership;

/// <summary>
/// Measures conditions for members as of one instant. Measures that read other members' orders (team
/// spend, direct referrals who bought) are computed for all members at once, on first use, in linear passes.
/// </summary>
internal sealed class TierEvaluator
{
    private readonly MembershipFacts _facts;
    private readonly DateTimeZone _zone;
    private readonly long _asOf;
    private readonly Func<int, long> _since;
    private readonly IReadOnlyDictionary<int, List<TierGrant>> _grants;
    private readonly Dictionary<Condition, long[]> _team = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Condition, int[]> _direct = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Condition, Func<int, bool>> _productTests = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<MembershipWindow, (long Start, long End)> _sharedWindows = new(ReferenceEqualityComparer.Instance);
    private readonly Condition?[] _qualify;
    private readonly Condition?[] _retain;
    private readonly string?[] _qualifyText;
    private readonly string?[] _retainText;
    private readonly Dictionary<ProductId, int> _extraProducts = [];
    private readonly Dictionary<int, int> _paidTierOfProduct = [];
    private readonly Dictionary<int, Period> _paidTermOfProduct = [];
    private readonly Func<int, bool> _isPaidProduct;
    private int _overlayMember = -1;
    private OrderView _overlay;

    public TierEvaluator(MembershipFacts facts, MembershipPolicy policy, Instant asOf, Func<int, long> since, IReadOnlyDictionary<int, List<TierGrant>> grants)
    {
        _facts = facts;
        Policy = policy;
        _zone = policy.Zone;
        AsOf = asOf;
        _asOf = asOf.ToUnixTimeTicks();
        _since = since;
        _grants = grants;
        _isPaidProduct = _paidTierOfProduct.ContainsKey;
        _qualify = new Condition?[policy.Tiers.Length];
        _retain = new Condition?[policy.Tiers.Length];
        _qualifyText = new string?[policy.Tiers.Length];
        _retainText = new string?[policy.Tiers.Length];
        for (var k = 0; k < policy.Tiers.Length; k++)
        {
            _qualify[k] = policy.EffectiveQualify(k);
            _retain[k] = policy.Tiers[k].Retain ?? _qualify[k];
        }

        if (!policy.PaidPlans.IsDefault)
        {
            foreach (var plan in policy.PaidPlans)
            {
                var p = facts.ProductIndexOf(plan.Product);
                if (p >= 0)
                {
                    _paidTierOfProduct[p] = policy.IndexOf(plan.TierId);
                    _paidTermOfProduct[p] = plan.Term;
                }
            }
        }
    }

    public MembershipPolicy Policy { get; }

    public Instant AsOf { get; }

    /// <summary>The effective qualify condition of a tier (built once per evaluation).</summary>
    public Condition? Qualify(int tier) => _qualify[tier];

    /// <summary>The effective retain condition of a tier (built once per evaluation).</summary>
    public Condition? Retain(int tier) => _retain[tier];

    /// <summary>The qualify condition of a tier in words (described once per evaluation).</summary>
    public string QualifyText(int tier) => _qualifyText[tier] ??= _qualify[tier]?.Describe() ?? "none";

    /// <summary>The retain condition of a tier in words (described once per evaluation).</summary>
    public string RetainText(int tier) => _retainText[tier] ??= _retain[tier]?.Describe() ?? "none";

    /// <summary>Replaces one member's orders by a view with hypothetical orders added.</summary>
    public void Overlay(int member, IReadOnlyList<Order> hypothetical)
    {
        _overlay = _facts.ViewWith(member, hypothetical, _extraProducts);
        _overlayMember = member;
        foreach (var plan in Policy.PaidPlans.IsDefault ? [] : Policy.PaidPlans)
        {
            if (_extraProducts.TryGetValue(plan.Product, out var p))
            {
                _paidTierOfProduct[p] = Policy.IndexOf(plan.TierId);
                _paidTermOfProduct[p] = plan.Term;
            }
        }
    }

    private OrderView View(int member) => member == _overlayMember ? _overlay : _facts.ViewOf(member);

    /// <summary>Whether a condition holds for a member and tier; windows end at <paramref name="at"/> (the upgrade instant when re-checking after a refund).</summary>
    public bool Holds(Condition? condition, int member, int tier, long at)
    {
        switch (condition)
        {
            case null:
                return true;
            case AllOf all:
                foreach (var c in all.Conditions)
                {
                    if (!Holds(c, member, tier, at))
                    {
                        return false;
                    }
                }

                return true;
            case AnyOf any:
                foreach (var c in any.Conditions)
                {
                    if (Holds(c, member, tier, at))
                    {
                        return true;
                    }
                }

                return false;
            default:
                var (actual, required) = Measure(condition, member, tier, at);
                return actual >= required;
        }
    }

    /// <summary>Measures a leaf: the actual value and the value required.</summary>
    public (long Actual, long Required) Measure(Condition leaf, int member, int tier, long at)
    {
        switch (leaf)
        {
            case SpendAtLeast s:
            {
                var (from, to) = Window(s.Window, member, at);
                return (View(member).Spend(from, to, _asOf), s.Amount.MinorUnits);
            }

            case OrdersAtLeast o:
            {
                var (from, to) = Window(o.Window, member, at);
                return (View(member).Orders(from, to, _asOf), o.Count);
            }

            case BoughtProduct b:
            {
                var (from, to) = Window(b.Window, member, at);
                return (View(member).Bought(from, to, _asOf, ProductTest(b)) ? 1 : 0, 1);
            }

            case BoughtRung r:
            {
                var (from, to) = Window(r.Window, member, at);
                return (View(member).Bought(from, to, _asOf, ProductTest(r)) ? 1 : 0, 1);
            }

            case DirectReferralsWhoBought d:
                return (DirectCounts(d)[member], d.Count);
            case TeamSpendAtLeast t:
                return (TeamSpend(t)[member], t.Amount.MinorUnits);
            case HasPaidMembership h:
            {
                var (paidTier, _) = Paid(member);
                var ok = h.TierId is null ? paidTier > 0 : paidTier >= 0 && string.Equals(Policy.Tiers[paidTier].Id, h.TierId, StringComparison.Ordinal);
                return (ok ? 1 : 0, 1);
            }

            case GrantedManually:
                return (Granted(member, tier) ? 1 : 0, 1);
            default:
                throw new InvalidOperationException($"Unknown condition {leaf.GetType().Name}.");
        }
    }

    /// <summary>The paid tier in force and its end (ticks), or (-1, 0).</summary>
    public (int Tier, long End) Paid(int member)
    {
        if (_paidTierOfProduct.Count == 0)
        {
            return (-1, 0);
        }

        var best = -1;
        long bestEnd = 0;
        long runningEnd = long.MinValue;
        foreach (var (ticks, product) in View(member).Purchases(_asOf, _isPaidProduct))
        {
            var start = Math.Max(ticks, runningEnd);
            var end = _zone.AtLeniently(Instant.FromUnixTimeTicks(start).InZone(_zone).LocalDateTime.Plus(_paidTermOfProduct[product])).ToInstant().ToUnixTimeTicks();
            runningEnd = end;
            var tier = _paidTierOfProduct[product];
            if (start <= _asOf && _asOf < end && (tier > best || (tier == best && end > bestEnd)))
            {
                best = tier;
                bestEnd = end;
            }
        }

        return (best, bestEnd);
    }

    /// <summary>The measured criteria under a condition, and what is missing, in words (null when it holds).</summary>
    public string? Explain(Condition? condition, int member, int tier, ImmutableArray<CriterionResult>.Builder into)
    {
        switch (condition)
        {
            case null:
                return null;
            case AllOf all:
            {
                var missing = new List<string>();
                foreach (var c in all.Conditions)
                {
                    var m = Explain(c, member, tier, into);
                    if (m is not null)
                    {
                        missing.Add(all.Conditions.Length > 1 && m.Contains(" or ", StringComparison.Ordinal) ? $"({m})" : m);
                    }
                }

                return missing.Count == 0 ? null : string.Join(" and ", missing);
            }

            case AnyOf any:
            {
                var missing = new List<string>();
                var met = false;
                foreach (var c in any.Conditions)
                {
                    var m = Explain(c, member, tier, into);
                    if (m is null)
                    {
                        met = true;
                    }
                    else
                    {
                        missing.Add(any.Conditions.Length > 1 && m.Contains(" and ", StringComparison.Ordinal) ? $"({m})" : m);
                    }
                }

                return met ? null : string.Join(" or ", missing);
            }

            default:
            {
                var (actual, required) = Measure(condition, member, tier, _asOf);
                var shortfall = actual >= required ? null : Shortfall(condition, required - actual);
                into.Add(new CriterionResult(condition.Describe(), shortfall is null, actual, required, shortfall));
                return shortfall;
            }
        }
    }

    private string Shortfall(Condition leaf, long missing) => leaf switch
    {
        SpendAtLeast s => $"spend {new Money(missing, _facts.Currency)} more {s.Window.Describe()}",
        OrdersAtLeast o => $"place {missing} more order(s) {o.Window.Describe()}",
        BoughtProduct b => $"buy product {b.Product} {b.Window.Describe()}",
        BoughtRung r => $"buy a product of rung '{r.RungId}' {r.Window.Describe()}",
        DirectReferralsWhoBought d => $"refer {missing} more buyer(s) {d.Window.Describe()}",
        TeamSpendAtLeast t => $"grow the team's spend by {new Money(missing, _facts.Currency)} {t.Window.Describe()}",
        HasPaidMembership h => h.TierId is null ? "buy a paid membership" : $"buy the paid '{h.TierId}' membership",
        GrantedManually => "be granted the tier by hand",
        _ => leaf.Describe(),
    };

    private bool Granted(int member, int tier)
    {
        if (!_grants.TryGetValue(member, out var list))
        {
            return false;
        }

        var id = Policy.Tiers[tier].Id;
        foreach (var g in list)
        {
            if (string.Equals(g.TierId, id, StringComparison.Ordinal) && g.From.ToUnixTimeTicks() <= _asOf && (g.Until is null || _asOf < g.Until.Value.ToUnixTimeTicks()))
            {
                return true;
            }
        }

        return false;
    }

    private (long From, long To) Window(MembershipWindow window, int member, long at)
    {
        if (window.IsSharedByAllMembers && at == _asOf)
        {
            if (!_sharedWindows.TryGetValue(window, out var shared))
            {
                shared = Resolve(window, member, at);
                _sharedWindows[window] = shared;
            }

            return shared;
        }

        return Resolve(window, member, at);
    }

    private (long From, long To) Resolve(MembershipWindow window, int member, long at)
    {
        var instant = Instant.FromUnixTimeTicks(at);
        var interval = window.Resolve(instant, _zone, _facts.Tree.JoinedAtIndex(member), Instant.FromUnixTimeTicks(_since(member)));
        return (interval.HasStart ? interval.Start.ToUnixTimeTicks() : long.MinValue, at);
    }

    private Func<int, bool> ProductTest(Condition leaf)
    {
        if (_productTests.TryGetValue(leaf, out var test))
        {
            return test;
        }

        var set = new HashSet<int>();
        switch (leaf)
        {
            case BoughtProduct b:
                AddProduct(set, b.Product);
                break;
            case BoughtRung r:
                var rung = Policy.Ladder!.Rungs[Policy.Ladder.IndexOf(r.RungId)];
                foreach (var p in rung.Products)
                {
                    AddProduct(set, p);
                }

                break;
            default:
                break;
        }

        test = set.Count == 1 ? MatchOne(set.First()) : set.Contains;
        _productTests[leaf] = test;
        return test;
    }

    private static Func<int, bool> MatchOne(int index) => p => p == index;

    private void AddProduct(HashSet<int> set, ProductId product)
    {
        var i = _facts.ProductIndexOf(product);
        if (i >= 0)
        {
            set.Add(i);
        }
        else if (_extraProducts.TryGetValue(product, out var extra))
        {
            set.Add(extra);
        }
        else
        {
            set.Add(int.MinValue);
        }
    }

    private int[] DirectCounts(DirectReferralsWhoBought leaf)
    {
        if (_direct.TryGetValue(leaf, out var counts))
        {
            return counts;
        }

        var tree = _facts.Tree;
        var snapshot = tree.Snapshot(AsOf);
        counts = new int[tree.Count];
        for (var c = 0; c < counts.Length; c++)
        {
            var p = snapshot.Parent[c];
            if (p < 0)
            {
                continue;
            }

            var (from, to) = Window(leaf.Window, p, _asOf);
            if (View(c).Orders(from, to, _asOf) > 0)
            {
                counts[p]++;
            }
        }

        _direct[leaf] = counts;
        return counts;
    }

    private long[] TeamSpend(TeamSpendAtLeast leaf)
    {
        if (_team.TryGetValue(leaf, out var team))
        {
            return team;
        }

        var tree = _facts.Tree;
        var n = tree.Count;
        var own = new long[n];
        var index = new int[n];
        var (from, to) = Window(leaf.Window, 0, _asOf);
        for (var m = 0; m < n; m++)
        {
            own[m] = View(m).Spend(from, to, _asOf);
            index[m] = m;
        }

        team = tree.SubtreeVolumes(index, own, AsOf);
        for (var m = 0; m < n; m++)
        {
            team[m] -= own[m];
        }

        _team[leaf] = team;
        return team;
    }
}
