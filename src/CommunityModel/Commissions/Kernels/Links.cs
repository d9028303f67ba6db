using System.Runtime.CompilerServices;
using CommunityModel.Kernels;
using CommunityModel.Referrals;

namespace CommunityModel.Commissions;

public sealed partial class CommissionEngine
{
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
