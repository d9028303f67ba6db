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
            new Rung { Id = "trial", Role = RungRole.Trial, Products = [ProductId.From("diaper-trial")], Price = new PriceBand(Money.Parse("CNY 9.90"), Money.Parse("CNY 39.00")) },
            new Rung { Id = "membership", Role = RungRole.Membership, Products = [ProductId.From("member-card")], Price = new PriceBand(Money.Parse("CNY 399.00"), Money.Parse("CNY 399.00")), UnlocksTier = "member" },
            new Rung { Id = "partnership", Role = RungRole.Partnership, Products = [ProductId.From("partner-pack")], Price = new PriceBand(Money.Parse("CNY 3980.00"), Money.Parse("CNY 3980.00")), UnlocksTier = "partner" },
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
            new JoinRecord(MemberId.From("li"), null, start + Duration.FromDays(1)),
            new JoinRecord(MemberId.From("zhang"), MemberId.From("li"), start + Duration.FromDays(2)),
        ]);
        Order[] orders =
        [
            new(OrderId.From("s1"), MemberId.From("li"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), start + Duration.FromDays(3)),
            new(OrderId.From("s2"), MemberId.From("li"), ProductId.From("member-card"), Money.Parse("CNY 399.00"), start + Duration.FromDays(10)),
            new(OrderId.From("s3"), MemberId.From("zhang"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), start + Duration.FromDays(11)),
        ];
        var book = MembershipBook.Create(tree, policy);
        var facts = MembershipFacts.Build(tree, Currency.CNY, orders);
        var asOf = start + Duration.FromDays(12);
        book.Evaluate(facts, asOf);
        // book.TierOf("li") is "member" (the card unlocked it); book.TierOf("zhang") is "customer".
        var li = book.Explain(facts, MemberId.From("li"), asOf); // li.DistanceToNext: what "partner" still needs
        var report = LadderMetrics.Compute(ladder, orders, tree: tree); // reach and conversion per rung
        #endregion

        return (book, li, report);
    }
}
