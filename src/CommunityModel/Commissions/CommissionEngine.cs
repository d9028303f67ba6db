using System.Runtime.CompilerServices;
using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

/// <summary>A member's rank is not defined by the plan.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Offenders">Each offending member with its rank (at most 20 listed).</param>
/// <param name="RankCount">The plan's number of ranks.</param>
public sealed record RankMustBeDefinedByPlanRule(IReadOnlyList<(MemberId Member, int Rank)> Offenders, int RankCount) : IBusinessRule
{
    /// <inheritdoc />
    public string Code => "commissions.rank.undefined";

    /// <inheritdoc />
    public string Message => $"The plan defines ranks 0..{RankCount - 1}; these members have others: " + string.Join(", ", Offenders.Select(o => $"{o.Member} (rank {o.Rank})"));
}

/// <summary>
/// Computes commissions: for every order, walks the buyer's upline in the referral tree as of the order's
/// instant and applies the plan's rules. Iterative and array-based; deterministic; an order's outcome does
/// not depend on the other orders or their sequence. Two modes share one computation: <see cref="Run(MemberStatuses, OrderBatch)"/>
/// gives every line with its trace, <see cref="RunTotals(MemberStatuses, OrderBatch)"/> only the totals and allocates nothing per order.
/// </summary>
/// <remarks>Immutable (it holds only its plan): runs may go on from many threads at once; each run owns its scratch space.</remarks>
public sealed partial class CommissionEngine
{
    private const long Million = Rate.OneInPartsPerMillion;

    /// <summary>Creates an engine for a plan.</summary>
    /// <param name="plan">The plan the engine applies; built by <see cref="CommissionPlan.Create"/>, so valid.</param>
    public CommissionEngine(CommissionPlan plan) => Plan = Preconditions.NotNull(plan);

    /// <summary>The plan the engine applies to every run.</summary>
    public CommissionPlan Plan { get; }

    /// <summary>Computes every line and the totals, without the trace (see <see cref="Run(MemberStatuses, OrderBatch, bool)"/>).</summary>
    /// <param name="statuses">Rank and active flag per member (carries the tree).</param>
    /// <param name="orders">The orders, in the plan's currency, each bought by a member of the statuses' tree.</param>
    /// <returns>The run.</returns>
    public CommissionRun Run(MemberStatuses statuses, IEnumerable<Order> orders) => Run(statuses, orders, trace: false);

    /// <summary>Computes every line and the totals; with <paramref name="trace"/>, also the uplines passed over and why.</summary>
    /// <param name="statuses">Rank and active flag per member (carries the tree).</param>
    /// <param name="orders">The orders, in the plan's currency, each bought by a member of the statuses' tree.</param>
    /// <param name="trace">Keep the trace (see <see cref="Run(MemberStatuses, OrderBatch, bool)"/>).</param>
    /// <returns>The run.</returns>
    public CommissionRun Run(MemberStatuses statuses, IEnumerable<Order> orders, bool trace)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        return Run(statuses, OrderBatch.Create(statuses.Tree, Plan.Currency, orders), trace);
    }

    /// <summary>Computes every line and the totals, without the trace (see <see cref="Run(MemberStatuses, OrderBatch, bool)"/>).</summary>
    /// <param name="statuses">Rank and active flag per member.</param>
    /// <param name="batch">The orders, over the same tree.</param>
    /// <returns>The run.</returns>
    public CommissionRun Run(MemberStatuses statuses, OrderBatch batch) => Run(statuses, batch, trace: false);

    /// <summary>
    /// Computes every line (earner, rule, level, distance, rate, amount, cap cut) and the totals, kept as
    /// columns. With <paramref name="trace"/>, the run also keeps, per line, the uplines each rule passed over
    /// and why; consecutive uplines passed over for one reason are one entry with a count, so a trace stays
    /// small on deep chains. Without it, <see cref="OrderCommission.Skipped"/> and <see cref="CommissionLine.Skipped"/> are empty.
    /// </summary>
    /// <param name="statuses">Rank and active flag per member.</param>
    /// <param name="batch">The orders, over the same tree.</param>
    /// <param name="trace">Keep the uplines passed over, and why.</param>
    /// <returns>The run.</returns>
    /// <exception cref="InvalidInputException">With <see cref="MoneyOverflowRule"/> when a sum (sales, an earner's total, the total paid) passes 64-bit minor units.</exception>
    public CommissionRun Run(MemberStatuses statuses, OrderBatch batch, bool trace) => WithinRange(() => RunCore(statuses, batch, trace));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CommissionRun RunCore(MemberStatuses statuses, OrderBatch batch, bool trace)
    {
        var calc = new Calculator(Plan, statuses, batch, trace);
        var totals = new long[statuses.Tree.Count];
        var zeroLines = new HashSet<int>();
        long sales = 0, paid = 0;
        var lines = new RunLines(batch.Count, trace);
        for (var row = 0; row < batch.Count; row++)
        {
            if (row % Calculator.BlockSize == 0)
            {
                // As in totals mode: fetch the next block's uplines first, so their cache misses overlap.
                calc.Warm(row, Math.Min(batch.Count, row + Calculator.BlockSize), totals);
            }

            lines.Starts[row] = lines.Earner.Count;
            if (trace)
            {
                lines.SkipStarts![row] = lines.Skips!.Count;
            }

            var n = calc.Compute(row);
            long orderPaid = 0;
            for (var k = 0; k < n; k++)
            {
                var earner = calc.Earner[k];
                var amount = calc.Amount[k];
                totals[earner] += amount;
                orderPaid += amount;
                if (amount == 0)
                {
                    zeroLines.Add(earner);
                }

                if (calc.Cut[k] != 0)
                {
                    lines.CapCut[lines.Earner.Count] = calc.Cut[k];
                }

                lines.Earner.Add(earner);
                lines.Amount.Add(amount);
                lines.Rule.Add(calc.Rule[k]);
                lines.Level.Add(calc.Level[k]);
                lines.Distance.Add(calc.Distance[k]);
                lines.Ppm.Add(calc.Ppm[k]);
                if (trace)
                {
                    lines.SkipEnds!.Add(lines.Skips!.Count + calc.SkipsBefore[k]);
                }
            }

            if (trace)
            {
                foreach (var skip in calc.Skips)
                {
                    lines.Skips!.Add(skip);
                }
            }

            sales += batch.Amount[row];
            paid += orderPaid;
        }

        lines.Starts[batch.Count] = lines.Earner.Count;
        if (trace)
        {
            lines.SkipStarts![batch.Count] = lines.Skips!.Count;
        }

        var result = new CommissionTotals(statuses.Tree, Plan.Currency, totals, sales, paid, batch.Count, zeroLines);
        return new CommissionRun(Plan, statuses, batch, result, lines);
    }

    /// <summary>
    /// Computes only the totals with <see cref="CommissionRunOptions.Default"/> (one thread per processor for a
    /// large batch); see <see cref="RunTotals(MemberStatuses, OrderBatch, CommissionRunOptions)"/>.
    /// </summary>
    /// <param name="statuses">Rank and active flag per member.</param>
    /// <param name="batch">The orders, over the same tree.</param>
    /// <returns>The totals.</returns>
    public CommissionTotals RunTotals(MemberStatuses statuses, OrderBatch batch) => RunTotals(statuses, batch, CommissionRunOptions.Default);

    /// <summary>
    /// Computes only the totals; allocates nothing per order. Gives the same totals as <see cref="Run(MemberStatuses, OrderBatch)"/>.
    /// A large batch is summed per buyer on up to <see cref="CommissionRunOptions.MaxDegreeOfParallelism"/> threads,
    /// with scratch space borrowed from <see cref="System.Buffers.ArrayPool{T}.Shared"/> and returned before the call ends.
    /// </summary>
    /// <param name="statuses">Rank and active flag per member.</param>
    /// <param name="batch">The orders, over the same tree.</param>
    /// <param name="options">How the run may use the machine; the totals never depend on it.</param>
    /// <returns>The totals.</returns>
    /// <exception cref="InvalidInputException">With <see cref="MoneyOverflowRule"/> when a sum (sales, an earner's total, the total paid) passes 64-bit minor units.</exception>
    public CommissionTotals RunTotals(MemberStatuses statuses, OrderBatch batch, CommissionRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return WithinRange(() => RunTotalsCore(statuses, batch, options));
    }

    /// <summary>
    /// Runs a computation whose sums are checked (all arithmetic of this assembly is checked: CheckForOverflowUnderflow
    /// in Directory.Build.props): an overflow on any thread is the money-overflow rule, not an arithmetic exception.
    /// </summary>
    private static T WithinRange<T>(Func<T> run)
    {
        try
        {
            return run();
        }
        catch (OverflowException)
        {
            // The parallel kernels rethrow a worker's exception as itself (ByBuyerKernel), so an overflow on any
            // thread arrives here as an OverflowException.
            throw new InvalidInputException(new MoneyOverflowRule("the run's sums (sales, an earner's total or the total paid)"));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CommissionTotals RunTotalsCore(MemberStatuses statuses, OrderBatch batch, CommissionRunOptions options)
    {
        var calc = new Calculator(Plan, statuses, batch, trace: false);
        // The fast kernels' rates (a plan-level figure, cheap); RouteOf decides whether they are used.
        var rates = calc.ByBuyerRates();
        var route = RouteOf(options, statuses.Tree.Count, batch.Count, byBuyerPossible: rates is not null, calc.IsPlainLevels);
        if (route != TotalsRoute.OrderByOrder)
        {
            var threads = options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : options.MaxDegreeOfParallelism;
            var fast = route == TotalsRoute.PlainLevelsByOrder
                ? calc.TotalsOfPlainLevelsByOrder(threads, options.ByBuyerChunkOrders)
                : calc.TotalsByBuyer(rates!, threads, options.ByBuyerChunkOrders);
            return fast.WithZeroLines(ZeroLineEarners(statuses, batch));
        }

        var totals = new long[statuses.Tree.Count];
        var zeroLines = new HashSet<int>();
        long sales = 0, paid = 0;
        var earner = calc.Earner;
        var amounts = calc.Amount;
        for (var start = 0; start < batch.Count; start += Calculator.BlockSize)
        {
            var end = Math.Min(batch.Count, start + Calculator.BlockSize);
            calc.Warm(start, end, totals);
            for (var row = start; row < end; row++)
            {
                var n = calc.Compute(row);
                for (var k = 0; k < n; k++)
                {
                    totals[earner[k]] += amounts[k];
                    paid += amounts[k];
                    if (amounts[k] == 0)
                    {
                        zeroLines.Add(earner[k]);
                    }
                }

                sales += batch.Amount[row];
            }
        }

        return new CommissionTotals(statuses.Tree, Plan.Currency, totals, sales, paid, batch.Count, zeroLines);
    }

    /// <summary>Which kernel computes a totals run. Every route gives the same totals; they differ in cost.</summary>
    internal enum TotalsRoute
    {
        /// <summary>Order by order, one thread (also the route for plans the fast kernels do not cover).</summary>
        OrderByOrder,

        /// <summary>A plain level plan's own kernel, on the threads allowed.</summary>
        PlainLevelsByOrder,

        /// <summary>Summed per buyer, then pushed up the tree, on the threads allowed.</summary>
        ByBuyer,
    }

    /// <summary>
    /// The route of a totals run. A by-buyer run costs members x rates on top of the orders, so a batch much smaller
    /// than the tree (under one order per 16 members) goes order by order, unless a chunk size asks for by-buyer; a
    /// plain level plan has its own kernel for any batch under two orders per member.
    /// </summary>
    /// <param name="options">The run's options.</param>
    /// <param name="members">Members of the tree.</param>
    /// <param name="orders">Orders of the batch.</param>
    /// <param name="byBuyerPossible">Whether the plan's rules allow the fast kernels (and the options do not force order by order).</param>
    /// <param name="plainLevels">Whether the plan is plain levels.</param>
    /// <returns>The route.</returns>
    internal static TotalsRoute RouteOf(CommissionRunOptions options, int members, long orders, bool byBuyerPossible, bool plainLevels) =>
        options.ForceOrderByOrder || members == 0 || !byBuyerPossible ? TotalsRoute.OrderByOrder
        : plainLevels && orders < 2L * members ? TotalsRoute.PlainLevelsByOrder
        : options.ByBuyerChunkOrders is not null || orders * 16L >= members ? TotalsRoute.ByBuyer
        : TotalsRoute.OrderByOrder;

    /// <summary>
    /// The smallest order amount (minor units) that pays a percentage line of <paramref name="minPpm"/> at least one
    /// minor unit under floor rounding: ceil(1,000,000 / minPpm); no amount does when the rate is zero.
    /// </summary>
    /// <param name="minPpm">The plan's smallest positive line rate, parts per million (0 when none).</param>
    /// <returns>The bound.</returns>
    internal static long ZeroLineBound(long minPpm) => minPpm <= 0 ? long.MaxValue : (Million + minPpm - 1) / minPpm;

    /// <summary>
    /// The members with a line that came to zero, for a run whose totals came from a fast route (Floor rounding,
    /// a cap that cannot bind). A line is at least one minor unit whenever amount x its rate is at least one
    /// minor unit, so only orders below that bound, every order when a rate is zero, and every order of a product
    /// with fixed amounts (which can be zero or cut by the cap) are computed again, order by order.
    /// </summary>
    private HashSet<int> ZeroLineEarners(MemberStatuses statuses, OrderBatch batch, Calculator? over = null)
    {
        var found = new HashSet<int>();
        var minPpm = Plan.SmallestPositiveLinePpm;
        // Orders of a product with fixed amounts are computed again whatever their amount: a fixed amount can be
        // zero, and fixed amounts can add up to more than the order, so the cap (or the order itself) cuts lines,
        // deepest first, down to zero. They are rare; percentages alone cannot exceed a cap that cannot bind.
        var zeroFixed = new bool[batch.ProductTable.Length];
        var anyZeroFixed = false;
        for (var p = 0; p < zeroFixed.Length; p++)
        {
            var rule = Plan.ProductRuleIndex(batch.ProductTable[p]);
            zeroFixed[p] = rule >= 0 && Plan.Products[rule] is { Commissionable: true } product && (product.FixedByLevel is not null || product.FixedByRank is not null);
            anyZeroFixed |= zeroFixed[p];
        }

        // Orders of at least this amount pay every percentage line at least one minor unit.
        var bound = ZeroLineBound(minPpm);
        Calculator? calc = null;
        var amounts = batch.Amount;
        for (var row = 0; row < batch.Count; row++)
        {
            if (amounts[row] >= bound && !(anyZeroFixed && zeroFixed[batch.Product[row]]))
            {
                continue;
            }

            calc ??= over ?? new Calculator(Plan, statuses, batch, trace: false);
            var n = calc.Compute(row);
            for (var k = 0; k < n; k++)
            {
                if (calc.Amount[k] == 0)
                {
                    found.Add(calc.Earner[k]);
                }
            }
        }

        return found;
    }
}
