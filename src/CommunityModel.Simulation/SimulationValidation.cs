using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Simulation;

/// <summary>The simulator's validators behind the library's error model (<see cref="InvalidInputException"/>).</summary>
internal static class SimulationValidation
{
    public static IReadOnlyList<Problem> Problems<T>(IValidator<T> validator, T value) =>
        value is null
            ? [new Problem("input.null", string.Empty, $"A {typeof(T).Name} is needed.")]
            : validator.Validate(value).Errors.Select(f => new Problem(f.ErrorCode, f.PropertyName, f.ErrorMessage)).ToList();

    public static void Check<T>(IValidator<T> validator, T value)
    {
        var problems = Problems(validator, value);
        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems);
        }
    }
}
