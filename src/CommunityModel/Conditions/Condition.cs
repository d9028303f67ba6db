using System.Collections.Immutable;

namespace CommunityModel.Conditions;

/// <summary>
/// A condition of the model: a named leaf (a tier condition such as
/// <see cref="Membership.SpendAtLeast"/>, a screening condition such as <see cref="Groups.MinPurchases"/>) or a
/// composition of conditions (<see cref="AllOf"/>, <see cref="AnyOf"/>, <see cref="Not"/>, or the
/// <c>&amp;</c>, <c>|</c> and <c>!</c> operators). Conditions are immutable records with value equality, so two
/// policies read from the same file compare equal; they are safe to share between threads.
/// </summary>
/// <remarks>
/// Each place that evaluates conditions accepts its own leaves and says so in its validation: a tier takes the
/// leaves of <c>CommunityModel.Membership</c> and <see cref="AllOf"/>/<see cref="AnyOf"/> (no <see cref="Not"/>:
/// every tier condition must be reachable by what the member does), a group's admission screening takes the
/// leaves of <c>CommunityModel.Groups</c> and all three compositions. Compositions hold at most
/// <see cref="MaxOperands"/> conditions and nest at most <see cref="MaxDepth"/> levels, in code and in files.
/// </remarks>
public abstract record Condition
{
    /// <summary>The most conditions one <see cref="AllOf"/> or <see cref="AnyOf"/> may hold (100).</summary>
    public const int MaxOperands = 100;

    /// <summary>The deepest a composition may nest (32 levels below the root).</summary>
    public const int MaxDepth = 32;

    /// <summary>Both conditions: an <see cref="AllOf"/> of the two.</summary>
    /// <param name="left">The first condition.</param>
    /// <param name="right">The second condition.</param>
    /// <returns>An <see cref="AllOf"/> that holds when both hold.</returns>
    public static Condition operator &(Condition left, Condition right) => And(left, right);

    /// <summary>Either condition: an <see cref="AnyOf"/> of the two.</summary>
    /// <param name="left">The first condition.</param>
    /// <param name="right">The second condition.</param>
    /// <returns>An <see cref="AnyOf"/> that holds when at least one holds.</returns>
    public static Condition operator |(Condition left, Condition right) => Or(left, right);

    /// <summary>The negation of a condition: a <see cref="Conditions.Not"/>.</summary>
    /// <param name="condition">The condition negated.</param>
    /// <returns>A <see cref="Conditions.Not"/> that holds when <paramref name="condition"/> does not.</returns>
    public static Condition operator !(Condition condition) => Negate(condition);

    /// <summary>Both conditions (the named form of <c>&amp;</c>).</summary>
    /// <param name="left">The first condition.</param>
    /// <param name="right">The second condition.</param>
    /// <returns>An <see cref="AllOf"/> that holds when both hold.</returns>
    public static Condition And(Condition left, Condition right) =>
        new AllOf([left ?? throw new ArgumentNullException(nameof(left)), right ?? throw new ArgumentNullException(nameof(right))]);

    /// <summary>Either condition (the named form of <c>|</c>).</summary>
    /// <param name="left">The first condition.</param>
    /// <param name="right">The second condition.</param>
    /// <returns>An <see cref="AnyOf"/> that holds when at least one holds.</returns>
    public static Condition Or(Condition left, Condition right) =>
        new AnyOf([left ?? throw new ArgumentNullException(nameof(left)), right ?? throw new ArgumentNullException(nameof(right))]);

    /// <summary>The negation of a condition (the named form of <c>!</c>).</summary>
    /// <param name="condition">The condition negated.</param>
    /// <returns>A <see cref="Conditions.Not"/> that holds when <paramref name="condition"/> does not.</returns>
    public static Condition Negate(Condition condition) => new Not(condition ?? throw new ArgumentNullException(nameof(condition)));

    /// <summary>The condition in words, e.g. "spend at least CNY 1,000.00 this calendar month".</summary>
    /// <returns>The text, in the words the store's explanations use.</returns>
    public abstract string Describe();

    /// <summary>Sequence equality of two operand lists, for the compositions' value equality.</summary>
    internal static bool SameOperands(ImmutableArray<Condition> a, ImmutableArray<Condition> b)
    {
        if (a.IsDefault || b.IsDefault)
        {
            return a.IsDefault == b.IsDefault;
        }

        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A hash of an operand list consistent with <see cref="SameOperands"/>.</summary>
    internal static int HashOperands(ImmutableArray<Condition> operands)
    {
        var hash = new HashCode();
        if (!operands.IsDefault)
        {
            foreach (var c in operands)
            {
                hash.Add(c);
            }
        }

        return hash.ToHashCode();
    }
}
