using CommunityModel.Primitives;

namespace CommunityModel.Teams;

/// <summary>Identifies a staff persona account (个人号) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
[StringId("account")]
public readonly partial record struct AccountId;

/// <summary>Identifies a staff member (an employee who operates accounts) by the caller's own key.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
[StringId("staff")]
public readonly partial record struct StaffId;
