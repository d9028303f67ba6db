using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Docs;

/// <summary>The code of docs/commissions.md; the tests run it and check its results.</summary>
public static class CommissionsGuide
{
    public static (CommissionRun Run, PayoutLedger Ledger, LedgerResult Refund, CommissionTotals Streamed) TwoLevelRun()
        => TwoLevelRunAndSettlement().Run;

    public static ((CommissionRun Run, PayoutLedger Ledger, LedgerResult Refund, CommissionTotals Streamed) Run, (PayoutLedger Ledger, LedgerResult Settled, LedgerResult Refund) Settlement) TwoLevelRunAndSettlement()
    {
        #region commissions-tree
        var shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        Instant At(int month, int day) => new LocalDateTime(2026, month, day, 10, 0).InZoneStrictly(shanghai).ToInstant();

        // Join records in any order; a bad link (unknown sponsor, cycle, self-sponsorship,
        // a sponsor who joined later) rejects the whole batch with every offender listed.
        var tree = ReferralTree.Build(
        [
            new JoinRecord(MemberId.From("wang"), null, At(1, 5)),
            new JoinRecord(MemberId.From("li"), MemberId.From("wang"), At(1, 20)),
            new JoinRecord(MemberId.From("zhang"), MemberId.From("li"), At(2, 3)),
            new JoinRecord(MemberId.From("chen"), MemberId.From("zhang"), At(2, 14)),
            new JoinRecord(MemberId.From("zhao"), MemberId.From("li"), At(2, 20)),
            new JoinRecord(MemberId.From("sun"), MemberId.From("chen"), At(3, 1)),
        ]);
        // tree.Upline("sun", 2) is [chen, zhang]; tree.DownlineSize("li") is 4.
        #endregion

        #region commissions-run
        // 二级分销: 10% to the referrer, 5% to the referrer's referrer, floored to the fen.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "二级分销 10% / 5%",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)] },
            Products = [new ProductRule { Product = ProductId.From("partner-pack"), Commissionable = false }],
        });
        var statuses = MemberStatuses.Create(tree, ranks: null);
        Order[] orders =
        [
            new(OrderId.From("o-1"), MemberId.From("sun"), ProductId.From("diapers"), Money.Parse("CNY 399.00"), At(3, 2)),
            new(OrderId.From("o-2"), MemberId.From("zhao"), ProductId.From("diaper-trial"), Money.Parse("CNY 39.90"), At(3, 2)),
        ];
        var run = new CommissionEngine(plan).Run(statuses, orders);
        // o-1 pays chen 39.90 and zhang 19.95; o-2 pays li 3.99 and wang 1.99 (1.995 floored);
        // the company keeps the rest of each order, to the fen. run["o-1"].Explain() says why.
        #endregion

        #region commissions-streamed
        // Orders too many to hold at once: add them in batches as they are read (any size, from any threads).
        var builder = new CommissionEngine(plan).CreateTotalsBuilder(statuses);
        foreach (var batch in orders.Chunk(1))
        {
            builder.Add(OrderBatch.Create(tree, Currency.CNY, batch)); // not kept once added
        }

        var totals = builder.Build(); // the totals of RunTotals over every order: chen 39.90, zhang 19.95, ...
        #endregion

        #region commissions-ledger
        // Commissions wait out the 2-month no-questions refund window before they can be paid.
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), shanghai);
        ledger.Record(run);
        var refund = ledger.Refund(RefundId.From("r-1"), OrderId.From("o-1"), Money.Parse("CNY 199.50"), At(3, 20));
        // Half of o-1 comes back: chen's and zhang's lines are cut by half, exactly to the fen.
        var chen = ledger.BalanceOf(MemberId.From("chen"), At(6, 1)); // Available 19.95: the rest was reversed
        #endregion

        #region commissions-settlement
        // The month settled by its totals instead: one entry per earner, pending for two months from the month's end.
        var engine = new CommissionEngine(plan);
        var march = OrderBatch.Create(tree, Currency.CNY, orders);
        var monthEnd = new LocalDate(2026, 4, 1).AtStartOfDayInZone(shanghai).ToInstant();
        var settledLedger = new PayoutLedger(Currency.CNY, Period.FromMonths(2), shanghai);
        var settled = settledLedger.RecordSettlement("2026-03", engine.RunTotals(statuses, march), march, monthEnd);
        // A settled order's first refund brings its lines: the engine computes them again for that order alone,
        // at the statuses the month was settled with; they are kept, and reversed in proportion as recorded lines are.
        var o1 = engine.Run(statuses, [orders[0]])[OrderId.From("o-1")];
        var settledRefund = settledLedger.RefundWithLines(RefundId.From("r-1"), o1, Money.Parse("CNY 199.50"), At(3, 20));
        #endregion

        _ = chen;
        return ((run, ledger, refund, totals), (settledLedger, settled, settledRefund));
    }

    public static (IReadOnlyList<EarnerStatement> March, string FirstExplanation, string FirstReason, PayoutLedger Ledger, PayoutLedger Reopened) StatementsAndSnapshot()
    {
        var (_, ledger, _, _) = TwoLevelRun();
        var shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        Instant At(int month, int day) => new LocalDateTime(2026, month, day, 10, 0).InZoneStrictly(shanghai).ToInstant();
        #region commissions-statements
        // Every earner's month in one pass: opening, commissions, cancellations, clawbacks, payouts, closing, balances.
        var march = ledger.Statements(fromIndex: 0, asOf: At(4, 1));
        // An export of millions of entries reads each one without making an object or a string for it.
        Span<char> text = stackalloc char[256];
        var first = ledger.FieldsOf(0); // chen's commission on o-1: CNY 39.90, pending until 2026-05-02
        ledger.TryFormatExplanation(0, text, out var written); // "chen earns CNY 39.90 on o-1: level 1 at 10%, ..."
        // Or only what the fields do not say, for a file whose other columns give them: "level 1 at 10%, 1 hop(s) above the buyer".
        ledger.TryFormatReason(0, text[written..], out var reasonWritten);
        // A month's close keeps the ledger's state; the next month reads it back instead of replaying every month.
        using var saved = new MemoryStream();
        ledger.WriteSnapshot(saved);
        saved.Position = 0;
        var reopened = PayoutLedger.ReadSnapshot(saved, DateTimeZoneProviders.Tzdb, members: null, orders: null);
        #endregion

        _ = first;
        return (march, new string(text[..written]), new string(text.Slice(written, reasonWritten)), ledger, reopened);
    }
}
