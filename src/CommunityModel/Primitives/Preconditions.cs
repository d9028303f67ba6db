using System.Runtime.CompilerServices;

namespace CommunityModel.Primitives;

/// <summary>
/// Argument checks used at every public entry point. Each failure throws an
/// <see cref="ArgumentException"/> (or a subtype) naming the offending parameter.
/// </summary>
internal static class Preconditions
{
    /// <summary>Throws <see cref="ArgumentNullException"/> when <paramref name="value"/> is null.</summary>
    /// <typeparam name="T">The reference type checked.</typeparam>
    /// <param name="value">The value to check.</param>
    /// <param name="paramName">The parameter name; filled in by the compiler.</param>
    /// <returns>The value, for chaining.</returns>
    public static T NotNull<T>([System.Diagnostics.CodeAnalysis.NotNull] T? value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        return value;
    }

    /// <summary>Throws when <paramref name="value"/> is null, empty or white space.</summary>
    /// <param name="value">The value to check.</param>
    /// <param name="paramName">The parameter name; filled in by the compiler.</param>
    /// <returns>The value, for chaining.</returns>
    public static string NotBlank([System.Diagnostics.CodeAnalysis.NotNull] string? value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        return value;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="value"/> is negative.</summary>
    /// <param name="value">The value to check.</param>
    /// <param name="paramName">The parameter name; filled in by the compiler.</param>
    /// <returns>The value, for chaining.</returns>
    public static long NotNegative(long value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, paramName);
        return value;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="value"/> is not strictly positive.</summary>
    /// <param name="value">The value to check.</param>
    /// <param name="paramName">The parameter name; filled in by the compiler.</param>
    /// <returns>The value, for chaining.</returns>
    public static long Positive(long value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, paramName);
        return value;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="value"/> is outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="value">The value to check.</param>
    /// <param name="min">The smallest allowed value.</param>
    /// <param name="max">The largest allowed value.</param>
    /// <param name="paramName">The parameter name; filled in by the compiler.</param>
    /// <returns>The value, for chaining.</returns>
    public static long InRange(long value, long min, long max, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Must be between {min} and {max}.");
        }

        return value;
    }
}
