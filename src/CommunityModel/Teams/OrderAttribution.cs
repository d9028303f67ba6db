using System.Collections.Immutable;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Teams;

/// <summary>
/// The attribution of a batch of orders: each order to exactly one account (or to none, "unassigned", when no
/// account held the buyer), with the operator of that account at the order's instant; and, documented apart,
/// a referral credit to the account that held the buyer's sponsor at the order's instant. Team totals count
/// each order once, by its account; referral credit is reported beside them and never added in.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class OrderAttribution
{
    internal OrderAttribution(AccountMatrix matrix, AttributionRule rule, int[] account, int[] operatorIndex, int[] referralAccount)
    {
        Matrix = matrix;
        Rule = rule;
        AccountIndex = account;
        OperatorIndex = operatorIndex;
        ReferralAccountIndex = referralAccount;
    }

    /// <summary>The matrix the orders were attributed in.</summary>
    public AccountMatrix Matrix { get; }

    /// <summary>The rule used.</summary>
    public AttributionRule Rule { get; }

    /// <summary>How many orders.</summary>
    public int Count => AccountIndex.Length;

    internal int[] AccountIndex { get; }

    internal int[] OperatorIndex { get; }

    internal int[] ReferralAccountIndex { get; }

    /// <summary>The account of an order, by its position in the batch; null when unassigned.</summary>
    /// <param name="row">The order's position.</param>
    /// <returns>The account or null.</returns>
    public AccountId? AccountOf(int row) => AccountIndex[row] < 0 ? (AccountId?)null : Matrix.Accounts[AccountIndex[row]].Id;

    /// <summary>The operator of the order's account at the order's instant; null when unassigned or not operated.</summary>
    /// <param name="row">The order's position.</param>
    /// <returns>The staff member or null.</returns>
    public StaffId? OperatorOf(int row) => AccountIndex[row] < 0 || OperatorIndex[row] < 0 ? (StaffId?)null : Matrix.OperatorByIndex(AccountIndex[row], OperatorIndex[row]);

    /// <summary>The account credited for the referral (the sponsor's owner at the order's instant); null when none.</summary>
    /// <param name="row">The order's position.</param>
    /// <returns>The account or null.</returns>
    public AccountId? ReferralCreditOf(int row) => ReferralAccountIndex[row] < 0 ? (AccountId?)null : Matrix.Accounts[ReferralAccountIndex[row]].Id;

    /// <summary>Orders per account in matrix order, then the unassigned count last.</summary>
    /// <returns>Counts; they add up to <see cref="Count"/>.</returns>
    public int[] OrdersPerAccount()
    {
        var counts = new int[Matrix.AccountCount + 1];
        foreach (var a in AccountIndex)
        {
            counts[a < 0 ? counts.Length - 1 : a]++;
        }

        return counts;
    }
}
