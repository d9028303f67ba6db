using System.Linq.Expressions;

namespace CommunityModel.Specifications;

/// <summary>
/// A query over <typeparamref name="T"/> in the shape of Ardalis.Specification: criteria, ordering and
/// paging declared in the constructor through <see cref="Query"/>, then applied with
/// <see cref="Evaluate(IEnumerable{T})"/> or checked on one item with <see cref="IsSatisfiedBy"/>.
/// It stands in for Ardalis.Specification, which our package registry does not serve.
/// </summary>
/// <typeparam name="T">The type queried.</typeparam>
/// <example>
/// <code>
/// public sealed class BigSpendersSpec : Specification&lt;Customer&gt;
/// {
///     public BigSpendersSpec(long minSpend) =&gt;
///         Query.Where(c =&gt; c.Spend &gt;= minSpend).OrderByDescending(c =&gt; c.Spend).ThenBy(c =&gt; c.Id).Take(30);
/// }
/// </code>
/// </example>
public abstract class Specification<T>
{
    private readonly List<Expression<Func<T, bool>>> _where = [];
    private readonly List<OrderExpression<T>> _order = [];
    private Func<T, bool>[]? _compiled;

    /// <summary>Creates an empty specification (every item satisfies it).</summary>
    protected Specification() => Query = new SpecificationBuilder<T>(this);

    /// <summary>The builder used in a derived constructor to declare the query.</summary>
    protected ISpecificationBuilder<T> Query { get; }

    /// <summary>The criteria, all of which an item must satisfy.</summary>
    public IReadOnlyList<Expression<Func<T, bool>>> WhereExpressions => _where;

    /// <summary>The ordering, first key first.</summary>
    public IReadOnlyList<OrderExpression<T>> OrderExpressions => _order;

    /// <summary>How many items to skip after ordering, if any.</summary>
    public int? Skip { get; internal set; }

    /// <summary>How many items to take after skipping, if any.</summary>
    public int? Take { get; internal set; }

    /// <summary>True when <paramref name="item"/> satisfies every criterion. Ordering and paging are not considered.</summary>
    /// <param name="item">The item.</param>
    /// <returns>Whether the criteria hold.</returns>
    public virtual bool IsSatisfiedBy(T item)
    {
        foreach (var predicate in Compiled())
        {
            if (!predicate(item))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Applies the specification in memory: where, then order, then skip, then take.</summary>
    /// <param name="source">The items.</param>
    /// <returns>The items selected, in order.</returns>
    public IEnumerable<T> Evaluate(IEnumerable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var query = source.Where(IsSatisfiedBy);
        query = ApplyOrder(query);
        if (Skip is { } skip)
        {
            query = query.Skip(skip);
        }

        if (Take is { } take)
        {
            query = query.Take(take);
        }

        return query;
    }

    /// <summary>Applies the specification to a queryable source (for example an ORM's), translating the expressions.</summary>
    /// <param name="source">The source.</param>
    /// <returns>The query.</returns>
    public IQueryable<T> Evaluate(IQueryable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (var where in _where)
        {
            source = source.Where(where);
        }

        IOrderedQueryable<T>? ordered = null;
        foreach (var o in _order)
        {
            ordered = ordered is null
                ? (o.Descending ? Queryable.OrderByDescending(source, o.KeySelector) : Queryable.OrderBy(source, o.KeySelector))
                : (o.Descending ? Queryable.ThenByDescending(ordered, o.KeySelector) : Queryable.ThenBy(ordered, o.KeySelector));
        }

        source = ordered ?? source;
        if (Skip is { } skip)
        {
            source = source.Skip(skip);
        }

        if (Take is { } take)
        {
            source = source.Take(take);
        }

        return source;
    }

    /// <summary>A specification satisfied when both this and <paramref name="other"/> are (criteria only).</summary>
    /// <param name="other">The other specification.</param>
    /// <returns>The conjunction.</returns>
    public Specification<T> And(Specification<T> other) => new CompositeSpecification<T>(this, other, CompositeKind.And);

    /// <summary>A specification satisfied when this or <paramref name="other"/> is (criteria only).</summary>
    /// <param name="other">The other specification.</param>
    /// <returns>The disjunction.</returns>
    public Specification<T> Or(Specification<T> other) => new CompositeSpecification<T>(this, other, CompositeKind.Or);

    /// <summary>A specification satisfied exactly when this one is not (criteria only).</summary>
    /// <returns>The negation.</returns>
    public Specification<T> Not() => new CompositeSpecification<T>(this, null, CompositeKind.Not);

    internal void AddWhere(Expression<Func<T, bool>> criteria)
    {
        _where.Add(criteria);
        _compiled = null;
    }

    internal void AddOrder(OrderExpression<T> order) => _order.Add(order);

    internal bool HasOrder => _order.Count > 0;

    private Func<T, bool>[] Compiled() => _compiled ??= _where.Select(w => w.Compile()).ToArray();

    private IEnumerable<T> ApplyOrder(IEnumerable<T> query)
    {
        IOrderedEnumerable<T>? ordered = null;
        foreach (var o in _order)
        {
            var key = o.Compiled;
            ordered = ordered is null
                ? (o.Descending ? query.OrderByDescending(key, Comparer<object?>.Default) : query.OrderBy(key, Comparer<object?>.Default))
                : (o.Descending ? ordered.ThenByDescending(key, Comparer<object?>.Default) : ordered.ThenBy(key, Comparer<object?>.Default));
        }

        return ordered ?? query;
    }
}

/// <summary>One ordering key of a <see cref="Specification{T}"/>.</summary>
/// <typeparam name="T">The type ordered.</typeparam>
public sealed class OrderExpression<T>
{
    private Func<T, object?>? _compiled;

    internal OrderExpression(Expression<Func<T, object?>> keySelector, bool descending)
    {
        KeySelector = keySelector;
        Descending = descending;
    }

    /// <summary>The key.</summary>
    public Expression<Func<T, object?>> KeySelector { get; }

    /// <summary>True for descending order.</summary>
    public bool Descending { get; }

    internal Func<T, object?> Compiled => _compiled ??= KeySelector.Compile();
}

internal enum CompositeKind
{
    And,
    Or,
    Not,
}

internal sealed class CompositeSpecification<T> : Specification<T>
{
    private readonly Specification<T> _left;
    private readonly Specification<T>? _right;
    private readonly CompositeKind _kind;

    public CompositeSpecification(Specification<T> left, Specification<T>? right, CompositeKind kind)
    {
        _left = left ?? throw new ArgumentNullException(nameof(left));
        _right = kind == CompositeKind.Not ? null : right ?? throw new ArgumentNullException(nameof(right));
        _kind = kind;
        AddWhere(BuildExpression());
    }

    internal Specification<T> Left => _left;

    internal Specification<T>? Right => _right;

    internal CompositeKind Kind => _kind;

    public override bool IsSatisfiedBy(T item) => _kind switch
    {
        CompositeKind.And => _left.IsSatisfiedBy(item) && _right!.IsSatisfiedBy(item),
        CompositeKind.Or => _left.IsSatisfiedBy(item) || _right!.IsSatisfiedBy(item),
        _ => !_left.IsSatisfiedBy(item),
    };

    private Expression<Func<T, bool>> BuildExpression()
    {
        var p = Expression.Parameter(typeof(T), "x");
        var left = Combine(_left, p);
        Expression body = _kind switch
        {
            CompositeKind.And => Expression.AndAlso(left, Combine(_right!, p)),
            CompositeKind.Or => Expression.OrElse(left, Combine(_right!, p)),
            _ => Expression.Not(left),
        };
        return Expression.Lambda<Func<T, bool>>(body, p);
    }

    private static Expression Combine(Specification<T> spec, ParameterExpression p)
    {
        Expression body = Expression.Constant(true);
        foreach (var w in spec.WhereExpressions)
        {
            var replaced = new ParameterReplacer(w.Parameters[0], p).Visit(w.Body);
            body = body is ConstantExpression { Value: true } ? replaced : Expression.AndAlso(body, replaced);
        }

        return body;
    }

    private sealed class ParameterReplacer(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
