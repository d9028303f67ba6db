using System.Globalization;
using System.Text;
using System.Text.Json;
using CommunityModel.Primitives;
using CommunityModel.Scoring;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Cli;

public static partial class CliApp
{
    private static readonly (string Name, InteractionKind Kind)[] InteractionNames =
    [
        ("asked-price", InteractionKind.AskedPrice),
        ("asked-validity-or-gifts", InteractionKind.AskedValidityOrGifts),
        ("asked-question", InteractionKind.AskedQuestion),
        ("complained", InteractionKind.Complained),
        ("shared-post", InteractionKind.SharedPost),
        ("replied-in-group", InteractionKind.RepliedInGroup),
        ("promised-referral", InteractionKind.PromisedReferral),
        ("referred-buyer", InteractionKind.ReferredBuyer),
    ];

    private static int ScoreKeyCustomers(Options o, TextWriter stdout)
    {
        var zoneId = o.Optional("--zone") ?? "Asia/Shanghai";
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(zoneId) ?? throw new UsageException($"--zone '{zoneId}' is not an IANA time zone id");
        var top = o.Optional("--top") is { } t
            ? int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k >= 1 ? k : throw new UsageException($"--top '{t}' is not a whole number of at least 1")
            : 30;
        LocalDate? asOf = o.Optional("--as-of") is { } a
            ? LocalDatePattern.Iso.Parse(a) is { Success: true } parsed ? parsed.Value : throw new UsageException($"--as-of '{a}' is not a date such as 2026-03-31")
            : null;

        var tree = ReadTree(o.Required("--members"));
        var purchases = new List<Purchase>();
        Currency? currency = null;
        var orderIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in Csv.Read(o.Required("--orders"), "order_id", "buyer_id", "product_id", "amount", "currency", "paid_at"))
        {
            var id = NonBlank(r, "order_id");
            if (!orderIds.Add(id))
            {
                throw r.Error("order_id", $"order '{id}' appears again");
            }

            var buyer = Known(tree, r, "buyer_id");
            var code = r["currency"].Trim();
            if (!Currency.TryFromCode(code, out var c))
            {
                throw r.Error("currency", $"'{code}' is not a known currency code");
            }

            currency ??= c;
            if (c != currency)
            {
                throw r.Error("currency", $"'{code}' is not the currency of the other orders ({currency.Value.Code})");
            }

            var amount = Amount(r, "amount", c);
            if (amount.MinorUnits <= 0)
            {
                throw r.Error("amount", "an order's amount must be positive");
            }

            purchases.Add(new Purchase(buyer, Instant(r, "paid_at").InZone(zone).Date, amount, ProductId.From(NonBlank(r, "product_id"))));
        }

        var interactions = new List<Interaction>();
        if (o.Optional("--interactions") is { } interactionsPath)
        {
            foreach (var r in Csv.Read(interactionsPath, "customer_id", "date", "kind"))
            {
                var who = Known(tree, r, "customer_id");
                var date = LocalDatePattern.Iso.Parse(r["date"].Trim());
                if (!date.Success)
                {
                    throw r.Error("date", $"'{r["date"]}' is not a date such as 2026-03-31");
                }

                var kindText = r["kind"].Trim();
                var kind = Array.FindIndex(InteractionNames, n => string.Equals(n.Name, kindText, StringComparison.OrdinalIgnoreCase) || string.Equals(n.Kind.ToString(), kindText, StringComparison.OrdinalIgnoreCase));
                if (kind < 0)
                {
                    throw r.Error("kind", $"'{kindText}' is not an interaction kind; use one of {string.Join(", ", InteractionNames.Select(n => n.Name))}");
                }

                var subject = r.Has("subject") ? r["subject"].Trim() : "";
                interactions.Add(new Interaction(who, date.Value, InteractionNames[kind].Kind, subject.Length == 0 ? null : subject));
            }
        }

        var lastDay = purchases.Select(p => p.Date).Concat(interactions.Select(i => i.Date)).DefaultIfEmpty(LocalDate.MinIsoValue).Max();
        var day = asOf ?? (purchases.Count + interactions.Count > 0 ? lastDay : throw new InputException(o.Required("--orders"), 2, 1, "no orders or interactions to score"));
        var facts = CustomerFacts.Build(purchases, interactions, day, currency ?? Currency.CNY, tree, zone);
        var board = new KeyCustomerScorer().Score(facts);
        var best = board.Top(top);

        string? csv = null;
        if (o.Optional("--out") is not null)
        {
            var sb = new StringBuilder("customer_id,score,repurchase,influence,spreading,rfm,rfm_cell,archetypes\n");
            foreach (var f in facts)
            {
                var s = board.ScoreOf(f.CustomerId);
                sb.Append(Csv.Field(s.CustomerId.Value)).Append(',').Append(F(s.Score));
                foreach (var c in s.Breakdown)
                {
                    sb.Append(',').Append(F(c.Value));
                }

                sb.Append(',').Append(s.Rfm.ToString()).Append(',').Append(Csv.Field(s.Archetypes.ToString())).Append('\n');
            }

            csv = sb.ToString();
        }

        if (csv is not null)
        {
            WriteAtomically(o.Optional("--out")!, csv);
        }

        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                asOf = LocalDatePattern.Iso.Format(day),
                customers = board.Count,
                top = best.Select((s, i) => new
                {
                    rank = i + 1, customer = s.CustomerId.Value, score = Math.Round(s.Score, 6), rfm = s.Rfm.ToString(), archetypes = s.Archetypes.ToString(),
                    breakdown = s.Breakdown.ToDictionary(c => c.Name, c => new { value = Math.Round(c.Value, 6), contribution = Math.Round(c.Contribution, 6), evidence = c.Evidence }),
                    reasons = s.Reasons,
                }),
            }, JsonOut));
            return 0;
        }

        stdout.WriteLine($"{board.Count} customers scored as of {LocalDatePattern.Iso.Format(day)}; the top {best.Count}:");
        for (var i = 0; i < best.Count; i++)
        {
            var s = best[i];
            stdout.WriteLine($"{i + 1,3}. {s.CustomerId,-16} {F(s.Score)}  {s.Rfm}  {s.Archetypes}");
            foreach (var reason in s.Reasons)
            {
                stdout.WriteLine($"       {reason}");
            }
        }

        return 0;
    }

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
