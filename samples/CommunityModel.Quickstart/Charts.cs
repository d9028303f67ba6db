using CommunityModel.Simulation;

namespace CommunityModel.Quickstart;

/// <summary>PNG charts of a simulated year: the ladder funnel and revenue by source.</summary>
internal static class Charts
{
    /// <summary>Writes funnel.png and revenue-sources.png into the directory (created when missing).</summary>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> Write(SimulationResult result, string directory)
    {
        Directory.CreateDirectory(directory);

        var funnel = new ScottPlot.Plot();
        var labels = result.Ladder.Rungs.Select(r => r.Rung.Id).ToArray();
        var values = result.Ladder.Rungs.Select(r => (double)r.CustomersReached).ToArray();
        funnel.Add.Bars(values);
        funnel.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(Enumerable.Range(0, labels.Length).Select(i => (double)i).ToArray(), labels);
        funnel.Title("Ladder funnel: customers reaching each rung");
        funnel.YLabel("customers");
        var funnelPath = Path.Combine(directory, "funnel.png");
        funnel.SavePng(funnelPath, 800, 500);

        var sources = new ScottPlot.Plot();
        var months = result.Periods.Length;
        double[] Monthly(Func<SimulationDay, long> pick) =>
            result.Periods.Select(p => result.Days.Where(d => d.Date.Year == p.End.Year && d.Date.Month == p.End.Month).Sum(pick) / 100.0).ToArray();
        var xs = Enumerable.Range(1, months).Select(i => (double)i).ToArray();
        var paid = sources.Add.Scatter(xs, Monthly(d => d.PaidTrafficRevenue.MinorUnits));
        paid.LegendText = "paid traffic";
        var repeat = sources.Add.Scatter(xs, Monthly(d => d.RepeatRevenue.MinorUnits));
        repeat.LegendText = "repeat";
        var referral = sources.Add.Scatter(xs, Monthly(d => d.ReferralRevenue.MinorUnits));
        referral.LegendText = "referral";
        sources.ShowLegend();
        sources.Title("Revenue by source, by month (CNY)");
        sources.XLabel("month");
        var sourcesPath = Path.Combine(directory, "revenue-sources.png");
        sources.SavePng(sourcesPath, 800, 500);
        return [funnelPath, sourcesPath];
    }
}
