using System.Collections.Concurrent;
using CommunityModel.Primitives;

namespace CommunityModel.Groups;

/// <summary>
/// Interns member ids to dense handles: the first id interned is 0, the next 1, and so on, each id once. A
/// <see cref="GroupFleet"/> keeps one for all its groups: its events carry the handle of their member
/// (<see cref="FleetEvent.Member"/>), resolved once when the event is made, so a replay finds a member in its group
/// by a small integer instead of hashing and comparing the id's text on every event.
/// </summary>
/// <remarks>
/// Thread-safe: interning takes a lock; looking up and reading ids take none and may run on any number of threads,
/// also while another thread interns. Handles are never reused or removed.
/// </remarks>
public sealed class MemberDirectory
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;
    private readonly ConcurrentDictionary<MemberId, int> _handles = new();
    private readonly Lock _gate = new();

    // The ids by handle in chunks that never move, so a reader holding a handle reads its id without a lock while
    // another thread adds ids (a growing array would be copied under the reader).
    private static int s_stamps;
    private MemberId[][] _chunks = [];
    private int _count;

    /// <summary>This directory among all made in the process: the events a fleet makes carry it with their handles.</summary>
    internal int Stamp { get; } = Interlocked.Increment(ref s_stamps);

    /// <summary>The number of ids interned.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The handle of an id, interning it if it is new.</summary>
    /// <param name="member">The id (not default).</param>
    /// <returns>The id's handle: 0 for the first id interned, then 1, 2, ...</returns>
    /// <exception cref="ArgumentException">The id is default (it names nobody).</exception>
    public int Intern(MemberId member)
    {
        if (member.IsDefault)
        {
            throw new ArgumentException("A default MemberId names nobody; it has no handle.", nameof(member));
        }

        if (_handles.TryGetValue(member, out var handle))
        {
            return handle;
        }

        lock (_gate)
        {
            if (_handles.TryGetValue(member, out handle))
            {
                return handle;
            }

            handle = _count;
            var chunk = handle >> ChunkBits;
            if (chunk == _chunks.Length)
            {
                var grown = new MemberId[chunk + 1][];
                Array.Copy(_chunks, grown, chunk);
                grown[chunk] = new MemberId[ChunkSize];
                Volatile.Write(ref _chunks, grown);
            }

            _chunks[chunk][handle & (ChunkSize - 1)] = member;

            // The id is in its chunk and counted before its handle can be found: a thread that finds the handle
            // without the lock may read the id back at once.
            Volatile.Write(ref _count, handle + 1);
            _handles[member] = handle;
            return handle;
        }
    }

    /// <summary>The handle of an id, or -1 when it was never interned (or is default).</summary>
    /// <param name="member">The id.</param>
    /// <returns>The handle, or -1.</returns>
    public int IndexOf(MemberId member) => !member.IsDefault && _handles.TryGetValue(member, out var handle) ? handle : -1;

    /// <summary>The id with a handle.</summary>
    /// <param name="handle">A handle from <see cref="Intern"/>.</param>
    /// <returns>The id.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No id has that handle.</exception>
    public MemberId IdOf(int handle)
    {
        if (handle < 0 || handle >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(handle), handle, $"The directory has handles 0 to {Count - 1}.");
        }

        return Volatile.Read(ref _chunks)[handle >> ChunkBits][handle & (ChunkSize - 1)];
    }
}
