using System.Collections.Immutable;
using System.Globalization;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using CommunityModel.Scoring;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Simulation;

/// <summary>
/// Runs a store's community day by day from a seed. The simulator only decides behaviour (who arrives, who
/// buys what and when, who refers, talks, asks for a refund); everything the store's rules decide goes
/// through the library's own code: the referral tree, membership evaluations and prices, the commission
/// engine, the payout ledger with holding and refunds, the group rules, ladder metrics, income disclosure,
/// compliance and key-customer scoring. Same settings, same result.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class CommunitySimulator
{
    private const byte Ordinary = 0;
    private const byte Spreader = 1;
    private const byte Promiser = 2;
    private const byte Silent = 3;

    private static readonly string[] Talk =
    [
        "宝宝晚上总是醒, 怎么办?", "这个尺码偏小吗?", "今天的纸尿裤到了, 很软", "谢谢群主的喂养建议", "有没有妈妈试过夜用款?",
        "我家也是这样过来的", "红屁屁用什么好?", "打卡: 今天第一次自己翻身", "周末的线下活动几点?", "推荐给闺蜜了",
    ];

    /// <summary>Validates the settings and runs the simulation, reporting each simulated day as it completes.</summary>
    /// <param name="settings">The settings; defaults when null.</param>
    /// <param name="daysDone">Told the number of days completed after each day (1 to <see cref="SimulationSettings.Days"/>); null for none. The result does not depend on it.</param>
    /// <returns>The result.</returns>
    /// <exception cref="InvalidInputException">The settings are invalid; every problem is listed.</exception>
    public static SimulationResult Run(SimulationSettings? settings = null, IProgress<int>? daysDone = null)
    {
        settings ??= new SimulationSettings();
        SimulationValidation.Check(new SimulationSettingsValidator(), settings);
        return new Simulation(settings).Execute(daysDone);
    }

    private sealed class Simulation
    {
        private readonly SimulationSettings _s;
        private readonly SeededRandom _rng;
        private readonly DateTimeZone _zone;
        private readonly ProductLadder _ladder;
        private readonly MembershipPolicy _policy;
        private readonly CommissionPlan _plan;
        private readonly CommissionEngine _engine;
        private readonly GroupPolicy _groupPolicy;
        private readonly PayoutLedger _ledger;
        private readonly Currency _currency;
        private readonly int _refundDays;

        // Customers, by index (also their index in the referral tree: they join in index order).
        private readonly List<MemberId> _ids = [];
        private readonly Dictionary<MemberId, int> _index = [];
        private readonly List<JoinRecord> _joins = [];
        private readonly List<byte> _archetype = [];
        private readonly List<double> _rate = [];
        private readonly List<double> _dropout = [];
        private readonly List<bool> _alive = [];
        private readonly List<int> _rung = [];
        private readonly List<int> _group = [];
        private readonly List<long> _lastPurchaseTicks = [];
        private int[] _rank = [];
        private readonly Money?[] _repeatPrice = new Money?[64];

        // Facts.
        private readonly List<Order> _orders = [];
        private readonly List<RevenueSource> _sources = [];
        private readonly List<Refund> _refunds = [];
        private readonly List<Purchase> _purchases = [];
        private readonly List<Interaction> _interactions = [];
        private readonly HashSet<int> _refunded = [];

        // Schedules by day.
        private readonly List<int>[] _buyOn;
        private readonly List<int>[] _referOn;
        private readonly List<int>[] _refundOn;

        // Groups.
        private readonly List<GroupState> _groups = [];
        private readonly List<List<int>> _groupMembers = [];
        private readonly List<List<int>> _groupTalkers = [];
        private readonly List<bool> _inGroup = [];
        private readonly Dictionary<GroupDecisionKind, int> _decisions = [];
        private readonly List<(Instant At, int Customer)>[] _pendingJoins;

        // Series and flows.
        private readonly List<SimulationDay> _days = [];
        private readonly List<SimulationPeriod> _periods = [];
        private int _periodOrderStart;
        private int _periodRefundStart;
        private long _gross, _refundTotal, _earned, _companyShare, _reversed, _paidOut;
        private long _cumRevenue, _cumSelf;
        private int[] _tierCounts;
        private ReferralTree? _tree;
        private MembershipBook? _book;
        private CommissionRun? _lastRun;
        private MemberStatuses? _lastStatuses;

        public Simulation(SimulationSettings s)
        {
            _s = s;
            _rng = new SeededRandom(s.Seed);
            _zone = DateTimeZoneProviders.Tzdb[s.ZoneId];
            _ladder = s.Ladder ?? StoreDefaults.Ladder();
            _currency = _ladder.Currency;
            var start = s.StartDate.AtStartOfDayInZone(_zone).ToInstant();
            _policy = s.Membership ?? StoreDefaults.Membership(start, _ladder) with { ZoneId = s.ZoneId };
            _plan = s.Plan ?? StoreDefaults.TwoLevelPlan();
            _engine = new CommissionEngine(_plan);
            _groupPolicy = s.GroupPolicy ?? StoreDefaults.GroupPolicy(start);
            _ledger = new PayoutLedger(_currency, s.HoldingPeriod ?? s.RefundWindow, _zone);
            _refundDays = (int)Math.Max(1, PeriodSpan.MinDays(s.RefundWindow));
            _buyOn = NewSchedule(s.Days);
            _referOn = NewSchedule(s.Days);
            _refundOn = NewSchedule(s.Days);
            _pendingJoins = new List<(Instant, int)>[1];
            _pendingJoins[0] = [];
            _tierCounts = new int[_policy.Tiers.Length];
        }

        public SimulationResult Execute(IProgress<int>? daysDone)
        {
            var partnerRank = Math.Min(_s.PartnerRank, _policy.Tiers.Length - 1);
            for (var d = 0; d < _s.Days; d++)
            {
                var date = _s.StartDate.PlusDays(d);
                var dayStart = date.AtStartOfDayInZone(_zone).ToInstant();
                var dayEnd = date.PlusDays(1).AtStartOfDayInZone(_zone).ToInstant();
                long paid = 0, repeat = 0, referral = 0, refunded = 0;
                var ordersBefore = _orders.Count;

                Arrivals(d, dayStart, dayEnd);
                foreach (var c in _buyOn[d])
                {
                    if (_alive[c])
                    {
                        Buy(c, d, RandomInstant(dayStart, dayEnd, 9, 21), first: false);
                    }
                }

                foreach (var o in _refundOn[d])
                {
                    var order = _orders[o];
                    var at = RandomInstant(dayStart, dayEnd, 10, 20);
                    if (at <= order.PaidAt)
                    {
                        at = order.PaidAt + Duration.FromMinutes(1);
                    }

                    _refunds.Add(new Refund(new RefundId("r" + o.ToString("D7", CultureInfo.InvariantCulture)), order.Id, order.Amount, at));
                    _interactions.Add(new Interaction(MemberId.From(order.Buyer.Value), date, InteractionKind.Complained, order.Product.Value));
                    refunded += order.Amount.MinorUnits;
                }

                _refunds.Sort(_periodRefundStart, _refunds.Count - _periodRefundStart, Comparer<Refund>.Create((a, b) => a.At.CompareTo(b.At)));
                _refundTotal += refunded;
                GroupDay(d, date, dayStart, dayEnd);

                for (var o = ordersBefore; o < _orders.Count; o++)
                {
                    var amount = _orders[o].Amount.MinorUnits;
                    switch (_sources[o])
                    {
                        case RevenueSource.PaidTraffic: paid += amount; break;
                        case RevenueSource.Repeat: repeat += amount; break;
                        default: referral += amount; break;
                    }
                }

                _cumRevenue += paid + repeat + referral;
                _cumSelf += repeat + referral;
                if (date.PlusDays(1).Day == 1 || d == _s.Days - 1)
                {
                    ClosePeriod(date, dayEnd);
                }

                _days.Add(new SimulationDay(date, _ids.Count, [.. _tierCounts], M(paid), M(repeat), M(referral), M(refunded), _cumRevenue == 0 ? 0 : (double)_cumSelf / _cumRevenue));
                daysDone?.Report(d + 1);
            }

            return Finish(partnerRank);
        }

        private static List<int>[] NewSchedule(int days)
        {
            var s = new List<int>[days];
            for (var i = 0; i < days; i++)
            {
                s[i] = [];
            }

            return s;
        }

        private Money M(long minor) => Money.OfMinor(minor, _currency);

        private Instant RandomInstant(Instant dayStart, Instant dayEnd, int fromHour, int toHour)
        {
            var span = (dayEnd - dayStart).TotalSeconds;
            var from = Math.Min(span - 1, fromHour * 3600.0);
            var to = Math.Min(span - 1, toHour * 3600.0);
            return dayStart + Duration.FromSeconds((long)(from + (_rng.NextDouble() * (to - from))));
        }

        private void Arrivals(int d, Instant dayStart, Instant dayEnd)
        {
            var sponsors = new List<int>();
            var paid = Poisson(_s.PaidArrivalsPerDay);
            for (var i = 0; i < paid; i++)
            {
                sponsors.Add(-1);
            }

            sponsors.AddRange(_referOn[d]);
            _rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sponsors));
            var times = new Instant[sponsors.Count];
            for (var i = 0; i < times.Length; i++)
            {
                times[i] = RandomInstant(dayStart, dayEnd, 8, 21);
            }

            Array.Sort(times);
            for (var i = 0; i < sponsors.Count && _ids.Count < _s.MaxCustomers; i++)
            {
                var joined = times[i] + Duration.FromTicks(i);
                if (_joins.Count > 0 && joined <= _joins[^1].JoinedAt)
                {
                    joined = _joins[^1].JoinedAt + Duration.FromTicks(1);
                }

                var c = _ids.Count;
                var id = new MemberId("c" + (c + 1).ToString("D6", CultureInfo.InvariantCulture));
                var sponsor = sponsors[i];
                _ids.Add(id);
                _index[id] = c;
                _joins.Add(new JoinRecord(id, sponsor < 0 ? (MemberId?)null : _ids[sponsor], joined));
                var u = _rng.NextDouble();
                var kind = u < _s.SpreaderShare ? Spreader : u < _s.SpreaderShare + _s.PromiserShare ? Promiser : u < _s.SpreaderShare + _s.PromiserShare + _s.SilentShare ? Silent : Ordinary;
                _archetype.Add(kind);
                _rate.Add(Gamma(_s.PurchaseRateShape) / _s.PurchaseRateAlpha * (kind == Spreader ? 1.5 : 1));
                _dropout.Add(Beta(_s.DropoutA, _s.DropoutB) * (kind == Spreader ? 0.5 : 1));
                _alive.Add(true);
                _rung.Add(-1);
                _group.Add(-1);
                _inGroup.Add(false);
                _lastPurchaseTicks.Add(long.MinValue);
                var date = _s.StartDate.PlusDays(d);
                if (kind == Spreader)
                {
                    _interactions.Add(new Interaction(MemberId.From(id.Value), date, InteractionKind.SharedPost));
                }
                else if (kind == Promiser && _rng.NextBool(0.6))
                {
                    _interactions.Add(new Interaction(MemberId.From(id.Value), date, InteractionKind.PromisedReferral));
                }

                if (_rng.NextBool(0.3))
                {
                    _interactions.Add(new Interaction(MemberId.From(id.Value), date, _rng.NextBool(0.5) ? InteractionKind.AskedPrice : InteractionKind.AskedQuestion));
                }

                Buy(c, d, joined + Duration.FromMinutes(10), first: true);
                _pendingJoins[0].Add((joined + Duration.FromMinutes(20), c));
            }
        }

        private void Buy(int c, int day, Instant at, bool first)
        {
            var rung = _rung[c];
            ProductId product;
            Money price;
            if (first || rung < 0)
            {
                product = _ladder.Rungs[0].Products[0];
                price = _ladder.Rungs[0].Price.Min;
                rung = Math.Max(rung, 0);
            }
            else if (rung + 1 < _ladder.Rungs.Length && _rng.NextBool(rung == 0 ? _s.ClimbToMembership : _s.ClimbToPartnership))
            {
                rung++;
                product = _ladder.Rungs[rung].Products[0];
                price = _ladder.Rungs[rung].Price.Min;
            }
            else
            {
                var everyday = _ladder.Rungs[0];
                product = everyday.Products[^1];
                var tier = c < _rank.Length ? _rank[c] : 0;
                _repeatPrice[tier] ??= _policy.PriceFor(tier, product, everyday.Price.Max).Price;
                price = _repeatPrice[tier]!.Value;
            }

            _rung[c] = rung;
            var o = _orders.Count;
            var order = new Order(new OrderId("o" + (o + 1).ToString("D7", CultureInfo.InvariantCulture)), _ids[c], product, price, at);
            _orders.Add(order);
            _sources.Add(!first ? RevenueSource.Repeat : _joins[c].Sponsor is null ? RevenueSource.PaidTraffic : RevenueSource.Referral);
            _purchases.Add(new Purchase(MemberId.From(_ids[c].Value), _s.StartDate.PlusDays(day), price, ProductId.From(product.Value)));
            _gross += price.MinorUnits;
            if (!first && _rng.NextBool(0.1))
            {
                _interactions.Add(new Interaction(MemberId.From(_ids[c].Value), _s.StartDate.PlusDays(day), _rng.NextBool(0.5) ? InteractionKind.AskedQuestion : InteractionKind.AskedValidityOrGifts));
            }

            _lastPurchaseTicks[c] = at.ToUnixTimeTicks();

            if (_rng.NextBool(_s.RefundProbability))
            {
                var when = day + 1 + _rng.NextInt32(Math.Max(1, _refundDays - 1));
                if (when < _s.Days)
                {
                    _refundOn[when].Add(o);
                    _refunded.Add(o);
                }
            }

            var kind = _archetype[c];
            var refer = kind switch { Spreader => _s.SpreaderReferral, Promiser => 0, Silent => _s.OrdinaryReferral / 4, _ => _s.OrdinaryReferral };
            if (c < _rank.Length && _rank[c] >= _s.PartnerRank)
            {
                refer = Math.Min(1, refer * 2);
            }

            if (_rng.NextBool(refer))
            {
                var when = day + 1 + _rng.NextInt32(7);
                if (when < _s.Days)
                {
                    _referOn[when].Add(c);
                }
            }

            if (_rng.NextBool(Math.Clamp(_dropout[c], 0, 1)))
            {
                _alive[c] = false;
                return;
            }

            var wait = -Math.Log(1 - _rng.NextDouble()) / Math.Max(1e-9, _rate[c]);
            var next = day + (int)Math.Min(_s.Days, Math.Max(1, Math.Ceiling(wait)));
            if (next < _s.Days)
            {
                _buyOn[next].Add(c);
            }
        }

        private void GroupDay(int d, LocalDate date, Instant dayStart, Instant dayEnd)
        {
            var capacity = _groupPolicy.Admission.Capacity;
            var byGroup = new Dictionary<int, List<(Instant At, int Kind, int Customer)>>();
            List<(Instant At, int Kind, int Customer)> EventsOf(int g)
            {
                if (!byGroup.TryGetValue(g, out var list))
                {
                    byGroup[g] = list = [];
                }

                return list;
            }

            foreach (var (at, c) in _pendingJoins[0])
            {
                if (_groups.Count == 0 || _groupMembers[^1].Count >= capacity - 1)
                {
                    var state = new GroupState(_groupPolicy);
                    var host = new MemberId("host-" + (_groups.Count + 1).ToString(CultureInfo.InvariantCulture));
                    var opened = at < dayStart ? at : dayStart;
                    Count(state.Apply(new MemberAdded(opened, host, GroupRole.Host)));
                    _groups.Add(state);
                    _groupMembers.Add([]);
                    _groupTalkers.Add([]);
                }

                var g = _groups.Count - 1;
                _group[c] = g;
                _groupMembers[g].Add(c);
                if (_archetype[c] != Silent)
                {
                    _groupTalkers[g].Add(c);
                }

                EventsOf(g).Add((at, 0, c));
            }

            _pendingJoins[0].Clear();
            var chatty = _s.SpreaderMessagesPerDay;
            for (var g = 0; g < _groups.Count; g++)
            {
                var events = EventsOf(g);
                events.Add((dayStart + Duration.FromHours(9), 2, -1));
                foreach (var c in _groupTalkers[g])
                {
                    if (!_inGroup[c])
                    {
                        continue;
                    }

                    var p = _archetype[c] == Spreader ? chatty : chatty / 5;
                    if (_rng.NextBool(p))
                    {
                        events.Add((RandomInstant(dayStart, dayEnd, 9, 22), 1, c));
                    }
                }

                if ((g + d) % 7 == 6 || d == _s.Days - 1)
                {
                    // The elimination sweep runs once a week per group (staggered), and on the last day.
                    events.Add((dayEnd - Duration.FromMinutes(1), 3, -1));
                }

                events.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Kind.CompareTo(b.Kind));
                string? lastMessage = null;
                var n = 0;
                foreach (var (at, kind, c) in events)
                {
                    switch (kind)
                    {
                        case 0:
                            var outcome = _groups[g].Apply(new JoinRequested(at, _ids[c], _joins[c].Sponsor is null ? JoinChannel.StoreQrScan : JoinChannel.CustomerReferral, new Candidate(true, 1, true, false)));
                            Count(outcome);
                            _inGroup[c] = _groups[g].Contains(_ids[c]);
                            break;
                        case 1:
                            if (!_groups[g].Contains(_ids[c]))
                            {
                                break;
                            }

                            var ad = _rng.NextBool(_s.AdShare);
                            var id = $"{g}-{d}-{n++}";
                            var reply = !ad && lastMessage is not null && _rng.NextBool(0.5) ? lastMessage : null;
                            var text = ad ? "代购奶粉, 加微信 mama" + _rng.NextInt32(1000).ToString(CultureInfo.InvariantCulture) : Talk[_rng.NextInt32(Talk.Length)];
                            Count(_groups[g].Apply(new MessagePosted(at, _ids[c], text, MessageId: id, ReplyTo: reply)));
                            if (reply is not null)
                            {
                                _interactions.Add(new Interaction(MemberId.From(_ids[c].Value), date, InteractionKind.RepliedInGroup));
                            }

                            lastMessage = id;
                            break;
                        case 2:
                            var hostId = new MemberId("host-" + (g + 1).ToString(CultureInfo.InvariantCulture));
                            Count(_groups[g].Apply(new MessagePosted(at, hostId, "早上好, 今天聊聊宝宝的睡眠", MessageId: $"{g}-{d}-h")));
                            lastMessage = $"{g}-{d}-h";
                            break;
                        default:
                            Count(_groups[g].Apply(new TimeTick(at)));
                            break;
                    }
                }
            }

        }

        private void Count(GroupOutcome outcome)
        {
            foreach (var decision in outcome.Decisions)
            {
                _decisions[decision.Kind] = _decisions.GetValueOrDefault(decision.Kind) + 1;

                // Who is in a group follows the rules' decisions.
                if (decision.Member is { } member && _index.TryGetValue(member, out var c))
                {
                    switch (decision.Kind)
                    {
                        case GroupDecisionKind.Admit:
                        case GroupDecisionKind.AdmitFromWaitingList:
                            _inGroup[c] = true;
                            break;
                        case GroupDecisionKind.Remove:
                            _inGroup[c] = false;
                            break;
                    }
                }
            }
        }

        private void ClosePeriod(LocalDate date, Instant cutoff)
        {
            var tree = ReferralTree.Build(_joins);
            for (var i = _tree?.Count ?? 0; i < tree.Count; i++)
            {
                if (tree.MemberAt(i) != _ids[i])
                {
                    throw new InvalidOperationException($"The simulator's join order broke at {i}: the tree has {tree.MemberAt(i)}, the simulator {_ids[i]}.");
                }
            }

            _tree = tree;
            var facts = MembershipFacts.Build(tree, _currency, _orders, _refunds);
            _book ??= MembershipBook.Create(tree, _policy);
            var summary = _book.Evaluate(facts, cutoff, EvaluationKind.Period);
            _rank = _book.Ranks();
            Array.Clear(_tierCounts);
            foreach (var r in _rank)
            {
                _tierCounts[r]++;
            }

            var active = new bool[tree.Count];
            var since = (cutoff - Duration.FromDays(90)).ToUnixTimeTicks();
            for (var i = 0; i < active.Length; i++)
            {
                active[i] = _lastPurchaseTicks[i] >= since;
            }

            var statuses = MemberStatuses.FromArrays(tree, _rank, active);
            var periodOrders = _orders.GetRange(_periodOrderStart, _orders.Count - _periodOrderStart);
            var run = _engine.Run(statuses, periodOrders);
            var recorded = _ledger.Record(run);
            if (!recorded.Accepted)
            {
                throw new InvalidOperationException($"The ledger refused the period's run: {recorded.Message}");
            }

            _earned += run.Totals.TotalPaid.MinorUnits;
            _companyShare += run.Totals.CompanyShare.MinorUnits;
            long reversed = 0;
            for (var r = _periodRefundStart; r < _refunds.Count; r++)
            {
                var refund = _refunds[r];
                var result = _ledger.Refund(refund.Id, refund.Order, refund.Amount, refund.At);
                if (!result.Accepted)
                {
                    throw new InvalidOperationException($"The ledger refused refund {refund.Id}: {result.Message}");
                }

                foreach (var e in result.Entries)
                {
                    reversed -= e.Amount.MinorUnits;
                }
            }

            long paidOut = 0;
            foreach (var earner in _ledger.Earners)
            {
                var payout = _ledger.RecordPayout(earner, cutoff);
                if (payout.Accepted)
                {
                    paidOut += payout.Entries[0].Amount.MinorUnits;
                }
            }

            _reversed += reversed;
            _paidOut += paidOut;
            long sales = 0;
            foreach (var o in periodOrders)
            {
                sales += o.Amount.MinorUnits;
            }

            _periods.Add(new SimulationPeriod(date, tree.Count, [.. _tierCounts], M(sales), run.Totals.TotalPaid, run.Totals.CompanyShare, M(reversed), M(paidOut), summary.Upgrades, summary.Downgrades));
            _periodOrderStart = _orders.Count;
            _periodRefundStart = _refunds.Count;
            _lastRun = run;
            _lastStatuses = statuses;
        }

        private SimulationResult Finish(int partnerRank)
        {
            var tree = _tree!;
            var end = _s.StartDate.PlusDays(_s.Days).AtStartOfDayInZone(_zone).ToInstant();
            var earnings = new long[tree.Count];
            long net = 0;
            foreach (var e in _ledger.Entries)
            {
                if (e.Kind == LedgerEntryKind.Payout)
                {
                    continue;
                }

                earnings[tree.IndexOf(e.Earner)] += e.Amount.MinorUnits;
                net += e.Amount.MinorUnits;
            }

            var tiers = _policy.Tiers.Select(t => t.Id).ToImmutableArray();
            var disclosure = IncomeDisclosure.Compute(_currency, earnings, _rank, partnerRank, [M(10_000), M(100_000)], tiers);
            var context = ComplianceContext.ForPlan(_plan, _ladder) with
            {
                HoldingPeriod = _ledger.HoldingPeriod,
                RefundWindow = _s.RefundWindow,
                PayoutInterval = Period.FromMonths(1),
            };
            var compliance = _s.Compliance.Check(context, new RunEvidence(_lastRun!, _lastStatuses!, partnerRank));
            var ladder = LadderMetrics.Compute(_ladder, _orders, _refunds, tree);
            var lastDay = _s.StartDate.PlusDays(_s.Days - 1);
            IReadOnlyList<KeyCustomerScore> keys = [];
            if (_s.KeyCustomers > 0)
            {
                var facts = CustomerFacts.Build(_purchases, _interactions, lastDay, _currency, tree, _zone);
                keys = new KeyCustomerScorer().Score(facts).Top(_s.KeyCustomers);
            }

            var flows = new MoneyFlows(M(_gross), M(_refundTotal), M(_earned), M(_companyShare), M(_reversed), M(net), M(_paidOut), M(_gross - _refundTotal - net));
            return new SimulationResult(_s, tiers, [.. _days], [.. _periods], flows, disclosure, compliance, ladder, keys,
                _decisions.ToImmutableDictionary(), _groups.Count, tree, _book!, _ledger, _orders, _refunds, [.. _sources], _interactions, [.. _group]);
        }

        private int Poisson(double mean)
        {
            var count = 0;
            while (mean > 0)
            {
                var chunk = Math.Min(mean, 30);
                mean -= chunk;
                var limit = Math.Exp(-chunk);
                var product = _rng.NextDouble();
                while (product > limit)
                {
                    count++;
                    product *= _rng.NextDouble();
                }
            }

            return count;
        }

        private double Normal()
        {
            var u1 = 1 - _rng.NextDouble();
            var u2 = _rng.NextDouble();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }

        private double Gamma(double shape)
        {
            if (shape < 1)
            {
                return Gamma(shape + 1) * Math.Pow(1 - _rng.NextDouble(), 1 / shape);
            }

            // Marsaglia and Tsang.
            var d = shape - (1.0 / 3);
            var c = 1 / Math.Sqrt(9 * d);
            while (true)
            {
                double x, v;
                do
                {
                    x = Normal();
                    v = 1 + (c * x);
                }
                while (v <= 0);

                v = v * v * v;
                var u = 1 - _rng.NextDouble();
                if (Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
                {
                    return d * v;
                }
            }
        }

        private double Beta(double a, double b)
        {
            var x = Gamma(a);
            var y = Gamma(b);
            return x / (x + y);
        }
    }
}
