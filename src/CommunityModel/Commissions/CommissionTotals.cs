using System.Globalization;
using System.Text;
using CommunityModel.Primitives;
using CommunityModel.Referrals;

namespace CommunityModel.Commissions;

/// <summary>Totals of a commission run: per earner, paid, and what the company keeps. Immutable.</summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class CommissionTotals
{
    private readonly long[] _byIndex;
    private readonly IReadOnlySet<int> _zeroLines;

    internal CommissionTotals(ReferralTree tree, Currency currency, long[] byIndex, long sales, long paid, int orders, IReadOnlySet<int>? zeroLines = null)
    {
        Tree = tree;
        Currency = currency;
        _byIndex = byIndex;
        _zeroLines = zeroLines ?? new HashSet<int>();
        TotalSales = new Money(sales, currency);
        TotalPaid = new Money(paid, currency);
        CompanyShare = new Money(checked(sales - paid), currency);
        OrderCount = orders;
    }

    /// <summary>The tree the run used.</summary>
    public ReferralTree Tree { get; }

    /// <summary>The currency of every amount (the plan's).</summary>
    public Currency Currency { get; }

    /// <summary>How many orders were computed.</summary>
    public int OrderCount { get; }

    /// <summary>The sum of the order amounts.</summary>
    public Money TotalSales { get; }

    /// <summary>The sum of all lines.</summary>
    public Money TotalPaid { get; }

    /// <summary>What the company keeps: sales minus paid, exactly.</summary>
    public Money CompanyShare { get; }

    /// <summary>What one member earned.</summary>
    /// <param name="member">A member of the tree these statuses cover (another id: <see cref="KeyNotFoundException"/>).</param>
    /// <returns>The earnings (zero when none).</returns>
    public Money EarningsOf(MemberId member) => new(_byIndex[Tree.IndexOf(member)], Currency);

    /// <summary>Earnings by dense index (a copy).</summary>
    /// <returns>One amount in minor units per member.</returns>
    public long[] ToArray() => (long[])_byIndex.Clone();

    /// <summary>Whether the member at a dense index has at least one line in the run (a line that came to zero counts).</summary>
    /// <param name="index">The member's dense index in <see cref="Tree"/>.</param>
    /// <returns>True for an earner.</returns>
    public bool HasLineAt(int index) => _byIndex[index] != 0 || _zeroLines.Contains(index);

    /// <summary>Every member who earned something, sorted by member id (ordinal).</summary>
    /// <returns>Earner and amount.</returns>
    public IReadOnlyList<KeyValuePair<MemberId, Money>> ByEarner() => Collect(includeZero: false);

    /// <summary>
    /// Every member with at least one line in the run, sorted by member id (ordinal), including those whose
    /// lines all came to zero (an order of one fen under a 10% / 5% plan gives two earners of 0.00): the rows
    /// of a payout file.
    /// </summary>
    /// <returns>Earner and amount.</returns>
    public IReadOnlyList<KeyValuePair<MemberId, Money>> ByEarnerWithZeroLines() => Collect(includeZero: true);

    /// <summary>The members with a line of zero (and possibly others), by dense index.</summary>
    internal IReadOnlySet<int> ZeroLines => _zeroLines;

    /// <summary>Adds every member's total into <paramref name="target"/> (checked).</summary>
    /// <param name="target">A total per member.</param>
    internal void AddTo(long[] target)
    {
        for (var i = 0; i < _byIndex.Length; i++)
        {
            target[i] = checked(target[i] + _byIndex[i]);
        }
    }

    internal CommissionTotals WithZeroLines(IReadOnlySet<int> zeroLines)
        => new(Tree, Currency, _byIndex, TotalSales.MinorUnits, TotalPaid.MinorUnits, OrderCount, zeroLines);

    private KeyValuePair<MemberId, Money>[] Collect(bool includeZero)
    {
        // The members whose lines all came to zero, as flags: a pass over every member then asks no set.
        bool[]? zero = null;
        if (includeZero && _zeroLines.Count > 0)
        {
            zero = new bool[_byIndex.Length];
            foreach (var i in _zeroLines)
            {
                zero[i] = true;
            }
        }

        var count = 0;
        for (var i = 0; i < _byIndex.Length; i++)
        {
            if (_byIndex[i] != 0 || (zero is not null && zero[i]))
            {
                count++;
            }
        }

        // The members' indices are sorted by id, then the pairs made in that order (no pair is moved).
        var keys = new string[count];
        var indices = new int[count];
        var k = 0;
        for (var i = 0; i < _byIndex.Length; i++)
        {
            if (_byIndex[i] != 0 || (zero is not null && zero[i]))
            {
                keys[k] = Tree.MemberAt(i).Value;
                indices[k++] = i;
            }
        }

        OrdinalSort.Sort(keys, indices);
        var result = new KeyValuePair<MemberId, Money>[count];
        for (k = 0; k < count; k++)
        {
            var i = indices[k];
            result[k] = new(Tree.MemberAt(i), new Money(_byIndex[i], Currency));
        }

        return result;
    }
}
