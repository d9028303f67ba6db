using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Sqlite;

/// <summary>A writer that records orders into a shared store as fast as it can: the process tests' second writer and kill target.</summary>
internal static class Hammer
{
    public static int Run(string path, string prefix, int count)
    {
        var epoch = Instant.FromUtc(2026, 3, 1, 2, 0);
        var tree = ReferralTree.Build(
        [
            new JoinRecord(MemberId.From("wang"), null, epoch - Duration.FromDays(60)),
            new JoinRecord(MemberId.From("li"), MemberId.From("wang"), epoch - Duration.FromDays(50)),
            new JoinRecord(MemberId.From("sun"), MemberId.From("li"), epoch - Duration.FromDays(40)),
        ]);
        var engine = new CommissionEngine(CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "10/5",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
        }));
        var statuses = MemberStatuses.Create(tree, ranks: null);
        using var store = SqliteFactStore.Open(path);
        for (var i = 0; i < count; i++)
        {
            var id = OrderId.From(prefix + "-" + i.ToString(CultureInfo.InvariantCulture));
            var at = epoch + Duration.FromMinutes(i);
            var run = engine.Run(statuses, [new Order(id, MemberId.From("sun"), ProductId.From("diapers"), Money.Parse("CNY 99.00"), at)]);
            if (!store.Record(run).Accepted)
            {
                Console.Error.WriteLine($"order {id} was refused");
                return 1;
            }

            if (i % 3 == 2 && !store.Refund(RefundId.From("r-" + id.Value), id, Money.Parse("CNY 9.90"), at + Duration.FromDays(1)).Accepted)
            {
                Console.Error.WriteLine($"the refund of {id} was refused");
                return 1;
            }
        }

        Console.WriteLine(store.CatchUps.ToString(CultureInfo.InvariantCulture));
        return 0;
    }
}
