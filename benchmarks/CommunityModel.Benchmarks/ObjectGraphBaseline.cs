namespace CommunityModel.Benchmarks;

/// <summary>
/// The baseline: a straightforward object-graph implementation of the 2-level plan, of the kind
/// applications usually contain (members with a Sponsor reference, orders referencing members, LINQ).
/// </summary>
public static class ObjectGraphBaseline
{
    public sealed class Member
    {
        public required string Id { get; init; }

        public Member? Sponsor { get; set; }
    }

    public sealed class Purchase
    {
        public required Member Buyer { get; init; }

        public required long Amount { get; init; }
    }

    public static (Member[] Members, Purchase[] Orders) Build(BenchmarkData data)
    {
        var members = new Member[data.JoinParent.Length];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = new Member { Id = data.Tree.MemberAt(i).Value };
        }

        for (var i = 0; i < members.Length; i++)
        {
            members[i].Sponsor = data.JoinParent[i] < 0 ? null : members[data.JoinParent[i]];
        }

        var orders = new Purchase[data.Buyers.Length];
        for (var k = 0; k < orders.Length; k++)
        {
            orders[k] = new Purchase { Buyer = members[data.Buyers[k]], Amount = data.Amounts[k] };
        }

        return (members, orders);
    }

    /// <summary>Level 1 earns 10%, level 2 earns 5%, each floored to the fen; totals per earner id.</summary>
    public static Dictionary<string, long> Compute(IEnumerable<Purchase> orders) =>
        orders
            .SelectMany(o => new[]
            {
                (Earner: o.Buyer.Sponsor, Pay: o.Amount * 10 / 100),
                (Earner: o.Buyer.Sponsor?.Sponsor, Pay: o.Amount * 5 / 100),
            })
            .Where(x => x.Earner is not null)
            .GroupBy(x => x.Earner!.Id)
            .ToDictionary(g => g.Key, g => g.Sum(x => x.Pay));
}
