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

    /// <summary>Uplines passed over by compression: inactive, or of a rank with no rate.</summary>
    Compressed = 2,

    /// <summary>A downline of the same or a higher rate already took this rate (级差 is zero).</summary>
    RateAlreadyPaidBelow = 3,

    /// <summary>The upline is a peer of the highest rank below, but the peer bonus was already paid to as many peers as allowed.</summary>
    PeerBonusExhausted = 4,

    /// <summary>The product pays no commission.</summary>
    NonCommissionableProduct = 5,

    /// <summary>The rule entitles nothing on this order at the upline's rank (for example a zero amount).</summary>
    NothingToPay = 6,
}

/// <summary>An upline (or a run of them) that earned nothing from a rule, and why.</summary>
/// <param name="Rule">The rule.</param>
/// <param name="Member">The upline (the nearest one of the run when <paramref name="Count"/> is above 1).</param>
/// <param name="Distance">Hops from the buyer (1 = sponsor).</param>
/// <param name="Reason">Why.</param>
/// <param name="Count">How many consecutive uplines this entry stands for.</param>
/// <param name="Detail">A sentence with the values involved.</param>
public sealed record SkippedUpline(CommissionRuleKind Rule, MemberId Member, int Distance, SkipReason Reason, int Count, string Detail);

/// <summary>One commission paid to one earner on one order.</summary>
/// <param name="Order">The order.</param>
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
    public override string ToString()
    {
        var rate = Rate is { } r ? r.ToString() : "a fixed amount";
        var cut = CapCut.IsZero ? string.Empty : $" (cap cut {CapCut})";
        var rule = Rule switch
        {
            CommissionRuleKind.Level => $"level {Level}",
            CommissionRuleKind.Differential => "differential",
            CommissionRuleKind.PeerBonus => "peer bonus",
            _ => "self-purchase rebate",
        };
        return $"{Earner} earns {Amount} on {Order}: {rule} at {rate}, {Distance} hop(s) above the buyer{cut}";
    }
}

/// <summary>The outcome of one order: its lines, what the company keeps, and the full trace.</summary>
/// <param name="Order">The order.</param>
/// <param name="Buyer">The buyer.</param>
/// <param name="Product">The product.</param>
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

/// <summary>Totals of a commission run: per earner, paid, and what the company keeps.</summary>
public sealed class CommissionTotals
{
    private readonly long[] _byIndex;

    internal CommissionTotals(ReferralTree tree, Currency currency, long[] byIndex, long sales, long paid, int orders)
    {
        Tree = tree;
        Currency = currency;
        _byIndex = byIndex;
        TotalSales = new Money(sales, currency);
        TotalPaid = new Money(paid, currency);
        CompanyShare = new Money(checked(sales - paid), currency);
        OrderCount = orders;
    }

    /// <summary>The tree the run used.</summary>
    public ReferralTree Tree { get; }

    /// <summary>The currency.</summary>
    public Currency Currency { get; }

    /// <summary>How many orders were computed.</summary>
    public int OrderCount { get; }

    /// <summary>The sum of the order amounts.</summary>
    public Money TotalSales { get; }

    /// <summary>The sum of all lines.</summary>
    public Money TotalPaid { get; }

    /// <summary>What the company keeps: sales minus paid, exactly.</summary>
    public Money CompanyShare { get; }

    /// <summary>What one member earned.</summary>
    /// <param name="member">The member.</param>
    /// <returns>The earnings (zero when none).</returns>
    public Money EarningsOf(MemberId member) => new(_byIndex[Tree.IndexOf(member)], Currency);

    /// <summary>Earnings by dense index (a copy).</summary>
    /// <returns>One amount in minor units per member.</returns>
    public long[] ToArray() => (long[])_byIndex.Clone();

    /// <summary>Every member who earned something, sorted by member id (ordinal).</summary>
    /// <returns>Earner and amount.</returns>
    public IReadOnlyList<KeyValuePair<MemberId, Money>> ByEarner()
    {
        var result = new List<KeyValuePair<MemberId, Money>>();
        for (var i = 0; i < _byIndex.Length; i++)
        {
            if (_byIndex[i] != 0)
            {
                result.Add(new(Tree.MemberAt(i), new Money(_byIndex[i], Currency)));
            }
        }

        result.Sort((a, b) => string.CompareOrdinal(a.Key.Value, b.Key.Value));
        return result;
    }
}

/// <summary>A detailed commission run: every order's lines with their trace, and the totals.</summary>
public sealed class CommissionRun
{
    private readonly Dictionary<OrderId, OrderCommission> _byOrder;

    internal CommissionRun(CommissionPlan plan, CommissionTotals totals, IReadOnlyList<OrderCommission> orders)
    {
        Plan = plan;
        Totals = totals;
        Orders = orders;
        _byOrder = new Dictionary<OrderId, OrderCommission>(orders.Count);
        foreach (var o in orders)
        {
            _byOrder[o.Order] = o;
        }
    }

    /// <summary>The plan.</summary>
    public CommissionPlan Plan { get; }

    /// <summary>The totals (the same as the totals-only mode gives).</summary>
    public CommissionTotals Totals { get; }

    /// <summary>Every order's outcome, in input order.</summary>
    public IReadOnlyList<OrderCommission> Orders { get; }

    /// <summary>Every line of every order.</summary>
    public IEnumerable<CommissionLine> Lines => Orders.SelectMany(o => o.Lines);

    /// <summary>The outcome of one order.</summary>
    /// <param name="order">The order id.</param>
    /// <returns>The outcome.</returns>
    public OrderCommission this[OrderId order] => _byOrder[order];
}
