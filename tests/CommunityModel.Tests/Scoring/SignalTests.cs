using CommunityModel.Primitives;
using CommunityModel.Scoring;
using FluentValidation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Scoring;

public class SignalTests
{
    private static readonly LocalDate AsOf = new(2026, 6, 30);
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    private static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    private static IEnumerable<TroubleEvent> Many(string segment, LocalDate day, int count, TroubleKind kind = TroubleKind.Question) =>
        Enumerable.Repeat(new TroubleEvent(segment, day, kind), count);

    [Fact]
    public void Trouble_RisingSilentQuietSteady_AgainstTheirOwnBaseline()
    {
        var events = new List<TroubleEvent>();
        for (var w = 1; w <= 4; w++)
        {
            events.AddRange(Many("north", AsOf.PlusDays(-7 * w), 3)); // baseline 3 per window
            events.AddRange(Many("south", AsOf.PlusDays(-7 * w), 3));
            events.AddRange(Many("east", AsOf.PlusDays(-7 * w), 2));
        }

        events.AddRange(Many("north", AsOf, 8));
        events.AddRange(Many("north", AsOf.PlusDays(-6), 2, TroubleKind.Complaint)); // the current window's first day
        events.AddRange(Many("north", AsOf.PlusDays(1), 50)); // after the as-of day: ignored
        events.AddRange(Many("east", AsOf.PlusDays(-2), 3));
        events.AddRange(Many("west", AsOf.PlusDays(-100), 5)); // before the baseline: quiet

        var r = TroubleSignal.Read(events, AsOf).ToDictionary(x => x.Segment);
        Assert.Equal(["east", "north", "south", "west"], r.Keys);
        Assert.Equal((8, 2), (r["north"].Questions, r["north"].Complaints));
        Assert.Equal(3.0, r["north"].Baseline);
        Assert.Equal(7 / Math.Sqrt(3), r["north"].RisingScore, 12);
        Assert.Equal(TroubleTrend.Rising, r["north"].Trend);
        Assert.Equal(TroubleTrend.Silent, r["south"].Trend);
        Assert.StartsWith("silence alert", r["south"].Reason, StringComparison.Ordinal);
        Assert.Equal(TroubleTrend.Steady, r["east"].Trend);
        Assert.Equal(TroubleTrend.Quiet, r["west"].Trend);
    }

    [Fact]
    public void Trouble_WindowEdges_AndOptionsValidated()
    {
        var opts = new TroubleSignalOptions { WindowDays = 7, BaselineWindows = 1 };
        var r = TroubleSignal.Read([new("s", AsOf.PlusDays(-6), TroubleKind.Question), new("s", AsOf.PlusDays(-7), TroubleKind.Complaint), new("s", AsOf.PlusDays(-14), TroubleKind.Complaint)], AsOf, opts).Single();
        Assert.Equal((1, 0, 1.0), (r.Questions, r.Complaints, r.Baseline));
        var ex = Assert.Throws<InvalidInputException>(() => TroubleSignal.Read([], AsOf, new TroubleSignalOptions { WindowDays = 0, Threshold = -1 }));
        Assert.Equal(2, ex.Problems.Length);
        Assert.All(ex.Problems, e => Assert.Equal("trouble.option.range", e.Code));
    }

    [Fact]
    public void Trouble_EventsFromInteractions()
    {
        var events = TroubleSignal.EventsFrom(
            [
                new Interaction(MemberId.From("a"), AsOf, InteractionKind.AskedPrice),
                new Interaction(MemberId.From("a"), AsOf, InteractionKind.Complained),
                new Interaction(MemberId.From("a"), AsOf, InteractionKind.SharedPost),
                new Interaction(MemberId.From("b"), AsOf, InteractionKind.AskedQuestion),
            ],
            c => c == "a" ? "team-1" : null).ToList();
        Assert.Equal([new TroubleEvent("team-1", AsOf, TroubleKind.Question), new TroubleEvent("team-1", AsOf, TroubleKind.Complaint)], events);
    }

    private static Instant At(int day, int minute) => new LocalDateTime(2026, 6, day, 20, minute).InZoneStrictly(Shanghai).ToInstant();

    [Fact]
    public void Health_MeasuresDialogue_HandChecked()
    {
        GroupMessage[] messages =
        [
            new("m1", GroupId.From("g"), MemberId.From("a"), At(1, 0)),
            new("m2", GroupId.From("g"), MemberId.From("b"), At(1, 1), "m1"),
            new("m3", GroupId.From("g"), MemberId.From("a"), At(1, 2), "m2"),
            new("m4", GroupId.From("g"), MemberId.From("a"), At(1, 3), "m3"), // a self-reply: deepens the thread, not dialogue
            new("m5", GroupId.From("g"), MemberId.From("c"), At(2, 0)),
            new("m6", GroupId.From("g"), MemberId.From("b"), At(8, 0), "m1"), // a late reply, in the second week
            new("x1", GroupId.From("h"), MemberId.From("z"), At(3, 0)),
        ];
        var r = CommunityHealth.Measure(messages.Reverse(), Shanghai, new LocalDate(2026, 6, 1), 7, 2);
        Assert.Equal(4, r.Count);
        var w1 = r[0];
        Assert.Equal((GroupId.From("g"), new LocalDate(2026, 6, 1)), (w1.GroupId, w1.PeriodStart));
        Assert.Equal((5, 3, 2, 1, 2), (w1.Messages, w1.DistinctSpeakers, w1.RepliesToOthers, w1.ConversingPairs, w1.Threads));
        Assert.Equal(0.4, w1.DialogueRatio, 12);
        Assert.Equal((2.5, 4), (w1.MeanThreadDepth, w1.MaxThreadDepth));
        var w2 = r[1];
        Assert.Equal((1, 1, 1, 0, 1.0), (w2.Messages, w2.RepliesToOthers, w2.ConversingPairs, w2.Threads, w2.DialogueRatio));
        Assert.Equal((1, 0), (r[2].Messages, r[2].RepliesToOthers));
        Assert.Equal(0, r[3].Messages);
    }

    [Fact]
    public void Health_AReplyChainOf200kMessages_NeedsNoRecursion()
    {
        const int n = 200_000;
        var start = Instant.FromUtc(2026, 6, 1, 0, 0);
        var messages = Enumerable.Range(0, n).Select(i => new GroupMessage($"m{i}", GroupId.From("g"), MemberId.From(i % 2 == 0 ? "a" : "b"), start + Duration.FromSeconds(i), i == 0 ? null : $"m{i - 1}"));
        var r = CommunityHealth.Measure(messages, DateTimeZone.Utc, new LocalDate(2026, 6, 1), 30, 1).Single();
        Assert.Equal((n, n - 1, 1, n), (r.Messages, r.RepliesToOthers, r.Threads, r.MaxThreadDepth));
    }

    [Fact]
    public void Campaign_NoNoise_GivesExactLiftAndAPlainVerdict()
    {
        var treated = Enumerable.Repeat(Cny(20_000), 30).ToList();
        var control = Enumerable.Repeat(Cny(15_000), 50).ToList();
        var pays = CampaignEffect.TreatedVersusControl(treated, control, Cny(100_000), seed: 1);
        Assert.Equal(Cny(5_000), pays.LiftPerCustomer);
        Assert.Equal(Cny(150_000), pays.IncrementalRevenue);
        Assert.Equal((Cny(150_000), Cny(150_000)), (pays.IncrementalRevenueLow, pays.IncrementalRevenueHigh));
        Assert.Equal(CampaignVerdict.Pays, pays.Verdict);
        Assert.Equal(0.5, pays.ReturnOnCost);

        var halfMargin = CampaignEffect.TreatedVersusControl(treated, control, Cny(100_000), seed: 1, margin: Rate.FromPercent(50));
        Assert.Equal(Cny(75_000), halfMargin.IncrementalMargin);
        Assert.Equal(CampaignVerdict.DoesNotPay, halfMargin.Verdict);
        Assert.Equal(-0.25, halfMargin.ReturnOnCost);
        Assert.StartsWith("does not pay", halfMargin.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Campaign_NoisyAndSmall_IsInconclusive_AndBeforeAfterIsPaired()
    {
        var rng = new SeededRandom(5);
        var treated = Enumerable.Range(0, 20).Select(_ => Cny(rng.NextInt64(0, 40_000))).ToList();
        var control = Enumerable.Range(0, 20).Select(_ => Cny(rng.NextInt64(0, 40_000))).ToList();
        var r = CampaignEffect.TreatedVersusControl(treated, control, Cny(1), seed: 9);
        Assert.Equal(CampaignVerdict.Inconclusive, r.Verdict);
        Assert.True(r.IncrementalRevenueLow < r.IncrementalRevenueHigh);

        var paired = CampaignEffect.BeforeVersusAfter([(Cny(100), Cny(300)), (Cny(50), Cny(250)), (Cny(0), Cny(200))], Cny(500), seed: 3);
        Assert.Equal((Cny(200), Cny(600), CampaignVerdict.Pays), (paired.LiftPerCustomer, paired.IncrementalRevenue, paired.Verdict));
        Assert.Throws<ArgumentException>(() => CampaignEffect.TreatedVersusControl([], control, Cny(1), 1));
    }

    [Property(MaxTest = 40)]
    public Property Campaign_Bootstrap_IsReproducibleBySeed() =>
        Prop.ForAll(Gen.Choose(0, 100_000).ArrayOf().Where(a => a.Length is > 0 and < 60).ToArbitrary(), Gen.Choose(0, 100_000).ArrayOf().Where(a => a.Length is > 0 and < 60).ToArbitrary(), Arb.From(Gen.Choose(0, int.MaxValue)), (t, c, seed) =>
        {
            var treated = t.Select(v => Cny(v)).ToList();
            var control = c.Select(v => Cny(v)).ToList();
            var a = CampaignEffect.TreatedVersusControl(treated, control, Cny(1_000), (ulong)seed, iterations: 300);
            var b = CampaignEffect.TreatedVersusControl(treated, control, Cny(1_000), (ulong)seed, iterations: 300);
            return a == b && a.IncrementalRevenueLow <= a.IncrementalRevenueHigh;
        });

    [Fact]
    public void SalesGoals_SixMeasures_HandChecked()
    {
        var start = new LocalDate(2026, 6, 1);
        var end = new LocalDate(2026, 6, 30);
        Contact[] contacts =
        [
            new(MemberId.From("old1"), new LocalDate(2026, 1, 1)),
            new(MemberId.From("old2"), new LocalDate(2026, 1, 1)),
            new(MemberId.From("new1"), new LocalDate(2026, 6, 1)),
            new(MemberId.From("new2"), new LocalDate(2026, 5, 20), ReferredBy: MemberId.From("old1")),
            new(MemberId.From("lead"), new LocalDate(2026, 6, 10)),
        ];
        Purchase[] purchases =
        [
            new(MemberId.From("old1"), new LocalDate(2026, 5, 5), Cny(100), ProductId.From("diapers")),
            new(MemberId.From("old2"), new LocalDate(2026, 5, 6), Cny(100), ProductId.From("diapers")),
            new(MemberId.From("old1"), new LocalDate(2026, 6, 3), Cny(300), ProductId.From("diapers"), 3),
            new(MemberId.From("old1"), new LocalDate(2026, 6, 20), Cny(200), ProductId.From("wipes"), 2),
            new(MemberId.From("new1"), new LocalDate(2026, 6, 11), Cny(500), ProductId.From("formula")),
            new(MemberId.From("new2"), new LocalDate(2026, 6, 1), Cny(700), ProductId.From("formula"), 1),
            new(MemberId.From("new2"), new LocalDate(2026, 6, 15), Cny(100), ProductId.From("wipes"), 1),
            new(MemberId.From("new2"), new LocalDate(2026, 7, 2), Cny(999), ProductId.From("wipes"), 1), // after the period
        ];
        var r = SalesGoals.Measure(contacts, purchases, start, end, Currency.CNY);
        Assert.Equal(2, r.NewCustomers);
        Assert.Equal(11.0, r.MedianDecisionCycleDays); // 10 days (new1) and 12 days (new2)
        Assert.Equal((2, 1, 0.5), (r.ContactsReached, r.ContactsConverted, r.ConversionRate));
        Assert.Equal(new PurchaseMeasures(1, 2, 5, 2, Cny(500)), r.Repeat);
        Assert.Equal(new PurchaseMeasures(1, 2, 2, 2, Cny(800)), r.Referral);
        Assert.Equal((2, 1, 0.5), (r.ActiveBefore, r.Churned, r.ChurnRate));
    }

    private static IEnumerable<Purchase> Buys(string customer, int first, int every, int times, long price) =>
        Enumerable.Range(0, times).Select(k => new Purchase(MemberId.From(customer), new LocalDate(2025, 1, 1).PlusDays(first + (k * every)), Cny(price)));

    [Fact]
    public void ProductFit_MonthlyFits_DurablesDoNot_DiscountsDrive()
    {
        var diapers = Enumerable.Range(0, 40).SelectMany(i => Buys($"c{i}", i, 28 + (i % 5), i % 4 == 0 ? 1 : 6, 9_900));
        var fits = ProductFit.Assess(diapers, Cny(9_900));
        Assert.Equal(ProductFitVerdict.Fits, fits.Verdict);
        Assert.Equal((40, 30), (fits.Buyers, fits.RepeatBuyers));
        Assert.Equal(30.0, fits.MedianCycleDays);

        var fridge = Enumerable.Range(0, 40).SelectMany(i => Buys($"c{i}", i, 0, 1, 499_900));
        var durable = ProductFit.Assess(fridge, Cny(499_900));
        Assert.Equal(ProductFitVerdict.CycleTooLong, durable.Verdict);
        Assert.Null(durable.MedianCycleDays);

        // Repeat purchases happen only at 20% off (the first at full price).
        var promo = Enumerable.Range(0, 40).SelectMany(i => Buys($"c{i}", i, 20, 1, 10_000).Concat(Buys($"c{i}", i + 20, 20, 3, 8_000)));
        var driven = ProductFit.Assess(promo, Cny(10_000));
        Assert.Equal(ProductFitVerdict.PriceDriven, driven.Verdict);
        Assert.Equal(1.0, driven.DiscountedRepeatShare);

        Assert.Equal(ProductFitVerdict.NotEnoughData, ProductFit.Assess(Buys("only", 0, 30, 5, 100), Cny(100)).Verdict);
        Assert.Equal("scoring.list-price.invalid", Assert.Throws<InvalidInputException>(() => ProductFit.Assess([new Purchase(MemberId.From("x"), AsOf, Cny(1))], Cny(0))).Code);
        Assert.Equal("scoring.purchase.invalid", Assert.Throws<InvalidInputException>(() => ProductFit.Assess([new Purchase(MemberId.From("x"), AsOf, Cny(1), Quantity: 0)], Cny(100))).Code);

        // Two units bought together at 20% off each are one discounted purchase; at 9% off (above the 10% threshold) they are not.
        var pairs = Enumerable.Range(0, 40).SelectMany(i => new[] { new Purchase(MemberId.From($"c{i}"), AsOf.PlusDays(-60), Cny(20_000), Quantity: 2), new Purchase(MemberId.From($"c{i}"), AsOf.PlusDays(-30), Cny(16_000), Quantity: 2) });
        Assert.Equal(1.0, ProductFit.Assess(pairs, Cny(10_000)).DiscountedRepeatShare);
        Assert.Equal(0.0, ProductFit.Assess(pairs.Select(p => p with { Value = Cny(18_200) }), Cny(10_000)).DiscountedRepeatShare);
    }
}
