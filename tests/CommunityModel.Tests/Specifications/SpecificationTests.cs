using CommunityModel.Specifications;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Specifications;

public sealed record Customer(string Id, int Orders, long Spend);

public sealed class RepeatBuyersSpec : Specification<Customer>
{
    public RepeatBuyersSpec(int minOrders) => Query.Where(c => c.Orders >= minOrders);
}

public sealed class SpendAtLeastSpec : Specification<Customer>
{
    public SpendAtLeastSpec(long minSpend) => Query.Where(c => c.Spend >= minSpend);
}

public sealed class TopSpendersSpec : Specification<Customer>
{
    public TopSpendersSpec(int skip, int take) =>
        Query.Where(c => c.Orders > 0).OrderByDescending(c => c.Spend).ThenBy(c => c.Id).Skip(skip).Take(take);
}

public class SpecificationTests
{
    private static readonly Gen<Customer> CustomerGen =
        from id in Gen.Choose(0, 50)
        from orders in Gen.Choose(0, 6)
        from spend in Gen.Choose(0, 1000)
        select new Customer($"c{id}", orders, spend);

    private static readonly Gen<Customer[]> CustomersGen = CustomerGen.ArrayOf();

    [Property(MaxTest = 300)]
    public Property Evaluate_ReturnsOnlySatisfyingItems() =>
        Prop.ForAll(Arb.From(CustomersGen), Arb.From(Gen.Choose(0, 6)), Arb.From(Gen.Zip(Gen.Choose(0, 5), Gen.Choose(0, 10))), (customers, min, page) =>
        {
            var (skip, take) = page;
            var spec = new RepeatBuyersSpec(min);
            var result = spec.Evaluate(customers).ToList();
            var top = new TopSpendersSpec(skip, take).Evaluate(customers).ToList();
            var expectedTop = customers.Where(c => c.Orders > 0).OrderByDescending(c => c.Spend).ThenBy(c => c.Id, StringComparer.Ordinal).Skip(skip).Take(take).ToList();
            return result.All(spec.IsSatisfiedBy)
                && result.Count == customers.Count(c => c.Orders >= min)
                && top.SequenceEqual(expectedTop);
        });

    [Property(MaxTest = 300)]
    public Property Composition_FollowsBooleanLogic() =>
        Prop.ForAll(Arb.From(CustomerGen), Arb.From(Gen.Choose(0, 6)), Arb.From(Gen.Choose(0, 1000)), (c, minOrders, minSpend) =>
        {
            var a = new RepeatBuyersSpec(minOrders);
            var b = new SpendAtLeastSpec(minSpend);
            var pa = c.Orders >= minOrders;
            var pb = c.Spend >= minSpend;
            return a.And(b).IsSatisfiedBy(c) == (pa && pb)
                && a.Or(b).IsSatisfiedBy(c) == (pa || pb)
                && a.Not().IsSatisfiedBy(c) == !pa
                && a.And(b).Not().IsSatisfiedBy(c) == !(pa && pb)
                && a.And(b).Evaluate([c]).Any() == (pa && pb)
                && a.Or(b).Not().Evaluate(new[] { c }.AsQueryable()).Any() == !(pa || pb);
        });

    [Fact]
    public void Evaluate_Queryable_MatchesEnumerable()
    {
        var data = new[] { new Customer("a", 1, 10), new Customer("b", 2, 30), new Customer("c", 0, 99), new Customer("d", 3, 30) };
        var spec = new TopSpendersSpec(0, 2);
        Assert.Equal(spec.Evaluate(data).Select(c => c.Id), spec.Evaluate(data.AsQueryable()).Select(c => c.Id));
        Assert.Equal(["b", "d"], spec.Evaluate(data).Select(c => c.Id));
    }

    [Fact]
    public void OrderBy_Twice_IsRejected()
    {
        Assert.Throws<InvalidOperationException>(() => new DoubleOrderSpec());
    }

    private sealed class DoubleOrderSpec : Specification<Customer>
    {
        public DoubleOrderSpec()
        {
            Query.OrderBy(c => c.Id);
            Query.OrderBy(c => c.Spend);
        }
    }
}
