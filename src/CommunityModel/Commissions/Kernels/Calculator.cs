using CommunityModel.Kernels;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Commissions;

public sealed partial class CommissionEngine
{
    /// <summary>The per-run state: flat arrays of the links in force and reusable line buffers.</summary>
    internal sealed partial class Calculator
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
                    _diffEligibleRank[r] = dppm[r] > 0 || plan.RunBounds.FixedByRank[r];
                }
            }

            _levelPpmByRank = plan.LevelPpmByRank;
            _levelDefaultPpm = plan.LevelDefaultPpm;
            _floor = plan.Rounding == RoundingMode.Floor;
            _rebateRequiresActive = plan.Definition.RebateRequiresActive;

            // Bounds under which every numerator (amount x ppm, or fixed x quantity x 10^6) fits in 64 bits.
            var (maxPpm, maxFixed, _) = plan.RunBounds;
            _safeAmount = long.MaxValue / maxPpm;
            _safeQuantity = long.MaxValue / Million / maxFixed;
            _epochStarts = statuses.Tree.TransferInstants.Select(t => t.ToUnixTimeTicks()).ToArray();
            AllocateLineBuffers();
        }

        /// <summary>
        /// A calculator for another batch over the same plan and statuses (a streamed run's next batch): the ranks
        /// already checked, the links shared when no transfer makes them depend on an order's instant (they are
        /// then made once, here, before any thread can share them), its own line buffers.
        /// </summary>
        /// <param name="template">A calculator over the same plan and statuses.</param>
        /// <param name="batch">The batch.</param>
        public Calculator(Calculator template, OrderBatch batch)
        {
            ArgumentNullException.ThrowIfNull(batch);
            if (!ReferenceEquals(template._statuses.Tree, batch.Tree))
            {
                throw new ArgumentException("The statuses and the orders must be over the same referral tree.", nameof(batch));
            }

            if (batch.Currency != template._plan.Currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(template._plan.Currency, batch.Currency));
            }

            _plan = template._plan;
            _statuses = template._statuses;
            _batch = batch;
            _trace = false;
            _rank = template._rank;
            _active = template._active;
            _productRule = batch.ProductTable.Select(_plan.ProductRuleIndex).ToArray();
            _diffEligibleRank = template._diffEligibleRank;
            _epochStarts = template._epochStarts;
            if (_epochStarts.Length == 0)
            {
                template.LinksFor(0);
                _links = template._links;
                _single = template._single;
            }

            _levelPpmByRank = template._levelPpmByRank;
            _levelDefaultPpm = template._levelDefaultPpm;
            _floor = template._floor;
            _rebateRequiresActive = template._rebateRequiresActive;
            _safeAmount = template._safeAmount;
            _safeQuantity = template._safeQuantity;
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

        /// <summary>How many orders are warmed up together.</summary>
        public const int BlockSize = 128;

        /// <summary>How many orders ahead a by-buyer run fetches the buyer's sums into the cache.</summary>
        public const int PrefetchAhead = 24;

        private const byte ByRate = 0;

        private const byte NoCommission = 1;

        private const byte FixedAmounts = 2;

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
                        CacheHint.Prefetch(ref _rank[p]);
                        CacheHint.Prefetch(ref totals[p]);
                        _hop[i] = next[p];
                    }
                }
            }

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
}
