using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Primitives;
using CommunityModel.Scoring;
using CommunityModel.Simulation;
using NodaTime;
using Spectre.Console;

namespace CommunityModel.Quickstart;

/// <summary>The whole story: a year of the seeds' mother-and-baby store, simulated through the library, with tables and optional charts.</summary>
internal static class YearOfTheStore
{
    private static string Amount(Money m) => m.FormatAmount();

    private static string Pct(double share) => share.ToString("P1", CultureInfo.InvariantCulture);

    public static SimulationResult Show(string? chartsDirectory)
    {
        if (Console.IsOutputRedirected)
        {
            // A log or a pipe has no width of its own; tables read best wider than the 80 columns assumed.
            AnsiConsole.Profile.Width = 140;
        }

        AnsiConsole.Write(new Rule("[bold]12. A year of the store, simulated: 2,000 customers in Shanghai[/]").LeftJustified());
        var result = CommunitySimulator.Run(new SimulationSettings { Seed = 2026, MaxCustomers = 2_000, PaidArrivalsPerDay = 4, Days = 365 });
        var f = result.Flows;
        AnsiConsole.WriteLine($"{result.Tree.Count} customers, {result.Orders.Count} orders, {result.Refunds.Count} refunds inside the 2-month guarantee, {result.Groups} groups; plan \"{result.Compliance.Plan}\".");

        // The ladder and its conversion.
        var ladder = new Table().Title("The ladder (产品体系)").AddColumns("rung", "role", "customers reached", "went on", "conversion", "median days to next", "revenue per customer topping here");
        foreach (var r in result.Ladder.Rungs)
        {
            ladder.AddRow(r.Rung.Id, r.Rung.Role.ToString(), r.CustomersReached.ToString(CultureInfo.InvariantCulture), r.ConvertedToNext.ToString(CultureInfo.InvariantCulture),
                Pct(r.ConversionToNext), r.MedianTimeToNext is { } t ? t.Days.ToString(CultureInfo.InvariantCulture) : "-", Amount(r.RevenuePerCustomerTopHere));
        }

        AnsiConsole.Write(ladder);

        // Members and partners, month by month, with the money.
        var months = new Table().Title("Members and partners by month (会员, 合伙人) and the money").AddColumn("month");
        foreach (var tier in result.Tiers)
        {
            months.AddColumn(new TableColumn(tier).RightAligned());
        }

        months.AddColumns(new TableColumn("sales").RightAligned(), new TableColumn("commissions").RightAligned(), new TableColumn("reversed").RightAligned(), new TableColumn("paid out").RightAligned());
        foreach (var p in result.Periods)
        {
            var row = new List<string> { p.End.ToString("yyyy-MM", CultureInfo.InvariantCulture) };
            row.AddRange(p.MembersByTier.Select(n => n.ToString(CultureInfo.InvariantCulture)));
            row.AddRange([Amount(p.Sales), Amount(p.Commissions), Amount(p.Reversed), Amount(p.PaidOut)]);
            months.AddRow(row.ToArray());
        }

        AnsiConsole.Write(months);
        long Sum(Func<SimulationDay, Money> pick) => result.Days.Sum(d => pick(d).MinorUnits);
        var currency = f.GrossSales.Currency;
        AnsiConsole.WriteLine($"Revenue by source: paid traffic {Amount(Money.OfMinor(Sum(d => d.PaidTrafficRevenue), currency))}, repeat {Amount(Money.OfMinor(Sum(d => d.RepeatRevenue), currency))}, referral {Amount(Money.OfMinor(Sum(d => d.ReferralRevenue), currency))}.");
        AnsiConsole.WriteLine($"Self-circulation (repeat + referral revenue): {Pct(result.Days[30].SelfCirculationShare)} after a month, {Pct(result.SelfCirculationShare)} after the year; ladder self-circulation share {Pct(result.Ladder.SelfCirculationShare)}.");
        AnsiConsole.WriteLine($"Money in = money out: sales {f.GrossSales} = refunds {f.Refunds} + earners {f.EarnersNet} + company {f.CompanyNet}; payout ratio {Pct(f.PayoutRatio)}.");

        // Income disclosure over all partners, non-earners included.
        var d0 = result.Disclosure;
        var disclosure = new Table().Title("Income disclosure: every partner, earners or not").AddColumns("group", "people", "earning nothing", "median", "mean", "p90", "max", $"above {Amount(d0.AllPartners.AboveThresholds[0].Threshold)}");
        foreach (var d in d0.ByRank.Prepend(d0.AllPartners))
        {
            disclosure.AddRow(d.Group, d.People.ToString(CultureInfo.InvariantCulture), Pct(d.ShareEarningNothing), Amount(d.Median), Amount(d.Mean),
                Amount(d.Percentiles.First(x => x.Percentile == 90).Amount), Amount(d.Max), Pct(d.AboveThresholds[0].Share));
        }

        AnsiConsole.Write(disclosure);

        // The group rules' year.
        AnsiConsole.WriteLine("Group-rule decisions (群规) over the year: " + string.Join(", ", result.GroupDecisions.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")) + ".");

        // Trouble is a signal (seed 000): questions and complaints per group, against each group's own baseline.
        var lastDay = result.Days[^1].Date;
        var readings = TroubleSignal.Read(TroubleSignal.EventsFrom(result.Interactions, result.GroupOf), lastDay);
        var trouble = new Table().Title("The trouble signal, last 28 days against the group's own baseline").AddColumns("group", "questions", "complaints", "trend", "reading");
        foreach (var r in readings)
        {
            trouble.AddRow(r.Segment, r.Questions.ToString(CultureInfo.InvariantCulture), r.Complaints.ToString(CultureInfo.InvariantCulture), r.Trend.ToString(), Markup.Escape(r.Reason));
        }

        AnsiConsole.Write(trouble);

        // Key customers of the simulated year.
        var keys = new Table().Title("Key customers of the simulated year (top 5 of the 30)").AddColumns("#", "customer", "score", "reasons");
        for (var i = 0; i < Math.Min(5, result.KeyCustomers.Count); i++)
        {
            var k = result.KeyCustomers[i];
            keys.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), k.CustomerId.Value, k.Score.ToString("0.000", CultureInfo.InvariantCulture), Markup.Escape(string.Join("; ", k.Reasons)));
        }

        AnsiConsole.Write(keys);
        if (chartsDirectory is not null)
        {
            Console.WriteLine($"Charts written: {string.Join(", ", Charts.Write(result, chartsDirectory))}");
        }

        return result;
    }

    public static void Compliance(SimulationResult result)
    {
        AnsiConsole.Write(new Rule("[bold]13. Is the plan safe to use? Compliance and plan laws, checked before it pays anyone[/]").LeftJustified());
        AnsiConsole.Write(new Text(result.Compliance.Describe()));
        var twoLevel = PlanLaws.Check(StoreDefaults.TwoLevelPlan());
        AnsiConsole.Write(new Text(twoLevel.Describe()));

        var differential = StoreDefaults.PlainDifferentialPlan();
        var context = ComplianceContext.ForPlan(differential, StoreDefaults.Ladder()) with { HoldingPeriod = Period.FromMonths(2), RefundWindow = Period.FromMonths(2), PayoutInterval = Period.FromMonths(1) };
        AnsiConsole.Write(new Text(ComplianceProfiles.ChinaTwoLevel.Check(context).Describe()));
        AnsiConsole.Write(new Text(ComplianceProfiles.ChinaAntiPyramid.Check(context).Describe()));
        var laws = PlanLaws.Check(differential);
        AnsiConsole.Write(new Text(laws.Describe()));
        if (laws.ViolationOf(PlanLaw.UplineSafety) is { } v)
        {
            AnsiConsole.WriteLine($"Upline safety broken (seed 002: a downline's upgrade must never harm the upline): {v.Description}.");
        }

        AnsiConsole.WriteLine();
    }

    public static void ClawbackDemo(DateTimeZone shanghai)
    {
        AnsiConsole.Write(new Rule("[bold]14. Why the holding period must cover the refund window: a clawback[/]").LeftJustified());
        Instant At(int month, int day) => new LocalDateTime(2026, month, day, 10, 0).InZoneStrictly(shanghai).ToInstant();
        var tree = Referrals.ReferralTree.Build([new(MemberId.From("Li"), null, At(1, 1)), new(MemberId.From("Zhao"), MemberId.From("Li"), At(1, 2))]);
        var plan = CommissionPlan.Create(new CommissionPlanDefinition { Name = "one level 10%", Currency = Currency.CNY, Levels = new LevelRule { Rates = [Rate.FromPercent(10)] } });
        var run = new CommissionEngine(plan).Run(MemberStatuses.Uniform(tree), [new Order(OrderId.From("o-77"), MemberId.From("Zhao"), ProductId.From("diapers"), Money.Parse("CNY 258.00"), At(3, 1))]);
        var ledger = new PayoutLedger(Currency.CNY, Period.FromMonths(1), shanghai);
        ledger.Record(run);
        var payout = ledger.RecordPayout(MemberId.From("Li"), At(4, 2));
        var refund = ledger.Refund(RefundId.From("rf-77"), OrderId.From("o-77"), Money.Parse("CNY 258.00"), At(4, 20));
        AnsiConsole.WriteLine($"A ledger holding only 1 month: {payout.Message}");
        AnsiConsole.WriteLine($"Zhao returns the box on 04-20, inside the 2-month guarantee: {refund.Message}");
        foreach (var e in refund.Entries)
        {
            AnsiConsole.WriteLine($"  {e.Earner}: {e.Amount} ({e.Kind}) - {e.Explanation}");
        }

        AnsiConsole.WriteLine($"Li's balance now: {ledger.BalanceOf(MemberId.From("Li"), At(4, 21))}; the rule holding.covers-refund flags this set-up before it happens.");
        AnsiConsole.WriteLine();
    }
}

/// <summary>Section 15: the team behind the accounts (seed 002, 001, 000) on the simulated year's last month.</summary>
internal static class TeamBehindTheAccounts
{
    public static void Show(SimulationResult year, DateTimeZone shanghai)
    {
        AnsiConsole.Write(new Rule("[bold]15. The team behind the accounts (个人号矩阵): December's dashboard[/]").LeftJustified());
        var start = year.Settings.StartDate.AtStartOfDayInZone(shanghai).ToInstant();
        var matrix = Teams.AccountMatrix.Create(
        [
            new Teams.StaffAccount { Id = Teams.AccountId.From("wang-mama"), Role = Teams.AccountRole.Sales, Persona = "the owner persona: an independent mother who runs the store" },
            new Teams.StaffAccount { Id = Teams.AccountId.From("service"), Role = Teams.AccountRole.Service, Persona = "the feeding advisor" },
            new Teams.StaffAccount { Id = Teams.AccountId.From("host"), Role = Teams.AccountRole.Host, Persona = "the mothers' group host" },
        ]);
        matrix.SetOperator(new Teams.OperatorChange(Teams.AccountId.From("wang-mama"), Teams.StaffId.From("wang"), start));
        matrix.SetOperator(new Teams.OperatorChange(Teams.AccountId.From("service"), Teams.StaffId.From("amy"), start));
        matrix.SetOperator(new Teams.OperatorChange(Teams.AccountId.From("host"), Teams.StaffId.From("lili"), start));
        for (var g = 1; g <= year.Groups; g++)
        {
            matrix.HostGroup(new Teams.GroupHosting("group " + g.ToString(CultureInfo.InvariantCulture), Teams.AccountId.From("host"), start));
        }

        // Each customer goes to an account on joining: referred customers to the owner persona, the rest by turns.
        var assignments = new List<Teams.CustomerAssignment>();
        for (var i = 0; i < year.Tree.Count; i++)
        {
            var id = year.Tree.MemberAt(i);
            var account = year.Tree.SponsorOf(id) is not null ? "wang-mama" : i % 2 == 0 ? "service" : "host";
            assignments.Add(new Teams.CustomerAssignment(id, Teams.AccountId.From(account), year.Tree.JoinedAt(id), "first contact"));
        }

        // The matrix keeps one time line: the handover of 12-16 is recorded between the assignments before and after it.
        var december = new LocalDate(2026, 12, 1).AtStartOfDayInZone(shanghai).ToInstant();
        var handover = december + Duration.FromDays(15);
        matrix.AssignAll(assignments.Where(a => a.At < handover));
        matrix.SetOperator(new Teams.OperatorChange(Teams.AccountId.From("service"), Teams.StaffId.From("bo"), handover));
        matrix.AssignAll(assignments.Where(a => a.At >= handover));
        var report = Teams.TeamReport.Build(matrix, new Teams.TeamReportInput
        {
            From = december,
            To = new LocalDate(2027, 1, 1).AtStartOfDayInZone(shanghai).ToInstant(),
            Orders = year.Orders,
            Currency = Currency.CNY,
            Tree = year.Tree,
            TierChanges = year.Membership.Changes,
            KeyCustomers = year.KeyCustomers.Select(k => k.CustomerId).ToHashSet(),
        });
        var table = new Table().Title("December by account, by operator (the service account changed hands on 12-16) and by staff").AddColumns("", "revenue", "orders", "new", "to member", "to partner", "repeat", "referral credit", "groups", "key customers");
        foreach (var r in report.Accounts.Concat(report.ByAccountAndOperator).Concat(report.Staff).Append(report.Unassigned).Append(report.Team))
        {
            table.AddRow(r.Name, Amount(r.Revenue), r.Orders.ToString(CultureInfo.InvariantCulture), r.NewCustomers.ToString(CultureInfo.InvariantCulture),
                r.UpgradesToMember.ToString(CultureInfo.InvariantCulture), r.UpgradesToPartner.ToString(CultureInfo.InvariantCulture), Amount(r.RepeatRevenue),
                Amount(r.ReferralCredit), r.GroupsHosted.Length.ToString(CultureInfo.InvariantCulture), r.KeyCustomersOwned.ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("Referral credit is shown beside revenue and never added to it: the team's revenue counts every order once.");
        var profile = Teams.CommunityProfile.Classify(new Teams.CommunityFacts(Teams.NetWorthBand.Mass, 3, Teams.Degree.High, Money.Parse("CNY 129.00"), Teams.Degree.Medium));
        var entrepreneurs = Teams.CommunityProfile.Classify(new Teams.CommunityFacts(Teams.NetWorthBand.HighNetWorth, 90, Teams.Degree.Low, Money.Parse("CNY 98000.00"), Teams.Degree.High));
        AnsiConsole.WriteLine($"This store's community: {profile.Verdict} ({string.Join("; ", profile.Reasons)}).");
        AnsiConsole.WriteLine($"An entrepreneurs' community (seed 001): {entrepreneurs.Verdict} ({string.Join("; ", entrepreneurs.Reasons)}).");
        var readiness = Teams.SharingCommunity.Assess(year.Orders, StoreDefaults.Ladder(), december);
        AnsiConsole.WriteLine($"Open a sharing community (seed 000)? {readiness.Reason}.");
        AnsiConsole.WriteLine();
    }

    private static string Amount(Money m) => m.FormatAmount();
}
