using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Tests.Generators;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Commissions;

public class PayoutLedgerTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    // The seed store promises a 2-month no-questions refund: commissions are held for 2 months.
    private static PayoutLedger NewLedger() => new(Currency.CNY, Period.FromMonths(2), Shanghai);

    private static readonly Instant Paid = Instant.FromUtc(2026, 3, 31, 16, 30); // 2026-04-01 00:30 in Shanghai

    private static CommissionRun TwoLevelRun()
    {
        var tree = CommunityModel.Referrals.ReferralTree.Build(
        [
            new(MemberId.From("A"), null, Paid - Duration.FromDays(30)),
            new(MemberId.From("B"), MemberId.From("A"), Paid - Duration.FromDays(20)),
            new(MemberId.From("C"), MemberId.From("B"), Paid - Duration.FromDays(10)),
        ]);
        return new CommissionEngine(CommissionScenarioTests.TwoLevelFenXiao()).Run(MemberStatuses.Uniform(tree),
            [new Order(OrderId.From("o1"), MemberId.From("C"), ProductId.From("box"), Money.Parse("CNY 399.00"), Paid)]);
    }

    [Fact]
    public void HoldingPeriod_IsTwoCalendarMonthsInTheStoreZone()
    {
        var ledger = NewLedger();
        Assert.Equal(Instant.FromUtc(2026, 5, 31, 16, 30), ledger.AvailableAt(Paid)); // 2026-06-01 00:30 Shanghai
        ledger.Record(TwoLevelRun());
        var justBefore = ledger.BalanceOf(MemberId.From("B"), Instant.FromUtc(2026, 5, 31, 16, 30) - Duration.Epsilon);
        Assert.Equal(Money.Parse("CNY 39.90"), justBefore.Pending);
        var atEnd = ledger.BalanceOf(MemberId.From("B"), Instant.FromUtc(2026, 5, 31, 16, 30));
        Assert.Equal((Money.Parse("CNY 0.00"), Money.Parse("CNY 39.90")), (atEnd.Pending, atEnd.Available));
    }

    [Fact]
    public void RefundInsideTheHoldingPeriod_CancelsThePendingLinesExactly()
    {
        var ledger = NewLedger();
        ledger.Record(TwoLevelRun());
        var refund = ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("CNY 399.00"), Paid + Duration.FromDays(20));
        Assert.True(refund.Accepted);
        Assert.All(refund.Entries, e => Assert.Equal(LedgerEntryKind.Cancellation, e.Kind));
        Assert.Equal([-3990L, -1995L], refund.Entries.Select(e => e.Amount.MinorUnits));
        foreach (var earner in new MemberId[] { MemberId.From("A"), MemberId.From("B"), MemberId.From("C") })
        {
            Assert.Equal(Money.Zero(Currency.CNY), ledger.BalanceOf(earner, Paid + Duration.FromDays(100)).Net);
        }
    }

    [Fact]
    public void RefundAfterPayout_ClawsBackAndNetsAgainstTheNextPayout()
    {
        var ledger = NewLedger();
        ledger.Record(TwoLevelRun());
        var payoutAt = Paid + Duration.FromDays(70);
        var paid = ledger.RecordPayout(MemberId.From("B"), payoutAt);
        Assert.True(paid.Accepted);
        Assert.Equal(Money.Parse("CNY 39.90"), paid.Entries[0].Amount);

        // Partial refund of CNY 100.00 of 399.00: B's line 3,990 fen -> floor(3990*100/399) = 1,000 fen clawed back.
        var refund = ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("CNY 100.00"), payoutAt + Duration.FromDays(1));
        var clawback = Assert.Single(refund.Entries, e => e.Earner == MemberId.From("B"));
        Assert.Equal((LedgerEntryKind.Clawback, -1000L), (clawback.Kind, clawback.Amount.MinorUnits));
        var balance = ledger.BalanceOf(MemberId.From("B"), payoutAt + Duration.FromDays(1));
        Assert.Equal((Money.Parse("CNY -10.00"), Money.Parse("CNY 39.90"), Money.Parse("CNY 29.90")), (balance.Available, balance.Paid, balance.Net));
        var nothing = ledger.RecordPayout(MemberId.From("B"), payoutAt + Duration.FromDays(2));
        Assert.False(nothing.Accepted);
        Assert.Equal("ledger.payout.nothing-available", nothing.Code);

        // A's line (1,995 fen) was never paid: it is cancelled in proportion, floor(1995*100/399) = 500 fen.
        Assert.Equal(-500L, Assert.Single(refund.Entries, e => e.Earner == MemberId.From("A")).Amount.MinorUnits);
        Assert.Contains(ledger.HistoryOf(MemberId.From("B")), e => e.Kind == LedgerEntryKind.Clawback && e.Explanation.Contains("claws back CNY 10.00", StringComparison.Ordinal));
    }

    [Fact]
    public void SameOrderOrRefundTwice_IsRejectedAndChangesNothing()
    {
        var ledger = NewLedger();
        var run = TwoLevelRun();
        Assert.True(ledger.Record(run).Accepted);
        var count = ledger.Entries.Count;
        var again = ledger.Record(run);
        Assert.False(again.Accepted);
        Assert.Equal("ledger.order.duplicate", again.Code);
        Assert.Equal(count, ledger.Entries.Count);

        Assert.True(ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("CNY 1.00"), Paid).Accepted);
        count = ledger.Entries.Count;
        var twice = ledger.Refund(RefundId.From("r1"), OrderId.From("o1"), Money.Parse("CNY 1.00"), Paid);
        Assert.Equal(("ledger.refund.duplicate", count), (twice.Code, ledger.Entries.Count));
        var tooMuch = ledger.Refund(RefundId.From("r2"), OrderId.From("o1"), Money.Parse("CNY 398.01"), Paid);
        Assert.Equal(("ledger.refund.exceeds-remaining", count), (tooMuch.Code, ledger.Entries.Count));
        Assert.Equal("ledger.refund.unknown-order", ledger.Refund(RefundId.From("r3"), OrderId.From("nope"), Money.Parse("CNY 1.00"), Paid).Code);
        Assert.Equal("ledger.refund.not-positive", ledger.Refund(RefundId.From("r4"), OrderId.From("o1"), Money.Parse("CNY 0.00"), Paid).Code);
        Assert.True(ledger.Refund(RefundId.From("r2"), OrderId.From("o1"), Money.Parse("CNY 398.00"), Paid).Accepted);
    }

    [Property(MaxTest = 150)]
    public Property RefundingEveryOrder_InAnyParts_ReturnsEveryBalanceToZero() =>
        Prop.ForAll(
            Arb.From(from c in TreeGens.Community(40, 5)
                     from p in TreeGens.Plan(5)
                     from cuts in Gen.Choose(1, 4)
                     from payFirst in Gen.Elements(false, true)
                     select (c, p, cuts, payFirst)),
            t =>
            {
                var (c, definition, parts, payFirst) = t;
                var tree = c.Tree();
                var run = new CommissionEngine(CommissionPlan.Create(definition)).Run(c.Statuses(tree), c.OrderList());
                var ledger = NewLedger();
                ledger.Record(run);
                var later = Paid + Duration.FromDays(400);
                if (payFirst)
                {
                    foreach (var earner in ledger.Earners)
                    {
                        ledger.RecordPayout(earner, later);
                    }
                }

                var proportional = true;
                var k = 0;
                foreach (var o in run.Orders.Where(o => o.Amount.MinorUnits > 0))
                {
                    var pieces = Money.OfMinor(o.Amount.MinorUnits, Currency.CNY).Split(Math.Min(parts, (int)Math.Min(o.Amount.MinorUnits, 4)));
                    long refunded = 0;
                    foreach (var piece in pieces.Where(p => p.MinorUnits > 0))
                    {
                        refunded += piece.MinorUnits;
                        var result = ledger.Refund(RefundId.From("r" + k++), o.Order, piece, later + Duration.FromDays(1));
                        proportional &= result.Accepted;

                        // Cumulative reversal of each line is floor(line * refunded / amount), exactly.
                        foreach (var line in o.Lines.Where(l => !l.Amount.IsZero))
                        {
                            var reversed = -ledger.Entries.Where(e => e.Order == o.Order && e.Earner == line.Earner && e.Kind is LedgerEntryKind.Cancellation or LedgerEntryKind.Clawback).Sum(e => e.Amount.MinorUnits);
                            var sameEarnerLines = o.Lines.Where(l => l.Earner == line.Earner && !l.Amount.IsZero).Sum(l => (long)((Int128)l.Amount.MinorUnits * refunded / o.Amount.MinorUnits));
                            proportional &= reversed == sameEarnerLines;
                        }
                    }
                }

                var zero = ledger.Earners.All(e => ledger.BalanceOf(e, later + Duration.FromDays(2)).Net.IsZero);

                // A zero-amount order pays nothing (the implicit 100% cap), so every order was fully refundable.
                return (proportional && zero).Label($"proportional={proportional} zero={zero}");
            });
}
