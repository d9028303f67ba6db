using System.CommandLine;
using System.CommandLine.Help;

namespace CommunityModel.Cli;

/// <summary>
/// The <c>community</c> command line, declared for System.CommandLine: every command and option with its help
/// (<c>-h</c> anywhere), options in any order, POSIX conventions. Parsing is the library's; each command's work is in
/// the CliApp partial files, reached through <see cref="Options"/>.
/// </summary>
public static partial class CliApp
{
    /// <summary>An option of a command: its name, what its value looks like, and its help.</summary>
    private sealed record Opt(string Name, string? Value, string Help)
    {
        public bool IsFlag => Value is null;
    }

    /// <summary>A command: its words, its help, its positional argument (if any), its options and its work.</summary>
    private sealed record Cmd(string Path, string Help, Opt[] Options, Func<Options, Io, int> Work, string? Argument = null);

    /// <summary>Where a command writes: results, messages, and whether a terminal shows a progress bar.</summary>
    private sealed record Io(TextWriter Out, TextWriter Err, bool Interactive);

    private static Opt O(string name, string value, string help) => new(name, value, help);

    private static Opt F(string name, string help) => new(name, null, help);

    private static readonly Opt JsonFlag = F("--json", "print the result as JSON (UTF-8 as written: Chinese is not escaped)");
    private static readonly Opt Profile = O("--profile", "NAME", "compliance profile: wechat, two-level, direct-selling, anti-pyramid, ftc");
    private static readonly Opt MembersOpt = O("--members", "members.csv", "required: member_id,sponsor_id,joined_at");
    private static readonly Opt OrdersOpt = O("--orders", "orders.csv", "required: order_id,buyer_id,product_id,amount,currency,paid_at");
    private static readonly Opt RefundsOpt = O("--refunds", "refunds.csv", "refund_id,order_id,amount,refunded_at");
    private static readonly Opt MembershipOpt = O("--membership", "membership.json", "required: the membership policy");
    private static readonly Opt LadderOpt = O("--ladder", "ladder.json", "the product ladder (when the policy does not hold one)");
    private static readonly Opt BookOpt = O("--book", "store.db", "required: the store book");
    private static readonly Opt Timings = F("--timings", "print how long the command took (to standard error)");
    private static readonly Opt Zone = O("--zone", "Asia/Shanghai", "time zone of dates without an offset (IANA id)");

    private static Opt Out(string example, string what, bool required = false) =>
        O("--out", example, $"{(required ? "required: " : string.Empty)}write {what} here ('-' for standard output)");

    private static Opt Transactions => O("--transactions", "tx.csv", "purchases: columns customer_id,date (or CDNOW's file with --format cdnow)");

    private static Opt Format => O("--format", "csv|cdnow", "the transactions file's format (csv by default)");

    private static Opt CalibrationEndOpt => O("--calibration-end", "1997-09-30", "required with --transactions: the last day of the calibration period");

    private static Opt TimeUnit => O("--time-unit", "week|day", "the unit of frequency, recency and --horizon (week by default)");

    private static Opt Summary(string columns) => O("--summary", "summary.csv", $"one row per customer: {columns}");

    private static readonly Cmd[] Commands =
    [
        new("commissions", "Pay commissions from files: members, orders and the plan in, payouts.csv out.",
        [
            O("--plan", "plan.json", "required: the commission plan"),
            MembersOpt,
            O("--orders", "orders.csv", "required: order_id,buyer_id,product_id,amount,currency,paid_at[,quantity]"),
            O("--ranks", "ranks.csv", "member_id,rank (members not listed are rank 0)"),
            RefundsOpt,
            O("--inactive", "ids.csv", "member_id of members who do not earn"),
            Out("payouts.csv", "one row per earner", required: true),
            O("--lines", "lines.csv", "also write every commission line, explained"),
            O("--holding", "P2M", "hold commissions in a ledger for this period (ISO 8601)"),
            Zone,
            O("--as-of", "2026-03-31T23:59:59+08:00", "with --holding: the instant balances are taken at"),
            JsonFlag, F("--timings", "print how long each step took, and the peak memory (to standard error)"),
        ], (o, io) => Commissions(o, io.Out, io.Err, new ProgressBar(io.Err, io.Interactive, "commissions", 5))),
        new("plan check", "Check a plan against a compliance profile; exit 1 when an error-severity rule fails.",
        [
            Profile,
            O("--holding", "P2M", "the ledger's holding period the plan runs with"),
            O("--refund-window", "P2M", "the refund window the store promises"),
            JsonFlag,
        ], (o, io) => PlanCheck(o.Argument!, o, io.Out), Argument: "plan.json"),
        new("score bgnbd", "Fit BG/NBD and score each customer's expected purchases (prints the fit as JSON).",
        [
            Summary("ID,frequency,recency,T"), Transactions, Format, CalibrationEndOpt, TimeUnit,
            O("--horizon", "52", "the prediction period, in the time unit (52 by default)"),
            Out("scores.csv", "each customer's scores"), JsonFlag,
        ], (o, io) => ScoreRepeat("bgnbd", o, io.Out)),
        new("score pareto", "Fit Pareto/NBD and score each customer's expected purchases (prints the fit as JSON).",
        [
            Summary("ID,frequency,recency,T"), Transactions, Format, CalibrationEndOpt, TimeUnit,
            O("--horizon", "52", "the prediction period, in the time unit (52 by default)"),
            Out("scores.csv", "each customer's scores"), JsonFlag,
        ], (o, io) => ScoreRepeat("pareto", o, io.Out)),
        new("score holdout", "Fit on the calibration period and compare predictions with the holdout's purchases.",
        [
            Transactions, Format, CalibrationEndOpt,
            O("--observation-end", "1998-06-30", "required: the last day of the holdout"),
            O("--model", "bgnbd|pareto", "the model (bgnbd by default)"), TimeUnit,
            Out("holdout.csv", "predicted and actual purchases by calibration purchases"),
            O("--charts", "DIR", "draw the tracking and conditional-expectation charts here"), JsonFlag,
        ], (o, io) => ScoreHoldout(o, io.Out)),
        new("score clv", "Customer lifetime value: BG/NBD x Gamma-Gamma, discounted per period.",
        [
            Summary("ID,frequency,recency,T,monetary_value"),
            O("--horizon", "52", "periods ahead (52 by default)"),
            O("--discount", "0.01", "discount rate per period"),
            O("--margin", "100%", "the share of spend that is margin"),
            O("--currency", "CNY", "the currency of monetary_value"),
            Out("clv.csv", "each customer's value"), JsonFlag,
        ], (o, io) => ScoreClv(o, io.Out)),
        new("score key-customers", "The customers to care for first, with the reasons.",
        [
            MembersOpt,
            OrdersOpt,
            O("--interactions", "interactions.csv", "chat interactions: member_id,kind,at"),
            O("--as-of", "2026-03-31", "the day scores are taken at (the last order's by default)"), Zone,
            O("--top", "30", "how many customers"),
            Out("scores.csv", "every customer's scores"), JsonFlag,
        ], (o, io) => ScoreKeyCustomers(o, io.Out)),
        new("groups replay", "Replay chat-group events under a policy: the decisions, and a dry run of a new policy.",
        [
            O("--policy", "policy.json", "required: the group policy"),
            O("--events", "events.jsonl", "required: one event per line (JSON Lines)"),
            O("--dry-run", "new-policy.json", "also say what this policy would have decided"),
            Out("decisions.csv", "the decisions"), JsonFlag,
        ], (o, io) => GroupsReplay(o, io.Out, io.Err, io.Interactive)),
        new("simulate", "Simulate a store's year: arrivals, purchases, climbs, referrals, refunds and groups.",
        [
            O("--config", "sim.json", "the simulation settings"),
            O("--customers", "N", "at most this many customers"),
            O("--days", "N", "days to simulate"),
            O("--seed", "N", "the random seed (the same seed, the same store)"),
            O("--plan", "plan.json", "the commission plan"), Profile,
            O("--charts", "DIR", "draw the charts here"), JsonFlag, Timings,
        ], (o, io) => Simulate(o, io.Out, io.Err, io.Interactive)),
        new("tiers evaluate", "Every member's tier at a day, with the reasons: tiers.csv.",
        [
            MembershipOpt,
            LadderOpt,
            MembersOpt,
            OrdersOpt,
            RefundsOpt,
            O("--as-of", "2026-03-31", "required: the day tiers are evaluated at"),
            Out("tiers.csv", "one row per member", required: true), JsonFlag,
        ], (o, io) => TiersEvaluate(o, io.Out)),
        new("tiers explain", "One member's tier, explained in the store's words.",
        [
            O("--member", "ID", "required: the member"),
            MembershipOpt,
            LadderOpt,
            MembersOpt,
            OrdersOpt,
            RefundsOpt,
            O("--as-of", "2026-03-31", "required: the day the tier is evaluated at"), JsonFlag,
        ], (o, io) => TiersExplain(o, io.Out)),
        new("book init", "Create a store book (SQLite) holding the plan, the membership policy and the ladder.",
        [
            O("--book", "store.db", "required: the book to create"),
            O("--plan", "plan.json", "required: the plan (its ranksByTier says the rank each tier is paid at)"),
            MembershipOpt,
            O("--ladder", "ladder.json", "required: the product ladder"),
            O("--holding", "P2M", "required: the ledger's holding period"), JsonFlag,
        ], (o, io) => BookInit(o, io.Out)),
        new("close", "Close a month in one step: tiers, commissions, refunds and clawbacks, and the month's reports.",
        [
            BookOpt,
            O("--month", "2026-03", "required: the month to close"),
            O("--members", "members.csv", "members who joined (member_id,sponsor_id,joined_at)"),
            O("--orders", "orders.csv", "required: the month's orders"),
            O("--refunds", "refunds.csv", "the month's refunds"),
            O("--out", "DIR", "required: the folder for tiers.csv, payouts-available.csv, statements.csv and the reports"),
            Profile,
            F("--timings", "print how long each step took, and the peak memory (to standard error)"), JsonFlag,
        ], (o, io) => Close(o, io.Out, io.Err)),
        new("pay", "Record the payouts of the last closed month as paid.",
        [
            BookOpt,
            O("--month", "2026-03", "required: the last closed month"),
            O("--paid", "payouts-available.csv", "required: the payouts made (rows as close wrote them)"), JsonFlag,
        ], (o, io) => Pay(o, io.Out)),
    ];

    private static readonly string[] GroupHelp =
    [
        "plan", "Check commission plans.",
        "score", "Score customers: repeat purchases, holdout checks, lifetime value, key customers.",
        "groups", "Chat groups under their rules.",
        "tiers", "Membership tiers from files.",
        "book", "The store book a month-end close keeps.",
    ];

    private static readonly Option<string> EncodingOption = new("--encoding")
    {
        Description = "the encoding of every CSV file read: utf-8 (strict, the default), gb18030 or gbk (what Excel writes on Chinese Windows), utf-16 or utf-16be",
        HelpName = "utf-8|gb18030|gbk|utf-16",
        Recursive = true,
    };

    private static readonly Option<bool> ExcelOption = new("--excel")
    {
        Description = "write CSV for Excel: a byte-order mark, and cells starting with = + - @ kept as text",
        Recursive = true,
    };

    private static readonly Option<bool> VerboseOption = new("--verbose")
    {
        Description = "on an unexpected error, print where it happened",
        Recursive = true,
    };

    private static readonly (RootCommand Root, Dictionary<Command, Cmd> Work) Tree = BuildTree();

    private static (RootCommand, Dictionary<Command, Cmd>) BuildTree()
    {
        var root = new RootCommand("community: commissions, membership tiers, the month-end close, customer scores, chat-group rules and store simulation from CSV and JSON files.\nExit codes: 0 done, 1 a check found an error, 2 bad input or usage (nothing written).");
        root.HelpName = "community";
        root.Options.Add(EncodingOption);
        root.Options.Add(ExcelOption);
        root.Options.Add(VerboseOption);
        var work = new Dictionary<Command, Cmd>();
        foreach (var cmd in Commands)
        {
            Command parent = root;
            var words = cmd.Path.Split(' ');
            foreach (var word in words[..^1])
            {
                var group = parent.Subcommands.FirstOrDefault(c => c.Name == word);
                if (group is null)
                {
                    group = new Command(word, GroupHelp[Array.IndexOf(GroupHelp, word) + 1]);
                    parent.Subcommands.Add(group);
                }

                parent = group;
            }

            var command = new Command(words[^1], cmd.Help);
            if (cmd.Argument is { } argument)
            {
                command.Arguments.Add(new Argument<string>(argument) { Description = "the file" });
            }

            foreach (var opt in cmd.Options)
            {
                command.Options.Add(opt.IsFlag
                    ? new Option<bool>(opt.Name) { Description = opt.Help }
                    : new Option<string>(opt.Name) { Description = opt.Help, HelpName = opt.Value });
            }

            parent.Subcommands.Add(command);
            work[command] = cmd;
        }

        return (root, work);
    }

    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <summary>The command line parsed: a command's options by name.</summary>
    private sealed class Options(ParseResult parse, Cmd? command)
    {
        /// <summary>The positional argument (the file of <c>plan check</c>).</summary>
        public string? Argument => command?.Argument is { } name ? parse.GetValue<string>(name) : null;

        public string Required(string name) => Optional(name) ?? throw new UsageException($"{name} is required");

        public string? Optional(string name)
        {
            Declared(name);
            return parse.GetValue<string>(name);
        }

        public bool Flag(string name)
        {
            Declared(name);
            return parse.GetValue<bool>(name);
        }

        private void Declared(string name)
        {
            if (command is null || !Array.Exists(command.Options, o => o.Name == name))
            {
                throw new InvalidOperationException($"{command?.Path} does not declare {name}");
            }
        }
    }

    /// <summary>The usage of the command <paramref name="command"/> names (a line or two), for a usage error.</summary>
    private static string UsageOf(Command? command)
    {
        if (command is null || !Tree.Work.TryGetValue(command, out var cmd))
        {
            var names = Commands.Select(c => c.Path);
            var prefix = command is null or RootCommand ? string.Empty : command.Name + " ";
            var listed = names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            return $"usage: community <command> [options]; commands: {string.Join(", ", listed)}\n(community --help, or community <command> --help, says more)";
        }

        var parts = new List<string> { "usage: community " + cmd.Path };
        if (cmd.Argument is { } argument)
        {
            parts.Add(argument);
        }

        foreach (var opt in cmd.Options)
        {
            var text = opt.IsFlag ? opt.Name : $"{opt.Name} {opt.Value}";
            parts.Add(opt.Help.StartsWith("required", StringComparison.Ordinal) ? text : $"[{text}]");
        }

        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (line.Length > 0 && line.Length + part.Length + 1 > 100)
            {
                lines.Add(line.ToString());
                line.Clear().Append("       ");
            }

            line.Append(line.Length is 0 or 7 ? string.Empty : " ").Append(part);
        }

        lines.Add(line.ToString());
        lines.Add($"(community {cmd.Path} --help says what each option means)");
        return string.Join('\n', lines);
    }

    /// <summary>Help, --version, or a directive such as [suggest] (tab completion): System.CommandLine's own work.</summary>
    private static bool IsBuiltIn(ParseResult parse) => parse.Action is HelpAction || (parse.Action is not null and not System.CommandLine.Invocation.ParseErrorAction);
}
