using System.Collections.Immutable;

namespace CommunityModel.Conditions;

/// <summary>
/// Holds when every one of its conditions holds. Equality compares the conditions in order (two
/// <see cref="AllOf"/>s read from the same text are equal).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Conditions">The conditions: at least one and at most <see cref="Condition.MaxOperands"/>.</param>
public sealed record AllOf(ImmutableArray<Condition> Conditions) : Condition
{
    /// <inheritdoc />
    public override string Describe() =>
        Conditions.IsDefaultOrEmpty ? "(nothing)" : "(" + string.Join(" and ", Conditions.Select(c => c?.Describe())) + ")";

    /// <summary>True when <paramref name="other"/> holds equal conditions in the same order.</summary>
    /// <param name="other">The composition compared with.</param>
    /// <returns>Whether the two are the same condition.</returns>
    public bool Equals(AllOf? other) => other is not null && SameOperands(Conditions, other.Conditions);

    /// <inheritdoc />
    public override int GetHashCode() => HashOperands(Conditions);
}
