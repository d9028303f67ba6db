using System.Collections.Concurrent;

namespace CommunityModel.Commissions;

public sealed partial class CommissionEngine
{
    /// <summary>Totals of orders that come in batches (see <see cref="CommissionTotalsBuilder"/>).</summary>
    /// <param name="statuses">Rank and active flag per member (carries the tree).</param>
    /// <returns>An empty builder.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="statuses"/> is null.</exception>
    public CommissionTotalsBuilder CreateTotalsBuilder(MemberStatuses statuses) => CreateTotalsBuilder(statuses, CommissionRunOptions.Default);

    /// <summary>Totals of orders that come in batches (see <see cref="CommissionTotalsBuilder"/>).</summary>
    /// <param name="statuses">Rank and active flag per member (carries the tree).</param>
    /// <param name="options">How the final walk of <see cref="CommissionTotalsBuilder.Build"/> may use the machine (each <see cref="CommissionTotalsBuilder.Add"/> stays on its caller's thread); the totals never depend on it.</param>
    /// <returns>An empty builder.</returns>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    public CommissionTotalsBuilder CreateTotalsBuilder(MemberStatuses statuses, CommissionRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(options);
        return new CommissionTotalsBuilder(this, statuses, options);
    }

    /// <summary>Adds a batch to a stream: summed by buyer when its plan and orders allow, else computed order by order.</summary>
    internal void AddToStream(TotalsStream stream, OrderBatch batch) => WithinRange(() =>
    {
        stream.ThrowIfBuilt();
        var calc = new Calculator(stream.Template(this), batch);
        if (batch.Count == 0)
        {
            return 0;
        }

        var rates = stream.Options.ForceOrderByOrder ? null : calc.ByBuyerRates();
        long sales, paid = 0;
        HashSet<int> zero;
        if (rates is not null)
        {
            // The rates first: Build walks the sums at them whenever any sums were taken.
            stream.SetRates(rates);
            var sums = stream.TakeSums(rates.Length);
            var direct = stream.TakeDirect(create: false);
            try
            {
                sales = calc.SumBatchByBuyer(rates, sums, ref direct, ref paid);
            }
            finally
            {
                stream.GiveBack(sums, direct);
            }

            zero = ZeroLineEarners(stream.Statuses, batch, calc);
        }
        else
        {
            var totals = RunTotalsCore(stream.Statuses, batch, stream.Options with { MaxDegreeOfParallelism = 1 });
            var direct = stream.TakeDirect(create: true)!;
            try
            {
                totals.AddTo(direct);
            }
            finally
            {
                stream.GiveBack(null, direct);
            }

            sales = totals.TotalSales.MinorUnits;
            paid = totals.TotalPaid.MinorUnits;
            zero = [.. totals.ZeroLines];
        }

        stream.Count(batch.Count, sales, paid, zero);
        return 0;
    });

    /// <summary>The totals of a stream: the summed batches walked up the tree once, the others added in.</summary>
    internal CommissionTotals BuildStream(TotalsStream stream) => WithinRange(() =>
    {
        stream.MarkBuilt();
        var tree = stream.Statuses.Tree;
        var n = tree.Count;
        long[] result;
        long paid = stream.Paid;
        if (stream.AllSums.Count > 0)
        {
            var rates = stream.Rates!;
            var sums = stream.AllSums.ToArray();
            try
            {
                var byBuyer = Calculator.AddAll(sums, checked(n * rates.Length));
                var walk = new Calculator(stream.Template(this), EmptyBatch(tree));
                var threads = stream.Options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : stream.Options.MaxDegreeOfParallelism;
                result = walk.WalkSums(rates, byBuyer, threads, out var walked);
                paid = checked(paid + walked);
            }
            finally
            {
                Calculator.ReturnAll(sums);
            }
        }
        else
        {
            result = new long[n];
        }

        foreach (var direct in stream.AllDirect)
        {
            for (var i = 0; i < n; i++)
            {
                result[i] = checked(result[i] + direct[i]);
            }
        }

        var orders = stream.Orders <= int.MaxValue ? (int)stream.Orders : throw new InvalidOperationException($"The batches hold {stream.Orders} orders; totals count at most {int.MaxValue}.");
        return new CommissionTotals(tree, Plan.Currency, result, stream.Sales, paid, orders, stream.ZeroLines);
    });

    private OrderBatch EmptyBatch(Referrals.ReferralTree tree) => OrderBatch.FromOwnedColumns(tree, Plan.Currency, null, [], [], [], [], [], []);

    /// <summary>The state of a <see cref="CommissionTotalsBuilder"/>: scratch sums reused between adds, the scalars, the zero lines.</summary>
    internal sealed class TotalsStream(MemberStatuses statuses, CommissionRunOptions options)
    {
        private readonly object _gate = new();
        private readonly ConcurrentBag<long[]> _freeSums = [];
        private readonly ConcurrentBag<long[]> _freeDirect = [];
        private bool _built;

        /// <summary>Orders added (read with Interlocked).</summary>
        public long Orders;

        public MemberStatuses Statuses { get; } = statuses;

        public CommissionRunOptions Options { get; } = options;

        public long[]? Rates { get; private set; }

        public List<long[]> AllSums { get; } = [];

        public List<long[]> AllDirect { get; } = [];

        public long Sales { get; private set; }

        public long Paid { get; private set; }

        public HashSet<int> ZeroLines { get; } = [];

        private Calculator? _template;

        /// <summary>
        /// The calculator every batch's own is made from: made once (the ranks checked against the plan, the links
        /// made), so that a batch costs nothing per member.
        /// </summary>
        public Calculator Template(CommissionEngine engine)
        {
            lock (_gate)
            {
                if (_template is null)
                {
                    var template = new Calculator(engine.Plan, Statuses, engine.EmptyBatch(Statuses.Tree), trace: false);
                    _ = new Calculator(template, engine.EmptyBatch(Statuses.Tree));
                    _template = template;
                }

                return _template;
            }
        }

        public void ThrowIfBuilt()
        {
            lock (_gate)
            {
                if (_built)
                {
                    throw new InvalidOperationException("The totals were already built; a builder adds no more batches.");
                }
            }
        }

        public void MarkBuilt()
        {
            lock (_gate)
            {
                ThrowIfBuilt();
                _built = true;
            }
        }

        /// <summary>A scratch row of sums per member, cleared, for one add (every by-buyer batch of a plan has the same rates).</summary>
        public long[] TakeSums(int rates)
        {
            if (_freeSums.TryTake(out var sums))
            {
                return sums;
            }

            sums = Calculator.RentCleared(checked(Statuses.Tree.Count * rates));
            lock (_gate)
            {
                AllSums.Add(sums);
            }

            return sums;
        }

        /// <summary>A totals array per member for one add, or null when none is free and none is asked for.</summary>
        public long[]? TakeDirect(bool create)
        {
            if (_freeDirect.TryTake(out var direct))
            {
                return direct;
            }

            return create ? new long[Statuses.Tree.Count] : null;
        }

        /// <summary>Gives an add's arrays back for later adds (a direct array made during the add is registered here).</summary>
        public void GiveBack(long[]? sums, long[]? direct)
        {
            if (sums is not null)
            {
                _freeSums.Add(sums);
            }

            if (direct is not null)
            {
                lock (_gate)
                {
                    if (!AllDirect.Contains(direct))
                    {
                        AllDirect.Add(direct);
                    }
                }

                _freeDirect.Add(direct);
            }
        }

        public void SetRates(long[] rates)
        {
            lock (_gate)
            {
                Rates ??= rates;
            }
        }

        public void Count(int orders, long sales, long paid, HashSet<int> zero)
        {
            lock (_gate)
            {
                var allOrders = checked(Orders + orders);
                var allSales = checked(Sales + sales);
                var allPaid = checked(Paid + paid);
                Orders = allOrders;
                Sales = allSales;
                Paid = allPaid;
                ZeroLines.UnionWith(zero);
            }
        }
    }
}
