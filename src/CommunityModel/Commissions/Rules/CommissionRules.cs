using System.Numerics;
using System.Runtime.CompilerServices;
using CommunityModel.Primitives;

namespace CommunityModel.Commissions;

public sealed partial class CommissionEngine
{
    // The commission rules, one implementation each: levels (unilevel with eligibility and compression),
    // the differential (级差) with its peer bonus (平级奖), the per-order cap and rounding. The detailed run
    // computes every order with these; the totals kernels in Kernels/ are held equal to them by the laws
    // (RunTotals equals the sum of Run's lines on every generated plan, tree and batch).
    internal sealed partial class Calculator
    {
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
    }
}
