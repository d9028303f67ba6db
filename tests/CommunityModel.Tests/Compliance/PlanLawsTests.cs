using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;
using NodaTime.Testing;

namespace CommunityModel.Tests.Compliance;

public sealed class PlanLawsTests
{
    [Fact]
    public void PlainDifferential_TheSearchFindsTheUplineSafetyViolationAndShrinksIt()
    {
        var report = PlanLaws.Check(ComplianceTests.PlainDifferential());
        var v = report.ViolationOf(PlanLaw.UplineSafety);
        Assert.NotNull(v);
        Assert.True(v.Case.Members.Length <= 3, v.Case.Describe());
        Assert.Single(v.Case.Orders);
        var loser = Assert.Single(v.Losers);
        Assert.True(loser.After < loser.Before);
        Assert.Equal(v.FromRank + 1, v.ToRank);
        Assert.Contains("lowers upline", v.Description, StringComparison.Ordinal);
        // The counterexample is real: checking the case again shows the same harm.
        Assert.NotNull(PlanLaws.CheckCase(ComplianceTests.PlainDifferential(), PlanLaw.UplineSafety, v.Case));
        // The other laws hold for it.
        Assert.Null(report.ViolationOf(PlanLaw.Conservation));
        Assert.Null(report.ViolationOf(PlanLaw.Cap));
        Assert.Null(report.ViolationOf(PlanLaw.EligibleEarnersOnly));
        Assert.Contains("BROKEN", report.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void TwoLevelPlan_NoViolationInTwoThousandCases()
    {
        var report = PlanLaws.Check(ComplianceTests.Levels(10, 5));
        Assert.True(report.NoViolationFound, report.Describe());
        Assert.Equal(2_000, report.CasesTried);
        Assert.False(report.StoppedByTime);
    }

    [Fact]
    public void DynamicCompressionWithARankGate_BreaksUplineSafety()
    {
        // A newly eligible member takes a level and pushes a deeper-level earner off the end.
        var plan = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "2-level, dynamic compression, rank 1 to earn",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5)], MinimumRank = 1, Compression = Compression.Dynamic },
        });
        var v = PlanLaws.Check(plan).ViolationOf(PlanLaw.UplineSafety);
        Assert.NotNull(v);
        Assert.True(v.Case.Members.Length <= 4, v.Case.Describe());
    }

    [Fact]
    public void PeerBonusPlan_StillShowsWhereAPeerRateBelowTheGapLowersPay()
    {
        // A peer bonus keeps the upline above zero, but when the peer rate is below the rank gap the upline still earns less.
        var plan = CommissionPlan.Create(ComplianceTests.PlainDifferential().Definition with
        {
            Name = "differential + 1% peer bonus",
            Differential = ComplianceTests.PlainDifferential().Definition.Differential! with { PeerBonus = new PeerBonus(Rate.FromPercent(1)) },
        });
        var v = PlanLaws.Check(plan).ViolationOf(PlanLaw.UplineSafety);
        Assert.NotNull(v);
        Assert.All(v.Losers, l => Assert.True(l.After.MinorUnits > 0 || l.Before.MinorUnits <= 1, v.Description));
    }

    [Fact]
    public void SameSeed_SameAnswer_OtherSeedStillFindsIt()
    {
        var a = PlanLaws.Check(ComplianceTests.PlainDifferential(), new PlanLawOptions { Seed = 7 });
        var b = PlanLaws.Check(ComplianceTests.PlainDifferential(), new PlanLawOptions { Seed = 7 });
        Assert.Equal(a.CasesTried, b.CasesTried);
        Assert.Equal(a.Violations.Single().Description, b.Violations.Single().Description);
        Assert.Equal(a.Violations.Single().Case.Describe(), b.Violations.Single().Case.Describe());
        Assert.NotNull(PlanLaws.Check(ComplianceTests.PlainDifferential(), new PlanLawOptions { Seed = 8 }).ViolationOf(PlanLaw.UplineSafety));
    }

    [Fact]
    public void TimeBudget_IsReadFromTheGivenClock()
    {
        var clock = new FakeClock(Instant.FromUtc(2026, 1, 1, 0, 0), Duration.FromMilliseconds(10));
        var report = PlanLaws.Check(ComplianceTests.Levels(10, 5), new PlanLawOptions { Clock = clock, TimeBudget = Duration.FromMilliseconds(95) });
        Assert.True(report.StoppedByTime);
        Assert.InRange(report.CasesTried, 8, 10);
    }

    [Fact]
    public void Options_AreValidatedWithEveryProblem()
    {
        var ex = Assert.Throws<InvalidInputException>(() => PlanLaws.Check(ComplianceTests.Levels(10), new PlanLawOptions { MaxCases = 0, MaxMembers = 1, Laws = [], TimeBudget = Duration.Zero }));
        Assert.Equal(new[] { "laws.budget.positive", "laws.cases.range", "laws.laws.empty", "laws.members.range" }, ex.Problems.Select(e => e.Code).Order(StringComparer.Ordinal));
    }
}
