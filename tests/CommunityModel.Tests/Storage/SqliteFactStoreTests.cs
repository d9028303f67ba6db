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

    [Theory]
    [InlineData("UPDATE ledger_entries SET amount_minor = amount_minor + 1 WHERE sequence = (SELECT MIN(sequence) FROM ledger_entries)", "is not what its facts give")]
    [InlineData("DELETE FROM ledger_entries WHERE sequence = (SELECT MAX(sequence) FROM ledger_entries)", "ledger entries; its facts give")]
    [InlineData("UPDATE commission_lines SET amount_minor = 1 WHERE position = 0 AND order_id = 'o-1'", "does not add up")]
    [InlineData("UPDATE commission_lines SET earner = 'wang' WHERE position = 0 AND order_id = 'o-1'", "is not what its facts give")]
    [InlineData("UPDATE refunds SET amount_minor = 99999999", "no longer applies")]
    public void AFileChangedBehindTheModel_IsRefused(string tamper, string message)
    {
        var path = NewPath();
        using (var store = SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), Shanghai))
        {
            store.Record(SampleRun());
            store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 199.50"), At(3, 20));
        }

        using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = tamper;
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }

        var e = Assert.Throws<InvalidDataException>(() => SqliteFactStore.Open(path));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
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
