using System.Globalization;
using System.Text;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Commissions;

/// <summary>Why an upline on the chain earned nothing from a rule.</summary>
public enum SkipReason
{
    /// <summary>The upline is not active and the rule requires it.</summary>
    Inactive = 0,

    /// <summary>The upline's rank is below the rule's minimum rank.</summary>
    RankBelowMinimum = 1,

    /// <summary>
    /// Uplines passed over by compression: for the level rule, inactive or below the rule's minimum rank (a rank
    /// whose per-rank rates are 0% is not passed over: it takes its level and is paid 0.00); for the differential
    /// rule, inactive or of a rank with no differential rate.
    /// </summary>
    Compressed = 2,

    /// <summary>A downline of the same or a higher rate already took this rate (级差 is zero).</summary>
    RateAlreadyPaidBelow = 3,

    /// <summary>The upline is a peer of the highest rank below, but the peer bonus was already paid to as many peers as allowed.</summary>
    PeerBonusExhausted = 4,

    /// <summary>The product pays no commission.</summary>
    NonCommissionableProduct = 5,

    /// <summary>
    /// The differential rule entitles the upline's rank to nothing on this order and nobody below was paid yet. A
    /// line whose amount rounds to zero is not a skip: it is written as a line of 0.00.
    /// </summary>
    NothingToPay = 6,
}

/// <summary>An upline (or a run of them) that earned nothing from a rule, and why.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Rule">The plan rule that paid or passed over (level, differential, peer bonus, rebate).</param>
/// <param name="Member">The upline (the nearest one of the run when <paramref name="Count"/> is above 1).</param>
/// <param name="Distance">Hops from the buyer (1 = sponsor).</param>
/// <param name="Reason">Why.</param>
/// <param name="Count">How many consecutive uplines this entry stands for.</param>
/// <param name="Detail">A sentence with the values involved.</param>
public sealed record SkippedUpline(CommissionRuleKind Rule, MemberId Member, int Distance, SkipReason Reason, int Count, string Detail);

/// <summary>One commission paid to one earner on one order.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Order">The order the lines were paid on.</param>
/// <param name="Earner">Who earns.</param>
/// <param name="Rule">Which rule paid.</param>
/// <param name="Level">The level whose rate applied (level rule, after compression), or the distance for other rules; 0 for the buyer's rebate.</param>
/// <param name="Distance">Hops from the buyer to the earner (0 = the buyer).</param>
/// <param name="Rate">The rate applied, or null for a fixed amount.</param>
/// <param name="Amount">The amount earned, after any cap cut.</param>
/// <param name="CapCut">How much the per-order cap took from this line.</param>
/// <param name="Skipped">The uplines this rule passed over on the way to this earner, and why.</param>
public sealed record CommissionLine(OrderId Order, MemberId Earner, CommissionRuleKind Rule, int Level, int Distance, Rate? Rate, Money Amount, Money CapCut, IReadOnlyList<SkippedUpline> Skipped)
{
    /// <summary>A one-line explanation.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Render(Earner, Amount, Order, Rule, Level, Rate, Distance, CapCut);

    /// <summary>The one-line explanation of a line from its parts (what <see cref="ToString"/> returns).</summary>
    internal static string Render(MemberId earner, Money amount, OrderId order, CommissionRuleKind rule, int level, Rate? rate, int distance, Money capCut)
    {
        Span<char> buffer = stackalloc char[256];
        if (TryFormat(buffer, out var written, earner, amount, order, rule, level, rate, distance, capCut))
        {
            return new string(buffer[..written]);
        }

        for (var size = 1024; ; size *= 2)
        {
            var heap = new char[size];
            if (TryFormat(heap, out written, earner, amount, order, rule, level, rate, distance, capCut))
            {
                return new string(heap, 0, written);
            }
        }
    }

    /// <summary>Writes the one-line explanation of a line into a span; false when it is too short.</summary>
    internal static bool TryFormat(Span<char> destination, out int charsWritten, MemberId earner, Money amount, OrderId order, CommissionRuleKind rule, int level, Rate? rate, int distance, Money capCut)
        => TryFormat(destination, out charsWritten, earner, amount, order, RuleText(rule, level, rate, distance), capCut);

    /// <summary>
    /// Writes the one-line explanation of a line into a span from the text of its rule (<see cref="RuleText"/>, which
    /// many lines share); false when it is too short.
    /// </summary>
    internal static bool TryFormat(Span<char> destination, out int charsWritten, MemberId earner, Money amount, OrderId order, string ruleText, Money capCut)
    {
        var text = new SpanText(destination);
        text.Append(earner.Value);
        text.Append(" earns ");
        text.Append(amount);
        text.Append(" on ");
        text.Append(order.Value);
        text.Append(": ");
        text.Append(ruleText);
        if (!capCut.IsZero)
        {
            text.Append(" (cap cut ");
            text.Append(capCut);
            text.Append(')');
        }

        return text.Done(out charsWritten);
    }

    /// <summary>What a line's rule says of it: <c>level 1 at 10%, 1 hop(s) above the buyer</c>.</summary>
    internal static string RuleText(CommissionRuleKind rule, int level, Rate? rate, int distance)
    {
        var name = rule switch
        {
            CommissionRuleKind.Level => string.Create(CultureInfo.InvariantCulture, $"level {level}"),
            CommissionRuleKind.Differential => "differential",
            CommissionRuleKind.PeerBonus => "peer bonus",
            _ => "self-purchase rebate",
        };
        var at = rate is { } r ? r.ToString() : "a fixed amount";
        return string.Create(CultureInfo.InvariantCulture, $"{name} at {at}, {distance} hop(s) above the buyer");
    }
}

/// <summary>The outcome of one order: its lines, what the company keeps, and the full trace.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Order">The order the lines were paid on.</param>
/// <param name="Buyer">The member who bought.</param>
/// <param name="Product">The product bought (its product rule applied).</param>
/// <param name="Amount">The order amount.</param>
/// <param name="PaidAt">When it was paid (the sponsor links as of this instant were used).</param>
/// <param name="Lines">The lines, in rule then distance order.</param>
/// <param name="Skipped">Every upline passed over, by rule, and why.</param>
/// <param name="CompanyShare">What the company keeps: amount minus the lines, exactly.</param>
/// <param name="CapCut">How much the cap took in total.</param>
public sealed record OrderCommission(OrderId Order, MemberId Buyer, ProductId Product, Money Amount, Instant PaidAt, IReadOnlyList<CommissionLine> Lines, IReadOnlyList<SkippedUpline> Skipped, Money CompanyShare, Money CapCut)
{
    /// <summary>What the lines pay in total.</summary>
    public Money Paid => Amount - CompanyShare;

    /// <summary>A readable explanation: every line and every skipped upline.</summary>
    /// <returns>The text.</returns>
    public string Explain()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Order {Order}: {Buyer} bought {Product} for {Amount}; paid {Paid}, company keeps {CompanyShare}");
        if (!CapCut.IsZero)
        {
            sb.Append(CultureInfo.InvariantCulture, $" (cap cut {CapCut})");
        }

        sb.AppendLine();
        foreach (var line in Lines)
        {
            foreach (var s in line.Skipped)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  skipped: {s.Detail}");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        }

        var shown = Lines.SelectMany(l => l.Skipped).ToHashSet();
        foreach (var s in Skipped.Where(s => !shown.Contains(s)))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  skipped: {s.Detail}");
        }

        return sb.ToString();
    }
}

/// <summary>A run's lines as columns, with the trace's skips when it was asked for.</summary>
internal sealed class RunLines
{
    public RunLines(int orders, bool trace)
    {
        Starts = new int[orders + 1];
        if (trace)
        {
            SkipStarts = new int[orders + 1];
            SkipEnds = new ChunkedColumn<int>();
            Skips = new ChunkedColumn<SkipFact>();
        }
    }

    /// <summary>Per order, its first line; the last element is the line count.</summary>
    public int[] Starts { get; }

    public ChunkedColumn<int> Earner { get; } = new();

    public ChunkedColumn<long> Amount { get; } = new();

    public ChunkedColumn<byte> Rule { get; } = new();

    public ChunkedColumn<int> Level { get; } = new();

    public ChunkedColumn<int> Distance { get; } = new();

    /// <summary>The rate in parts per million, or -1 for a fixed amount.</summary>
    public ChunkedColumn<long> Ppm { get; } = new();

    /// <summary>The lines a cap cut, and by how much.</summary>
    public Dictionary<int, long> CapCut { get; } = [];

    /// <summary>Per order, its first skip; the last element is the skip count (trace only).</summary>
    public int[]? SkipStarts { get; }

    /// <summary>Per line, the end of the skips passed over before it (trace only).</summary>
    public ChunkedColumn<int>? SkipEnds { get; }

    public ChunkedColumn<SkipFact>? Skips { get; }
}

/// <summary>
/// One entry of a trace, as numbers: the text is made when read. Consecutive uplines passed over for one
/// reason are one fact with a count.
/// </summary>
/// <param name="Rule">The plan rule that paid or passed over (level, differential, peer bonus, rebate).</param>
/// <param name="Reason">Why.</param>
/// <param name="Cut">True for the cut above the top rate (everyone above earns nothing).</param>
/// <param name="Member">The nearest upline of the run (dense index).</param>
/// <param name="Distance">Hops from the buyer (the level for the level rule without compression).</param>
/// <param name="Count">How many consecutive uplines.</param>
/// <param name="Below">For the differential rule, the member below who took the rate (-1 when none).</param>
internal readonly record struct SkipFact(CommissionRuleKind Rule, SkipReason Reason, bool Cut, int Member, int Distance, int Count, int Below)
{
    /// <summary>Whether <paramref name="next"/> continues this run of skips (same rule, reason and member below, the next upline).</summary>
    public bool Continues(SkipFact next)
        => !Cut && !next.Cut && next.Rule == Rule && next.Reason == Reason && next.Below == Below && Reason != SkipReason.Compressed
           && Reason != SkipReason.NonCommissionableProduct && next.Distance == Distance + Count;

    /// <summary>The record, with its sentence.</summary>
    public SkippedUpline Describe(CommissionRun run, int row)
    {
        var tree = run.Statuses.Tree;
        var who = tree.MemberAt(Member);
        var rank = run.Statuses.Ranks[Member];
        var plan = run.Plan;
        var below = Below >= 0 ? tree.MemberAt(Below).ToString() : string.Empty;
        var topRank = Below >= 0 ? run.Statuses.Ranks[Below] : -1;
        var many = Count > 1;
        var text = Reason switch
        {
            SkipReason.NonCommissionableProduct => $"product '{run.Batch.ProductTable[run.Batch.Product[row]]}' pays no commission",
            SkipReason.Compressed => $"{Count} upline(s) from {who} ({Distance} hop(s) up) {(Rule == CommissionRuleKind.Level
                ? "not eligible for the level rule (inactive or below the minimum rank); compressed"
                : "inactive or of a rank with no differential rate; passed over")}",
            SkipReason.Inactive when many => $"{Count} upline(s) from {who} at levels {Distance}-{Distance + Count - 1} are inactive; the company keeps their levels' shares",
            SkipReason.Inactive => $"{who} at level {Distance} is inactive; the company keeps the level's share",
            SkipReason.RankBelowMinimum when many => $"{Count} upline(s) from {who} at levels {Distance}-{Distance + Count - 1} are below rank {plan.LevelMinimumRank}; the company keeps their levels' shares",
            SkipReason.RankBelowMinimum => $"{who} at level {Distance} has rank {rank} < {plan.LevelMinimumRank}; the company keeps the level's share",
            SkipReason.NothingToPay when many => $"{Count} upline(s) from {who} ({Distance} hop(s) up) earn nothing: the order's entitlement at their ranks is zero",
            SkipReason.NothingToPay => $"{who} (rank {rank}) earns nothing: the order's entitlement at that rank is zero",
            SkipReason.PeerBonusExhausted when many => $"{Count} upline(s) from {who} ({Distance} hop(s) up) are peers of {below}, but the peer bonus already went to {plan.PeerMaxUplines} peer(s)",
            SkipReason.PeerBonusExhausted => $"{who} (rank {rank}) is a peer of {below}, but the peer bonus already went to {plan.PeerMaxUplines} peer(s)",
            _ when Cut => $"{Count} upline(s) from {who} up earn nothing: {below} below already took the top rate (rank {topRank}){(plan.PeerMaxUplines == 0
                ? " and the plan has no peer bonus"
                : $" and the peer bonus already went to {plan.PeerMaxUplines} peer(s)")}",
            _ when many => $"{Count} upline(s) from {who} ({Distance} hop(s) up) earn nothing: {below} below already took the rate of rank {topRank}",
            _ => $"{who} (rank {rank}) earns nothing: {below} below already took the rate of rank {topRank}{(rank == topRank ? " and the plan has no peer bonus" : string.Empty)}",
        };
        return new SkippedUpline(Rule, who, Distance, Reason, Count, text);
    }
}
