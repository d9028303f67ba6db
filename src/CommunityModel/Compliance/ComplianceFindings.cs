using System.Collections.Immutable;
using System.Text;

namespace CommunityModel.Compliance;

/// <summary>How serious a failed compliance rule is.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing; nothing to fix.</summary>
    Info = 0,

    /// <summary>A risk to review before the plan is used.</summary>
    Warning = 1,

    /// <summary>The plan (or run) breaks the rule; do not use it as it is.</summary>
    Error = 2,
}

/// <summary>The outcome of one rule.</summary>
public enum FindingStatus
{
    /// <summary>The rule holds.</summary>
    Pass = 0,

    /// <summary>The rule is broken.</summary>
    Fail = 1,

    /// <summary>The rule needs data that was not given (for example a commission run); nothing was decided.</summary>
    NotEvaluated = 2,
}

/// <summary>
/// The result of one compliance rule: which rule, how serious a failure is, what was measured against
/// which limit, what to change, and the source the rule comes from. Not legal advice.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="RuleId">The rule's stable id, e.g. <c>depth.max-hops</c>.</param>
/// <param name="Title">A short title of the rule.</param>
/// <param name="Severity">How serious a failure of this rule is in the profile.</param>
/// <param name="Status">Pass, fail or not evaluated.</param>
/// <param name="Measured">What was measured, in words and numbers.</param>
/// <param name="Limit">The limit the rule sets.</param>
/// <param name="Message">What the finding means.</param>
/// <param name="Fix">What to change so the rule holds (empty when it passes).</param>
/// <param name="Source">Where the rule comes from (statute and article, or guidance).</param>
public sealed record ComplianceFinding(
    string RuleId,
    string Title,
    FindingSeverity Severity,
    FindingStatus Status,
    string Measured,
    string Limit,
    string Message,
    string Fix,
    string Source)
{
    /// <summary>True when the rule failed with severity <see cref="FindingSeverity.Error"/>.</summary>
    public bool IsError => Status == FindingStatus.Fail && Severity == FindingSeverity.Error;

    /// <summary>One line: status, severity, rule, measured against limit.</summary>
    /// <returns>The line.</returns>
    public override string ToString() => $"{Status} {Severity} {RuleId}: {Measured} (limit {Limit})";
}

/// <summary>The findings of one profile on one plan (and, where given, one run).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Profile">The profile's name.</param>
/// <param name="Plan">The plan's name.</param>
/// <param name="Findings">One finding per rule of the profile, in the profile's order.</param>
public sealed record ComplianceReport(string Profile, string Plan, ImmutableArray<ComplianceFinding> Findings)
{
    /// <summary>The rules that failed.</summary>
    public IEnumerable<ComplianceFinding> Failures => Findings.Where(f => f.Status == FindingStatus.Fail);

    /// <summary>True when any rule of severity error failed.</summary>
    public bool HasErrors => Findings.Any(f => f.IsError);

    /// <summary>True when no rule failed at all (warnings included).</summary>
    public bool Passed => !Findings.Any(f => f.Status == FindingStatus.Fail);

    /// <summary>A readable report: one block per rule.</summary>
    /// <returns>The text.</returns>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append("Compliance of \"").Append(Plan).Append("\" under ").Append(Profile).Append(": ")
          .Append(HasErrors ? "FAILS" : Passed ? "passes" : "passes with warnings").Append('\n');
        foreach (var f in Findings)
        {
            sb.Append("  [").Append(f.Status switch { FindingStatus.Pass => "pass", FindingStatus.Fail => f.Severity.ToString().ToUpperInvariant(), _ => "n/a" })
              .Append("] ").Append(f.RuleId).Append(": ").Append(f.Measured).Append("; limit ").Append(f.Limit).Append('\n');
            if (f.Status == FindingStatus.Fail)
            {
                sb.Append("         ").Append(f.Message).Append(" Fix: ").Append(f.Fix).Append('\n');
                sb.Append("         Source: ").Append(f.Source).Append('\n');
            }
        }

        return sb.ToString();
    }
}
