using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using CommunityModel.Simulation;
using FluentValidation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Scoring;

public class KeyCustomerTests
{
    private static readonly LocalDate AsOf = new(2026, 6, 30);
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    private static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    private static CustomerFacts Facts(string id, int days = 0, int sinceFirst = 0, int sinceLast = 0, long spend = 0, int referred = 0, long referredSpend = 0,
        double? conversion = null, int downline = 0, int shares = 0, int replies = 0, int promises = 0, int questions = 0) => new()
    {
        CustomerId = MemberId.From(id),
        AsOf = AsOf,
        PurchaseDays = days,
        FirstPurchase = days == 0 ? null : AsOf.PlusDays(-sinceFirst),
        LastPurchase = days == 0 ? null : AsOf.PlusDays(-sinceLast),
        TotalSpend = Cny(spend),
        ReferredBuyers = referred,
        ReferredSpend = Cny(referredSpend),
        ReferralConversionDays = conversion,
        DownlineSize = downline,
        Shares = shares,
        GroupReplies = replies,
        PromisedReferrals = promises,
        Questions = questions,
    };

    [Fact]
    public void PlantedKeyCustomers_AreTheTop30Of2000()
    {
        var store = SyntheticStore.Generate(new SyntheticStoreOptions { Seed = 7, Customers = 2_000, PlantedKeyCustomers = 30 });
        var facts = CustomerFacts.Build(store.Purchases, store.Interactions, store.EndDate, Currency.CNY, store.BuildTree(), store.Zone);
        Assert.Equal(2_000, facts.Count);
        var top = new KeyCustomerScorer().Score(facts).Top(30);
        Assert.Equal(store.PlantedKeyCustomers.Select(k => k.Value).Order(StringComparer.Ordinal), top.Select(t => t.CustomerId.Value).Order(StringComparer.Ordinal));
        Assert.All(top, t => Assert.NotEmpty(t.Reasons));
        Assert.Contains(top, t => t.Archetypes.HasFlag(CustomerArchetype.HelpfulSpreader));
    }

    [Fact]
    public void Score_HandComputed_WithItsBreakdown()
    {
        // Alone in the population: every RFM quintile is 1 (nobody is below it), so RFM adds 0.
        var f = Facts("A", days: 4, sinceFirst: 200, sinceLast: 90, spend: 40_000, referred: 2, referredSpend: 10_000, conversion: 14, downline: 5, shares: 3, replies: 10);
        var board = new KeyCustomerScorer().Score([f]);
        var s = board.ScoreOf(MemberId.From("A"));

        // Repurchase: 3 repeats / (3 + 3) * 2^(-90/90) = 0.25.
        // Influence: (2/4 + 10000/20000 (half = the median referred spend) + 1/(1+1) + 5/10) / 4 = 0.5.
        // Spreading: (3/6 + 10/20) / 2 = 0.5.  Score: (0.35*0.25 + 0.35*0.5 + 0.2*0.5 + 0) / 1.0 = 0.3625.
        Assert.Equal(0.25, s.Breakdown[0].Value, 12);
        Assert.Equal(0.5, s.Breakdown[1].Value, 12);
        Assert.Equal(0.5, s.Breakdown[2].Value, 12);
        Assert.Equal(0.0, s.Breakdown[3].Value, 12);
        Assert.Equal(0.3625, s.Score, 12);
        Assert.Equal(s.Score, s.Breakdown.Sum(b => b.Contribution), 12);
        Assert.Equal(10_000, board.ReferredSpendHalfMinor);
        Assert.Contains("3 repeat purchase(s), last 90 days ago", s.Breakdown[0].Evidence, StringComparison.Ordinal);
        Assert.Contains("2 referred buyer(s) spending CNY 100.00", s.Breakdown[1].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Archetypes_FromTheFacts()
    {
        var scorer = new KeyCustomerScorer();
        Assert.Equal(CustomerArchetype.HelpfulSpreader, scorer.ArchetypesOf(Facts("s", days: 1, shares: 2, replies: 1, referred: 1, referredSpend: 100)));
        Assert.Equal(CustomerArchetype.PromisesWithoutAction, scorer.ArchetypesOf(Facts("p", days: 1, promises: 2, replies: 1)));
        Assert.Equal(CustomerArchetype.Silent | CustomerArchetype.LoyalRepeater, scorer.ArchetypesOf(Facts("l", days: 5, sinceFirst: 100, sinceLast: 10, spend: 500)));
        Assert.Equal(CustomerArchetype.Silent, scorer.ArchetypesOf(Facts("q", days: 5, sinceFirst: 300, sinceLast: 91)));
        Assert.Equal(CustomerArchetype.None, scorer.ArchetypesOf(Facts("n", days: 1, questions: 1)));

        var promiser = new KeyCustomerScorer().Score([Facts("p", days: 1, promises: 2)]).ScoreOf(MemberId.From("p"));
        Assert.Contains("promises without action: promised 2 referral(s), no referred buyer", promiser.Reasons);
    }

    [Fact]
    public void Options_EveryProblemReportedWithItsCode()
    {
        var bad = new KeyCustomerOptions { RepurchaseWeight = -1, RepeatHalf = 0, Repurchase = RepurchaseSignal.BgNbdExpectedPurchases, LoyalMinRepeats = -2 };
        var ex = Assert.Throws<InvalidInputException>(() => new KeyCustomerScorer(bad));
        var codes = ex.Problems.Select(e => (e.Path, e.Code)).ToList();
        Assert.Contains(("RepurchaseWeight", "scoring.weight.negative"), codes);
        Assert.Contains(("RepeatHalf", "scoring.half.nonpositive"), codes);
        Assert.Contains(("BgNbd", "scoring.bgnbd.missing"), codes);
        Assert.Contains(("LoyalMinRepeats", "scoring.threshold.negative"), codes);
    }

    [Fact]
    public void BadFacts_AllListed_NothingScored()
    {
        var ex = Assert.Throws<InvalidInputException>(() => new KeyCustomerScorer().Score([
            Facts("a", days: 1) with { Shares = -1 },
            Facts("a"),
            Facts("b", days: 3, sinceFirst: 1, sinceLast: 0),
            Facts("c") with { TotalSpend = Money.OfMinor(1, Currency.USD), ReferredSpend = Money.OfMinor(0, Currency.USD) },
        ]));
        Assert.Contains(ex.Problems, p => p.Message.StartsWith("a: a count is negative", StringComparison.Ordinal));
        Assert.Contains("a: listed twice", ex.Problems.Select(p => p.Message));
        Assert.Contains("b: more purchase days than days between first and last purchase", ex.Problems.Select(p => p.Message));
        Assert.Contains(ex.Problems, p => p.Message.StartsWith("c: spend in USD", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_FromPurchasesInteractionsAndTree_HandChecked()
    {
        Instant At(int month, int day) => new LocalDateTime(2026, month, day, 9, 0).InZoneStrictly(Shanghai).ToInstant();
        var tree = ReferralTree.Build([
            new JoinRecord(MemberId.From("A"), null, At(1, 1)),
            new JoinRecord(MemberId.From("B"), MemberId.From("A"), At(2, 1)),
            new JoinRecord(MemberId.From("C"), MemberId.From("A"), At(3, 1)),
            new JoinRecord(MemberId.From("D"), MemberId.From("B"), At(3, 5)),
            new JoinRecord(MemberId.From("E"), MemberId.From("A"), At(7, 5)), // joins after the as-of day: not a customer yet
        ]);
        var purchases = new[]
        {
            new Purchase(MemberId.From("A"), new LocalDate(2026, 1, 2), Cny(1_000)),
            new Purchase(MemberId.From("A"), new LocalDate(2026, 1, 2), Cny(500)), // same day: one purchase day
            new Purchase(MemberId.From("A"), new LocalDate(2026, 5, 1), Cny(2_000)),
            new Purchase(MemberId.From("A"), new LocalDate(2026, 7, 1), Cny(9_999)), // after the as-of day
            new Purchase(MemberId.From("B"), new LocalDate(2026, 2, 11), Cny(3_000)), // 10 days after joining
            new Purchase(MemberId.From("C"), new LocalDate(2026, 3, 31), Cny(4_000)), // 30 days after joining
            new Purchase(MemberId.From("D"), new LocalDate(2026, 3, 5), Cny(700)),
        };
        var interactions = new[]
        {
            new Interaction(MemberId.From("A"), new LocalDate(2026, 2, 1), InteractionKind.SharedPost),
            new Interaction(MemberId.From("A"), new LocalDate(2026, 2, 2), InteractionKind.RepliedInGroup),
            new Interaction(MemberId.From("A"), new LocalDate(2026, 7, 2), InteractionKind.SharedPost),
            new Interaction(MemberId.From("F"), new LocalDate(2026, 2, 2), InteractionKind.AskedPrice),
        };
        var facts = CustomerFacts.Build(purchases, interactions, AsOf, Currency.CNY, tree, Shanghai).ToDictionary(f => f.CustomerId);
        Assert.Equal(["A", "B", "C", "D", "F"], facts.Keys.Select(k => k.Value).Order(StringComparer.Ordinal));
        var a = facts[MemberId.From("A")];
        Assert.Equal(2, a.PurchaseDays);
        Assert.Equal(Cny(3_500), a.TotalSpend);
        Assert.Equal(new LocalDate(2026, 5, 1), a.LastPurchase);
        Assert.Equal(2, a.ReferredBuyers);
        Assert.Equal(Cny(7_000), a.ReferredSpend);
        Assert.Equal(20.0, a.ReferralConversionDays);
        Assert.Equal(3, a.DownlineSize);
        Assert.Equal((1, 1), (a.Shares, a.GroupReplies));
        Assert.Equal(1, facts[MemberId.From("B")].ReferredBuyers);
        Assert.Equal(0.0, facts[MemberId.From("B")].ReferralConversionDays);
        Assert.Equal(1, facts[MemberId.From("F")].PriceQuestions);
        Assert.All(facts.Values, f => Assert.Empty(f.Problems()));
    }

    [Fact]
    public void Rfm_QuintilesShareTies()
    {
        var cells = new int[10];
        Rfm.Quintiles(new long[] { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 }, cells);
        Assert.Equal([5, 1, 5, 1, 4, 2, 4, 2, 3, 3], cells);
        var tied = new int[5];
        Rfm.Quintiles(new long[] { 7, 7, 7, 1, 9 }, tied);
        Assert.Equal([2, 2, 2, 1, 5], tied);
    }

    [Fact]
    public void BgNbdSignal_ModelsFrequencyRecency_MoreRepeatsLongAgoCanLowerIt()
    {
        // The documented limit of the BG/NBD signal: a frequent buyer who went quiet looks gone.
        var options = new KeyCustomerOptions { Repurchase = RepurchaseSignal.BgNbdExpectedPurchases, BgNbd = new BgNbdParameters(0.243, 4.414, 0.793, 2.426) };
        var scorer = new KeyCustomerScorer(options);
        var few = scorer.Score([Facts("x", days: 2, sinceFirst: 270, sinceLast: 200)]).ScoreOf(MemberId.From("x")).Breakdown[0].Value;
        var many = scorer.Score([Facts("x", days: 12, sinceFirst: 270, sinceLast: 200)]).ScoreOf(MemberId.From("x")).Breakdown[0].Value;
        Assert.True(many < few, $"{many} < {few}");
    }

    private static Gen<CustomerFacts> FactsGen(string id) =>
        from days in Gen.Choose(0, 12)
        from sinceLast in Gen.Choose(0, 400)
        from gap in Gen.Choose(days, 400)
        from spend in Gen.Choose(0, 1_000_000)
        from referred in Gen.Choose(0, 6)
        from referredSpend in Gen.Choose(0, 200_000)
        from conversion in Gen.Choose(0, 60)
        from downline in Gen.Choose(0, 30)
        from shares in Gen.Choose(0, 8)
        from replies in Gen.Choose(0, 30)
        from promises in Gen.Choose(0, 3)
        select Facts(id, days, days <= 1 ? sinceLast : sinceLast + gap, sinceLast, days == 0 ? 0 : spend, referred, referred == 0 ? 0 : referredSpend, referred == 0 ? null : conversion, downline, shares, replies, promises);

    private static Gen<CustomerFacts[]> Population =>
        from n in Gen.Choose(1, 300)
        from facts in FactsGen("c").ArrayOf(n)
        select facts.Select((f, i) => f with { CustomerId = MemberId.From($"c{i:D3}") }).ToArray();

    [Property(MaxTest = 60)]
    public Property Ranking_IsDeterministic_AndIndependentOfInputOrder() =>
        Prop.ForAll(Population.ToArbitrary(), Arb.From(Gen.Choose(0, int.MaxValue)), (facts, seed) =>
        {
            var shuffled = facts.ToArray();
            new SeededRandom((ulong)seed).Shuffle(shuffled.AsSpan());
            var scorer = new KeyCustomerScorer();
            var k = Math.Min(30, facts.Length);
            var a = scorer.Score(facts).Top(k);
            var b = scorer.Score(shuffled).Top(k);
            var c = scorer.Score(facts).Top(k);
            return a.Select(t => (t.CustomerId, t.Score)).SequenceEqual(b.Select(t => (t.CustomerId, t.Score)))
                && a.Select(t => (t.CustomerId, t.Score)).SequenceEqual(c.Select(t => (t.CustomerId, t.Score)));
        });

    [Property(MaxTest = 100)]
    public Property MoreRepeatPurchases_NeverLowerTheScore() =>
        Prop.ForAll(Population.ToArbitrary(), Arb.From(Gen.Choose(0, 299)), (facts, pick) =>
        {
            var i = pick % facts.Length;
            var f = facts[i];
            if (f.PurchaseDays == 0 || f.PurchaseDays > Period.DaysBetween(f.FirstPurchase!.Value, f.LastPurchase!.Value))
            {
                return true; // no room for another purchase day between the first and the last
            }

            var more = facts.ToArray();
            more[i] = f with { PurchaseDays = f.PurchaseDays + 1 };
            var scorer = new KeyCustomerScorer();
            var before = scorer.Score(facts);
            var after = scorer.Score(more);
            return after.ScoreAt(i) >= before.ScoreAt(i) && new KeyCustomerScorer().Repurchase(more[i]) >= scorer.Repurchase(f);
        });

    [Property(MaxTest = 100)]
    public Property Quintiles_TiesShare_AndRaisingAValueNeverLowersItsCell() =>
        Prop.ForAll(Gen.Choose(0, 20).Select(v => (long)v).ArrayOf().Where(a => a.Length > 0).ToArbitrary(), Arb.From(Gen.Choose(0, 1000)), (values, pick) =>
        {
            var cells = new int[values.Length];
            Rfm.Quintiles(values, cells);
            var i = pick % values.Length;
            var raised = values.ToArray();
            raised[i] += 3;
            var after = new int[values.Length];
            Rfm.Quintiles(raised, after);
            var tiesShare = Enumerable.Range(0, values.Length).All(a => Enumerable.Range(0, values.Length).All(b => values[a] != values[b] || cells[a] == cells[b]));
            var ordered = Enumerable.Range(0, values.Length).All(a => Enumerable.Range(0, values.Length).All(b => values[a] >= values[b] || cells[a] <= cells[b]));
            return tiesShare && ordered && after[i] >= cells[i] && cells.All(c => c is >= 1 and <= 5);
        });
}
