using CommunityModel.Primitives;
using CommunityModel.Scoring;
using NodaTime;

namespace CommunityModel.Docs;

/// <summary>The code of docs/scoring.md.</summary>
public static class ScoringGuide
{
    public static (IReadOnlyList<KeyCustomerScore> Top, BgNbdFit Fit) KeyCustomers()
    {
        #region scoring-key-customers
        var day = new LocalDate(2026, 3, 31);
        Purchase[] purchases =
        [
            new(MemberId.From("mum-li"), new LocalDate(2026, 1, 5), Money.Parse("CNY 129.00")),
            new(MemberId.From("mum-li"), new LocalDate(2026, 2, 6), Money.Parse("CNY 129.00")),
            new(MemberId.From("mum-li"), new LocalDate(2026, 3, 7), Money.Parse("CNY 129.00")),
            new(MemberId.From("mum-zhao"), new LocalDate(2026, 1, 20), Money.Parse("CNY 39.90")),
            new(MemberId.From("dad-sun"), new LocalDate(2026, 3, 28), Money.Parse("CNY 399.00")),
        ];
        Interaction[] interactions =
        [
            new(MemberId.From("mum-li"), new LocalDate(2026, 2, 1), InteractionKind.SharedPost),
            new(MemberId.From("mum-li"), new LocalDate(2026, 2, 2), InteractionKind.RepliedInGroup),
            new(MemberId.From("mum-li"), new LocalDate(2026, 2, 9), InteractionKind.ReferredBuyer, Subject: "dad-sun"),
            new(MemberId.From("mum-zhao"), new LocalDate(2026, 2, 3), InteractionKind.PromisedReferral),
        ];
        var facts = CustomerFacts.Build(purchases, interactions, day, Currency.CNY);
        var board = new KeyCustomerScorer().Score(facts);
        var top = board.Top(2);
        // mum-li first: three repeat purchases, shares and replies, a referred buyer. Each score has its
        // breakdown (repurchase, influence, spreading, RFM) and reasons in words.
        #endregion

        #region scoring-bgnbd
        // Will they buy again? Fit BG/NBD on (frequency, recency, age) summaries, in weeks here.
        RepeatSummary[] summaries =
        [
            new(MemberId.From("a"), 0, 0, 30), new(MemberId.From("b"), 1, 10, 30), new(MemberId.From("c"), 4, 28, 30), new(MemberId.From("d"), 2, 5, 30),
            new(MemberId.From("e"), 0, 0, 20), new(MemberId.From("f"), 6, 19, 20), new(MemberId.From("g"), 1, 2, 20), new(MemberId.From("h"), 3, 12, 20),
        ];
        var fit = BgNbd.Fit(summaries);
        var alive = BgNbd.ProbabilityAlive(fit.Parameters, x: 4, tx: 28, t: 30); // 4 repeats, the last in week 28 of 30
        #endregion

        _ = alive;
        return (top, fit);
    }
}
