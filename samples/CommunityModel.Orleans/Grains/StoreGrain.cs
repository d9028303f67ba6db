using global::Orleans.Storage;
using CommunityModel.Orleans.Model;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Orleans.Grains;

/// <summary>
/// The store grain: a <see cref="StoreModel"/> folded from the store's journal on activation; each call applies its
/// commands to the model, appends the applied ones to the journal, and answers only once they are written.
/// </summary>
public sealed class StoreGrain : Grain, IStoreGrain
{
    /// <summary>The name of the grain storage that holds stores' and groups' journals.</summary>
    public const string StorageName = "journal";

    private Journal<StoreSetup, StoreCommand>? _journal;
    private StoreModel? _model;
    private bool _broken;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageName);
        _journal = new Journal<StoreSetup, StoreCommand>(storage, this.GetGrainId(), "store");
        var entries = await _journal.ReadAllAsync(cancellationToken);
        if (_journal.Setup is not { } setup)
        {
            return;
        }

        _model = StoreModel.TryCreate(setup, out var problems)
            ?? throw new InvalidOperationException($"store '{this.GetPrimaryKeyString()}': its kept setup no longer makes a store: {string.Join("; ", problems)}");
        foreach (var e in entries)
        {
            var r = _model.Apply(e);
            if (r.Status != CommandStatus.Applied)
            {
                throw new InvalidOperationException($"store '{this.GetPrimaryKeyString()}': replaying its log, {e.Kind} '{e.Id}' gave {r.Status} ({r.Message}); the log and the model disagree");
            }
        }
    }

    /// <inheritdoc />
    public async Task<CommandResult> SetupAsync(StoreSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (_journal!.Setup is { } existing)
        {
            return existing == setup
                ? CommandResult.Duplicate("the store is set up already")
                : CommandResult.Rejected("store.setup.conflict", "the store is set up already, with another setup");
        }

        var model = StoreModel.TryCreate(setup, out var problems);
        if (model is null)
        {
            return CommandResult.Rejected("store.setup.invalid", string.Join("\n", problems));
        }

        await Keep(() => _journal.WriteSetupAsync(setup, CancellationToken.None), "its setup");
        _model = model;
        return CommandResult.Applied($"store '{this.GetPrimaryKeyString()}' set up");
    }

    /// <inheritdoc />
    public async Task<CommandResult[]> ExecuteAsync(StoreCommand[] commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ThrowIfBroken();
        if (_model is null)
        {
            return [.. commands.Select(_ => CommandResult.Rejected("store.setup.missing", $"store '{this.GetPrimaryKeyString()}' is not set up"))];
        }

        var results = new CommandResult[commands.Length];
        var applied = new List<StoreCommand>();
        for (var i = 0; i < commands.Length; i++)
        {
            results[i] = _model.Apply(commands[i]);
            if (results[i].Status == CommandStatus.Applied)
            {
                applied.Add(commands[i]);
            }
        }

        await Keep(() => _journal!.AppendAsync(applied, CancellationToken.None), $"{applied.Count} commands");
        return results;
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new CommandsNotKeptException($"store '{this.GetPrimaryKeyString()}' is being reloaded from storage after a failed write; nothing of this call is kept. Retry the same commands.");
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
            throw new CommandsNotKeptException($"store '{this.GetPrimaryKeyString()}': {what} could not be written to storage ({e.GetType().Name}: {e.Message}); nothing of this call is kept unless a retry reports it as a duplicate. Retry the same commands.", e);
        }
    }

    private StoreModel Model => _model ?? throw new InvalidOperationException($"store '{this.GetPrimaryKeyString()}' is not set up");

    /// <inheritdoc />
    public Task<TierView?> TierOfAsync(string member) => Task.FromResult(Model.TierOf(member));

    /// <inheritdoc />
    public Task<BalanceView> BalanceOfAsync(string earner, long asOfTicks) => Task.FromResult(Model.BalanceOf(earner, Instant.FromUnixTimeTicks(asOfTicks)));

    /// <inheritdoc />
    public Task<LedgerLineView[]> HistoryOfAsync(string earner) => Task.FromResult(Model.HistoryOf(earner).ToArray());

    /// <inheritdoc />
    public Task<KeyCustomerView[]> KeyCustomersAsync(int count, string asOfDate) =>
        Task.FromResult(Model.KeyCustomers(count, LocalDatePattern.Iso.Parse(asOfDate).Value).ToArray());

    /// <inheritdoc />
    public Task<long> PreviewOpenMonthAsync() => Task.FromResult(Model.PreviewOpenMonth().Total);

    /// <inheritdoc />
    public Task<StoreDigest> DigestAsync(long asOfTicks) => Task.FromResult(Model.Digest(Instant.FromUnixTimeTicks(asOfTicks)));
}
