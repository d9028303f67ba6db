using CommunityModel.Orleans.Model;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Orleans.Grains;

/// <summary>The store grain: a <see cref="StoreModel"/> kept as the journal of its commands.</summary>
public sealed class StoreGrain : JournaledGrain<StoreSetup, StoreCommand, StoreModel>, IStoreGrain
{
    /// <inheritdoc />
    protected override string Noun => "store";

    /// <inheritdoc />
    protected override StoreModel? TryCreate(StoreSetup setup, out IReadOnlyList<string> problems) => StoreModel.TryCreate(setup, out problems);

    /// <inheritdoc />
    protected override CommandResult Apply(StoreModel model, StoreCommand command) => model.Apply(command);

    /// <inheritdoc />
    protected override string Describe(StoreCommand command) => $"{command.Kind} '{command.Id}'";

    /// <summary>Every 1,024 commands the store's snapshot is written: an activation reads it and folds only what came after.</summary>
    protected override int SnapshotEvery => 1024;

    /// <inheritdoc />
    protected override byte[] TakeSnapshot(StoreModel model) => model.Snapshot();

    /// <inheritdoc />
    protected override StoreModel Restore(StoreSetup setup, byte[] snapshot) => StoreModel.Restore(setup, snapshot);

    /// <inheritdoc />
    public Task<long> FoldedOnActivationAsync() => Task.FromResult(FoldedOnActivation);

    /// <inheritdoc />
    public Task<CommandResult> SetupAsync(StoreSetup setup) => SetupOnce(setup);

    /// <inheritdoc />
    public Task<CommandResult[]> ExecuteAsync(StoreCommand[] commands) => Execute(commands);

    /// <inheritdoc />
    public Task<TierView?> TierOfAsync(string member) => Task.FromResult(Required.TierOf(member));

    /// <inheritdoc />
    public Task<BalanceView> BalanceOfAsync(string earner, long asOfTicks) => Task.FromResult(Required.BalanceOf(earner, Instant.FromUnixTimeTicks(asOfTicks)));

    /// <inheritdoc />
    public Task<LedgerLineView[]> HistoryOfAsync(string earner) => Task.FromResult(Required.HistoryOf(earner).ToArray());

    /// <inheritdoc />
    public Task<KeyCustomerView[]> KeyCustomersAsync(int count, string asOfDate) =>
        Task.FromResult(Required.KeyCustomers(count, LocalDatePattern.Iso.Parse(asOfDate).Value).ToArray());

    /// <inheritdoc />
    public Task<long> PreviewOpenMonthAsync() => Task.FromResult(Required.PreviewOpenMonth().Total);

    /// <inheritdoc />
    public Task<StoreDigest> DigestAsync(long asOfTicks) => Task.FromResult(Required.Digest(Instant.FromUnixTimeTicks(asOfTicks)));
}
