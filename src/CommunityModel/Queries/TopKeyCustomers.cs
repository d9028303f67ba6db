using Ardalis.Specification;
using CommunityModel.Scoring;

namespace CommunityModel.Queries;

/// <summary>
/// The key customers of a scoring run (a month's <see cref="KeyCustomerScorer"/> results): at most a number of
/// customers with at least a score, highest score first, ties by customer id, so the same scores always give the
/// same list. Immutable once built; safe to share between threads.
/// </summary>
public sealed class TopKeyCustomers : Specification<KeyCustomerScore>
{
    /// <summary>The <paramref name="count"/> best-scored customers with a score of at least <paramref name="minimumScore"/>.</summary>
    /// <param name="count">How many at most (the care team's capacity, e.g. 30).</param>
    /// <param name="minimumScore">The least score (0 to 1; 0 keeps every customer).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative, or <paramref name="minimumScore"/> is not in 0..1.</exception>
    public TopKeyCustomers(int count, double minimumScore = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!(minimumScore is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumScore), minimumScore, "A key-customer score runs from 0 to 1.");
        }

        Count = count;
        MinimumScore = minimumScore;
        Query.Where(s => s.Score >= minimumScore).OrderByDescending(s => s.Score).ThenBy(s => s.CustomerId.Value).Take(count);
    }

    /// <summary>How many customers at most.</summary>
    public int Count { get; }

    /// <summary>The least score.</summary>
    public double MinimumScore { get; }
}
