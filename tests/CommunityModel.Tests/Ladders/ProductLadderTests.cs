using CommunityModel.Ladders;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using FluentValidation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Ladders;

public class ProductLadderTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    internal static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    internal static Instant Day(int month, int day) => new LocalDate(2026, month, day).AtStartOfDayInZone(Shanghai).ToInstant() + Duration.FromHours(10);

    /// <summary>The mother-and-baby store of seed 002: a trial pack, a member card, a partner pack.</summary>
    internal static ProductLadder BabyStore() => ProductLadder.Create(Currency.CNY,
    [
        new Rung
        {
            Id = "trial",
            Role = RungRole.Trial,
            Products = [ProductId.From("diaper-trial"), ProductId.From("formula-sample")],
            Price = new PriceBand(Cny(990), Cny(3_900)),
            Benefits = [new Benefit(BenefitKind.Function, "try the diapers for a week"), new Benefit(BenefitKind.Relationship, "join the mothers' group")],
        },
        new Rung
        {
            Id = "membership",
            Role = RungRole.Membership,
            Products = [ProductId.From("member-card")],
            Price = new PriceBand(Cny(39_900), Cny(99_900)),
            Benefits = [new Benefit(BenefitKind.Service, "a feeding advisor on call")],
            UnlocksTier = "member",
        },
        new Rung
        {
            Id = "partnership",
            Role = RungRole.Partnership,
            Products = [ProductId.From("partner-pack")],
            Price = new PriceBand(Cny(398_000), Cny(980_000)),
            UnlocksTier = "partner",
        },
    ]);

    [Fact]
    public void Create_BabyStoreLadder_FindsRungsOfProducts()
    {
        var ladder = BabyStore();
        Assert.Equal(3, ladder.Rungs.Length);
        Assert.Equal("trial", ladder.RungOf(ProductId.From("formula-sample"))!.Id);
        Assert.Equal(1, ladder.RungIndexOf(ProductId.From("member-card")));
        Assert.Equal(-1, ladder.RungIndexOf(ProductId.From("stroller")));
        Assert.Equal(2, ladder.IndexOf("partnership"));
        Assert.Equal("member", ladder.Rungs[1].UnlocksTier);
    }

    [Fact]
    public void Create_BadLadder_ReportsEveryProblemAtOnce()
    {
        var ex = Assert.Throws<InvalidInputException>(() => ProductLadder.Create(Currency.CNY,
        [
            new Rung { Id = "vip", Role = RungRole.Membership, Products = [ProductId.From("card"), ProductId.From("box")], Price = new PriceBand(Cny(50_000), Cny(90_000)) },
            new Rung { Id = "vip", Role = RungRole.Membership, Products = [ProductId.From("box")], Price = new PriceBand(Cny(10_000), Cny(20_000)) },
            new Rung { Id = "entry", Role = RungRole.Trial, Products = [], Price = new PriceBand(Money.OfMinor(100, Currency.USD), Money.OfMinor(200, Currency.USD)) },
        ]));
        var codes = ex.Problems.Select(e => e.Code).ToHashSet();
        Assert.Contains("ladder.rung.id-duplicate", codes);
        Assert.Contains("ladder.product.duplicate", codes);
        Assert.Contains("ladder.price.not-rising", codes);
        Assert.Contains("ladder.roles.order", codes);
        Assert.Contains("ladder.rung.products-empty", codes);
        Assert.Contains("ladder.price.currency", codes);
        Assert.Contains(ex.Problems, e => e.Path == "Rungs[1].Id");

        var noTrial = Assert.Throws<InvalidInputException>(() => ProductLadder.Create(Currency.CNY,
            [new Rung { Id = "vip", Role = RungRole.Membership, Products = [ProductId.From("card")], Price = new PriceBand(Cny(500), Cny(100)) }]));
        Assert.Contains(noTrial.Problems, e => e.Code == "ladder.trial.missing");
        Assert.Contains(noTrial.Problems, e => e.Code == "ladder.price.band");
        Assert.Contains(Assert.Throws<InvalidInputException>(() => ProductLadder.Create(Currency.CNY, [])).Problems, e => e.Code == "ladder.rungs.empty");
    }

    internal static (List<Order> Orders, List<Refund> Refunds, ReferralTree Tree) SmallStore()
    {
        var joined = Day(1, 1) - Duration.FromDays(30);
        var tree = ReferralTree.Build(
        [
            new JoinRecord(MemberId.From("A"), null, joined),
            new JoinRecord(MemberId.From("B"), MemberId.From("A"), joined),
            new JoinRecord(MemberId.From("C"), MemberId.From("A"), joined),
            new JoinRecord(MemberId.From("D"), MemberId.From("B"), joined),
            new JoinRecord(MemberId.From("E"), null, joined),
        ]);
        var orders = new List<Order>
        {
            new(OrderId.From("a1"), MemberId.From("A"), ProductId.From("diaper-trial"), Cny(1_990), Day(1, 1)),
            new(OrderId.From("a2"), MemberId.From("A"), ProductId.From("member-card"), Cny(39_900), Day(1, 11)),
            new(OrderId.From("a3"), MemberId.From("A"), ProductId.From("partner-pack"), Cny(398_000), Day(2, 10)),
            new(OrderId.From("b1"), MemberId.From("B"), ProductId.From("diaper-trial"), Cny(1_990), Day(1, 2)),
            new(OrderId.From("b2"), MemberId.From("B"), ProductId.From("diaper-trial"), Cny(1_990), Day(1, 20)),
            new(OrderId.From("c1"), MemberId.From("C"), ProductId.From("member-card"), Cny(39_900), Day(1, 3)),
            new(OrderId.From("d1"), MemberId.From("D"), ProductId.From("diaper-trial"), Cny(1_990), Day(1, 4)),
            new(OrderId.From("d2"), MemberId.From("D"), ProductId.From("member-card"), Cny(39_900), Day(1, 24)),
            new(OrderId.From("e1"), MemberId.From("E"), ProductId.From("stroller"), Cny(120_000), Day(1, 5)),
        };
        var refunds = new List<Refund> { new(RefundId.From("r1"), OrderId.From("d2"), Cny(20_000), Day(1, 30)), new(RefundId.From("r2"), OrderId.From("d2"), Cny(19_900), Day(2, 1)) };
        return (orders, refunds, tree);
    }

    [Fact]
    public void Compute_SmallStore_MatchesHandComputation()
    {
        var (orders, refunds, tree) = SmallStore();
        var r = LadderMetrics.Compute(BabyStore(), orders, refunds, tree);

        Assert.Equal(5, r.Buyers);
        Assert.Equal(8, r.Orders);                                   // d2 refunded in full
        Assert.Equal(Cny(605_760), r.Revenue);
        Assert.Equal(Cny(165_870), r.FirstOrderRevenue);
        Assert.Equal(Cny(439_890), r.RepeatRevenue);
        Assert.Equal(Cny(43_880), r.ReferredFirstOrderRevenue);      // B, C, D had sponsors
        Assert.Equal(483_770.0 / 605_760, r.SelfCirculationShare, 12);
        Assert.Equal(2.0 / 5, r.RepeatPurchaseRate, 12);
        Assert.Equal(2, r.Members);
        Assert.Equal(1, r.Partners);
        Assert.Equal(2.0 / 5, r.MemberPenetration, 12);
        Assert.Equal(0.5, r.PartnerYield, 12);
        Assert.Equal(1, r.Climbers);
        Assert.Equal(439_890.0 / 605_760, r.LadderEfficiency, 12);
        Assert.Equal(1, r.OffLadderCustomers);
        Assert.True(r.ReferralsKnown);

        var trial = r.Rungs[0];
        Assert.Equal(3, trial.CustomersReached);
        Assert.Equal(1, trial.ConvertedToNext);
        Assert.Equal(1.0 / 3, trial.ConversionToNext, 12);
        Assert.Equal(Duration.FromDays(10), trial.MedianTimeToNext);
        Assert.Equal(Duration.FromDays(10), trial.P90TimeToNext);
        Assert.Equal(2, trial.CustomersTopHere);
        Assert.Equal(Cny(5_970), trial.RevenueTopHere);
        Assert.Equal(Cny(2_985), trial.RevenuePerCustomerTopHere);
        var membership = r.Rungs[1];
        Assert.Equal(2, membership.CustomersReached);
        Assert.Equal(0.5, membership.ConversionToNext, 12);
        Assert.Equal(Duration.FromDays(30), membership.MedianTimeToNext);
        Assert.Equal(Cny(39_900), membership.RevenuePerCustomerTopHere);
        var partnership = r.Rungs[2];
        Assert.Equal(1, partnership.CustomersReached);
        Assert.Equal(0, partnership.ConvertedToNext);
        Assert.Null(partnership.MedianTimeToNext);
        Assert.Equal(Cny(439_890), partnership.RevenueTopHere);
    }

    [Fact]
    public void Compute_WithoutTree_CountsNoReferredRevenue()
    {
        var (orders, refunds, _) = SmallStore();
        var r = LadderMetrics.Compute(BabyStore(), orders, refunds);
        Assert.False(r.ReferralsKnown);
        Assert.Equal(Cny(0), r.ReferredFirstOrderRevenue);
        Assert.Equal(439_890.0 / 605_760, r.SelfCirculationShare, 12);
    }

    [Fact]
    public void Compute_BadRefund_IsRejectedByNamedRule()
    {
        var (orders, _, _) = SmallStore();
        var over = Assert.Throws<InvalidInputException>(() => LadderMetrics.Compute(BabyStore(), orders, [new Refund(RefundId.From("r9"), OrderId.From("a1"), Cny(1_991), Day(1, 2))]));
        Assert.Equal("refund.amount.invalid", over.Code);
        var unknown = Assert.Throws<InvalidInputException>(() => LadderMetrics.Compute(BabyStore(), orders, [new Refund(RefundId.From("r9"), OrderId.From("zz"), Cny(1), Day(1, 2))]));
        Assert.Equal("refund.order.unknown", unknown.Code);
        var currency = Assert.Throws<InvalidInputException>(() => LadderMetrics.Compute(BabyStore(), [new Order(OrderId.From("x"), MemberId.From("A"), ProductId.From("diaper-trial"), Money.OfMinor(1, Currency.USD), Day(1, 1))]));
        Assert.Equal("money.currency.mismatch", currency.Code);
    }

    [Property(MaxTest = 100)]
    public Property Compute_AnyInputOrder_GivesTheSameReport() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (orders, refunds, tree) = SmallStore();
            var extra = RandomOrders(seed, 40);
            orders.AddRange(extra);
            var ladder = BabyStore();
            var expected = LadderMetrics.Compute(ladder, orders, refunds, tree);
            var shuffled = orders.ToArray();
            new SeededRandom((ulong)seed).Shuffle(shuffled);
            var actual = LadderMetrics.Compute(ladder, shuffled, refunds, tree);
            return Same(expected, actual);
        });

    [Property(MaxTest = 100)]
    public Property Compute_Shares_StayInUnitIntervalAndRevenueAddsUp() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (_, _, tree) = SmallStore();
            var orders = RandomOrders(seed, 60);
            var r = LadderMetrics.Compute(BabyStore(), orders, null, tree);
            var byTop = r.Rungs.Sum(x => x.RevenueTopHere.MinorUnits);
            var offLadder = orders.Where(o => orders.Where(p => p.Buyer == o.Buyer).All(p => BabyStore().RungIndexOf(p.Product) < 0)).Sum(o => o.Amount.MinorUnits);
            return (r.SelfCirculationShare is >= 0 and <= 1)
                && (r.LadderEfficiency is >= 0 and <= 1)
                && (r.MemberPenetration is >= 0 and <= 1)
                && (r.PartnerYield is >= 0 and <= 1)
                && r.RepeatRevenue.MinorUnits + r.FirstOrderRevenue.MinorUnits == r.Revenue.MinorUnits
                && byTop + offLadder == r.Revenue.MinorUnits
                && r.Rungs.All(x => x.ConvertedToNext <= x.CustomersReached);
        });

    private static bool Same(LadderReport a, LadderReport b) =>
        a.Buyers == b.Buyers && a.Orders == b.Orders && a.Revenue == b.Revenue && a.RepeatRevenue == b.RepeatRevenue
        && a.ReferredFirstOrderRevenue == b.ReferredFirstOrderRevenue && a.Climbers == b.Climbers && a.Members == b.Members
        && a.Partners == b.Partners && a.Rungs.Zip(b.Rungs).All(p => p.First == p.Second);

    private static List<Order> RandomOrders(int seed, int count)
    {
        var rng = new SeededRandom((ulong)seed);
        string[] buyers = ["A", "B", "C", "D", "E"];
        ProductId[] products = [ProductId.From("diaper-trial"), ProductId.From("member-card"), ProductId.From("partner-pack"), ProductId.From("stroller")];
        long[] prices = [1_990, 39_900, 398_000, 120_000];
        var list = new List<Order>();
        for (var k = 0; k < count; k++)
        {
            var p = rng.NextInt32(products.Length);
            // equal instants on purpose: ties are broken by order id
            list.Add(new Order(OrderId.From($"x{k}"), MemberId.From(buyers[rng.NextInt32(buyers.Length)]), products[p], Cny(prices[p]), Day(3, 1 + rng.NextInt32(5))));
        }

        return list;
    }
}
