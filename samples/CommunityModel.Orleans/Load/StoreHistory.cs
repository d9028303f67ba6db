using System.Globalization;
using CommunityModel.Orleans.Model;
using NodaTime;

namespace CommunityModel.Orleans.Load;

/// <summary>The shape of one store's generated months.</summary>
/// <param name="Members">Members who join over the months.</param>
/// <param name="Groups">The store's chat groups.</param>
/// <param name="OrdersPerMemberPerMonth">Orders each member places in a month, on average.</param>
/// <param name="MessagesPerGroupPerMonth">Messages posted in each group in a month.</param>
/// <param name="Months">Months played, from <paramref name="FirstMonth"/>; each ends with its close.</param>
/// <param name="FirstMonth">The first month.</param>
/// <param name="Seed">The seed: the same seed, the same stream.</param>
public sealed record StoreHistoryOptions(
    int Members = 1000,
    int Groups = 20,
    double OrdersPerMemberPerMonth = 1.5,
    int MessagesPerGroupPerMonth = 100,
    int Months = 3,
    YearMonth FirstMonth = default,
    ulong Seed = 2026)
{
    /// <summary>The first month, March 2026 when not given.</summary>
    public YearMonth Start => FirstMonth == default ? new YearMonth(2026, 3) : FirstMonth;
}

/// <summary>
/// One store's months as commands, made from a seed: members joining through referrals, orders of the ladder's
/// products, refunds (some inside the month, some of orders already closed, some after the payout, which are
/// clawbacks), each month's close, payouts once the holding period has passed, and the store's group chat with
/// joins, ordinary talk and a few ads. What a load generator plays against a cluster and a single process alike.
/// </summary>
public sealed class StoreHistory
{
    private static readonly string[] Ordinary =
    [
        "请问新生儿用哪个尺码？", "谢谢群主！", "今天的纸尿裤到了吗", "宝宝红屁股怎么办", "已下单，两包 L 码", "价格是 129 元吗",
        "周三 8 点直播见", "收到，谢谢", "我家三个月，用 S 码", "什么时候有活动", "奶粉冲几勺？", "好的👌",
    ];

    private static readonly string[] Ads =
    [
        "加我微信：abc123 代购奶粉", "vx：mama888 低价纸尿裤", "ＶＸ: baby_2026 进群领券", "兼职日结，私聊 QQ 12345678", "点击 abc.com/x 领红包",
    ];

    private StoreHistory(string storeId, List<StoreCommand> commands, List<(string Group, List<GroupCommand> Events)> groups)
    {
        StoreId = storeId;
        Commands = commands;
        Groups = groups;
    }

    /// <summary>The store's id.</summary>
    public string StoreId { get; }

    /// <summary>The store's commands, in the order they happen.</summary>
    public IReadOnlyList<StoreCommand> Commands { get; }

    /// <summary>Each group's id and its events, in order.</summary>
    public IReadOnlyList<(string Group, List<GroupCommand> Events)> Groups { get; }

    /// <summary>Commands and events in all.</summary>
    public int Count => Commands.Count + Groups.Sum(g => g.Events.Count);

    /// <summary>Makes a store's stream.</summary>
    public static StoreHistory Generate(string storeId, StoreHistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var zone = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        var random = new Random(unchecked((int)options.Seed) ^ StableHash(storeId));
        var commands = new List<StoreCommand>();
        var groups = Enumerable.Range(0, options.Groups).Select(g => ($"g{g}", new List<GroupCommand>())).ToList();
        var joined = new List<string>();
        var orders = new List<(string Id, long Amount, Instant At)>();
        var refunded = new HashSet<string>(StringComparer.Ordinal);
        var perMonth = (options.Members + options.Months - 1) / options.Months;
        int orderNo = 0, refundNo = 0, payoutNo = 0;
        var groupEvent = new int[options.Groups];
        var sponsorOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var earners = new Dictionary<string, Instant>(StringComparer.Ordinal); // a sponsor of a buyer: their first such order
        for (var k = 0; k < options.Months; k++)
        {
            var month = options.Start.PlusMonths(k);
            var start = month.OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
            var end = month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
            var span = (end - start).TotalSeconds;
            var events = new List<(Instant At, int Order, StoreCommand Command)>();

            // Payouts on the 20th, from the third month on (the holding period is two months): the earners with
            // something available (the others would be refused: nothing to pay).
            if (k >= 2)
            {
                var payday = start + Duration.FromDays(19);
                var due = payday.InZone(zone).LocalDateTime.PlusMonths(-2).InZoneLeniently(zone).ToInstant();
                foreach (var earner in earners.Where(e => e.Value < due).Select(e => e.Key).Order(StringComparer.Ordinal).ToList())
                {
                    events.Add((payday, events.Count, StoreCommand.Payout($"p{++payoutNo}", earner, payday)));
                }
            }

            // Joins in the month's first two thirds, each referred by an earlier member (the first is the store's own).
            var newMembers = Math.Min(perMonth, options.Members - joined.Count);
            var joinTimes = Enumerable.Range(0, newMembers).Select(_ => start + Duration.FromSeconds(2 * 3600 + (random.NextDouble() * span * 0.6))).Order().ToList();
            var monthMembers = new List<(string Id, Instant At)>();
            foreach (var at in joinTimes)
            {
                var id = $"m{joined.Count + monthMembers.Count}";
                var sponsors = joined.Count + monthMembers.Count;
                string? sponsor = sponsors == 0 ? null
                    : random.Next(sponsors) is var s && s < joined.Count ? joined[s] : monthMembers[s - joined.Count].Id;
                if (sponsor is not null && monthMembers.FirstOrDefault(m => m.Id == sponsor) is { Id: not null } sm && sm.At > at)
                {
                    sponsor = joined.Count > 0 ? joined[0] : null;
                }

                if (sponsor is not null)
                {
                    sponsorOf[id] = sponsor;
                }

                monthMembers.Add((id, at));
                events.Add((at, events.Count, StoreCommand.Join(id, sponsor, at)));
            }

            // Orders: each member of the store so far, Poisson-like, after they joined.
            var everyone = joined.Select(j => (Id: j, At: start)).Concat(monthMembers).ToList();
            var monthOrders = new List<(string Id, long Amount, Instant At)>();
            foreach (var (member, from) in everyone)
            {
                var n = (int)Math.Floor(options.OrdersPerMemberPerMonth + random.NextDouble());
                for (var i = 0; i < n; i++)
                {
                    var at = from + Duration.FromSeconds(60 + (random.NextDouble() * (end - from).TotalSeconds * 0.95));
                    var pick = random.NextDouble();
                    var (product, amount) = pick < 0.35 ? ("diaper-trial", 39_90L) : pick < 0.9 ? ("diapers", 129_00L) : pick < 0.97 ? ("member-card", 399_00L) : ("partner-pack", 1_999_00L);
                    var id = $"o{++orderNo}";
                    monthOrders.Add((id, amount, at));
                    if (product is "diaper-trial" or "diapers" && sponsorOf.TryGetValue(member, out var up) && (!earners.TryGetValue(up, out var first) || at < first))
                    {
                        earners[up] = at;
                    }

                    events.Add((at, events.Count, StoreCommand.Order(id, member, product, amount, at)));
                }
            }

            // Refunds: 2% of the month's orders within the month, and 1% of earlier months' (cancellations or clawbacks).
            foreach (var (id, amount, at) in monthOrders.Where(_ => random.NextDouble() < 0.02))
            {
                var when = at + Duration.FromSeconds(random.NextDouble() * (end - at).TotalSeconds * 0.9);
                refunded.Add(id);
                events.Add((when, events.Count, StoreCommand.Refund($"r{++refundNo}", id, random.NextDouble() < 0.5 ? amount : amount / 2, when)));
            }

            foreach (var (id, amount, _) in orders.Where(o => !refunded.Contains(o.Id) && random.NextDouble() < 0.01).ToList())
            {
                var when = start + Duration.FromSeconds(7200 + (random.NextDouble() * span * 0.9));
                refunded.Add(id);
                events.Add((when, events.Count, StoreCommand.Refund($"r{++refundNo}", id, amount, when)));
            }

            commands.AddRange(events.OrderBy(e => e.At).ThenBy(e => e.Order).Select(e => e.Command));
            commands.Add(StoreCommand.CloseMonth(month));
            joined.AddRange(monthMembers.Select(m => m.Id));
            orders.AddRange(monthOrders);

            // The groups: this month's members join a group each; talk, with an ad now and then.
            for (var i = 0; i < monthMembers.Count; i++)
            {
                var g = (joined.Count - monthMembers.Count + i) % options.Groups;
                var (member, at) = monthMembers[i];
                groups[g].Item2.Add(GroupEvent(groupEvent, g, $$"""{"type": "memberAdded", "at": "{{Iso(at)}}", "member": "{{member}}", "role": "{{(groups[g].Item2.Count == 0 ? "host" : "member")}}"}"""));
            }

            for (var g = 0; g < options.Groups; g++)
            {
                var inGroup = joined.Where((_, i) => i % options.Groups == g).ToList();
                if (inGroup.Count == 0)
                {
                    continue;
                }

                var times = Enumerable.Range(0, options.MessagesPerGroupPerMonth).Select(_ => start + Duration.FromSeconds(span * (0.6 + (random.NextDouble() * 0.39)))).Order();
                foreach (var at in times)
                {
                    var member = inGroup[random.Next(inGroup.Count)];
                    var text = random.NextDouble() < 0.01 ? Ads[random.Next(Ads.Length)] : Ordinary[random.Next(Ordinary.Length)];
                    groups[g].Item2.Add(GroupEvent(groupEvent, g, $$"""{"type": "message", "at": "{{Iso(at)}}", "member": "{{member}}", "text": "{{text}}"}"""));
                }
            }
        }

        return new StoreHistory(storeId, commands, groups);
    }

    private static GroupCommand GroupEvent(int[] counter, int group, string json) => new($"g{group}-e{++counter[group]}", json);

    private static string Iso(Instant at) => NodaTime.Text.InstantPattern.ExtendedIso.Format(at);

    private static int StableHash(string s)
    {
        var h = 17;
        foreach (var c in s)
        {
            h = unchecked((h * 31) + c);
        }

        return h;
    }

    /// <summary>The store's key (with <paramref name="index"/> from 0).</summary>
    public static string StoreIdOf(int index) => string.Create(CultureInfo.InvariantCulture, $"store-{index:D5}");
}
