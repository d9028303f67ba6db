namespace CommunityModel.Scoring;

/// <summary>
/// A customer's RFM cell: recency, frequency and monetary quintiles, each 1 (lowest fifth) to 5 (highest).
/// Recency 5 means the most recent buyers.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Recency">Recency quintile, 1..5.</param>
/// <param name="Frequency">Frequency quintile, 1..5.</param>
/// <param name="Monetary">Monetary quintile, 1..5.</param>
public readonly record struct RfmCell(int Recency, int Frequency, int Monetary)
{
    /// <summary>The sum of the three quintiles, 3..15.</summary>
    public int Total => Recency + Frequency + Monetary;

    /// <summary>The cell scaled to [0, 1]: (total - 3) / 12.</summary>
    public double Normalized => (Total - 3) / 12.0;

    /// <summary>The cell as people write it, e.g. <c>R5F3M4</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"R{Recency}F{Frequency}M{Monetary}";
}

/// <summary>
/// RFM quintiles. A value's quintile is 1 + floor(5 * below / n), where below counts the values strictly
/// lower: equal values always share a cell, the result does not depend on input order, and raising one
/// customer's value never lowers their cell.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class Rfm
{
    /// <summary>
    /// The RFM cell of every customer, in the order given. Recency is the days since the last purchase
    /// (fewer is better; customers who never bought rank lowest), frequency the purchase days, monetary the
    /// total spend.
    /// </summary>
    /// <param name="facts">The customers to place in quintiles, all as of one day.</param>
    /// <returns>One cell per customer.</returns>
    public static RfmCell[] Score(IReadOnlyList<CustomerFacts> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var n = facts.Count;
        var r = new long[n];
        var f = new long[n];
        var m = new long[n];
        for (var i = 0; i < n; i++)
        {
            var x = facts[i];
            r[i] = x.DaysSinceLastPurchase is { } d ? -(long)d : long.MinValue;
            f[i] = x.PurchaseDays;
            m[i] = x.TotalSpend.MinorUnits;
        }

        var rc = new int[n];
        var fc = new int[n];
        var mc = new int[n];
        Quintiles(r, rc);
        Quintiles(f, fc);
        Quintiles(m, mc);
        var cells = new RfmCell[n];
        for (var i = 0; i < n; i++)
        {
            cells[i] = new RfmCell(rc[i], fc[i], mc[i]);
        }

        return cells;
    }

    /// <summary>Writes the quintile (1..5, higher values higher) of every value; equal values share a quintile.</summary>
    /// <param name="values">The customers' values of one measure, in the customers' order.</param>
    /// <param name="cells">Receives one quintile per value.</param>
    public static void Quintiles(ReadOnlySpan<long> values, Span<int> cells) => Ntiles(values, cells, 5);

    /// <summary>Writes the n-tile (1..<paramref name="buckets"/>) of every value: 1 + floor(buckets * below / count).</summary>
    /// <param name="values">The customers' values of one measure, in the customers' order.</param>
    /// <param name="cells">Receives one n-tile per value.</param>
    /// <param name="buckets">How many tiles (at least 1).</param>
    public static void Ntiles(ReadOnlySpan<long> values, Span<int> cells, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        if (cells.Length != values.Length)
        {
            throw new ArgumentException($"{cells.Length} cells for {values.Length} values.", nameof(cells));
        }

        var n = values.Length;
        var keys = values.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);
        for (var s = 0; s < n;)
        {
            var e = s + 1;
            while (e < n && keys[e] == keys[s])
            {
                e++;
            }

            var cell = 1 + (int)((long)buckets * s / n);
            for (var k = s; k < e; k++)
            {
                cells[order[k]] = cell;
            }

            s = e;
        }
    }
}
