using CommunityModel.Commissions;
using CommunityModel.Primitives;

namespace CommunityModel.Tests.Commissions;

/// <summary>
/// What a plan compiles to for the engine, by hand: rates per rank, fixed amounts per rank, the most lines an order can
/// have, and the bounds the fast routes rely on (the largest rate and fixed amount, the smallest positive line rate).
/// </summary>
public class CompiledPlanTests
{
    private static Rate P(decimal percent) => Rate.FromPercent(percent);

    private static Money Fen(long minor) => Money.OfMinor(minor, Currency.CNY);

    private static CommissionPlan Plan(LevelRule? levels = null, DifferentialRule? differential = null, Rate? rebate = null, params ProductRule[] products) =>
        CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "compiled",
            Currency = Currency.CNY,
            Levels = levels,
            Differential = differential,
            SelfPurchaseRebate = rebate,
            Products = products,
        });

    [Fact]
    public void LevelRates_ByRank_FillTheRanksBelowWithTheDefaults()
    {
        // Ranks 0 and 1 take the default rates; rank 2 its own; a plan without by-rank rates has one row.
        var plan = Plan(new LevelRule { Rates = [P(10), P(5)], RatesByRank = new Dictionary<int, IReadOnlyList<Rate>> { [2] = [P(20), P(3)] } });
        Assert.Equal([[100_000L, 50_000L], [100_000L, 50_000L], [200_000L, 30_000L]], plan.LevelPpmByRank);
        Assert.Single(Plan(new LevelRule { Rates = [P(10)] }).LevelPpmByRank);
        Assert.Equal(2 + 1, plan.MaxLinesPerOrder); // two levels and a rebate line
        Assert.Equal(0, plan.DifferentialRankCount);
        Assert.Equal(30_000, plan.SmallestPositiveLinePpm);
        Assert.Equal(200_000, plan.RunBounds.MaxPpm);
    }

    [Fact]
    public void ADifferentialPlan_CompilesItsRanksFixedAmountsAndLineBound()
    {
        var plan = Plan(
            differential: new DifferentialRule { RateByRank = [P(0), P(5), P(12)], PeerBonus = new PeerBonus(P(1), MaxUplines: 2) },
            products: new ProductRule { Product = ProductId.From("pack"), FixedPerUnitByRank = [Fen(0), Fen(300), Fen(900)] });
        Assert.Equal([0L, 50_000L, 120_000L], plan.DifferentialPpm!);
        Assert.Equal(3, plan.DifferentialRankCount);
        Assert.Equal(0 + 3 + 2 + 1, plan.MaxLinesPerOrder); // no levels, a line per rank, the peer bonuses, a rebate
        Assert.Equal([0L, 300L, 900L], plan.Products[0].FixedByRank!);
        Assert.Null(plan.Products[0].FixedByLevel);

        // The steps between rates are 5% and 7%; the peer bonus 1% is the smallest.
        Assert.Equal(10_000, plan.SmallestPositiveLinePpm);
        var (maxPpm, maxFixed, fixedByRank) = plan.RunBounds;
        Assert.Equal(120_000, maxPpm);
        Assert.Equal(900, maxFixed);
        Assert.Equal([false, true, true], fixedByRank);
    }

    [Fact]
    public void TheSmallestPositiveLineRate_IsTheSmallestStep()
    {
        // Equal rates of two ranks make no zero step: the steps are 10% and 10%.
        Assert.Equal(100_000, Plan(differential: new DifferentialRule { RateByRank = [P(10), P(10), P(20)] }).SmallestPositiveLinePpm);

        // Without a peer bonus the steps alone: 3% then 9%.
        Assert.Equal(30_000, Plan(differential: new DifferentialRule { RateByRank = [P(3), P(12)] }).SmallestPositiveLinePpm);

        // A rebate counts, and so do the levels beside it.
        Assert.Equal(20_000, Plan(rebate: P(2)).SmallestPositiveLinePpm);
        Assert.Equal(20_000, Plan(new LevelRule { Rates = [P(10), P(5)] }, rebate: P(2)).SmallestPositiveLinePpm);
        Assert.Equal(50_000, Plan(new LevelRule { Rates = [P(10), P(5)] }, rebate: P(30)).SmallestPositiveLinePpm);
        Assert.Equal(300_000, Plan(new LevelRule { Rates = [P(10), P(5)] }, rebate: P(30)).RunBounds.MaxPpm);

        // A zero level rate can pay a zero line; a lone 0% differential rank pays no percentage line at all.
        Assert.Equal(0, Plan(new LevelRule { Rates = [P(10), P(0)] }).SmallestPositiveLinePpm);
        Assert.Equal(1_000_000, Plan(differential: new DifferentialRule { RateByRank = [P(0)] }).SmallestPositiveLinePpm);
    }

    [Fact]
    public void RunBounds_TakeTheLargestFixedAmountOfAnyProduct()
    {
        var plan = Plan(
            new LevelRule { Rates = [P(10), P(5)] },
            products:
            [
                new ProductRule { Product = ProductId.From("a"), FixedPerUnitByLevel = [Fen(500), Fen(800)] },
                new ProductRule { Product = ProductId.From("b"), FixedPerUnitByLevel = [Fen(700), Fen(100)] },
            ]);
        Assert.Equal(800, plan.RunBounds.MaxFixed);
        Assert.Equal(100_000, plan.RunBounds.MaxPpm);
        Assert.Empty(plan.RunBounds.FixedByRank);
        Assert.Equal(1, Plan(new LevelRule { Rates = [P(10)] }).RunBounds.MaxFixed); // none: the floor of 1
    }
}
