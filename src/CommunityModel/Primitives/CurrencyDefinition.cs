using FluentValidation;

namespace CommunityModel.Primitives;

/// <summary>A currency as people write it in configuration; validated by <see cref="CurrencyDefinitionValidator"/>.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Code">Three upper-case ASCII letters.</param>
/// <param name="MinorDigits">Digits of the minor unit.</param>
public sealed record CurrencyDefinition(string? Code, int MinorDigits)
{
    /// <summary>
    /// Every problem of this CurrencyDefinition (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new CurrencyDefinitionValidator(), this);
}

/// <summary>
/// Validates a <see cref="CurrencyDefinition"/>. Error codes: <c>currency.code.empty</c>,
/// <c>currency.code.format</c>, <c>currency.digits.range</c>, <c>currency.digits.conflict</c>.
/// </summary>
internal sealed class CurrencyDefinitionValidator : AbstractValidator<CurrencyDefinition>
{
    /// <summary>Creates the validator.</summary>
    public CurrencyDefinitionValidator()
    {
        RuleFor(c => c.Code)
            .NotEmpty().WithErrorCode("currency.code.empty").WithMessage("A currency code is required.")
            .DependentRules(() =>
                RuleFor(c => c.Code)
                    .Must(code => code!.Length == 3 && code.All(ch => ch is >= 'A' and <= 'Z'))
                    .WithErrorCode("currency.code.format")
                    .WithMessage(c => $"'{c.Code}' is not three upper-case letters (ISO 4217)."));
        RuleFor(c => c.MinorDigits)
            .InclusiveBetween(0, Currency.MaxMinorDigits)
            .WithErrorCode("currency.digits.range")
            .WithMessage(c => $"Minor-unit digits must be between 0 and {Currency.MaxMinorDigits}; got {c.MinorDigits}.");
        RuleFor(c => c)
            .Must(c => !Currency.TryFromCode(c.Code, out var known) || known.MinorDigits == c.MinorDigits)
            .WithName("MinorDigits")
            .OverridePropertyName("MinorDigits")
            .WithErrorCode("currency.digits.conflict")
            .WithMessage(c => $"{c.Code} is an ISO currency with {(Currency.TryFromCode(c.Code, out var k) ? k.MinorDigits : 0)} minor digits, not {c.MinorDigits}.");
    }
}
