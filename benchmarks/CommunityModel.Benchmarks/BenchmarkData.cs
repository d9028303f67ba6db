using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Deterministic synthetic community: members joined by preferential attachment (a new member's sponsor
/// is picked with probability proportional to 1 + referrals so far), plus chains thousands deep; ranks
/// 0..4 skewed to the bottom; 90% active; orders with uniform buyers and amounts of CNY 0.01..1,000.00.
/// </summary>
public sealed class BenchmarkData
{
    public static readonly Instant Start = Instant.FromUtc(2026, 1, 1, 0, 0);

    private BenchmarkData(ReferralTree tree, int[] joinParent, int[] ranks, bool[] active, int[] buyers, long[] amounts, Instant[] paidAt)
    {
        Tree = tree;
        JoinParent = joinParent;
        Ranks = ranks;
        Active = active;
        Buyers = buyers;
        Amounts = amounts;
        PaidAt = paidAt;
    }

    public ReferralTree Tree { get; }

    /// <summary>Sponsor per dense index of <see cref="Tree"/> (-1 for a root).</summary>
    public int[] JoinParent { get; }

    public int[] Ranks { get; }

    public bool[] Active { get; }

    public int[] Buyers { get; }

    public long[] Amounts { get; }

    public Instant[] PaidAt { get; }

    public MemberStatuses Statuses() => MemberStatuses.FromArrays(Tree, Ranks, Active);

    public OrderBatch Batch() => OrderBatch.FromColumns(Tree, Currency.CNY, ProductId.From("box"), Buyers, Amounts, PaidAt);

    public static BenchmarkData Create(int members, int orders, int seed = 20261124)
    {
        var rng = new Random(seed);
        var sponsor = Sponsors(members, rng);
        var records = new JoinRecord[members];
        for (var i = 0; i < members; i++)
        {
            records[i] = new JoinRecord(MemberId.From(Id(i)), sponsor[i] < 0 ? (MemberId?)null : new MemberId(Id(sponsor[i])), Start + Duration.FromSeconds(i));
        }

        var tree = ReferralTree.Build(records);
        var parent = new int[members];
        var ranks = new int[members];
        var active = new bool[members];
        for (var i = 0; i < members; i++)
        {
            var idx = tree.IndexOf(MemberId.From(Id(i)));
            parent[idx] = sponsor[i] < 0 ? -1 : tree.IndexOf(MemberId.From(Id(sponsor[i])));
            var roll = rng.Next(100);
            ranks[idx] = roll < 60 ? 0 : roll < 80 ? 1 : roll < 90 ? 2 : roll < 96 ? 3 : 4;
            active[idx] = rng.Next(10) != 0;
        }

        var buyers = new int[orders];
        var amounts = new long[orders];
        var paid = new Instant[orders];
        var end = Start + Duration.FromSeconds(members);
        for (var k = 0; k < orders; k++)
        {
            buyers[k] = rng.Next(members);
            amounts[k] = rng.Next(1, 100_001);
            paid[k] = end + Duration.FromSeconds(k);
        }

        return new BenchmarkData(tree, parent, ranks, active, buyers, amounts, paid);
    }

    /// <summary>Sponsor per member in join order (-1 for a root): preferential attachment plus chains thousands deep.</summary>
    public static int[] Sponsors(int members, Random rng)
    {
        var sponsor = new int[members];
        var targets = new List<int>(members * 2);
        sponsor[0] = -1;
        targets.Add(0);
        var chainsLeft = 0;
        for (var i = 1; i < members; i++)
        {
            if (chainsLeft == 0 && rng.Next(2_000) == 0)
            {
                chainsLeft = rng.Next(1_000, 5_000); // a chain thousands deep
            }

            if (chainsLeft > 0)
            {
                sponsor[i] = i - 1;
                chainsLeft--;
            }
            else
            {
                sponsor[i] = rng.Next(100) == 0 ? -1 : targets[rng.Next(targets.Count)];
            }

            if (sponsor[i] >= 0)
            {
                targets.Add(sponsor[i]);
            }

            targets.Add(i);
        }

        return sponsor;
    }

    public static string Id(int i) => "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static CommissionPlan TwoLevelPlan() => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "two-level 10% / 5%",
        Currency = Currency.CNY,
        Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)], RequireActive = false },
    });

    public static CommissionPlan DifferentialPlan() => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "5-rank differential with peer bonus, compression past inactive",
        Currency = Currency.CNY,
        Differential = new DifferentialRule
        {
            RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10), Rate.FromPercent(15), Rate.FromPercent(20)],
            PeerBonus = new PeerBonus(Rate.FromPercent(2)),
            RequireActive = true,
        },
    });
}
