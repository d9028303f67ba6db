using System.Globalization;
using CommunityModel.Cli;
using CommunityModel.Cli.Book;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Tests.Cli;

/// <summary>statements.csv's allocation-free lines equal the lines made from the ledger's entries with NodaTime's pattern and Csv.Field.</summary>
public class StatementLinesTests
{
    private static readonly string[] ZoneIds = ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Europe/London", "UTC"];
    private static readonly OffsetDateTimePattern Iso = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");
    private static readonly string[] Ids = ["li", "wang", "a,b", "say \"hi\"", "=1+2", "-x", "会员001", "@home"];

    /// <summary>The line the first version wrote: from the entry object, its explanation and the zone's pattern.</summary>
    private static string Naive(LedgerEntry e, DateTimeZone zone)
    {
        string T(Instant i) => Iso.Format(i.InZone(zone).ToOffsetDateTime());
        return $"{Csv.Field(e.Earner.Value)},{e.Sequence.ToString(CultureInfo.InvariantCulture)},{e.Kind},{(e.Order is { } o ? Csv.Field(o.Value) : "")},"
            + $"{(e.Refund is { } r ? Csv.Field(r.Value) : "")},{e.Amount.FormatAmount()},{T(e.At)},{(e.AvailableAt is { } a ? T(a) : "")},{Csv.Field(Reason(e))}\n";
    }

    /// <summary>The reason column: a commission's explanation without what the other columns say (earner, amount, order, holding); any other entry's whole explanation.</summary>
    private static string Reason(LedgerEntry e)
    {
        if (e.Kind != LedgerEntryKind.Commission)
        {
            return e.Explanation;
        }

        var prefix = $"{e.Earner.Value} earns {e.Amount} on {e.Order!.Value.Value}: ";
        var suffix = $"; pending until {e.AvailableAt}";
        Assert.StartsWith(prefix, e.Explanation, StringComparison.Ordinal);
        Assert.EndsWith(suffix, e.Explanation, StringComparison.Ordinal);
        return e.Explanation[prefix.Length..^suffix.Length];
    }

    [Property(MaxTest = 150)]
    public Property EveryLine_EqualsTheEntrysNaiveLine() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(0, ZoneIds.Length - 1)),
            Arb.From(Gen.Choose(0, int.MaxValue)),
            Arb.From(ArbMap.Default.GeneratorFor<bool>()),
            (z, seed, excel) =>
            {
                var zone = DateTimeZoneProviders.Tzdb[ZoneIds[z]];
                var random = new Random(seed);
                var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), zone);
                // Orders over four years around DST changes (and the odd pre-1970 one), each paying two earners; refunds and payouts between.
                var lines = new List<OrderCommission>();
                for (var i = 0; i < 40; i++)
                {
                    var at = Instant.FromUtc(2024, 1, 1, 0, 0) + Duration.FromSeconds(random.NextInt64(-40L * 365 * 86400, 4L * 365 * 86400)) + Duration.FromTicks(random.Next(10_000_000));
                    var amount = Money.OfMinor(random.Next(1, 100_000), Currency.CNY);
                    var id = OrderId.From($"{Ids[random.Next(Ids.Length)]}-{i}");
                    var l1 = new CommissionLine(id, MemberId.From(Ids[random.Next(Ids.Length)]), CommissionRuleKind.Level, 1, 1, Rate.FromPercent(10), Money.OfMinor(amount.MinorUnits / 10, Currency.CNY), Money.Zero(Currency.CNY), []);
                    var l2 = new CommissionLine(id, MemberId.From(Ids[random.Next(Ids.Length)]), CommissionRuleKind.Differential, 2, 3, null, Money.OfMinor(amount.MinorUnits / 20, Currency.CNY), Money.OfMinor(7, Currency.CNY), []);
                    lines.Add(new OrderCommission(id, MemberId.From("buyer"), ProductId.From("p"), amount, at, [l1, l2], [], amount - l1.Amount - l2.Amount, Money.Zero(Currency.CNY)));
                }

                Assert.True(ledger.Record(lines).Accepted);
                foreach (var o in lines.Take(15))
                {
                    ledger.RecordPayout(o.Lines[0].Earner, o.PaidAt + Duration.FromDays(random.Next(0, 120)));
                    ledger.Refund(RefundId.From($"r-{o.Order}"), o.Order, Money.OfMinor(o.Amount.MinorUnits / 2, Currency.CNY), o.PaidAt + Duration.FromDays(random.Next(0, 120)));
                }

                var before = Csv.Excel;
                Csv.Excel = excel;
                try
                {
                    var writer = new StatementLines(ledger, zone, excel);
                    var problems = new List<string>();
                    for (var i = 0; i < ledger.Entries.Count; i++)
                    {
                        writer.Clear();
                        var fields = writer.Append(i);
                        var expected = Naive(ledger.Entries[i], zone);
                        var actual = writer.Written.ToString();
                        if (actual != expected || fields.Sequence != i + 1)
                        {
                            problems.Add($"{actual} vs {expected}");
                        }
                    }

                    return (problems.Count == 0).Label(string.Join("\n", problems.Take(3)));
                }
                finally
                {
                    Csv.Excel = before;
                }
            });
}
