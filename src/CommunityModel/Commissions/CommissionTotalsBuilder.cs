using CommunityModel.Primitives;
using CommunityModel.Referrals;

namespace CommunityModel.Commissions;

/// <summary>
/// Totals of a run whose orders come in batches, so that a large run never holds all its orders at once: a reader
/// of a big orders file makes a batch of its next rows, adds it, and drops it. <see cref="Build"/> gives exactly
/// what <see cref="CommissionEngine.RunTotals(MemberStatuses, OrderBatch)"/> gives for all the batches' orders
/// taken together, whatever the batches' sizes, their order and the threads that added them: every line of an
/// order depends only on that order, the plan and the statuses. A batch whose plan and orders allow it is summed
/// per buyer and every buyer's uplines are walked once, in <see cref="Build"/>; other batches are computed order
/// by order as they are added. Create one with <see cref="CommissionEngine.CreateTotalsBuilder(MemberStatuses)"/>.
/// </summary>
/// <remarks>
/// <see cref="Add"/> may be called from several threads at once (each call works on its own scratch sums, a row of
/// the plan's rates per member, reused by later calls); <see cref="Build"/> is called once, after every
/// <see cref="Add"/> has returned. Memory: one scratch row per member per thread adding at once, not per order.
/// </remarks>
public sealed class CommissionTotalsBuilder
{
    private readonly CommissionEngine _engine;
    private readonly CommissionEngine.TotalsStream _stream;

    internal CommissionTotalsBuilder(CommissionEngine engine, MemberStatuses statuses, CommissionRunOptions options)
    {
        _engine = engine;
        _stream = new CommissionEngine.TotalsStream(statuses, options);
    }

    /// <summary>The referral tree of the run.</summary>
    public ReferralTree Tree => _stream.Statuses.Tree;

    /// <summary>How many orders the batches added so far hold.</summary>
    public long OrderCount => Interlocked.Read(ref _stream.Orders);

    /// <summary>
    /// Adds a batch's orders to the totals. Thread-safe; the batch is not kept. A batch refused for its tree, its
    /// currency or the statuses' ranks changes nothing; after <see cref="MoneyOverflowRule"/> the run's sums do not
    /// fit 64-bit minor units and the builder must not be used further.
    /// </summary>
    /// <param name="batch">The orders, over the builder's tree, in the plan's currency.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="batch"/> is null.</exception>
    /// <exception cref="ArgumentException">When the batch is over another tree.</exception>
    /// <exception cref="InvalidInputException">With <see cref="CurrencyMismatchRule"/>, <see cref="RankMustBeDefinedByPlanRule"/>, or <see cref="MoneyOverflowRule"/> when a sum passes 64-bit minor units.</exception>
    /// <exception cref="InvalidOperationException">When the totals were already built.</exception>
    public void Add(OrderBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _engine.AddToStream(_stream, batch);
    }

    /// <summary>The totals of every order added. Call once, after every <see cref="Add"/> has returned.</summary>
    /// <returns>The totals, as <see cref="CommissionEngine.RunTotals(MemberStatuses, OrderBatch)"/> gives them for the same orders.</returns>
    /// <exception cref="InvalidInputException">With <see cref="MoneyOverflowRule"/> when a sum passes 64-bit minor units.</exception>
    /// <exception cref="InvalidOperationException">When the totals were already built, or the batches hold more than <see cref="int.MaxValue"/> orders.</exception>
    public CommissionTotals Build() => _engine.BuildStream(_stream);
}
