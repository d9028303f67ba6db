using FluentValidation;

namespace CommunityModel.Primitives;

/// <summary>
/// An amount as people write it in configuration or a file: text in major units and a currency
/// code. This type shows the validation convention every input of the library follows: a
/// definition type, a FluentValidation validator that reports every problem at once with a
/// property path and an error code, and a <c>ToX()</c> that builds the always-valid value.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Amount">The amount in major units, e.g. <c>"12.34"</c>.</param>
/// <param name="Currency">The currency code, e.g. <c>"CNY"</c>.</param>
public sealed record MoneyDefinition(string? Amount, string? Currency)
{
    /// <summary>
    /// Every problem of this MoneyDefinition (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new MoneyDefinitionValidator(), this);

    /// <summary>Validates and builds the amount.</summary>
    /// <returns>The amount.</returns>
    /// <exception cref="InvalidInputException">Every problem, with path and code.</exception>
    public Money ToMoney()
    {
        Validation.Check(new MoneyDefinitionValidator(), this);
        return Money.Parse(Amount!, Primitives.Currency.FromCode(Currency!));
    }
}

/// <summary>
/// Validates a <see cref="MoneyDefinition"/>. Codes: <c>money.amount.empty</c>,
/// <c>money.amount.format</c>, <c>money.currency.empty</c>, <c>money.currency.unknown</c>.
/// </summary>
internal sealed class MoneyDefinitionValidator : AbstractValidator<MoneyDefinition>
{
    /// <summary>Creates the validator.</summary>
    public MoneyDefinitionValidator()
    {
        RuleFor(m => m.Currency)
            .NotEmpty().WithErrorCode("money.currency.empty").WithMessage("A currency code is required.")
            .DependentRules(() =>
                RuleFor(m => m.Currency)
                    .Must(code => Currency.TryFromCode(code, out _))
                    .WithErrorCode("money.currency.unknown")
                    .WithMessage(m => $"'{m.Currency}' is not a known currency code."));
        RuleFor(m => m.Amount)
            .NotEmpty().WithErrorCode("money.amount.empty").WithMessage("An amount is required.")
            .DependentRules(() =>
                RuleFor(m => m)
                    .Must(m => !Currency.TryFromCode(m.Currency, out var c) || Money.TryParse(m.Amount, c, out _))
                    .OverridePropertyName(nameof(MoneyDefinition.Amount))
                    .WithErrorCode("money.amount.format")
                    .WithMessage(m => $"'{m.Amount}' is not a valid amount in {m.Currency}."));
    }
}
