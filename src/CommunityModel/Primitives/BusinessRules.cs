namespace CommunityModel.Primitives;

/// <summary>
/// A business rule that can be broken at run time. Each rule is a named type so that callers and tests can
/// tell exactly which rule broke: it is thrown inside an <see cref="InvalidInputException"/>
/// (<see cref="InvalidInputException.Rule"/>), its code and message being the exception's one problem.
/// </summary>
public interface IBusinessRule
{
    /// <summary>A stable, machine-readable code, e.g. <c>money.currency.mismatch</c>.</summary>
    string Code { get; }

    /// <summary>A human-readable description of what was broken, with the values involved.</summary>
    string Message { get; }
}

/// <summary>Two amounts of different currencies were combined.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
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
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Operation">The operation that overflowed.</param>
public sealed record MoneyOverflowRule(string Operation) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "money.overflow";

    /// <inheritdoc />
    public string Message => $"The result of {Operation} does not fit in 64-bit minor units.";
}
