using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using CommunityModel.Commissions;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Cli;

/// <summary>The <c>commissions</c> command: members, orders (and ranks, refunds) from CSV files to a payout file.</summary>
public static partial class CliApp
{
    /// <summary>
    /// Which path runs: without <c>--lines</c>, <c>--refunds</c> and <c>--holding</c>, totals only
    /// (<see cref="CommissionEngine.RunTotals"/>); otherwise the detailed run recorded in a <see cref="PayoutLedger"/>.
    /// Files are read row by row into columns; nothing is written until everything is computed, and then each
    /// output goes to a temporary file in its folder, renamed at the end.
    /// </summary>
    private static int Commissions(Options o, TextWriter stdout, TextWriter stderr, ProgressBar progress)
    {
        using var bar = progress;
        var phases = new Phases(o.Flag("--timings") ? stderr : null);
        var planPath = o.Required("--plan");
        var membersPath = o.Required("--members");
        var ordersPath = o.Required("--orders");
        var outPath = o.Required("--out");
        var linesPath = o.Optional("--lines");
        OutputFile.Check(outPath, "--out");
        if (linesPath is not null)
        {
            OutputFile.Check(linesPath, "--lines");
        }

        var holding = o.Optional("--holding") is { } h ? PeriodOf(h, "--holding") : null;
        // A zone named is checked now; the default is looked up only by the ledger path (opening the time zone
        // database costs ~50 ms, which the totals path does not need).
        var zone = o.Optional("--zone") is { } zoneName
            ? DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneName) ?? throw new UsageException($"--zone '{zoneName}' is not an IANA time zone such as Asia/Shanghai")
            : null;
        Instant? asOf = o.Optional("--as-of") is { } a
            ? IsoInstant.TryParse(a, out var at) ? at : throw new UsageException($"--as-of '{a}' is not an ISO 8601 instant with an offset, such as 2026-03-31T23:59:59+08:00")
            : null;
        // The plan is read on another core while the members' ids are interned on one (its reading is mostly one-time
        // compilation; during the parse of the members file every core is busy); a bad plan is reported before a bad
        // members file, as when they were read in turn.
        Task<CommissionPlan>? planTask = null;
        Task<CommissionPlan> StartPlan() => planTask ??= Task.Run(() => ReadPlan(planPath));
        ReferralTree tree;
        try
        {
            tree = ReadTree(membersPath, phases, parsed: () => StartPlan());
        }
        catch (Exception)
        {
            Exception? planError = null;
            try
            {
                StartPlan().GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                planError = e;
            }

            if (planError is not null)
            {
                ExceptionDispatchInfo.Throw(planError);
            }

            throw;
        }


        var plan = StartPlan().GetAwaiter().GetResult();
        var currency = plan.Currency;
        phases.Mark("plan (read beside the members)");
        bar.Report(1);

        var (statuses, topRank) = ReadStatuses(tree, plan, o.Optional("--ranks"), o.Optional("--inactive"));
        var refundsPath = o.Optional("--refunds");
        var detailed = linesPath is not null || refundsPath is not null || holding is not null;
        // Totals only: each part of the orders file is summed as it is read (a batch per chunk of rows, dropped once
        // added), so no batch of every order is made; the detailed run needs the whole batch.
        var engine = new CommissionEngine(plan);
        var stream = detailed ? null : engine.CreateTotalsBuilder(statuses);
        phases.Mark("statuses and engine");
        var (batch, latest, orderCount) = ReadOrders(ordersPath, tree, currency, keepIds: detailed, stream);
        phases.Mark(stream is null ? "orders read into one batch" : "orders read and summed");
        bar.Report(2);

        // The totals path writes its earners as the totals list them; the ledger path lists balances beside them.
        IReadOnlyList<KeyValuePair<MemberId, Money>> earnerTotals = [];
        var payouts = new List<(MemberId Earner, long Net, long Pending, long Available)>();
        long refunded = 0;
        CommissionRun? run = null;
        Money sales;
        if (stream is not null)
        {
            var totals = stream.Build();
            sales = totals.TotalSales;
            earnerTotals = totals.ByEarnerWithZeroLines();
            phases.Mark("totals and payout list");
            bar.Report(4);
        }
        else
        {
            run = engine.Run(statuses, batch!);
            sales = run.Totals.TotalSales;
            phases.Mark("detailed run");
            bar.Report(3);
            var ledger = new PayoutLedger(currency, holding ?? Period.Zero, zone ?? DateTimeZoneProviders.Tzdb["Asia/Shanghai"]);
            var recorded = ledger.Record(run);
            if (!recorded.Accepted)
            {
                throw new InputException(ordersPath, 0, 0, $"{recorded.Message} [{recorded.Code}]");
            }

            phases.Mark("ledger recorded");
            if (refundsPath is not null)
            {
                (refunded, var last) = ApplyRefunds(refundsPath, ledger, currency);
                latest = last > latest ? last : latest;
                phases.Mark("refunds");
            }

            bar.Report(4);
            var balances = holding is null ? [] : ledger.Balances(asOf ?? latest);
            var b = 0;
            var earners = run.Totals.ByEarnerWithZeroLines();
            payouts.EnsureCapacity(earners.Count);
            foreach (var (earner, _) in earners)
            {
                while (b < balances.Count && string.CompareOrdinal(balances[b].Earner.Value, earner.Value) < 0)
                {
                    b++;
                }

                var balance = b < balances.Count && balances[b].Earner == earner ? balances[b] : null;
                payouts.Add((earner, ledger.NetOf(earner).MinorUnits, balance?.Pending.MinorUnits ?? 0, balance?.Available.MinorUnits ?? 0));
            }

            phases.Mark("balances and payout list");
        }

        // Everything is computed: now the files, each renamed into place only when whole.
        long paid = 0;
        using (var file = OutputFile.Create(outPath, "--out"))
        {
            var w = file.Writer;
            w.Write(holding is null ? "earner_id,amount,currency\n" : "earner_id,amount,pending,available,currency\n");
            // Amounts are formatted into one buffer (no string per row).
            var amount = new char[32];
            void WriteAmount(long minor)
            {
                w.Write(',');
                Money.OfMinor(minor, currency).TryFormatAmount(amount, out var written);
                w.Write(amount, 0, written);
            }

            foreach (var (earner, total) in earnerTotals)
            {
                paid += total.MinorUnits;
                w.Write(Csv.Field(earner.Value));
                WriteAmount(total.MinorUnits);
                w.Write(',');
                w.Write(currency.Code);
                w.Write('\n');
            }

            foreach (var (earner, net, pending, available) in payouts)
            {
                paid += net;
                w.Write(Csv.Field(earner.Value));
                WriteAmount(net);
                if (holding is not null)
                {
                    WriteAmount(pending);
                    WriteAmount(available);
                }

                w.Write(',');
                w.Write(currency.Code);
                w.Write('\n');
            }

            if (linesPath is not null)
            {
                WriteLines(run!, linesPath, currency);
            }

            file.Commit();
        }

        phases.Mark("files written");
        bar.Report(5);
        var paidMoney = Money.OfMinor(paid, currency);
        var refundedMoney = Money.OfMinor(refunded, currency);
        var company = sales - refundedMoney - paidMoney;
        var hint = paid == 0 && orderCount > 0 ? NobodyPaid(plan, o.Optional("--ranks"), topRank, o.Optional("--inactive") is not null) : null;
        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { orders = orderCount, totalSales = sales.ToString(), refunded = refundedMoney.ToString(), totalPaid = paidMoney.ToString(), companyShare = company.ToString(), hint }, JsonOut));
        }
        else
        {
            stdout.WriteLine($"{orderCount} orders, sales {sales}, refunded {refundedMoney}, paid to {earnerTotals.Count + payouts.Count} earners {paidMoney}, company keeps {company}.");
            if (hint is not null)
            {
                stdout.WriteLine($"Nobody was paid: {hint}.");
            }
        }

        return 0;
    }

    /// <summary>Streams every line of the run to the lines file as it is made (nothing kept per line).</summary>
    private static void WriteLines(CommissionRun run, string path, Currency currency)
    {
        using var file = OutputFile.Create(path, "--lines");
        var w = file.Writer;
        w.Write("order_id,earner_id,rule,level,rate,amount,currency\n");
        foreach (var line in run.Lines)
        {
            w.Write(Csv.Field(line.Order.Value));
            w.Write(',');
            w.Write(Csv.Field(line.Earner.Value));
            w.Write(',');
            w.Write(line.Rule.ToString());
            w.Write(',');
            w.Write(line.Level.ToString(CultureInfo.InvariantCulture));
            w.Write(',');
            if (line.Rate is { } rate)
            {
                w.Write(rate.Percent.ToString("0.####", CultureInfo.InvariantCulture));
                w.Write('%');
            }

            w.Write(',');
            w.Write(line.Amount.FormatAmount());
            w.Write(',');
            w.Write(currency.Code);
            w.Write('\n');
        }

        file.Commit();
    }

    /// <summary>
    /// Reads members.csv (<c>member_id,sponsor_id,joined_at</c>) into a referral tree; every bad link is named by its
    /// line. A large file is parsed on every core (each part into flat columns of its rows, each member id made a
    /// string there: they become the tree's ids), then the rows are added to the tree in file order on one (interning
    /// ids in order is what makes the tree's indices), a part in one call; <paramref name="parsed"/> is called in
    /// between (the other cores are free then).
    /// </summary>
    private static ReferralTree ReadTree(string path, Phases? phases = null, Action? parsed = null)
    {
        string[] required = ["member_id", "sponsor_id", "joined_at"];
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
        }

        var (parts, fileLines) = CsvInput.Split(path, Environment.ProcessorCount);
        using var first = CsvInput.Open(path, parts.Count == 1 ? -1 : parts[0].End, required);
        int cm = first.Column("member_id"), cs = first.Column("sponsor_id"), cj = first.Column("joined_at");
        var rows = new MemberRows[parts.Count];
        // Everything made from here to the tree stays alive: collections are held off meanwhile (about 6 bytes are
        // allocated per byte of the file; the budget allows 8).
        using var pause = CollectionPause.For(new FileInfo(path).Length * 8, Environment.GetEnvironmentVariable("COMMUNITY_GC_PAUSE"));
        Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = parts.Count }, k =>
        {
            var (start, end, linesBefore) = parts[k];
            using var part = k == 0 ? null : CsvInput.OpenPart(path, first, start, end, linesBefore);
            var lines = (k + 1 < parts.Count ? parts[k + 1].LinesBefore : fileLines) - linesBefore;
            var into = rows[k] = new MemberRows(Math.Max(16, lines));
            var dates = default(IsoInstant.Cache);
            try
            {
                (k == 0 ? first : part!).ForEach(row =>
                {
                    var member = row[cm];
                    if (member.IsEmpty)
                    {
                        throw row.Error(cm, "member_id must not be empty");
                    }

                    var joined = IsoInstant.TryParse(row[cj], ref dates, out var t) ? t : throw row.Error(cj, NotAnInstant(row[cj]));
                    into.Add(row.Text(cm), row[cs], joined, row.Line);
                });
            }
            catch (InputException e)
            {
                into.Error = e;
            }
        });

        if (rows.Select(r => r.Error).FirstOrDefault(e => e is not null) is { } error)
        {
            throw error;
        }

        phases?.Mark("members parsed");
        parsed?.Invoke();
        var builder = new ReferralTreeBuilder(rows.Sum(r => r.Count));
        var lines = new List<int>(rows.Sum(r => r.Count));
        foreach (var part in rows)
        {
            part.AddTo(builder, lines);
        }

        phases?.Mark("member ids interned");
        var built = builder.TryBuild(out var tree, out var problems);
        pause.Dispose();
        if (built)
        {
            phases?.Mark("referral tree checked and built");
            return tree!;
        }

        // The first problem is reported at its row and field; the others are listed by line.
        var firstProblem = problems[0];
        var line = lines[firstProblem.Record];
        var more = problems.Count > 1 ? $" (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1).Take(20).Select(p => $"line {lines[p.Record]}: {Describe(p)}"))})" : "";
        string Describe(ReferralProblem p) => p.Kind == ReferralProblemKind.DuplicateMember
            ? $"member '{p.Member}' appears again (first on line {FirstLineOf(path, cm, p.Member.Value)})"
            : $"{p.Kind}: {p.Detail}";
        var column = firstProblem.Kind is ReferralProblemKind.UnknownSponsor or ReferralProblemKind.SelfSponsorship or ReferralProblemKind.Cycle ? cs : cm;
        throw ErrorAtLine(path, line, column, Describe(firstProblem) + more);
    }

    /// <summary>Ranks (<c>member_id,rank</c>) and inactive members (<c>member_id</c>), each member at most once in ranks.</summary>
    private static (MemberStatuses Statuses, int TopRank) ReadStatuses(ReferralTree tree, CommissionPlan plan, string? ranksPath, string? inactivePath)
    {
        var top = 0;
        var ranks = new int[tree.Count];
        var active = new bool[tree.Count];
        Array.Fill(active, true);
        if (ranksPath is not null)
        {
            var seenOn = new int[tree.Count];
            using var csv = CsvInput.Open(ranksPath, "member_id", "rank");
            int cm = csv.Column("member_id"), cr = csv.Column("rank");
            csv.ForEach(row =>
            {
                var m = KnownIndex(tree, row, cm);
                if (!int.TryParse(row[cr], NumberStyles.None, CultureInfo.InvariantCulture, out var rank) || rank >= plan.RankCount)
                {
                    throw row.Error(cr, $"'{row[cr]}' is not a rank of this plan (0 to {(plan.RankCount == int.MaxValue ? "any" : (plan.RankCount - 1).ToString(CultureInfo.InvariantCulture))})");
                }

                if (seenOn[m] > 0)
                {
                    throw row.Error(cm, $"member '{row[cm]}' appears again (first on line {seenOn[m]})");
                }

                seenOn[m] = row.Line;
                ranks[m] = rank;
                top = Math.Max(top, rank);
            });
        }

        if (inactivePath is not null)
        {
            using var csv = CsvInput.Open(inactivePath, "member_id");
            var cm = csv.Column("member_id");
            var seenOn = new int[tree.Count];
            csv.ForEach(row =>
            {
                var m = KnownIndex(tree, row, cm);
                if (seenOn[m] > 0)
                {
                    throw row.Error(cm, $"member '{row[cm]}' appears again (first on line {seenOn[m]})");
                }

                seenOn[m] = row.Line;
                active[m] = false;
            });
        }

        return (MemberStatuses.FromArrays(tree, ranks, active), top);
    }

    /// <summary>Why a run with orders paid nobody, in one sentence, when the files say why.</summary>
    private static string NobodyPaid(CommissionPlan plan, string? ranksPath, int topRank, bool anyInactive)
    {
        var minimum = plan.Definition.Levels?.MinimumRank ?? 0;
        return minimum > 0 && ranksPath is null
            ? $"the plan pays rank {minimum} and up and no --ranks file was given: every member is rank 0"
            : minimum > 0 && topRank < minimum
            ? $"the plan pays rank {minimum} and up and the highest rank in {ranksPath} is {topRank}"
            : anyInactive && plan.Definition.Levels?.RequireActive == true
            ? "nobody upline of a buyer earned: check the plan's products and ranks, and the members marked inactive (the plan pays active members only)"
            : "nobody upline of a buyer earned: check the plan's products (commissionable or not) and the ranks it pays";
    }

    /// <summary>
    /// Reads orders.csv (<c>order_id,buyer_id,product_id,amount,currency,paid_at</c>, and an optional <c>quantity</c>:
    /// whole units, 1 when absent or empty; the amount is the order's total) row by row into a batch.
    /// With <paramref name="keepIds"/> the ids are kept (the ledger and the lines file need them); otherwise only a
    /// 64-bit hash of each id is, and a repeated hash is confirmed against the file's text before it is called a repeat.
    /// With <paramref name="stream"/> the rows are not kept either: each part's rows are built into a batch every
    /// <see cref="StreamChunkRows"/> rows and added to the totals, and no batch is returned.
    /// </summary>
    private static (OrderBatch? Batch, Instant Latest, long Count) ReadOrders(string path, ReferralTree tree, Currency currency, bool keepIds, CommissionTotalsBuilder? stream)
    {
        var required = new[] { "order_id", "buyer_id", "product_id", "amount", "currency", "paid_at" };
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
        }

        var (parts, fileLines) = CsvInput.Split(path, Environment.ProcessorCount);
        using var first = CsvInput.Open(path, parts.Count == 1 ? -1 : parts[0].End, required);
        var results = new OrderPart[parts.Count];

        // Each part of the file is read on its own thread into its own builder (the first one sized for the whole
        // file, so joining copies each other part once) and its own buckets of id hashes; the first bad row in file
        // order is the one reported; the builders are joined in file order.
        var hashes = new HashBuckets[keepIds ? 0 : parts.Count];
        Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = parts.Count }, k =>
        {
            var (start, end, linesBefore) = parts[k];
            using var part = k == 0 ? null : CsvInput.OpenPart(path, first, start, end, linesBefore);
            var lines = (k + 1 < parts.Count ? parts[k + 1].LinesBefore : fileLines) - linesBefore;
            var partHashes = keepIds ? null : hashes[k] = new HashBuckets(lines);
            // The first part's builder is sized for every row of the file (all lines but the header), so joining
            // the others and building the batch copy nothing more.
            results[k] = ReadOrderPart(k == 0 ? first : part!, tree, currency, keepIds, stream is not null ? lines : k == 0 ? Math.Max(0, fileLines - 1) : lines, partHashes, stream);
        });

        if (results.Select(r => r.Error).FirstOrDefault(e => e is not null) is { } error)
        {
            throw error;
        }

        if (results.Select(r => r.Refused).FirstOrDefault(e => e is not null) is { } refused)
        {
            ExceptionDispatchInfo.Throw(refused);
        }

        if (stream is not null)
        {
            FindRepeatedOrder(path, hashes);
            return (null, results.Max(r => r.Latest), stream.OrderCount);
        }

        var builder = results[0].Builder;
        for (var k = 1; k < results.Length; k++)
        {
            if (builder.Append(results[k].Builder) >= 0)
            {
                ReportRepeatedOrderId(path);
            }
        }

        if (!keepIds)
        {
            FindRepeatedOrder(path, hashes);
        }

        try
        {
            var batch = builder.Build();
            return (batch, results.Max(r => r.Latest), batch.Count);
        }
        catch (InvalidInputException e) when (e.Rule is OrderBatchMustBeValidRule)
        {
            ReportRepeatedOrderId(path);
            throw;
        }
    }

    /// <summary>What a part of the orders file gave: its rows, or the first bad row, or (streamed totals) a run's refusal, such as sums past 64 bits.</summary>
    private sealed record OrderPart(OrderBatchBuilder Builder, int Count, Instant Latest, InputException? Error, InvalidInputException? Refused = null);

    /// <summary>
    /// Rows per batch when the totals are summed as the file is read: each column of a batch (8 bytes a row at most)
    /// stays under the large-object threshold, so a batch is young garbage once added, its memory reused at once.
    /// </summary>
    internal const int StreamChunkRows = 8192;

    /// <summary>For tests: rows per streamed batch (small, so that a small file is cut into many batches).</summary>
    internal static readonly AsyncLocal<int?> StreamChunkRowsForTests = new();

    private static OrderPart ReadOrderPart(CsvInput csv, ReferralTree tree, Currency currency, bool keepIds, int capacity, HashBuckets? hashes, CommissionTotalsBuilder? stream)
    {
        var chunkRows = StreamChunkRowsForTests.Value ?? StreamChunkRows;
        capacity = stream is null ? capacity : Math.Min(capacity, chunkRows);
        var builder = new OrderBatchBuilder(tree, currency, capacity);
        var count = 0;
        var latest = NodaTime.Instant.MinValue;
        int co = csv.Column("order_id"), cb = csv.Column("buyer_id"), cp = csv.Column("product_id"), ca = csv.Column("amount"), cc = csv.Column("currency"), ct = csv.Column("paid_at");
        var cq = csv.Column("quantity");
        var dates = default(IsoInstant.Cache);
        string? lastProduct = null;
        var products = new Dictionary<string, string>(StringComparer.Ordinal);
        var productLookup = products.GetAlternateLookup<ReadOnlySpan<char>>();

        // Rows wait in a small batch until their buyers are looked up together (the lookups' cache misses then
        // overlap); a bad row flushes the batch first, so the first bad row in the file is the one reported.
        const int Batch = 256;
        var pending = new PendingOrder[Batch];
        var keys = new char[Batch * 16];
        var ends = new int[Batch];
        var indices = new int[Batch];
        var joined = new long[Batch];
        var waiting = 0;

        void Flush()
        {
            tree.GetIndices(keys.AsSpan(0, waiting == 0 ? 0 : ends[waiting - 1]), ends.AsSpan(0, waiting), indices, joined);
            for (var i = 0; i < waiting; i++)
            {
                ref var p = ref pending[i];
                var buyer = keys.AsSpan((i == 0 ? 0 : ends[i - 1])..ends[i]);
                if (indices[i] < 0)
                {
                    throw ErrorAtLine(csv.Path, p.Line, cb, $"unknown member '{buyer}' (not in the members file)");
                }

                var joinedAt = NodaTime.Instant.FromUnixTimeTicks(joined[i]);
                if (p.PaidAt < joinedAt)
                {
                    throw ErrorAtLine(csv.Path, p.Line, ct, $"paid before the buyer joined ({joinedAt})");
                }

                latest = p.PaidAt > latest ? p.PaidAt : latest;
                if (p.Id is not null)
                {
                    // Repeated ids are found when the batch is built (sorted hashes, no lookup per row).
                    builder.AddWithId(new OrderId(p.Id), indices[i], p.Product, p.Amount, p.PaidAt, p.Quantity);
                }
                else
                {
                    hashes!.Add(p.Hash);
                    count++;
                    builder.Add(indices[i], p.Product, p.Amount, p.PaidAt, p.Quantity);
                }
            }

            waiting = 0;
        }

        try
        {
            csv.ForEach(row =>
            {
                try
                {
                    var id = row[co];
                    if (id.IsEmpty)
                    {
                        throw row.Error(co, "order_id must not be empty");
                    }

                    var buyer = row[cb];
                    if (buyer.IsEmpty)
                    {
                        throw row.Error(cb, "the member id must not be empty");
                    }

                    if (!row[cc].SequenceEqual(currency.Code))
                    {
                        throw row.Error(cc, $"'{row[cc]}' is not the plan's currency {currency.Code}");
                    }

                    if (!Money.TryParse(row[ca], currency, out var amount))
                    {
                        throw row.Error(ca, $"'{row[ca]}' is not an amount in major units of {currency.Code}, such as 12.34");
                    }

                    if (amount.MinorUnits <= 0)
                    {
                        throw row.Error(ca, "an order's amount must be positive");
                    }

                    var paidAt = IsoInstant.TryParse(row[ct], ref dates, out var t) ? t : throw row.Error(ct, NotAnInstant(row[ct]));
                    var quantity = 1;
                    if (cq >= 0 && !row[cq].IsEmpty && (!int.TryParse(row[cq], NumberStyles.None, CultureInfo.InvariantCulture, out quantity) || quantity < 1))
                    {
                        throw row.Error(cq, $"'{row[cq]}' is not a quantity: a whole number of units, at least 1");
                    }

                    var product = row[cp];
                    if (product.IsEmpty)
                    {
                        throw row.Error(cp, "product_id must not be empty");
                    }

                    // Rows mostly name the product of the row before: compared first, then looked up.
                    var productText = lastProduct;
                    if (productText is null || !product.SequenceEqual(productText))
                    {
                        if (!productLookup.TryGetValue(product, out productText))
                        {
                            productText = product.ToString();
                            products[productText] = productText;
                        }

                        lastProduct = productText;
                    }

                    var start = waiting == 0 ? 0 : ends[waiting - 1];
                    if (start + buyer.Length > keys.Length)
                    {
                        Array.Resize(ref keys, Math.Max(keys.Length * 2, start + buyer.Length));
                    }

                    buyer.CopyTo(keys.AsSpan(start));
                    ends[waiting] = start + buyer.Length;
                    pending[waiting++] = new PendingOrder(keepIds ? row.Text(co) : null, keepIds ? 0 : Hash(id), productText, amount.MinorUnits, paidAt, row.Line, quantity);
                    if (waiting == Batch || (stream is not null && builder.Count + waiting >= chunkRows))
                    {
                        Flush();
                        if (stream is not null && builder.Count >= chunkRows)
                        {
                            stream.Add(builder.Build());
                            builder = new OrderBatchBuilder(tree, currency, capacity);
                        }
                    }
                }
                catch (InputException)
                {
                    Flush();
                    throw;
                }
            });
            Flush();
            if (stream is not null)
            {
                stream.Add(builder.Build());
            }
        }
        catch (InputException e)
        {
            return new OrderPart(builder, count, latest, e);
        }
        catch (InvalidInputException e) when (stream is not null)
        {
            // A bad row anywhere in the file is reported before this (it names the row to fix).
            return new OrderPart(builder, count, latest, null, e);
        }

        return new OrderPart(builder, count, latest, null);
    }

    private readonly record struct PendingOrder(string? Id, long Hash, string Product, long Amount, Instant PaidAt, int Line, int Quantity);

    /// <summary>Reads the orders file again to find the first id that appears twice (only after a repeat was seen).</summary>
    private static void ReportRepeatedOrderId(string path)
    {
        var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        using var csv = CsvInput.Open(path, "order_id");
        var co = csv.Column("order_id");
        csv.ForEach(row =>
        {
            var text = row.Text(co);
            if (!firstSeen.TryAdd(text, row.Line))
            {
                throw row.Error(co, $"order '{text}' appears again (first on line {firstSeen[text]})");
            }
        });
    }

    /// <summary>
    /// Looks for equal hashes among the order ids (bucket by bucket on every core); for any, reads the file again to
    /// tell a repeated id (an error) from two ids that hash alike.
    /// </summary>
    private static void FindRepeatedOrder(string path, HashBuckets[] hashes)
    {
        var suspects = HashBuckets.Repeated(hashes);
        if (suspects is null)
        {
            return;
        }

        var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        using var csv = CsvInput.Open(path, "order_id");
        var co = csv.Column("order_id");
        csv.ForEach(row =>
        {
            if (suspects.Contains(Hash(row[co])))
            {
                var text = row.Text(co);
                if (!firstSeen.TryAdd(text, row.Line))
                {
                    throw row.Error(co, $"order '{text}' appears again (first on line {firstSeen[text]})");
                }
            }
        });
    }

    /// <summary>Reads refunds.csv (<c>refund_id,order_id,amount,refunded_at</c>) row by row into the ledger; a refund the ledger refuses is named by its row.</summary>
    private static (long Refunded, Instant Latest) ApplyRefunds(string path, PayoutLedger ledger, Currency currency)
    {
        long refunded = 0;
        var latest = NodaTime.Instant.MinValue;
        using var csv = CsvInput.Open(path, "refund_id", "order_id", "amount", "refunded_at");
        int cr = csv.Column("refund_id"), co = csv.Column("order_id"), ca = csv.Column("amount"), ct = csv.Column("refunded_at");
        var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
        csv.ForEach(row =>
        {
            if (row[cr].IsEmpty || row[co].IsEmpty)
            {
                throw row.Error(row[cr].IsEmpty ? cr : co, $"{(row[cr].IsEmpty ? "refund_id" : "order_id")} must not be empty");
            }

            if (!firstSeen.TryAdd(row.Text(cr), row.Line))
            {
                throw row.Error(cr, $"refund '{row[cr]}' appears again (first on line {firstSeen[row.Text(cr)]}); a refund is given once");
            }

            if (!Money.TryParse(row[ca], currency, out var amount))
            {
                throw row.Error(ca, $"'{row[ca]}' is not an amount in major units of {currency.Code}, such as 12.34");
            }

            var at = IsoInstant.TryParse(row[ct], out var t) ? t : throw row.Error(ct, NotAnInstant(row[ct]));
            var result = ledger.Refund(new RefundId(row.Text(cr)), new OrderId(row.Text(co)), amount, at);
            if (!result.Accepted)
            {
                var column = result.Code.Contains("order", StringComparison.Ordinal) ? co
                    : result.Code.Contains("before", StringComparison.Ordinal) ? ct
                    : result.Code.Contains("duplicate", StringComparison.Ordinal) ? cr : ca;
                throw row.Error(column, $"{result.Message} [{result.Code}]");
            }

            refunded = checked(refunded + amount.MinorUnits);
            latest = at > latest ? at : latest;
        });
        return (refunded, latest);
    }

    private static int KnownIndex(ReferralTree tree, CsvLine row, int column) => KnownIndex(tree, row, column, out _);

    private static int KnownIndex(ReferralTree tree, CsvLine row, int column, out Instant joinedAt)
    {
        var id = row[column];
        if (id.IsEmpty)
        {
            throw row.Error(column, "the member id must not be empty");
        }

        return tree.TryGetIndex(id, out var index, out joinedAt) ? index : throw row.Error(column, $"unknown member '{id}' (not in the members file)");
    }

    /// <summary>FNV-1a over the id's characters, 64 bits.</summary>
    private static long Hash(ReadOnlySpan<char> text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = unchecked((h ^ c) * 1099511628211UL);
        }

        return unchecked((long)h);
    }

    /// <summary>The first line whose field in <paramref name="column"/> is <paramref name="text"/> (for messages about a repeat).</summary>
    private static int FirstLineOf(string path, int column, string text)
    {
        var line = 0;
        using var csv = CsvInput.Open(path);
        csv.ForEach(row =>
        {
            if (line == 0 && row[column].SequenceEqual(text))
            {
                line = row.Line;
            }
        });
        return line;
    }

    /// <summary>
    /// One part's rows of the members file, parsed: member ids as strings (made here, on the part's thread: they are
    /// the tree's ids), sponsor ids as one char buffer with ends, join instants, lines.
    /// </summary>
    private sealed class MemberRows(int capacity)
    {
        private string[] _members = new string[capacity];
        private char[] _sponsors = new char[capacity * 8];
        private int _sponsorsUsed;
        private int[] _sponsorEnd = new int[capacity];
        private Instant[] _joined = new Instant[capacity];
        private int[] _line = new int[capacity];

        public int Count { get; private set; }

        public InputException? Error { get; set; }

        public void Add(string member, ReadOnlySpan<char> sponsor, Instant joined, int line)
        {
            if (Count == _line.Length)
            {
                var size = Count * 2;
                Array.Resize(ref _members, size);
                Array.Resize(ref _sponsorEnd, size);
                Array.Resize(ref _joined, size);
                Array.Resize(ref _line, size);
            }

            if (_sponsorsUsed + sponsor.Length > _sponsors.Length)
            {
                Array.Resize(ref _sponsors, Math.Max(_sponsors.Length * 2, _sponsorsUsed + sponsor.Length));
            }

            sponsor.CopyTo(_sponsors.AsSpan(_sponsorsUsed));
            _sponsorsUsed += sponsor.Length;
            _members[Count] = member;
            _sponsorEnd[Count] = _sponsorsUsed;
            _joined[Count] = joined;
            _line[Count] = line;
            Count++;
        }

        /// <summary>Adds the rows to the tree in one call (their ids looked up a block ahead), and their lines to <paramref name="lines"/>.</summary>
        public void AddTo(ReferralTreeBuilder builder, List<int> lines)
        {
            builder.AddMany(_members.AsSpan(0, Count), _sponsors.AsSpan(0, _sponsorsUsed), _sponsorEnd.AsSpan(0, Count), _joined.AsSpan(0, Count));
            lines.AddRange(_line.AsSpan(0, Count));
        }
    }

    /// <summary>An error at a field of the row on a given line (the file is read again to find the field's column).</summary>
    internal static InputException ErrorAtLine(string path, int line, int column, string message)
    {
        InputException? error = null;
        using var csv = CsvInput.Open(path);
        csv.ForEach(row =>
        {
            if (row.Line == line)
            {
                error ??= row.Error(column, message);
            }
        });
        return error ?? new InputException(path, line, 1, message);
    }
}
