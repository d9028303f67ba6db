using CommunityModel.Orleans.Load;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Orleans.Grains;

/// <summary>A month the schedule settled: how many stores closed it (now or before) and how many could not.</summary>
[GenerateSerializer, Immutable, Alias("cm.SettledMonth")]
public sealed record SettledMonth([property: Id(0)] string Month, [property: Id(1)] int Closed, [property: Id(2)] int Failed, [property: Id(3)] long AtTicks);

/// <summary>The schedule's state, kept in grain storage.</summary>
[GenerateSerializer, Alias("cm.SettlementScheduleState")]
public sealed class SettlementScheduleState
{
    /// <summary>The stores settled.</summary>
    [Id(0)]
    public List<string> Stores { get; set; } = [];

    /// <summary>The next month to settle (<c>yyyy-MM</c>), once scheduled.</summary>
    [Id(1)]
    public string? NextMonth { get; set; }

    /// <summary>The zone whose calendar says when a month has ended.</summary>
    [Id(2)]
    public string Zone { get; set; } = "Asia/Shanghai";

    /// <summary>Stores closed at once at most.</summary>
    [Id(3)]
    public int Concurrency { get; set; } = 64;

    /// <summary>The months settled so far, oldest first.</summary>
    [Id(4)]
    public List<SettledMonth> Settled { get; set; } = [];
}

/// <summary>What a schedule holds: its stores, the next month and the months settled.</summary>
[GenerateSerializer, Immutable, Alias("cm.SettlementScheduleView")]
public sealed record SettlementScheduleView([property: Id(0)] int Stores, [property: Id(1)] string? NextMonth, [property: Id(2)] SettledMonth[] Settled);

/// <summary>
/// The month-end settlement of a set of stores, driven by a reminder (kept in the cluster's reminder table: Redis in
/// the local cluster), so that it happens even when no client is connected and survives the loss of any silo: at
/// every tick, each month that has ended by the silo's clock (in the schedule's zone) is closed in every store,
/// fanned out by <see cref="StoreSettlement.CloseAllAsync"/>, and recorded. Closing is idempotent, so a tick
/// repeated after a failure closes nothing twice.
/// </summary>
[Alias("cm.ISettlementScheduleGrain")]
public interface ISettlementScheduleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Settles <paramref name="storeIds"/> from <paramref name="firstMonth"/> (<c>yyyy-MM</c>) on, checking every
    /// <paramref name="checkEvery"/> whether a month has ended in <paramref name="zone"/>; replaces an earlier schedule.
    /// </summary>
    Task ScheduleAsync(string[] storeIds, string firstMonth, string zone, TimeSpan checkEvery, int concurrency);

    /// <summary>The schedule as it stands.</summary>
    Task<SettlementScheduleView> StatusAsync();
}

/// <summary>The settlement schedule grain (see <see cref="ISettlementScheduleGrain"/>).</summary>
public sealed class SettlementScheduleGrain(IClock clock, [PersistentState("schedule", JournalStorage.Name)] IPersistentState<SettlementScheduleState> state)
    : Grain, ISettlementScheduleGrain, IRemindable
{
    /// <summary>The reminder's name.</summary>
    public const string Reminder = "month-end";

    /// <inheritdoc />
    public async Task ScheduleAsync(string[] storeIds, string firstMonth, string zone, TimeSpan checkEvery, int concurrency)
    {
        ArgumentNullException.ThrowIfNull(storeIds);
        if (!YearMonthPattern.Iso.Parse(firstMonth).Success)
        {
            throw new ArgumentException($"'{firstMonth}' is not a month such as 2026-03", nameof(firstMonth));
        }

        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(zone) is null)
        {
            throw new ArgumentException($"'{zone}' is not a time zone id such as Asia/Shanghai", nameof(zone));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        state.State = new SettlementScheduleState { Stores = [.. storeIds], NextMonth = firstMonth, Zone = zone, Concurrency = concurrency };
        await state.WriteStateAsync();
        // The first check at once (months already ended are settled now), then every checkEvery.
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromSeconds(1), checkEvery);
    }

    /// <inheritdoc />
    public Task<SettlementScheduleView> StatusAsync() =>
        Task.FromResult(new SettlementScheduleView(state.State.Stores.Count, state.State.NextMonth, [.. state.State.Settled]));

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, global::Orleans.Runtime.TickStatus status)
    {
        if (reminderName != Reminder || state.State.NextMonth is not { } next)
        {
            return;
        }

        var zone = DateTimeZoneProviders.Tzdb[state.State.Zone];
        var month = YearMonthPattern.Iso.Parse(next).Value;
        while (clock.GetCurrentInstant() >= month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant())
        {
            var report = await StoreSettlement.CloseAllAsync(GrainFactory, state.State.Stores, month, state.State.Concurrency, null, CancellationToken.None);
            var failed = report.Results.Values.Count(r => r.Status == Model.CommandStatus.Rejected);
            state.State.Settled.Add(new SettledMonth(next, report.Results.Count - failed, failed, clock.GetCurrentInstant().ToUnixTimeTicks()));
            month = month.PlusMonths(1);
            next = YearMonthPattern.Iso.Format(month);
            state.State.NextMonth = next;
            await state.WriteStateAsync();
        }
    }
}
