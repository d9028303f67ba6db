using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Primitives;

/// <summary>The refunded orders' positions are those a full index of every order would give, for the refunded ids only.</summary>
public class RefundedOrdersTests
{
    [Property(MaxTest = 200)]
    public Property Positions_AreTheFullIndexsPositions_OfTheRefundedIds() =>
        Prop.ForAll(
            Arb.From(Gen.ListOf(Gen.Choose(0, 30)).Select(l => l.ToArray())),
            Arb.From(Gen.ListOf(Gen.Choose(0, 40)).Select(l => l.ToArray())),
            (orders, refunded) =>
            {
                // Ids repeat among the orders (the first position counts) and refunds name ids no order has (absent).
                var ids = orders.Select(o => OrderId.From($"o{o}")).ToArray();
                var refunds = refunded.Select((o, k) => new Refund(RefundId.From($"r{k}"), OrderId.From($"o{o}"), Money.OfMinor(1, Currency.CNY), Instant.FromUnixTimeSeconds(k))).ToList();
                var full = new Dictionary<OrderId, int>();
                for (var i = 0; i < ids.Length; i++)
                {
                    full.TryAdd(ids[i], i);
                }

                var expected = refunds.Select(r => r.Order).Distinct().Where(full.ContainsKey).ToDictionary(o => o, o => full[o]);
                var actual = RefundedOrders.Positions(refunds, ids.Length, i => ids[i]);
                return (actual.Count == expected.Count && expected.All(e => actual.TryGetValue(e.Key, out var p) && p == e.Value))
                    .Label($"expected {string.Join(",", expected)} got {string.Join(",", actual)}");
            });
}
