using CommunityModel.Conditions;
using CommunityModel.Commissions;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Simulation;

/// <summary>
/// The embedded default store of the seeds: a mother-and-baby store in Shanghai with a three-rung ladder
/// (trial diapers, a member card, a partner pack), four tiers (fan, customer, member, partner), a common
/// two-level plan (10% / 5%, partners earn, qualification products pay nothing) and a store group policy.
/// Every value here is ordinary library configuration; the simulator and the Quickstart use it.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class StoreDefaults
{
    /// <summary>The store's zone id.</summary>
    public const string ZoneId = "Asia/Shanghai";

    /// <summary>The trial product: a small pack of diapers that draws fans.</summary>
    public static ProductId TrialProduct { get; } = ProductId.From("diaper-trial");

    /// <summary>The everyday product bought again and again.</summary>
    public static ProductId RepeatProduct { get; } = ProductId.From("diapers");

    /// <summary>The membership product: a member card.</summary>
    public static ProductId MemberCard { get; } = ProductId.From("member-card");

    /// <summary>The partnership product: a partner pack.</summary>
    public static ProductId PartnerPack { get; } = ProductId.From("partner-pack");

    /// <summary>The tier index from which members count as partners (earners, participants).</summary>
    public const int PartnerRank = 3;

    /// <summary>The ladder: trial (CNY 19.90 pack, CNY 129.00 box), membership (CNY 399.00 card), partnership (CNY 3,980.00 pack).</summary>
    /// <returns>The ladder.</returns>
    public static ProductLadder Ladder() => ProductLadder.Create(Currency.CNY,
    [
        new Rung
        {
            Id = "trial", Role = RungRole.Trial, Products = [TrialProduct, RepeatProduct],
            Price = new PriceBand(Money.Parse("CNY 19.90"), Money.Parse("CNY 129.00")),
            Benefits = [new Benefit(BenefitKind.Function, "diapers that fit"), new Benefit(BenefitKind.Relationship, "the mothers' group")],
        },
        new Rung
        {
            Id = "membership", Role = RungRole.Membership, Products = [MemberCard],
            Price = new PriceBand(Money.Parse("CNY 399.00"), Money.Parse("CNY 399.00")),
            Benefits = [new Benefit(BenefitKind.Service, "a feeding advisor on call")], UnlocksTier = "member",
        },
        new Rung
        {
            Id = "partnership", Role = RungRole.Partnership, Products = [PartnerPack],
            Price = new PriceBand(Money.Parse("CNY 3980.00"), Money.Parse("CNY 3980.00")),
            Benefits = [new Benefit(BenefitKind.Relationship, "the partners' circle")], UnlocksTier = "partner",
        },
    ]);

    /// <summary>The membership policy: fan, customer (one order), member (the card, or CNY 1,000 in a quarter), partner (the pack, or 3 referred buyers and CNY 300 in a quarter).</summary>
    /// <param name="effectiveFrom">When the policy takes effect.</param>
    /// <param name="ladder">The ladder the rung conditions refer to.</param>
    /// <returns>The policy.</returns>
    public static MembershipPolicy Membership(Instant effectiveFrom, ProductLadder ladder) => new()
    {
        Version = "members-v1",
        EffectiveFrom = effectiveFrom,
        ZoneId = ZoneId,
        Currency = Currency.CNY,
        Ladder = ladder,
        MinimumTierDuration = Period.FromMonths(3),
        Tiers =
        [
            new MembershipTier { Id = "fan" },
            new MembershipTier { Id = "customer", Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) },
            new MembershipTier
            {
                Id = "member",
                Qualify = new SpendAtLeast(Money.Parse("CNY 1000.00"), MembershipWindow.Quarter),
                Retain = new SpendAtLeast(Money.Parse("CNY 129.00"), MembershipWindow.Quarter),
                Privileges = new TierPrivileges { Discount = Rate.FromPercent(10), ServiceLevel = "feeding advisor on call" },
            },
            new MembershipTier
            {
                Id = "partner",
                Qualify = new DirectReferralsWhoBought(3, MembershipWindow.Lifetime) & new SpendAtLeast(Money.Parse("CNY 300.00"), MembershipWindow.Quarter),
                Privileges = new TierPrivileges { Discount = Rate.FromPercent(20), ServiceLevel = "partner line" },
            },
        ],
    };

    /// <summary>The common two-level plan (二级分销): 10% and 5%, floored to the fen, partners earn, the card and the pack pay nothing.</summary>
    /// <returns>The plan.</returns>
    public static CommissionPlan TwoLevelPlan() => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "二级分销 10% / 5%",
        Currency = Currency.CNY,
        Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)], MinimumRank = PartnerRank },
        Products = [new ProductRule { Product = MemberCard, Commissionable = false }, new ProductRule { Product = PartnerPack, Commissionable = false }],
    });

    /// <summary>A plain rank differential plan (级差, no peer bonus) over the four tiers: 0%, 3%, 8%, 15%.</summary>
    /// <returns>The plan.</returns>
    public static CommissionPlan PlainDifferentialPlan() => CommissionPlan.Create(new CommissionPlanDefinition
    {
        Name = "级差 0 / 3 / 8 / 15%",
        Currency = Currency.CNY,
        Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(3), Rate.FromPercent(8), Rate.FromPercent(15)] },
        Products = [new ProductRule { Product = MemberCard, Commissionable = false }, new ProductRule { Product = PartnerPack, Commissionable = false }],
    });

    /// <summary>The store group's policy: customers only, 500 places, no ads, flood and elimination rules.</summary>
    /// <param name="effectiveFrom">When the policy takes effect.</param>
    /// <returns>The validated policy.</returns>
    public static GroupPolicy GroupPolicy(Instant effectiveFrom) => Groups.GroupPolicy.Create(new GroupPolicy
    {
        Version = "store-group-v1",
        EffectiveFrom = effectiveFrom,
        ZoneId = ZoneId,
        Theme = "mother and baby: feeding, sleep, diapers",
        Admission = new AdmissionRules { Capacity = 500, Screenings = [new Screening("admission.customer", new IsCustomer() & new NotBlocklisted())] },
        Elimination = new EliminationRules { SilentDays = 60, GraceDays = 7 },
    });
}
