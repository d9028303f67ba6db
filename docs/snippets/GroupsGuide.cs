using CommunityModel.Conditions;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Docs;

/// <summary>The code of docs/groups.md.</summary>
public static class GroupsGuide
{
    public static (IReadOnlyList<ReplayStep> Steps, IReadOnlyList<DecisionDifference> DryRun, IReadOnlyList<Money> Shares) StoreGroup()
    {
        #region groups-policy
        var start = Instant.FromUtc(2026, 6, 1, 1, 0);
        var policy = GroupPolicy.Create(new GroupPolicy
        {
            Version = "store-group-v1",
            EffectiveFrom = start,
            Theme = "mother and baby: feeding, sleep, diapers",
            Admission = new AdmissionRules
            {
                Capacity = 500,
                Screenings = [new Screening("customers-only", new IsCustomer() & new NotBlocklisted())],
            },
            // Defaults: ads (links, phone numbers, 加微信 ...) warn then remove; more than 5 messages a minute is a flood;
            // the escalation ladder is warn, warn, warn, mute, remove, with strikes expiring after 30 days.
        });
        #endregion

        #region groups-replay
        var customer = new Candidate(IsCustomer: true, Purchases: 1, Approved: false, Blocklisted: false);
        var events = new List<GroupEvent>
        {
            new MemberAdded(start, MemberId.From("host-lin"), GroupRole.Host),
            new JoinRequested(start, MemberId.From("mum-chen"), JoinChannel.StoreQrScan, customer),
            new JoinRequested(start, MemberId.From("passer-by"), JoinChannel.StoreQrScan, customer with { IsCustomer = false }),
            new JoinRequested(start, MemberId.From("seller"), JoinChannel.StoreQrScan, customer),
            new MessagePosted(start + Duration.FromHours(1), MemberId.From("seller"), "代购奶粉, 加微信 abc123"),
            new MessagePosted(start + Duration.FromHours(2), MemberId.From("seller"), "cheap formula www.example.cn"),
        };
        var (steps, state) = GroupReplay.Replay(policy, events);
        // passer-by is rejected by "customers-only"; the seller is warned, then removed by content.ad.
        // Every decision carries its rule id, the policy version and the evidence (the matched text).
        #endregion

        #region groups-dry-run
        // Try a stricter rule on the past before enforcing it: which decisions would differ?
        var strict = policy with { Version = "store-group-v2", Content = new ContentRules { AdLadder = new EscalationLadder { Steps = [EscalationAction.Remove] } } };
        var differences = GroupReplay.DryRun(policy, events, strict);
        // The first ad now removes at once; the second ad is then from someone no longer in the group.
        #endregion

        #region groups-red-packet
        // A CNY 50.00 packet in 10 shares by the double-average method: each draw between one fen and twice
        // the remaining mean, the last takes the rest; the shares always sum to the packet exactly.
        var shares = RedPacketSplitter.DoubleAverage(Money.Parse("CNY 50.00"), 10, new SeededRandom(2026));
        #endregion

        _ = state;
        return (steps, differences, shares);
    }

    public static (FleetOutcomes Outcomes, IReadOnlyList<string> Decided, IReadOnlyList<DecisionDifference> DryRun, int Members) Fleet()
    {
        var start = Instant.FromUtc(2026, 6, 1, 1, 0);
        var policy = GroupPolicy.Create(new GroupPolicy { Version = "store-group-v1", EffectiveFrom = start });
        var strict = policy with { Version = "store-group-v2", Content = new ContentRules { AdLadder = new EscalationLadder { Steps = [EscalationAction.Remove] } } };

        #region groups-fleet
        var fleet = new GroupFleet();
        var feeding = fleet.Add("妈妈群 1", policy);   // handle 0
        var weaning = fleet.Add("辅食群", policy);       // handle 1
        FleetEvent[] stream =
        [
            // For resolves the group's and the member's handles once (the member interned in fleet.Members).
            fleet.For(feeding, new MemberAdded(start, MemberId.From("mum-li"))),
            fleet.For(weaning, new MemberAdded(start, MemberId.From("mum-li"))),
            fleet.For(weaning, new MemberAdded(start, MemberId.From("seller"))),
            fleet.For(feeding, new MessagePosted(start + Duration.FromMinutes(1), MemberId.From("mum-li"), "宝宝几个月了?")),
            fleet.For(weaning, new MessagePosted(start + Duration.FromMinutes(2), MemberId.From("seller"), "代购奶粉 加微信 abc123")),
        ];

        // A dry run first (the fleet untouched), then the replay: groups partitioned, replayed on every core.
        var dryRun = fleet.DryRun(stream, strict);
        var outcomes = fleet.Replay(stream);
        var decided = outcomes.DecidedOrInvalid
            .SelectMany(i => outcomes[i].Decisions.Select(d => $"{i} {fleet.IdOf(stream[i].Group)}: {d.Kind} {d.Member} by {d.RuleId}"))
            .ToList();
        // 0 妈妈群 1: Admit mum-li by admission.added ... 4 辅食群: Reject seller by content.ad, 4 辅食群: Warn seller by content.ad
        #endregion

        return (outcomes, decided, dryRun, fleet.Members.Count);
    }
}
