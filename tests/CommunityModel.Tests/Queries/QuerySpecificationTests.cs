using Ardalis.Specification;
using CommunityModel.Commissions;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Queries;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using CommunityModel.Tests.Membership;
using NodaTime;

namespace CommunityModel.Tests.Queries;

/// <summary>
/// The shipped specifications, run by Ardalis.Specification's own in-memory evaluator and over an
/// <see cref="IQueryable{T}"/> (expression trees, as a store's ORM receives them): both give the same rows.
/// </summary>
public class QuerySpecificationTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    private static Instant Local(int year, int month, int day) => new LocalDateTime(year, month, day, 0, 0).InZoneStrictly(Shanghai).ToInstant();

    private static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    /// <summary>Applies a specification to a queryable the way an ORM evaluator does: its expressions, in order, then paging.</summary>
    private static List<T> OverQueryable<T>(ISpecification<T> spec, IEnumerable<T> rows)
    {
        var query = rows.AsQueryable();
        foreach (var w in spec.WhereExpressions)
        {
            query = query.Where(w.Filter);
        }

        IOrderedQueryable<T>? ordered = null;
        foreach (var o in spec.OrderExpressions)
        {
            ordered = o.OrderType switch
            {
                OrderTypeEnum.OrderBy => query.OrderBy(o.KeySelector),
                OrderTypeEnum.OrderByDescending => query.OrderByDescending(o.KeySelector),
                OrderTypeEnum.ThenBy => ordered!.ThenBy(o.KeySelector),
                _ => ordered!.ThenByDescending(o.KeySelector),
            };
            query = ordered;
        }

        if (spec.Skip > 0)
        {
            query = query.Skip(spec.Skip);
        }

        if (spec.Take >= 0)
        {
            query = query.Take(spec.Take);
        }

        return query.ToList();
    }

    private static List<T> BothWays<T>(Specification<T> spec, IReadOnlyList<T> rows)
    {
        var inMemory = InMemorySpecificationEvaluator.Default.Evaluate(rows, spec).ToList();
        Assert.Equal(inMemory, spec.Evaluate(rows).ToList());
        Assert.Equal(inMemory, OverQueryable(spec, rows));
        return inMemory;
    }

    [Fact]
    public void MembersAtOrAboveTier_AndDueForDowngradeReview_ReadTheBooksStandings()
    {
        // Seed 002's store: a and b reach "member" with CNY 1,000 each in January; neither spends the CNY 300 of
        // the second quarter that keeping it takes, so the July period evaluation puts both in a month's grace.
        var start = Local(2025, 12, 1);
        var tree = ReferralTree.Build([new JoinRecord(MemberId.From("a"), null, start), new JoinRecord(MemberId.From("b"), null, start + Duration.FromMinutes(1)), new JoinRecord(MemberId.From("c"), MemberId.From("a"), start + Duration.FromMinutes(2))]);
        var orders = new List<Order>
        {
            new(OrderId.From("o1"), MemberId.From("a"), ProductId.From("box"), Cny(100_000), Local(2026, 1, 10)),
            new(OrderId.From("o2"), MemberId.From("b"), ProductId.From("box"), Cny(100_000), Local(2026, 1, 10)),
            new(OrderId.From("o3"), MemberId.From("c"), ProductId.From("box"), Cny(990), Local(2026, 1, 11)),
        };
        var policy = MembershipTests.BabyStorePolicy(minimum: Period.Zero, grace: Period.FromMonths(1));
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var book = MembershipBook.Create(tree, policy);
        book.Evaluate(facts, Local(2026, 1, 12));
        book.Evaluate(facts, Local(2026, 7, 1), EvaluationKind.Period);
        var standings = book.Standings(Local(2026, 7, 1));

        Assert.Equal(["a", "b", "c"], standings.Select(s => s.Member.Value));
        Assert.Equal(["member", "member", "customer"], standings.Select(s => s.TierId));
        Assert.Equal([2, 2, 1], standings.Select(s => s.Rank));
        Assert.Equal([Local(2026, 8, 1), Local(2026, 8, 1), (Instant?)null], standings.Select(s => s.GraceUntil));

        Assert.Equal(["a", "b", "c"], BothWays(new MembersAtOrAboveTier(policy, "customer"), standings).Select(s => s.Member.Value));
        Assert.Equal(["a", "b"], BothWays(new MembersAtOrAboveTier(policy, "member"), standings).Select(s => s.Member.Value));
        Assert.Empty(BothWays(new MembersAtOrAboveTier(policy, "partner"), standings));
        Assert.Equal(3, BothWays(new MembersAtOrAboveTier(0), standings).Count);

        Assert.Equal(["a", "b"], BothWays(new DueForDowngradeReview(policy, "member", Local(2026, 8, 1)), standings).Select(s => s.Member.Value));
        Assert.Empty(BothWays(new DueForDowngradeReview(policy, "member", Local(2026, 7, 31)), standings));
        Assert.Empty(BothWays(new DueForDowngradeReview(policy, "partner", Local(2026, 12, 31)), standings));

        Assert.True(new MembersAtOrAboveTier(policy, "member").IsSatisfiedBy(standings[0]));
        Assert.False(new MembersAtOrAboveTier(policy, "member").IsSatisfiedBy(standings[2]));
        Assert.Throws<ArgumentException>(() => new MembersAtOrAboveTier(policy, "gold"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MembersAtOrAboveTier(-1));
    }

    [Fact]
    public void DueForDowngradeReview_OrdersBySoonestGraceEnd_ThenById()
    {
        var t = Local(2026, 7, 1);
        var rows = new List<MemberStanding>
        {
            new(MemberId.From("zhao"), "partner", 3, t, Local(2026, 7, 20)),
            new(MemberId.From("li"), "partner", 3, t, Local(2026, 7, 10)),
            new(MemberId.From("wang"), "senior-partner", 4, t, Local(2026, 7, 20)),
            new(MemberId.From("chen"), "member", 2, t, Local(2026, 7, 5)),
            new(MemberId.From("sun"), "partner", 3, t, null),
            new(MemberId.From("zhou"), "partner", 3, t, Local(2026, 8, 2)),
        };
        Assert.Equal(["li", "wang", "zhao"], BothWays(new DueForDowngradeReview(3, Local(2026, 7, 31)), rows).Select(s => s.Member.Value));
    }

    [Fact]
    public void EarnerQueries_PendingLargestFirst_AndPayoutsFromAThresholdInItsCurrency()
    {
        var rows = new List<EarnerBalance>
        {
            new(MemberId.From("li"), Cny(500), Cny(99), Cny(0)),
            new(MemberId.From("wang"), Cny(0), Cny(100), Cny(1_000)),
            new(MemberId.From("zhao"), Cny(2_000), Cny(12_345), Cny(0)),
            new(MemberId.From("chen"), Cny(500), Cny(0), Cny(0)),
            new(MemberId.From("ann"), Money.OfMinor(0, Currency.USD), Money.OfMinor(5_000, Currency.USD), Money.OfMinor(0, Currency.USD)),
        };
        Assert.Equal(["zhao", "chen", "li"], BothWays(new EarnersWithPendingBalance(), rows).Select(b => b.Earner.Value));
        Assert.Equal(["wang", "zhao"], BothWays(new EarnersDueAPayout(Cny(100)), rows).Select(b => b.Earner.Value));
        Assert.Equal(["ann"], BothWays(new EarnersDueAPayout(Money.OfMinor(100, Currency.USD)), rows).Select(b => b.Earner.Value));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarnersDueAPayout(Cny(0)));
    }

    [Fact]
    public void TopKeyCustomers_TakesTheBestScoresAboveTheFloor_TiesById()
    {
        static KeyCustomerScore Score(string id, double score) => new(MemberId.From(id), score, new RfmCell(3, 3, 3), CustomerArchetype.None, [], []);
        var rows = new List<KeyCustomerScore> { Score("d", 0.40), Score("b", 0.90), Score("a", 0.90), Score("c", 0.75), Score("e", 0.10) };
        Assert.Equal(["a", "b", "c"], BothWays(new TopKeyCustomers(3), rows).Select(s => s.CustomerId.Value));
        Assert.Equal(["a", "b", "c", "d"], BothWays(new TopKeyCustomers(10, minimumScore: 0.4), rows).Select(s => s.CustomerId.Value));
        Assert.Empty(BothWays(new TopKeyCustomers(0), rows));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKeyCustomers(3, minimumScore: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKeyCustomers(3, minimumScore: double.NaN));
    }
}
