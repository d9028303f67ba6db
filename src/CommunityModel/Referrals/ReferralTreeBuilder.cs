using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Referrals;

/// <summary>
/// Builds a <see cref="ReferralTree"/> from join records added one at a time, as a reader of a large members
/// file produces them: each member id is turned into a string once and interned, a sponsor named before it
/// joins is resolved at the end, and nothing is kept per member but its id, its sponsor's number and its
/// join instant. <see cref="TryBuild"/> checks the whole input and reports every problem (unknown sponsor,
/// self-sponsorship, cycle, duplicate member, sponsor who joined after the member), each with the position
/// of its record. Not thread-safe.
/// </summary>
public sealed class ReferralTreeBuilder
{
    private readonly MemberIndex.Interner _keyText;
    private readonly List<int> _recordOfKey;
    private readonly List<int> _member;
    private readonly List<int> _sponsor;
    private readonly List<long> _joined;
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="capacity">How many records to make room for (a hint).</param>
    public ReferralTreeBuilder(int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _keyText = new MemberIndex.Interner(capacity);
        _recordOfKey = new List<int>(capacity);
        _member = new List<int>(capacity);
        _sponsor = new List<int>(capacity);
        _joined = new List<long>(capacity);
    }

    /// <summary>How many records were added.</summary>
    public int Count => _member.Count;

    /// <summary>Adds a join record.</summary>
    /// <param name="member">The member's key (not blank).</param>
    /// <param name="sponsor">The sponsor's key, or empty for a root.</param>
    /// <param name="joinedAt">When the member joined.</param>
    /// <returns>The record's position, from 0.</returns>
    /// <exception cref="ArgumentException">The member key is blank.</exception>
    /// <exception cref="InvalidOperationException">The tree was already built.</exception>
    public int Add(ReadOnlySpan<char> member, ReadOnlySpan<char> sponsor, Instant joinedAt) => Add(member, sponsor, joinedAt, null, null);

    /// <summary>Adds a join record whose ids are strings already: a new id's string becomes the tree's id, not a copy.</summary>
    /// <param name="member">The member's key (not blank).</param>
    /// <param name="sponsor">The sponsor's key, or null or empty for a root.</param>
    /// <param name="joinedAt">When the member joined.</param>
    /// <returns>The record's position, from 0.</returns>
    /// <exception cref="ArgumentNullException">The member key is null.</exception>
    /// <exception cref="ArgumentException">The member key is blank.</exception>
    /// <exception cref="InvalidOperationException">The tree was already built.</exception>
    public int Add(string member, string? sponsor, Instant joinedAt)
    {
        ArgumentNullException.ThrowIfNull(member);
        return Add(member.AsSpan(), sponsor.AsSpan(), joinedAt, member, sponsor);
    }

    /// <summary>
    /// Adds many join records at once, as <see cref="Add(ReadOnlySpan{char}, ReadOnlySpan{char}, Instant)"/> for each
    /// in turn, their ids concatenated (record i's member key ends at <paramref name="memberEnds"/>[i] in
    /// <paramref name="memberKeys"/>, its sponsor key, empty for a root, at <paramref name="sponsorEnds"/>[i] in
    /// <paramref name="sponsorKeys"/>, as <see cref="ReferralTree.GetIndices"/> takes keys). For readers of large
    /// files: the ids of the next records are looked up in memory while the present ones are added, which is faster
    /// than one <c>Add</c> after another. All or nothing: the input is checked before any record is added.
    /// </summary>
    /// <param name="memberKeys">The member keys, one after another.</param>
    /// <param name="memberEnds">Where each record's member key ends in <paramref name="memberKeys"/> (never decreasing).</param>
    /// <param name="sponsorKeys">The sponsor keys, one after another.</param>
    /// <param name="sponsorEnds">Where each record's sponsor key ends in <paramref name="sponsorKeys"/> (never decreasing).</param>
    /// <param name="joinedAt">When each record's member joined.</param>
    /// <returns>The first record's position, from 0 (the others follow it).</returns>
    /// <exception cref="ArgumentException">The spans' lengths differ, an end decreases or is past its keys, or a member key is blank; nothing is added.</exception>
    /// <exception cref="InvalidOperationException">The tree was already built.</exception>
    public int AddMany(ReadOnlySpan<char> memberKeys, ReadOnlySpan<int> memberEnds, ReadOnlySpan<char> sponsorKeys, ReadOnlySpan<int> sponsorEnds, ReadOnlySpan<Instant> joinedAt)
    {
        CheckEnds(memberEnds, memberKeys.Length, nameof(memberEnds));
        for (var i = 0; i < memberEnds.Length; i++)
        {
            CheckMember(memberKeys[(i == 0 ? 0 : memberEnds[i - 1])..memberEnds[i]], i, memberEnds.Length, nameof(memberKeys));
        }

        return AddMany([], memberKeys, memberEnds, sponsorKeys, sponsorEnds, joinedAt);
    }

    /// <summary>
    /// Adds many join records at once whose member ids are strings already (each new id's string becomes the tree's
    /// id, not a copy: a reader can make them on several threads before adding), their sponsors' ids concatenated
    /// (record i's sponsor key, empty for a root, ends at <paramref name="sponsorEnds"/>[i] in
    /// <paramref name="sponsorKeys"/>). As <see cref="Add(string, string?, Instant)"/> for each in turn, faster; all or
    /// nothing: the input is checked before any record is added.
    /// </summary>
    /// <param name="members">The member ids.</param>
    /// <param name="sponsorKeys">The sponsor keys, one after another.</param>
    /// <param name="sponsorEnds">Where each record's sponsor key ends in <paramref name="sponsorKeys"/> (never decreasing).</param>
    /// <param name="joinedAt">When each record's member joined.</param>
    /// <returns>The first record's position, from 0 (the others follow it).</returns>
    /// <exception cref="ArgumentException">The spans' lengths differ, an end decreases or is past its keys, or a member id is null or blank; nothing is added.</exception>
    /// <exception cref="InvalidOperationException">The tree was already built.</exception>
    public int AddMany(ReadOnlySpan<string> members, ReadOnlySpan<char> sponsorKeys, ReadOnlySpan<int> sponsorEnds, ReadOnlySpan<Instant> joinedAt)
    {
        for (var i = 0; i < members.Length; i++)
        {
            CheckMember(members[i], i, members.Length, nameof(members));
        }

        return AddMany(members, [], [], sponsorKeys, sponsorEnds, joinedAt);
    }

    private int AddMany(ReadOnlySpan<string> memberTexts, ReadOnlySpan<char> memberKeys, ReadOnlySpan<int> memberEnds, ReadOnlySpan<char> sponsorKeys, ReadOnlySpan<int> sponsorEnds, ReadOnlySpan<Instant> joinedAt)
    {
        var n = memberTexts.IsEmpty ? memberEnds.Length : memberTexts.Length;
        if (sponsorEnds.Length != n || joinedAt.Length != n)
        {
            throw new ArgumentException($"One sponsor end and one join instant per member are needed ({n} members, {sponsorEnds.Length} sponsor ends and {joinedAt.Length} join instants given).", nameof(sponsorEnds));
        }

        CheckEnds(sponsorEnds, sponsorKeys.Length, nameof(sponsorEnds));
        if (_built)
        {
            throw new InvalidOperationException("The tree was already built from this builder.");
        }

        var first = _member.Count;
        var numbers = new int[2 * Math.Clamp(n, 1, 4096)];
        for (var from = 0; from < n; from += numbers.Length / 2)
        {
            var count = Math.Min(numbers.Length / 2, n - from);
            _keyText.InternMany(memberTexts, memberKeys, memberEnds, sponsorKeys, sponsorEnds, from, numbers.AsSpan(0, 2 * count));
            for (var i = 0; i < count; i++)
            {
                var key = numbers[2 * i];
                var sponsorKey = numbers[(2 * i) + 1];
                Counted(key);
                if (sponsorKey >= 0)
                {
                    Counted(sponsorKey);
                }

                if (_recordOfKey[key] < 0)
                {
                    _recordOfKey[key] = _member.Count;
                }

                _member.Add(key);
                _sponsor.Add(sponsorKey);
                _joined.Add(joinedAt[from + i].ToUnixTimeTicks());
            }
        }

        return first;
    }

    private static void CheckEnds(ReadOnlySpan<int> ends, int length, string name)
    {
        var previous = 0;
        foreach (var end in ends)
        {
            if (end < previous || end > length)
            {
                throw new ArgumentException($"The ends must never decrease and stay within their keys' {length} characters ({end} after {previous}).", name);
            }

            previous = end;
        }
    }

    private static void CheckMember(ReadOnlySpan<char> member, int record, int count, string name)
    {
        if (member.IsWhiteSpace())
        {
            throw new ArgumentException($"A member key must not be null or blank (record {record} of the {count} given).", name);
        }
    }

    private int Add(ReadOnlySpan<char> member, ReadOnlySpan<char> sponsor, Instant joinedAt, string? memberText, string? sponsorText)
    {
        if (member.IsWhiteSpace())
        {
            throw new ArgumentException("A member key must not be blank.", nameof(member));
        }

        if (_built)
        {
            throw new InvalidOperationException("The tree was already built from this builder.");
        }

        var record = _member.Count;
        var (key, sponsorKey) = _keyText.Intern(member, sponsor, memberText, sponsorText);
        Counted(key);
        if (sponsorKey >= 0)
        {
            Counted(sponsorKey);
        }

        if (_recordOfKey[key] < 0)
        {
            _recordOfKey[key] = record;
        }

        _member.Add(key);
        _sponsor.Add(sponsorKey);
        _joined.Add(joinedAt.ToUnixTimeTicks());
        return record;
    }

    /// <summary>Builds the tree, or returns every problem without building anything.</summary>
    /// <param name="tree">The tree when the input is consistent.</param>
    /// <param name="problems">Every problem found, each with its record's position; empty on success.</param>
    /// <returns>True when built.</returns>
    /// <exception cref="InvalidOperationException">The tree was already built from this builder.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryBuild(out ReferralTree? tree, out IReadOnlyList<ReferralProblem> problems)
    {
        if (_built)
        {
            throw new InvalidOperationException("The tree was already built from this builder.");
        }

        var n = _member.Count;
        var found = new List<ReferralProblem>();
        for (var i = 0; i < n; i++)
        {
            var first = _recordOfKey[_member[i]];
            if (first != i)
            {
                found.Add(Problem(i, ReferralProblemKind.DuplicateMember, $"record {i} repeats the member of record {first}"));
            }
        }

        // Sponsor of each first record, as a record position (-1 for a root or a bad link).
        var sponsorPos = new int[n];
        for (var i = 0; i < n; i++)
        {
            sponsorPos[i] = -1;
            var sponsor = _sponsor[i];
            if (_recordOfKey[_member[i]] != i || sponsor < 0)
            {
                continue;
            }

            var sp = _recordOfKey[sponsor];
            if (sponsor == _member[i])
            {
                found.Add(Problem(i, ReferralProblemKind.SelfSponsorship, "the member names itself as sponsor"));
            }
            else if (sp < 0)
            {
                found.Add(Problem(i, ReferralProblemKind.UnknownSponsor, $"sponsor '{_keyText[sponsor]}' is not a member"));
            }
            else
            {
                sponsorPos[i] = sp;
                if (_joined[sp] > _joined[i])
                {
                    found.Add(Problem(i, ReferralProblemKind.SponsorJoinedAfterMember,
                        $"sponsor '{_keyText[sponsor]}' joined at {Instant.FromUnixTimeTicks(_joined[sp])}, after the member at {Instant.FromUnixTimeTicks(_joined[i])}"));
                }
            }
        }

        FindCycles(sponsorPos, found);
        if (found.Count > 0)
        {
            tree = null;
            problems = found;
            return false;
        }

        tree = Dense(sponsorPos);
        problems = [];
        _built = true;
        return true;
    }

    /// <summary>Builds the tree.</summary>
    /// <returns>The tree.</returns>
    /// <exception cref="InvalidInputException">With <see cref="ReferralTreeMustBeConsistentRule"/> listing every problem.</exception>
    public ReferralTree Build()
        => TryBuild(out var tree, out var problems) ? tree! : throw new InvalidInputException(new ReferralTreeMustBeConsistentRule(problems));

    /// <summary>Gives a key just interned its place in the per-key list (no record yet).</summary>
    private void Counted(int key)
    {
        if (key == _recordOfKey.Count)
        {
            _recordOfKey.Add(-1);
        }
    }

    private ReferralProblem Problem(int record, ReferralProblemKind kind, string detail)
        => new(new MemberId(_keyText[_member[record]]), kind, detail) { Record = record };

    private void FindCycles(int[] sponsorPos, List<ReferralProblem> found)
    {
        // 0 = unvisited, 1 = on the current walk, 2 = done. Iterative: follow sponsor links.
        var state = new byte[sponsorPos.Length];
        var path = new List<int>();
        for (var s = 0; s < sponsorPos.Length; s++)
        {
            if (state[s] != 0 || _recordOfKey[_member[s]] != s)
            {
                continue;
            }

            path.Clear();
            var p = s;
            while (p >= 0 && state[p] == 0)
            {
                state[p] = 1;
                path.Add(p);
                p = sponsorPos[p];
            }

            if (p >= 0 && state[p] == 1)
            {
                var at = path.IndexOf(p);
                var cycle = path.GetRange(at, path.Count - at);
                var text = string.Join(" -> ", cycle.Select(c => _keyText[_member[c]])) + " -> " + _keyText[_member[p]];
                foreach (var c in cycle)
                {
                    found.Add(Problem(c, ReferralProblemKind.Cycle, $"sponsor cycle {text}"));
                }
            }

            foreach (var q in path)
            {
                state[q] = 2;
            }
        }
    }

    /// <summary>Dense indices: members in (joined, id) order, each preceded by its not-yet-placed ancestors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReferralTree Dense(int[] sponsorPos)
    {
        var n = sponsorPos.Length;
        var order = new int[n];
        var sorted = true;
        var joinedInOrder = CollectionsMarshal.AsSpan(_joined);
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
            sorted &= i == 0 || joinedInOrder[i - 1] <= joinedInOrder[i];
        }

        // Records in join order (a file exported by join time) need no sort, and no sorted copy of the instants.
        Span<long> keys = joinedInOrder;
        if (!sorted)
        {
            var copy = joinedInOrder.ToArray();
            Array.Sort(copy, order);
            keys = copy;
        }

        var byId = Comparer<int>.Create((a, b) => string.CompareOrdinal(_keyText[_member[a]], _keyText[_member[b]]));
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start, byId);
            }

            start = end;
        }

        var indexOfPos = new int[n];
        Array.Fill(indexOfPos, -1);
        var ids = new MemberId[n];
        var joined = new Instant[n];
        var joinedTicks = new long[n];
        var parent = new int[n];
        var next = 0;
        var stack = new Stack<int>();
        foreach (var start in order)
        {
            for (var p = start; p >= 0 && indexOfPos[p] < 0; p = sponsorPos[p])
            {
                stack.Push(p);
            }

            while (stack.Count > 0)
            {
                var p = stack.Pop();
                var idx = next++;
                indexOfPos[p] = idx;
                ids[idx] = new MemberId(_keyText[_member[p]]);
                joined[idx] = Instant.FromUnixTimeTicks(_joined[p]);
                joinedTicks[idx] = _joined[p];
                parent[idx] = sponsorPos[p] < 0 ? -1 : indexOfPos[sponsorPos[p]];
            }
        }

        // Every key is a member here (a sponsor who is not one is a problem found before): the interner's table,
        // its numbers rewritten to dense indices, becomes the tree's index without hashing any id again.
        // (The order of the records is done with: its array holds this when the sizes match, as they do.)
        var denseOfKey = _keyText.Count == order.Length ? order : new int[_keyText.Count];
        for (var key = 0; key < denseOfKey.Length; key++)
        {
            denseOfKey[key] = indexOfPos[_recordOfKey[key]];
        }

        // The join instants in ticks serve the index's slots and then the tree (order batches check against them).
        return ReferralTree.FromDense(ids, parent, joined, joinedTicks, _keyText.ToIndex(ids, denseOfKey, joinedTicks));
    }
}
