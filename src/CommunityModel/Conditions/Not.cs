namespace CommunityModel.Conditions;

/// <summary>
/// Holds when its condition does not. Accepted where a condition screens (a group's admission), refused in
/// tier conditions, which must be reachable by what a member does.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Condition">The condition negated.</param>
public sealed record Not(Condition Condition) : Condition
{
    /// <inheritdoc />
    public override string Describe() => "not " + Condition?.Describe();
}
