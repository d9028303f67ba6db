using CommunityModel.Orleans.Model;

namespace CommunityModel.Orleans.Grains;

/// <summary>The group grain: a <see cref="GroupModel"/> kept as the journal of its events.</summary>
public sealed class GroupGrain : JournaledGrain<string, GroupCommand, GroupModel>, IGroupGrain
{
    /// <inheritdoc />
    protected override string Noun => "group";

    /// <inheritdoc />
    protected override GroupModel? TryCreate(string setup, out IReadOnlyList<string> problems) => GroupModel.TryCreate(setup, out problems);

    /// <inheritdoc />
    protected override CommandResult Apply(GroupModel model, GroupCommand command) => model.Apply(command, out _);

    /// <inheritdoc />
    protected override string Describe(GroupCommand command) => $"event '{command.Id}'";

    /// <inheritdoc />
    public Task<CommandResult> SetupAsync(string policyJson) => SetupOnce(policyJson);

    /// <inheritdoc />
    public Task<CommandResult[]> ApplyAsync(GroupCommand[] events) => Execute(events);

    /// <inheritdoc />
    public Task<GroupDecisionView[]> DecisionsAsync() => Task.FromResult(Required.Decisions.ToArray());
}
