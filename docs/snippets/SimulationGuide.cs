using CommunityModel.Simulation;

namespace CommunityModel.Docs;

/// <summary>The code of docs/simulation.md.</summary>
public static class SimulationGuide
{
    public static SimulationResult AQuarter()
    {
        #region simulation-run
        var settings = new SimulationSettings { Seed = 7, Days = 90, MaxCustomers = 300, Plan = StoreDefaults.TwoLevelPlan() };
        var result = CommunitySimulator.Run(settings);
        // The same settings give the same result. result.Flows says where the money went (sales, refunds,
        // commissions earned and reversed, what the company kept); result.Disclosure is the income
        // disclosure of the partners; result.Compliance the plan's findings under settings.Compliance.
        #endregion

        return result;
    }
}
