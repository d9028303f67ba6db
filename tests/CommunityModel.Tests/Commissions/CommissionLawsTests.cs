using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

public class CommissionLawsTests
{
    private const int Ranks = 5;

    private static Arbitrary<(Community, CommissionPlanDefinition)> Cases(int maxSize = 60, bool level = true, bool differential = true, bool peer = true) =>
        Arb.From(from c in TreeGens.Community(maxSize, Ranks)
                 from p in TreeGens.Plan(Ranks, level, differential, peer)
                 select (c, p));

    private static CommissionRun RunOf(Community c, CommissionPlanDefinition definition, out CommissionEngine engine, out MemberStatuses statuses)
    {
        var tree = c.Tree();
        statuses = c.Statuses(tree);
        engine = new CommissionEngine(CommissionPlan.Create(definition));
        return engine.Run(statuses, c.OrderList());
    }

    [Property(MaxTest = 300)]
    public Property Conservation_LinesPlusCompanyEqualTheOrderExactly() =>
        Prop.ForAll(Cases(), t =>
        {
            var run = RunOf(t.Item1, t.Item2, out _, out _);
            return run.Orders.All(o =>
                    o.Lines.Aggregate(Money.Zero(Currency.CNY), (s, l) => s + l.Amount) + o.CompanyShare == o.Amount
                    && o.Lines.All(l => l.Amount.MinorUnits >= 0)
                    && !o.CompanyShare.IsNegative)
                && run.Totals.TotalPaid + run.Totals.CompanyShare == run.Totals.TotalSales;
        });

    [Property(MaxTest = 300)]
    public Property Cap_NoOrderPaysMoreThanItsCap_AndNoIneligibleEarner() =>
        Prop.ForAll(Cases(), t =>
        {
            var (c, definition) = t;
            var run = RunOf(c, definition, out var engine, out var statuses);
            var capPpm = definition.Cap?.MaxShare.PartsPerMillion ?? 1_000_000;
            var levels = definition.Levels;
            var diff = definition.Differential;
            return run.Orders.All(o =>
                o.Paid.MinorUnits <= Rate.FromPartsPerMillion(capPpm).ApplyToMinor(o.Amount.MinorUnits)
                && (o.Product != ProductId.From("membership") || o.Lines.Count == 0)
                && o.Lines.All(l => l.Rule switch
                {
                    CommissionRuleKind.Level => statuses.RankOf(l.Earner) >= levels!.MinimumRank && (!levels.RequireActive || statuses.IsActive(l.Earner)),
                    CommissionRuleKind.Differential or CommissionRuleKind.PeerBonus => !diff!.RequireActive || statuses.IsActive(l.Earner),
                    _ => true,
                }));
        });

    [Property(MaxTest = 200)]
    public Property Determinism_OrderIndependence_AndTotalsModeEqualsDetailed() =>
        Prop.ForAll(Cases(), Arb.From(Gen.Choose(0, int.MaxValue)), (t, seed) =>
        {
            var (c, definition) = t;
            var tree = c.Tree();
            var statuses = c.Statuses(tree);
            var engine = new CommissionEngine(CommissionPlan.Create(definition));
            var orders = c.OrderList();
            var shuffled = orders.OrderBy(_ => new Random(seed).Next()).ToList();
            new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));
            var a = engine.Run(statuses, orders);
            var b = engine.Run(statuses, shuffled);
            var totals = engine.RunTotals(statuses, OrderBatch.Create(tree, Currency.CNY, shuffled));
            var sameOrders = a.Orders.All(o => b[o.Order].Lines.Select(l => l.ToString()).SequenceEqual(o.Lines.Select(l => l.ToString())) && b[o.Order].CompanyShare == o.CompanyShare);
            return sameOrders
                && a.Totals.ToArray().SequenceEqual(b.Totals.ToArray())
                && totals.ToArray().SequenceEqual(a.Totals.ToArray())
                && totals.TotalPaid == a.Totals.TotalPaid
                && totals.CompanyShare == a.Totals.CompanyShare;
        });

    [Property(MaxTest = 300)]
    public Property FastTotals_EqualOrderByOrderTotals_WithRebatesFixedAmountsAndCaps() =>
        Prop.ForAll(Cases(), Arb.From(Gen.Choose(0, 60_000)), (t, rebatePpm) =>
        {
            var (c, generated) = t;
            // Floor and no binding cap take a fast path (by buyer, or the plain-level kernel for batches smaller than the tree);
            // the rest must fall back to order by order, with the same result.
            var definition = rebatePpm % 3 == 0 ? generated with { SelfPurchaseRebate = Rate.FromPartsPerMillion(rebatePpm) } : generated;
            if (!CommissionPlan.TryCreate(definition, out var plan, out _))
            {
                return true;
            }

            var tree = c.Tree();
            var statuses = c.Statuses(tree);
            var batch = OrderBatch.Create(tree, Currency.CNY, c.OrderList());
            var byBuyer = new CommissionEngine(plan!).RunTotals(statuses, batch);
            var byOrder = new CommissionEngine(plan!).RunTotals(statuses, batch, new CommissionRunOptions { ForceOrderByOrder = true });
            var detailed = new CommissionEngine(plan!).Run(statuses, batch).Totals;

            // Split between threads in chunks of a few orders: the per-thread sums and totals must add up to the same.
            var threads = 2 + (rebatePpm % 3);
            var split = new CommissionEngine(plan!).RunTotals(statuses, batch, new CommissionRunOptions { MaxDegreeOfParallelism = threads, ByBuyerChunkOrders = 1 + (rebatePpm % 5) });
            return byBuyer.ToArray().SequenceEqual(byOrder.ToArray())
                && split.ToArray().SequenceEqual(byOrder.ToArray())
                && split.TotalPaid == byOrder.TotalPaid
                && split.TotalSales == byOrder.TotalSales
                && byBuyer.ToArray().SequenceEqual(detailed.ToArray())
                && byBuyer.TotalPaid == byOrder.TotalPaid
                && byBuyer.TotalSales == byOrder.TotalSales
                && byBuyer.CompanyShare == detailed.CompanyShare;
        });

    [Property(MaxTest = 200)]
    public Property UplineSafety_LevelPlansWithoutCompression_RaisingARankNeverLowersAnyonesPay() =>
        Prop.ForAll(Cases(differential: false), Arb.From(Gen.Choose(0, 1000)), (t, pick) =>
        {
            var (c, definition) = t;
            // No binding cap: with fixed amounts or rounding up, the implicit 100% cap can bind, and then a newly
            // eligible nearer upline takes from a deeper one (deepest-first cut), which is a cap effect, not a rank effect.
            definition = definition with { Levels = definition.Levels! with { Compression = Compression.None }, Cap = null, Products = [], Rounding = RoundingMode.Floor };
            return UplineSafe(c, definition, pick);
        });

    [Property(MaxTest = 200)]
    public Property UplineSafety_LevelPlansWithDynamicCompressionAndNoRankGate_Hold() =>
        Prop.ForAll(Cases(differential: false), Arb.From(Gen.Choose(0, 1000)), (t, pick) =>
        {
            var (c, definition) = t;
            definition = definition with { Levels = definition.Levels! with { Compression = Compression.Dynamic, MinimumRank = 0 }, Cap = null, Products = [], Rounding = RoundingMode.Floor };
            return UplineSafe(c, definition, pick);
        });

    [Fact]
    public void UplineSafety_ABindingCapBreaksItForLevelPlans_CounterexampleFromTheSearch()
    {
        // Found by the property search: a fixed-amount product on a 2-fen order makes the implicit 100% cap bind;
        // when the sponsor becomes eligible (rank 0 -> 1) its line is kept and the deeper line is cut.
        var c = new Community([-1, 0, 1], [1, 0, 0], [true, true, true], [(2, 2, 2)]);
        var definition = new CommissionPlanDefinition
        {
            Name = "2-level with a fixed-amount product",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)], MinimumRank = 1 },
            Products = [new ProductRule { Product = ProductId.From("gift"), FixedPerUnitByLevel = [Money.OfMinor(100, Currency.CNY), Money.OfMinor(90, Currency.CNY)] }],
        };
        Assert.False(UplineSafe(c, definition, 1));
    }

    [Fact]
    public void UplineSafety_PlainDifferentialPlan_FailsAndTheSearchFindsACounterexample()
    {
        var cases = Arb.From(from c in TreeGens.Community(12, Ranks)
                             from p in TreeGens.Plan(Ranks, level: false, differential: true, peer: false)
                             from pick in Gen.Choose(0, 1000)
                             select (c, p with { Cap = null, Products = [] }, pick));
        var property = Prop.ForAll(cases, t => UplineSafe(t.c, t.Item2, t.pick));
        var ex = Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property));
        Assert.Contains("Falsifiable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UplineSafety_PlainDifferential_ExplicitCounterexampleIsVisibleInTheTrace()
    {
        // Buyer b -> d (rank 1) -> u (rank 2). Rates 0%, 10%, 15%. d reaching rank 2 cuts u's pay to zero.
        var tree = CommunityModel.Referrals.ReferralTree.Build(
        [
            new(MemberId.From("u"), null, Community.Epoch),
            new(MemberId.From("d"), MemberId.From("u"), Community.Epoch + Duration.FromHours(1)),
            new(MemberId.From("b"), MemberId.From("d"), Community.Epoch + Duration.FromHours(2)),
        ]);
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "plain differential",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(10), Rate.FromPercent(15)] },
        });
        var engine = new CommissionEngine(plan);
        var order = new Order(OrderId.From("o1"), MemberId.From("b"), ProductId.From("box"), Money.Parse("CNY 100.00"), Community.Epoch + Duration.FromDays(1));
        var before = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("d")] = 1, [MemberId.From("u")] = 2 });
        var after = before.WithRank(MemberId.From("d"), 2);
        var runBefore = engine.Run(before, [order]);
        var runAfter = engine.Run(after, [order], trace: true);
        Assert.Equal(Money.Parse("CNY 5.00"), runBefore.Totals.EarningsOf(MemberId.From("u")));
        Assert.Equal(Money.Parse("CNY 0.00"), runAfter.Totals.EarningsOf(MemberId.From("u")));
        var skipped = Assert.Single(runAfter[OrderId.From("o1")].Skipped);
        Assert.Equal(SkipReason.RateAlreadyPaidBelow, skipped.Reason);
        Assert.Equal("u", skipped.Member.Value);
        Assert.Contains("no peer bonus", skipped.Detail, StringComparison.Ordinal);
    }

    [Property(MaxTest = 200)]
    public Property PeerBonus_ADownlineReachingItsUplinesRankNeverCutsTheFirstPeerToZero() =>
        Prop.ForAll(Arb.From(from chain in Gen.Choose(2, 30)
                             from rate in Gen.Choose(1, 50_000)
                             from amount in Gen.Choose(100, 10_000_000)
                             from upRank in Gen.Choose(2, Ranks - 1)
                             from downRank in Gen.Choose(1, Ranks - 1)
                             select (chain, rate, amount, upRank, Math.Min(downRank, upRank - 1))), t =>
        {
            // Chain m0 <- m1 <- ... ; buyer is the deepest; d is the buyer's sponsor, u is d's sponsor.
            var (n, peerPpm, amount, upRank, downRank) = t;
            var parent = Enumerable.Range(0, n + 1).Select(i => i - 1).ToArray();
            var ranks = new int[n + 1];
            ranks[n - 1] = downRank;
            ranks[n - 2] = upRank;
            var c = new Community(parent, ranks, Enumerable.Repeat(true, n + 1).ToArray(), [(n, amount, 0)]);
            var definition = new CommissionPlanDefinition
            {
                Name = "differential with peer bonus",
                Currency = Currency.CNY,
                Differential = new DifferentialRule
                {
                    RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10), Rate.FromPercent(15), Rate.FromPercent(20)],
                    PeerBonus = new PeerBonus(Rate.FromPartsPerMillion(peerPpm)),
                },
            };
            var tree = c.Tree();
            var engine = new CommissionEngine(CommissionPlan.Create(definition));
            var raised = c.Statuses(tree).WithRank(MemberId.From(Community.Id(n - 1)), upRank);
            var pay = engine.Run(raised, c.OrderList()).Totals.EarningsOf(MemberId.From(Community.Id(n - 2)));
            return pay.MinorUnits == Rate.FromPartsPerMillion(peerPpm).ApplyToMinor(amount);
        });

    private static bool UplineSafe(Community c, CommissionPlanDefinition definition, int pick)
    {
        var tree = c.Tree();
        var statuses = c.Statuses(tree);
        var engine = new CommissionEngine(CommissionPlan.Create(definition));
        var batch = OrderBatch.Create(tree, Currency.CNY, c.OrderList());
        var before = engine.RunTotals(statuses, batch).ToArray();
        var who = pick % c.Parent.Length;
        var rank = c.Ranks[who];
        if (rank >= Ranks - 1)
        {
            return true;
        }

        var after = engine.RunTotals(statuses.WithRank(MemberId.From(Community.Id(who)), rank + 1), batch).ToArray();
        for (var i = 0; i < before.Length; i++)
        {
            if (i != who && after[i] < before[i])
            {
                return false;
            }
        }

        return true;
    }
}
