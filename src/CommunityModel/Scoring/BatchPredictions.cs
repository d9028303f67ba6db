namespace CommunityModel.Scoring;

/// <summary>One customer's prediction, unchecked (the batch checks every summary first).</summary>
internal interface IPrediction<TSelf>
    where TSelf : struct, IPrediction<TSelf>
{
    /// <summary>The prediction for one thread's range of customers (with its own caches, if it keeps any).</summary>
    TSelf ForRange();

    /// <summary>
    /// Predictions for a block of customers given as columns (repeat purchases as doubles, whole and checked),
    /// written into <paramref name="result"/>; a prediction with a closed form does it in <c>Vector&lt;double&gt;</c>
    /// lanes, the others one customer at a time (<see cref="BatchPredictions.OneByOne"/>).
    /// </summary>
    void PredictBlock(ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> age, Span<double> result);
}

/// <summary>
/// Runs a prediction over many summaries on every core: each thread takes a range, copies it into columns a
/// block at a time (checking each summary as it goes) and predicts the block. A bad summary anywhere means no
/// result: the one reported is the first in the list, whichever thread found it.
/// </summary>
internal static class BatchPredictions
{
    /// <summary>Below this many customers the work stays on the calling thread.</summary>
    private const int ParallelFrom = 16_384;

    /// <summary>Customers per block: the columns stay in the first-level cache.</summary>
    private const int Block = 256;

    public static double[] Run<TPrediction>(IReadOnlyList<RepeatSummary> summaries, TPrediction prediction)
        where TPrediction : struct, IPrediction<TPrediction>
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var result = new double[summaries.Count];
        var firstBad = int.MaxValue;
        if (summaries.Count < ParallelFrom)
        {
            firstBad = Range(summaries, prediction, result, 0, result.Length, ref firstBad);
        }
        else
        {
            var chunks = Environment.ProcessorCount * 4;
            Parallel.For(0, chunks, c =>
            {
                var bad = Range(summaries, prediction, result, (int)((long)result.Length * c / chunks), (int)((long)result.Length * (c + 1) / chunks), ref firstBad);
                if (bad < int.MaxValue)
                {
                    InterlockedMin(ref firstBad, bad);
                }
            });
        }

        if (firstBad < int.MaxValue)
        {
            ThrowFor(summaries, firstBad);
        }

        return result;
    }

    /// <summary>Predicts one customer at a time: for predictions without a closed form worth vectorising.</summary>
    public static void OneByOne<TPrediction>(ref TPrediction prediction, ReadOnlySpan<double> x, ReadOnlySpan<double> tx, ReadOnlySpan<double> age, Span<double> result)
        where TPrediction : struct, IPrediction<TPrediction>, IOneCustomer
    {
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = prediction.Predict((int)x[i], tx[i], age[i]);
        }
    }

    /// <summary>Predicts [from, to); returns the first bad summary's index in it, or int.MaxValue.</summary>
    private static int Range<TPrediction>(IReadOnlyList<RepeatSummary> summaries, TPrediction prediction, double[] result, int from, int to, ref int firstBad)
        where TPrediction : struct, IPrediction<TPrediction>
    {
        var local = prediction.ForRange();
        Span<double> x = stackalloc double[Block];
        Span<double> tx = stackalloc double[Block];
        Span<double> age = stackalloc double[Block];
        for (var start = from; start < to; start += Block)
        {
            if (Volatile.Read(ref firstBad) < start)
            {
                // An earlier customer is bad: nothing will be returned, so stop early.
                return int.MaxValue;
            }

            var n = Math.Min(Block, to - start);
            for (var k = 0; k < n; k++)
            {
                var s = summaries[start + k];
                if (s is null || !Valid(s.Frequency, s.Recency, s.Age))
                {
                    return start + k;
                }

                (x[k], tx[k], age[k]) = (s.Frequency, s.Recency, s.Age);
            }

            local.PredictBlock(x[..n], tx[..n], age[..n], result.AsSpan(start, n));
        }

        return int.MaxValue;
    }

    /// <summary>What <see cref="BgNbd.CheckHistory"/> accepts, without throwing.</summary>
    private static bool Valid(int x, double tx, double age) =>
        x >= 0 && double.IsFinite(tx) && tx >= 0 && double.IsFinite(age) && age >= 0 && BgNbd.RecencyWithinAge(tx, age);

    private static void ThrowFor(IReadOnlyList<RepeatSummary> summaries, int i)
    {
        var s = summaries[i] ?? throw new ArgumentNullException(nameof(summaries), $"Summary {i} is null.");
        try
        {
            BgNbd.CheckHistory(s.Frequency, s.Recency, s.Age);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentOutOfRangeException(nameof(summaries), $"Summary {i} ({s.CustomerId}): {e.Message}");
        }

        throw new InvalidOperationException($"Summary {i} was refused by the batch check but passes the single check.");
    }

    private static void InterlockedMin(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value < seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}

/// <summary>A prediction for one customer, for blocks predicted one customer at a time.</summary>
internal interface IOneCustomer
{
    /// <summary>The prediction for one checked customer.</summary>
    double Predict(int x, double tx, double age);
}
