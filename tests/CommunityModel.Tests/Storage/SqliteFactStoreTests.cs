using CommunityModel.Commissions;
using CommunityModel.Serialization.Json;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Sqlite;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using System.Diagnostics;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace CommunityModel.Tests.Storage;

public sealed class SqliteFactStoreTests : IDisposable
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private readonly string _dir = Directory.CreateTempSubdirectory("community-sqlite-").FullName;
    private int _files;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private string NewPath() => Path.Combine(_dir, $"store-{++_files}.db");

    private static Instant At(int month, int day) => new LocalDateTime(2026, month, day, 10, 0).InZoneStrictly(Shanghai).ToInstant();

    private static CommissionRun SampleRun()
    {
        var tree = ReferralTree.Build(
        [
            new JoinRecord(MemberId.From("wang"), null, At(1, 5)), new JoinRecord(MemberId.From("li"), MemberId.From("wang"), At(1, 20)), new JoinRecord(MemberId.From("zhang"), MemberId.From("li"), At(2, 3)),
            new JoinRecord(MemberId.From("chen"), MemberId.From("zhang"), At(2, 14)), new JoinRecord(MemberId.From("zhao"), MemberId.From("li"), At(2, 20)), new JoinRecord(MemberId.From("sun"), MemberId.From("chen"), At(3, 1)),
        ]);
        var plan = StoreDefaults().TwoLevel;
        return new CommissionEngine(plan).Run(MemberStatuses.Create(tree, ranks: null),
        [
            new Order(OrderId.From("o-1"), MemberId.From("sun"), ProductId.From("diapers"), Money.Parse("CNY 399.00"), At(3, 2)),
            new Order(OrderId.From("o-2"), MemberId.From("zhao"), ProductId.From("diaper-trial"), Money.Parse("CNY 39.90"), At(3, 2)),
        ]);
    }

    private static (CommissionPlan TwoLevel, int _) StoreDefaults() =>
        (CommissionPlan.Create(new CommissionPlanDefinition { Name = "10/5", Currency = Currency.CNY, Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] } }), 0);

    private static void AssertSameLedger(PayoutLedger expected, PayoutLedger actual, params Instant[] asOf)
    {
        Assert.Equal(expected.Entries, actual.Entries);
        Assert.Equal(expected.Earners, actual.Earners);
        foreach (var earner in expected.Earners)
        {
            foreach (var t in asOf)
            {
                Assert.Equal(expected.BalanceOf(earner, t), actual.BalanceOf(earner, t));
            }

            Assert.Equal(expected.HistoryOf(earner), actual.HistoryOf(earner));
        }
    }

    [Fact]
    public void Reopened_TheLedgerHasTheSameEntriesAndBalances_HandComputed()
    {
        var path = NewPath();
        PayoutLedger before;
        using (var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai))
        {
            Assert.True(store.Record(SampleRun()).Accepted);
            Assert.True(store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 199.50"), At(3, 20)).Accepted);
            Assert.True(store.RecordPayout(MemberId.From("li"), At(6, 1)).Accepted);
            before = store.Ledger;
        }

        using var reopened = SqliteFactStore.Open(path);
        AssertSameLedger(before, reopened.Ledger, At(3, 3), At(5, 1), At(6, 2));
        // chen: 39.90 less half back; zhang: 19.95 less 9.97 (the refund's remainder rule); li paid 3.99; wang 1.99 available.
        Assert.Equal(new EarnerBalance(MemberId.From("chen"), Money.Parse("CNY 0.00"), Money.Parse("CNY 19.95"), Money.Parse("CNY 0.00")), reopened.Ledger.BalanceOf(MemberId.From("chen"), At(6, 2)));
        Assert.Equal(Money.Parse("CNY 3.99"), reopened.Ledger.BalanceOf(MemberId.From("li"), At(6, 2)).Paid);
        Assert.Equal(Money.Parse("CNY 1.99"), reopened.Ledger.BalanceOf(MemberId.From("wang"), At(6, 2)).Available);
    }

    [Fact]
    public void RejectedChanges_WriteNothing_AndStayRejectedAfterReopening()
    {
        var path = NewPath();
        using (var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai))
        {
            store.Record(SampleRun());
            store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 100.00"), At(3, 20));
            var count = store.Ledger.Entries.Count;
            Assert.False(store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 100.00"), At(3, 20)).Accepted);
            Assert.False(store.Refund(RefundId.From("r-2"), OrderId.From("o-1"), Money.Parse("CNY 300.00"), At(3, 21)).Accepted); // more than remains
            Assert.False(store.Record(SampleRun()).Accepted);
            Assert.False(store.RecordPayout(MemberId.From("chen"), At(3, 21)).Accepted); // still held
            Assert.Equal(count, store.Ledger.Entries.Count);
        }

        using var reopened = SqliteFactStore.Open(path);
        Assert.Equal(4 + 2, reopened.Ledger.Entries.Count);
        Assert.Equal("ledger.refund.duplicate", reopened.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 100.00"), At(3, 20)).Code);
    }

    private string StoreWithHistory()
    {
        var path = NewPath();
        using var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai);
        Assert.True(store.Record(SampleRun()).Accepted);
        Assert.True(store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 199.50"), At(3, 20)).Accepted);
        Assert.True(store.RecordPayout(MemberId.From("li"), At(6, 1)).Accepted);
        return path;
    }

    private static int Tamper(string path, string sql)
    {
        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteNonQuery();
    }

    private const string LastOp = "(SELECT MAX(op) FROM operations)";

    [Theory]
    [InlineData("UPDATE ledger_entries SET amount_minor = amount_minor + 1 WHERE sequence = (SELECT MIN(sequence) FROM ledger_entries)", "ledger_entries", "amount_minor")]
    [InlineData("UPDATE ledger_entries SET explanation = 'paid in full' WHERE sequence = 1", "ledger_entries", "explanation")]
    [InlineData("DELETE FROM ledger_entries WHERE sequence = (SELECT MAX(sequence) FROM ledger_entries)", "operations", "hash")]
    [InlineData("UPDATE commission_lines SET amount_minor = 1 WHERE line = 0 AND order_id = 'o-1'", "commission_lines", "amount_minor")]
    [InlineData("UPDATE commission_lines SET earner = 'wang' WHERE line = 0 AND order_id = 'o-1'", "commission_lines", "earner")]
    [InlineData("UPDATE refunds SET amount_minor = 99999999", "refunds", "amount_minor")]
    [InlineData("DELETE FROM payouts", "operations", "hash")]
    [InlineData("UPDATE payouts SET earner = 'zhao'", "payouts", "earner")]
    [InlineData("PRAGMA foreign_keys = OFF; DELETE FROM ledger_entries WHERE op = " + LastOp + "; DELETE FROM payouts WHERE op = " + LastOp + "; DELETE FROM operations WHERE op = " + LastOp, "settings", "operation_count")]
    [InlineData("PRAGMA foreign_keys = OFF; DELETE FROM operations WHERE op = 2", "refunds", "op")]
    [InlineData("UPDATE orders SET paid_at = 'yesterday' WHERE order_id = 'o-2'", "orders", "paid_at")]
    [InlineData("UPDATE orders SET amount_minor = 'abc' WHERE order_id = 'o-2'", "orders", "amount_minor")]
    [InlineData("UPDATE orders SET buyer = 42 WHERE order_id = 'o-2'", "orders", "buyer")]
    [InlineData("UPDATE settings SET zone = 'Mars/Olympus'", "settings", "zone")]
    [InlineData("UPDATE settings SET currency = 'USD'", "settings", "currency")]
    [InlineData("UPDATE settings SET holding_period = 'P1D'", "settings", "holding_period")]
    [InlineData("UPDATE settings SET schema_version = 1", "settings", "schema_version")]
    [InlineData("UPDATE settings SET head_hash = lower(head_hash)", "settings", "head_hash")]
    [InlineData("PRAGMA ignore_check_constraints = ON; INSERT INTO settings SELECT 2, schema_version, currency, holding_period, zone, operation_count, head_hash, sums FROM settings", "settings", null)]
    [InlineData("UPDATE operations SET kind = 'payout' WHERE op = 2", "operations", "kind")]
    [InlineData("UPDATE operations SET hash = lower(hash) WHERE op = 1", "operations", "hash")]
    [InlineData("UPDATE ledger_entries SET position = position + 100 WHERE op = 1", "ledger_entries", "position")]
    [InlineData("UPDATE ledger_entries SET sums = 'x' WHERE sequence = 2", "ledger_entries", "sums")]
    [InlineData("UPDATE group_decisions SET rule_id = 'none'", null, null)]
    public void AFileChangedBehindTheModel_IsRefused_NamingTableRowAndColumn(string tamper, string? table, string? column)
    {
        var path = StoreWithHistory();
        if (table is null)
        {
            // Nothing to change (no group stored): the tamper changes no row, and the file still opens.
            Assert.Equal(0, Tamper(path, tamper));
            using var fine = SqliteFactStore.Open(path);
            Assert.Equal(3, fine.OperationCount);
            return;
        }

        Assert.True(Tamper(path, tamper) > 0);
        var e = Assert.Throws<StoreCorruptException>(() => SqliteFactStore.Open(path));
        Assert.Equal(table, e.Table);
        Assert.Equal(column, e.Column);
        Assert.StartsWith($"{path}: table {table}, row ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEditedGroupDecision_IsRefused_AndTheLatestVersionOfAGroupIsTheOneRead()
    {
        var policy = ConfigJson.ReadGroupPolicy(File.ReadAllText(RepoRoot.SampleConfig("group-policy.json"))).Value!;
        var events = ConfigJson.ReadGroupEvents(File.ReadAllText(RepoRoot.SampleConfig("events.jsonl"))).Value!;
        var path = NewPath();
        using (var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai))
        {
            store.SaveGroup("g", policy, events.Take(3).ToList());
            store.SaveGroup("g", policy, events);
            Assert.Equal(2, store.OperationCount);
            Assert.Equal(15, store.DecisionsOf("g").Count);
        }

        Assert.True(Tamper(path, "UPDATE group_decisions SET rule_id = 'none' WHERE position = 0 AND op = 2") == 1);
        var e = Assert.Throws<StoreCorruptException>(() => SqliteFactStore.Open(path));
        Assert.Equal(("group_decisions", "rule_id"), (e.Table, e.Column));
    }

    [Fact]
    public void TheHeadHash_IsTheSameAfterReopening_AndMovesWithEveryWrite()
    {
        var path = StoreWithHistory();
        string head;
        using (var store = SqliteFactStore.Open(path))
        {
            head = store.HeadHash;
            Assert.Matches("^[0-9A-F]{64}$", head);
            Assert.Equal(3, store.OperationCount);
            Assert.True(store.Refund(RefundId.From("r-2"), OrderId.From("o-2"), Money.Parse("CNY 1.00"), At(3, 21)).Accepted);
            Assert.NotEqual(head, store.HeadHash);
            head = store.HeadHash;
        }

        using var reopened = SqliteFactStore.Open(path);
        Assert.Equal(head, reopened.HeadHash);
    }

    [Fact]
    public void TwoStoresOnOneFile_TheStaleOneCatchesUp_AndTheModelDecidesOnTheLatestState()
    {
        // Both stores see o-1 (CNY 399.00) unrefunded; each tries to give back CNY 300.00 of it.
        var path = StoreWithHistory();
        using var first = SqliteFactStore.Open(path);
        using var second = SqliteFactStore.Open(path);
        Assert.True(first.Refund(RefundId.From("r-a"), OrderId.From("o-1"), Money.Parse("CNY 100.00"), At(3, 22)).Accepted);
        var late = second.Refund(RefundId.From("r-b"), OrderId.From("o-1"), Money.Parse("CNY 150.00"), At(3, 22));
        Assert.False(late.Accepted); // 199.50 + 100.00 were already given back: 150.00 is more than the 99.50 left
        Assert.Equal(1, second.CatchUps);
        Assert.Equal(first.OperationCount, second.OperationCount);
        Assert.Equal(first.HeadHash, second.HeadHash);
        AssertSameLedger(first.Ledger, second.Ledger, At(3, 23), At(7, 1));

        // The first store is now the stale one: its next write catches up with nothing new and goes on.
        Assert.True(first.Refund(RefundId.From("r-c"), OrderId.From("o-1"), Money.Parse("CNY 99.50"), At(3, 23)).Accepted);
        Assert.Equal(0, first.CatchUps);
        using var reopened = SqliteFactStore.Open(path);
        AssertSameLedger(first.Ledger, reopened.Ledger, At(3, 23), At(7, 1));
        Assert.Equal(5, reopened.OperationCount);
    }

    [Fact]
    public void AWriteTheFileRefuses_LeavesTheLedgerAsTheFileIs_AndTheStoreGoesOn()
    {
        var path = StoreWithHistory();
        using var store = SqliteFactStore.Open(path);
        var before = store.Ledger.Entries.ToList();
        Tamper(path, "CREATE TRIGGER full_disk BEFORE INSERT ON refunds BEGIN SELECT RAISE(ABORT, 'disk full'); END;");

        // The ledger accepts the refund; the file does not take it; the store reads the file back.
        var e = Assert.Throws<SqliteException>(() => store.Refund(RefundId.From("r-2"), OrderId.From("o-2"), Money.Parse("CNY 10.00"), At(3, 21)));
        Assert.Contains("disk full", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, store.Ledger.Entries);
        Assert.Equal(3, store.OperationCount);

        Tamper(path, "DROP TRIGGER full_disk;");
        Assert.True(store.Refund(RefundId.From("r-2"), OrderId.From("o-2"), Money.Parse("CNY 10.00"), At(3, 21)).Accepted);
        using var reopened = SqliteFactStore.Open(path);
        Assert.Equal(store.Ledger.Entries, reopened.Ledger.Entries);
    }

    /// <summary>One writer's step: a refund of some order, or a payout of some earner; given to a store or to a ledger.</summary>
    private sealed record Step(RefundId? Refund, OrderId Order, MemberId Earner, Money Amount, Instant At)
    {
        public static Step Make(int kind, int seed, int writer, int index, IReadOnlyList<OrderCommission> orders)
        {
            var o = orders[seed % orders.Count];
            return kind == 0
                ? new Step(null, o.Order, o.Lines.Count > 0 ? o.Lines[seed % o.Lines.Count].Earner : o.Buyer, default, Community.Epoch + Duration.FromDays((seed % 90) + 60))
                : new Step(RefundId.From($"w{writer}-{index}"), o.Order, o.Buyer, Money.OfMinor(1 + (seed % Math.Max(1, o.Amount.MinorUnits / 3)), Currency.CNY), o.PaidAt + Duration.FromDays(seed % 20));
        }

        public LedgerResult On(SqliteFactStore store) => Refund is { } r ? store.Refund(r, Order, Amount, At) : store.RecordPayout(Earner, At);

        public LedgerResult On(PayoutLedger ledger) => Refund is { } r ? ledger.Refund(r, Order, Amount, At) : ledger.RecordPayout(Earner, At);
    }

    /// <summary>The committed steps, replayed one after another on a fresh ledger, in the order of their operation numbers.</summary>
    private static PayoutLedger SerialReplay(CommissionRun run, IEnumerable<(long Op, Step Step)> committed)
    {
        var ledger = new PayoutLedger(Currency.CNY, Period.FromDays(30), DateTimeZone.Utc);
        Assert.True(ledger.Record(run).Accepted);
        foreach (var (_, step) in committed.OrderBy(c => c.Op))
        {
            Assert.True(step.On(ledger).Accepted);
        }

        return ledger;
    }

    [Property(MaxTest = 20)]
    public Property TwoWritersInAnyInterleaving_LeaveAFileThatOpensAndEqualsASerialReplayOfWhatTheyCommitted() =>
        Prop.ForAll(
            Arb.From(TreeGens.Community(30, 3, maxOrders: 12)),
            Arb.From((from writer in Gen.Choose(0, 1) from kind in Gen.Choose(0, 3) from seed in Gen.Choose(0, 1_000_000) select (writer, kind, seed)).ListOf()),
            (community, steps) =>
            {
                var tree = community.Tree();
                var run = new CommissionEngine(StoreDefaults().TwoLevel).Run(community.Statuses(tree), community.OrderList());
                if (run.Orders.Count == 0)
                {
                    return true;
                }

                var path = NewPath();
                using (var creator = SqliteFactStore.Create(path, Currency.CNY, Period.FromDays(30), DateTimeZone.Utc))
                {
                    Assert.True(creator.Record(run).Accepted);
                }

                var committed = new List<(long, Step)>();
                using (var a = SqliteFactStore.Open(path))
                using (var b = SqliteFactStore.Open(path))
                {
                    SqliteFactStore[] writers = [a, b];
                    for (var i = 0; i < steps.Count; i++)
                    {
                        var (writer, kind, seed) = steps[i];
                        var store = writers[writer];
                        var step = Step.Make(kind == 0 ? 0 : 1, seed, writer, i, run.Orders);
                        if (step.On(store).Accepted)
                        {
                            committed.Add((store.OperationCount, step));
                        }
                    }
                }

                using var reopened = SqliteFactStore.Open(path);
                var serial = SerialReplay(run, committed);
                Assert.Equal(serial.Entries, reopened.Ledger.Entries);
                return reopened.OperationCount == 1 + committed.Count;
            });

    [Fact]
    public void TwoStoresRacingOnThreads_CommitOneAtATime_AndTheFileIsASerialReplay()
    {
        var community = TreeGens.Community(40, 3, maxOrders: 20).Sample(1, 7).First();
        var run = new CommissionEngine(StoreDefaults().TwoLevel).Run(community.Statuses(community.Tree()), community.OrderList());
        var path = NewPath();
        using (var creator = SqliteFactStore.Create(path, Currency.CNY, Period.FromDays(30), DateTimeZone.Utc))
        {
            Assert.True(creator.Record(run).Accepted);
        }

        var committed = new System.Collections.Concurrent.ConcurrentBag<(long, Step)>();
        var catchUps = 0;
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, writer =>
        {
            using var store = SqliteFactStore.Open(path);
            var rng = new Random(writer + 11);
            for (var i = 0; i < 40; i++)
            {
                var (kind, seed) = (rng.Next(0, 4) == 0 ? 0 : 1, rng.Next(0, 1_000_000));
                var step = Step.Make(kind, seed, writer, i, run.Orders);
                if (step.On(store).Accepted)
                {
                    committed.Add((store.OperationCount, step));
                }
            }

            Interlocked.Add(ref catchUps, store.CatchUps);
        });

        using var reopened = SqliteFactStore.Open(path);
        Assert.Equal(1 + committed.Count, reopened.OperationCount);
        Assert.Equal(committed.Count, committed.Select(c => c.Item1).Distinct().Count());
        Assert.Equal(SerialReplay(run, committed).Entries, reopened.Ledger.Entries);
    }

    private static Process Hammer(string path, string prefix, int count)
    {
        var muxer = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var info = new ProcessStartInfo(muxer) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { typeof(SqliteFactStore).Assembly.Location, "hammer", path, prefix, count.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private string EmptyStoreForHammers()
    {
        var path = NewPath();
        SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), DateTimeZone.Utc).Dispose();
        return path;
    }

    [Fact]
    public void TwoProcessesWritingOneFile_LoseNothing_AndAReaderOpensItMeanwhile()
    {
        var path = EmptyStoreForHammers();
        using var one = Hammer(path, "p1", 60);
        using var two = Hammer(path, "p2", 60);

        // Opening while both write reads one snapshot: never a false "corrupt".
        var opened = 0;
        while (!one.HasExited || !two.HasExited)
        {
            using (SqliteFactStore.Open(path))
            {
                opened++;
            }

            Thread.Sleep(20);
        }

        Assert.True(one.WaitForExit(60_000) && two.WaitForExit(60_000));
        Assert.True(one.ExitCode == 0, one.StandardError.ReadToEnd());
        Assert.True(two.ExitCode == 0, two.StandardError.ReadToEnd());
        using var store = SqliteFactStore.Open(path);
        Assert.Equal(2 * (60 + 20), store.OperationCount); // 60 orders and 20 refunds each
        Assert.True(opened > 0);
    }

    [Fact]
    public void AWriterKilledMidLoop_LeavesAFileThatOpens_WithEveryCommittedOperationWhole()
    {
        var path = EmptyStoreForHammers();
        using var writer = Hammer(path, "k", 1_000_000);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long seen = 0;
        while (seen < 30 && DateTime.UtcNow < deadline && !writer.HasExited)
        {
            Thread.Sleep(50);
            using var peek = SqliteFactStore.Open(path);
            seen = peek.OperationCount;
        }

        writer.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no dispose
        writer.WaitForExit(10_000);
        Assert.True(seen >= 30, $"the writer got to {seen} operations: {writer.StandardError.ReadToEnd()}");
        using var store = SqliteFactStore.Open(path);
        Assert.True(store.OperationCount >= seen);

        // Every order is whole: its lines and entries came with it, and the next write goes on from the file.
        Assert.True(store.Refund(RefundId.From("after"), OrderId.From("k-0"), Money.Parse("CNY 1.00"), Instant.FromUtc(2026, 3, 2, 0, 0)).Accepted);
    }

    [Fact]
    public void GroupDecisions_ComeBackAndReplayTheSame()
    {
        var policy = ConfigJson.ReadGroupPolicy(File.ReadAllText(RepoRoot.SampleConfig("group-policy.json"))).Value!;
        var events = ConfigJson.ReadGroupEvents(File.ReadAllText(RepoRoot.SampleConfig("events.jsonl"))).Value!;
        var path = NewPath();
        IReadOnlyList<StoredDecision> saved;
        using (var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai))
        {
            saved = store.SaveGroup("store-group", policy, events);
        }

        using var reopened = SqliteFactStore.Open(path);
        var stored = reopened.DecisionsOf("store-group");
        Assert.Equal(15, stored.Count);
        Assert.Equal(saved, stored);
        Assert.Equal(stored, reopened.ReplayGroup("store-group"));
        Assert.Contains(stored, d => d is { Kind: GroupDecisionKind.Remove, Member: "dad-sun", RuleId: "content.ad" });
    }

    [Fact]
    public void CreatingOverAFile_OrOpeningNone_IsAnError()
    {
        var path = NewPath();
        Assert.Throws<FileNotFoundException>(() => SqliteFactStore.Open(path));
        SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai).Dispose();
        Assert.Throws<IOException>(() => SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai));
    }

    [Property(MaxTest = 25)]
    public Property AnyHistory_ReopensToTheSameLedger() =>
        Prop.ForAll(Arb.From(TreeGens.Community(40, 3, maxOrders: 20)), Arb.From(Gen.Choose(0, 1_000_000).ArrayOf(6)), (community, refundSeeds) =>
        {
            var tree = community.Tree();
            var plan = StoreDefaults().TwoLevel;
            var run = new CommissionEngine(plan).Run(community.Statuses(tree), community.OrderList());
            var path = NewPath();
            PayoutLedger before;
            using (var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromDays(30), DateTimeZone.Utc))
            {
                store.Record(run);
                var orders = run.Orders;
                for (var k = 0; k < refundSeeds.Length; k++)
                {
                    var o = orders[refundSeeds[k] % orders.Count];
                    var amount = Money.OfMinor(1 + (refundSeeds[k] % Math.Max(1, o.Amount.MinorUnits)), Currency.CNY);
                    store.Refund(RefundId.From("r" + k.ToString(System.Globalization.CultureInfo.InvariantCulture)), o.Order, amount, o.PaidAt + Duration.FromDays(k * 10));
                    if (k == 3)
                    {
                        foreach (var earner in store.Ledger.Earners)
                        {
                            store.RecordPayout(earner, Community.Epoch + Duration.FromDays(45));
                        }
                    }
                }

                before = store.Ledger;
            }

            using var reopened = SqliteFactStore.Open(path);
            AssertSameLedger(before, reopened.Ledger, Community.Epoch, Community.Epoch + Duration.FromDays(40), Community.Epoch + Duration.FromDays(400));
            return true;
        });
}
