namespace CommunityModel.Primitives;

/// <summary>
/// Where the orders named by a list of refunds are among many orders: only the refunded ids are indexed (a store's
/// month refunds about 1% of its orders), and the orders are scanned once against that small index, instead of
/// indexing every order's id to look a few up.
/// </summary>
internal static class RefundedOrders
{
    /// <summary>
    /// The first position (0 to <paramref name="count"/> - 1) holding each refunded order's id; an id no position holds
    /// is absent from the result.
    /// </summary>
    /// <param name="refunds">The refunds.</param>
    /// <param name="count">How many positions there are.</param>
    /// <param name="idAt">The order id at a position.</param>
    /// <returns>Position by refunded order id.</returns>
    public static Dictionary<OrderId, int> Positions(IReadOnlyList<Refund> refunds, int count, Func<int, OrderId> idAt)
    {
        var positions = new Dictionary<OrderId, int>(Math.Min(refunds.Count, count));
        foreach (var r in refunds)
        {
            positions.TryAdd(r.Order, -1);
        }

        var left = positions.Count;
        for (var i = 0; i < count && left > 0; i++)
        {
            if (positions.TryGetValue(idAt(i), out var at) && at < 0)
            {
                positions[idAt(i)] = i;
                left--;
            }
        }

        foreach (var r in refunds)
        {
            if (positions.TryGetValue(r.Order, out var at) && at < 0)
            {
                positions.Remove(r.Order);
            }
        }

        return positions;
    }
}
