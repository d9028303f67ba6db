using global::Orleans.Storage;
using CommunityModel.Orleans.Model;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityModel.Orleans.Grains;

/// <summary>
/// A grain whose model is a pure fold of its commands, kept as a <see cref="Journal{TSetup, TEntry}"/>: folded on
/// activation; each call applies its commands to the model, appends the applied ones, and answers only once they
/// are written. When a write fails the activation is dropped (the model is ahead of the storage) and the call
/// fails with <see cref="CommandsNotKeptException"/>: the next activation folds what was kept.
/// </summary>
/// <typeparam name="TSetup">What the model is made with.</typeparam>
/// <typeparam name="TCommand">A command.</typeparam>
/// <typeparam name="TModel">The model.</typeparam>
public abstract class JournaledGrain<TSetup, TCommand, TModel> : Grain
    where TSetup : class
    where TModel : class
{
    private Journal<TSetup, TCommand>? _journal;
    private bool _broken;

    /// <summary>What the grain is called in messages (<c>store</c>, <c>group</c>); also its journal's name.</summary>
    protected abstract string Noun { get; }

    /// <summary>The model, once set up.</summary>
    protected TModel? Model { get; private set; }

    /// <summary>Makes the model, or says every problem of the setup.</summary>
    protected abstract TModel? TryCreate(TSetup setup, out IReadOnlyList<string> problems);

    /// <summary>Applies one command to the model.</summary>
    protected abstract CommandResult Apply(TModel model, TCommand command);

    /// <summary>The command in words, for a replay that disagrees with its log.</summary>
    protected abstract string Describe(TCommand command);

    private string Name => $"{Noun} '{this.GetPrimaryKeyString()}'";

    /// <summary>The model, or an error for a grain not set up.</summary>
    protected TModel Required => Model ?? throw new InvalidOperationException($"{Name} is not set up");

    /// <summary>
    /// Every how many journal entries the model's snapshot is written (0: never). With snapshots, an activation reads
    /// the latest one and folds only the entries after it.
    /// </summary>
    protected virtual int SnapshotEvery => 0;

    /// <summary>The model's snapshot (when <see cref="SnapshotEvery"/> is set).</summary>
    protected virtual byte[] TakeSnapshot(TModel model) => throw new NotSupportedException();

    /// <summary>The model from its snapshot; <see cref="InvalidDataException"/> when the bytes are not one (the whole log is folded then).</summary>
    protected virtual TModel Restore(TSetup setup, byte[] snapshot) => throw new NotSupportedException();

    /// <summary>The journal position of the latest snapshot written or read.</summary>
    private long _snapshotAt;

    /// <summary>How many journal entries the last activation folded (after its snapshot, if any).</summary>
    protected long FoldedOnActivation { get; private set; }

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(JournalStorage.Name);
        _journal = new Journal<TSetup, TCommand>(storage, this.GetGrainId(), Noun);
        await _journal.ReadHeadAsync(cancellationToken);
        if (_journal.Setup is not { } setup)
        {
            return;
        }

        TModel? model = null;
        long from = 0;
        if (SnapshotEvery > 0 && await _journal.ReadSnapshotAsync(cancellationToken) is { } snapshot)
        {
            try
            {
                model = Restore(setup, snapshot.Bytes);
                from = snapshot.Count;
            }
            catch (InvalidDataException)
            {
                // A snapshot this version cannot read: the log alone decides.
            }
        }

        model ??= TryCreate(setup, out var problems)
            ?? throw new InvalidOperationException($"{Name}: its kept setup is no longer valid: {string.Join("; ", problems)}");
        var entries = await _journal.ReadFromAsync(from, cancellationToken);
        foreach (var e in entries)
        {
            var r = Apply(model, e);
            if (r.Status != CommandStatus.Applied)
            {
                throw new InvalidOperationException($"{Name}: replaying its log, {Describe(e)} gave {r.Status} ({r.Message}); the log and the model disagree");
            }
        }

        (_snapshotAt, FoldedOnActivation) = (from, entries.Count);
        Model = model;
    }

    /// <summary>Sets the grain up (once; the same setup again is a duplicate, another is rejected).</summary>
    protected async Task<CommandResult> SetupOnce(TSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (_journal!.Setup is { } existing)
        {
            return existing.Equals(setup)
                ? CommandResult.Duplicate($"{Name} is set up already")
                : CommandResult.Rejected($"{Noun}.setup.conflict", $"{Name} is set up already, with another setup");
        }

        var model = TryCreate(setup, out var problems);
        if (model is null)
        {
            return CommandResult.Rejected($"{Noun}.setup.invalid", string.Join("\n", problems));
        }

        await Keep(() => _journal.WriteSetupAsync(setup, CancellationToken.None), "its setup");
        Model = model;
        return CommandResult.Applied($"{Name} set up");
    }

    /// <summary>Applies commands in order, keeps the applied ones, and answers once they are written.</summary>
    protected async Task<CommandResult[]> Execute(TCommand[] commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ThrowIfBroken();
        if (Model is not { } model)
        {
            return [.. commands.Select(_ => CommandResult.Rejected($"{Noun}.setup.missing", $"{Name} is not set up"))];
        }

        var results = new CommandResult[commands.Length];
        var applied = new List<TCommand>();
        for (var i = 0; i < commands.Length; i++)
        {
            results[i] = Apply(model, commands[i]);
            if (results[i].Status == CommandStatus.Applied)
            {
                applied.Add(commands[i]);
            }
        }

        await Keep(() => _journal!.AppendAsync(applied, CancellationToken.None), $"{applied.Count} commands");
        if (SnapshotEvery > 0 && _journal!.Count - _snapshotAt >= SnapshotEvery)
        {
            try
            {
                await _journal.WriteSnapshotAsync(_journal.Count, TakeSnapshot(model), CancellationToken.None);
                _snapshotAt = _journal.Count;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The commands are kept in the journal; a snapshot not written is tried again after the next call.
            }
        }

        return results;
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new CommandsNotKeptException($"{Name} is being reloaded from storage after a failed write; nothing of this call is kept. Retry the same commands.");
        }
    }

    private async Task Keep(Func<Task> write, string what)
    {
        ThrowIfBroken();
        try
        {
            await write();
        }
        catch (Exception e)
        {
            // The model is ahead of the storage: drop this activation; the next one folds what was kept.
            _broken = true;
            DeactivateOnIdle();
            throw new CommandsNotKeptException($"{Name}: {what} could not be written to storage ({e.GetType().Name}: {e.Message}); nothing of this call is kept unless a retry reports it as a duplicate. Retry the same commands.", e);
        }
    }
}
