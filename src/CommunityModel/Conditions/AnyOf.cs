using System.Collections.Immutable;

namespace CommunityModel.Conditions;

/// <summary>
/// Holds when at least one of its conditions holds. Equality compares the conditions in order.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Conditions">The conditions: at least one and at most <see cref="Condition.MaxOperands"/>.</param>
public sealed record AnyOf(ImmutableArray<Condition> Conditions) : Condition
{
    /// <inheritdoc />
    public override string Describe() =>
        Conditions.IsDefaultOrEmpty ? "(nothing)" : "(" + string.Join(" or ", Conditions.Select(c => c?.Describe())) + ")";

    /// <summary>True when <paramref name="other"/> holds equal conditions in the same order.</summary>
    /// <param name="other">The composition compared with.</param>
    /// <returns>Whether the two are the same condition.</returns>
    public bool Equals(AnyOf? other) => other is not null && SameOperands(Conditions, other.Conditions);

    /// <inheritdoc />
    public override int GetHashCode() => HashOperands(Conditions);
}
