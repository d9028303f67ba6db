using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using CommunityModel.Kernels;
using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

public sealed partial class CommissionEngine
{
    // The totals kernel that sums each buyer's orders first, then walks each buyer's uplines once, on every core.
    internal sealed partial class Calculator
    {
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
            var paid = new long[walkers];
            var nextChunk = -1;
            long[]? result = null;
            var gather = GathersSums;

            // Depths only matter to the general walk and to fixed-amount orders (distances order a cap's cut).
            _withoutDepth = (IsPlainLevels || (gather && _plan.DifferentialPpm is not null)) && !anyFixed;
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
                result = Walk(links, rates, byBuyer, byFirstUpline is not null, walkers, chunkOrders, paid);
            }
            finally
            {
                ReturnToPool(sums, null);
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

        /// <summary>Whether the walk first gathers each buyer's sums into their first eligible upline's row.</summary>
        private bool GathersSums => (_plan.DifferentialPpm is not null && _plan.LevelCount == 0) || (_plan.DifferentialPpm is null && !IsPlainLevels);

        /// <summary>
        /// The second half of a by-buyer run: each buyer's sums paid up the tree, members split into slices claimed by
        /// <paramref name="walkers"/> threads, each adding into its own totals (with one, the result itself).
        /// </summary>
        /// <param name="links">The links in force.</param>
        /// <param name="rates">The possible rates.</param>
        /// <param name="byBuyer">The sums, a row of rates per member (by buyer, or already by first eligible upline).</param>
        /// <param name="gatheredAlready">True when the sums are by first eligible upline (summed with it as rowOf).</param>
        /// <param name="walkers">Threads.</param>
        /// <param name="sliceSize">Members per slice, when not the default.</param>
        /// <param name="paid">What each walker paid (one element per walker, added to).</param>
        /// <returns>The totals per member: a fresh array, never one of the pool's.</returns>
        private long[] Walk(Links links, long[] rates, long[] byBuyer, bool gatheredAlready, int walkers, int? sliceSize, long[] paid)
        {
            var n = _statuses.Tree.Count;
            var size = checked(n * rates.Length);
            var plainLevels = IsPlainLevels;
            var slots = plainLevels ? LevelSlots(rates) : [];
            var gather = GathersSums;
            var totals = new long[walkers][];
            long[]? result = null;
            long[]? gathered = null;
            try
            {
                // Each buyer with commissionable orders: the lines an order of theirs makes, each paid the buyer's
                // sum at its rate. Buyers are split into one range per worker, each adding into its own totals;
                // with one worker that is the result itself.
                int[]? representative = null;
                if (gatheredAlready)
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
                    while (Claim(ref nextSlice, sliceSize ?? SliceSize, n, out var lo, out var hi))
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
                return result;
            }
            finally
            {
                ReturnToPool([gatheredAlready ? null : gathered], null);
                ReturnToPool(totals, result);
            }
        }

        /// <summary>
        /// One batch of a streamed by-buyer run (<see cref="CommissionTotalsBuilder"/>), on the calling thread: its
        /// orders paid by rate summed into <paramref name="byBuyer"/> by buyer, its fixed-amount orders computed one
        /// by one into <paramref name="direct"/> (made when first needed). Returns the batch's sales.
        /// </summary>
        /// <param name="rates">The possible rates (this calculator's <see cref="ByBuyerRates"/>).</param>
        /// <param name="byBuyer">The thread's sums, a row of rates per member.</param>
        /// <param name="direct">The thread's totals of fixed-amount lines, or null until one is made.</param>
        /// <param name="paid">What the fixed-amount lines paid (added to).</param>
        /// <returns>The batch's sales.</returns>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long SumBatchByBuyer(long[] rates, long[] byBuyer, ref long[]? direct, ref long paid)
        {
            var kinds = ProductKinds(out var allByRate, out var anyFixed);
            var next = -1;
            var sales = SumChunks(byBuyer, rates, kinds, allByRate, Math.Max(1, _batch.Count), _batch.Count == 0 ? 0 : 1, ref next, rowOf: null);
            if (anyFixed)
            {
                direct ??= new long[_statuses.Tree.Count];
                for (var row = 0; row < _batch.Count; row++)
                {
                    if (kinds[_batch.Product[row]] == FixedAmounts)
                    {
                        var lines = Compute(row);
                        for (var k = 0; k < lines; k++)
                        {
                            direct[Earner[k]] = checked(direct[Earner[k]] + Amount[k]);
                            paid = checked(paid + Amount[k]);
                        }
                    }
                }
            }

            return sales;
        }

        /// <summary>
        /// The walk of a streamed by-buyer run over the sums of every batch (see <see cref="SumBatchByBuyer"/>).
        /// </summary>
        /// <param name="rates">The possible rates.</param>
        /// <param name="byBuyer">The sums of every batch, by buyer.</param>
        /// <param name="threads">The most threads to walk on.</param>
        /// <param name="paid">What the walk paid.</param>
        /// <returns>The totals per member (a fresh array).</returns>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long[] WalkSums(long[] rates, long[] byBuyer, int threads, out long paid)
        {
            _withoutDepth = IsPlainLevels || (GathersSums && _plan.DifferentialPpm is not null);
            var n = _statuses.Tree.Count;
            var walkers = Math.Max(1, Math.Min(Math.Min(threads, MaxWorkers), (n + SliceSize - 1) / SliceSize));
            var paidBy = new long[walkers];
            var result = Walk(LinksFor(0), rates, byBuyer, gatheredAlready: false, walkers, null, paidBy);
            paid = 0;
            foreach (var p in paidBy)
            {
                paid = checked(paid + p);
            }

            return result;
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

        /// <summary>Adds the first length elements of arrays 1.. into array 0's (checked) and returns array 0.</summary>
        /// <param name="arrays">At least one array, each at least length long.</param>
        /// <param name="length">How many elements.</param>
        /// <returns>The first array, now the sum.</returns>
        public static long[] AddAll(long[][] arrays, int length)
        {
            var target = arrays[0];
            for (var j = 1; j < arrays.Length; j++)
            {
                var source = arrays[j];
                for (var i = 0; i < length; i++)
                {
                    target[i] = checked(target[i] + source[i]);
                }
            }

            return target;
        }

        /// <summary>Returns arrays rented with <see cref="RentCleared"/> to the shared pool.</summary>
        /// <param name="arrays">The arrays.</param>
        public static void ReturnAll(long[][] arrays) => ReturnToPool(arrays, null);

        /// <summary>An array of at least the length from the shared pool, its first length elements zero.</summary>
        public static long[] RentCleared(int length)
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
        /// <param name="rates">The possible line rates (ppm) per buyer row, from <c>ByBuyerRates</c>.</param>
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
                        CacheHint.Prefetch(ref _rank[p]);
                        CacheHint.Prefetch(ref totals[p]);
                        _hop[i] = next[p];
                    }
                }
            }

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

        /// <summary>The most orders partitioned at a time in a by-buyer run.</summary>
        private const int ChunkOrders = 1 << 20;

        /// <summary>The fewest orders per chunk when a by-buyer run is split between threads.</summary>
        private const int MinChunkOrders = 1 << 16;

        /// <summary>Members (or orders) per slice of work claimed by a thread.</summary>
        private const int SliceSize = 1 << 16;

        /// <summary>The most threads of a by-buyer run (each holds members x rates sums).</summary>
        private const int MaxWorkers = 8;
    }
}
