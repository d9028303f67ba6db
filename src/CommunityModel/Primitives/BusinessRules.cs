namespace CommunityModel.Primitives;

/// <summary>
/// A business rule that can be broken at run time. Each rule is a named type so that
/// callers and tests can tell exactly which rule broke.
/// </summary>
public interface IBusinessRule
{
    /// <summary>A stable, machine-readable code, e.g. <c>money.currency.mismatch</c>.</summary>
    string Code { get; }

    /// <summary>A human-readable description of what was broken, with the values involved.</summary>
    string Message { get; }
}

/// <summary>The single exception type of the domain: thrown when an operation would break a business rule.</summary>
public sealed class DomainRuleException : Exception
{
    /// <summary>Creates the exception for a broken rule.</summary>
    /// <param name="rule">The rule that was broken.</param>
    public DomainRuleException(IBusinessRule rule)
        : base(Preconditions.NotNull(rule).Message)
    {
        Rule = rule;
    }

    /// <summary>The rule that was broken.</summary>
    public IBusinessRule Rule { get; }

    /// <summary>The code of the rule that was broken.</summary>
    public string Code => Rule.Code;
}

/// <summary>Two amounts of different currencies were combined.</summary>
/// <param name="Left">The currency of the left operand.</param>
/// <param name="Right">The currency of the right operand.</param>
public sealed record CurrencyMismatchRule(Currency Left, Currency Right) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "money.currency.mismatch";

    /// <inheritdoc />
    public string Message => $"Cannot combine amounts in {Left.Code} and {Right.Code}; convert one of them first.";
}

/// <summary>An arithmetic result does not fit in 64-bit minor units.</summary>
/// <param name="Operation">The operation that overflowed.</param>
public sealed record MoneyOverflowRule(string Operation) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "money.overflow";

    /// <inheritdoc />
    public string Message => $"The result of {Operation} does not fit in 64-bit minor units.";
}
