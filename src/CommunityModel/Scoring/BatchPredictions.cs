namespace CommunityModel.Scoring;

/// <summary>One customer's prediction, unchecked (the batch checks every summary first).</summary>
internal interface IPrediction<TSelf>
    where TSelf : struct, IPrediction<TSelf>
{
    /// <summary>The prediction for one thread's range of customers (with its own caches, if it keeps any).</summary>
    TSelf ForRange();

    double Predict(int x, double tx, double age);
}

/// <summary>Runs a per-customer prediction over many summaries on every core, after checking them all first.</summary>
internal static class BatchPredictions
{
    /// <summary>Below this many customers the work stays on the calling thread.</summary>
    private const int ParallelFrom = 16_384;

    public static double[] Run<TPrediction>(IReadOnlyList<RepeatSummary> summaries, TPrediction prediction)
        where TPrediction : struct, IPrediction<TPrediction>
    {
        ArgumentNullException.ThrowIfNull(summaries);
        for (var i = 0; i < summaries.Count; i++)
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
        }

        var result = new double[summaries.Count];
        if (summaries.Count < ParallelFrom)
        {
            Range(summaries, prediction, result, 0, result.Length);
            return result;
        }

        var chunks = Environment.ProcessorCount * 4;
        Parallel.For(0, chunks, c => Range(summaries, prediction, result, (int)((long)result.Length * c / chunks), (int)((long)result.Length * (c + 1) / chunks)));
        return result;
    }

    private static void Range<TPrediction>(IReadOnlyList<RepeatSummary> summaries, TPrediction prediction, double[] result, int from, int to)
        where TPrediction : struct, IPrediction<TPrediction>
    {
        var local = prediction.ForRange();
        for (var i = from; i < to; i++)
        {
            var s = summaries[i];
            result[i] = local.Predict(s.Frequency, s.Recency, s.Age);
        }
    }
}
