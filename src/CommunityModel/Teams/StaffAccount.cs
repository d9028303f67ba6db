using CommunityModel.Primitives;
using FluentValidation;

namespace CommunityModel.Teams;

/// <summary>The role an account plays for the customers it holds.</summary>
public enum AccountRole
{
    /// <summary>Hosts groups (主持人).</summary>
    Host = 0,

    /// <summary>Sells.</summary>
    Sales = 1,

    /// <summary>Serves: answers questions, handles returns.</summary>
    Service = 2,

    /// <summary>Writes content.</summary>
    Content = 3,

    /// <summary>A role of the store's own, named in <see cref="StaffAccount.CustomRole"/>.</summary>
    Custom = 4,
}

/// <summary>
/// A staff persona account of the account matrix (个人号矩阵): the smallest operating unit (seed 002). It has
/// a role, a persona line (the seeds' "independent mother" of a baby-store owner), and a contact capacity.
/// Who operates it is effective-dated in the <see cref="AccountMatrix"/>. Validated by <see cref="StaffAccountValidator"/>.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record StaffAccount
{
    /// <summary>
    /// Every problem of this StaffAccount (each with its code and property path), in the order found; empty when it is
    /// valid. The same check the calls that take it make before they throw <see cref="InvalidInputException"/>.
    /// </summary>
    /// <returns>The problems; empty when valid.</returns>
    public IReadOnlyList<Problem> Validate() => Validation.Problems(new StaffAccountValidator(), this);

    /// <summary>The default contact capacity of a personal account.</summary>
    public const int DefaultCapacity = 5_000;

    /// <summary>The account's id.</summary>
    public required AccountId Id { get; init; }

    /// <summary>The account's role.</summary>
    public required AccountRole Role { get; init; }

    /// <summary>The role's name when <see cref="Role"/> is <see cref="AccountRole.Custom"/>.</summary>
    public string? CustomRole { get; init; }

    /// <summary>The persona the account presents, in one line.</summary>
    public string Persona { get; init; } = "";

    /// <summary>How many customers the account can hold at once.</summary>
    public int Capacity { get; init; } = DefaultCapacity;
}

/// <summary>
/// Validates a <see cref="StaffAccount"/>. Error codes: <c>account.id.missing</c>, <c>account.role.unknown</c>,
/// <c>account.custom-role.missing</c>, <c>account.capacity.range</c>.
/// </summary>
internal sealed class StaffAccountValidator : AbstractValidator<StaffAccount>
{
    /// <summary>Creates the validator.</summary>
    public StaffAccountValidator()
    {
        RuleFor(a => a.Id.Value).NotEmpty().OverridePropertyName("Id").WithErrorCode("account.id.missing");
        RuleFor(a => a.Role).IsInEnum().WithErrorCode("account.role.unknown");
        RuleFor(a => a.CustomRole).NotEmpty().When(a => a.Role == AccountRole.Custom).WithErrorCode("account.custom-role.missing")
            .WithMessage("A custom role needs its name.");
        RuleFor(a => a.Capacity).InclusiveBetween(1, 1_000_000).WithErrorCode("account.capacity.range");
    }
}

/// <summary>The account named is not in the matrix.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Account">The account named.</param>
public sealed record AccountMustExistRule(AccountId Account) : IBusinessRule
{
    /// <inheritdoc/>
    public string Code => "account.unknown";

    /// <inheritdoc/>
    public string Message => $"Account {Account} is not in the account matrix; add it first.";
}

/// <summary>An assignment would take an account over its contact capacity.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Account">The account that is full.</param>
/// <param name="Capacity">Its capacity.</param>
/// <param name="Customer">The customer who did not fit.</param>
public sealed record AccountOverCapacityRule(AccountId Account, int Capacity, MemberId Customer) : IBusinessRule
{
    /// <inheritdoc/>
    public string Code => "account.capacity.full";

    /// <inheritdoc/>
    public string Message => $"Account {Account} already holds its {Capacity} customers; {Customer} cannot be assigned to it. Assign to another account or raise its capacity.";
}

/// <summary>Changes must come in time order: nothing may be dated before the matrix's latest change.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="What">What was dated too early.</param>
/// <param name="At">Its instant.</param>
/// <param name="Latest">The latest change already in the matrix.</param>
public sealed record AssignmentsInTimeOrderRule(string What, NodaTime.Instant At, NodaTime.Instant Latest) : IBusinessRule
{
    /// <inheritdoc/>
    public string Code => "account.assignment.out-of-order";

    /// <inheritdoc/>
    public string Message => $"{What} at {At} is before the matrix's latest change at {Latest}; history is never rewritten, record changes in time order.";
}

/// <summary>Several assignments were refused; nothing was changed.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Problems">Every broken rule, in input order.</param>
public sealed record AssignmentsMustBeValidRule(IReadOnlyList<IBusinessRule> Problems) : IBusinessRule
{
    /// <inheritdoc/>
    public string Code => "account.assignments.invalid";

    /// <inheritdoc/>
    public string Message => $"{Problems.Count} assignment problem(s), nothing changed: " + string.Join(" | ", Problems.Select(p => p.Message));
}
