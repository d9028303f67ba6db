using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Teams;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Tests.Teams;

public sealed class TeamTests
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    private static Instant At(int month, int day, int hour = 10) => new LocalDateTime(2026, month, day, hour, 0).InZoneStrictly(Shanghai).ToInstant();

    private static AccountMatrix Store()
    {
        var m = AccountMatrix.Create(
        [
            new StaffAccount { Id = AccountId.From("wang-mama"), Role = AccountRole.Sales, Persona = "an independent mother who runs a baby store" },
            new StaffAccount { Id = AccountId.From("service"), Role = AccountRole.Service, Persona = "the feeding advisor" },
            new StaffAccount { Id = AccountId.From("host"), Role = AccountRole.Host, Persona = "the mothers' group host" },
        ]);
        m.SetOperator(new OperatorChange(AccountId.From("wang-mama"), StaffId.From("wang"), At(3, 1, 0)));
        m.SetOperator(new OperatorChange(AccountId.From("service"), StaffId.From("amy"), At(3, 1, 0)));
        m.SetOperator(new OperatorChange(AccountId.From("host"), StaffId.From("lili"), At(3, 1, 0)));
        m.HostGroup(new GroupHosting("mothers-1", AccountId.From("host"), At(3, 1, 0)));
        m.AssignAll(
        [
            new(MemberId.From("Li"), AccountId.From("wang-mama"), At(3, 1, 1), "first contact"),
            new(MemberId.From("Zhang"), AccountId.From("wang-mama"), At(3, 1, 1), "first contact"),
            new(MemberId.From("Chen"), AccountId.From("service"), At(3, 1, 1), "came with a question"),
            new(MemberId.From("Zhao"), AccountId.From("host"), At(3, 1, 1), "joined from the group"),
        ]);
        return m;
    }

    [Fact]
    public void TheMotherAndBabyStore_ThreeAccountsOverAMonth_HandComputed()
    {
        var m = Store();
        var tree = ReferralTree.Build(
        [
            new(MemberId.From("Li"), null, At(2, 1)), new(MemberId.From("Zhang"), MemberId.From("Li"), At(2, 2)), new(MemberId.From("Chen"), null, At(2, 3)), new(MemberId.From("Zhao"), MemberId.From("Li"), At(2, 4)), new(MemberId.From("Sun"), MemberId.From("Chen"), At(3, 5)),
        ]);
        // Sun arrives on 03-05 and goes to service; Zhang is handed to service on 03-10; service changes operator (amy -> bo) on 03-15.
        m.Assign(new CustomerAssignment(MemberId.From("Sun"), AccountId.From("service"), At(3, 5), "referred by Chen"));
        m.Assign(new CustomerAssignment(MemberId.From("Zhang"), AccountId.From("service"), At(3, 10), "rebalancing"));
        m.SetOperator(new OperatorChange(AccountId.From("service"), StaffId.From("bo"), At(3, 15)));

        Order O(string id, string buyer, string product, string amount, Instant at) => new(OrderId.From(id), MemberId.From(buyer), ProductId.From(product), Money.Parse("CNY " + amount), at);
        Order[] orders =
        [
            O("f1", "Li", "diaper-trial", "19.90", At(2, 20)),         // before the month: makes Li's March orders repeats
            O("o1", "Li", "diapers", "129.00", At(3, 2)),               // wang-mama / wang, repeat
            O("o2", "Zhang", "diaper-trial", "19.90", At(3, 3)),        // wang-mama / wang, new; referral credit to Li's owner wang-mama
            O("o3", "Sun", "diaper-trial", "19.90", At(3, 6)),          // service / amy, new; referral credit to Chen's owner service
            O("o4", "Zhang", "diapers", "129.00", At(3, 10)),           // service / amy (assignment takes effect at its instant), repeat
            O("o5", "Chen", "member-card", "399.00", At(3, 15)),        // service / bo (handover at this instant), new
            O("o6", "Zhao", "diapers", "129.00", At(3, 20)),            // host / lili, new; referral credit to wang-mama
            O("o7", "Wu", "diaper-trial", "19.90", At(3, 21)),          // unassigned
            O("o8", "Li", "diapers", "129.00", At(4, 2)),               // after the month
        ];
        var changes = new[]
        {
            new TierChange(MemberId.From("Chen"), "customer", "member", At(3, 15, 11), TierChangeCause.Evaluation, "v1", "bought the card"),
            new TierChange(MemberId.From("Li"), "member", "partner", At(3, 25), TierChangeCause.Evaluation, "v1", "3 referred buyers"),
        };
        ServiceContact[] contacts =
        [
            new(MemberId.From("Chen"), AccountId.From("service"), At(3, 14), ServiceContactKind.Answer),
            new(MemberId.From("Sun"), AccountId.From("service"), At(3, 16), ServiceContactKind.Answer),
            new(MemberId.From("Zhao"), AccountId.From("host"), At(3, 18), ServiceContactKind.Message),
        ];
        var report = TeamReport.Build(m, new TeamReportInput
        {
            From = At(3, 1, 0), To = At(4, 1, 0), Orders = orders, Currency = Currency.CNY, Tree = tree,
            Contacts = contacts, TierChanges = changes, KeyCustomers = new HashSet<MemberId> { MemberId.From("Li"), MemberId.From("Chen") },
        });

        var wang = report.Accounts[0];
        Assert.Equal(Money.Parse("CNY 148.90"), wang.Revenue);
        Assert.Equal(2, wang.Orders);
        Assert.Equal(1, wang.NewCustomers);
        Assert.Equal(Money.Parse("CNY 129.00"), wang.RepeatRevenue);
        Assert.Equal(Money.Parse("CNY 277.90"), wang.ReferralCredit); // o2 and o4 (Zhang) + o6 (Zhao): every order of a buyer Li referred
        Assert.Equal(1, wang.UpgradesToPartner);
        Assert.Equal(1, wang.KeyCustomersOwned);

        var service = report.Accounts[1];
        Assert.Equal(Money.Parse("CNY 547.90"), service.Revenue);
        Assert.Equal(3, service.Orders);
        Assert.Equal(2, service.NewCustomers);
        Assert.Equal(Money.Parse("CNY 129.00"), service.RepeatRevenue);
        Assert.Equal(Money.Parse("CNY 19.90"), service.ReferralCredit);
        Assert.Equal(1, service.UpgradesToMember);
        Assert.Equal(2, service.QuestionsAnswered);

        var host = report.Accounts[2];
        Assert.Equal(Money.Parse("CNY 129.00"), host.Revenue);
        Assert.Equal(new[] { "mothers-1" }, host.GroupsHosted.ToArray());
        Assert.Equal(0, host.QuestionsAnswered); // a message is not an answer

        // The handover keeps amy's and bo's results apart, split exactly at 03-15 10:00.
        var amy = report.ByAccountAndOperator.Single(r => r.Account == AccountId.From("service") && r.Staff == StaffId.From("amy"));
        var bo = report.ByAccountAndOperator.Single(r => r.Account == AccountId.From("service") && r.Staff == StaffId.From("bo"));
        Assert.Equal(Money.Parse("CNY 148.90"), amy.Revenue);
        Assert.Equal(Money.Parse("CNY 399.00"), bo.Revenue);
        Assert.Equal(1, amy.QuestionsAnswered);
        Assert.Equal(1, bo.QuestionsAnswered);
        Assert.Equal(1, bo.UpgradesToMember);
        Assert.Equal(["staff amy", "staff bo", "staff lili", "staff wang"], report.Staff.Select(s => s.Name));

        Assert.Equal(Money.Parse("CNY 19.90"), report.Unassigned.Revenue);
        Assert.Equal(Money.Parse("CNY 845.70"), report.Team.Revenue);
        Assert.Equal(7, report.Team.Orders);
        Assert.Equal(report.Accounts.Sum(a => a.Revenue.MinorUnits) + report.Unassigned.Revenue.MinorUnits, report.Team.Revenue.MinorUnits);
        Assert.Equal(report.Staff.Sum(s => s.Revenue.MinorUnits), report.Accounts.Sum(a => a.Revenue.MinorUnits));
        Assert.Contains("service under bo", report.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Assignments_TakeEffectAtTheirInstant_AndKeepHistory()
    {
        var m = Store();
        m.Assign(new CustomerAssignment(MemberId.From("Li"), AccountId.From("service"), At(3, 10), "handover"));
        Assert.Equal("wang-mama", m.OwnerAt(MemberId.From("Li"), At(3, 10) - Duration.Epsilon)!.Value.Value);
        Assert.Equal("service", m.OwnerAt(MemberId.From("Li"), At(3, 10))!.Value.Value);
        Assert.Null(m.OwnerAt(MemberId.From("Li"), At(3, 1, 0)));
        Assert.Null(m.OwnerAt(MemberId.From("nobody"), At(3, 10)));
        Assert.False(m.Assign(new CustomerAssignment(MemberId.From("Li"), AccountId.From("service"), At(3, 11), "again")));
        Assert.True(m.Assign(new CustomerAssignment(MemberId.From("Li"), null, At(3, 12), "left the store")));
        Assert.Null(m.OwnerAt(MemberId.From("Li"), At(3, 13)));
        Assert.Equal(["first contact", "handover", "left the store"], m.History(MemberId.From("Li")).Select(h => h.Reason));
        Assert.Equal(1, m.CustomerCount(AccountId.From("wang-mama")));
        Assert.Equal(1, m.CustomerCount(AccountId.From("service"))); // Chen; Li left
        Assert.Equal("amy", m.OperatorAt(AccountId.From("service"), At(3, 5))!.Value.Value);
        Assert.Equal("host", m.HostOf("mothers-1", At(3, 2))!.Value.Value);
    }

    [Fact]
    public void Capacity_TimeOrderAndUnknownAccounts_AreRejectedTogether_AndNothingChanges()
    {
        var m = AccountMatrix.Create([new StaffAccount { Id = AccountId.From("small"), Role = AccountRole.Sales, Capacity = 2 }, new StaffAccount { Id = AccountId.From("other"), Role = AccountRole.Service }]);
        m.AssignAll([new(MemberId.From("a"), AccountId.From("small"), At(3, 1), "x"), new(MemberId.From("b"), AccountId.From("small"), At(3, 1), "x")]);
        var one = Assert.Throws<InvalidInputException>(() => m.Assign(new CustomerAssignment(MemberId.From("c"), AccountId.From("small"), At(3, 2), "x")));
        Assert.IsType<AccountOverCapacityRule>(one.Rule);
        Assert.Contains("already holds its 2 customers", one.Message, StringComparison.Ordinal);

        var all = Assert.Throws<InvalidInputException>(() => m.AssignAll(
        [
            new(MemberId.From("d"), AccountId.From("other"), At(3, 3), "fine on its own"),
            new(MemberId.From("c"), AccountId.From("small"), At(3, 3), "full"),
            new(MemberId.From("e"), AccountId.From("ghost"), At(3, 3), "unknown"),
            new(MemberId.From("f"), AccountId.From("other"), At(2, 1), "too early"),
        ]));
        var rule = Assert.IsType<AssignmentsMustBeValidRule>(all.Rule);
        Assert.Equal([typeof(AccountOverCapacityRule), typeof(AccountMustExistRule), typeof(AssignmentsInTimeOrderRule)], rule.Problems.Select(p => p.GetType()));
        Assert.Null(m.OwnerAt(MemberId.From("d"), At(3, 4)));
        Assert.Equal(2, m.AssignmentCount);

        // Moving a customer out frees the place.
        m.Assign(new CustomerAssignment(MemberId.From("a"), AccountId.From("other"), At(3, 5), "moved"));
        Assert.True(m.Assign(new CustomerAssignment(MemberId.From("c"), AccountId.From("small"), At(3, 5), "now fits")));
    }

    [Fact]
    public void BadAccounts_EveryProblemWithPathAndCode()
    {
        var ex = Assert.Throws<InvalidInputException>(() => AccountMatrix.Create(
        [
            new StaffAccount { Id = AccountId.From("a"), Role = AccountRole.Custom },
            new StaffAccount { Id = AccountId.From("a"), Role = AccountRole.Sales, Capacity = 0 },
        ]));
        Assert.Equal(
            new[] { ("Accounts[0].CustomRole", "account.custom-role.missing"), ("Accounts[1].Capacity", "account.capacity.range"), ("Accounts[1].Id", "account.id.duplicate") },
            ex.Problems.Select(e => (e.Path, e.Code)).Order());
        Assert.Throws<InvalidInputException>(() => AccountMatrix.Create([]));
    }

    [Fact]
    public void LastServedBefore_CreditsTheAccountThatServedTheBuyer()
    {
        var m = Store();
        Order[] orders = [new(OrderId.From("o1"), MemberId.From("Li"), ProductId.From("diapers"), Money.Parse("CNY 129.00"), At(3, 10)), new(OrderId.From("o2"), MemberId.From("Li"), ProductId.From("diapers"), Money.Parse("CNY 129.00"), At(3, 12))];
        ServiceContact[] contacts = [new(MemberId.From("Li"), AccountId.From("service"), At(3, 10)), new(MemberId.From("Li"), AccountId.From("host"), At(3, 11))];
        var owner = Attribution.Attribute(m, orders);
        var served = Attribution.Attribute(m, orders, AttributionRule.LastServedBefore, contacts: contacts);
        Assert.Equal(["wang-mama", "wang-mama"], Enumerable.Range(0, 2).Select(i => owner.AccountOf(i)!.Value.Value));
        // A contact at the order's own instant is not "before" it: o1 falls back to the owner.
        Assert.Equal(["wang-mama", "host"], Enumerable.Range(0, 2).Select(i => served.AccountOf(i)!.Value.Value));
        Assert.Equal("lili", served.OperatorOf(1)!.Value.Value);
    }

    [Fact]
    public void CommunityProfile_EntrepreneursNeedSalesAndOperationsTogether()
    {
        var entrepreneurs = CommunityProfile.Classify(new CommunityFacts(NetWorthBand.HighNetWorth, 90, Degree.Low, Money.Parse("CNY 98000.00"), Degree.High));
        Assert.Equal(CommunityVerdict.SalesAndOperationsTogether, entrepreneurs.Verdict);
        Assert.Equal(5, entrepreneurs.Traits);
        var babyStore = CommunityProfile.Classify(new CommunityFacts(NetWorthBand.Mass, 3, Degree.High, Money.Parse("CNY 129.00"), Degree.Medium));
        Assert.Equal(CommunityVerdict.SelfRunning, babyStore.Verdict);
        Assert.Equal(0, babyStore.Traits);
        Assert.Contains("decisions take 3 days (short)", babyStore.Reasons);
        var edge = CommunityProfile.Classify(new CommunityFacts(NetWorthBand.Affluent, 30, Degree.Low, Money.Parse("CNY 10000.00"), Degree.Low));
        Assert.Equal(3, edge.Traits); // 30 days and CNY 10,000.00 are at the thresholds, which count
        var ex = Assert.Throws<InvalidInputException>(() => CommunityProfile.Classify(entrepreneurs is null ? null! : new CommunityFacts(NetWorthBand.Mass, 1, Degree.High, Money.Parse("CNY 1.00"), Degree.Low), new CommunityProfileOptions { LongDecisionDays = 0, TraitsForCollaboration = 6 }));
        Assert.Equal(2, ex.Problems.Length);
    }

    [Fact]
    public void SharingCommunity_OpensWhenTrialBuyersAreEnoughAndGrowing()
    {
        var ladder = ProductLadder.Create(Currency.CNY,
        [
            new Rung { Id = "trial", Role = RungRole.Trial, Products = [ProductId.From("diaper-trial")], Price = new PriceBand(Money.Parse("CNY 9.90"), Money.Parse("CNY 39.00")) },
            new Rung { Id = "membership", Role = RungRole.Membership, Products = [ProductId.From("member-card")], Price = new PriceBand(Money.Parse("CNY 399.00"), Money.Parse("CNY 399.00")) },
        ]);
        var asOf = At(6, 1, 0);
        List<Order> Orders(int before, int now)
        {
            var list = new List<Order>();
            for (var i = 0; i < before; i++)
            {
                list.Add(new(OrderId.From($"b{i}"), MemberId.From($"old{i}"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), asOf - Duration.FromDays(45)));
            }

            for (var i = 0; i < now; i++)
            {
                list.Add(new(OrderId.From($"n{i}"), MemberId.From($"new{i}"), ProductId.From("diaper-trial"), Money.Parse("CNY 19.90"), asOf - Duration.FromDays(10)));
                list.Add(new(OrderId.From($"c{i}"), MemberId.From($"new{i}"), ProductId.From("member-card"), Money.Parse("CNY 399.00"), asOf - Duration.FromDays(9)));
            }

            return list;
        }

        var yes = SharingCommunity.Assess(Orders(100, 120), ladder, asOf);
        Assert.True(yes.Ready, yes.Reason);
        Assert.Equal(120, yes.TrialBuyers);
        Assert.Equal(0.2, yes.Growth!.Value, 12);
        var few = SharingCommunity.Assess(Orders(10, 60), ladder, asOf);
        Assert.False(few.Ready);
        Assert.StartsWith("not yet: 60 trial buyers", few.Reason, StringComparison.Ordinal);
        var flat = SharingCommunity.Assess(Orders(150, 160), ladder, asOf);
        Assert.False(flat.Ready);
        Assert.Contains("below 20%", flat.Reason, StringComparison.Ordinal);
    }
}
