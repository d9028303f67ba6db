using global::Orleans.Storage;
using CommunityModel.Orleans.Model;
using Microsoft.Extensions.DependencyInjection;

namespace CommunityModel.Orleans.Grains;

/// <summary>The group grain: a <see cref="GroupModel"/> folded from the group's journal on activation.</summary>
public sealed class GroupGrain : Grain, IGroupGrain
{
    private Journal<string, GroupCommand>? _journal;
    private GroupModel? _model;
    private bool _broken;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StoreGrain.StorageName);
        _journal = new Journal<string, GroupCommand>(storage, this.GetGrainId(), "group");
        var entries = await _journal.ReadAllAsync(cancellationToken);
        if (_journal.Setup is not { } policy)
        {
            return;
        }

        _model = GroupModel.TryCreate(policy, out var problems)
            ?? throw new InvalidOperationException($"group '{this.GetPrimaryKeyString()}': its kept policy is no longer valid: {string.Join("; ", problems)}");
        foreach (var e in entries)
        {
            var r = _model.Apply(e, out _);
            if (r.Status != CommandStatus.Applied)
            {
                throw new InvalidOperationException($"group '{this.GetPrimaryKeyString()}': replaying its log, event '{e.Id}' gave {r.Status} ({r.Message})");
            }
        }
    }

    /// <inheritdoc />
    public async Task<CommandResult> SetupAsync(string policyJson)
    {
        ArgumentNullException.ThrowIfNull(policyJson);
        if (_journal!.Setup is { } existing)
        {
            return existing == policyJson
                ? CommandResult.Duplicate("the group is set up already")
                : CommandResult.Rejected("group.setup.conflict", "the group is set up already, under another policy");
        }

        var model = GroupModel.TryCreate(policyJson, out var problems);
        if (model is null)
        {
            return CommandResult.Rejected("group.setup.invalid", string.Join("\n", problems));
        }

        await Keep(() => _journal.WriteSetupAsync(policyJson, CancellationToken.None), "its policy");
        _model = model;
        return CommandResult.Applied($"group '{this.GetPrimaryKeyString()}' set up");
    }

    /// <inheritdoc />
    public async Task<CommandResult[]> ApplyAsync(GroupCommand[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        ThrowIfBroken();
        if (_model is null)
        {
            return [.. events.Select(_ => CommandResult.Rejected("group.setup.missing", $"group '{this.GetPrimaryKeyString()}' is not set up"))];
        }

        var results = new CommandResult[events.Length];
        var applied = new List<GroupCommand>();
        for (var i = 0; i < events.Length; i++)
        {
            results[i] = _model.Apply(events[i], out _);
            if (results[i].Status == CommandStatus.Applied)
            {
                applied.Add(events[i]);
            }
        }

        await Keep(() => _journal!.AppendAsync(applied, CancellationToken.None), $"{applied.Count} events");
        return results;
    }

    private void ThrowIfBroken()
    {
        if (_broken)
        {
            throw new CommandsNotKeptException($"group '{this.GetPrimaryKeyString()}' is being reloaded from storage after a failed write; nothing of this call is kept. Retry the same commands.");
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
            _broken = true;
            DeactivateOnIdle();
            throw new CommandsNotKeptException($"group '{this.GetPrimaryKeyString()}': {what} could not be written to storage ({e.GetType().Name}: {e.Message}); nothing of this call is kept unless a retry reports it as a duplicate. Retry the same events.", e);
        }
    }

    /// <inheritdoc />
    public Task<GroupDecisionView[]> DecisionsAsync() =>
        Task.FromResult((_model ?? throw new InvalidOperationException($"group '{this.GetPrimaryKeyString()}' is not set up")).Decisions.ToArray());
}
