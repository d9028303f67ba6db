using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Compliance;

/// <summary>
/// One compliance rule: it reads a plan (and, where it needs data, a run) and returns a finding. Rules are
/// immutable; a profile is a list of them. Severity and source can be set per profile.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public abstract record ComplianceRule
{
    /// <summary>The rule's stable id.</summary>
    public abstract string Id { get; }

    /// <summary>A short title.</summary>
    public abstract string Title { get; }

    /// <summary>How serious a failure is.</summary>
    public FindingSeverity Severity { get; init; } = FindingSeverity.Error;

    /// <summary>Where the rule comes from.</summary>
    public string Source { get; init; } = "";

    /// <summary>Checks the rule.</summary>
    /// <param name="context">The plan and how it is operated.</param>
    /// <param name="run">A run, for the rules that need data; null to check the plan alone.</param>
    /// <returns>The finding.</returns>
    public abstract ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run);

    /// <summary>A passing finding.</summary>
    /// <param name="measured">What was measured.</param>
    /// <param name="limit">The limit the rule holds the plan to, in words (e.g. <c>at most 3 paid levels</c>).</param>
    /// <param name="message">What it means.</param>
    /// <returns>The finding.</returns>
    protected ComplianceFinding Pass(string measured, string limit, string message) =>
        new(Id, Title, Severity, FindingStatus.Pass, measured, limit, message, "", Source);

    /// <summary>A failing finding.</summary>
    /// <param name="measured">What was measured.</param>
    /// <param name="limit">The limit the rule holds the plan to, in words (e.g. <c>at most 3 paid levels</c>).</param>
    /// <param name="message">What it means.</param>
    /// <param name="fix">What to change.</param>
    /// <returns>The finding.</returns>
    protected ComplianceFinding Fail(string measured, string limit, string message, string fix) =>
        new(Id, Title, Severity, FindingStatus.Fail, measured, limit, message, fix, Source);

    /// <summary>A finding for a rule that lacked its data.</summary>
    /// <param name="limit">The limit the rule holds the plan to, in words (e.g. <c>at most 3 paid levels</c>).</param>
    /// <param name="missing">What was missing.</param>
    /// <returns>The finding.</returns>
    protected ComplianceFinding NotEvaluated(string limit, string missing) =>
        new(Id, Title, Severity, FindingStatus.NotEvaluated, "not known", limit, $"Not evaluated: {missing}.", "", Source);

    /// <summary>A rate as a percentage with up to four decimals.</summary>
    /// <param name="rate">The rate to show.</param>
    /// <returns>The text, e.g. <c>12.5%</c>.</returns>
    protected static string Pct(Rate rate) => rate.Percent.ToString("0.####", CultureInfo.InvariantCulture) + "%";

    /// <summary>A share as a percentage with one decimal.</summary>
    /// <param name="numerator">The part (not negative).</param>
    /// <param name="denominator">The whole (positive).</param>
    /// <returns>The text.</returns>
    protected static string Pct(long numerator, long denominator) =>
        ((decimal)numerator * 100m / denominator).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}

/// <summary>At most <see cref="MaxHops"/> upline hops from the buyer may be paid (<c>depth.max-hops</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MaxHops">The most hops allowed (1: only the direct referrer).</param>
public sealed record MaxPaidDepthRule(int MaxHops) : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "depth.max-hops";

    /// <inheritdoc/>
    public override string Title => $"At most {MaxHops} upline hop(s) paid";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shape = PlanShape.Of(context.Plan, context.UnitPrices);
        var limit = $"{MaxHops} hop(s)";
        if (shape.MaxPaidHops is { } hops && hops <= MaxHops)
        {
            return Pass($"{hops} hop(s) paid", limit, "The plan pays no one farther up than allowed.");
        }

        var why = context.Plan.Definition.Differential is not null
            ? "a differential rule pays up the whole chain until the top rate is reached"
            : context.Plan.Definition.Levels?.Compression == Compression.Dynamic
                ? "dynamic compression passes a level to the next eligible upline, however far up"
                : $"the level rule pays {shape.MaxPaidHops} levels";
        return Fail($"{shape.DescribeHops()} hop(s) paid", limit, $"The plan pays beyond {MaxHops} hop(s): {why}.",
            $"Pay at most {MaxHops} level(s) with compression None and no differential rule.");
    }
}

/// <summary>No commission on sign-up, upgrade or qualification purchases: no pay for head count, 拉人头 (<c>recruitment.no-pay</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record NoPayForRecruitmentRule : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "recruitment.no-pay";

    /// <inheritdoc/>
    public override string Title => "No pay for recruitment (拉人头)";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rules = context.Plan.Definition.Products.ToDictionary(p => p.Product);
        var paying = context.QualificationProducts
            .Where(p => !rules.TryGetValue(p, out var rule) || rule.Commissionable)
            .Select(p => p.Value).Order(StringComparer.Ordinal).ToList();
        var limit = "0 commissionable qualification products";
        if (context.QualificationProducts.Count == 0)
        {
            return Pass("no qualification products declared", limit, "No product is marked as a sign-up, upgrade or qualification purchase; declare them (ComplianceContext.QualificationProducts or a ladder) so this rule can see them.");
        }

        return paying.Count == 0
            ? Pass($"{context.QualificationProducts.Count} qualification product(s), none commissionable", limit, "Sign-ups and upgrades pay nobody.")
            : Fail($"{paying.Count} qualification product(s) pay commission: {string.Join(", ", paying)}", limit,
                "Buying a membership or partner qualification pays the uplines: that is pay for recruiting, not for sales to users.",
                $"Add ProductRule {{ Commissionable = false }} for {string.Join(", ", paying)}.");
    }
}

/// <summary>No entry fee or required purchase to gain the right to earn or recruit, 入门费 (<c>recruitment.no-entry-fee</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record NoEntryFeeRule : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "recruitment.no-entry-fee";

    /// <inheritdoc/>
    public override string Title => "No entry fee for the right to earn (入门费)";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.EarningRequiresPurchase
            ? Fail("a purchase is required to earn or recruit", "no required purchase",
                "Members must buy to gain the right to be paid or to recruit: an entry fee.",
                "Let the right to earn come from sales or service, not from a purchase; or make the qualification free.")
            : Pass("no purchase required to earn", "no required purchase", "The right to earn is not sold.");
    }
}

/// <summary>A warning when uplines are paid from their downline's sales beyond the direct referrer, 团队计酬 (<c>pyramid.team-pay</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record TeamPayRule : ComplianceRule
{
    /// <summary>Creates the rule with severity warning.</summary>
    public TeamPayRule() => Severity = FindingSeverity.Warning;

    /// <inheritdoc/>
    public override string Id => "pyramid.team-pay";

    /// <inheritdoc/>
    public override string Title => "Upline pay from downline sales (团队计酬)";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shape = PlanShape.Of(context.Plan, context.UnitPrices);
        return shape.PaysBeyondDirectReferrer
            ? Fail($"uplines up to {shape.DescribeHops()} hop(s) are paid on a sale", "only the direct referrer",
                "Paying uplines on the sales of people they did not sell to is what the anti-pyramid rules call team pay; regulators read it with the head-count and entry-fee tests.",
                "Pay only the direct referrer, or keep team pay small, capped and tied to real retail sales.")
            : Pass("only the direct referrer (or no one) is paid", "only the direct referrer", "No upline is paid on a downline's sales.");
    }
}

/// <summary>The holding period is at least the refund window, so a refund never pays out first (<c>holding.covers-refund</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
public sealed record HoldingCoversRefundWindowRule : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "holding.covers-refund";

    /// <inheritdoc/>
    public override string Title => "Holding period covers the refund window";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.HoldingPeriod is null || context.RefundWindow is null)
        {
            return NotEvaluated("holding >= refund window", "set ComplianceContext.HoldingPeriod and RefundWindow");
        }

        var measured = $"holding {context.HoldingPeriod}, refund window {context.RefundWindow}";
        return PeriodSpan.Covers(context.HoldingPeriod, context.RefundWindow)
            ? Pass(measured, "holding >= refund window", "A refund inside the window always finds its commissions still pending.")
            : Fail(measured, "holding >= refund window",
                "Commissions can be paid out before the refund window closes, so refunds turn into clawbacks from earners.",
                $"Set the ledger's holding period to at least {context.RefundWindow}.");
    }
}

/// <summary>An order never pays more than 100% of its amount, nor more than the stated margin or a set limit (<c>payout.max-share</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Limit">An extra limit on the share of an order paid out; null for none.</param>
public sealed record MaxPayoutShareRule(Rate? Limit = null) : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "payout.max-share";

    /// <inheritdoc/>
    public override string Title => "Payout per order within 100% and the margin";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shape = PlanShape.Of(context.Plan, context.UnitPrices);
        var limit = Rate.One;
        var limitText = "100%";
        if (context.StatedMargin is { } margin && margin < limit)
        {
            limit = margin;
            limitText = $"the stated margin {Pct(margin)}";
        }

        if (Limit is { } extra && extra < limit)
        {
            limit = extra;
            limitText = Pct(extra);
        }

        if (shape.MaxShareWithFixed is not { } share)
        {
            return Fail($"rates up to {Pct(shape.MaxRateShare)}, plus fixed amounts with no known price and no cap", limitText,
                "Fixed per-unit amounts on a product with no known price are unbounded as a share of the order.",
                "Set a per-order cap, or give the products' unit prices (ComplianceContext.UnitPrices).");
        }

        return share <= limit
            ? Pass($"at most {Pct(share)} of an order", limitText, "No order can pay out more than allowed.")
            : Fail($"up to {Pct(share)} of an order", limitText, "At its highest the plan pays out more of an order than the business can afford.",
                $"Lower the rates or add a per-order cap of {Pct(limit)} (OrderCap).");
    }
}

/// <summary>
/// An earner's total pay is at most a share (30% in China's direct selling rules) of the earner's own direct
/// sales to consumers, and pay is computed from those sales only (<c>earner.own-sales-cap</c>).
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MaxShare">The largest share of own direct sales an earner may be paid.</param>
public sealed record OwnSalesCapRule(Rate MaxShare) : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "earner.own-sales-cap";

    /// <inheritdoc/>
    public override string Title => $"Pay at most {Pct(MaxShare)} of the earner's own direct sales";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        var shape = PlanShape.Of(context.Plan, context.UnitPrices);
        var limit = $"{Pct(MaxShare)} of own direct sales, from own sales only";
        if (shape.PaysBeyondDirectReferrer)
        {
            return Fail($"pay from sales up to {shape.DescribeHops()} hop(s) away", limit,
                "Pay must be computed from the earner's own sales to consumers only; this plan pays on other people's sales.",
                "Pay only the direct seller (one level, no differential rule).");
        }

        if (shape.DirectReferrerMaxRate > MaxShare)
        {
            return Fail($"the direct seller earns up to {Pct(shape.DirectReferrerMaxRate)}", limit,
                "The direct rate alone is above the share of own sales allowed.", $"Lower the level-1 rate to {Pct(MaxShare)} or less.");
        }

        if (run is null)
        {
            return Pass($"the direct seller earns up to {Pct(shape.DirectReferrerMaxRate)} of each sale", limit,
                "By its rates the plan stays within the share; give a run to check each earner's totals.");
        }

        var own = run.OwnDirectSales();
        var paid = run.Run.Totals.ToArray();
        var over = 0;
        var worst = -1;
        long worstPaid = 0, worstOwn = 0;
        for (var i = 0; i < paid.Length; i++)
        {
            if (paid[i] <= 0)
            {
                continue;
            }

            if (MaxShare.ApplyToMinor(own[i], RoundingMode.Floor) < paid[i])
            {
                over++;
                if (worst < 0 || (Int128)paid[i] * Math.Max(1, worstOwn) > (Int128)worstPaid * Math.Max(1, own[i]))
                {
                    worst = i;
                    worstPaid = paid[i];
                    worstOwn = own[i];
                }
            }
        }

        if (over == 0)
        {
            return Pass("every earner within the share of own direct sales", limit, "No earner was paid more than allowed.");
        }

        var c = context.Plan.Currency;
        var who = run.Statuses.Tree.MemberAt(worst);
        return Fail($"{over} earner(s) over the share; worst {who}: paid {Money.OfMinor(worstPaid, c)} on own direct sales of {Money.OfMinor(worstOwn, c)}", limit,
            "Some earners were paid on sales that are not their own direct sales to consumers (their own purchases, or sales to other distributors).",
            "Cap each earner's pay at the share of own direct sales, or exclude purchases by participants from commissions.");
    }
}

/// <summary>Earned pay is paid out at least every <see cref="MaxInterval"/> (<c>payout.interval</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MaxInterval">The longest allowed interval between payouts.</param>
public sealed record PayoutIntervalRule(Period MaxInterval) : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "payout.interval";

    /// <inheritdoc/>
    public override string Title => $"Pay out at least every {MaxInterval}";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.PayoutInterval is null)
        {
            return NotEvaluated($"at most {MaxInterval}", "set ComplianceContext.PayoutInterval");
        }

        return PeriodSpan.Covers(MaxInterval, context.PayoutInterval)
            ? Pass($"paid out every {context.PayoutInterval}", $"at most {MaxInterval}", "Earners are paid often enough.")
            : Fail($"paid out every {context.PayoutInterval}", $"at most {MaxInterval}", "Payouts are less frequent than required.", $"Pay out at least every {MaxInterval}.");
    }
}

/// <summary>Customers can return goods for at least <see cref="MinWindow"/> (<c>refund.window</c>).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MinWindow">The shortest allowed refund window.</param>
public sealed record MinimumRefundWindowRule(Period MinWindow) : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "refund.window";

    /// <inheritdoc/>
    public override string Title => $"Refund window of at least {MinWindow}";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RefundWindow is null)
        {
            return NotEvaluated($"at least {MinWindow}", "set ComplianceContext.RefundWindow");
        }

        return PeriodSpan.Covers(context.RefundWindow, MinWindow)
            ? Pass($"refund window {context.RefundWindow}", $"at least {MinWindow}", "Customers can return goods long enough.")
            : Fail($"refund window {context.RefundWindow}", $"at least {MinWindow}", "The refund window is shorter than required.", $"Promise returns for at least {MinWindow}.");
    }
}

/// <summary>
/// At least <see cref="MinShare"/> of the sales volume is bought by non-participants (real users, not
/// distributors buying to qualify) (<c>retail.share</c>). Needs a run.
/// </summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="MinShare">The smallest share of volume bought by customers below the participant rank.</param>
public sealed record RetailShareRule(Rate MinShare) : ComplianceRule
{
    /// <inheritdoc/>
    public override string Id => "retail.share";

    /// <inheritdoc/>
    public override string Title => $"At least {Pct(MinShare)} of volume sold to non-participants";

    /// <inheritdoc/>
    public override ComplianceFinding Evaluate(ComplianceContext context, RunEvidence? run)
    {
        ArgumentNullException.ThrowIfNull(context);
        var limit = $"at least {Pct(MinShare)}";
        if (run is null)
        {
            return NotEvaluated(limit, "give a run (RunEvidence) to measure who bought the volume");
        }

        long retail = 0, total = 0;
        var tree = run.Statuses.Tree;
        foreach (var order in run.Run.Orders)
        {
            total = checked(total + order.Amount.MinorUnits);
            if (run.Statuses.Ranks[tree.IndexOf(order.Buyer)] < run.ParticipantMinimumRank)
            {
                retail = checked(retail + order.Amount.MinorUnits);
            }
        }

        if (total == 0)
        {
            return NotEvaluated(limit, "the run has no sales");
        }

        var measured = $"{Pct(retail, total)} of {Money.OfMinor(total, context.Plan.Currency)} bought by non-participants";
        return (Int128)retail * Rate.OneInPartsPerMillion >= (Int128)total * MinShare.PartsPerMillion
            ? Pass(measured, limit, "Most of the volume goes to real users.")
            : Fail(measured, limit, "Too much of the volume is bought by the distributors themselves: pay then rewards recruiting buyers-in, not selling.",
                "Exclude participants' own purchases from qualification and commissions, or sell more to customers.");
    }
}
