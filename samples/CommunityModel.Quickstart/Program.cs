using CommunityModel.Conditions;
using CommunityModel.Care;
using CommunityModel.Commissions;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using CommunityModel.Simulation;
using NodaTime;

// CommunityModel Quickstart: the library on an embedded default, a mother-and-baby store in Shanghai.
// Usage: dotnet run --project samples/CommunityModel.Quickstart [-- --full] [-- --charts DIR]
// By default, the store's year as a short story (CommunityModel.Quickstart.Story); --full, the long tour below.
string? chartsDirectory = null;
var full = false;
for (var a = 0; a < args.Length; a++)
{
    if (args[a] == "--charts" && a + 1 < args.Length)
    {
        chartsDirectory = args[++a];
    }
    else if (args[a] == "--full")
    {
        full = true;
    }
    else
    {
        Console.Error.WriteLine($"Unknown argument '{args[a]}'. Usage: dotnet run --project samples/CommunityModel.Quickstart [-- --full] [-- --charts DIR]");
        return 2;
    }
}

if (!full)
{
    CommunityModel.Quickstart.Story.Write(Console.Out, chartsDirectory);
    return 0;
}

var shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
Instant At(int month, int day, int hour = 10) => new LocalDateTime(2026, month, day, hour, 0).InZoneStrictly(shanghai).ToInstant();

Console.WriteLine("CommunityModel Quickstart: a mother-and-baby store in Shanghai");
Console.WriteLine("==============================================================");
Console.WriteLine();

// 1. Money is exact: integer fen with a currency; rates are exact fractions; rounding is explicit.
var box = Money.Parse("CNY 399.00");
var packet = Money.Parse("CNY 100.00");
var parts = packet.Split(3);
Console.WriteLine($"A red packet of {packet} split three ways: {string.Join(", ", parts)} (sum {parts.Aggregate(Money.Zero(Currency.CNY), (a, b) => a + b)}).");
Console.WriteLine();

// 2. The referral tree (推荐关系): who referred whom, as join records in any order.
var tree = ReferralTree.Build(
[
    new JoinRecord(MemberId.From("Wang (owner persona)"), null, At(1, 5)),
    new JoinRecord(MemberId.From("Li"), MemberId.From("Wang (owner persona)"), At(1, 20)),
    new JoinRecord(MemberId.From("Zhang"), MemberId.From("Li"), At(2, 3)),
    new JoinRecord(MemberId.From("Chen"), MemberId.From("Zhang"), At(2, 14)),
    new JoinRecord(MemberId.From("Zhao"), MemberId.From("Li"), At(2, 20)),
    new JoinRecord(MemberId.From("Sun"), MemberId.From("Chen"), At(3, 1)),
]);
Console.WriteLine($"Referral tree: {tree.Count} members; Sun's upline: {string.Join(" <- ", tree.Upline(MemberId.From("Sun"), 10))}; Li's downline: {tree.DownlineSize(MemberId.From("Li"))} people.");
Console.WriteLine();

// 3. A common two-level plan (二级分销): 10% to the referrer, 5% to the referrer's referrer, floored to the fen.
//    The partner-qualification pack pays no commission: no pay for recruiting.
var plan = CommissionPlan.Create(new CommissionPlanDefinition
{
    Name = "二级分销 10% / 5%",
    Currency = Currency.CNY,
    Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
    Products = [new ProductRule { Product = ProductId.From("partner-pack"), Commissionable = false }],
});
var statuses = MemberStatuses.Create(tree, ranks: null, inactive: [MemberId.From("Zhang")]);
Order[] orders =
[
    new(OrderId.From("2026-0301-001"), MemberId.From("Sun"), ProductId.From("diaper-box"), box, At(3, 2)),
    new(OrderId.From("2026-0302-002"), MemberId.From("Zhao"), ProductId.From("formula-trial"), Money.Parse("CNY 39.90"), At(3, 2, 15)),
    new(OrderId.From("2026-0303-003"), MemberId.From("Chen"), ProductId.From("partner-pack"), Money.Parse("CNY 3980.00"), At(3, 3)),
];
var run = new CommissionEngine(plan).Run(statuses, orders, trace: true); // the trace says who was passed over, and why
Console.WriteLine($"Commission run under \"{plan.Name}\" (Zhang is inactive this month):");
foreach (var order in run.Orders)
{
    Console.Write(order.Explain());
}

Console.WriteLine($"Totals: sales {run.Totals.TotalSales}, paid {run.Totals.TotalPaid}, company keeps {run.Totals.CompanyShare}.");
foreach (var (earner, amount) in run.Totals.ByEarner())
{
    Console.WriteLine($"  {earner}: {amount}");
}

Console.WriteLine();

// 4. The payout ledger holds commissions for the 2-month no-questions refund window (seed 001).
var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), shanghai);
ledger.Record(run);
var refund = ledger.Refund(RefundId.From("refund-1"), OrderId.From("2026-0301-001"), Money.Parse("CNY 199.50"), At(3, 20));
Console.WriteLine($"Sun returns half the diaper box inside the guarantee: {refund.Message}");
foreach (var entry in refund.Entries)
{
    Console.WriteLine($"  {entry.Earner}: {entry.Amount} ({entry.Kind}) - {entry.Explanation}");
}

foreach (var earner in ledger.Earners)
{
    var b = ledger.BalanceOf(earner, At(6, 1));
    Console.WriteLine($"  {earner} on 2026-06-01: pending {b.Pending}, available {b.Available}, paid {b.Paid}");
}

Console.WriteLine();

// 5. A rank differential plan (级差) with a peer bonus (平级奖): each upline earns its rank's rate minus what was paid below.
var differential = CommissionPlan.Create(new CommissionPlanDefinition
{
    Name = "5-rank differential 0/5/10/15/20% with a 2% peer bonus",
    Currency = Currency.CNY,
    Differential = new DifferentialRule
    {
        RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10), Rate.FromPercent(15), Rate.FromPercent(20)],
        PeerBonus = new PeerBonus(Rate.FromPercent(2)),
    },
});
var ranked = MemberStatuses.Create(tree, new Dictionary<MemberId, int> { [MemberId.From("Chen")] = 1, [MemberId.From("Zhang")] = 3, [MemberId.From("Li")] = 3, [MemberId.From("Wang (owner persona)")] = 4 });
var diffRun = new CommissionEngine(differential).Run(ranked, [new Order(OrderId.From("2026-0310-004"), MemberId.From("Sun"), ProductId.From("stroller"), Money.Parse("CNY 1280.00"), At(3, 10))], trace: true);
Console.WriteLine($"Under \"{differential.Name}\":");
Console.Write(diffRun.Orders[0].Explain());
Console.WriteLine();

// 6. Scoring (评测指标): the 30 key customers of 2,000, from recorded facts, not impressions (seed 003).
//    A synthetic year of the store, generated from a seed: purchases, shares, group replies, promises, referrals.
var store = SyntheticStore.Generate(new SyntheticStoreOptions { Seed = 2026, Customers = 2_000, PlantedKeyCustomers = 30 });
var facts = CustomerFacts.Build(store.Purchases, store.Interactions, store.EndDate, Currency.CNY, store.BuildTree(), store.Zone);
var board = new KeyCustomerScorer().Score(facts);
var top = board.Top(30);
Console.WriteLine($"The 30 key customers of {facts.Count} (as of {store.EndDate:yyyy-MM-dd}; weights: repurchase 35%, influence 35%, spreading 20%, RFM 10%):");
Console.WriteLine($"{"#",3} {"customer",-8} {"score",6} {"RFM",-7} {"repurchase",10} {"influence",9} {"spreading",9}  reasons");
for (var i = 0; i < top.Count; i++)
{
    var k = top[i];
    Console.WriteLine($"{i + 1,3} {k.CustomerId,-8} {k.Score,6:0.000} {k.Rfm,-7} {k.Breakdown[0].Value,10:0.00} {k.Breakdown[1].Value,9:0.00} {k.Breakdown[2].Value,9:0.00}  {string.Join("; ", k.Reasons)}");
}

var planted = store.PlantedKeyCustomers.ToHashSet();
Console.WriteLine($"Of the 30, {top.Count(k => planted.Contains(k.CustomerId))} are the customers the generator planted as key customers.");
var counts = Enumerable.Range(0, board.Count).Select(board.ArchetypesAt).ToList();
Console.WriteLine($"Archetypes among all {board.Count}: {counts.Count(a => a.HasFlag(CustomerArchetype.HelpfulSpreader))} helpful spreaders, "
    + $"{counts.Count(a => a.HasFlag(CustomerArchetype.PromisesWithoutAction))} who promised and never referred, "
    + $"{counts.Count(a => a.HasFlag(CustomerArchetype.Silent))} silent, {counts.Count(a => a.HasFlag(CustomerArchetype.LoyalRepeater))} loyal repeaters.");
Console.WriteLine();

// 7. Will they buy again? BG/NBD fitted on the store's own weekly summaries.
var calibration = RepeatSummaries.FromPurchases(store.Purchases, store.EndDate);
var bgnbd = BgNbd.Fit(calibration.Select(c => c.Summary).ToList());
var p = bgnbd.Parameters;
Console.WriteLine($"BG/NBD on {bgnbd.Customers} customers: r {p.R:0.###}, alpha {p.Alpha:0.###}, a {p.A:0.###}, b {p.B:0.###}, log-likelihood {bgnbd.LogLikelihood:0.0}, converged {bgnbd.Converged}.");
var best = calibration.First(c => c.Summary.CustomerId == top[0].CustomerId).Summary;
Console.WriteLine($"{best.CustomerId}: {best.Frequency} repeat purchases, P(alive) {BgNbd.ProbabilityAlive(p, best.Frequency, best.Recency, best.Age):0.00}, "
    + $"expected purchases in the next 13 weeks {BgNbd.ConditionalExpectedPurchases(p, 13, best.Frequency, best.Recency, best.Age):0.0}.");

// 8. Does the strategy pay? Key customers' spend in the last quarter against the year's other repeat buyers, with a seeded bootstrap.
var quarterStart = store.EndDate.PlusDays(-90);
var spendByCustomer = store.Purchases.Where(x => x.Date > quarterStart).GroupBy(x => x.CustomerId).ToDictionary(g => g.Key, g => g.Aggregate(Money.Zero(Currency.CNY), (sum, x) => sum + x.Value));
Money SpendOf(MemberId id) => spendByCustomer.GetValueOrDefault(id, Money.Zero(Currency.CNY));
var treated = top.Select(k => SpendOf(k.CustomerId)).ToList();
var topIds = top.Select(k => k.CustomerId).ToHashSet();
var control = facts.Where(f => f.RepeatPurchases > 0 && !topIds.Contains(f.CustomerId)).Select(f => SpendOf(f.CustomerId)).ToList();
var effect = CampaignEffect.TreatedVersusControl(treated, control, Money.Parse("CNY 3000.00"), seed: 2026, margin: Rate.FromPercent(40));
Console.WriteLine($"Caring for the 30 (cost CNY 3000.00, margin 40%): lift {effect.LiftPerCustomer} per customer, {effect.Explanation}.");
Console.WriteLine("  (a comparison with ordinary repeat buyers, not a randomised control: it shows the method, not a causal effect)");

// 9. Does a product suit the strategy at all? Its inter-purchase times and the part discounts play decide.
var diapers = store.Purchases.Where(x => x.ProductId == ProductId.From("diapers"));
var fit = ProductFit.Assess(diapers);
Console.WriteLine($"Product fit of diapers: {fit.Verdict} ({string.Join("; ", fit.Reasons)}).");
Console.WriteLine();

// 10. Group rules (群规): one week of the store's group, through the rule engine (seed 004).
var weekStart = new LocalDateTime(2026, 6, 1, 9, 0).InZoneStrictly(shanghai).ToInstant();
Instant Day(int day, int hour, int minute = 0) => new LocalDateTime(2026, 6, day, hour, minute).InZoneStrictly(shanghai).ToInstant();
var groupPolicy = GroupPolicy.Create(new GroupPolicy
{
    Version = "store-group-v1",
    EffectiveFrom = weekStart,
    Theme = "mother and baby: feeding, sleep, diapers",
    Admission = new AdmissionRules { Capacity = 500, Screenings = [new Screening("admission.customer", new IsCustomer() & new NotBlocklisted())] },
    RedPackets = new RedPacketRules { MinAmount = Money.Parse("CNY 1.00"), MaxAmount = Money.Parse("CNY 200.00"), DailyBudget = Money.Parse("CNY 300.00"), TimeWindows = [(new LocalTime(20, 0), new LocalTime(21, 0))] },
    Elimination = new EliminationRules { SilentDays = 5, GraceDays = 2 },
});
var customer = new Candidate(IsCustomer: true, Purchases: 1, Approved: true, Blocklisted: false);
var week = new List<GroupEvent>
{
    new MemberAdded(weekStart, MemberId.From("Wang (owner persona)"), GroupRole.Host),
    new JoinRequested(weekStart, MemberId.From("mama-li"), JoinChannel.StoreQrScan, customer),
    new JoinRequested(weekStart, MemberId.From("mama-zhao"), JoinChannel.CustomerReferral, customer),
    new JoinRequested(weekStart, MemberId.From("passer-by"), JoinChannel.StoreQrScan, customer with { IsCustomer = false }),
    new JoinRequested(Day(1, 10), MemberId.From("new-seller"), JoinChannel.StoreQrScan, customer),
    new MessagePosted(Day(1, 10, 5), MemberId.From("new-seller"), "代购奶粉, 加微信 abc123"),
    new MessagePosted(Day(1, 10, 6), MemberId.From("mama-li"), "宝宝晚上总是醒, 怎么办?", MessageId: "q1"),
    new MessagePosted(Day(1, 10, 9), MemberId.From("Wang (owner persona)"), "试试睡前少喝一点, 我家也是这样过来的", MessageId: "a1", ReplyTo: "q1"),
    new MessagePosted(Day(1, 10, 12), MemberId.From("new-seller"), "cheap formula www.example.cn"),
};
for (var k = 0; k < 6; k++)
{
    week.Add(new MessagePosted(Day(2, 21, 0) + Duration.FromSeconds(k * 5), MemberId.From("mama-zhao"), "哈哈哈"));
}

week.Add(new RedPacketSent(Day(3, 19, 30), MemberId.From("Wang (owner persona)"), Money.Parse("CNY 50.00"), 10));
week.Add(new RedPacketSent(Day(3, 20, 5), MemberId.From("Wang (owner persona)"), Money.Parse("CNY 50.00"), 10));
week.Add(new TimeTick(Day(7, 9)));
var (replay, group) = GroupReplay.Replay(groupPolicy, week);
Console.WriteLine($"A week of the store group under \"{groupPolicy.Version}\":");
foreach (var step in replay.Where(x => x.Outcome.Decisions.Count > 0))
{
    foreach (var d in step.Outcome.Decisions)
    {
        Console.WriteLine($"  {d.At.InZone(shanghai):MM-dd HH:mm} {d.Kind,-20} {d.Member?.Value ?? "(group)",-20} {d.RuleId,-20} {d.Evidence}");
    }
}

var shares = RedPacketSplitter.DoubleAverage(Money.Parse("CNY 50.00"), 10, new SeededRandom(2026));
Console.WriteLine($"  The allowed red packet, split by double average (seed 2026): {string.Join(", ", shares.Select(x => x.ToMajor().ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} (sum {shares.Aggregate(Money.Zero(Currency.CNY), (a, x) => a + x)})");
var band = ActivityBand.Measure(replay, shanghai, new LocalDate(2026, 6, 1), 7);
Console.WriteLine($"  Activity: {band.Reason}");
Console.WriteLine();

// 11. The product ladder (产品体系) and membership (会员体系): customers climb trial -> member -> partner (seed 002).
var ladder = ProductLadder.Create(Currency.CNY,
[
    new Rung { Id = "trial", Role = RungRole.Trial, Products = [ProductId.From("diaper-trial")], Price = new PriceBand(Money.Parse("CNY 9.90"), Money.Parse("CNY 39.00")), Benefits = [new Benefit(BenefitKind.Relationship, "the mothers' group")] },
    new Rung { Id = "membership", Role = RungRole.Membership, Products = [ProductId.From("member-card")], Price = new PriceBand(Money.Parse("CNY 399.00"), Money.Parse("CNY 999.00")), Benefits = [new Benefit(BenefitKind.Service, "a feeding advisor on call")], UnlocksTier = "member" },
    new Rung { Id = "partnership", Role = RungRole.Partnership, Products = [ProductId.From("partner-pack")], Price = new PriceBand(Money.Parse("CNY 3980.00"), Money.Parse("CNY 9800.00")), UnlocksTier = "partner" },
]);
var membershipPolicy = new MembershipPolicy
{
    Version = "members-2026",
    EffectiveFrom = At(1, 1),
    Currency = Currency.CNY,
    Ladder = ladder,
    MinimumTierDuration = Period.FromMonths(3),
    Tiers =
    [
        new MembershipTier { Id = "fan" },
        new MembershipTier { Id = "customer", Qualify = new OrdersAtLeast(1, MembershipWindow.Lifetime) },
        new MembershipTier { Id = "member", Qualify = new SpendAtLeast(Money.Parse("CNY 1000.00"), MembershipWindow.Quarter), Retain = new SpendAtLeast(Money.Parse("CNY 300.00"), MembershipWindow.Quarter), Privileges = new TierPrivileges { Discount = Rate.FromPercent(10), ServiceLevel = "feeding advisor on call" } },
        new MembershipTier { Id = "partner", Qualify = new DirectReferralsWhoBought(2, MembershipWindow.Lifetime) & new SpendAtLeast(Money.Parse("CNY 300.00"), MembershipWindow.Quarter), Privileges = new TierPrivileges { Discount = Rate.FromPercent(20) } },
    ],
};
var memberOrders = new List<Order>
{
    new(OrderId.From("s1"), MemberId.From("Li"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), At(1, 21)),
    new(OrderId.From("s2"), MemberId.From("Li"), ProductId.From("member-card"), Money.Parse("CNY 399.00"), At(2, 1)),
    new(OrderId.From("s3"), MemberId.From("Zhang"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), At(2, 4)),
    new(OrderId.From("s4"), MemberId.From("Zhao"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), At(2, 21)),
    new(OrderId.From("s5"), MemberId.From("Chen"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), At(2, 15)),
    new(OrderId.From("s6"), MemberId.From("Chen"), ProductId.From("member-card"), Money.Parse("CNY 399.00"), At(3, 2)),
    new(OrderId.From("s7"), MemberId.From("Sun"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), At(3, 3)),
};
var memberRefunds = new List<Refund> { new(RefundId.From("rf1"), OrderId.From("s6"), Money.Parse("CNY 399.00"), At(3, 20)) };
var book = MembershipBook.Create(tree, membershipPolicy);
// Upgrades are immediate: evaluate a minute after every order and refund, as a store would on each payment event.
foreach (var day in memberOrders.Select(o => o.PaidAt).Concat(memberRefunds.Select(r => r.At)).Order().Select(t => t + Duration.FromMinutes(1)))
{
    var seen = MembershipFacts.Build(tree, Currency.CNY, memberOrders.Where(o => o.PaidAt < day).ToList(), memberRefunds.Where(r => r.At < day).ToList());
    book.Evaluate(seen, day);
}

var allFacts = MembershipFacts.Build(tree, Currency.CNY, memberOrders, memberRefunds);
Console.WriteLine($"Membership under \"{membershipPolicy.Version}\" (tiers {string.Join(" -> ", membershipPolicy.Tiers.Select(t => t.Id))}):");
foreach (var name in new[] { "Li", "Chen", "Zhang" })
{
    foreach (var change in book.History(MemberId.From(name)))
    {
        Console.WriteLine($"  {change.At.InZone(shanghai):MM-dd} {name,-6} {change.From,-9} -> {change.To,-9} {change.Cause,-10} {change.Evidence}");
    }

    var explanation = book.Explain(allFacts, MemberId.From(name), At(3, 22));
    Console.WriteLine(explanation.NextTier is null
        ? $"  {"",5} {name,-6} now {explanation.CurrentTier}, the top tier; to keep it: {explanation.DistanceToKeep ?? "met"}"
        : $"  {"",5} {name,-6} now {explanation.CurrentTier}; to reach {explanation.NextTier}: {explanation.DistanceToNext}");
}

var quote = book.PolicyAt(At(3, 22)).PriceFor(book.RankOf(MemberId.From("Li")), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"));
Console.WriteLine($"  Li pays {quote.Price} for the trial pack ({quote.Source} of tier {quote.TierId}); ranks for the commission engine: [{string.Join(", ", book.Ranks())}]");
var ladderReport = LadderMetrics.Compute(ladder, memberOrders, memberRefunds, tree);
Console.WriteLine($"  Ladder: {ladderReport.Rungs[0].CustomersReached} reached the trial rung, {ladderReport.Rungs[0].ConversionToNext:P0} went on to membership (median {ladderReport.Rungs[0].MedianTimeToNext?.Days} days); self-circulation share {ladderReport.SelfCirculationShare:P0}, member penetration {ladderReport.MemberPenetration:P0}.");
var care = CareCalendar.Create(
[
    new KeyDate { Customer = MemberId.From("Li"), Kind = KeyDateKind.ChildBirthday, Date = new LocalDate(2025, 4, 2), Recurring = true, LeadDays = 5, Note = "her baby turns one" },
    new KeyDate { Customer = MemberId.From("Zhao"), Kind = KeyDateKind.DecisionDay, Date = new LocalDate(2026, 3, 30), LeadDays = 1, Note = "said she would decide on the member card" },
]);
foreach (var r in care.DueBetween(At(3, 25, 0), At(4, 1, 0)))
{
    Console.WriteLine($"  Care: reach out to {r.Customer} on {r.RemindOn:MM-dd}: {r.KeyDate.Kind} on {r.Occurrence:MM-dd} ({r.KeyDate.Note})");
}

Console.WriteLine();

// 12-14. The whole story: a year of the store simulated through the library, the plan's compliance and laws, a clawback.
var year = CommunityModel.Quickstart.YearOfTheStore.Show(chartsDirectory);
CommunityModel.Quickstart.YearOfTheStore.Compliance(year);
CommunityModel.Quickstart.YearOfTheStore.ClawbackDemo(shanghai);
CommunityModel.Quickstart.TeamBehindTheAccounts.Show(year, shanghai);
return 0;
