using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Referrals;

/// <summary>
/// The referral tree (推荐关系): who referred whom, array-backed for speed. Members get dense indices in
/// join order such that a member's join sponsor always has a smaller index, so a bottom-up pass is a
/// reverse loop and a top-down pass a forward loop; no operation recurses, and a chain a million levels
/// deep is fine. A sponsor link is locked once made; it changes only through an explicit
/// <see cref="SponsorTransfer"/>, and the tree answers who the sponsor was as of any instant.
/// The tree is immutable: <see cref="WithTransfer"/> returns a new tree.
/// </summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class ReferralTree
{
    private readonly MemberId[] _ids;
    private readonly MemberIndex _index;
    private readonly int[] _joinParent;
    private readonly Instant[] _joined;
    private readonly Dictionary<int, TransferHistory> _history;
    private readonly SponsorTransfer[] _transfers;
    private TreeSnapshot? _latest;

    private ReferralTree(MemberId[] ids, MemberIndex index, int[] joinParent, Instant[] joined, Dictionary<int, TransferHistory> history, SponsorTransfer[] transfers)
    {
        _ids = ids;
        _index = index;
        _joinParent = joinParent;
        _joined = joined;
        _history = history;
        _transfers = transfers;
    }

    /// <summary>The number of members.</summary>
    public int Count => _ids.Length;

    /// <summary>The transfers recorded, in effective order.</summary>
    public IReadOnlyList<SponsorTransfer> Transfers => _transfers;

    /// <summary>True when any sponsor link was ever transferred.</summary>
    public bool HasTransfers => _transfers.Length > 0;

    /// <summary>
    /// Builds a tree from join records in any order. Rejects the whole input, listing every offender
    /// (unknown sponsor, self-sponsorship, cycle, duplicate member, sponsor who joined after the member).
    /// </summary>
    /// <param name="records">The join records.</param>
    /// <returns>The tree.</returns>
    /// <exception cref="InvalidInputException">With <see cref="ReferralTreeMustBeConsistentRule"/> listing every problem.</exception>
    public static ReferralTree Build(IEnumerable<JoinRecord> records)
        => TryBuild(records, out var tree, out var problems) ? tree! : throw new InvalidInputException(new ReferralTreeMustBeConsistentRule(problems));

    /// <summary>Builds a tree, or returns every problem without building anything.</summary>
    /// <param name="records">The join records.</param>
    /// <param name="tree">The tree when the input is consistent.</param>
    /// <param name="problems">Every problem found; empty on success.</param>
    /// <returns>True when built.</returns>
    public static bool TryBuild(IEnumerable<JoinRecord> records, out ReferralTree? tree, out IReadOnlyList<ReferralProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(records);
        var builder = new ReferralTreeBuilder(records.TryGetNonEnumeratedCount(out var n) ? n : 0);
        var i = 0;
        foreach (var r in records)
        {
            if (r is null || r.Member.IsDefault)
            {
                throw new ArgumentException($"Join record {i} is null or has no member.", nameof(records));
            }

            builder.Add(r.Member.Value, r.Sponsor is { } sponsor ? sponsor.Value : default, r.JoinedAt);
            i++;
        }

        return builder.TryBuild(out tree, out problems);
    }

    /// <summary>Makes a tree from the dense arrays a <see cref="ReferralTreeBuilder"/> worked out and the index its interner became.</summary>
    internal static ReferralTree FromDense(MemberId[] ids, int[] parent, Instant[] joined, long[] joinedTicks, MemberIndex index)
        => new(ids, index, parent, joined, [], []) { _joinedTicks = joinedTicks };

    /// <summary>
    /// Returns a new tree in which <paramref name="transfer"/> re-parents a member from its effective instant.
    /// Transfers must come in effective order (not earlier than any transfer already recorded), after the
    /// member joined, to a sponsor who had joined by then and is not in the member's own downline.
    /// </summary>
    /// <param name="transfer">The transfer: a member, the new sponsor (not in the member's downline), the instant it takes effect and the reason.</param>
    /// <returns>The new tree; this one is unchanged.</returns>
    /// <exception cref="InvalidInputException">With <see cref="ReferralTreeMustBeConsistentRule"/> naming the problem.</exception>
    public ReferralTree WithTransfer(SponsorTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        var problems = new List<ReferralProblem>();
        void Fail(ReferralProblemKind kind, string detail) => problems.Add(new ReferralProblem(transfer.Member, kind, detail));

        if (string.IsNullOrWhiteSpace(transfer.Reason))
        {
            Fail(ReferralProblemKind.MissingReason, "a transfer needs a reason");
        }

        if (!TryGetIndex(transfer.Member, out var m))
        {
            Fail(ReferralProblemKind.UnknownMember, $"'{transfer.Member}' is not a member");
        }

        if (!TryGetIndex(transfer.NewSponsor, out var s))
        {
            Fail(ReferralProblemKind.UnknownSponsor, $"sponsor '{transfer.NewSponsor}' is not a member");
        }

        if (problems.Count == 0)
        {
            if (m == s)
            {
                Fail(ReferralProblemKind.SelfSponsorship, "the member cannot sponsor itself");
            }

            if (_transfers.Length > 0 && transfer.EffectiveAt < _transfers[^1].EffectiveAt)
            {
                Fail(ReferralProblemKind.TransferOutOfOrder, $"effective {transfer.EffectiveAt} is before the last recorded transfer at {_transfers[^1].EffectiveAt}");
            }

            if (transfer.EffectiveAt < _joined[m])
            {
                Fail(ReferralProblemKind.TransferOutOfOrder, $"effective {transfer.EffectiveAt} is before the member joined at {_joined[m]}");
            }

            if (_joined[s] > transfer.EffectiveAt)
            {
                Fail(ReferralProblemKind.SponsorJoinedAfterMember, $"sponsor '{transfer.NewSponsor}' joined at {_joined[s]}, after {transfer.EffectiveAt}");
            }

            // The new sponsor must not be the member or below it as of now (transfers are in order).
            var latest = Snapshot(null);
            for (var p = s; p >= 0; p = latest.Parent[p])
            {
                if (p == m)
                {
                    Fail(ReferralProblemKind.TransferIntoOwnDownline, $"'{transfer.NewSponsor}' is in the downline of '{transfer.Member}'");
                    break;
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidInputException(new ReferralTreeMustBeConsistentRule(problems));
        }

        var history = new Dictionary<int, TransferHistory>(_history);
        history[m] = history.TryGetValue(m, out var h) ? h.With(transfer.EffectiveAt, s) : new TransferHistory([transfer.EffectiveAt], [s]);
        return new ReferralTree(_ids, _index, _joinParent, _joined, history, [.. _transfers, transfer]);
    }

    /// <summary>The member at a dense index.</summary>
    /// <param name="index">0..<see cref="Count"/>-1.</param>
    /// <returns>The member.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The index is not a member's.</exception>
    public MemberId MemberAt(int index) => index >= 0 && index < _ids.Length
        ? _ids[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"The tree has members 0 to {_ids.Length - 1}.");

    /// <summary>The dense index of a member.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <returns>The index.</returns>
    /// <exception cref="KeyNotFoundException">The member is not in the tree.</exception>
    public int IndexOf(MemberId member)
        => TryGetIndex(member, out var i) ? i : throw new KeyNotFoundException($"'{member}' is not a member of the referral tree.");

    /// <summary>Looks up the dense index of a member.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <param name="index">The index when found.</param>
    /// <returns>True when the member is in the tree.</returns>
    public bool TryGetIndex(MemberId member, out int index)
    {
        if (member.IsDefault)
        {
            index = -1;
            return false;
        }

        index = _index.Find(member.Value);
        return index >= 0;
    }

    /// <summary>Looks up the dense index of a member by its key as text, without making a string (for readers of large files).</summary>
    /// <param name="member">The member's key.</param>
    /// <param name="index">The index when found.</param>
    /// <returns>True when the member is in the tree.</returns>
    public bool TryGetIndex(ReadOnlySpan<char> member, out int index)
    {
        index = _index.Find(member);
        return index >= 0;
    }

    /// <summary>
    /// Looks up the dense index and the join instant of a member by its key as text, without making a string; one
    /// memory access for keys of up to 8 characters (for readers that check each order against its buyer's join).
    /// </summary>
    /// <param name="member">The member's key.</param>
    /// <param name="index">The index when found.</param>
    /// <param name="joinedAt">When the member joined, when found.</param>
    /// <returns>True when the member is in the tree.</returns>
    public bool TryGetIndex(ReadOnlySpan<char> member, out int index, out Instant joinedAt)
    {
        index = _index.Find(member, out var ticks);
        joinedAt = Instant.FromUnixTimeTicks(ticks);
        return index >= 0;
    }

    /// <summary>
    /// Looks up many members at once, their keys concatenated in <paramref name="keys"/> (key i ends at
    /// <paramref name="ends"/>[i]): the lookups' memory accesses overlap, which is several times faster than one
    /// <see cref="TryGetIndex(ReadOnlySpan{char}, out int, out Instant)"/> after another for readers of large files.
    /// </summary>
    /// <param name="keys">The keys, one after another.</param>
    /// <param name="ends">Where each key ends in <paramref name="keys"/>.</param>
    /// <param name="indices">Receives each member's dense index, or -1 when it is not a member.</param>
    /// <param name="joinedAtTicks">Receives each member's join instant in ticks since the Unix epoch (0 when not a member).</param>
    /// <exception cref="ArgumentException">The output spans are shorter than <paramref name="ends"/>.</exception>
    public void GetIndices(ReadOnlySpan<char> keys, ReadOnlySpan<int> ends, Span<int> indices, Span<long> joinedAtTicks)
    {
        if (indices.Length < ends.Length || joinedAtTicks.Length < ends.Length)
        {
            throw new ArgumentException("One index and one join instant per key are needed.", nameof(indices));
        }

        _index.FindMany(keys, ends, indices, joinedAtTicks);
    }

    /// <summary>True when the member is in the tree.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <returns>Whether it is a member.</returns>
    public bool Contains(MemberId member) => TryGetIndex(member, out _);

    /// <summary>When a member joined.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <returns>The join instant.</returns>
    public Instant JoinedAt(MemberId member) => _joined[IndexOf(member)];

    /// <summary>The sponsor of a member as of an instant (latest when null); null for a root.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>The sponsor, or null.</returns>
    public MemberId? SponsorOf(MemberId member, Instant? asOf = null)
    {
        var p = SponsorIndexAsOf(IndexOf(member), asOf);
        return p < 0 ? null : (MemberId?)_ids[p];
    }

    /// <summary>The uplines of a member, nearest first, up to <paramref name="maxLevels"/> levels.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <param name="maxLevels">How many levels at most.</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>Sponsor, sponsor's sponsor, and so on.</returns>
    public IReadOnlyList<MemberId> Upline(MemberId member, int maxLevels, Instant? asOf = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLevels);
        var result = new List<MemberId>();
        var p = SponsorIndexAsOf(IndexOf(member), asOf);
        while (p >= 0 && result.Count < maxLevels)
        {
            result.Add(_ids[p]);
            p = SponsorIndexAsOf(p, asOf);
        }

        return result;
    }

    /// <summary>How many sponsor links lie between a member and its root (a root has depth 0).</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>The depth.</returns>
    public int Depth(MemberId member, Instant? asOf = null)
    {
        var depth = 0;
        for (var p = SponsorIndexAsOf(IndexOf(member), asOf); p >= 0; p = SponsorIndexAsOf(p, asOf))
        {
            depth++;
        }

        return depth;
    }

    /// <summary>The depth of every member, by dense index, in one top-down pass.</summary>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>Depth per index.</returns>
    public int[] Depths(Instant? asOf = null)
    {
        var snap = Snapshot(asOf);
        var depth = new int[Count];
        foreach (var i in snap.TopDown())
        {
            var p = snap.Parent[i];
            depth[i] = p < 0 ? 0 : depth[p] + 1;
        }

        return depth;
    }

    /// <summary>The members a member referred directly, in index order.</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>The direct referrals.</returns>
    public IReadOnlyList<MemberId> DirectReferrals(MemberId member, Instant? asOf = null)
    {
        var snap = Snapshot(asOf);
        var i = IndexOf(member);
        var (start, end) = snap.ChildRange(i);
        var result = new MemberId[end - start];
        for (var k = start; k < end; k++)
        {
            result[k - start] = _ids[snap.Children[k]];
        }

        return result;
    }

    /// <summary>How many members are below a member, at any depth (the member itself not counted).</summary>
    /// <param name="member">A member of the tree (another id: <see cref="KeyNotFoundException"/>, or false from <c>TryGetIndex</c>).</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>The downline size.</returns>
    public int DownlineSize(MemberId member, Instant? asOf = null)
    {
        var snap = Snapshot(asOf);
        var count = 0;
        var stack = new Stack<int>();
        stack.Push(IndexOf(member));
        while (stack.Count > 0)
        {
            var (start, end) = snap.ChildRange(stack.Pop());
            for (var k = start; k < end; k++)
            {
                count++;
                stack.Push(snap.Children[k]);
            }
        }

        return count;
    }

    /// <summary>The downline size of every member, by dense index, in one bottom-up pass.</summary>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>Downline size per index.</returns>
    public int[] DownlineSizes(Instant? asOf = null)
    {
        var snap = Snapshot(asOf);
        var size = new int[Count];
        foreach (var i in snap.BottomUp())
        {
            var p = snap.Parent[i];
            if (p >= 0)
            {
                size[p] += size[i] + 1;
            }
        }

        return size;
    }

    /// <summary>
    /// The volume of every member's subtree (own purchases plus all of its downline's), by dense index,
    /// in one bottom-up pass over the given purchases.
    /// </summary>
    /// <param name="buyerIndex">The buyer's dense index per purchase.</param>
    /// <param name="amounts">The amount per purchase, in minor units.</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>Subtree volume per index, in minor units.</returns>
    public long[] SubtreeVolumes(ReadOnlySpan<int> buyerIndex, ReadOnlySpan<long> amounts, Instant? asOf = null)
    {
        if (buyerIndex.Length != amounts.Length)
        {
            throw new ArgumentException("One amount per buyer is required.", nameof(amounts));
        }

        var snap = Snapshot(asOf);
        var volume = new long[Count];
        for (var k = 0; k < buyerIndex.Length; k++)
        {
            volume[buyerIndex[k]] = checked(volume[buyerIndex[k]] + amounts[k]);
        }

        foreach (var i in snap.BottomUp())
        {
            var p = snap.Parent[i];
            if (p >= 0)
            {
                volume[p] = checked(volume[p] + volume[i]);
            }
        }

        return volume;
    }

    /// <summary>The subtree volume of every member for purchases given by member id (see the span overload).</summary>
    /// <param name="purchases">Buyer and amount per purchase.</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>Subtree volume per member with a non-zero volume.</returns>
    public IReadOnlyDictionary<MemberId, Money> SubtreeVolumeByMember(IEnumerable<(MemberId Buyer, Money Amount)> purchases, Instant? asOf = null)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        var list = purchases.ToList();
        var currency = list.Count > 0 ? list[0].Amount.Currency : default;
        var idx = new int[list.Count];
        var amt = new long[list.Count];
        for (var k = 0; k < list.Count; k++)
        {
            if (list[k].Amount.Currency != currency)
            {
                throw new InvalidInputException(new CurrencyMismatchRule(currency, list[k].Amount.Currency));
            }

            idx[k] = IndexOf(list[k].Buyer);
            amt[k] = list[k].Amount.MinorUnits;
        }

        var volumes = SubtreeVolumes(idx, amt, asOf);
        var result = new Dictionary<MemberId, Money>();
        for (var i = 0; i < volumes.Length; i++)
        {
            if (volumes[i] != 0)
            {
                result[_ids[i]] = new Money(volumes[i], currency);
            }
        }

        return result;
    }

    /// <summary>The sponsor index of a member as of an instant (latest when null), -1 for a root.</summary>
    /// <param name="index">The member's dense index.</param>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>The sponsor's dense index, or -1.</returns>
    public int SponsorIndexAsOf(int index, Instant? asOf = null)
    {
        if (_history.Count == 0 || !_history.TryGetValue(index, out var h))
        {
            return _joinParent[index];
        }

        return h.ParentAsOf(asOf, _joinParent[index]);
    }

    /// <summary>When the member at a dense index joined.</summary>
    /// <param name="index">The dense index.</param>
    /// <returns>The join instant.</returns>
    public Instant JoinedAtIndex(int index) => _joined[index];

    private long[]? _joinedTicks;

    /// <summary>Each member's join instant in ticks since the Unix epoch, by index: made once, for checks over many orders.</summary>
    internal long[] JoinedTicks => _joinedTicks ??= JoinTicks(_joined);

    private static long[] JoinTicks(Instant[] joined)
    {
        var ticks = new long[joined.Length];
        for (var i = 0; i < ticks.Length; i++)
        {
            ticks[i] = joined[i].ToUnixTimeTicks();
        }

        return ticks;
    }

    /// <summary>The instants at which any sponsor link changes, ascending (the boundaries of link epochs).</summary>
    internal IReadOnlyList<Instant> TransferInstants => _transfers.Select(t => t.EffectiveAt).Distinct().ToArray();

    /// <summary>The links in force as of an instant (latest when null), with a top-down order.</summary>
    /// <param name="asOf">The instant, or null for the latest links.</param>
    /// <returns>The snapshot.</returns>
    internal TreeSnapshot Snapshot(Instant? asOf)
    {
        if (_history.Count == 0)
        {
            return _latest ??= new TreeSnapshot(_joinParent);
        }

        if (asOf is null || asOf >= _transfers[^1].EffectiveAt)
        {
            return _latest ??= BuildSnapshot(null);
        }

        return BuildSnapshot(asOf);
    }

    private TreeSnapshot BuildSnapshot(Instant? asOf)
    {
        var parent = (int[])_joinParent.Clone();
        foreach (var (member, h) in _history)
        {
            parent[member] = h.ParentAsOf(asOf, _joinParent[member]);
        }

        return new TreeSnapshot(parent);
    }

    private sealed class TransferHistory(Instant[] at, int[] parent)
    {
        public TransferHistory With(Instant effective, int newParent) => new([.. at, effective], [.. parent, newParent]);

        public int ParentAsOf(Instant? asOf, int joinParent)
        {
            if (asOf is null)
            {
                return parent[^1];
            }

            var result = joinParent;
            for (var k = 0; k < at.Length && at[k] <= asOf.Value; k++)
            {
                result = parent[k];
            }

            return result;
        }
    }
}
