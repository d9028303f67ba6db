using CommunityModel.Conditions;
using CommunityModel.Serialization.Json;
using CommunityModel.Groups;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Simulation;
using NodaTime;

namespace CommunityModel.Tests.Serialization;

public sealed class PolicyJsonTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 1, 1, 0, 0);

    internal static string SamplePath(string name) => RepoRoot.SampleConfig(name);

    private static string Sample(string name) => File.ReadAllText(SamplePath(name)).ReplaceLineEndings("\n").TrimEnd();

    [Fact]
    public void SampleMembership_IsValid_RoundTripsExactly_AndHoldsTheStoreTiers()
    {
        var text = Sample("membership.json");
        var result = ConfigJson.ReadMembershipPolicy(text);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(text, ConfigJson.Write(result.Value!).ReplaceLineEndings("\n"));

        var policy = result.Value!;
        var defaults = StoreDefaults.Membership(T0, StoreDefaults.Ladder());
        Assert.Equal(["fan", "customer", "member", "partner"], policy.Tiers.Select(t => t.Id));
        Assert.Equal(defaults.Tiers[1].Qualify, policy.Tiers[1].Qualify);
        Assert.Equal(defaults.Tiers[2].Retain, policy.Tiers[2].Retain);
        var partner = Assert.IsType<AllOf>(policy.Tiers[3].Qualify);
        Assert.Equal(new DirectReferralsWhoBought(3, MembershipWindow.Lifetime), partner.Conditions[0]);
        Assert.Equal(Money.Parse("CNY 109.00"), policy.Tiers[2].Privileges.MemberPrices[StoreDefaults.RepeatProduct]);
        Assert.Equal(new PaidMembershipPlan(StoreDefaults.MemberCard, "member", Period.FromYears(1)), Assert.Single(policy.PaidPlans));
        Assert.Equal(Period.FromMonths(3), policy.MinimumTierDuration);
        Assert.Equal(T0, policy.EffectiveFrom);
        Assert.Equal(3, policy.Ladder!.Rungs.Length);

        // The member price is used: the policy read from JSON quotes it.
        Assert.Equal(Money.Parse("CNY 109.00"), policy.PriceFor(2, StoreDefaults.RepeatProduct, Money.Parse("CNY 129.00")).Price);
    }

    [Fact]
    public void MembershipProblems_AreReportedWithPathsAndCodes()
    {
        var unknownType = ConfigJson.ReadMembershipPolicy("""
            { "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z", "currency": "CNY",
              "tiers": [ { "id": "fan" }, { "id": "vip", "qualify": { "type": "luckyDraw" } } ] }
            """);
        var problem = Assert.Single(unknownType.Problems);
        Assert.Equal("$.tiers[1].qualify", problem.Path);
        Assert.Equal(2, problem.Line);

        var badTime = ConfigJson.ReadMembershipPolicy("""{ "version": "v1", "effectiveFrom": "yesterday", "currency": "CNY", "tiers": [ { "id": "fan" } ] }""");
        Assert.Equal(("$.effectiveFrom", "json.value"), (badTime.Problems.Single().Path, badTime.Problems.Single().Code));

        var rules = ConfigJson.ReadMembershipPolicy("""{ "version": "", "effectiveFrom": "2026-01-01T00:00:00Z", "zoneId": "Mars/Olympus", "currency": "CNY", "tiers": [] }""");
        Assert.False(rules.IsValid);
        Assert.Contains(rules.Problems, p => p.Path == "$.version");
        Assert.Contains(rules.Problems, p => p.Path == "$.zoneId");
        Assert.Contains(rules.Problems, p => p.Path == "$.tiers");
        Assert.True(rules.Problems.Length >= 3);
    }

    [Fact]
    public void SampleGroupPolicies_AreValid_RoundTripExactly_AndScreenAsWritten()
    {
        foreach (var name in new[] { "group-policy.json", "group-policy-strict.json" })
        {
            var text = Sample(name);
            var result = ConfigJson.ReadGroupPolicy(text);
            Assert.True(result.IsValid, name + ": " + string.Join("; ", result.Problems));
            Assert.Equal(text, ConfigJson.Write(result.Value!).ReplaceLineEndings("\n"));
        }

        var policy = ConfigJson.ReadGroupPolicy(Sample("group-policy.json")).Value!;
        var screening = Assert.Single(policy.Admission.Screenings);
        Assert.Equal("customers-only", screening.RuleId);
        Assert.True(screening.Admits(new Candidate(true, 1, false, false)));
        Assert.False(screening.Admits(new Candidate(false, 1, false, false)));
        Assert.False(screening.Admits(new Candidate(true, 1, false, true)));
        Assert.Equal((new LocalTime(20, 0), new LocalTime(21, 0)), Assert.Single(policy.RedPackets!.TimeWindows));
        Assert.Equal(Duration.FromDays(30), policy.Escalation.StrikeLifetime);
        Assert.Equal([EscalationAction.Warn, EscalationAction.Remove], policy.Content!.AdLadder.Steps);
        Assert.Equal(3, ConfigJson.ReadGroupPolicy(Sample("group-policy-strict.json")).Value!.Flood!.MaxMessages);
    }

    [Fact]
    public void ScreeningConditions_ComposeAndRoundTrip()
    {
        var json = """
            { "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z",
              "admission": { "screenings": [ { "ruleId": "r", "condition":
                { "type": "anyOf", "conditions": [ { "type": "approved" },
                  { "type": "allOf", "conditions": [ { "type": "minPurchases", "purchases": 2 }, { "type": "not", "condition": { "type": "isCustomer" } } ] } ] } } ] } }
            """;
        var result = ConfigJson.ReadGroupPolicy(json);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        var condition = result.Value!.Admission.Screenings[0];
        Assert.True(condition.Admits(new Candidate(true, 0, true, false)));
        Assert.True(condition.Admits(new Candidate(false, 2, false, false)));
        Assert.False(condition.Admits(new Candidate(true, 2, false, false)));
        Assert.False(condition.Admits(new Candidate(false, 1, false, false)));
        var written = ConfigJson.Write(result.Value!);
        Assert.Equal(written, ConfigJson.Write(ConfigJson.ReadGroupPolicy(written).Value!));

        var bad = ConfigJson.ReadGroupPolicy("""{ "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z", "admission": { "screenings": [ { "ruleId": "r", "condition": { "type": "minPurchases", "purchases": -1 } } ] } }""");
        Assert.Equal(("$.admission.screenings[0].condition.purchases", "group.screening.range"), (bad.Problems.Single().Path, bad.Problems.Single().Code));
    }

    [Fact]
    public void AScreeningWrittenInCode_CannotBeWritten_AndSaysWhy()
    {
        var policy = StoreDefaults.GroupPolicy(T0) with
        {
            Admission = new AdmissionRules { Screenings = [new Screening("custom", new VipOnly())] },
        };
        var e = Assert.Throws<NotSupportedException>(() => ConfigJson.Write(policy));
        Assert.Contains("VipOnly", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupPolicyProblems_AreAllReported()
    {
        var result = ConfigJson.ReadGroupPolicy("""
            { "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z",
              "admission": { "capacity": 0, "channels": [] },
              "content": { "adPatterns": ["(unclosed"] },
              "flood": { "maxMessages": 0, "window": "0:00:00" },
              "redPackets": { "minAmount": "CNY 5.00", "maxAmount": "CNY 1.00", "dailyBudget": "CNY 100.00", "timeWindows": ["22:00-08:00"] } }
            """);
        Assert.Equal(
            new[]
            {
                ("$.admission.capacity", "group.capacity.range"),
                ("$.admission.channels", "group.channels.empty"),
                ("$.content.adPatterns[0]", "group.pattern.invalid"),
                ("$.flood.maxMessages", "group.flood.range"),
                ("$.flood.window", "group.duration.nonpositive"),
                ("$.redPackets", "group.redpacket.range"),
                ("$.redPackets.timeWindows[0]", "group.redpacket.range"),
            },
            result.Problems.Select(p => (p.Path, p.Code)).Order());

        var badWindow = ConfigJson.ReadGroupPolicy("""{ "version": "v1", "effectiveFrom": "2026-01-01T00:00:00Z", "redPackets": { "minAmount": "CNY 1.00", "maxAmount": "CNY 2.00", "dailyBudget": "CNY 9.00", "timeWindows": ["8 to 10"] } }""");
        Assert.Equal(("$.redPackets.timeWindows[0]", "json.value"), (badWindow.Problems.Single().Path, badWindow.Problems.Single().Code));
    }

    [Fact]
    public void SampleSimulationSettings_AreValid_RoundTrip_AndRunLikeTheSameSettingsInCode()
    {
        var text = Sample("sim.json");
        var result = ConfigJson.ReadSimulationSettings(text);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal(text, ConfigJson.Write(result.Value!).ReplaceLineEndings("\n"));

        var fromJson = result.Value!;
        Assert.Same(CommunityModel.Compliance.ComplianceProfiles.ChinaTwoLevel, fromJson.Compliance);
        Assert.Equal(StoreDefaults.TwoLevelPlan().Definition.Levels!.Rates, fromJson.Plan!.Definition.Levels!.Rates);
        var inCode = new SimulationSettings { MaxCustomers = 300, Days = 90, Plan = StoreDefaults.TwoLevelPlan() };
        var a = CommunitySimulator.Run(fromJson);
        var b = CommunitySimulator.Run(inCode);
        Assert.Equal(b.Flows, a.Flows);
        Assert.Equal(b.Days.Length, a.Days.Length);
        Assert.Equal(b.Days[^1].Revenue, a.Days[^1].Revenue);
        Assert.Equal(b.Days[^1].MembersByTier.ToArray(), a.Days[^1].MembersByTier.ToArray());
    }

    [Fact]
    public void MembershipInsideSettings_TakesTheSettingsLadder_AndIsValidatedWithPaths()
    {
        var ladder = ConfigJson.Write(new CommunityModel.Ladders.ProductLadderDefinition(StoreDefaults.Ladder().Currency, StoreDefaults.Ladder().Rungs));
        var membership = Sample("membership.json");
        var withoutLadder = ConfigJson.ReadMembershipPolicy(membership).Value! with { Ladder = null };
        var json = $$"""{ "ladder": {{ladder}}, "membership": {{ConfigJson.Write(withoutLadder)}} }""";
        var result = ConfigJson.ReadSimulationSettings(json);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Same(result.Value!.Ladder, result.Value.Membership!.Ladder);
        // Written back, the shared ladder appears once.
        var written = ConfigJson.Write(result.Value);
        Assert.Equal(1, written.Split("\"rungs\"").Length - 1);

        var bad = ConfigJson.ReadSimulationSettings("""
            { "refundProbability": 2, "days": 0,
              "membership": { "version": "", "effectiveFrom": "2026-01-01T00:00:00Z", "currency": "CNY", "tiers": [ { "id": "fan" } ] } }
            """);
        Assert.Contains(bad.Problems, p => p is { Path: "$.refundProbability", Code: "sim.probability.range" });
        Assert.Contains(bad.Problems, p => p is { Path: "$.days", Code: "sim.days.range" });
        Assert.Contains(bad.Problems, p => p.Path == "$.membership.version");
    }

    [Fact]
    public void NestedPlanAndProfileProblems_NameTheirPlace()
    {
        var plan = ConfigJson.ReadSimulationSettings("""{ "plan": { "name": "", "currency": "CNY", "levels": { "rates": ["80%", "50%"] } } }""");
        Assert.Contains(plan.Problems, p => p is { Path: "$.plan.name", Code: "plan.name.empty" });
        Assert.Contains(plan.Problems, p => p is { Path: "$.plan.rules", Code: "plan.payout.over-100-percent" });

        var profile = ConfigJson.ReadSimulationSettings("""{ "compliance": "anything-goes" }""");
        var problem = Assert.Single(profile.Problems);
        Assert.Equal(("$.compliance", "json.value"), (problem.Path, problem.Code));
        Assert.Contains("two-level", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleEvents_ReadInOrder_AndRoundTrip()
    {
        var text = File.ReadAllText(SamplePath("events.jsonl"));
        var result = ConfigJson.ReadGroupEvents(text);
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        var events = result.Value!;
        Assert.Equal(22, events.Count);
        Assert.Equal(new MemberAdded(Instant.FromUtc(2026, 3, 2, 1, 0), MemberId.From("host-lin"), GroupRole.Host), events[0]);
        var join = Assert.IsType<JoinRequested>(events[2]);
        Assert.Equal(new Candidate(true, 1, false, false), join.Facts);
        Assert.Equal(Money.Parse("CNY 88.00"), Assert.IsType<RedPacketSent>(events[19]).Amount);
        Assert.Equal("m2", Assert.IsType<MessagePosted>(events[9]).ReplyTo);
        Assert.IsType<TimeTick>(events[^1]);

        var written = ConfigJson.WriteGroupEvents(events);
        var again = ConfigJson.ReadGroupEvents(written);
        Assert.Equal(written, ConfigJson.WriteGroupEvents(again.Value!));
    }

    [Fact]
    public void BadEventLines_AreAllReportedWithTheirLineNumbers()
    {
        var text = """
            {"type":"memberAdded","at":"2026-03-02T01:00:00Z","member":"host-lin","role":"host"}
            {"type":"message","at":"2026-03-02T01:00:00Z","member":"host-lin"}

            {"type":"dance","at":"2026-03-02T01:00:00Z"}
            {"type":"redPacket","at":"2026-03-02T01:00:00Z","member":"host-lin","amount":"88","count":3}
            {"type":"tick","at":"2026-03-02T01:00:00Z"
            """;
        var result = ConfigJson.ReadGroupEvents(text);
        Assert.False(result.IsValid);
        Assert.Equal(new long?[] { 2, 4, 5, 6 }, result.Problems.Select(p => p.Line));
        Assert.Equal("json.required", result.Problems[0].Code);
        Assert.Equal("json.value", result.Problems[2].Code);
        Assert.Equal("$.amount", result.Problems[2].Path);
        Assert.Equal("json.syntax", result.Problems[3].Code);
    }

    [Fact]
    public void AFieldOfAnotherEvent_IsNamedInTheFilesWords_WithTheFieldsTheEventHas()
    {
        // Every event names its member 'member'; 'author' and 'sender' are the old names, refused with the new one.
        var text = """
            {"type":"memberAdded","at":"2026-03-02T01:00:00Z","member":"host-lin","role":"host"}
            {"type":"message","at":"2026-03-02T02:00:00Z","author":"host-lin","text":"hi"}
            {"type":"redPacket","at":"2026-03-02T03:00:00Z","sender":"host-lin","amount":"CNY 8.88","count":3}
            {"type":"message","at":"2026-03-02T02:00:00Z","member":"host-lin","txt":"hi"}
            """;
        var result = ConfigJson.ReadGroupEvents(text);
        Assert.Equal(["json.unknown-property", "json.unknown-property", "json.unknown-property"], result.Problems.Select(p => p.Code));
        Assert.Equal("'author' is the old name of 'member': every event names the member it is about 'member' (its fields are type, at, group, member, text, labels, messageId, replyTo).", result.Problems[0].Message);
        Assert.StartsWith("'sender' is the old name of 'member'", result.Problems[1].Message, StringComparison.Ordinal);
        Assert.StartsWith("'txt' is not a field of a 'message' event; its fields are type, at, group, member, text, labels, messageId, replyTo", result.Problems[2].Message, StringComparison.Ordinal);
        Assert.Equal([2L, 3L, 4L], result.Problems.Select(p => p.Line ?? 0));
        Assert.DoesNotContain("CommunityModel.Groups", result.Problems[0].Message, StringComparison.Ordinal);

        // Written events name their member 'member' too, and read back equal.
        var events = new GroupEvent[]
        {
            new MessagePosted(Instant.FromUtc(2026, 3, 2, 2, 0), MemberId.From("li"), "hi"),
            new RedPacketSent(Instant.FromUtc(2026, 3, 2, 3, 0), MemberId.From("li"), Money.Parse("CNY 8.88"), 3),
        };
        var written = ConfigJson.WriteGroupEvents(events);
        Assert.Equal(2, written.Split("\"member\":\"li\"").Length - 1);
        Assert.Equal(events, ConfigJson.ReadGroupEvents(written).Value!);
    }

    [Fact]
    public void ABadValue_IsNamedByItsField_NotByTheDotNetTypeItWasFor()
    {
        var text = """
            {"type":"message","at":"yesterday","member":"li","text":"hi"}
            {"type":"message","at":"2026-03-02T02:00:00Z","member":"li","text":5}
            """;
        var result = ConfigJson.ReadGroupEvents(text);
        Assert.Equal(["json.value", "json.value"], result.Problems.Select(p => p.Code));
        Assert.Equal(["$.at", "$.text"], result.Problems.Select(p => p.Path));
        Assert.StartsWith("the value of 'at' is not valid for it (", result.Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("yesterday", result.Problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("the value of 'text' is not valid for it", result.Problems[1].Message, StringComparison.Ordinal);
        Assert.All(result.Problems, p => Assert.DoesNotContain("CommunityModel.", p.Message, StringComparison.Ordinal));
        Assert.Equal([1L, 2L], result.Problems.Select(p => p.Line ?? 0));
    }

    private sealed record VipOnly : Condition
    {
        public override string Describe() => "be a VIP";
    }
}
