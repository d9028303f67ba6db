using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CommunityModel.Primitives;
using CommunityModel.Teams;
using NodaTime;

namespace CommunityModel.Benchmarks;

/// <summary>
/// Attribution of N orders over N/10 customers (Customers = 0) or over 1,000,000 customers, and 200 accounts (each customer assigned once, a tenth of them
/// reassigned mid-period, every account handed over once), with referral credit. Goal: linear in orders,
/// 10,000,000 orders over 1,000,000 customers measured.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class TeamBenchmarks
{
    private static readonly Instant Start = Instant.FromUtc(2026, 1, 1, 0, 0);
    private AccountMatrix _matrix = null!;
    private int[] _buyer = null!;
    private int[] _sponsor = null!;
    private long[] _ticks = null!;

    /// <summary>Orders.</summary>
    [Params(1_000_000, 10_000_000)]
    public int Orders { get; set; }

    /// <summary>Customers: a tenth of the orders, and 1,000,000 for both sizes (linearity in orders at a fixed matrix).</summary>
    [Params(0, 1_000_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var customers = Customers == 0 ? Orders / 10 : Customers;
        var rng = new SeededRandom(9);
        var accounts = Enumerable.Range(0, 200).Select(a => new StaffAccount { Id = AccountId.From("acct" + a.ToString(CultureInfo.InvariantCulture)), Role = AccountRole.Sales, Capacity = 1_000_000 }).ToList();
        _matrix = AccountMatrix.Create(accounts);
        foreach (var a in accounts)
        {
            _matrix.SetOperator(new OperatorChange(a.Id, StaffId.From("staff-" + a.Id.Value), Start));
        }

        var ids = new MemberId[customers];
        var first = new List<CustomerAssignment>(customers);
        for (var c = 0; c < customers; c++)
        {
            ids[c] = MemberId.From("c" + c.ToString(CultureInfo.InvariantCulture));
            first.Add(new CustomerAssignment(ids[c], accounts[rng.NextInt32(200)].Id, Start, "first contact"));
        }

        _matrix.AssignAll(first);
        var mid = Start + Duration.FromDays(45);
        foreach (var a in accounts)
        {
            _matrix.SetOperator(new OperatorChange(a.Id, StaffId.From("next-" + a.Id.Value), mid));
        }

        var moves = new List<CustomerAssignment>();
        for (var c = 0; c < customers; c += 10)
        {
            moves.Add(new CustomerAssignment(ids[c], accounts[rng.NextInt32(200)].Id, mid, "rebalancing"));
        }

        _matrix.AssignAll(moves);
        _buyer = new int[Orders];
        _sponsor = new int[Orders];
        _ticks = new long[Orders];
        var span = Duration.FromDays(90).TotalTicks;
        for (var i = 0; i < Orders; i++)
        {
            var c = rng.NextInt32(customers);
            _buyer[i] = c;
            _sponsor[i] = c == 0 || rng.NextInt32(4) == 0 ? -1 : rng.NextInt32(c);
            _ticks[i] = Start.ToUnixTimeTicks() + (long)(rng.NextDouble() * span);
        }
    }

    [Benchmark(Description = "attribute orders (owner at order, operator, referral credit)")]
    public int Attribute() => Attribution.Attribute(_matrix, _buyer, _ticks, _sponsor).Count;
}
