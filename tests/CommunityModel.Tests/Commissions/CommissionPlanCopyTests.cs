using CommunityModel.Commissions;
using CommunityModel.Primitives;

namespace CommunityModel.Tests.Commissions;

public class CommissionPlanCopyTests
{
    [Fact]
    public void APlan_KeepsItsOwnCopyOfTheDefinition()
    {
        var rates = new List<Rate> { Rate.FromPercent(10), Rate.FromPercent(5) };
        var products = new List<ProductRule> { new() { Product = ProductId.From("gift"), Commissionable = false } };
        var plan = CommissionPlan.Create(new CommissionPlanDefinition { Name = "two-level", Currency = Currency.CNY, Levels = new LevelRule { Rates = rates }, Products = products });
        rates[0] = Rate.FromPercent(90);
        rates.Add(Rate.FromPercent(50));
        products.Clear();
        Assert.Equal([Rate.FromPercent(10), Rate.FromPercent(5)], plan.Definition.Levels!.Rates);
        Assert.Equal(ProductId.From("gift"), Assert.Single(plan.Definition.Products).Product);
        Assert.Equal(2, plan.LevelCount);
    }
}
