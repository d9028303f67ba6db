using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Groups;
using CommunityModel.Primitives;
using CommunityModel.Simulation;

namespace CommunityModel.Quickstart;

/// <summary>
/// The Quickstart's default output: one store's year in seven short, numbered sections, every figure labelled in the
/// store owner's words, under 80 lines of at most 100 columns (a test holds it to that). <c>--full</c> gives the long tour.
/// </summary>
public static class Story
{
    /// <summary>Simulates the store's year (seed 2026) and tells it.</summary>
    /// <param name="o">Where the story goes.</param>
    /// <param name="chartsDirectory">A folder for the PNG charts, or null.</param>
    /// <returns>The simulated year, for the charts and the tests.</returns>
    public static SimulationResult Write(TextWriter o, string? chartsDirectory)
    {
        ArgumentNullException.ThrowIfNull(o);
        var year = CommunitySimulator.Run(new SimulationSettings { Seed = 2026, MaxCustomers = 2_000, PaidArrivalsPerDay = 4, Days = 365 });
        var f = year.Flows;
        string Pct(double share) => (share * 100).ToString(share < 0.1 ? "0.#" : "0", CultureInfo.InvariantCulture) + "%";
        string N(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

        o.WriteLine("A year of a mother-and-baby store in Shanghai, simulated through CommunityModel");
        o.WriteLine($"({N(year.Tree.Count)} customers, {N(year.Orders.Count)} orders, {year.Groups} WeChat groups; `-- --full` for the long tour)");
        o.WriteLine();

        o.WriteLine("1. The ladder (产品体系): a cheap trial, then a member card, then the partner pack");
        foreach (var r in year.Ladder.Rungs)
        {
            var next = r.MedianTimeToNext is { } t ? $", {Pct(r.ConversionToNext)} went on (median {t.Days} days)" : "";
            o.WriteLine($"   {r.Rung.Id,-12} {N(r.CustomersReached),6} customers reached it{next}");
        }

        o.WriteLine($"   Repeat and referral revenue is {Pct(year.SelfCirculationShare)} of the year's revenue (self-circulation).");
        o.WriteLine();

        o.WriteLine("2. Members climbing (会员体系): customers at each month's end, by tier");
        o.WriteLine($"   {"month",-8}" + string.Concat(year.Tiers.Select(t => $"{t,10}")));
        foreach (var p in year.Periods.Where((_, i) => i % 3 == 2 || i == year.Periods.Length - 1).Distinct())
        {
            o.WriteLine($"   {p.End:yyyy-MM}" + string.Concat(p.MembersByTier.Select(n => $"{N(n),10}")));
        }

        o.WriteLine();
        o.WriteLine($"3. Commissions: \"{year.Compliance.Plan}\", paid on what the people you referred buy");
        var line = year.Ledger.Entries.First(e => e.Kind == LedgerEntryKind.Commission);
        o.WriteLine("   One line of the ledger, explained:");
        var held = line.AvailableAt is { } until ? $"; held until {until.InZone(year.Ledger.Zone):yyyy-MM-dd}" : "";
        o.WriteLine($"   {Clip(line.Explanation.Split("; pending")[0] + held, 96)}");
        o.WriteLine($"   The year: sales {f.GrossSales}, earned by partners {f.EarnersNet} ({Pct(f.PayoutRatio)} of net sales),");
        o.WriteLine($"   paid out {f.PaidOut}; the company keeps {f.CompanyNet}.");
        o.WriteLine();

        o.WriteLine("4. The refund guarantee (无理由退款, 2 months): commissions wait until it has passed");
        var cancel = year.Ledger.Entries.FirstOrDefault(e => e.Kind == LedgerEntryKind.Cancellation);
        if (cancel is not null)
        {
            o.WriteLine($"   {Clip(cancel.Explanation, 96)}");
        }

        o.WriteLine($"   The year: {N(year.Refunds.Count)} refunds of {f.Refunds}; {f.CommissionsReversed} of commissions reversed before payout.");
        o.WriteLine();

        o.WriteLine("5. Group rules at work (群规): what the rules decided in the store's groups this year");
        var decisions = year.GroupDecisions.OrderByDescending(kv => kv.Value).Select(kv => $"{Words(kv.Key)} {N(kv.Value)}").ToList();
        for (var i = 0; i < decisions.Count; i += 3)
        {
            o.WriteLine("   " + string.Join(", ", decisions.Skip(i).Take(3)));
        }

        o.WriteLine();
        o.WriteLine("6. The key customers (关键客户) to care for, and why: the top 5 of 30");
        foreach (var (k, i) in year.KeyCustomers.Take(5).Select((k, i) => (k, i)))
        {
            o.WriteLine($"   {i + 1}. {k.CustomerId.Value,-7} score {k.Score:0.00}: {Clip(k.Reasons[0], 70)}");
        }

        o.WriteLine();
        o.WriteLine($"7. Is the plan lawful? {(year.Compliance.HasErrors ? "No" : "Yes")}, under the profile \"{year.Compliance.Profile}\" (合规):");
        foreach (var finding in year.Compliance.Findings)
        {
            o.WriteLine($"   [{finding.Status.ToString().ToLowerInvariant()}] {Clip($"{finding.Title}: {finding.Measured}", 86)}");
        }

        if (chartsDirectory is not null)
        {
            o.WriteLine();
            o.WriteLine(Clip($"Charts written: {string.Join(", ", Charts.Write(year, chartsDirectory).Select(Path.GetFileName))}", 100));
        }

        return year;
    }

    private static string Words(GroupDecisionKind kind) => kind switch
    {
        GroupDecisionKind.Admit => "admitted",
        GroupDecisionKind.Reject => "turned away",
        GroupDecisionKind.Warn => "warnings",
        GroupDecisionKind.Mute => "mutes",
        GroupDecisionKind.Remove => "removed",
        GroupDecisionKind.Notice => "notices to the silent",
        GroupDecisionKind.WaitingList => "put on the waiting list",
        GroupDecisionKind.AdmitFromWaitingList => "admitted from the waiting list",
        GroupDecisionKind.AllowRedPacket => "red packets allowed",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 3)] + "...";
}
