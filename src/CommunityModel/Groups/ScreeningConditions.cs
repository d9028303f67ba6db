using CommunityModel.Conditions;

namespace CommunityModel.Groups;

// The leaves of admission screening (AdmissionRules.Screenings): each reads a Candidate; AllOf, AnyOf and Not
// compose them. In JSON: isCustomer, minPurchases, approved, notBlocklisted, allOf, anyOf, not.

/// <summary>The candidate has bought from the store (<see cref="Candidate.IsCustomer"/>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record IsCustomer : Condition
{
    /// <inheritdoc />
    public override string Describe() => "be a customer";
}

/// <summary>The candidate has made at least <see cref="Purchases"/> purchases.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Purchases">The least number of purchases (0 or more).</param>
public sealed record MinPurchases(int Purchases) : Condition
{
    /// <inheritdoc />
    public override string Describe() => $"have at least {Purchases} purchase(s)";
}

/// <summary>A host of the group approved the candidate (<see cref="Candidate.Approved"/>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record ApprovedByHost : Condition
{
    /// <inheritdoc />
    public override string Describe() => "be approved by a host";
}

/// <summary>The candidate is not on the store's blocklist (<see cref="Candidate.Blocklisted"/>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record NotBlocklisted : Condition
{
    /// <inheritdoc />
    public override string Describe() => "not be on the blocklist";
}

/// <summary>Evaluates and validates screening conditions.</summary>
internal static class ScreeningRules
{
    /// <summary>Whether the candidate satisfies a validated screening condition (depth is bounded by validation).</summary>
    public static bool Holds(Condition condition, Candidate candidate)
    {
        switch (condition)
        {
            case IsCustomer:
                return candidate.IsCustomer;
            case MinPurchases m:
                return candidate.Purchases >= m.Purchases;
            case ApprovedByHost:
                return candidate.Approved;
            case NotBlocklisted:
                return !candidate.Blocklisted;
            case Not not:
                return !Holds(not.Condition, candidate);
            case AllOf all:
                foreach (var c in all.Conditions)
                {
                    if (!Holds(c, candidate))
                    {
                        return false;
                    }
                }

                return true;
            case AnyOf any:
                foreach (var c in any.Conditions)
                {
                    if (Holds(c, candidate))
                    {
                        return true;
                    }
                }

                return false;
            default:
                throw new InvalidOperationException($"'{condition.GetType().Name}' is not a screening condition (the policy's validation refuses it).");
        }
    }

    /// <summary>Reports every problem of one screening condition (codes <c>group.screening.*</c>).</summary>
    public static void Check(Condition? condition, string path, Action<string, string, string> fail) =>
        ConditionWalk.Check(condition, path, "group.screening", allowNot: true, fail, (c, p) =>
        {
            switch (c)
            {
                case IsCustomer or ApprovedByHost or NotBlocklisted:
                    break;
                case MinPurchases { Purchases: < 0 }:
                    fail(p + ".Purchases", "group.screening.range", "A minPurchases condition needs a whole number of at least 0.");
                    break;
                case MinPurchases:
                    break;
                default:
                    fail(p, "group.screening.foreign", $"'{c.GetType().Name}' is not a screening condition; screenings take isCustomer, minPurchases, approved, notBlocklisted, allOf, anyOf and not.");
                    break;
            }
        });
}
