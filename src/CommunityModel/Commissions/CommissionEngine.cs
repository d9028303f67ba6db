using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Commissions;

/// <summary>A member's rank is not defined by the plan.</summary>
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
/// gives every line with its trace, <see cref="RunTotals"/> only the totals and allocates nothing per order.
/// </summary>
public sealed class CommissionEngine
{
    private const long Million = Rate.OneInPartsPerMillion;

    /// <summary>Creates an engine for a plan.</summary>
    /// <param name="plan">The plan.</param>
    public CommissionEngine(CommissionPlan plan) => Plan = Preconditions.NotNull(plan);

    /// <summary>The plan.</summary>
    public CommissionPlan Plan { get; }

    /// <summary>Computes every line and the totals, without the trace (see <see cref="Run(MemberStatuses, OrderBatch, bool)"/>).</summary>
    /// <param name="statuses">Rank and active flag per member (carries the tree).</param>
    /// <param name="orders">The orders.</param>
    /// <returns>The run.</returns>
    public CommissionRun Run(MemberStatuses statuses, IEnumerable<Order> orders) => Run(statuses, orders, trace: false);

    /// <summary>Computes every line and the totals; with <paramref name="trace"/>, also the uplines passed over and why.</summary>
    /// <param name="statuses">Rank and active flag per member (carries the tree).</param>
    /// <param name="orders">The orders.</param>
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CommissionRun Run(MemberStatuses statuses, OrderBatch batch, bool trace)
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
                totals[earner] = checked(totals[earner] + amount);
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

            sales = checked(sales + batch.Amount[row]);
            paid = checked(paid + orderPaid);
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
    /// Computes only the totals; allocates nothing per order. Gives the same totals as <see cref="Run(MemberStatuses, OrderBatch)"/>.
    /// A large batch is summed per buyer on up to <see cref="MaxDegreeOfParallelism"/> threads, with scratch
    /// space borrowed from <see cref="System.Buffers.ArrayPool{T}.Shared"/> and returned before the call ends.
    /// </summary>
    /// <param name="statuses">Rank and active flag per member.</param>
    /// <param name="batch">The orders, over the same tree.</param>
    /// <returns>The totals.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CommissionTotals RunTotals(MemberStatuses statuses, OrderBatch batch)
    {
        var calc = new Calculator(Plan, statuses, batch, trace: false);
        if (!ForceOrderByOrder && statuses.Tree.Count > 0 && calc.ByBuyerRates() is { } rates)
        {
            // A by-buyer run costs members x rates on top of the orders: for a batch much smaller than the tree,
            // order by order (a plain level plan has its own kernel for any batch smaller than the tree).
            var members = statuses.Tree.Count;
            var threads = MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : MaxDegreeOfParallelism;
            CommissionTotals? fast = null;
            if (calc.IsPlainLevels && batch.Count < 2L * members)
            {
                fast = calc.TotalsOfPlainLevelsByOrder(threads, ByBuyerChunkOrders);
            }
            else if (ByBuyerChunkOrders is not null || batch.Count * 16L >= members)
            {
                fast = calc.TotalsByBuyer(rates, threads, ByBuyerChunkOrders);
            }

            if (fast is not null)
            {
                return fast.WithZeroLines(ZeroLineEarners(statuses, batch));
            }
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
                    totals[earner[k]] = checked(totals[earner[k]] + amounts[k]);
                    paid = checked(paid + amounts[k]);
                    if (amounts[k] == 0)
                    {
                        zeroLines.Add(earner[k]);
                    }
                }

                sales = checked(sales + batch.Amount[row]);
            }
        }

        return new CommissionTotals(statuses.Tree, Plan.Currency, totals, sales, paid, batch.Count, zeroLines);
    }

    /// <summary>
    /// The members with a line that came to zero, for a run whose totals came from a fast route (Floor rounding,
    /// a cap that cannot bind). A line is at least one minor unit whenever amount x its rate is at least one
    /// minor unit, so only orders below that bound (and every order when a rate is zero) are computed again,
    /// order by order.
    /// </summary>
    private HashSet<int> ZeroLineEarners(MemberStatuses statuses, OrderBatch batch)
    {
        var found = new HashSet<int>();
        var minPpm = Plan.SmallestPositiveLinePpm;
        var zeroFixed = new bool[batch.ProductTable.Length];
        var anyZeroFixed = false;
        for (var p = 0; p < zeroFixed.Length; p++)
        {
            var rule = Plan.ProductRuleIndex(batch.ProductTable[p]);
            zeroFixed[p] = rule >= 0 && Plan.Products[rule] is { Commissionable: true, FixedByLevel: { } f } && Array.IndexOf(f, 0L) >= 0;
            anyZeroFixed |= zeroFixed[p];
        }

        // Orders of at least this amount pay every percentage line at least one minor unit.
        var bound = minPpm <= 0 ? long.MaxValue : (Million + minPpm - 1) / minPpm;
        Calculator? calc = null;
        var amounts = batch.Amount;
        for (var row = 0; row < batch.Count; row++)
        {
            if (amounts[row] >= bound && !(anyZeroFixed && zeroFixed[batch.Product[row]]))
            {
                continue;
            }

            calc ??= new Calculator(Plan, statuses, batch, trace: false);
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

    /// <summary>
    /// How many threads <see cref="RunTotals"/> may use for a large batch: -1 (the default) for one per
    /// processor, 1 to stay on the calling thread. The totals never depend on it: every sum is of integers,
    /// each order is counted exactly once, and the work is split the same way whatever the scheduling.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When set to 0 or below -1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            if (value is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "MaxDegreeOfParallelism is -1 (one thread per processor) or at least 1.");
            }

            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>For tests and benchmarks: compute totals order by order, never by buyer.</summary>
    internal bool ForceOrderByOrder { get; init; }

    /// <summary>
    /// For tests: the orders per chunk of a by-buyer run, and the members or orders per slice a thread claims,
    /// so that small batches are split between threads too.
    /// </summary>
    internal int? ByBuyerChunkOrders { get; init; }

    private readonly int _maxDegreeOfParallelism = -1;

    /// <summary>The per-run state: flat arrays of the links in force and reusable line buffers.</summary>
    private sealed class Calculator
    {
        private readonly CommissionPlan _plan;
        private readonly MemberStatuses _statuses;
        private readonly OrderBatch _batch;
        private readonly bool _trace;
        private readonly int[] _rank;
        private readonly bool[] _active;
        private readonly int[] _productRule;
        private readonly bool[] _diffEligibleRank;
        private readonly long[] _epochStarts;
        private readonly Dictionary<int, Links> _links = [];
        private int[] _order = [];
        private readonly long[][] _levelPpmByRank;
        private readonly long[] _levelDefaultPpm;
        private readonly bool _floor;
        private readonly bool _rebateRequiresActive;
        private readonly long _safeAmount;
        private readonly long _safeQuantity;
        private readonly int[] _hop = new int[BlockSize];
        private Links? _single;
        private bool _withoutDepth;
        private int _count;

        public Calculator(CommissionPlan plan, MemberStatuses statuses, OrderBatch batch, bool trace)
        {
            ArgumentNullException.ThrowIfNull(statuses);
            ArgumentNullException.ThrowIfNull(batch);
            if (!ReferenceEquals(statuses.Tree, batch.Tree))
            {
                throw new ArgumentException("The statuses and the orders must be over the same referral tree.", nameof(batch));
            }

            if (batch.Currency != plan.Currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(plan.Currency, batch.Currency));
            }

            _plan = plan;
            _statuses = statuses;
            _batch = batch;
            _trace = trace;
            _rank = statuses.Ranks;
            _active = statuses.Active;
            var offenders = new List<(MemberId, int)>();
            for (var i = 0; plan.RankCount != int.MaxValue && i < _rank.Length && offenders.Count < 20; i++)
            {
                if (_rank[i] >= plan.RankCount)
                {
                    offenders.Add((statuses.Tree.MemberAt(i), _rank[i]));
                }
            }

            if (offenders.Count > 0)
            {
                throw new InvalidInputException(new RankMustBeDefinedByPlanRule(offenders, plan.RankCount));
            }

            _productRule = batch.ProductTable.Select(plan.ProductRuleIndex).ToArray();
            _diffEligibleRank = new bool[plan.DifferentialRankCount];
            if (plan.DifferentialPpm is { } dppm)
            {
                for (var r = 0; r < plan.DifferentialRankCount; r++)
                {
                    _diffEligibleRank[r] = dppm[r] > 0 || plan.Products.Any(p => p.FixedByRank is { } f && f[r] > 0);
                }
            }

            _levelPpmByRank = plan.LevelPpmByRank;
            _levelDefaultPpm = plan.LevelDefaultPpm;
            _floor = plan.Rounding == RoundingMode.Floor;
            _rebateRequiresActive = plan.Definition.RebateRequiresActive;

            // Bounds under which every numerator (amount x ppm, or fixed x quantity x 10^6) fits in 64 bits.
            var maxPpm = Math.Max(1, new[] { plan.RebatePpm, plan.PeerPpm, plan.DifferentialPpm?.Max() ?? 0 }
                .Concat(plan.LevelDefaultPpm).Concat(plan.LevelPpmByRank.SelectMany(r => r)).Max());
            var maxFixed = Math.Max(1, plan.Products.SelectMany(p => (p.FixedByLevel ?? []).Concat(p.FixedByRank ?? [])).DefaultIfEmpty(0).Max());
            _safeAmount = long.MaxValue / maxPpm;
            _safeQuantity = long.MaxValue / Million / maxFixed;
            _epochStarts = statuses.Tree.TransferInstants.Select(t => t.ToUnixTimeTicks()).ToArray();
            AllocateLineBuffers();
        }

        /// <summary>A calculator for another thread: the same plan, statuses, batch and links, its own line buffers.</summary>
        private Calculator(Calculator other)
        {
            _plan = other._plan;
            _statuses = other._statuses;
            _batch = other._batch;
            _trace = other._trace;
            _rank = other._rank;
            _active = other._active;
            _productRule = other._productRule;
            _diffEligibleRank = other._diffEligibleRank;
            _epochStarts = other._epochStarts;
            _links = other._links;
            _levelPpmByRank = other._levelPpmByRank;
            _levelDefaultPpm = other._levelDefaultPpm;
            _floor = other._floor;
            _rebateRequiresActive = other._rebateRequiresActive;
            _safeAmount = other._safeAmount;
            _safeQuantity = other._safeQuantity;
            _single = other._single;
            AllocateLineBuffers();
        }

        public int[] Earner { get; private set; } = [];

        public long[] Amount { get; private set; } = [];

        public long[] Cut { get; private set; } = [];

        public byte[] Rule { get; private set; } = [];

        public int[] Level { get; private set; } = [];

        public int[] Distance { get; private set; } = [];

        public long[] Ppm { get; private set; } = [];

        public int[] SkipsBefore { get; private set; } = [];

        private void AllocateLineBuffers()
        {
            var max = _plan.MaxLinesPerOrder;
            Earner = new int[max];
            Amount = new long[max];
            Cut = new long[max];
            Rule = new byte[max];
            Level = new int[max];
            Distance = new int[max];
            Ppm = new long[max];
            SkipsBefore = new int[max];
            _order = new int[max];
        }

        public List<SkipFact> Skips { get; } = [];

        /// <summary>
        /// The rates of a by-buyer totals run, or null when the plan or the batch needs order-by-order work.
        /// When the links do not change during the batch (no transfers), rounding is Floor and the cap can never
        /// bind, every line of an order is floor(amount x rate) for a rate that depends only on the buyer's
        /// upline and not on the order. Totals can then be summed per buyer and per possible rate in one
        /// sequential pass over the orders, and each buyer's uplines walked once instead of once per order.
        /// </summary>
        public long[]? ByBuyerRates()
        {
            // Every amount x rate must fit 64 bits.
            if (_epochStarts.Length > 0 || !_floor || _batch.MaxAmount > _safeAmount)
            {
                return null;
            }

            // The most one order can pay: the cap must not bind, and no rate may pass 100% (no line overflows a total).
            long worst = 0;
            for (var level = 0; level < _plan.LevelCount; level++)
            {
                var max = _levelDefaultPpm[level];
                foreach (var row in _levelPpmByRank)
                {
                    max = Math.Max(max, row[level]);
                }

                worst += max;
            }

            if (_plan.DifferentialPpm is { } dppm)
            {
                worst += dppm.Max() + (_plan.PeerPpm * Math.Min(_plan.PeerMaxUplines, 1_000));
            }

            worst += _plan.HasRebate ? _plan.RebatePpm : 0;
            if (worst > Math.Min(_plan.CapPpm, Million))
            {
                return null;
            }

            var rates = new SortedSet<long>();
            for (var level = 0; level < _plan.LevelCount; level++)
            {
                rates.Add(_levelDefaultPpm[level]);
                foreach (var row in _levelPpmByRank)
                {
                    rates.Add(row[level]);
                }
            }

            if (_plan.DifferentialPpm is { } d)
            {
                foreach (var r in d)
                {
                    rates.Add(r);
                    foreach (var below in d)
                    {
                        rates.Add(r - below);
                    }
                }

                rates.Add(_plan.PeerPpm);
            }

            if (_plan.HasRebate)
            {
                rates.Add(_plan.RebatePpm);
            }

            rates.RemoveWhere(r => r <= 0);
            return rates.Count is > 0 and <= 16 ? [.. rates] : null;
        }

        /// <summary>True for a level plan without compression and without a differential rule.</summary>
        public bool IsPlainLevels => _plan.DifferentialPpm is null && (_plan.LevelCount == 0 || _plan.LevelCompression == Compression.None);

        /// <summary>
        /// Totals of a plain level plan (see <see cref="IsPlainLevels"/>) order by order, for a batch with fewer
        /// orders than members, under the same conditions as a by-buyer run (<see cref="ByBuyerRates"/> gave
        /// rates): each line is floor(amount x rate) for its earner and level, added straight into the totals,
        /// with the uplines of orders a little further on fetched into the cache in stages. Nothing is sized by
        /// members but the totals themselves.
        /// </summary>
        /// <param name="threads">The most threads to use.</param>
        /// <param name="sliceOrders">Orders per slice claimed by a thread, when not the default (tests split small batches).</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public CommissionTotals TotalsOfPlainLevelsByOrder(int threads, int? sliceOrders)
        {
            var n = _statuses.Tree.Count;
            var count = _batch.Count;
            _withoutDepth = true;
            var parent = LinksFor(0).Parent;
            var levels = _plan.LevelCount;
            var byRank = _levelPpmByRank.Length;
            var ppm = new ulong[(byRank + 1) * levels];
            for (var c = 0; c <= byRank; c++)
            {
                for (var level = 1; level <= levels; level++)
                {
                    ppm[(c * levels) + level - 1] = (ulong)LevelPpm(c, level);
                }
            }

            var kinds = ProductKinds(out var allByRate, out _);

            // Split in ranges of orders when there are at least a quarter as many orders as members per thread:
            // each further thread adds into its own totals, added up at the end.
            var workers = sliceOrders is null ? (int)Math.Clamp(4L * count / n, 1, Math.Min(threads, MaxWorkers)) : threads;
            var slice = sliceOrders ?? SliceSize;
            var totals = new long[workers][];
            var sales = new long[workers];
            var paid = new long[workers];
            long[]? result = workers == 1 ? new long[n] : null;
            var nextSlice = -1;
            try
            {
                OnWorkers(workers, w =>
                {
                    totals[w] = result ?? RentCleared(n);

                    // Slices claimed one at a time, so a thread slowed by the machine takes fewer of them.
                    var calc = w == 0 ? this : new Calculator(this);
                    while (Claim(ref nextSlice, slice, count, out var lo, out var hi))
                    {
                        calc.PlainLevelRows(lo, hi, parent, ppm, kinds, allByRate, totals[w], out var sliceSales, out var slicePaid);
                        sales[w] = checked(sales[w] + sliceSales);
                        paid[w] = checked(paid[w] + slicePaid);
                    }
                });

                // Into a fresh array in one sequential pass (see TotalsByBuyer).
                result ??= SumOf(totals, n);
            }
            finally
            {
                ReturnToPool(totals, result);
            }

            long salesTotal = 0, paidTotal = 0;
            for (var w = 0; w < workers; w++)
            {
                salesTotal = checked(salesTotal + sales[w]);
                paidTotal = checked(paidTotal + paid[w]);
            }

            return new CommissionTotals(_statuses.Tree, _plan.Currency, result, salesTotal, paidTotal, count);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PlainLevelRows(int lo, int hi, int[] parent, ulong[] ppm, byte[] kinds, bool allByRate, long[] totals, out long sales, out long paid)
        {
            var buyers = _batch.Buyer;
            var amounts = _batch.Amount;
            var products = _batch.Product;
            var levels = _plan.LevelCount;
            var byRank = _levelPpmByRank.Length;
            var minRank = _plan.LevelMinimumRank;
            var requireActive = _plan.LevelRequiresActive;
            var rebate = _plan.HasRebate ? (ulong)_plan.RebatePpm : 0UL;
            sales = 0;
            paid = 0;
            for (var row = lo; row < hi; row++)
            {
                // In stages: the buyer's sponsor link 16 orders ahead, the sponsor's row 8 ahead, the next upline's 4 ahead.
                if (row + PrefetchAhead < hi)
                {
                    CacheHint.Prefetch(ref parent[buyers[row + PrefetchAhead]]);
                }

                if (row + (PrefetchAhead / 2) < hi && parent[buyers[row + (PrefetchAhead / 2)]] is var p1 and >= 0)
                {
                    CacheHint.Prefetch(ref _rank[p1]);
                    CacheHint.Prefetch(ref totals[p1]);
                    CacheHint.Prefetch(ref parent[p1]);
                }

                if (levels > 1 && row + (PrefetchAhead / 4) < hi && parent[buyers[row + (PrefetchAhead / 4)]] is var q1 and >= 0 && parent[q1] is var q2 and >= 0)
                {
                    CacheHint.Prefetch(ref _rank[q2]);
                    CacheHint.Prefetch(ref totals[q2]);
                }

                var amount = amounts[row];
                sales = checked(sales + amount);
                var kind = allByRate ? ByRate : kinds[products[row]];
                if (kind != ByRate)
                {
                    if (kind == FixedAmounts)
                    {
                        var lines = Compute(row);
                        for (var k = 0; k < lines; k++)
                        {
                            totals[Earner[k]] = checked(totals[Earner[k]] + Amount[k]);
                            paid = checked(paid + Amount[k]);
                        }
                    }

                    continue;
                }

                var a = (ulong)amount;
                var buyer = buyers[row];
                var up = parent[buyer];
                for (var level = 1; level <= levels && up >= 0; level++)
                {
                    var rank = _rank[up];
                    if (rank >= minRank && (!requireActive || _active[up]))
                    {
                        var pay = (long)unchecked(a * ppm[(Math.Min(rank, byRank) * levels) + level - 1] / Million);
                        totals[up] = checked(totals[up] + pay);
                        paid = checked(paid + pay);
                    }

                    up = parent[up];
                }

                if (rebate > 0 && (!_rebateRequiresActive || _active[buyer]))
                {
                    var pay = (long)unchecked(a * rebate / Million);
                    totals[buyer] = checked(totals[buyer] + pay);
                    paid = checked(paid + pay);
                }
            }
        }

        /// <summary>Each product of the batch once: paid by rate, not commissionable, or fixed amounts per unit.</summary>
        private byte[] ProductKinds(out bool allByRate, out bool anyFixed)
        {
            var kinds = new byte[_productRule.Length];
            allByRate = true;
            anyFixed = false;
            for (var p = 0; p < kinds.Length; p++)
            {
                var rule = _productRule[p] >= 0 ? _plan.Products[_productRule[p]] : null;
                kinds[p] = rule is null ? ByRate : !rule.Commissionable ? NoCommission : rule.FixedByLevel is not null || rule.FixedByRank is not null ? FixedAmounts : ByRate;
                allByRate &= kinds[p] == ByRate;
                anyFixed |= kinds[p] == FixedAmounts;
            }

            return kinds;
        }

        /// <summary>The by-buyer totals run (see <see cref="ByBuyerRates"/>); the same totals as order by order.</summary>
        /// <param name="rates">The possible rates, from <see cref="ByBuyerRates"/>.</param>
        /// <param name="threads">The most threads to use.</param>
        /// <param name="chunkOrders">Orders per chunk, when not chosen from the batch size.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public CommissionTotals TotalsByBuyer(long[] rates, int threads, int? chunkOrders)
        {
            var n = _statuses.Tree.Count;
            var u = rates.Length;
            var count = _batch.Count;

            // Each product once: paid by rate (summed by buyer), not commissionable, or fixed amounts (order by order).
            var kinds = ProductKinds(out var allByRate, out var anyFixed);

            // Orders are taken a chunk at a time; each worker sums its chunks into its own per-buyer sums, and the
            // sums are added together at the end. Integer sums commute, so the split never changes a total.
            var chunk = chunkOrders ?? (int)Math.Clamp((count + (long)threads - 1) / threads, MinChunkOrders, ChunkOrders);
            var chunks = (int)((count + (long)chunk - 1) / chunk);
            var size = checked(n * u);

            // A thread pays for its own members x rates sums (clearing and adding them up) and, in the walk, its own
            // totals: more threads only when the orders outweigh that (any split when a test sets the chunks).
            threads = Math.Min(threads, MaxWorkers);
            var workers = Math.Max(1, Math.Min(Math.Min(threads, chunks), chunkOrders is null ? (int)Math.Min(int.MaxValue, 4L * count / size) : threads));
            var walkers = chunkOrders is null && count * 4L < n ? 1 : threads;
            var sums = new long[workers][];
            var sales = new long[workers];
            var totals = new long[walkers][];
            var paid = new long[walkers];
            var nextChunk = -1;
            long[]? result = null;
            long[]? gathered = null;
            var plainLevels = IsPlainLevels;
            var slots = plainLevels ? LevelSlots(rates) : [];
            var gather = (_plan.DifferentialPpm is not null && _plan.LevelCount == 0) || (_plan.DifferentialPpm is null && !plainLevels);

            // Depths only matter to the general walk and to fixed-amount orders (distances order a cap's cut).
            _withoutDepth = (plainLevels || (gather && _plan.DifferentialPpm is not null)) && !anyFixed;
            var links = LinksFor(0);

            // A differential plan without a rebate needs no per-buyer sums at all: each order is added straight
            // into its buyer's first eligible upline's row.
            var byFirstUpline = gather && _plan.DifferentialPpm is not null && !_plan.HasRebate ? links.JumpDiff : null;
            try
            {
                // Scratch space comes from the shared pool: fresh arrays of this size cost a page fault every 4 KiB.
                OnWorkers(workers, w =>
                {
                    sums[w] = RentCleared(size);
                    sales[w] = SumChunks(sums[w], rates, kinds, allByRate, chunk, chunks, ref nextChunk, byFirstUpline);
                });
                var byBuyer = sums[0];
                AddInto(byBuyer, size, sums, workers);

                // Each buyer with commissionable orders: the lines an order of theirs makes, each paid the buyer's
                // sum at its rate. Buyers are split into one range per worker, each adding into its own totals;
                // with one worker that is the result itself.
                int[]? representative = null;
                if (byFirstUpline is not null)
                {
                    gathered = byBuyer;
                }
                else if (gather)
                {
                    gathered = RentCleared(size);
                    representative = GatherByFirstUpline(links, rates, byBuyer, gathered, withRepresentatives: _plan.DifferentialPpm is null);
                }

                result = walkers == 1 ? new long[n] : null;
                var nextSlice = -1;
                OnWorkers(walkers, w =>
                {
                    totals[w] = result ?? RentCleared(n);

                    // Slices of members claimed one at a time, so a thread slowed by the machine takes fewer of them.
                    var calc = w == 0 ? this : new Calculator(this);
                    while (Claim(ref nextSlice, chunkOrders ?? SliceSize, n, out var lo, out var hi))
                    {
                        var slicePaid = plainLevels ? WalkPlainLevels(links, lo, hi, rates, slots, byBuyer, totals[w])
                            : gather && _plan.DifferentialPpm is not null ? checked(WalkGatheredDifferential(links, lo, hi, rates, gathered!, totals[w]) + Rebates(lo, hi, rates, byBuyer, totals[w]))
                            : gather ? checked(calc.WalkBuyers(links, lo, hi, rates, gathered!, representative, totals[w]) + Rebates(lo, hi, rates, byBuyer, totals[w]))
                            : calc.WalkBuyers(links, lo, hi, rates, byBuyer, null, totals[w]);
                        paid[w] = checked(paid[w] + slicePaid);
                    }
                });

                // The workers' totals added into a fresh array in one sequential pass: its pages are first touched
                // here, one after another, rather than by several threads at random.
                result ??= SumOf(totals, n);
            }
            finally
            {
                ReturnToPool([gathered], sums[0]);
                ReturnToPool(sums, null);
                ReturnToPool(totals, result);
            }

            long salesTotal = 0, paidTotal = 0;
            foreach (var s in sales)
            {
                salesTotal = checked(salesTotal + s);
            }

            foreach (var p in paid)
            {
                paidTotal = checked(paidTotal + p);
            }

            if (anyFixed)
            {
                // Fixed amounts per unit: those orders are computed on their own.
                for (var row = 0; row < count; row++)
                {
                    if (kinds[_batch.Product[row]] == FixedAmounts)
                    {
                        var lines = Compute(row);
                        for (var k = 0; k < lines; k++)
                        {
                            result[Earner[k]] = checked(result[Earner[k]] + Amount[k]);
                            paidTotal = checked(paidTotal + Amount[k]);
                        }
                    }
                }
            }

            return new CommissionTotals(_statuses.Tree, _plan.Currency, result!, salesTotal, paidTotal, count);
        }

        /// <summary>
        /// Runs a body once per worker, worker 0 on the calling thread; the first exception thrown by any
        /// worker is rethrown as itself (an overflow stays an <see cref="OverflowException"/>).
        /// </summary>
        private static void OnWorkers(int workers, Action<int> body)
        {
            if (workers == 1)
            {
                body(0);
                return;
            }

            try
            {
                Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, body);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                throw;
            }
        }

        /// <summary>Adds the first length elements of arrays 1..count-1 into array 0's, a range per worker.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AddInto(long[] target, int length, long[][] arrays, int count)
        {
            if (count == 1)
            {
                return;
            }

            OnWorkers(count, w =>
            {
                var lo = (int)((long)length * w / count);
                var hi = (int)((long)length * (w + 1) / count);
                for (var j = 1; j < count; j++)
                {
                    var source = arrays[j];
                    for (var i = lo; i < hi; i++)
                    {
                        target[i] = checked(target[i] + source[i]);
                    }
                }
            });
        }

        /// <summary>An array of at least the length from the shared pool, its first length elements zero.</summary>
        private static long[] RentCleared(int length)
        {
            var array = ArrayPool<long>.Shared.Rent(length);
            Array.Clear(array, 0, length);
            return array;
        }

        /// <summary>Returns the arrays to the shared pool, except the one kept (and nulls).</summary>
        private static void ReturnToPool(long[]?[] arrays, long[]? kept)
        {
            foreach (var array in arrays)
            {
                if (array is not null && !ReferenceEquals(array, kept))
                {
                    ArrayPool<long>.Shared.Return(array);
                }
            }
        }

        /// <summary>Claims the next slice of [0, total): false when none is left.</summary>
        private static bool Claim(ref int next, int step, int total, out int lo, out int hi)
        {
            var k = Interlocked.Increment(ref next);
            lo = (int)Math.Min(total, (long)k * step);
            hi = (int)Math.Min(total, (long)lo + step);
            return lo < total;
        }

        /// <summary>A fresh array of the element-wise sums of the first length elements of the arrays.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static long[] SumOf(long[][] arrays, int length)
        {
            var sum = GC.AllocateUninitializedArray<long>(length);
            var first = arrays[0];
            var second = arrays.Length > 1 ? arrays[1] : null;
            for (var i = 0; i < length; i++)
            {
                sum[i] = second is null ? first[i] : checked(first[i] + second[i]);
            }

            for (var j = 2; j < arrays.Length; j++)
            {
                var source = arrays[j];
                for (var i = 0; i < length; i++)
                {
                    sum[i] = checked(sum[i] + source[i]);
                }
            }

            return sum;
        }

        /// <summary>
        /// Sums the worker's chunks of orders, claimed one at a time, into per-buyer sums at every rate. The sums
        /// of the buyer a few orders ahead are fetched into the cache before they are needed, so the misses of
        /// many orders overlap instead of each order waiting for its own. Returns the sales of the chunks
        /// (every order, commissionable or not).
        /// </summary>
        /// <param name="byBuyer">The sums, a row of rates per member.</param>
        /// <param name="rates">The rates.</param>
        /// <param name="kinds">The kind of each product.</param>
        /// <param name="allByRate">True when every product is paid by rate.</param>
        /// <param name="chunk">Orders per chunk.</param>
        /// <param name="chunks">The number of chunks.</param>
        /// <param name="nextChunk">The last chunk claimed, shared by the workers.</param>
        /// <param name="rowOf">When given, the member whose row takes a buyer's orders (-1: none), else the buyer's own.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long SumChunks(long[] byBuyer, long[] rates, byte[] kinds, bool allByRate, int chunk, int chunks, ref int nextChunk, int[]? rowOf)
        {
            var buyers = _batch.Buyer;
            var amounts = _batch.Amount;
            var products = _batch.Product;
            var u = rates.Length;
            long sales = 0;
            int c;
            while ((c = Interlocked.Increment(ref nextChunk)) < chunks)
            {
                var c0 = c * chunk;
                var c1 = (int)Math.Min(_batch.Count, (long)c0 + chunk);
                for (var row = c0; row < c1; row++)
                {
                    if (rowOf is not null && row + (2 * PrefetchAhead) < c1)
                    {
                        CacheHint.Prefetch(ref rowOf[buyers[row + (2 * PrefetchAhead)]]);
                    }

                    if (row + PrefetchAhead < c1 && (rowOf is null ? buyers[row + PrefetchAhead] : rowOf[buyers[row + PrefetchAhead]]) is var next and >= 0)
                    {
                        CacheHint.Prefetch(ref byBuyer[next * u]);
                        CacheHint.Prefetch(ref byBuyer[(next * u) + u - 1]);
                    }

                    var amount = amounts[row];
                    sales = checked(sales + amount);
                    if (!allByRate && kinds[products[row]] != ByRate)
                    {
                        continue;
                    }

                    var target = rowOf is null ? buyers[row] : rowOf[buyers[row]];
                    if (target < 0)
                    {
                        continue;
                    }

                    var a = (ulong)amount;
                    var at = target * u;
                    if (u == 2)
                    {
                        byBuyer[at] = checked(byBuyer[at] + (long)unchecked(a * (ulong)rates[0] / Million));
                        byBuyer[at + 1] = checked(byBuyer[at + 1] + (long)unchecked(a * (ulong)rates[1] / Million));
                        continue;
                    }

                    for (var k = 0; k < u; k++)
                    {
                        byBuyer[at + k] = checked(byBuyer[at + k] + (long)unchecked(a * (ulong)rates[k] / Million));
                    }
                }
            }

            return sales;
        }

        /// <summary>For a level plan without compression: the rate slot per (rank class, level), -1 for no rate.</summary>
        private int[] LevelSlots(long[] rates)
        {
            var levels = _plan.LevelCount;
            var classes = _levelPpmByRank.Length + 1;
            var slots = new int[(classes * levels) + 1];
            for (var c = 0; c < classes; c++)
            {
                for (var level = 1; level <= levels; level++)
                {
                    slots[(c * levels) + level - 1] = Array.IndexOf(rates, LevelPpm(c, level));
                }
            }

            slots[^1] = _plan.HasRebate ? Array.IndexOf(rates, _plan.RebatePpm) : -1;
            return slots;
        }

        /// <summary>
        /// The buyers lo..hi-1 of a level plan without compression (and no differential): the same lines
        /// <see cref="ApplyLevels{T}"/> makes, each paid the buyer's sum at its rate. Returns what was paid.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long WalkPlainLevels(Links links, int lo, int hi, long[] rates, int[] slots, long[] byBuyer, long[] totals)
        {
            var parent = links.Parent;
            var u = rates.Length;
            var levels = _plan.LevelCount;
            var byRank = _levelPpmByRank.Length;
            var minRank = _plan.LevelMinimumRank;
            var requireActive = _plan.LevelRequiresActive;
            var rebateSlot = slots[^1];
            long paid = 0;
            for (var b = lo; b < hi; b++)
            {
                // The first upline of a buyer further on, and the second of a nearer one (its parent link was
                // fetched then), are fetched into the cache before they are needed.
                if (b + PrefetchAhead < hi && parent[b + PrefetchAhead] is var p1 and >= 0)
                {
                    CacheHint.Prefetch(ref _rank[p1]);
                    CacheHint.Prefetch(ref totals[p1]);
                    CacheHint.Prefetch(ref parent[p1]);
                }

                if (levels > 1 && b + (PrefetchAhead / 2) < hi && parent[b + (PrefetchAhead / 2)] is var q1 and >= 0 && parent[q1] is var q2 and >= 0)
                {
                    CacheHint.Prefetch(ref _rank[q2]);
                    CacheHint.Prefetch(ref totals[q2]);
                    CacheHint.Prefetch(ref parent[q2]);
                }

                var at = b * u;
                if (!AnyNonZero(byBuyer, at, u))
                {
                    continue;
                }

                var up = parent[b];
                for (var level = 1; level <= levels && up >= 0; level++)
                {
                    var rank = _rank[up];
                    if (rank >= minRank && (!requireActive || _active[up]))
                    {
                        var slot = slots[(Math.Min(rank, byRank) * levels) + level - 1];
                        if (slot >= 0)
                        {
                            var sum = byBuyer[at + slot];
                            totals[up] = checked(totals[up] + sum);
                            paid = checked(paid + sum);
                        }
                    }

                    up = parent[up];
                }

                if (rebateSlot >= 0 && (!_rebateRequiresActive || _active[b]))
                {
                    var sum = byBuyer[at + rebateSlot];
                    totals[b] = checked(totals[b] + sum);
                    paid = checked(paid + sum);
                }
            }

            return paid;
        }

        /// <summary>
        /// The rows lo..hi-1 of a sums array, each walked with the order-by-order rules from a buyer: the row's
        /// own buyer, or (sums gathered by first upline) the representative buyer of the row. Returns what was paid.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long WalkBuyers(Links links, int lo, int hi, long[] rates, long[] sums, int[]? representative, long[] totals)
        {
            var u = rates.Length;
            var block = new int[BlockSize];
            var rows = new int[BlockSize];
            long paid = 0;
            for (var next = lo; next < hi;)
            {
                // A block of buyers, their first uplines touched together so the cache misses overlap.
                var size = 0;
                while (next < hi && size < BlockSize)
                {
                    if (AnyNonZero(sums, next * u, u))
                    {
                        rows[size] = next;
                        block[size++] = representative is null ? next : representative[next];
                    }

                    next++;
                }

                WarmBuyers(links, block, size, totals);
                for (var i = 0; i < size; i++)
                {
                    TotalsOfBuyer(links, block[i], rates, sums, rows[i] * u, totals, withRebate: representative is null, ref paid);
                }
            }

            return paid;
        }

        /// <summary>
        /// Sums gathered by each buyer's first upline that a rule can pay. With a differential rule alone, or a
        /// level rule with dynamic compression alone, the lines of an order depend only on that upline and the
        /// chain above it, not on the buyer: buyers who share it share every line, so the chain is walked once
        /// for all of them. Returns, per gathering upline, one buyer who leads to it (when asked: the general
        /// walk starts from a buyer, the differential walk from the upline itself).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int[]? GatherByFirstUpline(Links links, long[] rates, long[] byBuyer, long[] gathered, bool withRepresentatives)
        {
            var first = links.JumpDiff ?? links.JumpLevel!;
            var u = rates.Length;
            var n = first.Length;
            var representative = withRepresentatives ? new int[n] : null;
            for (var b = 0; b < n; b++)
            {
                if (b + PrefetchAhead < n && first[b + PrefetchAhead] is var ahead and >= 0)
                {
                    CacheHint.Prefetch(ref gathered[ahead * u]);
                    CacheHint.Prefetch(ref gathered[(ahead * u) + u - 1]);
                }

                var f = first[b];
                var at = b * u;
                if (f < 0 || !AnyNonZero(byBuyer, at, u))
                {
                    continue;
                }

                if (representative is not null)
                {
                    representative[f] = b;
                }

                var to = f * u;
                for (var k = 0; k < u; k++)
                {
                    gathered[to + k] = checked(gathered[to + k] + byBuyer[at + k]);
                }
            }

            return representative;
        }

        /// <summary>
        /// Sums gathered by first upline (see <see cref="GatherByFirstUpline"/>) of a differential plan without a
        /// level rule, rows lo..hi-1: from each row's upline up, the lines <see cref="ApplyDifferential{T}"/>
        /// makes, each paid the row's sum at its rate. Returns what was paid.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long WalkGatheredDifferential(Links links, int lo, int hi, long[] rates, long[] gathered, long[] totals)
        {
            var jump = links.JumpDiff!;
            var dppm = _plan.DifferentialPpm!;
            var ranks = _plan.DifferentialRankCount;
            var maxPpm = dppm[ranks - 1];
            var peerMax = _plan.PeerMaxUplines;
            var peerSlot = Array.IndexOf(rates, _plan.PeerPpm);
            var u = rates.Length;

            // The slot of the rate an upline of rank r earns over the top rank below (column 0: none below).
            var slot = new int[ranks * (ranks + 1)];
            for (var r = 0; r < ranks; r++)
            {
                for (var below = -1; below < ranks; below++)
                {
                    slot[(r * (ranks + 1)) + below + 1] = Array.IndexOf(rates, dppm[r] - (below < 0 ? 0 : dppm[below]));
                }
            }

            long paid = 0;
            for (var x = lo; x < hi; x++)
            {
                if (x + PrefetchAhead < hi && jump[x + PrefetchAhead] is var ahead and >= 0)
                {
                    CacheHint.Prefetch(ref _rank[ahead]);
                    CacheHint.Prefetch(ref jump[ahead]);
                    CacheHint.Prefetch(ref totals[ahead]);
                }

                var at = x * u;
                if (!AnyNonZero(gathered, at, u))
                {
                    continue;
                }

                long ppmBelow = 0;
                var topRank = -1;
                var peers = 0;
                for (var v = x; v >= 0; v = jump[v])
                {
                    var r = _rank[v];
                    var k = -1;
                    if (dppm[r] > ppmBelow)
                    {
                        k = slot[(r * (ranks + 1)) + topRank + 1];
                        ppmBelow = dppm[r];
                        topRank = r;
                    }
                    else if (r == topRank && peers < peerMax)
                    {
                        k = peerSlot;
                        peers++;
                    }

                    if (k >= 0)
                    {
                        var sum = gathered[at + k];
                        totals[v] = checked(totals[v] + sum);
                        paid = checked(paid + sum);
                    }

                    if (ppmBelow >= maxPpm && peers >= peerMax)
                    {
                        break;
                    }
                }
            }

            return paid;
        }

        /// <summary>The self-purchase rebates of the buyers lo..hi-1, paid from their sums. Returns what was paid.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private long Rebates(int lo, int hi, long[] rates, long[] byBuyer, long[] totals)
        {
            var slot = _plan.HasRebate ? Array.IndexOf(rates, _plan.RebatePpm) : -1;
            if (slot < 0)
            {
                return 0;
            }

            var u = rates.Length;
            long paid = 0;
            for (var b = lo; b < hi; b++)
            {
                if (!_rebateRequiresActive || _active[b])
                {
                    var sum = byBuyer[(b * u) + slot];
                    totals[b] = checked(totals[b] + sum);
                    paid = checked(paid + sum);
                }
            }

            return paid;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool AnyNonZero(long[] values, int at, int count)
        {
            for (var k = 0; k < count; k++)
            {
                if (values[at + k] != 0)
                {
                    return true;
                }
            }

            return false;
        }

        private void WarmBuyers(Links links, int[] block, int size, long[] totals)
        {
            var next = links.JumpDiff ?? links.JumpLevel ?? links.Parent;
            long sink = 0;
            for (var i = 0; i < size; i++)
            {
                _hop[i] = next[block[i]];
            }

            var hops = links.JumpDiff is not null ? 4 : Math.Min(_plan.LevelCount, 4);
            for (var hop = 0; hop < hops; hop++)
            {
                for (var i = 0; i < size; i++)
                {
                    var p = _hop[i];
                    if (p >= 0)
                    {
                        sink += _rank[p] + totals[p];
                        _hop[i] = next[p];
                    }
                }
            }

            WarmSink += sink;
        }

        private void TotalsOfBuyer(Links links, int b, long[] rates, long[] sums, int at, long[] totals, bool withRebate, ref long paid)
        {
            _count = 0;
            if (_plan.LevelCount > 0)
            {
                ApplyLevels<long>(links, b, 1, 1, null);
            }

            if (_plan.DifferentialPpm is not null)
            {
                ApplyDifferential<long>(links, b, 1, 1, null);
            }

            if (withRebate && _plan.HasRebate && (!_rebateRequiresActive || _active[b]))
            {
                Add(b, CommissionRuleKind.SelfPurchaseRebate, 0, 0, _plan.RebatePpm, 0);
            }

            for (var k = 0; k < _count; k++)
            {
                var slot = Array.IndexOf(rates, Ppm[k]);
                if (slot >= 0)
                {
                    var sum = sums[at + slot];
                    totals[Earner[k]] = checked(totals[Earner[k]] + sum);
                    paid = checked(paid + sum);
                }
            }
        }

        /// <summary>How many orders are warmed up together.</summary>
        public const int BlockSize = 128;

        /// <summary>How many orders ahead a by-buyer run fetches the buyer's sums into the cache.</summary>
        public const int PrefetchAhead = 24;

        /// <summary>The most orders partitioned at a time in a by-buyer run.</summary>
        private const int ChunkOrders = 1 << 20;

        /// <summary>The fewest orders per chunk when a by-buyer run is split between threads.</summary>
        private const int MinChunkOrders = 1 << 16;

        /// <summary>Members (or orders) per slice of work claimed by a thread.</summary>
        private const int SliceSize = 1 << 16;

        /// <summary>The most threads of a by-buyer run (each holds members x rates sums).</summary>
        private const int MaxWorkers = 8;

        private const byte ByRate = 0;
        private const byte NoCommission = 1;
        private const byte FixedAmounts = 2;

        /// <summary>Sink for warming loads, so the JIT cannot drop them.</summary>
        public long WarmSink { get; private set; }

        /// <summary>
        /// Touches the memory the next orders will need (the first uplines' links, ranks and totals) in
        /// tight independent loops, so that the cache misses of many orders overlap instead of queueing one
        /// after another inside the longer per-order computation. Changes no result.
        /// </summary>
        public void Warm(int start, int end, long[] totals)
        {
            if (_epochStarts.Length > 0)
            {
                return;
            }

            var links = LinksFor(start);
            var next = links.JumpDiff ?? links.JumpLevel ?? links.Parent;
            var buyers = _batch.Buyer;
            long sink = 0;
            for (var row = start; row < end; row++)
            {
                _hop[row - start] = next[buyers[row]];
            }

            var hops = links.JumpDiff is not null ? 3 : Math.Min(_plan.LevelCount, 4);
            for (var hop = 0; hop < hops; hop++)
            {
                for (var i = 0; i < end - start; i++)
                {
                    var p = _hop[i];
                    if (p >= 0)
                    {
                        sink += _rank[p] + totals[p];
                        _hop[i] = next[p];
                    }
                }
            }

            WarmSink += sink;
        }

        /// <summary>Computes one order into the buffers; returns the number of lines.</summary>
        public int Compute(int row)
        {
            _count = 0;
            if (_trace)
            {
                Skips.Clear();
            }

            var links = LinksFor(row);
            var buyer = _batch.Buyer[row];
            var amount = _batch.Amount[row];
            var qty = _batch.Quantity[row];
            var ruleIndex = _productRule[_batch.Product[row]];
            long[]? fixedLevel = null, fixedRank = null;
            if (ruleIndex >= 0)
            {
                var rule = _plan.Products[ruleIndex];
                if (!rule.Commissionable)
                {
                    if (_trace)
                    {
                        AddSkip(new SkipFact(CommissionRuleKind.Level, SkipReason.NonCommissionableProduct, false, buyer, 0, 1, -1));
                    }

                    return 0;
                }

                fixedLevel = rule.FixedByLevel;
                fixedRank = rule.FixedByRank;
            }

            // Entitlements are exact numerators over one million: 64-bit when they cannot overflow, else 128-bit.
            var safe = amount <= _safeAmount && (long)qty <= _safeQuantity;
            if (_plan.LevelCount > 0)
            {
                if (safe)
                {
                    ApplyLevels<long>(links, buyer, amount, qty, fixedLevel);
                }
                else
                {
                    ApplyLevels<Int128>(links, buyer, amount, qty, fixedLevel);
                }
            }

            if (_plan.DifferentialPpm is not null)
            {
                if (safe)
                {
                    ApplyDifferential<long>(links, buyer, amount, qty, fixedRank);
                }
                else
                {
                    ApplyDifferential<Int128>(links, buyer, amount, qty, fixedRank);
                }
            }

            if (_plan.HasRebate && (!_rebateRequiresActive || _active[buyer]))
            {
                Add(buyer, CommissionRuleKind.SelfPurchaseRebate, 0, 0, _plan.RebatePpm, safe ? Pay(amount * _plan.RebatePpm) : Pay((Int128)amount * _plan.RebatePpm));
            }

            ApplyCap(amount);
            return _count;
        }

        private void ApplyLevels<T>(Links links, int buyer, long amount, int qty, long[]? fixedLevel)
            where T : struct, IBinaryInteger<T>
        {
            var parent = links.Parent;
            var levels = _plan.LevelCount;
                        if (_plan.LevelCompression == Compression.Dynamic)
            {
                var jump = links.JumpLevel!;
                var depth = links.Depth;
                var prev = buyer;
                var u = jump[buyer];
                for (var level = 1; level <= levels && u >= 0; level++)
                {
                    if (_trace && depth[prev] - depth[u] > 1)
                    {
                        AddGap(CommissionRuleKind.Level, links, buyer, prev, u);
                    }

                    var ppm = LevelPpm(_rank[u], level);
                    var num = fixedLevel is null ? Mul<T>(amount, ppm) : Mul<T>(fixedLevel[level - 1], qty) * T.CreateTruncating(Million);
                    Add(u, CommissionRuleKind.Level, level, depth[buyer] - depth[u], fixedLevel is null ? ppm : -1, Pay(num));
                    prev = u;
                    u = jump[u];
                }

                return;
            }

            var up = parent[buyer];
            for (var level = 1; level <= levels && up >= 0; level++)
            {
                var inactive = _plan.LevelRequiresActive && !_active[up];
                var lowRank = _rank[up] < _plan.LevelMinimumRank;
                if (inactive || lowRank)
                {
                    if (_trace)
                    {
                        AddSkip(new SkipFact(CommissionRuleKind.Level, inactive ? SkipReason.Inactive : SkipReason.RankBelowMinimum, false, up, level, 1, -1));
                    }
                }
                else
                {
                    var ppm = LevelPpm(_rank[up], level);
                    var num = fixedLevel is null ? Mul<T>(amount, ppm) : Mul<T>(fixedLevel[level - 1], qty) * T.CreateTruncating(Million);
                    Add(up, CommissionRuleKind.Level, level, level, fixedLevel is null ? ppm : -1, Pay(num));
                }

                up = parent[up];
            }
        }

        private void ApplyDifferential<T>(Links links, int buyer, long amount, int qty, long[]? fixedRank)
            where T : struct, IBinaryInteger<T>
        {
            var dppm = _plan.DifferentialPpm!;
            var jump = links.JumpDiff!;
            var depth = links.Depth;
            var peerMax = _plan.PeerMaxUplines;
            var top = _plan.DifferentialRankCount - 1;
            var maxEntitlement = fixedRank is null ? Mul<T>(amount, dppm[top]) : Mul<T>(fixedRank[top], qty) * T.CreateTruncating(Million);
            var paidBelow = T.Zero;
            long ppmBelow = 0;
            var topRank = -1;
            var topMember = -1;
            var peers = 0;
            var prev = buyer;
            for (var u = jump[buyer]; u >= 0; u = jump[u])
            {
                if (_trace && depth[prev] - depth[u] > 1)
                {
                    AddGap(CommissionRuleKind.Differential, links, buyer, prev, u);
                }

                var r = _rank[u];
                var distance = depth[buyer] - depth[u];
                var entitlement = fixedRank is null ? Mul<T>(amount, dppm[r]) : Mul<T>(fixedRank[r], qty) * T.CreateTruncating(Million);
                if (entitlement > paidBelow)
                {
                    Add(u, CommissionRuleKind.Differential, distance, distance, fixedRank is null ? dppm[r] - ppmBelow : -1, Pay(entitlement - paidBelow));
                    paidBelow = entitlement;
                    ppmBelow = dppm[r];
                    topRank = r;
                    topMember = u;
                }
                else if (peerMax > 0 && r == topRank && peers < peerMax)
                {
                    Add(u, CommissionRuleKind.PeerBonus, distance, distance, _plan.PeerPpm, Pay(Mul<T>(amount, _plan.PeerPpm)));
                    peers++;
                }
                else if (_trace)
                {
                    var reason = topMember < 0 ? SkipReason.NothingToPay
                        : r == topRank && peerMax > 0 ? SkipReason.PeerBonusExhausted
                        : SkipReason.RateAlreadyPaidBelow;
                    AddSkip(new SkipFact(CommissionRuleKind.Differential, reason, false, u, distance, 1, topMember));
                }

                prev = u;
                if (paidBelow >= maxEntitlement && peers >= peerMax)
                {
                    if (_trace && links.Parent[u] >= 0)
                    {
                        // Make the cut visible: everyone above earns nothing from this order.
                        var first = links.Parent[u];
                        AddSkip(new SkipFact(CommissionRuleKind.Differential, SkipReason.RateAlreadyPaidBelow, true, first, depth[buyer] - depth[first], depth[u], topMember));
                    }

                    break;
                }
            }
        }

        private void ApplyCap(long amount)
        {
            long sum = 0;
            for (var k = 0; k < _count; k++)
            {
                Cut[k] = 0;
                sum += Amount[k];
            }

            var cap = _plan.CapPpm >= Million ? amount : Rate.FromPartsPerMillion(_plan.CapPpm).ApplyToMinor(amount);
            if (sum <= cap)
            {
                return;
            }

            var excess = sum - cap;
            if (_plan.CapPolicy == CapPolicy.ProRata)
            {
                // Exact proportional cut: distribute the excess over the lines by largest remainder.
                Span<long> weights = Amount.AsSpan(0, _count);
                Span<long> cuts = Cut.AsSpan(0, _count);
                Money.AllocateMinor(excess, weights, cuts);
                for (var k = 0; k < _count; k++)
                {
                    Amount[k] -= Cut[k];
                }

                return;
            }

            // Deepest first: the farthest line is cut first; among equals, the later one.
            for (var k = 0; k < _count; k++)
            {
                _order[k] = k;
            }

            for (var i = 1; i < _count; i++)
            {
                var x = _order[i];
                var j = i - 1;
                while (j >= 0 && Distance[_order[j]] <= Distance[x])
                {
                    _order[j + 1] = _order[j];
                    j--;
                }

                _order[j + 1] = x;
            }

            for (var i = 0; i < _count && excess > 0; i++)
            {
                var k = _order[i];
                var take = Math.Min(excess, Amount[k]);
                Amount[k] -= take;
                Cut[k] = take;
                excess -= take;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Mul<T>(long a, long b)
            where T : struct, IBinaryInteger<T>
            => T.CreateTruncating(a) * T.CreateTruncating(b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private long Pay<T>(T numerator)
            where T : struct, IBinaryInteger<T>
        {
            if (typeof(T) == typeof(long))
            {
                var n = long.CreateTruncating(numerator);
                return _floor && n >= 0 ? n / Million : ExactMath.DivideToInt64(n, Million, _plan.Rounding);
            }

            var wide = Int128.CreateTruncating(numerator);
            if (_floor && wide >= 0 && wide <= long.MaxValue)
            {
                return (long)wide / Million;
            }

            return ExactMath.DivideToInt64(wide, Million, _plan.Rounding);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private long LevelPpm(int rank, int level)
            => (rank < _levelPpmByRank.Length ? _levelPpmByRank[rank] : _levelDefaultPpm)[level - 1];

        private void Add(int earner, CommissionRuleKind rule, int level, int distance, long ppm, long amount)
        {
            var k = _count++;
            Earner[k] = earner;
            Rule[k] = (byte)rule;
            Level[k] = level;
            Distance[k] = distance;
            Ppm[k] = ppm;
            Amount[k] = amount;
            if (_trace)
            {
                SkipsBefore[k] = Skips.Count;
            }
        }

        private void AddGap(CommissionRuleKind rule, Links links, int buyer, int prev, int next)
        {
            var first = links.Parent[prev];
            var count = links.Depth[prev] - links.Depth[next] - 1;
            AddSkip(new SkipFact(rule, SkipReason.Compressed, false, first, links.Depth[buyer] - links.Depth[first], count, -1));
        }

        /// <summary>Adds a skip to the order's trace, merged into the previous one when it continues it (no line between).</summary>
        private void AddSkip(SkipFact skip)
        {
            var n = Skips.Count;
            var lastLineSkips = _count == 0 ? 0 : SkipsBefore[_count - 1];
            if (n > lastLineSkips && Skips[n - 1].Continues(skip))
            {
                Skips[n - 1] = Skips[n - 1] with { Count = Skips[n - 1].Count + 1 };
                return;
            }

            Skips.Add(skip);
        }

        private Links LinksFor(int row)
        {
            if (_epochStarts.Length == 0 && _single is not null)
            {
                return _single;
            }

            var epoch = 0;
            if (_epochStarts.Length > 0)
            {
                var t = _batch.PaidAtTicks[row];
                var idx = Array.BinarySearch(_epochStarts, t);
                epoch = idx >= 0 ? idx + 1 : ~idx;
            }

            if (!_links.TryGetValue(epoch, out var links))
            {
                var snapshot = _statuses.Tree.Snapshot(_epochStarts.Length == 0 ? null : Instant.FromUnixTimeTicks(_batch.PaidAtTicks[row]));
                links = new Links(snapshot, _plan, _rank, _active, _diffEligibleRank, _trace, !_withoutDepth);
                _links[epoch] = links;
                if (_epochStarts.Length == 0)
                {
                    _single = links;
                }
            }

            return links;
        }
    }

    /// <summary>The links in force in one epoch, with depth and compression jump pointers (built only when the plan needs them).</summary>
    private sealed class Links
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Links(TreeSnapshot snapshot, CommissionPlan plan, int[] rank, bool[] active, bool[] diffEligibleRank, bool trace, bool depth)
        {
            Parent = snapshot.Parent;
            var n = Parent.Length;
            var dynamicLevels = plan.LevelCount > 0 && plan.LevelCompression == Compression.Dynamic;
            var differential = plan.DifferentialPpm is not null;
            if (!dynamicLevels && !differential && !trace)
            {
                // A plain level plan walks parents only: nothing to prepare.
                Depth = [];
                return;
            }

            Depth = depth ? new int[n] : [];
            JumpLevel = dynamicLevels ? new int[n] : null;
            JumpDiff = differential ? new int[n] : null;
            if (snapshot.IsIndexOrdered)
            {
                // Sponsors come before their members: one pass, fetching a member's sponsor's row a few members ahead.
                for (var i = 0; i < n; i++)
                {
                    if (i + Calculator.PrefetchAhead < n && Parent[i + Calculator.PrefetchAhead] is var p and >= 0)
                    {
                        CacheHint.Prefetch(ref rank[p]);
                        CacheHint.Prefetch(ref active[p]);
                        if (Depth.Length > 0)
                        {
                            CacheHint.Prefetch(ref Depth[p]);
                        }

                        if (JumpLevel is not null)
                        {
                            CacheHint.Prefetch(ref JumpLevel[p]);
                        }

                        if (JumpDiff is not null)
                        {
                            CacheHint.Prefetch(ref JumpDiff[p]);
                        }
                    }

                    Visit(i, plan, rank, active, diffEligibleRank);
                }
            }
            else
            {
                foreach (var i in snapshot.TopDownArray())
                {
                    Visit(i, plan, rank, active, diffEligibleRank);
                }
            }
        }

        public int[] Parent { get; }

        public int[] Depth { get; }

        public int[]? JumpLevel { get; }

        public int[]? JumpDiff { get; }

        private void Visit(int i, CommissionPlan plan, int[] rank, bool[] active, bool[] diffEligibleRank)
        {
            var p = Parent[i];
            if (Depth.Length > 0)
            {
                Depth[i] = p < 0 ? 0 : Depth[p] + 1;
            }

            if (JumpLevel is not null)
            {
                JumpLevel[i] = p < 0 ? -1
                    : (rank[p] >= plan.LevelMinimumRank && (!plan.LevelRequiresActive || active[p])) ? p : JumpLevel[p];
            }

            if (JumpDiff is not null)
            {
                JumpDiff[i] = p < 0 ? -1
                    : (rank[p] < diffEligibleRank.Length && diffEligibleRank[rank[p]] && (!plan.DifferentialRequiresActive || active[p])) ? p : JumpDiff[p];
            }
        }
    }
}
