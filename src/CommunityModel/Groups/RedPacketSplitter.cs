using CommunityModel.Primitives;

namespace CommunityModel.Groups;

/// <summary>
/// Splits a red packet (红包) into shares, exactly: the shares always add up to the total and every share
/// is at least one minor unit. Randomness comes from a seeded generator, so a seed replays a split.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class RedPacketSplitter
{
    /// <summary>
    /// The double-average method: each draw is uniform between one minor unit and twice the mean of what
    /// remains (capped so every later share can still get one minor unit); the last share takes the rest.
    /// </summary>
    /// <param name="total">The packet's amount (at least <paramref name="count"/> minor units).</param>
    /// <param name="count">The number of shares (at least 1).</param>
    /// <param name="random">The seeded generator.</param>
    /// <returns>The shares, in draw order.</returns>
    public static Money[] DoubleAverage(Money total, int count, SeededRandom random)
    {
        Check(total, count, random);
        var shares = new Money[count];
        var remaining = total.MinorUnits;
        for (var i = 0; i < count - 1; i++)
        {
            var left = count - i;
            var twiceMean = 2 * remaining / left;
            var max = Math.Min(Math.Max(1, twiceMean), remaining - (left - 1));
            var draw = random.NextInt64(1, max);
            shares[i] = Money.OfMinor(draw, total.Currency);
            remaining -= draw;
        }

        shares[count - 1] = Money.OfMinor(remaining, total.Currency);
        return shares;
    }

    /// <summary>
    /// The line-cutting method: <paramref name="count"/> - 1 distinct cut points drawn on the line of the
    /// total's minor units; the shares are the segments between them, in line order.
    /// </summary>
    /// <param name="total">The packet's amount (at least <paramref name="count"/> minor units).</param>
    /// <param name="count">The number of shares (at least 1).</param>
    /// <param name="random">The seeded generator.</param>
    /// <returns>The shares.</returns>
    public static Money[] LineCutting(Money total, int count, SeededRandom random)
    {
        Check(total, count, random);
        var cuts = new HashSet<long>();
        var points = new long[count + 1];
        points[0] = 0;
        points[count] = total.MinorUnits;
        var k = 1;
        while (k < count)
        {
            // Cut points lie strictly inside (0, total): every segment is at least one minor unit.
            var cut = random.NextInt64(1, total.MinorUnits - 1);
            if (cuts.Add(cut))
            {
                points[k++] = cut;
            }
        }

        Array.Sort(points, 1, count - 1);
        var shares = new Money[count];
        for (var i = 0; i < count; i++)
        {
            shares[i] = Money.OfMinor(points[i + 1] - points[i], total.Currency);
        }

        return shares;
    }

    private static void Check(Money total, int count, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (total.MinorUnits < count)
        {
            throw new ArgumentOutOfRangeException(nameof(total), $"{total} cannot be split into {count} shares of at least one minor unit each.");
        }
    }
}
