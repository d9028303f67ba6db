using System.Globalization;
using System.Text;
using System.Text.Json;
using CommunityModel.Cli.Book;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Ladders;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using CommunityModel.Serialization.Json;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Cli;

/// <summary>
/// The store's month-end commands: <c>tiers evaluate</c> and <c>tiers explain</c> (files in, tiers out, no book),
/// <c>book init</c>, <c>close</c> and <c>pay</c> (a store book kept between months).
/// </summary>
public static partial class CliApp
{
    /// <summary>The store's configuration, read and checked together: every file's problems, then the files against each other.</summary>
    private sealed record StoreConfig(CommissionPlan Plan, MembershipPolicy Policy, ProductLadder Ladder, int[] RankOfTier, Period Holding)
    {
        public DateTimeZone Zone => Policy.Zone;

        public Currency Currency => Plan.Currency;

        public Instant StartOf(YearMonth month) => month.OnDayOfMonth(1).AtStartOfDayInZone(Zone).ToInstant();

        public Instant EndOf(YearMonth month) => StartOf(month.PlusMonths(1));
    }

    private static StoreConfig ReadStoreConfig(string planPath, string planJson, string policyPath, string policyJson, string ladderPath, string ladderJson, Period holding)
    {
        var policy = ConfigJson.ReadMembershipPolicy(policyJson);
        if (!policy.IsValid)
        {
            throw Problems(policyPath, policy.Problems);
        }

        var membership = MembershipPolicy.Create(policy.Value!);

        // The plan's own problems, then its ranksByTier against the policy's tiers: each located in the plan file.
        int[] ranks = [];
        var plan = ConfigJson.Read<CommissionPlanDefinition>(planJson, d =>
        {
            var problems = d.Validate();
            if (problems.Count > 0)
            {
                return problems;
            }

            try
            {
                ranks = membership.RanksFor(CommissionPlan.Create(d));
                return [];
            }
            catch (InvalidInputException e)
            {
                return e.Problems;
            }
        });
        if (!plan.IsValid)
        {
            throw Problems(planPath, plan.Problems);
        }

        var ladder = ConfigJson.ReadLadder(ladderJson);
        if (!ladder.IsValid)
        {
            throw Problems(ladderPath, ladder.Problems);
        }

        var built = CommissionPlan.Create(plan.Value!);
        foreach (var (path, currency) in new[] { (policyPath, membership.Currency), (ladderPath, ladder.Value!.Currency) })
        {
            if (currency != built.Currency)
            {
                throw new InputException(path, 0, 0, $"its currency {currency.Code} is not the plan's {built.Currency.Code}");
            }
        }

        return new StoreConfig(built, membership, ProductLadder.Create(ladder.Value!.Currency, ladder.Value.Rungs), ranks, holding);
    }

    private static StoreConfig ReadStoreConfig(BookSettings s, string book) =>
        ReadStoreConfig($"{book} (plan)", s.PlanJson, $"{book} (membership policy)", s.MembershipJson, $"{book} (ladder)", s.LadderJson, PeriodPattern.Roundtrip.Parse(s.Holding).Value);

    private static string ReadConfigText(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");

    // ----- book init -----

    private static int BookInit(Options o, TextWriter stdout)
    {
        var bookPath = o.Required("--book");
        var planPath = o.Required("--plan");
        var policyPath = o.Required("--membership");
        var ladderPath = o.Required("--ladder");
        var holding = PeriodOf(o.Required("--holding"), "--holding");
        if (File.Exists(bookPath) || Directory.Exists(bookPath))
        {
            throw new InputException(bookPath, 0, 0, "exists already; a book is made once (close months into it)");
        }

        OutputFile.Check(bookPath, "--book");
        var (plan, policy, ladder) = (ReadConfigText(planPath), ReadConfigText(policyPath), ReadConfigText(ladderPath));
        var config = ReadStoreConfig(planPath, plan, policyPath, policy, ladderPath, ladder, holding);
        var temp = bookPath + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            StoreBook.Create(temp, new BookSettings(config.Currency.Code, config.Zone.Id, PeriodPattern.Roundtrip.Format(holding), plan, policy, ladder));
            File.Move(temp, bookPath);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new InputException(bookPath, 0, 0, $"--book: cannot write the book here ({e.Message})");
        }
        finally
        {
            File.Delete(temp);
        }

        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                book = bookPath, plan = config.Plan.Name, membershipPolicy = config.Policy.Version,
                ranks = config.Policy.Tiers.Select((t, i) => new { tier = t.Id, rank = config.RankOfTier[i] }),
                holding = PeriodPattern.Roundtrip.Format(holding), zone = config.Zone.Id, currency = config.Currency.Code,
            }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"Made {bookPath}: plan '{config.Plan.Name}', membership policy {config.Policy.Version} (tiers {string.Join(", ", config.Policy.Tiers.Select((t, i) => $"{t.Id} = rank {config.RankOfTier[i]}"))}), holding {PeriodPattern.Roundtrip.Format(holding)}, zone {config.Zone.Id}, {config.Currency.Code}. Close its first month with community close.");
        return 0;
    }

    // ----- close -----

    /// <summary>What rebuilding a book's months gives: the tiers and the ledger, and the last month's run.</summary>
    private sealed record BookState(MembershipBook Membership, PayoutLedger Ledger, CommissionRun? LastRun, MemberStatuses? LastStatuses, long FirstEntryOfLast, OrderBatch AllOrders)
    {
        /// <summary>The last month's run: its lines are in the ledger, so it is let go once its reports are written.</summary>
        public CommissionRun? LastRun { get; set; } = LastRun;

        /// <summary>Every order as a batch: let go with the facts.</summary>
        public OrderBatch? AllOrders { get; set; } = AllOrders;

        /// <summary>The ladder's funnel over every order (made early in a close, while the process holds little).</summary>
        public LadderReport? Ladder { get; set; }
    }

    private static MemberStatuses StatusesOf(StoreConfig config, Referrals.ReferralTree tree, ReadOnlySpan<byte> tiers)
    {
        var ranks = new int[tree.Count];
        for (var m = 0; m < ranks.Length; m++)
        {
            ranks[m] = config.RankOfTier[m < tiers.Length ? tiers[m] : 0];
        }

        var active = new bool[tree.Count];
        Array.Fill(active, true);
        return MemberStatuses.FromArrays(tree, ranks, active);
    }

    /// <summary>
    /// Replays the book's closed months (and the month being closed, when <paramref name="closing"/> is given):
    /// each month's period evaluation of tiers at its end, its orders' commissions at those tiers recorded in the
    /// ledger, its refunds, and its payouts.
    /// </summary>
    private static BookState Replay(StoreBook book, StoreFacts facts, StoreConfig config, YearMonth? closing, Action<byte[], MembershipBook, MembershipFacts>? closingTiers, Phases phases)
    {
        var tree = facts.Tree();
        phases.Mark("referral tree");
        if (closing is null && book.ReadSnapshots(tree, config.Policy, facts) is { } state)
        {
            // pay: the state after the last close and the payouts since; no orders or tiers are needed.
            CheckLedger(book, config, state.Ledger);
            ApplyPayouts(book, facts, state.Ledger, [.. book.Months.Select(m => m.Month)], book.Months.Count - 1, config.Currency);
            return new BookState(state.Membership, state.Ledger, null, null, 0, null!);
        }

        var all = facts.BatchOf(null);
        phases.Mark("order batch");
        // The ladder's funnel needs only the orders: made now, while the process holds little, its report is small.
        var ladder = closing is null ? null : LadderMetrics.Compute(config.Ladder, all, facts.Refunds);
        phases.Mark("ladder metrics");
        ReleaseGarbage(closing);
        var membershipFacts = MembershipFacts.Build(all, facts.Refunds);
        phases.Mark("membership facts");
        ReleaseGarbage(closing);
        var engine = new CommissionEngine(config.Plan);
        var months = book.Months.Select(m => m.Month).ToList();
        if (closing is { } c)
        {
            months.Add(c);
        }

        // Refunds and payouts by month, in book order.
        var refundsOf = Enumerable.Range(0, months.Count).Select(_ => new List<int>()).ToArray();
        for (var r = 0; r < facts.RefundCount; r++)
        {
            refundsOf[facts.RefundMonth[r]].Add(r);
        }

        CommissionRun? run = null;
        MemberStatuses? statuses = null;
        long firstEntry = 0, afterPrevious = 0;
        var from = 0;
        MembershipBook membership;
        PayoutLedger ledger;
        if (book.ReadSnapshots(tree, config.Policy, facts) is { } saved)
        {
            // The state after the last closed month's close, read back: only its payouts, made since, are applied.
            (ledger, membership) = saved;
            CheckLedger(book, config, ledger);

            from = book.Months.Count;
            afterPrevious = ledger.Entries.Count;
            ApplyPayouts(book, facts, ledger, months, from - 1, config.Currency);
            phases.Mark($"state after {months[from - 1]:yyyy-MM} read");
            ReleaseGarbage(closing);
        }
        else
        {
            membership = MembershipBook.Create(tree, config.Policy);
            ledger = new PayoutLedger(config.Currency, config.Holding, config.Zone);
        }

        for (var k = from; k < months.Count; k++)
        {
            var end = config.EndOf(months[k]);
            membership.Evaluate(membershipFacts, end, EvaluationKind.Period);
            phases.Mark($"tiers of {months[k]:yyyy-MM}");
            byte[] tiers;
            if (k < book.Months.Count)
            {
                tiers = book.Months[k].Ranks;
            }
            else
            {
                tiers = [.. membership.Ranks().Select(r => (byte)r)];
                // The closing month's tiers are written now; then its members' facts, needed for nothing else, go.
                closingTiers!(tiers, membership, membershipFacts);
                membershipFacts = null!;
            }

            if (k == months.Count - 1)
            {
                // The month's run and the ledger's columns for its lines are the replay's last large allocations: made
                // with the garbage of the facts and the tiers collected, the process stays near its live memory.
                ReleaseGarbage(closing);
            }

            statuses = StatusesOf(config, tree, tiers);
            // The first month's close holds only that month's orders: the batch of all of them is its batch.
            var batch = months.Count == 1 ? all : facts.BatchOf(k);
            phases.Mark("month's order batch");
            run = engine.Run(statuses, batch);
            phases.Mark("commissions");

            // A month's statement starts after the previous month's refunds: the previous month's payouts, made
            // at this month's first instant, are this month's first entries.
            firstEntry = afterPrevious;
            if (k == months.Count - 1)
            {
                ReleaseGarbage(closing);
            }

            var recorded = ledger.Record(run);
            if (!recorded.Accepted)
            {
                throw new InputException(book.Path, 0, 0, $"the orders of {months[k]} cannot be recorded: {recorded.Message} [{recorded.Code}]");
            }

            foreach (var r in refundsOf[k])
            {
                var result = ledger.Refund(new RefundId(facts.RefundIds[r]), new OrderId(facts.OrderIds[facts.RefundOrder[r]]), Money.OfMinor(facts.RefundAmount[r], config.Currency), NodaTime.Instant.FromUnixTimeTicks(facts.RefundTicks[r]));
                if (!result.Accepted)
                {
                    throw new InputException(book.Path, 0, 0, $"refund '{facts.RefundIds[r]}' cannot be applied: {result.Message} [{result.Code}]");
                }
            }

            phases.Mark("ledger");
            afterPrevious = ledger.Entries.Count;
            ApplyPayouts(book, facts, ledger, months, k, config.Currency);
        }

        return new BookState(membership, ledger, run, statuses, firstEntry, all) { Ladder = ladder };
    }

    private static void CheckLedger(StoreBook book, StoreConfig config, PayoutLedger ledger)
    {
        if (ledger.Currency != config.Currency || ledger.HoldingPeriod != config.Holding || ledger.Zone.Id != config.Zone.Id)
        {
            throw new InputException(book.Path, 0, 0, "the book was changed outside community: its ledger's currency, holding period or zone is not the book's");
        }
    }

    /// <summary>Records the payouts the book holds for a month (made by pay), checking each against the ledger.</summary>
    private static void ApplyPayouts(StoreBook book, StoreFacts facts, PayoutLedger ledger, List<YearMonth> months, int k, Currency currency)
    {
        foreach (var p in book.Payouts.Where(p => p.Month == k))
        {
            var result = ledger.RecordPayout(new MemberId(facts.MemberIds[p.Earner]), NodaTime.Instant.FromUnixTimeTicks(p.AtTicks));
            var amount = Math.Abs(result.Entries.Sum(e => e.Amount.MinorUnits));
            if (!result.Accepted || amount != p.Amount)
            {
                throw new InputException(book.Path, 0, 0, $"the book was changed outside community: the payout to '{facts.MemberIds[p.Earner]}' in {months[k]} was {Money.OfMinor(p.Amount, currency)}; its facts now give {Money.OfMinor(amount, currency)}");
            }
        }
    }

    /// <summary>
    /// In a close, between its phases that build large models, collects the garbage of the last phase and gives the
    /// memory back to the system: a close of 10M orders holds up to 3.7 GB of live models, and without this its
    /// garbage took the process to 7 GB. Each collection costs under a second at that size.
    /// </summary>
    private static void ReleaseGarbage(YearMonth? closing)
    {
        if (closing is not null)
        {
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    private static YearMonth MonthOf(string text, string option) =>
        YearMonthPattern.Iso.Parse(text) is { Success: true } r ? r.Value : throw new UsageException($"{option} '{text}' is not a month such as 2026-03");

    /// <summary>The process's peak resident memory so far (Linux: VmHWM), or its working set now elsewhere.</summary>
    private static long PeakSoFar()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return Environment.WorkingSet;
    }

    /// <summary>Prints, with <c>--timings</c>, how long each phase of a command took (to standard error).</summary>
    private sealed class Phases(TextWriter? to)
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private long _last;

        public void Mark(string phase)
        {
            if (to is null)
            {
                return;
            }

            var now = _clock.ElapsedMilliseconds;
            to.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {phase,-34} {now - _last,7} ms  (working set {Environment.WorkingSet / (1 << 20)} MB, peak so far {PeakSoFar() / (1 << 20)} MB, managed heap after the last collection {GC.GetGCMemoryInfo().HeapSizeBytes / (1 << 20)} MB, collections so far {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)} of generation 0/1/2)"));
            _last = now;
        }
    }

    private static int Close(Options o, TextWriter stdout, TextWriter stderr)
    {
        var phases = new Phases(o.Flag("--timings") ? stderr : null);
        if (o.Optional("--out") == "-")
        {
            throw new UsageException("close writes eight files: --out names a folder, not standard output");
        }

        var bookPath = o.Required("--book");
        var month = MonthOf(o.Required("--month"), "--month");
        var ordersPath = o.Required("--orders");
        var outDir = o.Required("--out");
        var membersPath = o.Optional("--members");
        var refundsPath = o.Optional("--refunds");
        var profileName = o.Optional("--profile") ?? "two-level";
        var profile = ComplianceProfiles.Find(profileName) ?? throw new UsageException($"unknown profile '{profileName}'");
        var outFull = Path.GetFullPath(outDir);
        if (File.Exists(outFull) || (Directory.Exists(outFull) && Directory.EnumerateFileSystemEntries(outFull).Any()))
        {
            throw new InputException(outDir, 0, 0, "--out must name a new or empty folder for the month's files");
        }

        if (Path.GetDirectoryName(outFull) is not { } parent || !Directory.Exists(parent))
        {
            throw new InputException(outDir, 0, 0, $"--out: the folder {Path.GetDirectoryName(outFull)} does not exist");
        }

        // The month's files go to a folder beside the target, renamed into place once the book has committed; made
        // first, so an --out that cannot be written is found before any work.
        var temp = Path.Combine(Path.GetDirectoryName(outFull)!, "." + Path.GetFileName(outFull) + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(outDir, 0, 0, $"--out: cannot write here ({e.Message})");
        }

        try
        {
            return CloseInto(o, stdout, phases, bookPath, month, ordersPath, outDir, outFull, temp, membersPath, refundsPath, profile);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new InputException(bookPath, 0, 0, $"the book could not be read or written ({e.Message}); nothing changed");
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private static int CloseInto(Options o, TextWriter stdout, Phases phases, string bookPath, YearMonth month, string ordersPath, string outDir, string outFull, string temp, string? membersPath, string? refundsPath, ComplianceProfile profile)
    {
        using var book = StoreBook.OpenForWrite(bookPath, s => new StoreFacts(Currency.FromCode(s.Currency)), out var facts);
        var config = ReadStoreConfig(book.Settings, bookPath);
        phases.Mark("open the book");
        if (book.Months.FirstOrDefault(m => m.Month == month) is { } done)
        {
            throw new InputException(bookPath, 0, 0, $"{month:yyyy-MM} is already closed (on {done.ClosedAt}); nothing changed");
        }

        if (book.Months.Count > 0 && month != book.Months[^1].Month.PlusMonths(1))
        {
            var next = book.Months[^1].Month.PlusMonths(1);
            throw new InputException(bookPath, 0, 0, month < next
                ? $"{month:yyyy-MM} is before the book's first month {book.Months[0].Month:yyyy-MM}; nothing changed"
                : $"months close in order: the next month to close is {next:yyyy-MM}, not {month:yyyy-MM}; nothing changed");
        }

        var range = new MonthRange(book.Months.Count, month.ToString("yyyy-MM", CultureInfo.InvariantCulture), config.StartOf(month), config.EndOf(month),
            [.. book.Months.Select(m => (m.Month, config.StartOf(m.Month), config.EndOf(m.Month)))]);
        var (firstMember, firstOrder, firstRefund) = (facts.MemberCount, facts.OrderCount, facts.RefundCount);
        var members = membersPath is null ? (0, 0) : MonthFiles.ReadMembers(membersPath, facts, range);
        phases.Mark("read members");
        var orders = MonthFiles.ReadOrders(ordersPath, facts, range);
        phases.Mark("read orders");
        var refunds = refundsPath is null ? (0, 0) : MonthFiles.ReadRefunds(refundsPath, facts, range);
        facts.ReleaseOrderIndex();
        phases.Mark("read refunds");

        byte[] tiers = [];
        var tierBefore = book.Months.Count > 0 ? book.Months[^1].Ranks : [];
        var changes = (Ups: 0, Downs: 0);
        var state = Replay(book, facts, config, month, (t, membership, membershipFacts) =>
        {
            tiers = t;
            changes = WriteTiers(temp, config, membership, membershipFacts, month, tierBefore, t);
            phases.Mark("tiers.csv");
        }, phases);
        // The book's append (SQLite on one thread: the month's rows, then the snapshots of the ledger and the membership
        // book that the next close reads instead of replaying) runs beside the month's files: both only read the facts
        // and the state, and much of the files' time is the machine writing them. Nothing is committed until both have
        // ended well.
        var closedAt = SystemClock.Instance.GetCurrentInstant().ToString();
        var appending = Task.Run(() =>
        {
            book.AppendMonth(facts, month, closedAt, tiers, firstMember, firstOrder, firstRefund);
            book.WriteSnapshots(state.Ledger, state.Membership);
        });
        string summary;
        try
        {
            summary = WriteMonth(temp, facts, config, state, month, changes, profile, phases);
        }
        catch
        {
            // The append ends (well or not) before the book, and its transaction, is disposed.
            ((IAsyncResult)appending).AsyncWaitHandle.WaitOne();
            throw;
        }

        appending.GetAwaiter().GetResult();
        phases.Mark("append to the book (its rest)");
        book.Commit();
        phases.Mark("commit");
        if (Directory.Exists(outFull))
        {
            Directory.Delete(outFull);
        }

        Directory.Move(temp, outFull);
        var known = members.Item2 + orders.Item2 + refunds.Item2;
        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                month = month.ToString("yyyy-MM", CultureInfo.InvariantCulture), book = bookPath, @out = outDir,
                added = new { members = members.Item1, orders = orders.Item1, refunds = refunds.Item1 },
                alreadyInTheBook = new { members = members.Item2, orders = orders.Item2, refunds = refunds.Item2 },
                summary,
                files = new[] { "tiers.csv", "payouts-available.csv", "pending.csv", "statements.csv", "statement-totals.csv", "ladder-metrics.csv", "income-disclosure.csv", "compliance.md" },
            }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"Closed {month:yyyy-MM} in {bookPath}: {members.Item1} new members, {orders.Item1} orders, {refunds.Item1} refunds"
            + (known > 0 ? $" ({members.Item2} members, {orders.Item2} orders and {refunds.Item2} refunds were already in the book: skipped, unchanged)" : "") + ".");
        stdout.WriteLine(summary);
        stdout.WriteLine($"Files in {outDir}: tiers.csv, payouts-available.csv, pending.csv, statements.csv, statement-totals.csv, ladder-metrics.csv, income-disclosure.csv, compliance.md. Pay with: community pay --book {bookPath} --month {month:yyyy-MM} --paid {Path.Combine(outDir, "payouts-available.csv")}");
        return 0;
    }

    /// <summary>Writes tiers.csv (every member's tier at the month's end, with its reasons) and counts the changes.</summary>
    private static (int Ups, int Downs) WriteTiers(string folder, StoreConfig config, MembershipBook membership, MembershipFacts membershipFacts, YearMonth month, byte[] tierBefore, byte[] tiers)
    {
        var end = config.EndOf(month);
        var policy = config.Policy;
        var tree = membershipFacts.Tree;
        int ups = 0, downs = 0;
        using (var file = OutputFile.CreateLarge(Path.Combine(folder, "tiers.csv"), "--out"))
        {
            var w = file.Writer;
            w.Write("member_id,tier,tier_name,rank,since,previous_tier,change,criteria_met,next_tier,to_next,to_keep\n");
            var since = membership.Standings(end);
            foreach (var e in membership.ExplainAll(membershipFacts, end))
            {
                var m = tree.IndexOf(e.Member);
                var tier = tiers[m];
                var before = m < tierBefore.Length ? tierBefore[m] : -1;
                var change = before < 0 ? "new" : tier > before ? "up" : tier < before ? "down" : "";
                ups += change == "up" || (change == "new" && tier > 0) ? 1 : 0;
                downs += change == "down" ? 1 : 0;
                WriteTierRow(w, e, policy, tier, config.RankOfTier[tier], since[m].Since, before < 0 ? "" : policy.Tiers[before].Id, change);
            }

            file.Commit();
        }

        return (ups, downs);
    }

    /// <summary>Writes income-disclosure.csv and compliance.md from the month's run; returns its sales, what it paid and whether compliance found errors.</summary>
    private static (Money Sales, Money PaidOut, bool ComplianceErrors) WriteRunReports(string folder, StoreConfig config, BookState state, YearMonth month, ComplianceProfile profile, Phases phases)
    {
        var currency = config.Currency;
        var policy = config.Policy;
        // income-disclosure.csv: the month's commissions, by rank (named by the tiers that map to it).
        var minimum = config.Plan.Definition.Levels?.MinimumRank ?? 0;
        var rankNames = Enumerable.Range(0, config.RankOfTier.Max() + 1)
            .Select(r => string.Join("/", policy.Tiers.Where((t, i) => config.RankOfTier[i] == r).Select(t => t.Name.Length > 0 ? t.Name : t.Id)) is { Length: > 0 } n ? n : $"rank {r}").ToList();
        var disclosure = IncomeDisclosure.FromRun(state.LastRun!.Totals, state.LastStatuses!, minimum, rankNames: rankNames);
        using (var file = OutputFile.Create(Path.Combine(folder, "income-disclosure.csv"), "--out"))
        {
            var w = file.Writer;
            w.Write("group,people,earners,total,mean,median,max,share_earning_nothing,currency\n");
            foreach (var d in new[] { disclosure.AllPartners }.Concat(disclosure.ByRank))
            {
                w.Write(string.Create(CultureInfo.InvariantCulture,
                    $"{Csv.Field(d.Group)},{d.People},{d.Earners},{d.Total.FormatAmount()},{d.Mean.FormatAmount()},{d.Median.FormatAmount()},{d.Max.FormatAmount()},{d.ShareEarningNothing:0.####},{currency.Code}\n"));
            }

            file.Commit();
        }

        phases.Mark("income disclosure");
        // compliance.md: the plan's findings on the month's actual run.
        var context = ComplianceContext.ForPlan(config.Plan, config.Ladder) with { HoldingPeriod = config.Holding };
        var report = profile.Check(context, new RunEvidence(state.LastRun!, state.LastStatuses!, minimum));
        OutputFile.Write(Path.Combine(folder, "compliance.md"), "--out",
            $"# Compliance of {month:yyyy-MM}: plan '{config.Plan.Name}', profile {profile.Name}\n\n```\n{report.Describe()}```\n");

        phases.Mark("compliance");
        return (state.LastRun!.Totals.TotalSales, state.LastRun.Totals.TotalPaid, report.HasErrors);
    }

    /// <summary>Writes the month's files into <paramref name="folder"/> and returns the summary lines.</summary>
    private static string WriteMonth(string folder, StoreFacts facts, StoreConfig config, BookState state, YearMonth month, (int Ups, int Downs) changes, ComplianceProfile profile, Phases phases)
    {
        var currency = config.Currency;
        var end = config.EndOf(month);
        var policy = config.Policy;

        // The reports on the month's run first (the run is let go after them).
        var (sales, paidOut, complianceErrors) = WriteRunReports(folder, config, state, month, profile, phases);

        // The run's lines are in the ledger: let the run go before the large files are written, and give the memory
        // the replay used back to the system.
        state.LastRun = null;
        ReleaseGarbage(month);
        phases.Mark("memory released");


        state.AllOrders = null;
        // ladder-metrics.csv
        var ladder = state.Ladder!;
        using (var file = OutputFile.Create(Path.Combine(folder, "ladder-metrics.csv"), "--out"))
        {
            var w = file.Writer;
            w.Write("rung,role,customers_reached,converted_to_next,conversion_to_next,median_days_to_next,customers_top_here,revenue_top_here,currency\n");
            foreach (var r in ladder.Rungs)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture,
                    $"{Csv.Field(r.Rung.Id)},{r.Rung.Role},{r.CustomersReached},{r.ConvertedToNext},{r.ConversionToNext:0.####},{(r.MedianTimeToNext is { } d ? d.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) : "")},{r.CustomersTopHere},{r.RevenueTopHere.FormatAmount()},{currency.Code}\n"));
            }

            file.Commit();
        }

        phases.Mark("ladder-metrics.csv");

        // payouts-available.csv and pending.csv
        // Every earner's month: the balances at its end (payouts-available.csv, pending.csv) and its movements (statement-totals.csv).
        var balances = state.Ledger.Statements((int)state.FirstEntryOfLast, end);
        long available = 0, pending = 0;
        using (var pay = OutputFile.Create(Path.Combine(folder, "payouts-available.csv"), "--out"))
        using (var hold = OutputFile.CreateLarge(Path.Combine(folder, "pending.csv"), "--out"))
        {
            pay.Writer.Write("earner_id,available,currency\n");
            hold.Writer.Write("earner_id,pending,currency\n");
            foreach (var b in balances)
            {
                if (b.Available.MinorUnits > 0)
                {
                    available += b.Available.MinorUnits;
                    pay.Writer.Write($"{Csv.Field(b.Earner.Value)},{b.Available.FormatAmount()},{currency.Code}\n");
                }

                if (b.Pending.MinorUnits != 0)
                {
                    pending += b.Pending.MinorUnits;
                    hold.Writer.Write($"{Csv.Field(b.Earner.Value)},{b.Pending.FormatAmount()},{currency.Code}\n");
                }
            }

            pay.Commit();
            hold.Commit();
        }

        phases.Mark("balances");
        // statements.csv: the month's ledger entries in the ledger's order (each made and written once);
        // statement-totals.csv: per earner, the month from opening to closing.
        using (var file = OutputFile.CreateLarge(Path.Combine(folder, "statements.csv"), "--out"))
        {
            var w = file.Writer;
            w.Write(StatementLines.Header);
            // Entries are read from the ledger's columns and rendered on every core, a block at a time, and written in
            // order while the next block is rendered (the file, some 2.8 GB for 20M lines, bypasses the page cache:
            // OutputFile.CreateLarge); nothing is allocated per line.
            var ledger = state.Ledger;
            var total = ledger.Entries.Count;
            const int Block = 1 << 16;
            var parts = Math.Max(1, Environment.ProcessorCount * 2);
            var excel = Csv.Excel;
            StatementLines[][] sets = [new StatementLines[parts], new StatementLines[parts]];
            // The lines are encoded to UTF-8 on the cores that render them and written as bytes, so the one writing
            // thread only writes (through any other writer, as text).
            w.Flush();
            var bytes = (w as StreamWriter)?.BaseStream;
            Task? writing = null;
            var round = 0;
            for (var from = (int)state.FirstEntryOfLast; from < total; from += Block, round++)
            {
                var count = Math.Min(Block, total - from);
                var size = (count + parts - 1) / parts;
                var texts = sets[round & 1];
                var start = from;
                Parallel.For(0, parts, k =>
                {
                    var lines = texts[k] ??= new StatementLines(ledger, config.Zone, excel);
                    lines.Clear();
                    for (var j = k * size; j < Math.Min(count, (k + 1) * size); j++)
                    {
                        lines.Append(start + j);
                    }

                    if (bytes is not null)
                    {
                        lines.Encode();
                    }
                });

                writing?.GetAwaiter().GetResult();
                writing = Task.Run(() =>
                {
                    foreach (var lines in texts)
                    {
                        if (bytes is not null)
                        {
                            bytes.Write(lines.WrittenUtf8);
                        }
                        else
                        {
                            w.Write(lines.Written);
                        }
                    }
                });
            }

            writing?.GetAwaiter().GetResult();
            file.Commit();
        }

        phases.Mark("statements.csv");
        using (var file = OutputFile.CreateLarge(Path.Combine(folder, "statement-totals.csv"), "--out"))
        {
            var w = file.Writer;
            w.Write("earner_id,opening_earned,commissions,cancellations,clawbacks,paid,closing_earned,owed,pending,available,currency\n");
            foreach (var b in balances)
            {
                w.Write($"{Csv.Field(b.Earner.Value)},{b.Opening.FormatAmount()},{b.Commissions.FormatAmount()},{b.Cancellations.FormatAmount()},{b.Clawbacks.FormatAmount()},{b.PaidOut.FormatAmount()},{b.Closing.FormatAmount()},{b.Owed.FormatAmount()},{b.Pending.FormatAmount()},{b.Available.FormatAmount()},{currency.Code}\n");
            }

            file.Commit();
        }

        phases.Mark("statement-totals.csv");
        return $"Tiers at {Iso(end, config.Zone)}: {changes.Ups} up, {changes.Downs} down. Sales {sales}, commissions {paidOut} this month; available to pay {Money.OfMinor(available, currency)}, pending {Money.OfMinor(pending, currency)}"
            + (complianceErrors ? $"; compliance ({profile.Name}): errors, see compliance.md." : ".");
    }

    private static void WriteTierRow(TextWriter w, TierExplanation e, MembershipPolicy policy, int tier, int rank, Instant since, string previous, string change)
    {
        var t = policy.Tiers[tier];
        w.Write(Csv.Field(e.Member.Value));
        w.Write(',');
        w.Write(Csv.Field(t.Id));
        w.Write(',');
        w.Write(Csv.Field(t.Name));
        w.Write(',');
        w.Write(rank.ToString(CultureInfo.InvariantCulture));
        w.Write(',');
        w.Write(Iso(since, policy.Zone));
        w.Write(',');
        w.Write(Csv.Field(previous));
        w.Write(',');
        w.Write(change);
        w.Write(',');
        w.Write(Csv.Field(string.Join("; ", e.Decision.Criteria.Where(c => c.Met).Select(c => c.Criterion))));
        w.Write(',');
        w.Write(Csv.Field(e.NextTier ?? ""));
        w.Write(',');
        w.Write(Csv.Field(e.DistanceToNext ?? ""));
        w.Write(',');
        w.Write(Csv.Field(e.DistanceToKeep ?? ""));
        w.Write('\n');
    }

    private static readonly OffsetDateTimePattern IsoSeconds = OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<m>");

    private static string Iso(Instant at, DateTimeZone zone) => IsoSeconds.Format(at.InZone(zone).ToOffsetDateTime());

    // ----- pay -----

    private static int Pay(Options o, TextWriter stdout)
    {
        var bookPath = o.Required("--book");
        var month = MonthOf(o.Required("--month"), "--month");
        var paidPath = o.Required("--paid");
        using var book = StoreBook.OpenForWrite(bookPath, s => new StoreFacts(Currency.FromCode(s.Currency)), out var facts);
        var config = ReadStoreConfig(book.Settings, bookPath);
        if (book.Months.Count == 0 || book.Months.All(m => m.Month != month))
        {
            throw new InputException(bookPath, 0, 0, $"{month:yyyy-MM} is not closed; close it before paying it");
        }

        var last = book.Months[^1];
        if (last.Month != month)
        {
            throw new InputException(bookPath, 0, 0, $"only the last closed month ({last.Month:yyyy-MM}) can be paid; {month:yyyy-MM} is past");
        }

        if (last.PaidAt is not null)
        {
            throw new InputException(bookPath, 0, 0, $"{month:yyyy-MM} was paid already ({last.PaidAt}); nothing changed");
        }

        var state = Replay(book, facts, config, null, null, new Phases(null));
        var at = config.EndOf(month);
        var available = state.Ledger.Balances(at).Where(b => b.Available.MinorUnits > 0).ToDictionary(b => b.Earner.Value, b => b.Available.MinorUnits, StringComparer.Ordinal);
        var payouts = new List<StoredPayout>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var csv = CsvInput.Open(paidPath, "earner_id", "available", "currency"))
        {
            int ce = csv.Column("earner_id"), ca = csv.Column("available"), cc = csv.Column("currency");
            csv.ForEach(row =>
            {
                var earner = row.Text(ce);
                var m = facts.FindMember(earner);
                if (m < 0)
                {
                    throw row.Error(ce, $"unknown member '{earner}' (not in the book)");
                }

                if (seen.TryGetValue(earner, out var line))
                {
                    throw row.Error(ce, $"earner '{earner}' appears again (first on line {line})");
                }

                seen[earner] = row.Line;
                if (!row[cc].SequenceEqual(config.Currency.Code))
                {
                    throw row.Error(cc, $"'{row[cc]}' is not the store's currency {config.Currency.Code}");
                }

                if (!Money.TryParse(row[ca], config.Currency, out var amount))
                {
                    throw row.Error(ca, $"'{row[ca]}' is not an amount in major units of {config.Currency.Code}");
                }

                var due = available.GetValueOrDefault(earner);
                if (amount.MinorUnits != due)
                {
                    throw row.Error(ca, $"the book has {Money.OfMinor(due, config.Currency)} available for '{earner}' at the end of {month:yyyy-MM}, not {amount}; pay what close wrote in payouts-available.csv");
                }

                payouts.Add(new StoredPayout(last.Number, m, due, at.ToUnixTimeTicks()));
            });
        }

        foreach (var p in payouts)
        {
            state.Ledger.RecordPayout(new MemberId(facts.MemberIds[p.Earner]), at);
        }

        book.AppendPayouts(payouts, Iso(at, config.Zone));
        book.Commit();
        var total = Money.OfMinor(payouts.Sum(p => p.Amount), config.Currency);
        var left = available.Count - payouts.Count;
        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { month = month.ToString("yyyy-MM", CultureInfo.InvariantCulture), earners = payouts.Count, total = total.ToString(), keptForNextMonth = left }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"Paid {month:yyyy-MM}: {payouts.Count} earners, {total}" + (left > 0 ? $"; {left} earners with money available were not in {paidPath} and keep it for next month." : "."));
        return 0;
    }

    // ----- tiers evaluate / explain (files only, no book) -----

    private static (StoreFacts Facts, MembershipPolicy Policy, Instant At, Instant PeriodStart) ReadTierFiles(Options o)
    {
        var policyPath = o.Required("--membership");
        var membersPath = o.Required("--members");
        var ordersPath = o.Required("--orders");
        var read = ConfigJson.ReadMembershipPolicy(ReadConfigText(policyPath));
        if (!read.IsValid)
        {
            throw Problems(policyPath, read.Problems);
        }

        var policy = MembershipPolicy.Create(read.Value!);
        if (o.Optional("--ladder") is { } ladderPath)
        {
            var ladder = ConfigJson.ReadLadder(ReadConfigText(ladderPath));
            if (!ladder.IsValid)
            {
                throw Problems(ladderPath, ladder.Problems);
            }

            if (ladder.Value!.Currency != policy.Currency)
            {
                throw new InputException(ladderPath, 0, 0, $"its currency {ladder.Value.Currency.Code} is not the policy's {policy.Currency.Code}");
            }

            // The store's ladder file is the ladder whose rungs unlock tiers.
            policy = MembershipPolicy.Create(policy with { Ladder = ProductLadder.Create(ladder.Value.Currency, ladder.Value.Rungs) });
        }

        var asOfText = o.Required("--as-of");
        var day = LocalDatePattern.Iso.Parse(asOfText) is { Success: true } d ? d.Value : throw new UsageException($"--as-of '{asOfText}' is not a date such as 2026-03-31");
        var at = day.PlusDays(1).AtStartOfDayInZone(policy.Zone).ToInstant();
        var periodStart = new LocalDate(day.Year, day.Month, 1).AtStartOfDayInZone(policy.Zone).ToInstant();
        var facts = new StoreFacts(policy.Currency);
        MonthFiles.ReadMembers(membersPath, facts, MonthRange.Unbounded);
        MonthFiles.ReadOrders(ordersPath, facts, MonthRange.Unbounded);
        if (o.Optional("--refunds") is { } refundsPath)
        {
            MonthFiles.ReadRefunds(refundsPath, facts, MonthRange.Unbounded);
        }

        return (facts, policy, at, periodStart);
    }

    private static int TiersEvaluate(Options o, TextWriter stdout)
    {
        var outPath = o.Required("--out");
        OutputFile.Check(outPath, "--out");
        var (facts, policy, at, periodStart) = ReadTierFiles(o);
        var tree = facts.Tree();
        var membershipFacts = MembershipFacts.Build(facts.BatchOf(null), facts.Refunds);
        var book = MembershipBook.Create(tree, policy);

        // The tiers the facts gave at the start of the as-of date's month, then that month's period evaluation.
        book.Evaluate(membershipFacts, periodStart, EvaluationKind.UpgradesOnly);
        var before = book.Ranks();
        var summary = book.Evaluate(membershipFacts, at, EvaluationKind.Period);
        var after = book.Ranks();
        var since = book.Standings(at);
        var counts = new int[policy.Tiers.Length];
        using (var file = OutputFile.Create(outPath, "--out"))
        {
            file.Writer.Write("member_id,tier,tier_name,rank,since,previous_tier,change,criteria_met,next_tier,to_next,to_keep\n");
            foreach (var e in book.ExplainAll(membershipFacts, at))
            {
                var m = tree.IndexOf(e.Member);
                var joinedBefore = tree.JoinedAtIndex(m) <= periodStart;
                var change = !joinedBefore ? "new" : after[m] > before[m] ? "up" : after[m] < before[m] ? "down" : "";
                counts[after[m]]++;
                WriteTierRow(file.Writer, e, policy, after[m], after[m], since[m].Since, joinedBefore ? policy.Tiers[before[m]].Id : "", change);
            }

            file.Commit();
        }

        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                asOf = Iso(at, policy.Zone), policy = policy.Version, evaluated = summary.Evaluated,
                tiers = policy.Tiers.Select((t, i) => new { id = t.Id, name = t.Name, members = counts[i] }),
                up = summary.Upgrades, down = summary.Downgrades, @out = outPath,
            }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"{summary.Evaluated} members evaluated at {Iso(at, policy.Zone)} (policy {policy.Version}): {string.Join(", ", policy.Tiers.Select((t, i) => $"{counts[i]} {(t.Name.Length > 0 ? t.Name : t.Id)}"))}; {summary.Upgrades} up and {summary.Downgrades} down this month. Written to {outPath}.");
        return 0;
    }

    private static int TiersExplain(Options o, TextWriter stdout)
    {
        var memberId = o.Required("--member");
        var (facts, policy, at, _) = ReadTierFiles(o);
        var tree = facts.Tree();
        if (!tree.TryGetIndex(memberId, out _))
        {
            throw new UsageException($"--member '{memberId}' is not in {o.Required("--members")}");
        }

        var membershipFacts = MembershipFacts.Build(facts.BatchOf(null), facts.Refunds);
        var book = MembershipBook.Create(tree, policy);
        book.Evaluate(membershipFacts, at, EvaluationKind.Period);
        var e = book.Explain(membershipFacts, new MemberId(memberId), at);
        string Name(string id) => policy.Tiers[policy.IndexOf(id)] is { Name.Length: > 0 } t ? $"{t.Name} ({id})" : id;
        if (o.Flag("--json"))
        {
            static object Criteria(IEnumerable<CriterionResult> list) => list.Select(c => new { criterion = c.Criterion, met = c.Met, shortfall = c.Shortfall });
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                member = memberId, asOf = Iso(at, policy.Zone), policy = policy.Version, tier = e.CurrentTier,
                tierName = policy.Tiers[policy.IndexOf(e.CurrentTier)].Name, criteria = Criteria(e.Decision.Criteria),
                nextTier = e.NextTier, toNext = e.DistanceToNext, nextTierCriteria = Criteria(e.NextTierCriteria), toKeep = e.DistanceToKeep,
                protectedUntil = e.ProtectedUntil is { } until ? Iso(until, policy.Zone) : null,
                paidTier = e.PaidTier, paidUntil = e.PaidUntil is { } paidEnd ? Iso(paidEnd, policy.Zone) : null,
            }, JsonOut));
            return 0;
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{memberId} at {Iso(at, policy.Zone)} (policy {policy.Version}): {Name(e.CurrentTier)}\n");
        foreach (var c in e.Decision.Criteria)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {(c.Met ? "met    " : "not met")}  {c.Criterion}{(c.Shortfall is { } s ? $": {s}" : "")}\n");
        }

        if (e.NextTier is { } next)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Next: {Name(next)}{(e.DistanceToNext is { } d ? $": {d}" : "")}\n");
            foreach (var c in e.NextTierCriteria)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  {(c.Met ? "met    " : "not met")}  {c.Criterion}{(c.Shortfall is { } s ? $": {s}" : "")}\n");
            }
        }

        if (e.DistanceToKeep is { } keep)
        {
            sb.Append(CultureInfo.InvariantCulture, $"To keep {Name(e.CurrentTier)}: {keep}\n");
        }

        if (e.ProtectedUntil is { } p)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Protected from downgrade until {Iso(p, policy.Zone)}\n");
        }

        if (e.PaidTier is { } paid)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Paid membership: {Name(paid)} until {Iso(e.PaidUntil!.Value, policy.Zone)}\n");
        }

        stdout.Write(sb.ToString());
        return 0;
    }
}
