using System.Collections.Immutable;
using FluentValidation;
using FluentValidation.Results;

namespace CommunityModel.Primitives;

/// <summary>FluentValidation behind the library's own error model: results become <see cref="Problem"/>s.</summary>
internal static class Validation
{
    public static IReadOnlyList<Problem> Problems<T>(IValidator<T> validator, T value)
    {
        if (value is null)
        {
            return [new Problem("input.null", string.Empty, $"A {typeof(T).Name} is needed.")];
        }

        return ToProblems(validator.Validate(value).Errors);
    }

    public static ImmutableArray<Problem> ToProblems(IEnumerable<ValidationFailure> failures) =>
        failures.Select(f => new Problem(string.IsNullOrEmpty(f.ErrorCode) ? "input.invalid" : f.ErrorCode, f.PropertyName ?? string.Empty, f.ErrorMessage)).ToImmutableArray();

    /// <summary>Throws <see cref="InvalidInputException"/> with every problem, or returns the value.</summary>
    public static T Check<T>(IValidator<T> validator, T value)
    {
        var problems = Problems(validator, value);
        return problems.Count == 0 ? value : throw new InvalidInputException(problems);
    }
}
