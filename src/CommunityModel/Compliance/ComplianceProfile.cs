using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Compliance;

/// <summary>
/// A named set of compliance rules, each citing its source. Use a built-in profile of
/// <see cref="ComplianceProfiles"/> or compose your own with <see cref="Custom"/> or <see cref="With"/>.
/// The profiles summarise public rules for plan designers; they are not legal advice.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class ComplianceProfile
{
    private ComplianceProfile(string name, string description, ImmutableArray<ComplianceRule> rules)
    {
        Name = name;
        Description = description;
        Rules = rules;
    }

    /// <summary>The profile's name.</summary>
    public string Name { get; }

    /// <summary>What the profile is for.</summary>
    public string Description { get; }

    /// <summary>The rules, in the order findings are reported.</summary>
    public ImmutableArray<ComplianceRule> Rules { get; }

    /// <summary>A profile of your own rules.</summary>
    /// <param name="name">The profile's name, as findings and reports show it.</param>
    /// <param name="description">What it is for.</param>
    /// <param name="rules">The rules (at least one; ids unique).</param>
    /// <returns>The profile.</returns>
    public static ComplianceProfile Custom(string name, string description, params IEnumerable<ComplianceRule> rules)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(rules);
        var list = rules.ToImmutableArray();
        if (list.IsEmpty)
        {
            throw new ArgumentException("A profile needs at least one rule.", nameof(rules));
        }

        var duplicate = list.GroupBy(r => r.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Rule {duplicate.Key} appears more than once; a profile holds each rule once.", nameof(rules));
        }

        return new ComplianceProfile(name, description ?? "", list);
    }

    /// <summary>This profile with more rules, or with rules of the same id replaced.</summary>
    /// <param name="name">The new profile's name.</param>
    /// <param name="rules">Rules to add or replace.</param>
    /// <returns>The new profile.</returns>
    public ComplianceProfile With(string name, params IEnumerable<ComplianceRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var extra = rules.ToList();
        var merged = Rules.Select(r => extra.FirstOrDefault(e => e.Id == r.Id) ?? r).ToList();
        merged.AddRange(extra.Where(e => !Rules.Any(r => r.Id == e.Id)));
        return Custom(name, Description, merged);
    }

    /// <summary>Checks a plan (and optionally a run) against every rule.</summary>
    /// <param name="context">The plan and how it is operated.</param>
    /// <param name="run">A run for the rules that need data.</param>
    /// <returns>One finding per rule.</returns>
    /// <exception cref="InvalidInputException">The context is invalid; every problem is listed.</exception>
    public ComplianceReport Check(ComplianceContext context, RunEvidence? run = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        Validation.Check(new ComplianceContextValidator(), context);
        if (run is not null && run.Run.Plan != context.Plan)
        {
            throw new ArgumentException("The run was made with another plan than the one being checked.", nameof(run));
        }

        return new ComplianceReport(Name, context.Plan.Name, Rules.Select(r => r.Evaluate(context, run)).ToImmutableArray());
    }

    /// <summary>The profile's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}
