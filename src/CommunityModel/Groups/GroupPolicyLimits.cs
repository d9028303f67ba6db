namespace CommunityModel.Groups;

/// <summary>
/// The most a group policy may ask for, so that a policy file cannot make a replay slow or large: list sizes and
/// lengths are checked by the policy's validator (code <c>group.limit</c>), and ad patterns run on .NET's
/// non-backtracking regular-expression engine (time linear in the text; backreferences and lookarounds are refused
/// as <c>group.pattern.invalid</c>) with a match timeout besides.
/// </summary>
/// <remarks>Constants; safe to read from any thread.</remarks>
public static class GroupPolicyLimits
{
    /// <summary>Screenings of the admission rules: at most 64.</summary>
    public const int MaxScreenings = 64;

    /// <summary>Ad keywords, and phrases of the allow list: at most 2,000 each.</summary>
    public const int MaxKeywords = 2_000;

    /// <summary>One keyword, allow-list phrase, label or topic: at most 100 characters.</summary>
    public const int MaxKeywordLength = 100;

    /// <summary>Ad patterns (regular expressions): at most 100.</summary>
    public const int MaxPatterns = 100;

    /// <summary>One ad pattern: at most 1,000 characters.</summary>
    public const int MaxPatternLength = 1_000;

    /// <summary>Ad labels, prohibited labels and on-theme topics: at most 500 each.</summary>
    public const int MaxLabels = 500;

    /// <summary>The longest one ad pattern may run on one message before the match is abandoned: 100 ms.</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The options ad patterns are compiled with: non-backtracking, culture-invariant.</summary>
    internal const System.Text.RegularExpressions.RegexOptions PatternOptions =
        System.Text.RegularExpressions.RegexOptions.NonBacktracking | System.Text.RegularExpressions.RegexOptions.CultureInvariant;
}
