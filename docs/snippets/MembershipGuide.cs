using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Docs;

/// <summary>The code of docs/membership.md.</summary>
public static class MembershipGuide
{
    public static (MembershipBook Book, TierExplanation Li, LadderReport Ladder) Climb()
    {
        #region membership-ladder
        // 产品体系: a trial rung to meet the store, a membership rung, a partnership rung; prices rise along it.
        var ladder = ProductLadder.Create(Currency.CNY,
        [
            new Rung { Id = "trial", Role = RungRole.Trial, Products = ["diaper-trial"], Price = new PriceBand(Money.Parse("CNY 9.90"), Money.Parse("CNY 39.00")) },
            new Rung { Id = "membership", Role = RungRole.Membership, Products = ["member-card"], Price = new PriceBand(Money.Parse("CNY 399.00"), Money.Parse("CNY 399.00")), UnlocksTier = "member" },
            new Rung { Id = "partnership", Role = RungRole.Partnership, Products = ["partner-pack"], Price = new PriceBand(Money.Parse("CNY 3980.00"), Money.Parse("CNY 3980.00")), UnlocksTier = "partner" },
        ]);
        #endregion

        #region membership-policy
        var start = Instant.FromUtc(2026, 1, 1, 0, 0);
        var policy = MembershipPolicy.Create(new MembershipPolicy
        {
            Version = "members-2026",
            EffectiveFrom = start,
            Currency = Currency.CNY,
            Ladder = ladder, // buying the member card unlocks the "member" tier
            Tiers =
            [
                new MembershipTier { Id = "fan" },
                new MembershipTier { Id = "customer", Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) },
                new MembershipTier { Id = "member", Qualify = new SpendAtLeast(Money.Parse("CNY 1000.00"), MembershipWindow.Quarter), Privileges = new TierPrivileges { Discount = Rate.FromPercent(10) } },
                new MembershipTier { Id = "partner", Qualify = new DirectReferralsWhoBought(2, MembershipWindow.Lifetime) & new SpendAtLeast(Money.Parse("CNY 300.00"), MembershipWindow.Quarter) },
            ],
        });
        #endregion

        #region membership-evaluate
        var tree = ReferralTree.Build(
        [
            new JoinRecord("li", null, start + Duration.FromDays(1)),
            new JoinRecord("zhang", "li", start + Duration.FromDays(2)),
        ]);
        Order[] orders =
        [
            new("s1", "li", "diaper-trial", Money.Parse("CNY 19.90"), start + Duration.FromDays(3)),
            new("s2", "li", "member-card", Money.Parse("CNY 399.00"), start + Duration.FromDays(10)),
            new("s3", "zhang", "diaper-trial", Money.Parse("CNY 19.90"), start + Duration.FromDays(11)),
        ];
        var book = MembershipBook.Create(tree, policy);
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var asOf = start + Duration.FromDays(12);
        book.Evaluate(facts, asOf);
        // book.TierOf("li") is "member" (the card unlocked it); book.TierOf("zhang") is "customer".
        var li = book.Explain(facts, "li", asOf); // li.DistanceToNext: what "partner" still needs
        var report = LadderMetrics.Compute(ladder, orders, tree: tree); // reach and conversion per rung
        #endregion

        return (book, li, report);
    }
}
