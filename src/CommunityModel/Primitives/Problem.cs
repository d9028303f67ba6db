namespace CommunityModel.Primitives;

/// <summary>
/// One problem with an input: a stable machine-readable <see cref="Code"/> (for example
/// <c>plan.levels.empty</c>), where it is (<see cref="Path"/>: a property path such as <c>Tiers[2].Qualify</c>,
/// or a key such as a customer id; empty when the input as a whole is at fault) and what is wrong, in words.
/// Every validation of the library reports all its problems at once as a list of these, thrown in an
/// <see cref="InvalidInputException"/> or returned by a <c>Validate</c>/<c>TryCreate</c>. An immutable record,
/// safe to share between threads.
/// </summary>
/// <param name="Code">The stable code; codes never change meaning between versions.</param>
/// <param name="Path">Where the problem is, or an empty text for the input as a whole.</param>
/// <param name="Message">What is wrong and what is expected, with the values involved.</param>
public sealed record Problem(string Code, string Path, string Message)
{
    /// <summary>The problem as one line: <c>path: message (code)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Path.Length == 0 ? $"{Message} ({Code})" : $"{Path}: {Message} ({Code})";
}
