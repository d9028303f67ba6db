using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CommunityModel.Tests.Generators;

/// <summary>A generated community: a tree shape, ranks, active flags and orders, printable as a counterexample.</summary>
public sealed record Community(int[] Parent, int[] Ranks, bool[] Active, (int Buyer, long Amount, int Product)[] Orders)
{
    public static readonly Instant Epoch = Instant.FromUtc(2026, 1, 1, 0, 0);

    public static string Id(int i) => "m" + i.ToString(CultureInfo.InvariantCulture);

    public static readonly ProductId[] ProductIds = [ProductId.From("box"), ProductId.From("membership"), ProductId.From("gift")];

    public ReferralTree Tree()
    {
        var records = new JoinRecord[Parent.Length];
        for (var i = 0; i < Parent.Length; i++)
        {
            records[i] = new JoinRecord(MemberId.From(Id(i)), Parent[i] < 0 ? (MemberId?)null : new MemberId(Id(Parent[i])), Epoch + Duration.FromMinutes(i));
        }

        return ReferralTree.Build(records);
    }

    public MemberStatuses Statuses(ReferralTree tree)
    {
        var ranks = new Dictionary<MemberId, int>();
        var inactive = new List<MemberId>();
        for (var i = 0; i < Parent.Length; i++)
        {
            ranks[MemberId.From(Id(i))] = Ranks[i];
            if (!Active[i])
            {
                inactive.Add(MemberId.From(Id(i)));
            }
        }

        return MemberStatuses.Create(tree, ranks, inactive);
    }

    public List<Order> OrderList() =>
        Orders.Select((o, k) => new Order(
            OrderId.From("o" + k.ToString(CultureInfo.InvariantCulture)),
            MemberId.From(Id(o.Buyer)),
            ProductIds[o.Product],
            Money.OfMinor(o.Amount, Currency.CNY),
            Epoch + Duration.FromDays(1) + Duration.FromMinutes(k),
            1 + (k % 3))).ToList();

    public override string ToString() =>
        $"parent=[{string.Join(",", Parent)}] ranks=[{string.Join(",", Ranks)}] active=[{string.Join(",", Active.Select(a => a ? 1 : 0))}] orders=[{string.Join(",", Orders.Select(o => $"{o.Buyer}:{o.Amount}:{o.Product}"))}]";
}

public static class TreeGens
{
    /// <summary>Parent arrays (parent &lt; index, -1 for a root) of the nasty shapes and random ones.</summary>
    public static Gen<int[]> Shape(int maxSize) =>
        Gen.Choose(1, maxSize).SelectMany(n => Gen.OneOf(
            Gen.Constant(Enumerable.Range(0, n).Select(i => i - 1).ToArray()),                     // a deep chain
            Gen.Constant(Enumerable.Range(0, n).Select(i => i == 0 ? -1 : 0).ToArray()),            // a wide star
            Gen.Choose(0, 1000).ArrayOf(n).Select(r => Enumerable.Range(0, n).Select(i => i == 0 ? -1 : (r[i] % 7 == 0 ? -1 : r[i] % i)).ToArray()), // a random forest
            Gen.Choose(0, 1000).ArrayOf(n).Select(r => Enumerable.Range(0, n).Select(i => i == 0 ? -1 : Math.Max(0, i - 1 - (r[i] % 3))).ToArray()))); // long and thin

    public static Gen<long> OrderAmount { get; } = Gen.Frequency(
        (5, Gen.Choose(0, 1_000_000).Select(i => (long)i)),
        (2, Gen.Elements(0L, 1L, 2L, 3L, 99L, 100L, 9_999L)),
        (1, Gens.Int64In(0, 1_000_000_000_000_000)));

    public static Gen<Community> Community(int maxSize, int rankCount, int maxOrders = 12) =>
        from parent in Shape(maxSize)
        from ranks in Gen.Choose(0, rankCount - 1).ArrayOf(parent.Length)
        from active in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false))).ArrayOf(parent.Length)
        from orderCount in Gen.Choose(1, maxOrders)
        from orders in (from b in Gen.Choose(0, parent.Length - 1)
                        from a in OrderAmount
                        from p in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)))
                        select (b, a, p)).ArrayOf(orderCount)
        select new Community(parent, ranks, active, orders);

    /// <summary>Valid plans of every kind over <paramref name="rankCount"/> ranks.</summary>
    public static Gen<CommissionPlanDefinition> Plan(int rankCount, bool level = true, bool differential = true, bool peer = true) =>
        from kind in Gen.Choose(0, 2)
        from levels in Gen.Choose(1, 4)
        from levelRates in Gen.Choose(0, 120_000).ArrayOf(levels)
        from minRank in Gen.Choose(0, rankCount - 1)
        from requireActive in Gen.Elements(true, false)
        from dynamic in Gen.Elements(false, true)
        from steps in Gen.Choose(0, 80_000).ArrayOf(rankCount)
        from peerRate in Gen.Choose(1, 30_000)
        from peerK in Gen.Choose(1, 2)
        from capPpm in Gen.Choose(100_000, 1_000_000)
        from useCap in Gen.Elements(false, true)
        from proRata in Gen.Elements(false, true)
        from rounding in Gen.Elements(RoundingMode.Floor, RoundingMode.Floor, RoundingMode.HalfEven, RoundingMode.HalfUp, RoundingMode.Ceiling)
        let useLevel = level && (!differential || kind != 1)
        let useDiff = differential && (!level || kind != 0)
        select new CommissionPlanDefinition
        {
            Name = "generated",
            Currency = Currency.CNY,
            Rounding = rounding,
            Levels = useLevel ? new LevelRule
            {
                Rates = levelRates.Select(r => Rate.FromPartsPerMillion(r)).ToArray(),
                MinimumRank = minRank,
                RequireActive = requireActive,
                Compression = dynamic ? Compression.Dynamic : Compression.None,
            } : null,
            Differential = useDiff ? new DifferentialRule
            {
                RateByRank = steps.Select((_, r) => Rate.FromPartsPerMillion(r == 0 ? 0 : steps.Take(r + 1).Skip(1).Sum(s => (long)s))).ToArray(),
                PeerBonus = peer ? new PeerBonus(Rate.FromPartsPerMillion(peerRate), peerK) : null,
                RequireActive = requireActive,
            } : null,
            Products =
            [
                new ProductRule { Product = ProductId.From("membership"), Commissionable = false },
                new ProductRule
                {
                    Product = ProductId.From("gift"),
                    FixedPerUnitByLevel = useLevel ? Enumerable.Range(0, levels).Select(k => Money.OfMinor(100 - (10 * k), Currency.CNY)).ToArray() : null,
                    FixedPerUnitByRank = useDiff ? Enumerable.Range(0, rankCount).Select(r => Money.OfMinor(r * 50, Currency.CNY)).ToArray() : null,
                },
            ],
            Cap = useCap ? new OrderCap(Rate.FromPartsPerMillion(capPpm), proRata ? CapPolicy.ProRata : CapPolicy.DeepestFirst) : null,
        };
}
