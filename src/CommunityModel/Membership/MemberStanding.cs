using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Membership;

/// <summary>
/// Where one member stands in a <see cref="MembershipBook"/>: the tier in force, its rank on the policy's ladder
/// of tiers, since when, and the end of a grace period while the retain conditions are unmet. A store keeps
/// these rows in its own database and queries them with the specifications of <c>CommunityModel.Queries</c>.
/// An immutable record, safe to share between threads.
/// </summary>
/// <param name="Member">The member whose standing it is.</param>
/// <param name="TierId">The tier in force (earned, paid, granted or locked, whichever is highest).</param>
/// <param name="Rank">The tier's position in <see cref="MembershipPolicy.Tiers"/>: 0 for the base tier.</param>
/// <param name="Since">When the member reached the earned tier (the join instant for the base tier).</param>
/// <param name="GraceUntil">
/// When the grace period ends for a member whose retain conditions were found unmet at a period evaluation
/// (a downgrade is due at the first evaluation after it unless the conditions are met again); null otherwise.
/// </param>
public sealed record MemberStanding(MemberId Member, string TierId, int Rank, Instant Since, Instant? GraceUntil);
