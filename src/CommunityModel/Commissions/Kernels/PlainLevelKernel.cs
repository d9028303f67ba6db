using System.Runtime.CompilerServices;
using CommunityModel.Kernels;
using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

public sealed partial class CommissionEngine
{
    // The totals kernel of a plain level plan (no differential, no compression): order by order on every core.
    internal sealed partial class Calculator
    {
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
    }
}
