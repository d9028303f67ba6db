using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityModel.Kernels;
using CommunityModel.Primitives;

namespace CommunityModel.Referrals;

/// <summary>
/// Member id -> dense index (and join instant), built once for a tree and read by many threads. An
/// open-addressing table of 32-byte slots at most half full; a key of up to 8 characters is kept inside its
/// slot with the member's join instant, so looking a buyer up and checking the order is not before the join
/// costs one memory access where a dictionary of strings costs three or four (bucket, entry, string) and the
/// join instant one more: this is what reading ten million order rows spends its time on. Longer keys are
/// compared with the tree's id.
/// </summary>
internal sealed class MemberIndex
{
    private const int InlineChars = 8;
    private readonly Slot[] _slots;
    private readonly MemberId[] _ids;
    private readonly int _mask;

    /// <summary>An index over a table an <see cref="Interner"/> filled and rewrote (nothing hashed again).</summary>
    private MemberIndex(Slot[] slots, MemberId[] ids)
    {
        _slots = slots;
        _ids = ids;
        _mask = slots.Length - 1;
    }

    /// <summary>The bytes the table occupies (for measurements).</summary>
    public long AllocatedBytes => _slots.Length * (long)Unsafe.SizeOf<Slot>();

    /// <summary>The dense index of a key, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<char> key) => Find(key, out _);

    /// <summary>The dense index of a key and the member's join instant in ticks, or -1.</summary>
    public int Find(ReadOnlySpan<char> key, out long joinedTicks)
    {
        var (c0, c1, tag) = Pack(key);
        return Resolve(key, c0, c1, tag, out joinedTicks);
    }

    /// <summary>
    /// Looks up many keys (concatenated in <paramref name="keys"/>, key i ending at <paramref name="ends"/>[i]):
    /// first every key's slot is computed and fetched into the cache, then each is resolved, so the memory
    /// accesses of the lookups overlap instead of queueing one after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FindMany(ReadOnlySpan<char> keys, ReadOnlySpan<int> ends, Span<int> indices, Span<long> joinedTicks)
    {
        const int Block = 32;
        Span<ulong> c0s = stackalloc ulong[Block];
        Span<ulong> c1s = stackalloc ulong[Block];
        Span<uint> tags = stackalloc uint[Block];
        for (var first = 0; first < ends.Length; first += Block)
        {
            var last = Math.Min(ends.Length, first + Block);
            for (var i = first; i < last; i++)
            {
                PackAndFetch(keys[(i == 0 ? 0 : ends[i - 1])..ends[i]], i - first, c0s, c1s, tags);
            }

            for (var i = first; i < last; i++)
            {
                var key = keys[(i == 0 ? 0 : ends[i - 1])..ends[i]];
                indices[i] = Resolve(key, c0s[i - first], c1s[i - first], tags[i - first], out joinedTicks[i]);
            }
        }
    }

    /// <summary>Packs a key into its place in a block and asks for its first slot to be fetched into the cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PackAndFetch(ReadOnlySpan<char> key, int at, Span<ulong> c0s, Span<ulong> c1s, Span<uint> tags)
    {
        var (c0, c1, tag) = Pack(key);
        c0s[at] = c0;
        c1s[at] = c1;
        tags[at] = tag;
        CacheHint.Prefetch(ref _slots[(int)(tag >> 5) & _mask]);
    }

    private int Resolve(ReadOnlySpan<char> key, ulong c0, ulong c1, uint tag, out long joinedTicks)
    {
        joinedTicks = 0;
        for (var s = (int)(tag >> 5) & _mask; ; s = (s + 1) & _mask)
        {
            ref var slot = ref _slots[s];
            if (slot.Index == 0)
            {
                return -1;
            }

            if (slot.Tag == tag && slot.C0 == c0 && slot.C1 == c1 && (key.Length <= InlineChars || key.SequenceEqual(_ids[slot.Index - 1].Value)))
            {
                joinedTicks = slot.JoinedTicks;
                return slot.Index - 1;
            }
        }
    }

    /// <summary>
    /// The first 8 characters as two words, and a tag: 27 bits of a hash of the whole key (its low bits pick
    /// the slot) above 5 bits of the key's length (31 for 31 and more).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong C0, ulong C1, uint Tag) Pack(ReadOnlySpan<char> key)
    {
        ulong c0 = 0, c1 = 0;
        var bytes = MemoryMarshal.AsBytes(key);
        if (key.Length >= InlineChars)
        {
            c0 = MemoryMarshal.Read<ulong>(bytes);
            c1 = MemoryMarshal.Read<ulong>(bytes[8..]);
        }
        else
        {
            // Sixteen bits per character, as reading the key zero-padded to 8 characters gives on a little-endian
            // machine (any fixed packing will do: keys of other lengths never match), built without a buffer to
            // copy into, so that this method is inlined into the lookup loops (a lookup of a short id 34 -> 18 ns
            // in cache, 95 -> 49 ns over 1M members' table).
            ref var first = ref MemoryMarshal.GetReference(key);
            for (var i = 0; i < key.Length; i++)
            {
                var c = (ulong)Unsafe.Add(ref first, i);
                if (i < 4)
                {
                    c0 |= c << (16 * i);
                }
                else
                {
                    c1 |= c << (16 * (i - 4));
                }
            }
        }

        ulong h;
        unchecked
        {
            h = (c0 * 0x9E3779B97F4A7C15UL) ^ BitOperations.RotateLeft(c1 * 0xC2B2AE3D27D4EB4FUL, 31) ^ (ulong)key.Length;
            if (key.Length > InlineChars)
            {
                h ^= (ulong)string.GetHashCode(key[InlineChars..]) * 0x165667B19E3779F9UL;
            }

            h ^= h >> 29;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 32;
        }

        var tag = (unchecked((uint)h) & ~0x1Fu) | (uint)Math.Min(key.Length, 31);
        return (c0, c1, tag);
    }

    /// <summary>
    /// Interns keys to numbers 0, 1, 2, ... in the order first seen, in a table of the index's own layout, so that a
    /// tree builder hashes each id once: <see cref="ToIndex"/> rewrites every slot's number into the member's dense
    /// index and join instant in place and the table becomes the tree's index. Not thread-safe.
    /// </summary>
    internal sealed class Interner
    {
        private readonly List<string> _text;
        private Slot[] _slots;
        private int _mask;

        /// <summary>Creates an interner with room for <paramref name="capacity"/> keys before it grows.</summary>
        /// <param name="capacity">Keys expected (a hint).</param>
        public Interner(int capacity)
        {
            var size = 16;
            while (size < capacity * 2L)
            {
                size *= 2;
            }

            _slots = new Slot[size];
            _mask = size - 1;
            _text = new List<string>(capacity);
        }

        /// <summary>Keys interned.</summary>
        public int Count => _text.Count;

        /// <summary>The text of key number <paramref name="key"/>.</summary>
        public string this[int key] => _text[key];

        /// <summary>The key's number, interning it when new.</summary>
        /// <param name="key">The key.</param>
        /// <returns>Its number, from 0.</returns>
        public int Intern(ReadOnlySpan<char> key)
        {
            var (c0, c1, tag) = Pack(key);
            return Intern(key, c0, c1, tag);
        }

        /// <summary>Interns two keys, their slots fetched together (a record's member and sponsor).</summary>
        /// <param name="first">The first key.</param>
        /// <param name="second">The second key, or empty for none (then -1).</param>
        /// <param name="firstText">The first key as a string, kept instead of a copy when the key is new (or null).</param>
        /// <param name="secondText">The second key as a string, likewise (or null).</param>
        /// <returns>Their numbers.</returns>
        public (int First, int Second) Intern(ReadOnlySpan<char> first, ReadOnlySpan<char> second, string? firstText = null, string? secondText = null)
        {
            var (a0, a1, aTag) = Pack(first);
            CacheHint.Prefetch(ref _slots[(int)(aTag >> 5) & _mask]);
            if (second.IsEmpty)
            {
                return (Intern(first, a0, a1, aTag, firstText), -1);
            }

            var (b0, b1, bTag) = Pack(second);
            CacheHint.Prefetch(ref _slots[(int)(bTag >> 5) & _mask]);
            var one = Intern(first, a0, a1, aTag, firstText);
            return (one, Intern(second, b0, b1, bTag, secondText));
        }

        /// <summary>
        /// Interns the member and sponsor keys of records <paramref name="from"/> to <paramref name="from"/> +
        /// <paramref name="numbers"/>' length / 2, in order (member, then sponsor, record after record: the numbers
        /// one <see cref="Intern(ReadOnlySpan{char}, ReadOnlySpan{char}, string?, string?)"/> after another gives).
        /// The slots of the next block of records are fetched into the cache while a block is interned, so the
        /// table's cache misses overlap instead of queueing.
        /// </summary>
        /// <param name="memberTexts">The member keys as strings (kept, not copied, when new), or empty when they are in <paramref name="memberKeys"/>.</param>
        /// <param name="memberKeys">The member keys, one after another (record i's ends at <paramref name="memberEnds"/>[i]).</param>
        /// <param name="memberEnds">Where each record's member key ends.</param>
        /// <param name="sponsorKeys">The sponsor keys, one after another (empty for a root).</param>
        /// <param name="sponsorEnds">Where each record's sponsor key ends.</param>
        /// <param name="from">The first record.</param>
        /// <param name="numbers">Receives, per record, the member's number then the sponsor's (-1 for none).</param>
        public void InternMany(ReadOnlySpan<string> memberTexts, ReadOnlySpan<char> memberKeys, ReadOnlySpan<int> memberEnds, ReadOnlySpan<char> sponsorKeys, ReadOnlySpan<int> sponsorEnds, int from, Span<int> numbers)
        {
            const int Block = 16;
            Span<ulong> c0s = stackalloc ulong[4 * Block];
            Span<ulong> c1s = stackalloc ulong[4 * Block];
            Span<uint> tags = stackalloc uint[4 * Block];
            var count = numbers.Length / 2;
            var end = from + count;
            PackBlock(memberTexts, memberKeys, memberEnds, sponsorKeys, sponsorEnds, from, Math.Min(end, from + Block), c0s, c1s, tags, 0);
            for (var first = from; first < end; first += Block)
            {
                var half = ((first - from) / Block) & 1;
                if (first + Block < end)
                {
                    PackBlock(memberTexts, memberKeys, memberEnds, sponsorKeys, sponsorEnds, first + Block, Math.Min(end, first + (2 * Block)), c0s, c1s, tags, 2 * (1 - half) * Block);
                }

                var last = Math.Min(end, first + Block);
                for (var i = first; i < last; i++)
                {
                    var at = (2 * half * Block) + (2 * (i - first));
                    var text = memberTexts.IsEmpty ? null : memberTexts[i];
                    var member = text is null ? memberKeys[(i == 0 ? 0 : memberEnds[i - 1])..memberEnds[i]] : text.AsSpan();
                    var sponsor = sponsorKeys[(i == 0 ? 0 : sponsorEnds[i - 1])..sponsorEnds[i]];
                    var o = 2 * (i - from);
                    numbers[o] = Intern(member, c0s[at], c1s[at], tags[at], text);
                    numbers[o + 1] = sponsor.IsEmpty ? -1 : Intern(sponsor, c0s[at + 1], c1s[at + 1], tags[at + 1]);
                }
            }
        }

        /// <summary>Packs records <paramref name="start"/> to <paramref name="last"/> (excluded) into the buffers from <paramref name="at"/> and asks for their slots.</summary>
        private void PackBlock(ReadOnlySpan<string> memberTexts, ReadOnlySpan<char> memberKeys, ReadOnlySpan<int> memberEnds, ReadOnlySpan<char> sponsorKeys, ReadOnlySpan<int> sponsorEnds, int start, int last, Span<ulong> c0s, Span<ulong> c1s, Span<uint> tags, int at)
        {
            for (var i = start; i < last; i++, at += 2)
            {
                var (a0, a1, aTag) = Pack(memberTexts.IsEmpty ? memberKeys[(i == 0 ? 0 : memberEnds[i - 1])..memberEnds[i]] : memberTexts[i].AsSpan());
                c0s[at] = a0;
                c1s[at] = a1;
                tags[at] = aTag;
                CacheHint.Prefetch(ref _slots[(int)(aTag >> 5) & _mask]);
                var sponsor = sponsorKeys[(i == 0 ? 0 : sponsorEnds[i - 1])..sponsorEnds[i]];
                if (!sponsor.IsEmpty)
                {
                    var (b0, b1, bTag) = Pack(sponsor);
                    c0s[at + 1] = b0;
                    c1s[at + 1] = b1;
                    tags[at + 1] = bTag;
                    CacheHint.Prefetch(ref _slots[(int)(bTag >> 5) & _mask]);
                }
            }
        }

        private int Intern(ReadOnlySpan<char> key, ulong c0, ulong c1, uint tag, string? text = null)
        {
            for (var s = (int)(tag >> 5) & _mask; ; s = (s + 1) & _mask)
            {
                ref var slot = ref _slots[s];
                if (slot.Index == 0)
                {
                    var number = _text.Count;
                    _text.Add(text ?? key.ToString());
                    slot = new Slot(tag, number + 1, c0, c1, 0);
                    if (_text.Count * 2L > _slots.Length)
                    {
                        Grow();
                    }

                    return number;
                }

                if (slot.Tag == tag && slot.C0 == c0 && slot.C1 == c1 && (key.Length <= InlineChars || key.SequenceEqual(_text[slot.Index - 1])))
                {
                    return slot.Index - 1;
                }
            }
        }

        /// <summary>
        /// Turns the table into a tree's index: every key must be a member (<paramref name="denseOfKey"/> gives its
        /// dense index). The interner must not be used afterwards.
        /// </summary>
        /// <param name="ids">The tree's ids, by dense index.</param>
        /// <param name="denseOfKey">The dense index of each key number.</param>
        /// <param name="joinedTicks">Join instants in ticks, by dense index.</param>
        /// <returns>The index.</returns>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public MemberIndex ToIndex(MemberId[] ids, int[] denseOfKey, long[] joinedTicks)
        {
            var slots = _slots;
            for (var s = 0; s < slots.Length; s++)
            {
                ref var slot = ref slots[s];
                if (slot.Index != 0)
                {
                    var dense = denseOfKey[slot.Index - 1];
                    slot = slot with { Index = dense + 1, JoinedTicks = joinedTicks[dense] };
                }
            }

            _slots = [];
            return new MemberIndex(slots, ids);
        }

        private void Grow()
        {
            var old = _slots;
            var size = old.Length * 2;
            var slots = new Slot[size];
            var mask = size - 1;
            foreach (var slot in old)
            {
                if (slot.Index == 0)
                {
                    continue;
                }

                var s = (int)(slot.Tag >> 5) & mask;
                while (slots[s].Index != 0)
                {
                    s = (s + 1) & mask;
                }

                slots[s] = slot;
            }

            _slots = slots;
            _mask = mask;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Slot(uint Tag, int Index, ulong C0, ulong C1, long JoinedTicks);
}
