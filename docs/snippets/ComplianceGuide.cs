using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Primitives;
using NodaTime;

namespace CommunityModel.Docs;

/// <summary>The code of docs/compliance.md.</summary>
public static class ComplianceGuide
{
    public static (ComplianceReport Report, PlanLawReport Laws) CheckAPlan()
    {
        #region compliance-check
        var threeLevels = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "three levels 10/5/3%",
            Currency = Currency.CNY,
            Levels = new LevelRule { Rates = [Rate.FromPercent(10), Rate.FromPercent(5), Rate.FromPercent(3)] },
        });
        var context = ComplianceContext.ForPlan(threeLevels) with { HoldingPeriod = Period.FromMonths(2), RefundWindow = Period.FromMonths(2) };
        var report = ComplianceProfiles.ChinaTwoLevel.Check(context);
        // report.HasErrors: three paid hops exceed the profile's two (depth.max-hops), and the finding
        // names its source: 刑法 第224条之一 and the 30-people, 3-level prosecution threshold.
        #endregion

        #region compliance-laws
        // The plan laws searched on small generated cases: conservation, the cap, and upline safety
        // (raising anyone's rank never lowers an upline's pay). A plain differential plan fails the last.
        var plain = CommissionPlan.Create(new CommissionPlanDefinition
        {
            Name = "plain differential",
            Currency = Currency.CNY,
            Differential = new DifferentialRule { RateByRank = [Rate.Zero, Rate.FromPercent(5), Rate.FromPercent(10)] },
        });
        var laws = PlanLaws.Check(plain);
        // laws.Violations[0].Case.Describe() is the smallest counterexample found.
        #endregion

        return (report, laws);
    }
}
