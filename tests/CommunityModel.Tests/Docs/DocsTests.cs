using System.Text;
using System.Text.RegularExpressions;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Docs;
using CommunityModel.Groups;
using CommunityModel.Primitives;

namespace CommunityModel.Tests.Docs;

/// <summary>
/// The guides in docs/ show code that lives in docs/snippets/*.cs, which this project compiles. Each
/// <c>&lt;!-- snippet: name --&gt;</c> marker in a guide must be followed by a C# block equal to the region of
/// that name; the snippets are run here and their results checked. Set COMMUNITYMODEL_UPDATE_DOCS=1 to rewrite
/// the guides' blocks from the snippets.
/// </summary>
public sealed partial class DocsTests
{
    private static string Root() => RepoRoot.Path;

    private static Dictionary<string, string> Regions()
    {
        var regions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(Root(), "docs", "snippets"), "*.cs"))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var start = RegionStart().Match(lines[i]);
                if (!start.Success)
                {
                    continue;
                }

                var body = new List<string>();
                var j = i + 1;
                while (!lines[j].Trim().StartsWith("#endregion", StringComparison.Ordinal))
                {
                    body.Add(lines[j++]);
                }

                var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
                Assert.True(regions.TryAdd(start.Groups[1].Value, string.Join("\n", body.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()))), $"region {start.Groups[1].Value} twice");
                i = j;
            }
        }

        return regions;
    }

    [Fact]
    public void EveryGuideBlock_IsCompiledCode_AndEverySnippetIsShown()
    {
        var regions = Regions();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var update = Environment.GetEnvironmentVariable("COMMUNITYMODEL_UPDATE_DOCS") == "1";
        var stale = new List<string>();
        var guides = Directory.GetFiles(Path.Combine(Root(), "docs"), "*.md");
        Assert.NotEmpty(guides);
        foreach (var guide in guides)
        {
            var text = File.ReadAllText(guide).ReplaceLineEndings("\n");
            var rewritten = Marker().Replace(text, m =>
            {
                var name = m.Groups[1].Value;
                Assert.True(regions.ContainsKey(name), $"{Path.GetFileName(guide)} shows snippet '{name}', which no file in docs/snippets has");
                used.Add(name);
                if (m.Groups[2].Value.TrimEnd('\n') != regions[name])
                {
                    stale.Add($"{Path.GetFileName(guide)}: {name}");
                }

                return $"<!-- snippet: {name} -->\n```csharp\n{regions[name]}\n```";
            });
            if (update && rewritten != text)
            {
                File.WriteAllText(guide, rewritten);
            }
        }

        Assert.True(update || stale.Count == 0, "guide blocks differ from their snippets (run the tests with COMMUNITYMODEL_UPDATE_DOCS=1): " + string.Join(", ", stale));
        Assert.Empty(regions.Keys.Except(used));
    }

    [Fact]
    public void TheComplianceGuide_ListsEveryProfileWithItsSources()
    {
        var page = File.ReadAllText(Path.Combine(Root(), "docs", "compliance.md"));
        foreach (var profile in ComplianceProfiles.All)
        {
            Assert.Contains(profile.Name, page, StringComparison.Ordinal);
            foreach (var rule in profile.Rules)
            {
                Assert.Contains(rule.Id, page, StringComparison.Ordinal);
                // Sources as the rules cite them (the part before any detail after a comma).
                Assert.Contains(rule.Source.Split(", (")[0], page, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void CommissionsGuide_PaysAsItSays()
    {
        var (run, ledger, refund, streamed) = CommissionsGuide.TwoLevelRun();
        Assert.Equal(
            new[] { ("chen", "CNY 39.90"), ("li", "CNY 3.99"), ("wang", "CNY 1.99"), ("zhang", "CNY 19.95") },
            run.Totals.ByEarner().Select(kv => (kv.Key.Value, kv.Value.ToString())).OrderBy(x => x.Value, StringComparer.Ordinal));
        Assert.Equal(Money.Parse("CNY 339.15"), run[OrderId.From("o-1")].CompanyShare);
        Assert.Equal(Money.Parse("CNY 33.92"), run[OrderId.From("o-2")].CompanyShare);
        Assert.True(refund.Accepted);
        var shanghai = NodaTime.DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        var june = new NodaTime.LocalDateTime(2026, 6, 1, 10, 0).InZoneStrictly(shanghai).ToInstant();
        Assert.Equal(Money.Parse("CNY 19.95"), ledger.BalanceOf(MemberId.From("chen"), june).Available);
        Assert.Contains("chen", run[OrderId.From("o-1")].Explain(), StringComparison.Ordinal);
        Assert.Equal(run.Totals.ByEarnerWithZeroLines(), streamed.ByEarnerWithZeroLines());
        Assert.Equal((run.Totals.TotalSales, run.Totals.TotalPaid, 2), (streamed.TotalSales, streamed.TotalPaid, streamed.OrderCount));
    }

    [Fact]
    public void CommissionsGuide_SettlesAsItSays()
    {
        var ((run, lines, _, _), (ledger, settled, refund)) = CommissionsGuide.TwoLevelRunAndSettlement();
        // One entry per earner, the month's totals, pending until 2026-06-01 in Shanghai (two months after the month's end).
        Assert.True(settled.Accepted, settled.Message);
        Assert.Equal(run.Totals.ByEarner().Select(kv => (kv.Key, kv.Value)).OrderBy(x => x.Key.Value, StringComparer.Ordinal),
            settled.Entries.Select(e => (e.Earner, e.Amount)).OrderBy(x => x.Earner.Value, StringComparer.Ordinal));
        var shanghai = NodaTime.DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        Assert.All(settled.Entries, e => Assert.Equal(new NodaTime.LocalDate(2026, 6, 1).AtStartOfDayInZone(shanghai).ToInstant(), e.AvailableAt));
        // Half of o-1 refunded: chen and zhang lose half of what o-1 paid them, as in the ledger that recorded the lines.
        Assert.True(refund.Accepted, refund.Message);
        Assert.Equal([("chen", "CNY -19.95"), ("zhang", "CNY -9.97")], refund.Entries.Select(e => (e.Earner.Value, e.Amount.ToString())));
        var june = new NodaTime.LocalDateTime(2026, 6, 1, 10, 0).InZoneStrictly(shanghai).ToInstant();
        Assert.Equal(lines.Balances(june), ledger.Balances(june));
    }

    [Fact]
    public void CommissionsGuide_StatementsAndSnapshotAreAsItSays()
    {
        var (march, first, reason, ledger, reopened) = CommissionsGuide.StatementsAndSnapshot();
        // chen earned 39.90 on o-1, half of which (19.95) the refund cancelled; the rest is pending on April 1.
        var chen = Assert.Single(march, s => s.Earner.Value == "chen");
        Assert.Equal((Money.Parse("CNY 0.00"), Money.Parse("CNY 39.90"), Money.Parse("CNY -19.95"), Money.Parse("CNY 19.95"), Money.Parse("CNY 19.95")),
            (chen.Opening, chen.Commissions, chen.Cancellations, chen.Closing, chen.Pending));
        Assert.Equal(["chen", "li", "wang", "zhang"], march.Select(s => s.Earner.Value));
        Assert.StartsWith("chen earns CNY 39.90 on o-1: level 1 at 10%", first, StringComparison.Ordinal);
        Assert.Equal("level 1 at 10%, 1 hop(s) above the buyer", reason);
        Assert.Equal(ledger.Entries, reopened.Entries);
    }

    [Fact]
    public void GroupsGuide_DecidesAsItSays()
    {
        var (steps, dryRun, shares) = GroupsGuide.StoreGroup();
        var decisions = steps.SelectMany(s => s.Outcome.Decisions).Select(d => (d.Kind, d.Member?.Value, d.RuleId)).ToList();
        Assert.Contains((GroupDecisionKind.Reject, "passer-by", "customers-only"), decisions);
        Assert.Contains((GroupDecisionKind.Warn, "seller", "content.ad"), decisions);
        Assert.Contains((GroupDecisionKind.Remove, "seller", "content.ad"), decisions);
        Assert.Equal([4, 5], dryRun.Select(d => d.Index));
        Assert.Equal(GroupEventStatus.Invalid, dryRun[1].After.Status);
        Assert.Equal(10, shares.Count);
        Assert.Equal(5_000, shares.Sum(s => s.MinorUnits));
    }

    [Fact]
    public void GroupsGuide_TheFleet_DecidesAsItSays()
    {
        var (outcomes, decided, dryRun, members) = GroupsGuide.Fleet();
        Assert.Equal(5, outcomes.Count);
        Assert.Equal(2, members); // mum-li once, in both groups
        Assert.Equal(GroupEventStatus.Applied, outcomes.StatusOf(3));
        Assert.Equal(
            ["0 妈妈群 1: Admit mum-li by admission.added", "1 辅食群: Admit mum-li by admission.added", "2 辅食群: Admit seller by admission.added",
             "4 辅食群: Reject seller by content.ad", "4 辅食群: Warn seller by content.ad"],
            decided);
        Assert.Equal([4], dryRun.Select(d => d.Index)); // under the strict policy the ad removes at once
        Assert.Contains(dryRun[0].After.Decisions, d => d.Kind == GroupDecisionKind.Remove);
    }

    [Fact]
    public void ConfigurationGuide_ReportsEveryProblem_AndRoundTrips()
    {
        var bad = ConfigurationGuide.ReadAPolicy("""{ "version": "", "effectiveFrom": "2026-06-01T01:00:00Z", "admission": { "capacity": 0 } }""");
        Assert.False(bad.Valid);
        Assert.Equal(2, bad.Problems.Count);
        Assert.Contains(bad.Problems, p => p.StartsWith("$.admission.capacity [group.capacity.range]", StringComparison.Ordinal));
        var good = ConfigurationGuide.ReadAPolicy("""{ "version": "v1", "effectiveFrom": "2026-06-01T01:00:00Z" }""");
        Assert.True(good.Valid);
        Assert.Equal(good.Written, ConfigurationGuide.ReadAPolicy(good.Written).Written);
    }

    [Fact]
    public void ScoringGuide_RanksAsItSays()
    {
        var (top, fit) = ScoringGuide.KeyCustomers();
        Assert.Equal("mum-li", top[0].CustomerId.Value);
        Assert.Equal(4, top[0].Breakdown.Count);
        Assert.Equal(top[0].Score, top[0].Breakdown.Sum(c => c.Contribution), 9);
        Assert.True(fit.Converged);
    }

    [Fact]
    public void ComplianceGuide_FindsWhatItSays()
    {
        var (report, laws) = ComplianceGuide.CheckAPlan();
        Assert.True(report.HasErrors);
        var depth = report.Findings.Single(f => f.RuleId == "depth.max-hops");
        Assert.Equal(FindingStatus.Fail, depth.Status);
        Assert.Contains("224", depth.Source, StringComparison.Ordinal);
        Assert.Contains(laws.Violations, v => v.Law == PlanLaw.UplineSafety);
    }

    [Fact]
    public void MembershipGuide_ClimbsAsItSays()
    {
        var (book, li, ladder) = MembershipGuide.Climb();
        Assert.Equal("member", book.TierOf(MemberId.From("li")));
        Assert.Equal("customer", book.TierOf(MemberId.From("zhang")));
        Assert.Equal("partner", li.NextTier);
        Assert.Equal(2, ladder.Rungs[0].CustomersReached);
    }

    [Fact]
    public void SimulationGuide_IsDeterministic()
    {
        var a = SimulationGuide.AQuarter();
        var b = SimulationGuide.AQuarter();
        Assert.Equal(a.Flows, b.Flows);
        Assert.Equal(a.Flows.GrossSales - a.Flows.Refunds, a.Flows.EarnersNet + a.Flows.CompanyNet);
    }

    [GeneratedRegex(@"^\s*#region\s+(\S+)\s*$")]
    private static partial Regex RegionStart();

    [GeneratedRegex(@"<!-- snippet: (\S+) -->\n```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Marker();
}
