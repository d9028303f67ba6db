using global::Orleans.Storage;
namespace CommunityModel.Orleans.Grains;

/// <summary>The head of a journal: how many entries it holds (the pages beyond are not part of it) and its setup.</summary>
[GenerateSerializer, Alias("cm.JournalHead")]
public sealed class JournalHead<TSetup>
{
    /// <summary>The entries in the journal.</summary>
    [Id(0)]
    public long Count { get; set; }

    /// <summary>What the aggregate was made with, once made.</summary>
    [Id(1)]
    public TSetup? Setup { get; set; }
}

/// <summary>One page of a journal's entries.</summary>
[GenerateSerializer, Alias("cm.JournalPage")]
public sealed class JournalPage<TEntry>
{
    /// <summary>The page's entries, in order.</summary>
    [Id(0)]
    public List<TEntry> Entries { get; set; } = [];
}

/// <summary>A snapshot of the model a journal folds to: the model's bytes after the journal's first <see cref="Count"/> entries.</summary>
[GenerateSerializer, Alias("cm.JournalSnapshot")]
public sealed class JournalSnapshot
{
    /// <summary>How many of the journal's entries the model had applied.</summary>
    [Id(0)]
    public long Count { get; set; }

    /// <summary>The model's bytes.</summary>
    [Id(1)]
    public byte[] Bytes { get; set; } = [];
}

/// <summary>
/// An append-only log kept in grain storage as fixed-size pages plus a head: an append writes the pages it touches,
/// then the head, so a write costs the batch, not the log, and an append cut short by a crash (pages written, head
/// not) leaves the journal as it was: the head's count says what is in it. Every write carries the storage's ETag,
/// so a stale activation cannot overwrite a newer one.
/// </summary>
/// <remarks>Not thread-safe: one grain activation owns it, and a grain runs one call at a time.</remarks>
public sealed class Journal<TSetup, TEntry>
{
    /// <summary>Entries per page.</summary>
    public const int PageSize = 256;

    private readonly IGrainStorage _storage;
    private readonly GrainId _grain;
    private readonly string _name;
    private readonly GrainState<JournalHead<TSetup>> _head = new(new JournalHead<TSetup>());
    private GrainState<JournalPage<TEntry>>? _last;
    private long _lastIndex = -1;

    /// <summary>A journal named <paramref name="name"/> of <paramref name="grain"/> in <paramref name="storage"/>.</summary>
    public Journal(IGrainStorage storage, GrainId grain, string name)
    {
        _storage = storage;
        _grain = grain;
        _name = name;
    }

    /// <summary>The entries in the journal.</summary>
    public long Count => _head.State!.Count;

    /// <summary>The setup, once written.</summary>
    public TSetup? Setup => _head.State!.Setup;

    private string PageName(long page) => $"{_name}-page-{page}";

    private readonly GrainState<JournalSnapshot> _snapshot = new(new JournalSnapshot());

    private string SnapshotName => $"{_name}-snapshot";

    /// <summary>Reads the head: the entries' count and the setup.</summary>
    public async Task ReadHeadAsync(CancellationToken cancellation)
    {
        await _storage.ReadStateAsync(_name, _grain, _head, cancellation);
        _head.State ??= new JournalHead<TSetup>();
    }

    /// <summary>
    /// Reads the latest snapshot, or null when there is none or it claims more entries than the head holds (storage
    /// that lost the head's last write: the log decides).
    /// </summary>
    public async Task<JournalSnapshot?> ReadSnapshotAsync(CancellationToken cancellation)
    {
        await _storage.ReadStateAsync(SnapshotName, _grain, _snapshot, cancellation);
        return _snapshot.State is { Bytes.Length: > 0 } s && s.Count <= Count ? s : null;
    }

    /// <summary>Writes a snapshot of the model after the journal's first <paramref name="count"/> entries.</summary>
    public async Task WriteSnapshotAsync(long count, byte[] bytes, CancellationToken cancellation)
    {
        _snapshot.State = new JournalSnapshot { Count = count, Bytes = bytes };
        await _storage.WriteStateAsync(SnapshotName, _grain, _snapshot, cancellation);
    }

    /// <summary>Reads the entries from position <paramref name="from"/> on, oldest first (after <see cref="ReadHeadAsync"/>); the pages before are not read.</summary>
    public async Task<List<TEntry>> ReadFromAsync(long from, CancellationToken cancellation)
    {
        var count = _head.State!.Count;
        var entries = new List<TEntry>((int)Math.Min(Math.Max(0, count - from), int.MaxValue));
        var pages = (count + PageSize - 1) / PageSize;
        for (var p = from / PageSize; p < pages; p++)
        {
            var page = new GrainState<JournalPage<TEntry>>(new JournalPage<TEntry>());
            await _storage.ReadStateAsync(PageName(p), _grain, page, cancellation);
            var want = (int)Math.Min(PageSize, count - (p * PageSize));
            var got = page.State?.Entries ?? [];
            if (got.Count < want)
            {
                throw new InvalidOperationException($"journal '{_name}' of {_grain}: page {p} holds {got.Count} entries, its head says {want}; the storage lost data");
            }

            var skip = (int)Math.Max(0, from - (p * PageSize));
            entries.AddRange(got.Skip(skip).Take(want - skip));
            if (p == pages - 1)
            {
                page.State!.Entries = [.. got.Take(want)];
                (_last, _lastIndex) = (page, p);
            }
        }

        return entries;
    }

    /// <summary>Writes the setup (once, before any entry).</summary>
    public async Task WriteSetupAsync(TSetup setup, CancellationToken cancellation)
    {
        var before = _head.State!.Setup;
        _head.State!.Setup = setup;
        try
        {
            await _storage.WriteStateAsync(_name, _grain, _head, cancellation);
        }
        catch
        {
            _head.State!.Setup = before;
            throw;
        }
    }

    /// <summary>
    /// Appends <paramref name="entries"/>: the pages they fall in, then the head. On an exception the journal in
    /// storage is as before or has them all (the head decides), and this object must not be used again: the grain
    /// deactivates and the next activation reads the storage.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<TEntry> entries, CancellationToken cancellation)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var count = _head.State!.Count;
        var i = 0;
        while (i < entries.Count)
        {
            var pageIndex = count / PageSize;
            if (_last is null || _lastIndex != pageIndex)
            {
                // A new page: read it first, for its ETag (a crashed append may have written it beyond the head).
                var fresh = new GrainState<JournalPage<TEntry>>(new JournalPage<TEntry>());
                await _storage.ReadStateAsync(PageName(pageIndex), _grain, fresh, cancellation);
                fresh.State ??= new JournalPage<TEntry>();
                fresh.State.Entries = [];
                (_last, _lastIndex) = (fresh, pageIndex);
            }

            var page = _last.State!.Entries;
            page.RemoveRange((int)(count % PageSize), page.Count - (int)(count % PageSize));
            var take = Math.Min(PageSize - page.Count, entries.Count - i);
            for (var k = 0; k < take; k++)
            {
                page.Add(entries[i + k]);
            }

            await _storage.WriteStateAsync(PageName(pageIndex), _grain, _last, cancellation);
            i += take;
            count += take;
        }

        var before = _head.State!.Count;
        _head.State!.Count = count;
        try
        {
            await _storage.WriteStateAsync(_name, _grain, _head, cancellation);
        }
        catch
        {
            _head.State!.Count = before;
            throw;
        }
    }
}
