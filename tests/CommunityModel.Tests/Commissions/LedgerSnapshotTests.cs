using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

/// <summary>A ledger's snapshot: read back whole, and every damaged form refused with the snapshot's code, never another failure.</summary>
public class LedgerSnapshotTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 2, 0);

    private static (PayoutLedger Ledger, byte[] Snapshot) Small()
    {
        var tree = ReferralTree.Build(new (string Id, string? Sponsor)[] { ("a", null), ("b", "a"), ("c", "b"), ("d", "c") }
            .Select(m => new JoinRecord(MemberId.From(m.Id), m.Sponsor is null ? null : MemberId.From(m.Sponsor), T0 - Duration.FromDays(1))));
        var plan = CommissionPlan.Create(new CommissionPlanDefinition { Name = "10/5", Currency = Currency.CNY, Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] } });
        var batch = OrderBatch.Create(tree, Currency.CNY, Enumerable.Range(0, 6).Select(i => new Order(OrderId.From($"o{i}"), MemberId.From(i % 2 == 0 ? "d" : "c"), ProductId.From("box"), Money.OfMinor(10_000 + i, Currency.CNY), T0 + Duration.FromDays(i * 20))));
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), DateTimeZoneProviders.Tzdb["Asia/Shanghai"]);
        Assert.True(ledger.Record(new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), batch)).Accepted);
        Assert.True(ledger.RecordPayout(MemberId.From("b"), T0 + Duration.FromDays(90)).Accepted);
        Assert.True(ledger.Refund(RefundId.From("r1"), OrderId.From("o0"), Money.OfMinor(5_000, Currency.CNY), T0 + Duration.FromDays(95)).Accepted);
        Assert.True(ledger.Refund(RefundId.From("r2"), OrderId.From("o5"), Money.OfMinor(10_005, Currency.CNY), T0 + Duration.FromDays(101)).Accepted);
        using var stream = new MemoryStream();
        ledger.WriteSnapshot(stream);
        return (ledger, stream.ToArray());
    }

    [Fact]
    public void TheSeedsStore_ReadsBackWithItsEntriesBalancesAndRefusals()
    {
        var (ledger, bytes) = Small();
        // The reader shares the caller's ids where they are equal (and keeps its own where the caller gives another).
        var held = new Dictionary<string, string>(StringComparer.Ordinal) { ["b"] = new string("b".AsSpan()), ["o3"] = new string("o3".AsSpan()) };
        var copy = PayoutLedger.ReadSnapshot(new MemoryStream(bytes), DateTimeZoneProviders.Tzdb,
            m => held.TryGetValue(m.ToString(), out var s) ? MemberId.From(s) : MemberId.From("someone else"),
            o => held.TryGetValue(o.ToString(), out var s) ? OrderId.From(s) : null);
        Assert.Same(held["b"], copy.Entries.First(e => e.Earner.Value == "b").Earner.Value);
        Assert.Same(held["o3"], copy.Entries.First(e => e.Order?.Value == "o3").Order!.Value.Value);
        Assert.Equal(["a", "b", "c"], copy.Earners.Select(e => e.Value));
        Assert.Equal(ledger.Entries, copy.Entries);
        Assert.Equal(ledger.Balances(T0 + Duration.FromDays(200)), copy.Balances(T0 + Duration.FromDays(200)));
        Assert.Equal((ledger.Currency, ledger.HoldingPeriod, ledger.Zone), (copy.Currency, copy.HoldingPeriod, copy.Zone));
        // The clawback from b's paid commission on o0 is netted against b's next payout in both.
        var next = T0 + Duration.FromDays(200);
        // (b: 5% of o0 paid at day 90, half of o0 refunded after: 2.50 back; 20.00 earned on o2, o3 and o4 since.)
        var paid = copy.RecordPayout(MemberId.From("b"), next);
        Assert.Equal("Paid CNY 17.50 to b: CNY 20.00 available less CNY 2.50 clawed back", paid.Message);
        Assert.Equal(ledger.RecordPayout(MemberId.From("b"), next).Entries, paid.Entries);
        Assert.Equal("ledger.refund.duplicate", copy.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.OfMinor(1, Currency.CNY), next).Code);
        Assert.Equal("ledger.refund.exceeds-remaining", copy.Refund(RefundId.From("r3"), OrderId.From("o5"), Money.OfMinor(1, Currency.CNY), next).Code);
    }

    [Fact]
    public void EveryCutAndEveryFlippedByte_IsRefusedWithTheSnapshotsCode_OrReadsAValidLedger()
    {
        var (_, bytes) = Small();
        var refused = EveryDamageIsRefusedOrReadsWhole(bytes, T0 + Duration.FromDays(400));
        Assert.True(refused > bytes.Length, $"{refused} of {bytes.Length * 3} damaged snapshots refused");
    }

    /// <summary>
    /// Every cut of a snapshot is refused with the snapshot's code; every byte flipped (three ways) is refused with it
    /// (or a bad currency or id) or reads a ledger that still answers its entries, balances and statements.
    /// </summary>
    /// <returns>How many flipped snapshots were refused.</returns>
    internal static int EveryDamageIsRefusedOrReadsWhole(byte[] bytes, Instant asOf)
    {
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var e = Assert.Throws<InvalidInputException>(() => PayoutLedger.ReadSnapshot(new MemoryStream(bytes[..cut]), DateTimeZoneProviders.Tzdb, null, null));
            Assert.Equal("ledger.snapshot.invalid", Assert.Single(e.Problems).Code);
        }

        var refused = 0;
        for (var at = 0; at < bytes.Length; at++)
        {
            foreach (var flip in new byte[] { 0x01, 0x80, 0xFF })
            {
                var damaged = (byte[])bytes.Clone();
                damaged[at] ^= flip;
                try
                {
                    var read = PayoutLedger.ReadSnapshot(new MemoryStream(damaged), DateTimeZoneProviders.Tzdb, null, null);
                    // A flip the format cannot see (an amount, an instant) gives a ledger that still answers everything.
                    _ = read.Entries.ToList();
                    _ = read.Balances(asOf);
                    _ = read.Statements(0, asOf);
                }
                catch (InvalidInputException e)
                {
                    refused++;
                    Assert.Contains(e.Problems, p => p.Code is "ledger.snapshot.invalid" or "currency.unknown" || p.Code.StartsWith("id.", StringComparison.Ordinal));
                }
            }
        }

        return refused;
    }
}
