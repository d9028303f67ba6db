using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CommunityModel.Commissions;
using CommunityModel.Ladders;
using CommunityModel.Primitives;
using CommunityModel.Groups;
using CommunityModel.Membership;
using CommunityModel.Simulation;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace CommunityModel.Serialization.Json;

/// <summary>One problem in a configuration text: where (JSON path, and line and column when known), which code, and what.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Path">The JSON path, e.g. <c>$.levels.rates[1]</c>.</param>
/// <param name="Code">A stable error code (<c>json.syntax</c>, <c>json.value</c>, <c>json.required</c>, <c>json.unknown-property</c>, or the validator's code).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Line">The 1-based line, when the problem is in the text itself.</param>
/// <param name="Column">The 1-based column, when the problem is in the text itself.</param>
public sealed record ConfigProblem(string Path, string Code, string Message, long? Line = null, long? Column = null)
{
    /// <summary>The problem in one line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        (Line is { } l ? $"line {l.ToString(CultureInfo.InvariantCulture)}, column {(Column ?? 0).ToString(CultureInfo.InvariantCulture)}: " : "") + $"{Path}: {Message} [{Code}]";
}

/// <summary>The result of reading a configuration: the value when it is valid, else every problem.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <typeparam name="T">The configuration's type.</typeparam>
/// <param name="Value">The value; null when there are problems.</param>
/// <param name="Problems">Every problem; empty when valid.</param>
public sealed record ConfigResult<T>(T? Value, ImmutableArray<ConfigProblem> Problems)
    where T : class
{
    /// <summary>True when the configuration is valid.</summary>
    public bool IsValid => Problems.IsEmpty && Value is not null;
}

/// <summary>
/// JSON for the configurations people write: commission plans and product ladders. Money is written as
/// <c>"CNY 12.34"</c>, rates as <c>"10%"</c> (exact, up to parts per million), currencies by code, enums by
/// name, property names in camelCase. Reading checks the syntax, then the values, then the library's
/// FluentValidation validator, and reports every problem with its JSON path and code; saving then reading
/// gives an equal value. Pure: text in, text out.
/// </summary>
/// <remarks>Stateless; safe to call from any thread.</remarks>
public static class ConfigJson
{
    /// <summary>The serializer options used for every configuration.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions(indented: true);

    /// <summary>The same options, writing without indentation (one value per line).</summary>
    public static JsonSerializerOptions CompactOptions { get; } = CreateOptions(indented: false);

    /// <summary>Reads a commission plan definition and validates it (<see cref="CommissionPlanDefinition.Validate"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The definition, or every problem.</returns>
    public static ConfigResult<CommissionPlanDefinition> ReadPlan(string json) => Read<CommissionPlanDefinition>(json, d => d.Validate());

    /// <summary>Reads a product ladder definition and validates it (<see cref="ProductLadderDefinition.Validate"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The definition, or every problem.</returns>
    public static ConfigResult<ProductLadderDefinition> ReadLadder(string json) => Read<ProductLadderDefinition>(json, d => d.Validate());

    /// <summary>Reads a membership policy (tiers, conditions, privileges, paid plans) and validates it (<see cref="MembershipPolicy.Validate"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The policy, or every problem.</returns>
    public static ConfigResult<MembershipPolicy> ReadMembershipPolicy(string json) => Read<MembershipPolicy>(json, p => p.Validate());

    /// <summary>Reads a group policy (admission, content, flood, escalation, red packets, elimination) and validates it (<see cref="GroupPolicy.Validate"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The policy, or every problem.</returns>
    public static ConfigResult<GroupPolicy> ReadGroupPolicy(string json) => Read<GroupPolicy>(json, p => p.Validate());

    /// <summary>
    /// Reads simulator settings and validates them (<see cref="SimulationSettings.Validate"/>), and the membership and
    /// group policies inside them with theirs. A membership policy inside settings takes the settings' ladder: leave its
    /// own <c>ladder</c> out. The compliance profile is named (<c>"two-level"</c>, <c>"wechat"</c>, ...).
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The settings, or every problem.</returns>
    public static ConfigResult<SimulationSettings> ReadSimulationSettings(string json) =>
        Read<SimulationSettings>(json, ValidateSettings, s => s.Membership is { Ladder: null } m && s.Ladder is not null ? s with { Membership = m with { Ladder = s.Ladder } } : s);

    /// <summary>
    /// Reads group events, one JSON object per line (JSON Lines); blank lines and lines starting with <c>//</c> are skipped.
    /// Every bad line is reported with its line number, and the path and column within it. Policies inside
    /// <c>policyChanged</c> events are validated too.
    /// </summary>
    /// <param name="jsonLines">The whole file's text, one JSON object per line (LF or CRLF).</param>
    /// <returns>The events in file order, or every problem.</returns>
    public static ConfigResult<IReadOnlyList<GroupEvent>> ReadGroupEvents(string jsonLines)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        var events = new List<GroupEvent>();
        var problems = ImmutableArray.CreateBuilder<ConfigProblem>();
        foreach (var (_, one) in ReadGroupEventLines(new StringReader(jsonLines)))
        {
            problems.AddRange(one.Problems);
            if (one.Value is { } e)
            {
                events.Add(e);
            }

            if (problems.Count >= 100)
            {
                break;
            }
        }

        return problems.Count > 0 ? new ConfigResult<IReadOnlyList<GroupEvent>>(null, problems.ToImmutable()) : new ConfigResult<IReadOnlyList<GroupEvent>>(events, []);
    }

    /// <summary>
    /// Reads group events as JSON Lines one line at a time, as <see cref="ReadGroupEvents"/> reads them (blank lines
    /// and lines starting with <c>//</c> skipped), without holding the file: each event line gives its 1-based line
    /// number and its event or its problems (located at that line). For files larger than memory.
    /// </summary>
    /// <param name="reader">The text, read to its end as the sequence is enumerated.</param>
    /// <returns>One result per event line, in file order.</returns>
    public static IEnumerable<(int Line, ConfigResult<GroupEvent> Event)> ReadGroupEventLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return OneGroup();

        IEnumerable<(int, ConfigResult<GroupEvent>)> OneGroup()
        {
            foreach (var (line, group, one) in EventLines(reader))
            {
                yield return (line, group is null || !one.IsValid ? one
                    : new ConfigResult<GroupEvent>(null, [new ConfigProblem("$.group", "json.group", $"the event names its group '{group}': a file of many groups is read with ReadFleetEventLines (community groups replay does so when every event names one)", line)]));
            }
        }
    }

    /// <summary>
    /// Reads the events of many groups as JSON Lines one line at a time, as <see cref="ReadGroupEventLines"/> does, with
    /// each event's <c>group</c> field (the id a <c>GroupFleet</c> knows the group by; null for a line without one).
    /// </summary>
    /// <param name="reader">The text, read to its end as the sequence is enumerated.</param>
    /// <returns>One result per event line, in file order: its 1-based line, its group id or null, and its event or problems.</returns>
    public static IEnumerable<(int Line, string? Group, ConfigResult<GroupEvent> Event)> ReadFleetEventLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return EventLines(reader);
    }

    private static IEnumerable<(int, string?, ConfigResult<GroupEvent>)> EventLines(TextReader reader)
    {
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var (group, one) = EventLine(line, lineNumber);
            yield return (lineNumber, group, one);
        }
    }

    /// <summary>
    /// A message line as most are written (the fields <c>type</c> = <c>"message"</c>, <c>at</c>, <c>member</c>,
    /// <c>text</c> and optionally <c>group</c>, <c>messageId</c>, <c>replyTo</c>, each once and a string) read with the
    /// UTF-8 reader directly, without the serializer's polymorphic, constructor-bound object reading (3 to 4 times
    /// its cost); null for any other line, and for anything this path does not accept as the serializer would (an
    /// unknown, repeated or null field, labels, an instant or id the converters would refuse), which the serializer
    /// then reads and reports. A property test checks that both ways give the same event.
    /// </summary>
    private static (string? Group, MessagePosted Message)? PlainMessage(string line)
    {
        if (line.Length > 2048)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[line.Length * 3];
        if (System.Text.Unicode.Utf8.FromUtf16(line, utf8, out _, out var written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        try
        {
            return PlainMessage(utf8[..written]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null; // malformed JSON, or a string no .NET string can hold (a lone surrogate): the serializer reports it
        }
    }

    private static (string? Group, MessagePosted Message)? PlainMessage(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? group = null, member = null, text = null, messageId = null, replyTo = null;
        Instant? at = null;
        var seen = 0;
        var isMessage = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                return null;
            }

            var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("at"u8) ? 2 : reader.ValueTextEquals("group"u8) ? 4
                : reader.ValueTextEquals("member"u8) ? 8 : reader.ValueTextEquals("text"u8) ? 16 : reader.ValueTextEquals("messageId"u8) ? 32
                : reader.ValueTextEquals("replyTo"u8) ? 64 : 0;
            if (field == 0 || (seen & field) != 0 || !reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return null;
            }

            seen |= field;
            switch (field)
            {
                case 1:
                    isMessage = reader.ValueTextEquals("message"u8);
                    if (!isMessage)
                    {
                        return null;
                    }

                    break;
                case 2:
                    var parsed = NodaTime.Text.InstantPattern.ExtendedIso.Parse(reader.GetString()!);
                    if (!parsed.Success)
                    {
                        return null;
                    }

                    at = parsed.Value;
                    break;
                case 4: group = reader.GetString(); break;
                case 8: member = reader.GetString(); break;
                case 16: text = reader.GetString(); break;
                case 32: messageId = reader.GetString(); break;
                default: replyTo = reader.GetString(); break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || !isMessage || at is null || string.IsNullOrWhiteSpace(member) || text is null
            || (messageId is not null && string.IsNullOrWhiteSpace(messageId)) || (replyTo is not null && string.IsNullOrWhiteSpace(replyTo)))
        {
            return null;
        }

        return (group, new MessagePosted(at.Value, MemberId.From(member), text, null, messageId, replyTo));
    }

    /// <summary>One event line: its group (read on this thread's side channel) and its event or problems, located at the line.</summary>
    /// <param name="line">The line.</param>
    /// <param name="lineNumber">Its 1-based number.</param>
    /// <param name="fast">Whether a plain message line may be read by <see cref="PlainMessage(string)"/> (tests compare both ways).</param>
    internal static (string? Group, ConfigResult<GroupEvent> Event) EventLine(string line, int lineNumber, bool fast = true)
    {
        string? group;
        ConfigResult<GroupEvent> one;
        if (fast && PlainMessage(line) is { } plain)
        {
            (group, one) = (plain.Group, new ConfigResult<GroupEvent>(plain.Message, []));
        }
        else
        {
            ModelJson.LastEventGroup = null;
            one = Read<GroupEvent>(line, _ => [], null);
            group = ModelJson.LastEventGroup;
            ModelJson.LastEventGroup = null;
        }

        var blankGroup = group is { } g && string.IsNullOrWhiteSpace(g);
        if (one.Problems.IsEmpty && one.Value is not PolicyChanged && !blankGroup)
        {
            return (group, one);
        }

        var problems = one.Problems.Select(p => p with { Line = lineNumber, Column = p.Column }).ToList();
        if (one.Value is PolicyChanged changed)
        {
            foreach (var f in changed.Policy.Validate())
            {
                problems.Add(new ConfigProblem("$.policy" + ToJsonPath(f.Path)[1..], f.Code, f.Message, lineNumber));
            }
        }

        if (blankGroup)
        {
            problems.Add(new ConfigProblem("$.group", "json.group", "'group' must name a group, not be blank", lineNumber));
        }

        return (group, problems.Count > 0 ? new ConfigResult<GroupEvent>(null, [.. problems]) : new ConfigResult<GroupEvent>(one.Value, []));
    }

    /// <summary>Writes group events as JSON Lines, one compact object per line, readable by <see cref="ReadGroupEvents"/>.</summary>
    /// <param name="events">The events, written one per line in the order given.</param>
    /// <returns>The text, each line ending in a newline.</returns>
    public static string WriteGroupEvents(IEnumerable<GroupEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var sb = new StringBuilder();
        foreach (var e in events)
        {
            sb.Append(JsonSerializer.Serialize(e, CompactOptions)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Writes a membership policy.</summary>
    /// <param name="policy">A policy built in code or read earlier; written so that reading it back gives an equal policy.</param>
    /// <returns>Indented JSON.</returns>
    public static string Write(MembershipPolicy policy) => JsonSerializer.Serialize(policy, Options);

    /// <summary>Writes a group policy.</summary>
    /// <param name="policy">A policy built in code or read earlier; written so that reading it back gives an equal policy.</param>
    /// <returns>Indented JSON.</returns>
    /// <exception cref="NotSupportedException">A screening holds a condition type of the caller's own, which JSON cannot name.</exception>
    public static string Write(GroupPolicy policy) => JsonSerializer.Serialize(policy, Options);

    /// <summary>Writes simulator settings. The compliance profile must be a built-in one.</summary>
    /// <param name="settings">Settings whose compliance profile is one of the built-in ones.</param>
    /// <returns>Indented JSON.</returns>
    /// <exception cref="NotSupportedException">The compliance profile or a screening is built in code.</exception>
    public static string Write(SimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var shown = settings.Membership is { } m && ReferenceEquals(m.Ladder, settings.Ladder) ? settings with { Membership = m with { Ladder = null } } : settings;
        return JsonSerializer.Serialize(shown, Options);
    }

    /// <summary>Writes a commission plan definition.</summary>
    /// <param name="plan">The definition, written as it is (valid or not).</param>
    /// <returns>Indented JSON.</returns>
    public static string Write(CommissionPlanDefinition plan) => JsonSerializer.Serialize(plan, Options);

    /// <summary>Writes a product ladder definition.</summary>
    /// <param name="ladder">The definition, written as it is (valid or not).</param>
    /// <returns>Indented JSON.</returns>
    public static string Write(ProductLadderDefinition ladder) => JsonSerializer.Serialize(ladder, Options);

    /// <summary>Reads any configuration type and validates it.</summary>
    /// <typeparam name="T">The type.</typeparam>
    /// <param name="json">The JSON text.</param>
    /// <param name="validate">The check of the value read: every problem, empty when valid (for example <c>o =&gt; o.Validate()</c>).</param>
    /// <returns>The value, or every problem.</returns>
    public static ConfigResult<T> Read<T>(string json, Func<T, IReadOnlyList<Problem>> validate)
        where T : class => Read(json, validate, null);

    private static ConfigResult<T> Read<T>(string json, Func<T, IReadOnlyList<Problem>> validate, Func<T, T>? complete)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(validate);

        // A nested part that fails (a plan inside settings, a ladder inside a policy) is recorded and read past, so the
        // rest of the document is still read and validated: every problem comes back at once, each at its place.
        var outer = NestedFailure.Sink;
        var sink = new List<NestedFailure>();
        NestedFailure.Sink = sink;
        ConfigResult<T> result;
        try
        {
            result = ReadCore(json, validate, complete);
        }
        finally
        {
            NestedFailure.Sink = outer;
        }

        if (sink.Count == 0)
        {
            return result;
        }

        var places = TokenPaths(json);
        var nested = new List<ConfigProblem>();
        var failedPaths = new List<string>();
        foreach (var failure in sink)
        {
            var start = places.Find(p => p.Offset == failure.Offset);
            var at = start.Path ?? "$";
            failedPaths.Add(at);
            if (failure.Problems is { } problems)
            {
                nested.AddRange(Located(json, [.. problems.Select(f => new ConfigProblem(at + ToJsonPath(f.Path)[1..], f.Code, f.Message))]));
                continue;
            }

            var e = failure.Error!;
            var path = e.Path is { Length: > 0 } relative ? at + relative[1..] : at;
            var (code, message) = Classify(e);
            var place = places.Find(p => p.Path == path);
            nested.Add(place.Path is null
                ? new ConfigProblem(path, code, Shorten(message), start.Line, start.Column)
                : new ConfigProblem(path, code, Shorten(message), place.Line, place.Column));
        }

        // What the validator says of a part that failed (left out, so "missing") is a consequence, not a problem.
        static bool Inside(string path, string failed) => path == failed
            || (path.StartsWith(failed, StringComparison.Ordinal) && path.Length > failed.Length && path[failed.Length] is '.' or '[')
            || path.EndsWith(failed[failed.LastIndexOf('.')..], StringComparison.Ordinal);
        var rest = result.Problems.Where(p => !failedPaths.Exists(f => f != "$" && Inside(p.Path, f)));
        return new ConfigResult<T>(null, [.. nested.Concat(rest).OrderBy(p => p.Line ?? long.MaxValue).ThenBy(p => p.Column ?? long.MaxValue)]);
    }

    private static (string Code, string Message) Classify(JsonException e)
    {
        var code = e.InnerException is ConfigValueException || e is ConfigValueException || e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "json.value"
            : e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "json.unknown-property"
            : e.Message.Contains("missing required properties", StringComparison.Ordinal) ? "json.required"
            : "json.syntax";
        return (code, code == "json.unknown-property" ? ModelJson.UnknownProperty(e.Message) ?? e.Message : e.Message);
    }

    private static ConfigResult<T> ReadCore<T>(string json, Func<T, IReadOnlyList<Problem>> validate, Func<T, T>? complete)
        where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (ConfigValidationException e)
        {
            var at = e.Path ?? "$";
            return new ConfigResult<T>(null, [.. Located(json, [.. e.Problems.Select(f => new ConfigProblem(at + ToJsonPath(f.Path)[1..], f.Code, f.Message))])]);
        }
        catch (JsonException outer)
        {
            var e = outer;
            (long Line, long Column)? nestedAt = null;
            if (outer is NestedConfigException nested)
            {
                // The nested part's path is relative to it: find the one place in the document that ends with it.
                e = nested.Inner;
                if (e.Path is { } relative && PathEndingWith(json, relative) is { } found)
                {
                    e = new JsonException(e.Message, found.Path, null, null, e);
                    nestedAt = (found.Line, found.Column);
                }
            }

            if (nestedAt is { } place)
            {
                var nestedCode = e.InnerException is ConfigValueException || e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "json.value"
                    : e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "json.unknown-property" : "json.syntax";
                var nestedMessage = nestedCode == "json.unknown-property" ? ModelJson.UnknownProperty(e.Message) ?? e.Message : e.Message;
                return new ConfigResult<T>(null, [new ConfigProblem(e.Path!, nestedCode, Shorten(nestedMessage), place.Line, place.Column)]);
            }

            if (e.Message.StartsWith("Duplicate property '", StringComparison.Ordinal) && e.Path is { } duplicatePath)
            {
                // Both places: where the property is repeated (the error) and where it first stood.
                var first = FirstPropertyAt(json, duplicatePath);
                var name = duplicatePath[(duplicatePath.LastIndexOf('.') + 1)..];
                var where = first is { } f ? $" (first on line {f.Line}, column {f.Column})" : string.Empty;
                return new ConfigResult<T>(null, [new ConfigProblem(duplicatePath, "json.duplicate-property", $"'{name}' appears twice in the same object{where}; give it once.", e.LineNumber + 1, e.BytePositionInLine + 1)]);
            }

            var code = e is ConfigValueException || e.Message.Contains("could not be converted", StringComparison.Ordinal) ? "json.value"
                : e.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "json.unknown-property" : "json.syntax";
            var message = code == "json.unknown-property" ? ModelJson.UnknownProperty(e.Message) ?? e.Message
                : code == "json.value" ? ValueMessage(e) : e.Message;
            if (e.Message.Contains("missing required properties", StringComparison.Ordinal))
            {
                code = "json.required";
                message = e.Message;
            }

            return new ConfigResult<T>(null, [new ConfigProblem(e.Path ?? "$", code, Shorten(message), e.LineNumber + 1, e.BytePositionInLine + 1)]);
        }
        catch (NotSupportedException e)
        {
            return new ConfigResult<T>(null, [new ConfigProblem("$", "json.unsupported", e.Message)]);
        }

        if (value is null)
        {
            return new ConfigResult<T>(null, [new ConfigProblem("$", "json.null", "The document is null; an object was expected.")]);
        }

        if (complete is not null)
        {
            value = complete(value);
        }

        var problems = validate(value);
        if (problems.Count > 0)
        {
            return new ConfigResult<T>(null, [.. Located(json, [.. problems.Select(f => new ConfigProblem(ToJsonPath(f.Path), f.Code, f.Message))])]);
        }

        return new ConfigResult<T>(value, []);
    }

    /// <summary>Turns a validator's property path (<c>Levels.Rates[0]</c>) into a JSON path (<c>$.levels.rates[0]</c>).</summary>
    /// <param name="propertyPath">The property path.</param>
    /// <returns>The JSON path.</returns>
    public static string ToJsonPath(string propertyPath)
    {
        if (string.IsNullOrEmpty(propertyPath))
        {
            return "$";
        }

        var sb = new StringBuilder("$");
        foreach (var part in propertyPath.Split('.'))
        {
            sb.Append('.').Append(part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]);
        }

        return sb.ToString();
    }

    private static List<Problem> ValidateSettings(SimulationSettings settings)
    {
        var problems = new List<Problem>(settings.Validate());
        if (settings.Membership is { } membership)
        {
            problems.AddRange(membership.Validate().Select(p => p with { Path = "Membership." + p.Path }));
        }

        if (settings.GroupPolicy is { } group)
        {
            problems.AddRange(group.Validate().Select(p => p with { Path = "GroupPolicy." + p.Path }));
        }

        return problems;
    }

    /// <summary>
    /// A bad value's message in the document's words: the serializer's own names the .NET type that could not be made
    /// ("could not be converted to CommunityModel.Groups.MessagePosted"); this names the field, and why when the
    /// converter said (an instant not in ISO 8601 with an offset, ...).
    /// </summary>
    private static string ValueMessage(JsonException e)
    {
        if (!e.Message.Contains("could not be converted to ", StringComparison.Ordinal) || e.Path is not { } path)
        {
            return e.Message;
        }

        var field = path[(path.LastIndexOf('.') + 1)..];
        var why = e.InnerException is { Message: { Length: > 0 } inner } ? " (" + inner.TrimEnd('.') + ")" : string.Empty;
        return $"the value of '{field}' is not valid for it{why}.";
    }

    private static string Shorten(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    /// <summary>
    /// The problems with the line and column of the value each names, where the document has it (a rule about a
    /// missing property, or about the whole, names a path the document does not hold and keeps no place).
    /// </summary>
    private static List<ConfigProblem> Located(string json, List<ConfigProblem> problems)
    {
        var places = new Dictionary<string, (long Line, long Column)>(StringComparer.Ordinal);
        foreach (var (path, line, column, _) in TokenPaths(json))
        {
            places.TryAdd(path, (line, column));
        }

        return [.. problems.Select(p => p.Line is null && places.TryGetValue(p.Path, out var at) ? p with { Line = at.Line, Column = at.Column } : p)];
    }

    /// <summary>
    /// The one value in the document whose JSON path ends with the relative path <paramref name="relative"/> (of the
    /// form <c>$.levels.rates[1]</c>) and is longer than it, with its line and column (1-based); null when there is
    /// not exactly one.
    /// </summary>
    private static (string Path, long Line, long Column)? PathEndingWith(string json, string relative)
    {
        var suffix = relative.Length > 1 ? relative[1..] : string.Empty;
        (string, long, long)? found = null;
        var count = 0;
        foreach (var (path, line, column, _) in TokenPaths(json))
        {
            if (path.Length > relative.Length && path.EndsWith(suffix, StringComparison.Ordinal) && suffix.Length > 0)
            {
                found ??= (path, line, column);
                count++;
            }
        }

        return count == 1 ? found : null;
    }

    /// <summary>Every value token of the document with its JSON path, line and column (1-based).</summary>
    private static List<(string Path, long Line, long Column, long Offset)> TokenPaths(string json)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        var result = new List<(string, long, long, long)>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var stack = new List<(string Path, int Index, bool IsArray)>();
        string? pending = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    pending = reader.GetString();
                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.RemoveAt(stack.Count - 1);
                    continue;
                }

                string path;
                var parent = stack.Count == 0 ? "$" : stack[^1].Path;
                if (pending is { } name)
                {
                    path = parent + "." + name;
                    pending = null;
                }
                else if (stack.Count > 0 && stack[^1].IsArray)
                {
                    var top = stack[^1];
                    stack[^1] = top with { Index = top.Index + 1 };
                    path = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{top.Path}[{top.Index}]");
                }
                else
                {
                    path = "$";
                }

                var offset = (int)reader.TokenStartIndex;
                var line = lineStarts.FindLastIndex(start => start <= offset);
                result.Add((path, line + 1, System.Text.Encoding.UTF8.GetCharCount(bytes, lineStarts[line], offset - lineStarts[line]) + 1, offset));
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    stack.Add((path, 0, reader.TokenType == JsonTokenType.StartArray));
                }
            }
        }
        catch (JsonException)
        {
            // the part read so far is all there is to search
        }

        return result;
    }

    /// <summary>The line and column (1-based) of the first property whose JSON path is <paramref name="path"/>, or null.</summary>
    private static (long Line, long Column)? FirstPropertyAt(string json, string path)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var stack = new List<(string Path, int Index, bool IsArray)>();
        string? pending = null;
        var lines = new List<int> { 0 };
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] == '\n')
            {
                lines.Add(i + 1);
            }
        }

        string Current() => stack.Count == 0 ? "$" : stack[^1].Path;
        string Child()
        {
            if (pending is { } name)
            {
                pending = null;
                return Current() + "." + name;
            }

            if (stack.Count > 0 && stack[^1].IsArray)
            {
                var top = stack[^1];
                stack[^1] = top with { Index = top.Index + 1 };
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{top.Path}[{top.Index}]");
            }

            return "$";
        }

        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (Current() + "." + name == path)
                        {
                            // Byte offset to line and column (the document is read as UTF-8; columns count bytes, as the serializer's do).
                            var offset = System.Text.Encoding.UTF8.GetCharCount(System.Text.Encoding.UTF8.GetBytes(json), 0, (int)reader.TokenStartIndex);
                            var line = lines.FindLastIndex(start => start <= offset);
                            return (line + 1, offset - lines[line] + 1);
                        }

                        pending = name;
                        break;
                    case JsonTokenType.StartObject:
                        stack.Add((Child(), 0, false));
                        break;
                    case JsonTokenType.StartArray:
                        stack.Add((Child(), 0, true));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        stack.RemoveAt(stack.Count - 1);
                        break;
                    default:
                        _ = Child();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // a document the serializer read this far reads here too; if not, the first place is not named
        }

        return null;
    }

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            WriteIndented = indented,
            AllowTrailingCommas = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            RespectNullableAnnotations = true,
            AllowOutOfOrderMetadataProperties = true,
            RespectRequiredConstructorParameters = true,
            AllowDuplicateProperties = false,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        o.Converters.Add(new CurrencyConverter());
        o.Converters.Add(new MoneyConverter());
        o.Converters.Add(new RateConverter());
        o.Converters.Add(new StringIdConverterFactory());
        o.Converters.Add(new ProductLadderConverter());
        o.Converters.Add(new CommissionPlanConverter());
        o.Converters.Add(new ComplianceProfileConverter());
        o.Converters.Add(new TimeWindowConverter());
        o.Converters.Add(new ConditionListConverter());
        o.TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ModelJson.Modify } };
        o.Converters.Add(new NodaTimeConverters());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    private sealed class CurrencyConverter : JsonConverter<Currency>
    {
        public override Currency Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Currency.TryFromCode(reader.GetString(), out var c) ? c : throw new ConfigValueException($"'{reader.GetString()}' is not a known currency code.");

        public override void Write(Utf8JsonWriter writer, Currency value, JsonSerializerOptions options) => writer.WriteStringValue(value.Code);
    }

    private sealed class MoneyConverter : JsonConverter<Money>
    {
        public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            try
            {
                return Money.Parse(text ?? throw new FormatException("an amount is needed"));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                throw new ConfigValueException($"'{text}' is not an amount; write the currency and the amount, such as \"CNY 12.34\" ({e.Message}).");
            }
        }

        public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class RateConverter : JsonConverter<Rate>
    {
        public override Rate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
            if (!text.EndsWith('%') || !decimal.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent))
            {
                throw new ConfigValueException($"'{text}' is not a rate; write a percentage such as \"10%\" or \"2.5%\".");
            }

            try
            {
                return Rate.FromPercent(percent);
            }
            catch (ArgumentException e)
            {
                // The library's sentence, without .NET's "(Parameter 'percent')" and "Actual value was" lines.
                var first = e.Message.Split('\n')[0];
                var cut = first.IndexOf(" (Parameter '", StringComparison.Ordinal);
                throw new ConfigValueException($"'{text}': {(cut >= 0 ? first[..cut] : first).Trim()}");
            }
        }

        public override void Write(Utf8JsonWriter writer, Rate value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Percent.ToString("0.####", CultureInfo.InvariantCulture) + "%");
    }

    /// <summary>Every id of the library (<see cref="IStringId{TSelf}"/>) as a JSON string; a blank or missing key is refused.</summary>
    private sealed class StringIdConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsValueType && typeToConvert.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStringId<>) && i.GetGenericArguments()[0] == typeToConvert);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(StringIdConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class StringIdConverter<T> : JsonConverter<T>
        where T : struct, IStringId<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            return string.IsNullOrWhiteSpace(text) ? throw new ConfigValueException($"A {typeof(T).Name} must be a non-blank string.") : T.From(text);
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            return string.IsNullOrWhiteSpace(text) ? throw new ConfigValueException($"A {typeof(T).Name} key must be a non-blank string.") : T.From(text);
        }

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(value.Value);
    }
}
