using CommunityModel.Commissions;
using CommunityModel.Serialization.Json;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Sqlite;
using NodaTime;

// The pure model meets a store of facts: a commission run, a refund and a payout kept in SQLite, and a group's
// decisions; the file is closed, reopened, the ledger rebuilt from its facts and checked against its entries.
// Usage: dotnet run --project samples/CommunityModel.Sqlite [-- path/to/store.db]   (default: a new file in the temp folder)
//        dotnet run --project samples/CommunityModel.Sqlite -- hammer path/to/store.db prefix 1000   (a writer for the process tests)
// A writer for the store's process tests: hammer <store.db> <order-id prefix> <operations> records one order per
// operation (and refunds every third), as fast as it can, on a store another process may share.
if (args is ["hammer", var hammerPath, var prefix, var countText])
{
    return Hammer.Run(hammerPath, prefix, int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture));
}

var path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), $"community-store-{Guid.NewGuid():N}.db");
var shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
Instant At(int month, int day) => new LocalDateTime(2026, month, day, 10, 0).InZoneStrictly(shanghai).ToInstant();

var tree = ReferralTree.Build(
[
    new JoinRecord(MemberId.From("wang"), null, At(1, 5)), new JoinRecord(MemberId.From("li"), MemberId.From("wang"), At(1, 20)), new JoinRecord(MemberId.From("zhang"), MemberId.From("li"), At(2, 3)),
    new JoinRecord(MemberId.From("chen"), MemberId.From("zhang"), At(2, 14)), new JoinRecord(MemberId.From("zhao"), MemberId.From("li"), At(2, 20)), new JoinRecord(MemberId.From("sun"), MemberId.From("chen"), At(3, 1)),
]);
var plan = CommissionPlan.Create(new CommissionPlanDefinition
{
    Name = "二级分销 10% / 5%",
    Currency = Currency.CNY,
    Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
});
var run = new CommissionEngine(plan).Run(MemberStatuses.Create(tree, ranks: null),
[
    new Order(OrderId.From("o-1"), MemberId.From("sun"), ProductId.From("diapers"), Money.Parse("CNY 399.00"), At(3, 2)),
    new Order(OrderId.From("o-2"), MemberId.From("zhao"), ProductId.From("diaper-trial"), Money.Parse("CNY 39.90"), At(3, 2)),
]);

using (var store = File.Exists(path) ? SqliteFactStore.Open(path) : SqliteFactStore.Create(path, Currency.CNY, Period.FromMonths(2), shanghai))
{
    Console.WriteLine($"Store: {path}");
    Console.WriteLine($"record run:  {store.Record(run).Message}");
    Console.WriteLine($"refund:      {store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 199.50"), At(3, 20)).Message}");
    Console.WriteLine($"same again:  {store.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 199.50"), At(3, 20)).Message}");
    Console.WriteLine($"payout li:   {store.RecordPayout(MemberId.From("li"), At(6, 1)).Message}");

    var policy = ConfigJson.ReadGroupPolicy(File.ReadAllText(Sample("group-policy.json"))).Value!;
    var events = ConfigJson.ReadGroupEvents(File.ReadAllText(Sample("events.jsonl"))).Value!;
    Console.WriteLine($"group:       {store.SaveGroup("store-group", policy, events).Count} decisions stored");
}

using (var reopened = SqliteFactStore.Open(path))
{
    Console.WriteLine("Reopened: the ledger rebuilt from the stored facts writes exactly the stored entries.");
    foreach (var earner in reopened.Ledger.Earners)
    {
        var b = reopened.Ledger.BalanceOf(earner, At(6, 2));
        Console.WriteLine($"  {earner,-6} pending {b.Pending}, available {b.Available}, paid {b.Paid}");
    }

    var stored = reopened.DecisionsOf("store-group");
    Console.WriteLine($"  group decisions: {stored.Count} stored, replay gives the same: {stored.SequenceEqual(reopened.ReplayGroup("store-group"))}");
}

return 0;

static string Sample(string name)
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CommunityModel.sln")))
    {
        dir = dir.Parent;
    }

    return Path.Combine(dir?.FullName ?? ".", "samples", "config", name);
}
