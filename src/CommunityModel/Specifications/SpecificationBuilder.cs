using System.Linq.Expressions;

namespace CommunityModel.Specifications;

/// <summary>Declares the criteria, ordering and paging of a <see cref="Specification{T}"/> (Ardalis-shaped).</summary>
/// <typeparam name="T">The type queried.</typeparam>
public interface ISpecificationBuilder<T>
{
    /// <summary>Adds a criterion; all criteria must hold.</summary>
    /// <param name="criteria">The predicate.</param>
    /// <returns>The builder.</returns>
    ISpecificationBuilder<T> Where(Expression<Func<T, bool>> criteria);

    /// <summary>Orders ascending by a key (the first ordering).</summary>
    /// <param name="keySelector">The key.</param>
    /// <returns>A builder that accepts <c>ThenBy</c>.</returns>
    IOrderedSpecificationBuilder<T> OrderBy(Expression<Func<T, object?>> keySelector);

    /// <summary>Orders descending by a key (the first ordering).</summary>
    /// <param name="keySelector">The key.</param>
    /// <returns>A builder that accepts <c>ThenBy</c>.</returns>
    IOrderedSpecificationBuilder<T> OrderByDescending(Expression<Func<T, object?>> keySelector);

    /// <summary>Skips items after ordering.</summary>
    /// <param name="count">A non-negative count.</param>
    /// <returns>The builder.</returns>
    ISpecificationBuilder<T> Skip(int count);

    /// <summary>Takes at most this many items after skipping.</summary>
    /// <param name="count">A non-negative count.</param>
    /// <returns>The builder.</returns>
    ISpecificationBuilder<T> Take(int count);
}

/// <summary>A builder after an ordering, which accepts further keys.</summary>
/// <typeparam name="T">The type queried.</typeparam>
public interface IOrderedSpecificationBuilder<T> : ISpecificationBuilder<T>
{
    /// <summary>Adds an ascending tie-break key.</summary>
    /// <param name="keySelector">The key.</param>
    /// <returns>The builder.</returns>
    IOrderedSpecificationBuilder<T> ThenBy(Expression<Func<T, object?>> keySelector);

    /// <summary>Adds a descending tie-break key.</summary>
    /// <param name="keySelector">The key.</param>
    /// <returns>The builder.</returns>
    IOrderedSpecificationBuilder<T> ThenByDescending(Expression<Func<T, object?>> keySelector);
}

internal sealed class SpecificationBuilder<T>(Specification<T> specification) : IOrderedSpecificationBuilder<T>
{
    public ISpecificationBuilder<T> Where(Expression<Func<T, bool>> criteria)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        specification.AddWhere(criteria);
        return this;
    }

    public IOrderedSpecificationBuilder<T> OrderBy(Expression<Func<T, object?>> keySelector) => AddOrder(keySelector, false, first: true);

    public IOrderedSpecificationBuilder<T> OrderByDescending(Expression<Func<T, object?>> keySelector) => AddOrder(keySelector, true, first: true);

    public IOrderedSpecificationBuilder<T> ThenBy(Expression<Func<T, object?>> keySelector) => AddOrder(keySelector, false, first: false);

    public IOrderedSpecificationBuilder<T> ThenByDescending(Expression<Func<T, object?>> keySelector) => AddOrder(keySelector, true, first: false);

    public ISpecificationBuilder<T> Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        specification.Skip = count;
        return this;
    }

    public ISpecificationBuilder<T> Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        specification.Take = count;
        return this;
    }

    private SpecificationBuilder<T> AddOrder(Expression<Func<T, object?>> keySelector, bool descending, bool first)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        if (first && specification.HasOrder)
        {
            throw new InvalidOperationException("OrderBy was already declared; use ThenBy for further keys.");
        }

        specification.AddOrder(new OrderExpression<T>(keySelector, descending));
        return this;
    }
}
