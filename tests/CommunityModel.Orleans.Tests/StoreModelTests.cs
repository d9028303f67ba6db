using CommunityModel.Commissions;
using CommunityModel.Membership;
using CommunityModel.Orleans.Load;
using CommunityModel.Orleans.Model;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Serialization.Json;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;

namespace CommunityModel.Orleans.Tests;

/// <summary>The store as a pure fold: the seeds' store by hand, idempotence, refusals.</summary>
public sealed class StoreModelTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    internal static StoreSetup Setup { get; } = StoreFiles.Setup(StoreFiles.Root());

    private static Instant At(int month, int day, int hour = 10) => new LocalDateTime(2026, month, day, hour, 0).InZoneStrictly(Shanghai).ToInstant();

    private static StoreModel NewStore() => StoreModel.TryCreate(Setup, out var problems) ?? throw new InvalidOperationException(string.Join("; ", problems));

    /// <summary>
    /// wang (the store's own) refers li, li refers zhao; wang and li buy the member card (a paid plan: tier
    /// member, rank 2, the plan's minimum); zhao buys diapers for 129.00 and 200.00. The plan pays 10% to the
    /// buyer's sponsor and 5% to the next, from rank 2: li 12.90 + 20.00, wang 6.45 + 10.00 (settled as li 32.90 and wang 16.45).
    /// </summary>
    internal static List<StoreCommand> March() =>
    [
        StoreCommand.Join("wang", null, At(3, 1)),
        StoreCommand.Join("li", "wang", At(3, 2)),
        StoreCommand.Join("zhao", "li", At(3, 3)),
        StoreCommand.Order("o1", "wang", "member-card", 399_00, At(3, 4)),
        StoreCommand.Order("o2", "li", "member-card", 399_00, At(3, 5)),
        StoreCommand.Order("o3", "zhao", "diapers", 129_00, At(3, 10)),
        StoreCommand.Order("o4", "zhao", "diapers", 200_00, At(3, 12)),
        StoreCommand.CloseMonth(new YearMonth(2026, 3)),
    ];

    [Fact]
    public void TheSeedsStorePaysTenAndFivePercentFromTheTiersItsCloseEvaluated()
    {
        var store = NewStore();
        Assert.All(March(), c => Assert.Equal(CommandStatus.Applied, store.Apply(c).Status));
        Assert.Equal("member", store.TierOf("wang")!.Tier);
        Assert.Equal("member", store.TierOf("li")!.Tier);
        Assert.Equal("customer", store.TierOf("zhao")!.Tier);

        // March is settled by totals: one entry per earner, held for two months from the month's end (2026-04-01 00:00
        // in Shanghai), so pending until 2026-06-01 00:00, available from then (every order held at least two months).
        var april = store.BalanceOf("li", At(4, 1));
        Assert.Equal((12_90 + 20_00, 0L), (april.Pending, april.Available));
        var lastMoment = store.BalanceOf("li", new LocalDateTime(2026, 5, 31, 23, 59, 59).InZoneStrictly(Shanghai).ToInstant());
        Assert.Equal((32_90L, 0L), (lastMoment.Pending, lastMoment.Available));
        var june = store.BalanceOf("li", new LocalDateTime(2026, 6, 1, 0, 0).InZoneStrictly(Shanghai).ToInstant());
        Assert.Equal((0L, 32_90L), (june.Pending, june.Available));
        Assert.Equal(6_45 + 10_00, store.BalanceOf("wang", At(6, 1)).Available);
        Assert.Equal(0, store.BalanceOf("zhao", At(6, 1)).Net);
        var entry = Assert.Single(store.HistoryOf("li"));
        Assert.Equal("li earns CNY 32.90 in settlement 2026-03, the total of 4 order(s) paid up to 2026-03-31T16:00:00Z; pending until 2026-05-31T16:00:00Z", entry.Explanation);
    }

    [Fact]
    public void ARefundOfAClosedOrderCancelsItsLinesAndOneAfterThePayoutClawsBack()
    {
        var store = NewStore();
        March().ForEach(c => store.Apply(c));

        // Half of o4 refunded in April, before any payout: li's 20.00 line loses 10.00, wang's 10.00 loses 5.00.
        Assert.Equal(CommandStatus.Applied, store.Apply(StoreCommand.Refund("r1", "o4", 100_00, At(4, 2))).Status);
        Assert.Equal(12_90 + 10_00, store.BalanceOf("li", At(6, 1)).Available);
        Assert.Equal(6_45 + 5_00, store.BalanceOf("wang", At(6, 1)).Available);

        // June 1: li is paid 22.90; then o3 is refunded in full: the 12.90 paid comes back as a clawback.
        Assert.Equal(CommandStatus.Applied, store.Apply(StoreCommand.Payout("p1", "li", At(6, 1))).Status);
        Assert.Equal(22_90, store.BalanceOf("li", At(6, 1)).Paid);
        Assert.Equal(CommandStatus.Applied, store.Apply(StoreCommand.Refund("r2", "o3", 129_00, At(6, 2))).Status);
        var li = store.BalanceOf("li", At(6, 3));
        Assert.Equal(10_00, li.Net);
        Assert.Contains(store.HistoryOf("li"), l => l.Kind == "Clawback" && l.AmountMinor == -12_90);
    }

    [Fact]
    public void ARefundInsideTheOpenMonthIsAppliedAtTheClose()
    {
        var store = NewStore();
        var commands = March();
        commands.Insert(7, StoreCommand.Refund("r1", "o4", 200_00, At(3, 20)));
        Assert.All(commands, c => Assert.Equal(CommandStatus.Applied, store.Apply(c).Status));
        Assert.Equal(12_90, store.BalanceOf("li", At(6, 1)).Available);
        Assert.Equal(6_45, store.BalanceOf("wang", At(6, 1)).Available);
    }

    [Fact]
    public void EveryRefusalSaysWhyAndChangesNothing()
    {
        var store = NewStore();
        March().ForEach(c => store.Apply(c));
        var before = store.Digest(At(7, 1));
        (StoreCommand Command, string Code)[] refused =
        [
            (StoreCommand.Order("o9", "nobody", "diapers", 129_00, At(4, 2)), "order.buyer.unknown"),
            (StoreCommand.Order("o9", "zhao", "diapers", 0, At(4, 2)), "order.amount"),
            (StoreCommand.Order("o9", "zhao", "diapers", 129_00, At(3, 30)), "month.closed"),
            (StoreCommand.Order("o3", "zhao", "diapers", 130_00, At(3, 10)), "order.conflict"),
            (StoreCommand.Join("li", "zhao", At(4, 1)), "member.conflict"),
            (StoreCommand.Join("sun", "nobody", At(4, 1)), "member.sponsor.unknown"),
            (StoreCommand.Refund("r9", "o3", 129_01, At(4, 2)), "refund.amount"),
            (StoreCommand.Refund("r9", "o-none", 1_00, At(4, 2)), "refund.order.unknown"),
            (StoreCommand.CloseMonth(new YearMonth(2026, 5)), "month.order"),
            (StoreCommand.Payout("p9", "zhao", At(6, 1)), "ledger.payout.nothing-available"),
            (new StoreCommand(StoreCommandKind.Order, "", "zhao", null, "diapers", 1, 0), "command.id.missing"),
        ];
        foreach (var (command, code) in refused)
        {
            var result = store.Apply(command);
            Assert.True(result.Status == CommandStatus.Rejected && result.Code == code, $"{command}: {result}");
            Assert.False(string.IsNullOrWhiteSpace(result.Message));
        }

        Assert.Equal(before, store.Digest(At(7, 1)));
    }

    [Fact]
    public void ABrokenSetupIsRefusedWithEveryProblem()
    {
        var broken = Setup with { PlanJson = Setup.PlanJson.Replace("\"10%\"", "\"-10%\"", StringComparison.Ordinal), Holding = "two months" };
        Assert.Null(StoreModel.TryCreate(broken, out var problems));
        Assert.Contains(problems, p => p.StartsWith("plan:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("holding:", StringComparison.Ordinal));
    }

    /// <summary>
    /// A retried command never pays twice: a generated store's commands with any of them sent again (right after, or
    /// later, as a retry after a timeout would be) give the same store as each sent once, and every repeat is a duplicate.
    /// </summary>
    [Fact]
    public void RetriedCommandsChangeNothing()
    {
        var history = StoreHistory.Generate("store-prop", new StoreHistoryOptions(Members: 60, Groups: 2, Months: 3));
        var once = NewStore();
        foreach (var c in history.Commands)
        {
            once.Apply(c);
        }

        var asOf = At(12, 1);
        var expected = once.Digest(asOf);
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var random = new Random(seed);
            var store = NewStore();
            var sent = new List<StoreCommand>();
            foreach (var c in history.Commands)
            {
                var first = store.Apply(c);
                sent.Add(c);
                if (random.NextDouble() < 0.2)
                {
                    // The retry of a recent command (or this one): a duplicate, unless the first was refused.
                    var again = sent[Math.Max(0, sent.Count - 1 - random.Next(5))];
                    var r = store.Apply(again);
                    if (r.Status == CommandStatus.Applied)
                    {
                        return false;
                    }
                }
            }

            return store.Digest(asOf) == expected;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AStoreRestoredFromItsSnapshotAtAnyPointGoesOnAsTheStraightOne()
    {
        // Three months with refunds inside and after the close and payouts with clawbacks; snapshots taken before the
        // first close, between closes and at the end, each restored and given the rest of the commands.
        var history = StoreHistory.Generate("store-snap", new StoreHistoryOptions(Members: 120, Groups: 1, MessagesPerGroupPerMonth: 0, Months: 3));
        var commands = history.Commands;
        var straight = NewStore();
        var results = commands.Select(straight.Apply).ToList();
        var asOf = At(12, 1);
        var expected = straight.Digest(asOf);
        var closes = commands.Select((c, i) => (c, i)).Where(x => x.c.Kind == StoreCommandKind.CloseMonth).Select(x => x.i).ToList();
        Assert.Equal(3, closes.Count);
        foreach (var cut in new[] { 0, closes[0] / 2, closes[0] + 1, closes[1] + 7, closes[2], commands.Count })
        {
            var first = NewStore();
            foreach (var c in commands.Take(cut))
            {
                first.Apply(c);
            }

            var restored = StoreModel.Restore(Setup, first.Snapshot());
            Assert.Equal(first.Digest(asOf), restored.Digest(asOf));
            var rest = commands.Skip(cut).Select(restored.Apply).ToList();
            Assert.Equal(results.Skip(cut), rest);
            Assert.Equal(expected, restored.Digest(asOf));
            Assert.Equal(straight.TierOf("m7"), restored.TierOf("m7"));
            Assert.Equal(straight.HistoryOf("m0"), restored.HistoryOf("m0"));
            Assert.Equal(straight.PreviewOpenMonth(), restored.PreviewOpenMonth());
            // Every command again: all duplicates after a restore too.
            Assert.All(commands.Select(restored.Apply), r => Assert.NotEqual(CommandStatus.Applied, r.Status));
        }

        var bytes = straight.Snapshot();
        Assert.Throws<InvalidDataException>(() => StoreModel.Restore(Setup, bytes[..^3]));
        // A snapshot of the version that recorded months line by line is set aside (the grain folds its journal).
        var older = (byte[])bytes.Clone();
        Assert.Equal((byte)'2', older[8]);
        older[8] = (byte)'1';
        Assert.Throws<InvalidDataException>(() => StoreModel.Restore(Setup, older));
        Assert.Throws<InvalidDataException>(() => StoreModel.Restore(Setup, [.. bytes, 0]));
    }

    /// <summary>
    /// Settled by totals, every earner nets exactly what the months' lines pay (each month run line by line at the
    /// tiers its close evaluated, its refunds reversing the lines): refunds of orders of earlier months, after tiers
    /// have changed, and after a restore from a snapshot, reverse what those orders paid at their own month's tiers.
    /// </summary>
    [Fact]
    public void SettledByTotalsEveryEarnerNetsWhatTheMonthsLinesPay()
    {
        var history = StoreHistory.Generate("store-lines", new StoreHistoryOptions(Members: 150, Groups: 1, MessagesPerGroupPerMonth: 0, Months: 4));
        var commands = history.Commands;
        var closes = commands.Select((c, i) => (c, i)).Where(x => x.c.Kind == StoreCommandKind.CloseMonth).Select(x => x.i).ToList();
        var store = NewStore();
        var applied = commands.Take(closes[1] + 1).Select(c => (c, store.Apply(c))).ToList();
        store = StoreModel.Restore(Setup, store.Snapshot()); // the ranks kept per month come through the snapshot
        applied.AddRange(commands.Skip(closes[1] + 1).Select(c => (c, store.Apply(c))));

        // The same months line by line, straight from the library.
        var plan = CommissionPlan.Create(ConfigJson.ReadPlan(Setup.PlanJson).Value!);
        var policy = MembershipPolicy.Create(ConfigJson.ReadMembershipPolicy(Setup.MembershipJson).Value!);
        var rankOfTier = policy.RanksFor(plan);
        var engine = new CommissionEngine(plan);
        var lines = new PayoutLedger(plan.Currency, Period.Zero, Shanghai);
        var (joins, orders, refunds, held, months) = (new List<JoinRecord>(), new List<Order>(), new List<Refund>(), new List<Refund>(), new List<YearMonth>());
        var closedUpTo = Instant.MinValue;
        var refundsOfEarlierMonths = 0;
        foreach (var (c, result) in applied.Where(x => x.Item2.Status == CommandStatus.Applied).Select(x => (x.c, x.Item2)))
        {
            switch (c.Kind)
            {
                case StoreCommandKind.Join:
                    joins.Add(new JoinRecord(MemberId.From(c.Id), c.Reference is null ? null : MemberId.From(c.Reference), c.At));
                    break;
                case StoreCommandKind.Order:
                    orders.Add(new Order(OrderId.From(c.Id), MemberId.From(c.Member!), ProductId.From(c.Product!), Money.OfMinor(c.AmountMinor, plan.Currency), c.At));
                    break;
                case StoreCommandKind.Refund:
                    var refund = new Refund(RefundId.From(c.Id), OrderId.From(c.Reference!), Money.OfMinor(c.AmountMinor, plan.Currency), c.At);
                    refunds.Add(refund);
                    if (orders.Single(o => o.Id == refund.Order).PaidAt < closedUpTo)
                    {
                        Assert.True(lines.Refund(refund.Id, refund.Order, refund.Amount, refund.At).Accepted);
                        refundsOfEarlierMonths += orders.Single(o => o.Id == refund.Order).PaidAt < closedUpTo - Duration.FromDays(40) ? 1 : 0;
                    }
                    else
                    {
                        held.Add(refund);
                    }

                    break;
                case StoreCommandKind.CloseMonth:
                    var month = NodaTime.Text.YearMonthPattern.Iso.Parse(c.Id).Value;
                    months.Add(month);
                    var end = month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(Shanghai).ToInstant();
                    var tree = ReferralTree.Build(joins.Where(j => j.JoinedAt < end));
                    var facts = MembershipFacts.Build(tree, plan.Currency, [.. orders.Where(o => o.PaidAt < end)], [.. refunds.Where(r => r.At < end)]);
                    var book = MembershipBook.Create(tree, policy);
                    foreach (var m in months)
                    {
                        book.Evaluate(facts, m.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(Shanghai).ToInstant(), EvaluationKind.Period);
                    }

                    var ranks = book.Ranks().Select(t => rankOfTier[t]).ToArray();
                    var statuses = MemberStatuses.FromArrays(tree, ranks, Enumerable.Repeat(true, tree.Count).ToArray());
                    Assert.True(lines.Record(engine.Run(statuses, orders.Where(o => o.PaidAt < end && o.PaidAt >= closedUpTo))).Accepted);
                    foreach (var r in held.Where(r => r.At < end).ToList())
                    {
                        Assert.True(lines.Refund(r.Id, r.Order, r.Amount, r.At).Accepted);
                        held.Remove(r);
                    }

                    closedUpTo = end;
                    break;
            }
        }

        Assert.Equal(4, months.Count);
        Assert.DoesNotContain(applied, x => x.c.Kind == StoreCommandKind.Refund && x.Item2.Status == CommandStatus.Rejected);
        Assert.True(refundsOfEarlierMonths > 0, "the history refunds orders of months closed before the last");
        Assert.Equal(lines.Earners, store.Ledger.Earners);
        Assert.All(lines.Earners, e => Assert.Equal(lines.NetOf(e), store.Ledger.NetOf(e)));
        Assert.Equal(4, store.Ledger.SettlementCount);
        Assert.Equal(lines.OrderCount, store.Ledger.OrderCount);
        Assert.Equal(lines.Entries.Where(e => e.Kind is LedgerEntryKind.Cancellation or LedgerEntryKind.Clawback).Sum(e => e.Amount.MinorUnits),
            store.Ledger.Entries.Where(e => e.Kind is LedgerEntryKind.Cancellation or LedgerEntryKind.Clawback).Sum(e => e.Amount.MinorUnits));
    }

    [Fact]
    public void TheSameCommandsGiveTheSameStore()
    {
        var history = StoreHistory.Generate("store-det", new StoreHistoryOptions(Members: 80, Groups: 2, Months: 3));
        var (a, b) = (NewStore(), NewStore());
        foreach (var c in history.Commands)
        {
            Assert.Equal(a.Apply(c), b.Apply(c));
        }

        Assert.Equal(a.Digest(At(12, 1)), b.Digest(At(12, 1)));
        Assert.Equal(3, a.ClosedMonths.Count);
        Assert.True(a.Ledger.Entries.Count > 0);
        Assert.NotEmpty(a.KeyCustomers(5, new LocalDate(2026, 5, 31)));
    }
}
