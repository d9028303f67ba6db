using System.Globalization;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;

namespace CommunityModel.Cli.Book;

/// <summary>The instants a month's files must fall in, and how to name the month in messages.</summary>
/// <param name="Number">The month's number in the book (0 for files read without a book).</param>
/// <param name="Name">The month as written (<c>2026-03</c>), or null without a book (no range).</param>
/// <param name="Start">The first instant of the month in the store's zone.</param>
/// <param name="End">The first instant after it.</param>
/// <param name="Closed">The months the book has closed, for messages about rows that fall in one.</param>
internal sealed record MonthRange(int Number, string? Name, Instant Start, Instant End, IReadOnlyList<(YearMonth Month, Instant Start, Instant End)> Closed)
{
    public static MonthRange Unbounded { get; } = new(0, null, Instant.MinValue, Instant.MaxValue, []);

    /// <summary>Why an instant is not in this month, or null when it is.</summary>
    public string? Outside(Instant at, string what)
    {
        if (Name is null || (at >= Start && at < End))
        {
            return null;
        }

        if (at >= End)
        {
            return $"{what} after {Name}, the month being closed; give it with the month it belongs to";
        }

        foreach (var (month, start, end) in Closed)
        {
            if (at >= start && at < end)
            {
                return $"{what} in {month.ToString("yyyy-MM", CultureInfo.InvariantCulture)}, a month this book has already closed";
            }
        }

        return $"{what} before {Name}, the month being closed" + (Closed.Count == 0 ? " (the book's first month)" : "");
    }
}

/// <summary>What a month's files added, and what they repeated of the book (skipped).</summary>
internal sealed record MonthAdded(int Members, int MembersKnown, int Orders, int OrdersKnown, int Refunds, int RefundsKnown);

/// <summary>
/// Reads a month's members, orders and refunds into a store's facts. A row whose id the book already holds with the
/// same values is skipped and counted (the same file twice changes nothing); with other values it is an error. Every
/// error names the file, line and column; the facts are then not to be used (the caller changes nothing).
/// </summary>
internal static class MonthFiles
{
    public static (int Added, int Known) ReadMembers(string path, StoreFacts facts, MonthRange month)
    {
        using var csv = CsvInput.Open(path, "member_id", "sponsor_id", "joined_at");
        int cm = csv.Column("member_id"), cs = csv.Column("sponsor_id"), cj = csv.Column("joined_at");
        var first = facts.MemberCount;
        var lines = new List<int>();
        var pendingSponsors = new List<(int Member, int Line)>();
        var known = 0;
        csv.ForEach(row =>
        {
            var id = row[cm];
            if (id.IsEmpty)
            {
                throw row.Error(cm, "member_id must not be empty");
            }

            var joined = IsoInstant.TryParse(row[cj], out var t) ? t : throw row.Error(cj, $"'{row[cj]}' is not an ISO 8601 instant with an offset, such as 2026-03-02T10:00:00+08:00");
            var sponsor = row[cs];
            var m = facts.FindMember(id);
            if (m >= 0)
            {
                if (m >= first)
                {
                    throw row.Error(cm, $"member '{id}' appears again (first on line {lines[m - first]})");
                }

                if (!sponsor.SequenceEqual(facts.Sponsors[m] ?? "") || joined.ToUnixTimeTicks() != facts.JoinedTicks[m])
                {
                    throw row.Error(cm, $"member '{id}' is already in the book with sponsor '{facts.Sponsors[m]}' and joined_at {Instant.FromUnixTimeTicks(facts.JoinedTicks[m])}; a member's sponsor and joining time do not change");
                }

                known++;
                return;
            }

            if (month.Name is not null && joined >= month.End)
            {
                throw row.Error(cj, $"joins after {month.Name}, the month being closed; give the member with the month they join");
            }

            m = facts.AddMember(row.Text(cm), sponsor.IsEmpty ? null : row.Text(cs), joined.ToUnixTimeTicks(), month.Number);
            lines.Add(row.Line);
            if (!sponsor.IsEmpty)
            {
                pendingSponsors.Add((m, row.Line));
            }
        });

        // Sponsors may be listed after the members they sponsor; each is checked once the whole file is read.
        foreach (var (m, line) in pendingSponsors)
        {
            var sponsor = facts.FindMember(facts.Sponsors[m]!);
            if (sponsor < 0)
            {
                throw CliApp.ErrorAtLine(path, line, cs, $"unknown sponsor '{facts.Sponsors[m]}' (not in the book nor in this file)");
            }

            if (sponsor == m)
            {
                throw CliApp.ErrorAtLine(path, line, cs, $"member '{facts.MemberIds[m]}' cannot sponsor themselves");
            }
        }

        if (facts.MemberCount > first)
        {
            var builder = new ReferralTreeBuilder(facts.MemberCount);
            for (var i = 0; i < facts.MemberCount; i++)
            {
                builder.Add(facts.MemberIds[i], facts.Sponsors[i], Instant.FromUnixTimeTicks(facts.JoinedTicks[i]));
            }

            if (!builder.TryBuild(out _, out var problems))
            {
                var p = problems[0];
                var line = p.Record >= first ? lines[p.Record - first] : 0;
                throw CliApp.ErrorAtLine(path, line, p.Kind is ReferralProblemKind.UnknownSponsor or ReferralProblemKind.SelfSponsorship or ReferralProblemKind.Cycle ? cs : cm, $"{p.Kind}: {p.Detail}");
            }
        }

        return (facts.MemberCount - first, known);
    }

    /// <summary>
    /// Reads the month's orders on every core: each part of the file is parsed and checked against the book on its
    /// own thread (the book is only read then), then the parts' new orders are added in file order on one, where a
    /// repeated id is found. The first bad row in the file is the one reported, whichever thread found it.
    /// </summary>
    public static (int Added, int Known) ReadOrders(string path, StoreFacts facts, MonthRange month)
    {
        string[] required = ["order_id", "buyer_id", "product_id", "amount", "currency", "paid_at"];
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
        }

        var (parts, fileLines) = CsvInput.Split(path, Environment.ProcessorCount);
        using var first = CsvInput.Open(path, parts.Count == 1 ? -1 : parts[0].End, required);
        var rows = new OrderRows[parts.Count];
        Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = parts.Count }, k =>
        {
            var (start, end, linesBefore) = parts[k];
            using var part = k == 0 ? null : CsvInput.OpenPart(path, first, start, end, linesBefore);
            var into = rows[k] = new OrderRows();
            try
            {
                ParseOrders(k == 0 ? first : part!, facts, month, into);
            }
            catch (InputException e)
            {
                into.Error = e;
            }
        });

        var added = facts.OrderCount;
        facts.EnsureOrderCapacity(rows.Sum(r => r.Ids.Count));
        var lines = new List<int>();
        var known = 0;
        foreach (var part in rows)
        {
            known += part.Known;
            for (var i = 0; i < part.Ids.Count; i++)
            {
                if (!facts.TryAddOrder(part.Ids[i], part.Buyer[i], facts.InternProduct(part.Product[i]), part.Quantity[i], part.Amount[i], part.Paid[i], month.Number, out var o))
                {
                    // Orders of the book were skipped or refused on their part's thread: this one is earlier in the file.
                    throw CliApp.ErrorAtLine(path, part.Lines[i], first.Column("order_id"), $"order '{part.Ids[i]}' appears again (first on line {lines[o - added]})");
                }

                lines.Add(part.Lines[i]);
            }

            if (part.Error is { } error)
            {
                throw error;
            }
        }

        return (facts.OrderCount - added, known);
    }

    /// <summary>One part's new orders, checked row by row; <see cref="Error"/> is the part's first bad row (its rows before it are kept).</summary>
    private sealed class OrderRows
    {
        public List<string> Ids { get; } = [];
        public List<int> Buyer { get; } = [];
        public List<string> Product { get; } = [];
        public List<int> Quantity { get; } = [];
        public List<long> Amount { get; } = [];
        public List<long> Paid { get; } = [];
        public List<int> Lines { get; } = [];
        public int Known { get; set; }
        public InputException? Error { get; set; }
    }

    private static void ParseOrders(CsvInput csv, StoreFacts facts, MonthRange month, OrderRows into)
    {
        int co = csv.Column("order_id"), cb = csv.Column("buyer_id"), cp = csv.Column("product_id"), ca = csv.Column("amount"), cc = csv.Column("currency"), ct = csv.Column("paid_at");
        var cq = csv.Column("quantity");
        var currency = facts.Currency;
        var products = new Dictionary<string, string>(StringComparer.Ordinal);
        var productLookup = products.GetAlternateLookup<ReadOnlySpan<char>>();
        csv.ForEach(row =>
        {
            var id = row[co];
            if (id.IsEmpty)
            {
                throw row.Error(co, "order_id must not be empty");
            }

            var buyerId = row[cb];
            var buyer = facts.FindMember(buyerId);
            if (buyer < 0)
            {
                throw row.Error(cb, buyerId.IsEmpty ? "the member id must not be empty" : $"unknown member '{buyerId}' (not in the book nor in the members file)");
            }

            if (!row[cc].SequenceEqual(currency.Code))
            {
                throw row.Error(cc, $"'{row[cc]}' is not the store's currency {currency.Code}");
            }

            if (!Money.TryParse(row[ca], currency, out var amount) || amount.MinorUnits <= 0)
            {
                throw row.Error(ca, $"'{row[ca]}' is not a positive amount in major units of {currency.Code}, such as 12.34");
            }

            var paidAt = IsoInstant.TryParse(row[ct], out var t) ? t : throw row.Error(ct, $"'{row[ct]}' is not an ISO 8601 instant with an offset, such as 2026-03-02T10:00:00+08:00");
            var quantity = 1;
            if (cq >= 0 && !row[cq].IsEmpty && (!int.TryParse(row[cq], NumberStyles.None, CultureInfo.InvariantCulture, out quantity) || quantity < 1))
            {
                throw row.Error(cq, $"'{row[cq]}' is not a quantity: a whole number of units, at least 1");
            }

            var productText = row[cp];
            if (productText.IsEmpty)
            {
                throw row.Error(cp, "product_id must not be empty");
            }

            if (!productLookup.TryGetValue(productText, out var product))
            {
                product = productText.ToString();
                products.Add(product, product);
            }

            var o = facts.FindOrder(id);
            if (o >= 0)
            {
                // Already in the book: the same values are skipped (the same file twice changes nothing); others refused.
                if (facts.Buyer[o] != buyer || !string.Equals(facts.Products[facts.Product[o]], product, StringComparison.Ordinal) || facts.Amount[o] != amount.MinorUnits
                    || facts.PaidTicks[o] != paidAt.ToUnixTimeTicks() || facts.Quantity[o] != quantity)
                {
                    throw row.Error(co, $"order '{id}' is already in the book with other values ({facts.OrderAt(o)}); an order does not change once recorded (refund it instead)");
                }

                into.Known++;
                return;
            }

            if (month.Outside(paidAt, "paid") is { } outside)
            {
                throw row.Error(ct, outside);
            }

            if (paidAt.ToUnixTimeTicks() < facts.JoinedTicks[buyer])
            {
                throw row.Error(ct, $"paid before the buyer joined ({Instant.FromUnixTimeTicks(facts.JoinedTicks[buyer])})");
            }

            into.Ids.Add(row.Text(co));
            into.Buyer.Add(buyer);
            into.Product.Add(product);
            into.Quantity.Add(quantity);
            into.Amount.Add(amount.MinorUnits);
            into.Paid.Add(paidAt.ToUnixTimeTicks());
            into.Lines.Add(row.Line);
        });
    }

    public static (int Added, int Known) ReadRefunds(string path, StoreFacts facts, MonthRange month)
    {
        using var csv = CsvInput.Open(path, "refund_id", "order_id", "amount", "refunded_at");
        int cr = csv.Column("refund_id"), co = csv.Column("order_id"), ca = csv.Column("amount"), ct = csv.Column("refunded_at");
        var first = facts.RefundCount;
        var lines = new List<int>();
        var known = 0;
        var currency = facts.Currency;
        csv.ForEach(row =>
        {
            var id = row[cr];
            if (id.IsEmpty)
            {
                throw row.Error(cr, "refund_id must not be empty");
            }

            var order = facts.FindOrder(row[co]);
            if (order < 0)
            {
                throw row.Error(co, $"unknown order '{row[co]}' (not in the book nor in the orders file)");
            }

            if (!Money.TryParse(row[ca], currency, out var amount) || amount.MinorUnits <= 0)
            {
                throw row.Error(ca, $"'{row[ca]}' is not a positive amount in major units of {currency.Code}, such as 12.34");
            }

            var at = IsoInstant.TryParse(row[ct], out var t) ? t : throw row.Error(ct, $"'{row[ct]}' is not an ISO 8601 instant with an offset, such as 2026-03-20T10:00:00+08:00");
            var r = facts.FindRefund(id);
            if (r >= 0)
            {
                if (r >= first)
                {
                    throw row.Error(cr, $"refund '{id}' appears again (first on line {lines[r - first]})");
                }

                if (facts.RefundOrder[r] != order || facts.RefundAmount[r] != amount.MinorUnits || facts.RefundTicks[r] != at.ToUnixTimeTicks())
                {
                    throw row.Error(cr, $"refund '{id}' is already in the book with other values; a refund does not change once recorded");
                }

                known++;
                return;
            }

            if (month.Outside(at, "refunded") is { } outside)
            {
                throw row.Error(ct, outside);
            }

            if (at.ToUnixTimeTicks() < facts.PaidTicks[order])
            {
                throw row.Error(ct, $"refunded before the order was paid ({Instant.FromUnixTimeTicks(facts.PaidTicks[order])})");
            }

            var before = facts.Refunded.GetValueOrDefault(order);
            if (amount.MinorUnits > facts.Amount[order] - before)
            {
                throw row.Error(ca, $"refunds of order '{row[co]}' would come to {Money.OfMinor(before + amount.MinorUnits, currency)}, more than the order's {Money.OfMinor(facts.Amount[order], currency)}");
            }

            facts.AddRefund(row.Text(cr), order, amount.MinorUnits, at.ToUnixTimeTicks(), month.Number);
            lines.Add(row.Line);
        });

        return (facts.RefundCount - first, known);
    }
}
