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
                // Kept in another order (reversed): the smallest position holding the id, as an index of the orders in that order gives.
                var reversed = Enumerable.Range(0, ids.Length).Select(i => ids.Length - 1 - i).ToArray();
                var fullReversed = new Dictionary<OrderId, int>();
                for (var p = 0; p < ids.Length; p++)
                {
                    fullReversed.TryAdd(ids[ids.Length - 1 - p], p);
                }

                var expectedReversed = expected.Keys.ToDictionary(o => o, o => fullReversed[o]);
                var actualReversed = RefundedOrders.Positions(refunds, ids.Length, i => ids[i], reversed);
                return (actual.Count == expected.Count && expected.All(e => actual.TryGetValue(e.Key, out var p) && p == e.Value)
                        && actualReversed.Count == expected.Count && expectedReversed.All(e => actualReversed.TryGetValue(e.Key, out var q) && q == e.Value))
                    .Label($"expected {string.Join(",", expected)} got {string.Join(",", actual)}; reversed {string.Join(",", expectedReversed)} got {string.Join(",", actualReversed)}");
            });
}
