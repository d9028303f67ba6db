using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>Referral chains written from the top down, as the commission tests draw them.</summary>
internal static class Chains
{
    /// <summary>A chain: the first id is the root, each next one joined under the one before, an hour apart, all before <paramref name="before"/>.</summary>
    public static ReferralTree TopDown(Instant before, params string[] topDown)
        => ReferralTree.Build(topDown.Select((m, i) => new JoinRecord(
            MemberId.From(m), i == 0 ? (MemberId?)null : MemberId.From(topDown[i - 1]), before - Duration.FromHours(topDown.Length - i))));
}
