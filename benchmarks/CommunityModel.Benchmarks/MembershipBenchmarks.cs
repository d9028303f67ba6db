using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Membership and ladder at scale: one period evaluation of a five-tier policy (own spend, orders, a ladder
/// rung, direct referrals who bought, whole-team spend) for N/10 members with N orders over one quarter, the
/// facts build that precedes it, and the ladder metrics over the same order stream. Two sizes show linearity.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class MembershipBenchmarks
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly Instant QuarterStart = new LocalDateTime(2026, 1, 1, 0, 0).InZoneStrictly(Shanghai).ToInstant();
    private static readonly Instant QuarterEnd = new LocalDateTime(2026, 4, 1, 0, 0).InZoneStrictly(Shanghai).ToInstant();
    private ReferralTree _tree = null!;
    private Order[] _orders = null!;
    private MembershipFacts _facts = null!;
    private MembershipPolicy _policy = null!;
    private ProductLadder _ladder = null!;
    private MembershipBook _book = null!;

    /// <summary>The number of orders; members are a tenth of it.</summary>
    [Params(1_000_000, 10_000_000)]
    public int Orders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var members = Orders / 10;
        var rng = new SeededRandom(7);
        var joins = new JoinRecord[members];
        var ids = new MemberId[members];
        for (var i = 0; i < members; i++)
        {
            ids[i] = new MemberId("m" + i.ToString(CultureInfo.InvariantCulture));
            var sponsor = i == 0 || rng.NextInt32(20) == 0 ? -1 : rng.NextInt32(i);
            joins[i] = new JoinRecord(ids[i], sponsor < 0 ? (MemberId?)null : ids[sponsor], QuarterStart - Duration.FromDays(30) + Duration.FromSeconds(i));
        }

        _tree = ReferralTree.Build(joins);
        ProductId[] products = [ProductId.From("diaper-trial"), ProductId.From("member-card"), ProductId.From("partner-pack"), ProductId.From("wipes"), ProductId.From("formula")];
        long[] prices = [1_990, 39_900, 398_000, 2_900, 25_800];
        int[] weights = [30, 3, 1, 40, 26];
        var span = (QuarterEnd - QuarterStart).TotalTicks;
        _orders = new Order[Orders];
        for (var k = 0; k < Orders; k++)
        {
            var roll = rng.NextInt32(100);
            var p = 0;
            while (roll >= weights[p])
            {
                roll -= weights[p];
                p++;
            }

            _orders[k] = new Order(
                OrderId.From("o" + k.ToString(CultureInfo.InvariantCulture)),
                ids[rng.NextInt32(members)],
                products[p],
                Money.OfMinor(prices[p], Currency.CNY),
                QuarterStart + Duration.FromTicks((long)(rng.NextDouble() * span)));
        }

        _ladder = ProductLadder.Create(Currency.CNY,
        [
            new Rung { Id = "trial", Role = RungRole.Trial, Products = [ProductId.From("diaper-trial")], Price = new PriceBand(Money.OfMinor(990, Currency.CNY), Money.OfMinor(3_900, Currency.CNY)) },
            new Rung { Id = "membership", Role = RungRole.Membership, Products = [ProductId.From("member-card")], Price = new PriceBand(Money.OfMinor(39_900, Currency.CNY), Money.OfMinor(99_900, Currency.CNY)), UnlocksTier = "member" },
            new Rung { Id = "partnership", Role = RungRole.Partnership, Products = [ProductId.From("partner-pack")], Price = new PriceBand(Money.OfMinor(398_000, Currency.CNY), Money.OfMinor(980_000, Currency.CNY)), UnlocksTier = "partner" },
        ]);
        _policy = MembershipPolicy.Create(new MembershipPolicy
        {
            Version = "bench",
            EffectiveFrom = QuarterStart - Duration.FromDays(365),
            Currency = Currency.CNY,
            Ladder = _ladder,
            MinimumTierDuration = Period.Zero,
            Tiers =
            [
                new MembershipTier { Id = "fan" },
                new MembershipTier { Id = "customer", Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) },
                new MembershipTier { Id = "member", Qualify = new SpendAtLeast(Money.OfMinor(100_000, Currency.CNY), MembershipWindow.Quarter), Retain = new SpendAtLeast(Money.OfMinor(30_000, Currency.CNY), MembershipWindow.Quarter) },
                new MembershipTier { Id = "partner", Qualify = new DirectReferralsWhoBought(3, MembershipWindow.Quarter) },
                new MembershipTier { Id = "senior-partner", Qualify = new TeamSpendAtLeast(Money.OfMinor(5_000_000, Currency.CNY), MembershipWindow.Quarter) & new DirectReferralsWhoBought(10, MembershipWindow.Lifetime) },
            ],
        });
        _facts = MembershipFacts.Build(_tree, Currency.CNY, _orders);
        var probe = MembershipBook.Create(_tree, _policy).Evaluate(_facts, QuarterEnd, EvaluationKind.Period);
        Console.WriteLine($"// members {members}, orders {Orders}: {probe.Upgrades} upgrades at the period evaluation");
    }

    [IterationSetup(Target = nameof(EvaluatePeriod))]
    public void FreshBook() => _book = MembershipBook.Create(_tree, _policy);

    /// <summary>Builds the array-backed facts from the order stream.</summary>
    [Benchmark]
    public MembershipFacts BuildFacts() => MembershipFacts.Build(_tree, Currency.CNY, _orders);

    /// <summary>One period evaluation of every member (facts built).</summary>
    [Benchmark]
    public EvaluationSummary EvaluatePeriod() => _book.Evaluate(_facts, QuarterEnd, EvaluationKind.Period);

    /// <summary>Ladder metrics over the same order stream, with referrals from the tree.</summary>
    [Benchmark]
    public LadderReport Ladder() => LadderMetrics.Compute(_ladder, _orders, null, _tree);
}
