using CommunityModel.Primitives;
using CommunityModel.Teams;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;

namespace CommunityModel.Tests.Teams;

public sealed class TeamLawsTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 1, 0, 0);
    private static readonly string[] AccountIds = ["a0", "a1", "a2", "a3"];

    /// <summary>A history: assignments (customer, account or -1, minutes after the previous change), operator changes, orders (customer, minute, amount).</summary>
    public sealed record Script((int Customer, int Account, int Gap)[] Steps, (int Account, int Staff, int Minute)[] Handovers, (int Customer, int Minute, long Amount)[] Orders, int Capacity)
    {
        public override string ToString() =>
            $"capacity {Capacity}; steps [{string.Join(" ", Steps.Select(s => $"{s.Customer}->{s.Account}+{s.Gap}"))}]; handovers [{string.Join(" ", Handovers.Select(h => $"{h.Account}:{h.Staff}@{h.Minute}"))}]; orders [{string.Join(" ", Orders.Select(o => $"{o.Customer}@{o.Minute}:{o.Amount}"))}]";
    }

    private static Arbitrary<Script> Scripts(int capacity) => Arb.From(
        from steps in (from c in Gen.Choose(0, 14) from a in Gen.Choose(-1, 3) from gap in Gen.Frequency((3, Gen.Choose(0, 0)), (7, Gen.Choose(1, 120))) select (c, a, gap)).ArrayOf()
        from handovers in (from a in Gen.Choose(0, 3) from s in Gen.Choose(0, 4) from m in Gen.Choose(0, 3_000) select (a, s, m)).ArrayOf()
        from orders in (from c in Gen.Choose(0, 19) from m in Gen.Choose(0, 3_000) from amount in Gen.Choose(1, 100_000) select (c, m, (long)amount)).ArrayOf()
        select new Script(steps, handovers, orders, capacity));

    private static (AccountMatrix Matrix, List<(int Customer, int Account, long Minute)> Accepted) Play(Script s)
    {
        var m = AccountMatrix.Create(AccountIds.Select(id => new StaffAccount { Id = AccountId.From(id), Role = AccountRole.Sales, Capacity = s.Capacity }));
        var accepted = new List<(int, int, long)>();
        long minute = 0;
        var handovers = s.Handovers.OrderBy(h => h.Minute).ToList();
        var next = 0;
        foreach (var (c, a, gap) in s.Steps)
        {
            minute += gap;
            while (next < handovers.Count && handovers[next].Minute <= minute)
            {
                var h = handovers[next++];
                m.SetOperator(new OperatorChange(AccountId.From(AccountIds[h.Account]), StaffId.From("s" + h.Staff), T0 + Duration.FromMinutes(Math.Max(h.Minute, 0))));
            }

            try
            {
                if (m.Assign(new CustomerAssignment(MemberId.From("c" + c), a < 0 ? null : AccountId.From(AccountIds[a]), T0 + Duration.FromMinutes(minute), "step")))
                {
                    accepted.Add((c, a, minute));
                }
            }
            catch (InvalidInputException e) when (e.Rule is AccountOverCapacityRule)
            {
            }
        }

        while (next < handovers.Count)
        {
            var h = handovers[next++];
            if (T0 + Duration.FromMinutes(h.Minute) >= T0 + Duration.FromMinutes(minute))
            {
                m.SetOperator(new OperatorChange(AccountId.From(AccountIds[h.Account]), StaffId.From("s" + h.Staff), T0 + Duration.FromMinutes(h.Minute)));
            }
        }

        return (m, accepted);
    }

    private static int ModelOwner(List<(int Customer, int Account, long Minute)> accepted, int customer, long minute)
    {
        var owner = -1;
        foreach (var (c, a, t) in accepted)
        {
            if (c == customer && t <= minute)
            {
                owner = a;
            }
        }

        return owner;
    }

    [Property(MaxTest = 200)]
    public Property History_NeverLosesACustomer_AndGivesOneOwnerAtEveryInstant() =>
        Prop.ForAll(Scripts(5_000), s =>
        {
            var (m, accepted) = Play(s);
            var customers = accepted.Select(x => x.Customer).Distinct().ToList();
            var ok = customers.Count == m.Customers.Count;
            foreach (var c in customers)
            {
                var history = m.History(MemberId.From("c" + c));
                ok &= history.Count == accepted.Count(x => x.Customer == c);
                // At every assignment's instant, and just before it, the matrix and the model agree on the one owner.
                foreach (var h in history)
                {
                    var minute = (long)(h.At - T0).TotalMinutes;
                    ok &= (m.OwnerAt(MemberId.From("c" + c), h.At)?.Value ?? "-") == (ModelOwner(accepted, c, minute) is var o && o >= 0 ? AccountIds[o] : "-");
                    ok &= (m.OwnerAt(MemberId.From("c" + c), h.At - Duration.Epsilon)?.Value ?? "-") == (ModelOwner(accepted, c, minute - 1) is var p && p >= 0 ? AccountIds[p] : "-");
                }
            }

            return ok;
        });

    [Property(MaxTest = 200)]
    public Property Capacity_IsNeverExceeded() =>
        Prop.ForAll(Scripts(3), s =>
        {
            var (m, accepted) = Play(s);
            var last = accepted.Count == 0 ? 0 : accepted[^1].Minute;
            return AccountIds.All(a => m.CustomerCount(AccountId.From(a)) <= 3
                && m.CustomerCount(AccountId.From(a)) == m.Customers.Count(c => m.OwnerAt(c, T0 + Duration.FromMinutes(last))?.Value == a));
        });

    [Property(MaxTest = 200)]
    public Property EveryOrder_ToExactlyOneAccountOrUnassigned_AndTeamTotalsAreTheSumOfAccounts() =>
        Prop.ForAll(Scripts(5_000), s =>
        {
            var (m, accepted) = Play(s);
            var orders = s.Orders.Select((o, i) => new Order(OrderId.From("o" + i), MemberId.From("c" + o.Customer), ProductId.From("p"), Money.OfMinor(o.Amount, Currency.CNY), T0 + Duration.FromMinutes(o.Minute))).ToList();
            var attribution = Attribution.Attribute(m, orders);
            var ok = attribution.OrdersPerAccount().Sum() == orders.Count;
            for (var i = 0; i < orders.Count; i++)
            {
                var model = ModelOwner(accepted, s.Orders[i].Customer, s.Orders[i].Minute);
                ok &= (attribution.AccountOf(i)?.Value ?? "-") == (model >= 0 ? AccountIds[model] : "-");
                var op = attribution.AccountOf(i) is { } a ? m.OperatorAt(a, orders[i].PaidAt) : null;
                ok &= attribution.OperatorOf(i) == op; // the handover splits exactly at its instant
            }

            var report = TeamReport.Build(m, new TeamReportInput { From = T0, To = T0 + Duration.FromDays(10), Orders = orders, Currency = Currency.CNY });
            long Sum(IEnumerable<TeamPerformance> rows, Func<TeamPerformance, long> f) => rows.Sum(f);
            ok &= report.Team.Revenue.MinorUnits == orders.Sum(o => o.Amount.MinorUnits);
            ok &= report.Team.Revenue.MinorUnits == Sum(report.Accounts, r => r.Revenue.MinorUnits) + report.Unassigned.Revenue.MinorUnits;
            ok &= report.Team.Orders == report.Accounts.Sum(r => r.Orders) + report.Unassigned.Orders;
            ok &= report.Team.NewCustomers == report.Accounts.Sum(r => r.NewCustomers) + report.Unassigned.NewCustomers;
            ok &= report.Team.NewCustomers == orders.Select(o => o.Buyer).Distinct().Count();
            ok &= Sum(report.Staff, r => r.Revenue.MinorUnits) == Sum(report.Accounts, r => r.Revenue.MinorUnits);
            ok &= Sum(report.ByAccountAndOperator, r => r.Revenue.MinorUnits) == Sum(report.Accounts, r => r.Revenue.MinorUnits);
            return ok.Label(s.ToString());
        });
}
