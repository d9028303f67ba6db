namespace CommunityModel.Primitives;

/// <summary>
/// Where the orders named by a list of refunds are among many orders: only the refunded ids are indexed (a store's
/// month refunds about 1% of its orders), and the orders are scanned once, in their own order, against that small
/// index, instead of indexing every order's id to look a few up.
/// </summary>
internal static class RefundedOrders
{
    /// <summary>
    /// The smallest position holding each refunded order's id; an id no order holds is absent from the result.
    /// </summary>
    /// <param name="refunds">The refunds.</param>
    /// <param name="count">How many orders there are (0 to <paramref name="count"/> - 1).</param>
    /// <param name="idAt">The id of an order.</param>
    /// <param name="positionOf">The position of an order (null: its index), when the caller keeps them in another order:
    /// the orders are still scanned by index, which reads their ids in the order they were made.</param>
    /// <returns>Position by refunded order id.</returns>
    public static Dictionary<OrderId, int> Positions(IReadOnlyList<Refund> refunds, int count, Func<int, OrderId> idAt, int[]? positionOf = null)
    {
        var positions = new Dictionary<OrderId, int>(Math.Min(refunds.Count, count));
        foreach (var r in refunds)
        {
            positions.TryAdd(r.Order, int.MaxValue);
        }

        for (var i = 0; i < count; i++)
        {
            var id = idAt(i);
            if (positions.TryGetValue(id, out var at))
            {
                var position = positionOf is null ? i : positionOf[i];
                if (position < at)
                {
                    positions[id] = position;
                }
            }
        }

        foreach (var r in refunds)
        {
            if (positions.TryGetValue(r.Order, out var at) && at == int.MaxValue)
            {
                positions.Remove(r.Order);
            }
        }

        return positions;
    }
}
