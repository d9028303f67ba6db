using CommunityModel.Conditions;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using FluentValidation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Groups;

public class GroupRuleTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly Instant T0 = new LocalDateTime(2026, 6, 1, 9, 0).InZoneStrictly(Shanghai).ToInstant();

    private static Instant At(double minutes) => T0 + Duration.FromSeconds(minutes * 60);

    private static Money Cny(long minor) => Money.OfMinor(minor, Currency.CNY);

    private static GroupPolicy StoreGroup() => GroupPolicy.Create(new GroupPolicy
    {
        Version = "v1",
        EffectiveFrom = T0,
        Theme = "mother and baby: feeding, sleep, diapers",
        Admission = new AdmissionRules
        {
            Capacity = 5,
            Screenings = [new Screening("admission.blocklist", new NotBlocklisted())],
        },
        RedPackets = new RedPacketRules
        {
            MinAmount = Cny(100),
            MaxAmount = Cny(20_000),
            DailyBudget = Cny(30_000),
            TimeWindows = [(new LocalTime(20, 0), new LocalTime(21, 0))],
        },
        Elimination = new EliminationRules { SilentDays = 7, GraceDays = 2 },
    });

    private static readonly Candidate Customer = new(IsCustomer: true, Purchases: 2, Approved: true, Blocklisted: false);

    private static GroupState WithMembers(GroupPolicy policy, params string[] members)
    {
        var g = new GroupState(policy);
        Assert.Equal(GroupEventStatus.Decided, g.Apply(new MemberAdded(T0, MemberId.From("host-wang"), GroupRole.Host)).Status);
        foreach (var m in members)
        {
            g.Apply(new JoinRequested(T0, MemberId.From(m), JoinChannel.StoreQrScan, Customer));
        }

        return g;
    }

    [Fact]
    public void EventsWithoutTheirSubject_AreInvalidOutcomesWithCodes_NotExceptions()
    {
        var g = WithMembers(StoreGroup(), "mama-li");
        var noText = g.Apply(new MessagePosted(At(1), MemberId.From("mama-li"), null!));
        Assert.Equal((GroupEventStatus.Invalid, "group.event.no-text"), (noText.Status, noText.ErrorCode));
        var nobody = g.Apply(new MemberAdded(At(1), default));
        Assert.Equal((GroupEventStatus.Invalid, "group.event.no-member"), (nobody.Status, nobody.ErrorCode));
        var left = g.Apply(new MemberLeft(At(1), default));
        Assert.Equal("group.event.no-member", left.ErrorCode);
        var noPolicy = g.Apply(new PolicyChanged(At(1), null!));
        Assert.Equal("group.event.policy-invalid", noPolicy.ErrorCode);

        // The group is unchanged: the member still posts normally.
        Assert.NotEqual(GroupEventStatus.Invalid, g.Apply(new MessagePosted(At(2), MemberId.From("mama-li"), "宝宝几个月了?")).Status);
    }

    [Fact]
    public void AdByANewMember_IsWarnedThenRemoved()
    {
        var g = WithMembers(StoreGroup(), "newbie", "mama-li");
        var first = g.Apply(new MessagePosted(At(1), MemberId.From("newbie"), "代购奶粉, 加微信 abc123"));
        Assert.Equal([GroupDecisionKind.Reject, GroupDecisionKind.Warn], first.Decisions.Select(d => d.Kind));
        Assert.All(first.Decisions, d => Assert.Equal(("content.ad", "v1"), (d.RuleId, d.PolicyVersion)));
        Assert.Contains("代购", first.Decisions[0].Evidence, StringComparison.Ordinal);

        var second = g.Apply(new MessagePosted(At(2), MemberId.From("newbie"), "see https://example.cn/shop"));
        Assert.Equal([GroupDecisionKind.Reject, GroupDecisionKind.Remove], second.Decisions.Select(d => d.Kind));
        Assert.Contains("https://example.cn", second.Decisions[0].Evidence, StringComparison.Ordinal);
        Assert.False(g.Contains(MemberId.From("newbie")));

        // The host may post the store's link: hosts are exempt.
        Assert.Equal(GroupEventStatus.Applied, g.Apply(new MessagePosted(At(3), MemberId.From("host-wang"), "our shop: https://store.example.cn")).Status);
        Assert.Equal(GroupEventStatus.Applied, g.Apply(new MessagePosted(At(4), MemberId.From("mama-li"), "宝宝晚上总是醒, 怎么办?")).Status);
    }

    [Fact]
    public void PhoneNumbersLabelsAndPatterns_AreAds_AllowListWins()
    {
        var policy = StoreGroup() with { Content = new ContentRules { AdPatterns = [@"\bV\d{6}\b"], AllowList = ["store.example.cn"] } };
        var g = WithMembers(GroupPolicy.Create(policy), "a", "b", "c", "d");
        Assert.Equal("content.ad", g.Apply(new MessagePosted(At(1), MemberId.From("a"), "call 138-1234-5678 today")).Decisions[0].RuleId);
        Assert.Equal("content.ad", g.Apply(new MessagePosted(At(2), MemberId.From("b"), "look", ["qr-code"])).Decisions[0].RuleId);
        Assert.Equal("content.ad", g.Apply(new MessagePosted(At(3), MemberId.From("c"), "code V123456")).Decisions[0].RuleId);
        Assert.Equal("content.prohibited", g.Apply(new MessagePosted(At(4), MemberId.From("d"), "...", ["political"])).Decisions[0].RuleId);
        Assert.Equal(GroupEventStatus.Applied, g.Apply(new MessagePosted(At(5), MemberId.From("d"), "order at https://store.example.cn/diapers")).Status);
        Assert.Equal(GroupEventStatus.Applied, g.Apply(new MessagePosted(At(6), MemberId.From("d"), "my baby is 12345678901 days old? no: 2 months")).Status);
    }

    [Fact]
    public void Flood_CountsExactlyAtTheWindowEdge()
    {
        var g = WithMembers(StoreGroup(), "fast");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(GroupEventStatus.Applied, g.Apply(new MessagePosted(At(i * 0.1), MemberId.From("fast"), $"msg {i}")).Status);
        }

        // The sixth within the minute floods.
        var flood = g.Apply(new MessagePosted(At(0.5), MemberId.From("fast"), "msg 5"));
        Assert.Equal("flood.window", flood.Decisions[0].RuleId);
        Assert.Contains("6 messages", flood.Decisions[0].Evidence, StringComparison.Ordinal);

        // Exactly one minute after the second message, it has left the window: (now - 1 min, now].
        var g2 = WithMembers(StoreGroup(), "x");
        for (var i = 0; i < 5; i++)
        {
            g2.Apply(new MessagePosted(At(i * 0.1), MemberId.From("x"), "m"));
        }

        Assert.Equal(GroupEventStatus.Applied, g2.Apply(new MessagePosted(At(1.0), MemberId.From("x"), "at the edge")).Status);
        Assert.Equal("flood.window", g2.Apply(new MessagePosted(At(1.0), MemberId.From("x"), "one more")).Decisions[0].RuleId);
    }

    [Fact]
    public void RedPacketRules_SenderTimeAmountAndBudget()
    {
        var g = WithMembers(StoreGroup(), "mama-li");
        Instant Evening(int minute) => new LocalDateTime(2026, 6, 1, 20, minute).InZoneStrictly(Shanghai).ToInstant();
        Assert.Equal("redpacket.time", g.Apply(new RedPacketSent(Evening(0) - Duration.FromMinutes(1), MemberId.From("host-wang"), Cny(500), 5)).Decisions[0].RuleId);
        Assert.Equal("redpacket.sender", g.Apply(new RedPacketSent(Evening(0), MemberId.From("mama-li"), Cny(500), 5)).Decisions[0].RuleId);
        Assert.Equal(GroupDecisionKind.AllowRedPacket, g.Apply(new RedPacketSent(Evening(1), MemberId.From("host-wang"), Cny(20_000), 20)).Decisions[0].Kind);
        Assert.Equal("redpacket.amount", g.Apply(new RedPacketSent(Evening(2), MemberId.From("host-wang"), Cny(20_001), 20)).Decisions[0].RuleId);
        Assert.Equal("redpacket.budget", g.Apply(new RedPacketSent(Evening(3), MemberId.From("host-wang"), Cny(10_001), 10)).Decisions[0].RuleId);
        Assert.Equal(GroupDecisionKind.AllowRedPacket, g.Apply(new RedPacketSent(Evening(4), MemberId.From("host-wang"), Cny(10_000), 10)).Decisions[0].Kind);
        Assert.Equal("redpacket.time", g.Apply(new RedPacketSent(Evening(0) + Duration.FromHours(1), MemberId.From("host-wang"), Cny(100), 1)).Decisions[0].RuleId);
    }

    [Fact]
    public void SilentWeek_NoticeThenRemoval_SpeakingLiftsTheNotice_WaitingListAdmitted()
    {
        var g = WithMembers(StoreGroup(), "quiet", "talker", "saved", "d");
        Assert.Equal(5, g.MemberCount);
        Assert.Equal(GroupDecisionKind.WaitingList, g.Apply(new JoinRequested(At(1), MemberId.From("waiting"), JoinChannel.CustomerReferral, Customer)).Decisions[0].Kind);
        g.Apply(new MessagePosted(T0 + Duration.FromDays(3), MemberId.From("talker"), "hello"));
        g.Apply(new MessagePosted(T0 + Duration.FromDays(3), MemberId.From("d"), "hi"));
        var week = g.Apply(new TimeTick(T0 + Duration.FromDays(7)));
        Assert.Equal(["quiet", "saved"], week.Decisions.Where(d => d.RuleId == "elimination.notice").Select(d => d.Member!.Value.Value));
        g.Apply(new MessagePosted(T0 + Duration.FromDays(8), MemberId.From("saved"), "I'm here!"));
        var later = g.Apply(new TimeTick(T0 + Duration.FromDays(9)));
        Assert.Equal(GroupDecisionKind.Remove, later.Decisions[0].Kind);
        Assert.Equal("quiet", later.Decisions[0].Member!.Value.Value);
        Assert.Equal(GroupDecisionKind.AdmitFromWaitingList, later.Decisions[^1].Kind);
        Assert.True(g.Contains(MemberId.From("waiting")));
        Assert.True(g.Contains(MemberId.From("host-wang"))); // protected
        Assert.True(g.Contains(MemberId.From("saved")));
    }

    [Fact]
    public void Admission_ChannelScreeningCapacity_AndHostCheck()
    {
        var policy = GroupPolicy.Create(StoreGroup() with { Admission = new AdmissionRules { Capacity = 2, WaitingList = false, Channels = [JoinChannel.StoreQrScan], Screenings = [new Screening("admission.customer", new IsCustomer() & new NotBlocklisted())] } });
        var g = new GroupState(policy);
        Assert.Equal("admission.channel", g.Apply(new JoinRequested(T0, MemberId.From("a"), JoinChannel.CustomerReferral, Customer)).Decisions[0].RuleId);
        Assert.Equal("admission.customer", g.Apply(new JoinRequested(T0, MemberId.From("b"), JoinChannel.StoreQrScan, Customer with { IsCustomer = false })).Decisions[0].RuleId);
        Assert.Equal(GroupDecisionKind.Admit, g.Apply(new JoinRequested(T0, MemberId.From("c"), JoinChannel.StoreQrScan, Customer)).Decisions[0].Kind);
        Assert.Equal(GroupDecisionKind.Admit, g.Apply(new JoinRequested(T0, MemberId.From("d"), JoinChannel.StoreQrScan, Customer)).Decisions[0].Kind);
        Assert.Equal("admission.full", g.Apply(new JoinRequested(T0, MemberId.From("e"), JoinChannel.StoreQrScan, Customer)).Decisions[0].RuleId);
        Assert.Equal("group.host.missing", g.Apply(new TimeTick(At(1))).Decisions[0].RuleId);
        Assert.Empty(g.Apply(new TimeTick(At(2))).Decisions); // said once
    }

    [Fact]
    public void BadEvents_AreRejected_StateUnchanged()
    {
        var g = WithMembers(StoreGroup(), "a");
        g.Apply(new MessagePosted(At(5), MemberId.From("a"), "hi"));
        var before = (g.MemberCount, g.LastEventAt);
        Assert.Equal(GroupEventStatus.Invalid, g.Apply(new MessagePosted(At(6), MemberId.From("stranger"), "hi")).Status);
        var late = g.Apply(new MessagePosted(At(1), MemberId.From("a"), "back in time"));
        Assert.Equal(GroupEventStatus.Invalid, late.Status);
        Assert.Contains("time order", late.Error, StringComparison.Ordinal);
        Assert.Equal(GroupEventStatus.Invalid, g.Apply(new PolicyChanged(At(7), StoreGroup() with { Version = "", ZoneId = "Mars/Base" })).Status);
        Assert.Equal(before, (g.MemberCount, g.LastEventAt));
    }

    [Fact]
    public void Policy_EveryProblemReported()
    {
        var bad = StoreGroup() with
        {
            Version = "",
            ZoneId = "UTC+8",
            Admission = new AdmissionRules { Capacity = 0, Channels = [] },
            Content = new ContentRules { AdPatterns = ["(unclosed"] },
            Flood = new FloodRules { MaxMessages = 0, Window = Duration.Zero },
        };
        var ex = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(bad));
        var codes = ex.Problems.Select(e => e.Code).ToHashSet();
        Assert.Superset(new HashSet<string> { "group.version.empty", "group.zone.unknown", "group.capacity.range", "group.channels.empty", "group.pattern.invalid", "group.flood.range", "group.duration.nonpositive" }, codes);
    }

    [Fact]
    public void Policy_FromAFile_CannotAskForMoreThanTheLimits()
    {
        var tooMany = Enumerable.Range(0, GroupPolicyLimits.MaxKeywords + 1).Select(i => $"kw{i}").ToArray();
        var bad = StoreGroup() with
        {
            Content = new ContentRules
            {
                AdKeywords = tooMany,
                AllowList = ["ok", new string('x', GroupPolicyLimits.MaxKeywordLength + 1)],
                AdPatterns = [@"(a)\1", @"(?<=vx)\d+", new string('a', GroupPolicyLimits.MaxPatternLength + 1)],
            },
        };
        var problems = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(bad)).Problems;
        Assert.Contains(problems, p => (p.Path, p.Code) == ("Content.AdKeywords", "group.limit") && p.Message.Contains("2001 entries; at most 2000", StringComparison.Ordinal));
        Assert.Contains(problems, p => (p.Path, p.Code) == ("Content.AllowList[1]", "group.limit"));
        Assert.Contains(problems, p => (p.Path, p.Code) == ("Content.AdPatterns[2]", "group.limit"));

        // Backreferences and lookarounds need backtracking: refused, so no pattern can run in more than linear time.
        var patterns = Assert.Throws<InvalidInputException>(() => GroupPolicy.Create(StoreGroup() with { Content = new ContentRules { AdPatterns = [@"(a)\1", @"(?<=vx)\d+", @"vx\d+"] } })).Problems;
        Assert.Equal(["Content.AdPatterns[0]", "Content.AdPatterns[1]"], patterns.Select(p => p.Path));
        Assert.All(patterns, p => Assert.Equal("group.pattern.invalid", p.Code));
    }

    [Fact]
    public void APatternThatWouldBacktrackForever_RunsInLinearTime_AndDecides()
    {
        // (a+)+$ on "aaaa...b" takes exponential time on a backtracking engine: with the old engine and its
        // 100 ms timeout this message threw RegexMatchTimeoutException. The non-backtracking engine answers.
        var policy = GroupPolicy.Create(StoreGroup() with { Content = new ContentRules { AdPatterns = ["(a+)+$"] } });
        var g = WithMembers(policy, "a", "b");
        Assert.Equal(GroupEventStatus.Applied, g.Apply(new MessagePosted(At(1), MemberId.From("a"), new string('a', 5_000) + "b")).Status);
        Assert.Equal("content.ad", g.Apply(new MessagePosted(At(2), MemberId.From("b"), "aaaa")).Decisions[0].RuleId);
    }

    [Fact]
    public void DryRun_ShowsWhatANewPolicyWouldChange()
    {
        var events = new List<GroupEvent>
        {
            new MemberAdded(T0, MemberId.From("host-wang"), GroupRole.Host),
            new JoinRequested(T0, MemberId.From("a"), JoinChannel.StoreQrScan, Customer),
            new MessagePosted(At(1), MemberId.From("a"), "私聊我 cheap formula"),
            new MessagePosted(At(2), MemberId.From("a"), "what size diapers for 3 months?"),
        };
        var strict = StoreGroup() with { Version = "v2", Flood = new FloodRules { SlowMode = Duration.FromMinutes(5) } };
        var differences = GroupReplay.DryRun(StoreGroup(), events, GroupPolicy.Create(strict));
        var d = Assert.Single(differences);
        Assert.Equal(3, d.Index);
        Assert.Equal(GroupEventStatus.Applied, d.Before.Status);
        Assert.Equal("flood.slow-mode", d.After.Decisions[0].RuleId);
    }

    private static Gen<List<GroupEvent>> Events =>
        from n in Gen.Choose(1, 120)
        from steps in Gen.Choose(0, 6).ArrayOf(n)
        from who in Gen.Choose(0, 7).ArrayOf(n)
        from gaps in Gen.Elements(0.0, 0.1, 0.5, 1.0, 60.0, 1440.0, 4320.0).ArrayOf(n)
        select Build(steps, who, gaps);

    private static List<GroupEvent> Build(int[] steps, int[] who, double[] gaps)
    {
        var events = new List<GroupEvent> { new MemberAdded(T0, MemberId.From("m0"), GroupRole.Host) };
        var t = T0;
        for (var i = 0; i < steps.Length; i++)
        {
            t += Duration.FromSeconds(gaps[i] * 60);
            MemberId m = MemberId.From($"m{who[i]}");
            events.Add(steps[i] switch
            {
                0 => new JoinRequested(t, m, JoinChannel.StoreQrScan, Customer),
                1 => new MessagePosted(t, m, "hello"),
                2 => new MessagePosted(t, m, "加微信 now"),
                3 => new MessagePosted(t, m, "see www.x.cn"),
                4 => new TimeTick(t),
                5 => new MemberLeft(t, m),
                _ => new MessagePosted(t, m, "flood"),
            });
        }

        return events;
    }

    [Property(MaxTest = 150)]
    public Property Replay_IsDeterministic_CapacityHolds_EscalationNeverSkipsAndSparesExemptRoles() =>
        Prop.ForAll(Events.ToArbitrary(), events =>
        {
            var policy = StoreGroup();
            var (a, state) = GroupReplay.Replay(policy, events);
            var (b, _) = GroupReplay.Replay(policy, events);
            var same = a.Select(s => (s.Outcome.Status, string.Join("|", s.Outcome.Decisions))).SequenceEqual(b.Select(s => (s.Outcome.Status, string.Join("|", s.Outcome.Decisions))));

            // Re-run step by step, checking capacity and the ladder after each event.
            var g = new GroupState(policy);
            var ok = true;
            var strikesSeen = new Dictionary<string, List<Instant>>();
            foreach (var e in events)
            {
                var rolesBefore = g.Members().ToDictionary(m => m, m => g.RoleOf(m));
                var outcome = g.Apply(e);
                ok &= g.MemberCount <= policy.Admission.Capacity;
                foreach (var d in outcome.Decisions.Where(d => d.Kind is GroupDecisionKind.Warn or GroupDecisionKind.Mute or GroupDecisionKind.Remove
                    && (d.RuleId.StartsWith("content", StringComparison.Ordinal) || d.RuleId == "flood.window")))
                {
                    ok &= rolesBefore[d.Member!.Value] == GroupRole.Member; // hosts, owners and staff are exempt
                    var key = d.Member.Value.Value + (d.RuleId == "content.ad" ? "/ad" : "/general");
                    var ladder = d.RuleId == "content.ad" ? policy.Content!.AdLadder : policy.Escalation;
                    if (!strikesSeen.TryGetValue(key, out var list))
                    {
                        strikesSeen[key] = list = [];
                    }

                    list.RemoveAll(s => s + ladder.StrikeLifetime <= d.At);
                    list.Add(d.At);
                    var expected = ladder.Steps[Math.Min(list.Count, ladder.Steps.Count) - 1];
                    ok &= (int)expected == d.Kind switch { GroupDecisionKind.Warn => 0, GroupDecisionKind.Mute => 1, _ => 2 };
                }

                // A member who is out of the group starts afresh if they come back.
                foreach (var key in strikesSeen.Keys.Where(k => !g.Contains(MemberId.From(k.Split('/')[0]))).ToList())
                {
                    strikesSeen.Remove(key);
                }
            }

            return same && ok && state.MemberCount <= policy.Admission.Capacity;
        });

    [Fact]
    public void Strikes_ExpireExactly()
    {
        var policy = GroupPolicy.Create(StoreGroup() with { Content = new ContentRules { AdLadder = new EscalationLadder { Steps = [EscalationAction.Warn, EscalationAction.Remove], StrikeLifetime = Duration.FromDays(30) } } });
        var g = WithMembers(policy, "a");
        g.Apply(new MessagePosted(T0, MemberId.From("a"), "加微信"));
        Assert.Equal(1, g.StrikesOf(MemberId.From("a"), T0 + Duration.FromDays(30) - Duration.Epsilon));
        Assert.Equal(0, g.StrikesOf(MemberId.From("a"), T0 + Duration.FromDays(30)));
        var again = g.Apply(new MessagePosted(T0 + Duration.FromDays(30), MemberId.From("a"), "加微信"));
        Assert.Equal(GroupDecisionKind.Warn, again.Decisions[1].Kind); // the first strike expired at that very instant
    }

    [Property(MaxTest = 300)]
    public Property RedPacketSplits_AreExact_AtLeastOneUnit_AndDoubleAverageBounded() =>
        Prop.ForAll(Gen.Choose(1, 200).ToArbitrary(), Gen.Choose(0, 5_000_000).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (count, extra, seed) =>
        {
            var total = Cny(count + extra);
            var da = RedPacketSplitter.DoubleAverage(total, count, new SeededRandom((ulong)seed));
            var lc = RedPacketSplitter.LineCutting(total, count, new SeededRandom((ulong)seed));
            var remaining = total.MinorUnits;
            var bounded = true;
            for (var i = 0; i < count - 1; i++)
            {
                bounded &= da[i].MinorUnits <= Math.Max(1, 2 * remaining / (count - i));
                remaining -= da[i].MinorUnits;
            }

            var same = RedPacketSplitter.DoubleAverage(total, count, new SeededRandom((ulong)seed)).SequenceEqual(da);
            return da.Length == count && lc.Length == count && da.Sum(m => m.MinorUnits) == total.MinorUnits && lc.Sum(m => m.MinorUnits) == total.MinorUnits
                && da.All(m => m.MinorUnits >= 1) && lc.All(m => m.MinorUnits >= 1) && bounded && same;
        });

    [Property(MaxTest = 100)]
    public Property Elimination_NeverRemovesProtectedRolesOrRecentSpeakers() =>
        Prop.ForAll(Events.ToArbitrary(), events =>
        {
            var policy = StoreGroup();
            var g = new GroupState(policy);
            var lastSpoke = new Dictionary<MemberId, Instant>();
            foreach (var e in events)
            {
                var rolesBefore = g.Members().ToDictionary(m => m, m => g.RoleOf(m));
                var outcome = g.Apply(e);
                if (e is MessagePosted m && outcome.Status != GroupEventStatus.Invalid)
                {
                    lastSpoke[m.Author] = m.At;
                }

                foreach (var d in outcome.Decisions.Where(d => d.RuleId == "elimination.silent"))
                {
                    if (rolesBefore[d.Member!.Value] != GroupRole.Member || (lastSpoke.TryGetValue(d.Member.Value, out var s) && d.At - s < Duration.FromDays(policy.Elimination!.SilentDays)))
                    {
                        return false;
                    }
                }
            }

            return true;
        });

    [Fact]
    public void ActivityBand_SilentWeekSuggestsAMeans_FloodingIsFlagged()
    {
        var quiet = new List<GroupEvent> { new MemberAdded(T0, MemberId.From("host-wang"), GroupRole.Host) };
        quiet.AddRange(Enumerable.Range(0, 30).Select(i => (GroupEvent)new JoinRequested(T0, MemberId.From($"m{i}"), JoinChannel.StoreQrScan, Customer)));
        var policy = StoreGroup() with { Admission = new AdmissionRules { Capacity = 500 } };
        var (steps, _) = GroupReplay.Replay(policy, quiet);
        var reading = ActivityBand.Measure(steps, Shanghai, new LocalDate(2026, 6, 1), 7);
        Assert.Equal((31, 0, ActivityLevel.Silent, ActivationMeans.RedPacket), (reading.Members, reading.Messages, reading.Level, reading.Suggestion));

        var busy = new List<GroupEvent>(quiet);
        busy.AddRange(Enumerable.Range(0, 3000).Select(i => (GroupEvent)new MessagePosted(T0 + Duration.FromMinutes(i), MemberId.From("host-wang"), $"msg {i}", MessageId: $"h{i}")));
        var (busySteps, _) = GroupReplay.Replay(policy, busy);
        Assert.Equal(ActivityLevel.Flooding, ActivityBand.Measure(busySteps, Shanghai, new LocalDate(2026, 6, 1), 1, new ActivityBounds(0.2, 5)).Level);
    }

    [Fact]
    public void Apply_AllowedMessage_AllocatesNothing()
    {
        var g = WithMembers(StoreGroup(), "mama-li", "mama-zhao");
        var messages = Enumerable.Range(0, 400).Select(k => new MessagePosted(At(10 + (k * 0.5)), MemberId.From(k % 2 == 0 ? "mama-li" : "mama-zhao"), "宝宝3个月了, 今天睡了10个小时, 谢谢大家的建议 138-0013")).ToArray();
        for (var k = 0; k < 200; k++)
        {
            Assert.Equal(GroupEventStatus.Applied, g.Apply(messages[k]).Status);    // warm up: rings and dictionaries sized
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 200; k < 400; k++)
        {
            g.Apply(messages[k]);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void EventsFromNonMembers_AreRefusedWithTheirOwnId_HoweverManyThereAre()
    {
        var group = new GroupState(StoreGroup());
        Assert.NotEqual(GroupEventStatus.Invalid, group.Apply(new MemberAdded(At(0), MemberId.From("host"), GroupRole.Host)).Status);
        // More outsiders than the group keeps refusal texts for, each posting twice, the first again at the end.
        var outsiders = Enumerable.Range(0, 300).Select(k => MemberId.From($"outsider-{k}")).ToList();
        var t = 1.0;
        foreach (var who in outsiders.Concat(outsiders).Append(outsiders[0]))
        {
            var outcome = group.Apply(new MessagePosted(At(t += 0.01), who, "hello"));
            Assert.Equal(GroupEventStatus.Invalid, outcome.Status);
            Assert.Equal("group.event.not-a-member", outcome.ErrorCode);
            Assert.Equal($"'{who}' is not a member of the group", outcome.Error);
        }

        Assert.Equal(1, group.MemberCount);
    }
}
