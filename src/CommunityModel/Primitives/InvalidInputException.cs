using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace CommunityModel.Primitives;

/// <summary>
/// The one exception type the library throws for input it rejects: a definition or policy that fails its
/// validation, facts that break a business rule (amounts of two currencies combined, an order by someone
/// who is not a member), options out of range. It carries <em>every</em> problem found, each with its code,
/// path and message; nothing was changed by the call that threw it. Where a non-throwing form exists
/// (<c>TryCreate</c>, <c>Validate</c>) it returns the same problems.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class InvalidInputException : ArgumentException
{
    /// <summary>The exception for a set of problems.</summary>
    /// <param name="problems">The problems: at least one.</param>
    /// <exception cref="ArgumentException">No problem was given.</exception>
    public InvalidInputException(IEnumerable<Problem> problems)
        : this(ToArray(problems), null)
    {
    }

    /// <summary>The exception for one broken business rule.</summary>
    /// <param name="rule">The rule that was broken; its code and message become the one problem.</param>
    public InvalidInputException(IBusinessRule rule)
        : this([new Problem((rule ?? throw new ArgumentNullException(nameof(rule))).Code, string.Empty, rule.Message)], rule)
    {
    }

    private InvalidInputException(ImmutableArray<Problem> problems, IBusinessRule? rule)
        : base(Describe(problems))
    {
        Problems = problems;
        Rule = rule;
    }

    /// <summary>Every problem found, in the order the validation met them.</summary>
    public ImmutableArray<Problem> Problems { get; }

    /// <summary>The code of the first problem (the only one when a business rule broke).</summary>
    public string Code => Problems[0].Code;

    /// <summary>The business rule that broke, as a typed value, when the exception is about one; otherwise null.</summary>
    public IBusinessRule? Rule { get; }

    private static ImmutableArray<Problem> ToArray(IEnumerable<Problem> problems)
    {
        var array = (problems ?? throw new ArgumentNullException(nameof(problems))).ToImmutableArray();
        return array.IsEmpty ? throw new ArgumentException("At least one problem is needed.", nameof(problems)) : array;
    }

    private static string Describe(ImmutableArray<Problem> problems)
    {
        if (problems.Length == 1)
        {
            return problems[0].ToString();
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{problems.Length} problems: ");
        for (var i = 0; i < Math.Min(problems.Length, 20); i++)
        {
            text.Append(i == 0 ? string.Empty : "; ").Append(problems[i]);
        }

        if (problems.Length > 20)
        {
            text.Append(CultureInfo.InvariantCulture, $"; and {problems.Length - 20} more");
        }

        return text.ToString();
    }
}
