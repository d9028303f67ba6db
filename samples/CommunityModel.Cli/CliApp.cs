using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Serialization.Json;
using CommunityModel.Primitives;
using CommunityModel.Referrals;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Cli;

/// <summary>
/// The <c>community</c> command. Exit codes: 0 done, 1 a plan check found an error-severity failure, 2 bad
/// input or usage (the message names the file, line and column; nothing is written).
/// </summary>
public static partial class CliApp
{
    /// <summary>Runs the command.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors (and the progress bar) go.</param>
    /// <param name="interactive">Whether <paramref name="stderr"/> is a terminal: long work then shows a progress bar.</param>
    /// <returns>The exit code: 0 done, 1 a check found an error-severity problem, 2 bad input or usage; no other.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        Command? command = null;
        var verbose = false;
        try
        {
            var parse = Tree.Root.Parse(args, Parsing);
            command = parse.CommandResult.Command;
            verbose = parse.GetValue(VerboseOption);
            if (IsBuiltIn(parse))
            {
                return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr }) == 0 ? 0 : 2;
            }

            if (parse.Errors.Count > 0)
            {
                throw new UsageException(OneLine(parse.Errors[0].Message));
            }

            if (!Tree.Work.TryGetValue(command, out var cmd))
            {
                throw new UsageException(command is RootCommand ? "no command given" : $"'{command.Name}' needs a command after it");
            }

            CsvEncoding.Use(parse.GetValue(EncodingOption));
            Csv.Excel = parse.GetValue(ExcelOption);
            var options = new Options(parse, cmd);

            // --out - writes the result to standard output; the command's messages then go to standard error.
            var toStdout = Array.Exists(cmd.Options, o => o.Name == "--out") && options.Optional("--out") == "-";
            OutputFile.StandardOutput = toStdout ? stdout : null;
            var io = new Io(toStdout ? stderr : stdout, stderr, interactive);
            var clock = Stopwatch.StartNew();
            var code = cmd.Work(options, io);
            if (Array.Exists(cmd.Options, o => o.Name == "--timings") && options.Flag("--timings"))
            {
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"community {cmd.Path}: {clock.ElapsedMilliseconds} ms"));
            }

            return code;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"community: {e.Message}");
            stderr.WriteLine(UsageOf(command));
            return 2;
        }
        catch (InputException e)
        {
            stderr.WriteLine($"community: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file that went away or could not be written while the command ran: one line, nothing left behind.
            stderr.WriteLine($"community: {e.Message}");
            return 2;
        }
        catch (InvalidInputException e)
        {
            // A rule the files break as a whole (a sum beyond 64 bits, ...): the library's own words and code.
            stderr.WriteLine($"community: the input breaks a rule: {string.Join("; ", e.Problems.Select(p => $"{p.Message} [{p.Code}]"))}");
            return 2;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing the command expected: one line (the stack with --verbose), exit 2, and no output left behind
            // (every file is written to a temporary name and renamed only when all are complete).
            stderr.WriteLine($"community: unexpected error: {OneLine(e.Message)} ({e.GetType().Name}){(verbose ? string.Empty : "; --verbose shows where")}");
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }

            return 2;
        }
        finally
        {
            OutputFile.StandardOutput = null;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>
    /// JSON printed by <c>--json</c>: text as written (Chinese tier and plan names are not escaped to \\uXXXX; the
    /// output goes to a terminal or a pipe, never into HTML), and nothing that changes from run to run.
    /// </summary>
    private static readonly JsonSerializerOptions JsonOut = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static CommissionPlan ReadPlan(string path)
    {
        if (!File.Exists(path))
        {
            throw new InputException(path, 0, 0, "file not found");
        }

        var result = ConfigJson.ReadPlan(File.ReadAllText(path));
        return result.IsValid ? CommissionPlan.Create(result.Value!) : throw Problems(path, result.Problems);
    }

    // Commissions live in CliApp.Commissions.cs.

    private static int PlanCheck(string file, Options o, TextWriter stdout)
    {
        var plan = ReadPlan(file);
        var name = o.Optional("--profile") ?? "two-level";
        var profile = ComplianceProfiles.Find(name) ?? throw new UsageException($"unknown profile '{name}'");
        var context = ComplianceContext.ForPlan(plan) with
        {
            HoldingPeriod = o.Optional("--holding") is { } h ? PeriodOf(h, "--holding") : null,
            RefundWindow = o.Optional("--refund-window") is { } w ? PeriodOf(w, "--refund-window") : null,
            QualificationProducts = [.. plan.Definition.Products.Where(p => !p.Commissionable).Select(p => p.Product)],
        };
        var report = profile.Check(context);
        var laws = PlanLaws.Check(plan);
        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                profile = report.Profile,
                plan = report.Plan,
                hasErrors = report.HasErrors,
                findings = report.Findings.Select(f => new { rule = f.RuleId, severity = f.Severity.ToString(), status = f.Status.ToString(), measured = f.Measured, limit = f.Limit, fix = f.Fix, source = f.Source }),
                laws = new { cases = laws.CasesTried, violations = laws.Violations.Select(v => new { law = v.Law.ToString(), description = v.Description, @case = v.Case.Describe() }) },
            }, JsonOut));
        }
        else
        {
            stdout.Write(report.Describe());
            stdout.Write(laws.Describe());
        }

        return report.HasErrors ? 1 : 0;
    }

    private static int ScoreRepeat(string model, Options o, TextWriter stdout)
    {
        var summaries = new List<Scoring.RepeatSummary>();
        string path;
        if (o.Optional("--transactions") is { } txPath)
        {
            if (o.Optional("--summary") is not null)
            {
                throw new UsageException("give --summary or --transactions, not both");
            }

            path = txPath;
            var daysPerUnit = DaysPerUnit(o);
            var end = CalibrationEnd(o);
            summaries.AddRange(Scoring.RepeatSummaries.FromPurchases(ReadTransactions(txPath, o.Optional("--format")), end, daysPerUnit: daysPerUnit).Select(c => c.Summary));
        }
        else
        {
            path = o.Optional("--summary") ?? throw new UsageException("--summary or --transactions with --calibration-end is required");
            if (o.Optional("--time-unit") is not null || o.Optional("--format") is not null)
            {
                throw new UsageException("--time-unit and --format apply to --transactions; a summary file is already in its own unit");
            }

            summaries.AddRange(ReadSummaries(path));
        }

        if (summaries.Count == 0)
        {
            throw new InputException(path, 2, 1, "no customers to fit");
        }

        return FitAndReport(model, summaries, o, path, stdout);
    }

    private static int DaysPerUnit(Options o) => o.Optional("--time-unit") switch
    {
        null or "week" => 7,
        "day" => 1,
        var other => throw new UsageException($"--time-unit '{other}' is not week or day"),
    };

    private static LocalDate CalibrationEnd(Options o)
    {
        var text = o.Required("--calibration-end");
        return ParseDay(text) ?? throw new UsageException($"--calibration-end '{text}' is not a date such as 1997-09-30");
    }

    /// <summary>
    /// Purchases from a transactions file: <c>customer_id,date</c> CSV (ISO 8601 or yyyyMMdd dates), or with
    /// <c>--format cdnow</c> CDNOW's whitespace-separated file as it ships (the master file: customer id, yyyymmdd
    /// date, CDs, dollars, after a header line; the 1/10 sample: customer id, sample id, date, CDs, dollars).
    /// </summary>
    private static List<Scoring.Purchase> ReadTransactions(string path, string? format)
    {
        var purchases = new List<Scoring.Purchase>();
        switch (format)
        {
            case null or "csv":
                foreach (var r in Csv.Read(path, "customer_id", "date"))
                {
                    var day = ParseDay(r["date"].Trim()) ?? throw r.Error("date", $"'{r["date"]}' is not a date such as 1997-01-01 or 19970101");
                    purchases.Add(new Scoring.Purchase(MemberId.From(NonBlank(r, "customer_id")), day, Money.Zero(Currency.CNY)));
                }

                break;
            case "cdnow":
                if (!File.Exists(path))
                {
                    throw new InputException(path, 0, 0, Directory.Exists(path) ? "is a folder, not a file" : "file not found");
                }

                var line = 0;
                foreach (var text in File.ReadLines(path))
                {
                    line++;
                    var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length == 0 || (line == 1 && !char.IsAsciiDigit(fields[0][0])))
                    {
                        continue;
                    }

                    if (fields.Length is not (4 or 5))
                    {
                        throw new InputException(path, line, 1, $"{fields.Length} field(s); a CDNOW file has customer id, [sample id,] date, CDs, dollars");
                    }

                    var dateField = fields[^3];
                    var day = ParseDay(dateField) ?? throw new InputException(path, line, text.IndexOf(dateField, StringComparison.Ordinal) + 1, $"'{dateField}' is not a date such as 19970101");
                    purchases.Add(new Scoring.Purchase(MemberId.From(fields[0]), day, Money.Zero(Currency.USD)));
                }

                break;
            default:
                throw new UsageException($"--format '{format}' is not csv or cdnow");
        }

        if (purchases.Count == 0)
        {
            throw new InputException(path, 2, 1, "no transactions");
        }

        return purchases;
    }

    private static LocalDate? ParseDay(string text)
    {
        var iso = LocalDatePattern.Iso.Parse(text);
        if (iso.Success)
        {
            return iso.Value;
        }

        var compact = LocalDatePattern.CreateWithInvariantCulture("yyyyMMdd").Parse(text);
        return compact.Success ? compact.Value : null;
    }

    private static List<Scoring.RepeatSummary> ReadSummaries(string path)
    {
        var summaries = new List<Scoring.RepeatSummary>();
        foreach (var r in Csv.Read(path, "ID", "frequency", "recency", "T"))
        {
            double Number(string column, double min) =>
                double.TryParse(r[column].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && double.IsFinite(v)
                    ? v : throw r.Error(column, $"'{r[column]}' is not a number of at least {min.ToString(CultureInfo.InvariantCulture)}");
            var frequency = Number("frequency", 0);
            if (frequency != Math.Floor(frequency) || frequency > int.MaxValue)
            {
                throw r.Error("frequency", $"'{r["frequency"]}' is not a whole number of repeat purchases");
            }

            var recency = Number("recency", 0);
            var age = Number("T", 0);
            if (recency > age)
            {
                throw r.Error("recency", $"recency {recency.ToString(CultureInfo.InvariantCulture)} is after the customer's age T {age.ToString(CultureInfo.InvariantCulture)}");
            }

            summaries.Add(new Scoring.RepeatSummary(MemberId.From(NonBlank(r, "ID")), (int)frequency, recency, age));
        }

        return summaries;
    }

    private static int ScoreClv(Options o, TextWriter stdout)
    {
        var path = o.Required("--summary");
        int horizon = 52;
        if (o.Optional("--horizon") is { } h && (!int.TryParse(h, NumberStyles.Integer, CultureInfo.InvariantCulture, out horizon) || horizon < 1 || horizon > 10_000))
        {
            throw new UsageException($"--horizon '{h}' is not a whole number of periods from 1 to 10000");
        }

        var discountText = o.Optional("--discount") ?? "0.01";
        if (!double.TryParse(discountText, NumberStyles.Float, CultureInfo.InvariantCulture, out var discount) || !double.IsFinite(discount) || discount < 0 || discount > 1)
        {
            throw new UsageException($"--discount '{discountText}' is not a rate per period from 0 to 1, such as 0.01");
        }

        var marginText = o.Optional("--margin") ?? "100%";
        var margin = marginText.EndsWith('%') && decimal.TryParse(marginText[..^1], NumberStyles.Number, CultureInfo.InvariantCulture, out var percent) && percent is > 0 and <= 100
            ? Rate.FromPercent(percent)
            : throw new UsageException($"--margin '{marginText}' is not a share such as 40%");
        var currencyCode = o.Optional("--currency") ?? "CNY";
        var currency = Currency.TryFromCode(currencyCode, out var c) ? c : throw new UsageException($"--currency '{currencyCode}' is not a known currency code");

        var summaries = new List<Scoring.RepeatSummary>();
        var monetary = new List<double>();
        foreach (var r in Csv.Read(path, "ID", "frequency", "recency", "T", "monetary_value"))
        {
            double Number(string column) =>
                double.TryParse(r[column].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
                    ? v : throw r.Error(column, $"'{r[column]}' is not a number of at least 0");
            var frequency = Number("frequency");
            if (frequency != Math.Floor(frequency) || frequency > int.MaxValue)
            {
                throw r.Error("frequency", $"'{r["frequency"]}' is not a whole number of repeat purchases");
            }

            var (recency, age, value) = (Number("recency"), Number("T"), Number("monetary_value"));
            if (recency > age)
            {
                throw r.Error("recency", $"recency {recency.ToString(CultureInfo.InvariantCulture)} is after the customer's age T {age.ToString(CultureInfo.InvariantCulture)}");
            }

            if (frequency > 0 && value <= 0)
            {
                throw r.Error("monetary_value", "a repeat buyer needs a positive mean value per repeat purchase");
            }

            summaries.Add(new Scoring.RepeatSummary(MemberId.From(NonBlank(r, "ID")), (int)frequency, recency, age));
            monetary.Add(value);
        }

        if (summaries.Count == 0)
        {
            throw new InputException(path, 2, 1, "no customers to fit");
        }

        var fit = Scoring.BgNbd.Fit(summaries);
        var buyers = summaries.Select((s, i) => new Scoring.SpendSummary(s.CustomerId, s.Frequency, monetary[i])).Where(s => s.Frequency > 0).ToList();
        if (buyers.Count == 0)
        {
            throw new InputException(path, 0, 0, "no customer bought again, so what a purchase is worth cannot be estimated");
        }

        var spend = Scoring.GammaGamma.Fit(buyers);
        if ((fit.Diagnosis ?? spend.Diagnosis) is { } diagnosis)
        {
            throw new InputException(path, 0, 0, "the models cannot be fitted on these customers: " + diagnosis);
        }

        var share = margin.PartsPerMillion / 1_000_000.0;
        var sb = new StringBuilder("ID,expected_value_per_purchase,clv\n");
        var total = 0.0;
        for (var i = 0; i < summaries.Count; i++)
        {
            var s = summaries[i];
            var perPurchase = Scoring.GammaGamma.ConditionalExpectedValue(spend.Parameters, s.Frequency, s.Frequency > 0 ? monetary[i] : 0);
            var clv = Scoring.BgNbd.CustomerLifetimeValue(fit.Parameters, s.Frequency, s.Recency, s.Age, perPurchase, horizon, discount) * share;
            total += clv;
            sb.Append(Csv.Field(s.CustomerId.Value)).Append(',')
              .Append(perPurchase.ToString("0.00", CultureInfo.InvariantCulture)).Append(',')
              .Append(clv.ToString("0.00", CultureInfo.InvariantCulture)).Append('\n');
        }

        if (o.Optional("--out") is { } outPath)
        {
            WriteAtomically(outPath, sb.ToString());
        }

        stdout.WriteLine(JsonSerializer.Serialize(new
        {
            currency = currency.Code, horizon, discount, margin = margin.ToString(), customers = summaries.Count, repeatBuyers = buyers.Count,
            totalClv = Math.Round(total, 2), r = fit.Parameters.R, alpha = fit.Parameters.Alpha, a = fit.Parameters.A, b = fit.Parameters.B,
            p = spend.Parameters.P, q = spend.Parameters.Q, gamma = spend.Parameters.Gamma,
        }, JsonOut));
        return 0;
    }

    private static int FitAndReport(string model, List<Scoring.RepeatSummary> summaries, Options o, string path, TextWriter stdout)
    {
        var horizonText = o.Optional("--horizon") ?? "52";
        if (!double.TryParse(horizonText, NumberStyles.Float, CultureInfo.InvariantCulture, out var horizon) || !double.IsFinite(horizon) || horizon <= 0 || horizon > 10_000)
        {
            throw new UsageException($"--horizon '{horizonText}' is not a number of periods from 0 (excluded) to 10000");
        }

        var (fitted, diagnosis, alive, expected) = FitModel(model, summaries);
        if (diagnosis is not null)
        {
            // Never Infinity or NaN in a file a store reads: a fit the data cannot support is an input problem.
            throw new InputException(path, 0, 0, "the model cannot be fitted on these customers: " + diagnosis);
        }

        if (o.Optional("--out") is { } outPath)
        {
            var sb = new StringBuilder($"ID,p_alive,expected_purchases_next_{horizon.ToString(CultureInfo.InvariantCulture)}\n");
            foreach (var s in summaries)
            {
                sb.Append(Csv.Field(s.CustomerId.Value)).Append(',')
                  .Append(alive(s).ToString("0.######", CultureInfo.InvariantCulture)).Append(',')
                  .Append(expected(s, horizon).ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
            }

            WriteAtomically(outPath, sb.ToString());
        }

        fitted["customers"] = summaries.Count;
        fitted["horizon"] = horizon;
        stdout.WriteLine(JsonSerializer.Serialize(fitted, JsonOut));
        return 0;
    }

    /// <summary>Fits BG/NBD or Pareto/NBD: the parameters and fit figures for the report, the diagnosis, and the model's predictions.</summary>
    private static (Dictionary<string, object> Fitted, string? Diagnosis, Func<Scoring.RepeatSummary, double> Alive, Func<Scoring.RepeatSummary, double, double> Expected) FitModel(string model, List<Scoring.RepeatSummary> summaries)
    {
        if (model == "pareto")
        {
            var fit = Scoring.ParetoNbd.Fit(summaries);
            var p = fit.Parameters;
            return (
                new() { ["model"] = "pareto/nbd", ["r"] = p.R, ["alpha"] = p.Alpha, ["s"] = p.S, ["beta"] = p.Beta, ["logLikelihood"] = fit.LogLikelihood, ["converged"] = fit.Converged },
                fit.Diagnosis,
                s => Scoring.ParetoNbd.ProbabilityAlive(p, s.Frequency, s.Recency, s.Age),
                (s, t) => Scoring.ParetoNbd.ConditionalExpectedPurchases(p, t, s.Frequency, s.Recency, s.Age));
        }

        var bg = Scoring.BgNbd.Fit(summaries);
        var q = bg.Parameters;
        return (
            new() { ["model"] = "bg/nbd", ["r"] = q.R, ["alpha"] = q.Alpha, ["a"] = q.A, ["b"] = q.B, ["logLikelihood"] = bg.LogLikelihood, ["converged"] = bg.Converged },
            bg.Diagnosis,
            s => Scoring.BgNbd.ProbabilityAlive(q, s.Frequency, s.Recency, s.Age),
            (s, t) => Scoring.BgNbd.ConditionalExpectedPurchases(q, t, s.Frequency, s.Recency, s.Age));
    }

    private static int ScoreHoldout(Options o, TextWriter stdout)
    {
        var path = o.Required("--transactions");
        var model = o.Optional("--model") ?? "bgnbd";
        if (model is not ("bgnbd" or "pareto"))
        {
            throw new UsageException($"--model '{model}' is not bgnbd or pareto");
        }

        var daysPerUnit = DaysPerUnit(o);
        var calibrationEnd = CalibrationEnd(o);
        var observationText = o.Required("--observation-end");
        var observationEnd = ParseDay(observationText) ?? throw new UsageException($"--observation-end '{observationText}' is not a date such as 1998-06-30");
        if (observationEnd <= calibrationEnd)
        {
            throw new UsageException($"--observation-end {observationText} must be after --calibration-end");
        }

        var chartsDir = EnsureFolder(o.Optional("--charts"), "--charts");
        var purchases = ReadTransactions(path, o.Optional("--format"));
        var summaries = Scoring.HoldoutCheck.Split(purchases, calibrationEnd, observationEnd, daysPerUnit).Select(c => c.Summary).ToList();
        if (summaries.Count == 0)
        {
            throw new InputException(path, 2, 1, $"no customer bought on or before the calibration end {calibrationEnd}");
        }

        Scoring.HoldoutComparison comparison;
        Dictionary<string, object> fitted;
        if (model == "pareto")
        {
            var fit = Scoring.ParetoNbd.Fit(summaries);
            if (fit.Diagnosis is { } d)
            {
                throw new InputException(path, 0, 0, "the model cannot be fitted on the calibration period: " + d);
            }

            fitted = new() { ["model"] = "pareto/nbd", ["r"] = fit.Parameters.R, ["alpha"] = fit.Parameters.Alpha, ["s"] = fit.Parameters.S, ["beta"] = fit.Parameters.Beta, ["logLikelihood"] = fit.LogLikelihood };
            comparison = Scoring.HoldoutCheck.CompareParetoNbd(purchases, calibrationEnd, observationEnd, fit.Parameters, daysPerUnit);
        }
        else
        {
            var fit = Scoring.BgNbd.Fit(summaries);
            if (fit.Diagnosis is { } d)
            {
                throw new InputException(path, 0, 0, "the model cannot be fitted on the calibration period: " + d);
            }

            fitted = new() { ["model"] = "bg/nbd", ["r"] = fit.Parameters.R, ["alpha"] = fit.Parameters.Alpha, ["a"] = fit.Parameters.A, ["b"] = fit.Parameters.B, ["logLikelihood"] = fit.LogLikelihood };
            comparison = Scoring.HoldoutCheck.CompareBgNbd(purchases, calibrationEnd, observationEnd, fit.Parameters, daysPerUnit);
        }

        if (o.Optional("--out") is { } outPath)
        {
            var sb = new StringBuilder("calibration_purchases,customers,actual_mean,predicted_mean\n");
            foreach (var g in comparison.Groups)
            {
                sb.Append(g.CalibrationPurchases.ToString(CultureInfo.InvariantCulture)).Append(g.AndMore ? "+" : "").Append(',')
                  .Append(g.Customers.ToString(CultureInfo.InvariantCulture)).Append(',')
                  .Append(g.ActualMean.ToString("0.######", CultureInfo.InvariantCulture)).Append(',')
                  .Append(g.PredictedMean.ToString("0.######", CultureInfo.InvariantCulture)).Append('\n');
            }

            WriteAtomically(outPath, sb.ToString());
        }

        var charts = chartsDir is null ? [] : HoldoutCharts(comparison, chartsDir, (string)fitted["model"]);
        if (o.Flag("--json"))
        {
            fitted["customers"] = comparison.Customers;
            fitted["holdoutLength"] = comparison.HoldoutLength;
            fitted["actualHoldoutPurchases"] = comparison.ActualHoldoutPurchases;
            fitted["predictedHoldoutPurchases"] = Math.Round(comparison.PredictedHoldoutPurchases, 3);
            fitted["groups"] = comparison.Groups.Select(g => new { calibrationPurchases = g.CalibrationPurchases + (g.AndMore ? "+" : ""), customers = g.Customers, actual = Math.Round(g.ActualMean, 4), predicted = Math.Round(g.PredictedMean, 4) }).ToList();
            fitted["tracking"] = comparison.Tracking.Select(t => new { period = t.Period, actual = t.Actual, expected = Math.Round(t.Expected, 2) }).ToList();
            fitted["charts"] = charts;
            stdout.WriteLine(JsonSerializer.Serialize(fitted, JsonOut));
            return 0;
        }

        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fitted["model"]} fitted on {comparison.Customers} customers to {LocalDatePattern.Iso.Format(calibrationEnd)}; holdout {comparison.HoldoutLength:0.##} {(daysPerUnit == 7 ? "weeks" : "days")} to {LocalDatePattern.Iso.Format(observationEnd)}"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"purchases in the holdout: actual {comparison.ActualHoldoutPurchases}, predicted {comparison.PredictedHoldoutPurchases:0.0}"));
        stdout.WriteLine("calibration purchases  customers  actual mean  predicted mean");
        foreach (var g in comparison.Groups)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{g.CalibrationPurchases + (g.AndMore ? "+" : ""),21}  {g.Customers,9}  {g.ActualMean,11:0.000}  {g.PredictedMean,14:0.000}"));
        }

        foreach (var chart in charts)
        {
            stdout.WriteLine($"chart: {chart}");
        }

        return 0;
    }

    /// <summary>Makes an output folder before any work, so that one that cannot be made is exit 2 with nothing done.</summary>
    private static string? EnsureFolder(string? folder, string option)
    {
        if (folder is not null)
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new InputException(folder, 0, 0, $"{option}: cannot make the folder ({e.Message})");
            }
        }

        return folder;
    }

    private static IReadOnlyList<string> HoldoutCharts(Scoring.HoldoutComparison comparison, string directory, string model)
    {
        Directory.CreateDirectory(directory);
        var groups = new ScottPlot.Plot();
        var xs = comparison.Groups.Select(g => (double)g.CalibrationPurchases).ToArray();
        var actual = groups.Add.Scatter(xs, comparison.Groups.Select(g => g.ActualMean).ToArray());
        actual.LegendText = "actual";
        var predicted = groups.Add.Scatter(xs, comparison.Groups.Select(g => g.PredictedMean).ToArray());
        predicted.LegendText = model;
        groups.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, comparison.Groups.Select(g => g.CalibrationPurchases + (g.AndMore ? "+" : "")).ToArray());
        groups.ShowLegend();
        groups.Title("Holdout purchases per customer, by calibration purchases");
        groups.XLabel("repeat purchases in the calibration period");
        groups.YLabel("mean purchases in the holdout period");
        var groupsPath = Path.Combine(directory, "holdout-by-calibration-purchases.png");
        groups.SavePng(groupsPath, 800, 500);

        var tracking = new ScottPlot.Plot();
        var periods = comparison.Tracking.Select(t => (double)t.Period).ToArray();
        var actualLine = tracking.Add.Scatter(periods, comparison.Tracking.Select(t => t.Actual).ToArray());
        actualLine.LegendText = "actual";
        actualLine.MarkerSize = 0;
        var expectedLine = tracking.Add.Scatter(periods, comparison.Tracking.Select(t => t.Expected).ToArray());
        expectedLine.LegendText = model;
        expectedLine.MarkerSize = 0;
        tracking.Add.VerticalLine(comparison.Tracking.Count - comparison.HoldoutLength);
        tracking.ShowLegend();
        tracking.Title("Cumulative repeat purchases (the line: end of the calibration period)");
        tracking.XLabel("period");
        tracking.YLabel("repeat purchases");
        var trackingPath = Path.Combine(directory, "tracking.png");
        tracking.SavePng(trackingPath, 800, 500);
        return [groupsPath, trackingPath];
    }

    private static int Simulate(Options o, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        int? Int(string name) => o.Optional(name) is { } v
            ? int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new UsageException($"{name} '{v}' is not a whole number")
            : null;
        var settings = new Simulation.SimulationSettings { MaxCustomers = 2_000, PaidArrivalsPerDay = 4 };
        if (o.Optional("--config") is { } configPath)
        {
            var read = ConfigJson.ReadSimulationSettings(ReadText(configPath));
            settings = read.IsValid ? read.Value! : throw Problems(configPath, read.Problems);
        }

        if (Int("--customers") is { } customers)
        {
            settings = settings with { MaxCustomers = customers, PaidArrivalsPerDay = customers / 500.0 };
        }

        settings = settings with
        {
            Seed = Int("--seed") is { } seed ? (ulong)seed : settings.Seed,
            Days = Int("--days") ?? settings.Days,
            Plan = o.Optional("--plan") is { } planPath ? ReadPlan(planPath) : settings.Plan,
            Compliance = o.Optional("--profile") is { } name ? ComplianceProfiles.Find(name) ?? throw new UsageException($"unknown profile '{name}'") : settings.Compliance,
        };
        var problems = settings.Validate();
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join("; ", problems.Select(e => $"{ConfigJson.ToJsonPath(e.Path)}: {e.Message} [{e.Code}]")));
        }

        var chartsFolder = EnsureFolder(o.Optional("--charts"), "--charts");
        Simulation.SimulationResult result;
        using (var bar = new ProgressBar(stderr, interactive, "simulating", settings.Days))
        {
            result = Simulation.CommunitySimulator.Run(settings, bar);
        }

        var f = result.Flows;
        var charts = chartsFolder is { } chartDir ? Quickstart.Charts.Write(result, chartDir) : [];
        if (o.Flag("--json"))
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                customers = result.Tree.Count, orders = result.Orders.Count, refunds = result.Refunds.Count, grossSales = f.GrossSales.ToString(), earnersNet = f.EarnersNet.ToString(),
                companyNet = f.CompanyNet.ToString(), payoutRatio = f.PayoutRatio, selfCirculation = result.SelfCirculationShare,
                partners = result.Disclosure.AllPartners.People, partnersEarningNothing = result.Disclosure.AllPartners.ShareEarningNothing,
                complianceErrors = result.Compliance.HasErrors, charts,
            }, JsonOut));
        }
        else
        {
            stdout.WriteLine($"{result.Tree.Count} customers over {settings.Days} days: {result.Orders.Count} orders, sales {f.GrossSales}, refunds {f.Refunds}, earners {f.EarnersNet}, company {f.CompanyNet}.");
            stdout.WriteLine($"Self-circulation {result.SelfCirculationShare:P1}, payout ratio {f.PayoutRatio:P2}.");
            stdout.Write(result.Disclosure.Describe());
            stdout.Write(result.Compliance.Describe());
            foreach (var chart in charts)
            {
                stdout.WriteLine($"chart: {chart}");
            }
        }

        return 0;
    }

    private static string ReadText(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new InputException(path, 0, 0, "file not found");

    private static InputException Problems(string path, IReadOnlyList<ConfigProblem> problems)
    {
        var p = problems[0];
        var more = problems.Count > 1 ? $" (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1))})" : "";
        return new InputException(path, p.Line ?? 0, p.Column ?? 0, $"{p.Path}: {p.Message} [{p.Code}]{more}");
    }

    private static Period PeriodOf(string text, string option)
    {
        var parsed = PeriodPattern.NormalizingIso.Parse(text);
        return parsed.Success ? parsed.Value : throw new UsageException($"{option} '{text}' is not an ISO 8601 period such as P2M or P60D");
    }

    private static void WriteAtomically(string path, string content) => OutputFile.Write(path, "--out", content);

    private static string NonBlank(CsvRow r, string column)
    {
        var text = r[column].Trim();
        return text.Length > 0 ? text : throw r.Error(column, $"{column} must not be empty");
    }

    private static MemberId Known(ReferralTree tree, CsvRow r, string column)
    {
        var id = new MemberId(NonBlank(r, column));
        return tree.Contains(id) ? id : throw r.Error(column, $"unknown member '{id}' (not in the members file)");
    }

    private static Instant Instant(CsvRow r, string column)
        => IsoInstant.TryParse(r[column].Trim(), out var instant) ? instant : throw r.Error(column, NotAnInstant(r[column]));

    private static string NotAnInstant(ReadOnlySpan<char> text)
        => $"'{text}' is not an ISO 8601 instant with an offset, such as 2026-03-01T10:00:00+08:00";

    private static Money Amount(CsvRow r, string column, Currency currency) =>
        Money.TryParse(r[column].Trim(), currency, out var m) ? m : throw r.Error(column, $"'{r[column]}' is not an amount in major units of {currency.Code}, such as 12.34");

    internal sealed class UsageException(string message) : Exception(message);
}
