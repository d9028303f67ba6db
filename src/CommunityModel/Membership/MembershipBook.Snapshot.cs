using System.Text;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Membership;

/// <content>The book's snapshot: its state written to a stream and read back into an equal book.</content>
public sealed partial class MembershipBook
{
    private const string SnapshotMagic = "CMTIERS2";

    /// <summary>
    /// Writes the book's state to a stream in a compact binary form: every member's tracks (earned tier and since,
    /// grace, paid tier and term, the tier held), the history of changes with their evidence, locks, grants and the
    /// latest evaluation. The policies and the tree are not written: <see cref="ReadSnapshot"/> takes them (and checks
    /// that they are the ones the book had). A store reopens its book this way instead of evaluating every past period again.
    /// </summary>
    /// <param name="stream">A writable stream; it is written from its position and left open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void WriteSnapshot(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var tiers = _policies[0].Tiers;
        using var w = new SnapshotWriter(stream);
        w.Write(Encoding.ASCII.GetBytes(SnapshotMagic));
        w.Write(PolicyKey(_policies));
        var n = _earned.Length;
        w.Write7BitEncodedInt(n);
        w.Write(TreeKey(_tree, n));
        w.Write(_latestEvaluation.HasValue);
        w.Write(_latestEvaluation?.ToUnixTimeTicks() ?? 0);
        for (var m = 0; m < n; m++)
        {
            w.Write7BitEncodedInt(_earned[m]);
            w.Write7BitEncodedInt(_effective[m]);
            w.Write7BitEncodedInt(_paidTier[m] + 1);
            w.WriteSigned(_since[m]);
            w.WriteSigned(_graceFrom[m]);
            w.WriteSigned(_paidEnd[m]);
        }

        w.Write7BitEncodedInt(_changes.Count);
        foreach (var c in _changes)
        {
            _tree.TryGetIndex(c.Member, out var m);
            w.Write7BitEncodedInt(m);
            w.Write7BitEncodedInt(IndexOfTier(tiers, c.From));
            w.Write7BitEncodedInt(IndexOfTier(tiers, c.To));
            w.WriteSigned(c.At.ToUnixTimeTicks());
            w.Write7BitEncodedInt((int)c.Cause);
            w.Write(c.PolicyVersion);
            w.Write(c.Evidence);
        }

        w.Write7BitEncodedInt(_locks.Count);
        foreach (var (m, l) in _locks.OrderBy(p => p.Key))
        {
            w.Write7BitEncodedInt(m);
            WriteManual(w, l.TierId, l.Reason, l.Actor, l.From, l.Until);
        }

        var grants = _grants.OrderBy(p => p.Key).SelectMany(p => p.Value.Select(g => (Member: p.Key, Grant: g))).ToList();
        w.Write7BitEncodedInt(grants.Count);
        foreach (var (m, g) in grants)
        {
            w.Write7BitEncodedInt(m);
            WriteManual(w, g.TierId, g.Reason, g.Actor, g.From, g.Until);
        }

        w.Write(Encoding.ASCII.GetBytes(SnapshotMagic));
    }

    /// <summary>
    /// Reads a book written by <see cref="WriteSnapshot"/> over its tree (or a tree that extends it: members who joined
    /// since start in the base tier) and its policy versions. Everything is checked before the book is returned: the
    /// policies must have the versions and tiers the book had, the tree the same members at the same indexes, and
    /// every tier, member and cause must be in range; a snapshot that is cut short or damaged is refused.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the snapshot; it is read to the snapshot's end and left open.</param>
    /// <param name="tree">The book's tree, or one that extends it.</param>
    /// <param name="versions">The book's policy versions.</param>
    /// <returns>The book.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="InvalidInputException">A version is invalid, or the stream does not hold a whole, valid snapshot of a book with this tree and these policies (code <c>membership.snapshot.invalid</c>).</exception>
    public static MembershipBook ReadSnapshot(Stream stream, ReferralTree tree, params IEnumerable<MembershipPolicy> versions)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var book = Create(tree, versions);
        try
        {
            book.Read(new SnapshotReader(stream));
            return book;
        }
        catch (Exception e) when (e is IOException or FormatException or OverflowException or InvalidDataException or ArgumentException and not InvalidInputException)
        {
            throw Invalid($"it cannot be read ({e.Message})");
        }
    }

    private void Read(SnapshotReader r)
    {
        if (Encoding.ASCII.GetString(r.ReadBytes(SnapshotMagic.Length)) != SnapshotMagic)
        {
            throw Invalid("it does not start as a membership snapshot does");
        }

        if (r.ReadString() != PolicyKey(_policies))
        {
            throw Invalid("it was written under other policy versions or tiers than the ones given");
        }

        var n = r.Read7BitEncodedInt();
        if (n < 0 || n > _tree.Count)
        {
            throw Invalid($"it has {n} members and the tree given {_tree.Count}");
        }

        if (r.ReadString() != TreeKey(_tree, n))
        {
            throw Invalid($"its first {n} members are not the tree's first {n}");
        }

        var hasLatest = r.ReadBoolean();
        var latest = r.ReadInt64();
        _latestEvaluation = hasLatest ? Instant.FromUnixTimeTicks(latest) : null;
        var tiers = _policies[0].Tiers;
        var t = tiers.Length;
        for (var m = 0; m < n; m++)
        {
            _earned[m] = r.Read7BitEncodedInt();
            _effective[m] = r.Read7BitEncodedInt();
            _paidTier[m] = r.Read7BitEncodedInt() - 1;
            _since[m] = r.ReadSigned();
            _graceFrom[m] = r.ReadSigned();
            _paidEnd[m] = r.ReadSigned();
            if ((uint)_earned[m] >= (uint)t || (uint)_effective[m] >= (uint)t || _paidTier[m] < -1 || _paidTier[m] >= t
                || !SnapshotReader.IsInstant(_since[m]) || !SnapshotReader.IsInstant(_paidEnd[m]) || (_graceFrom[m] != long.MinValue && !SnapshotReader.IsInstant(_graceFrom[m])))
            {
                throw Invalid($"member {_tree.MemberAt(m)} has a tier or an instant out of range");
            }
        }

        var changes = r.Read7BitEncodedInt();
        if (changes < 0)
        {
            throw Invalid("its count of changes is negative");
        }

        var versions = _policies.Select(p => p.Version).ToHashSet(StringComparer.Ordinal);
        for (var k = 0; k < changes; k++)
        {
            var m = r.Read7BitEncodedInt();
            var from = r.Read7BitEncodedInt();
            var to = r.Read7BitEncodedInt();
            var at = Instant.FromUnixTimeTicks(r.ReadSigned());
            var cause = (TierChangeCause)r.Read7BitEncodedInt();
            var version = r.ReadString();
            var evidence = r.ReadString();
            if ((uint)m >= (uint)n || (uint)from >= (uint)t || (uint)to >= (uint)t || !Enum.IsDefined(cause) || !versions.Contains(version))
            {
                throw Invalid($"tier change {k + 1} is not valid");
            }

            _changes.Add(new TierChange(_tree.MemberAt(m), tiers[from].Id, tiers[to].Id, at, cause, version, evidence));
            _previousOfMember.Add(_lastChange[m]);
            _lastChange[m] = k;
        }

        var locks = r.Read7BitEncodedInt();
        for (var k = 0; k < locks; k++)
        {
            var m = Member(r, n);
            var (tier, reason, actor, from, until) = ReadManual(r, tiers);
            if (!_locks.TryAdd(m, new TierLock(tier, reason, actor, from, until)))
            {
                throw Invalid($"member {_tree.MemberAt(m)} has two locks");
            }
        }

        var grants = r.Read7BitEncodedInt();
        for (var k = 0; k < grants; k++)
        {
            var m = Member(r, n);
            var (tier, reason, actor, from, until) = ReadManual(r, tiers);
            if (!_grants.TryGetValue(m, out var list))
            {
                list = [];
                _grants[m] = list;
            }

            list.Add(new TierGrant(tier, reason, actor, from, until));
        }

        if (locks < 0 || grants < 0 || Encoding.ASCII.GetString(r.ReadBytes(SnapshotMagic.Length)) != SnapshotMagic)
        {
            throw Invalid("it does not end as a membership snapshot does");
        }

        r.ReadEnd();
    }

    private static int Member(SnapshotReader r, int n)
    {
        var m = r.Read7BitEncodedInt();
        return (uint)m < (uint)n ? m : throw Invalid($"member index {m} is out of range");
    }

    private static void WriteManual(SnapshotWriter w, string tier, string reason, string actor, Instant from, Instant? until)
    {
        w.Write(tier);
        w.Write(reason);
        w.Write(actor);
        w.WriteSigned(from.ToUnixTimeTicks());
        w.Write(until.HasValue);
        w.WriteSigned(until?.ToUnixTimeTicks() ?? 0);
    }

    private static (string Tier, string Reason, string Actor, Instant From, Instant? Until) ReadManual(SnapshotReader r, IReadOnlyList<MembershipTier> tiers)
    {
        var tier = r.ReadString();
        var reason = r.ReadString();
        var actor = r.ReadString();
        var from = Instant.FromUnixTimeTicks(r.ReadSigned());
        var hasUntil = r.ReadBoolean();
        var until = r.ReadSigned();
        return tiers.Any(t => t.Id == tier)
            ? (tier, reason, actor, from, hasUntil ? Instant.FromUnixTimeTicks(until) : null)
            : throw Invalid($"tier '{tier}' is not one of the policy's");
    }

    private static int IndexOfTier(IReadOnlyList<MembershipTier> tiers, string id)
    {
        for (var i = 0; i < tiers.Count; i++)
        {
            if (tiers[i].Id == id)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The policies' versions and tiers, as one text: a snapshot is read only under the same.</summary>
    private static string PolicyKey(IEnumerable<MembershipPolicy> policies)
        => string.Join("|", policies.Select(p => p.Version + ":" + string.Join(",", p.Tiers.Select(t => t.Id))));

    /// <summary>A 64-bit FNV-1a hash of the first members' ids, as text: a snapshot is read only over the same members.</summary>
    private static string TreeKey(ReferralTree tree, int count)
    {
        var hash = 14695981039346656037UL;
        for (var m = 0; m < count; m++)
        {
            foreach (var c in tree.MemberAt(m).Value)
            {
                hash = unchecked((hash ^ c) * 1099511628211UL);
            }

            hash = unchecked((hash ^ 0xFFFF) * 1099511628211UL);
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static InvalidInputException Invalid(string why)
        => new([new Problem("membership.snapshot.invalid", "snapshot", $"The membership snapshot is not valid: {why}; nothing was read.")]);
}
