using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Collections.Immutable;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Conditions;
using CommunityModel.Membership;
using CommunityModel.Primitives;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Serialization.Json;

/// <summary>A nested value (a ladder inside a policy, a plan inside simulator settings) failed its validator.</summary>
internal sealed class ConfigValidationException : JsonException
{
    public ConfigValidationException(IReadOnlyList<Problem> problems)
        : base("The nested configuration is not valid.") => Problems = problems;

    public IReadOnlyList<Problem> Problems { get; }
}

/// <summary>
/// A problem inside a configuration read by a nested deserialization (a plan inside simulation settings): its path,
/// line and column are relative to the nested part, which the reader of the whole document puts in place.
/// </summary>
internal sealed class NestedConfigException(JsonException inner) : JsonException(inner.Message, inner)
{
    public JsonException Inner { get; } = inner;
}

/// <summary>
/// A nested part (a plan inside simulator settings, a ladder inside a policy) that could not be read or failed its
/// validator while the whole document was being read: where it starts (the UTF-8 offset of its first token) and what
/// went wrong, so the reader of the whole document reports it at its place and goes on with the rest.
/// </summary>
internal sealed record NestedFailure(long Offset, JsonException? Error, IReadOnlyList<Problem>? Problems)
{
    [ThreadStatic]
    private static List<NestedFailure>? t_sink;

    /// <summary>Where the nested converters of this thread record their failures; null: they throw instead.</summary>
    public static List<NestedFailure>? Sink
    {
        get => t_sink;
        set => t_sink = value;
    }

    /// <summary>
    /// Records a nested part that could not be read, and moves the reader past it, when a sink is listening and the
    /// part is well-formed JSON (a syntax error ends the whole document's reading); false otherwise.
    /// </summary>
    public static bool TryRecord(ref Utf8JsonReader reader, Utf8JsonReader start, JsonException error)
    {
        if (t_sink is not { } sink)
        {
            return false;
        }

        var probe = start;
        try
        {
            probe.Skip();
        }
        catch (JsonException)
        {
            return false;
        }

        sink.Add(new NestedFailure(start.TokenStartIndex, error, null));
        reader = probe;
        return true;
    }

    /// <summary>How a validated value is built from its definition: the library's TryCreate.</summary>
    public delegate bool Build<TDefinition, TValue>(TDefinition definition, out TValue? value, out IReadOnlyList<Problem> problems);

    /// <summary>
    /// Reads a nested definition and builds its validated value. A part that cannot be read, or breaks its rules, is
    /// recorded (and read past) when a sink listens; otherwise it throws as the whole document's reader expects (a
    /// plan's own reading errors wrapped, so its relative path is put in place).
    /// </summary>
    public static TValue? Read<TDefinition, TValue>(ref Utf8JsonReader reader, JsonSerializerOptions options, string what, Build<TDefinition, TValue> build, bool wrapErrors)
        where TDefinition : class
        where TValue : class
    {
        var start = reader;
        TDefinition? definition;
        try
        {
            definition = JsonSerializer.Deserialize<TDefinition>(ref reader, options);
        }
        catch (JsonException e) when (e is not ConfigValidationException and not NestedConfigException)
        {
            if (TryRecord(ref reader, start, e))
            {
                return null;
            }

            if (wrapErrors)
            {
                throw new NestedConfigException(e);
            }

            throw;
        }

        if (definition is null)
        {
            throw new ConfigValueException($"A {what} must be an object.");
        }

        if (build(definition, out var value, out var problems))
        {
            return value;
        }

        if (t_sink is { } sink)
        {
            sink.Add(new NestedFailure(start.TokenStartIndex, null, problems));
            return null;
        }

        throw new ConfigValidationException(problems);
    }
}

/// <summary>A product ladder, written as its definition and built (validated) when read.</summary>
internal sealed class ProductLadderConverter : JsonConverter<ProductLadder>
{
    public override ProductLadder Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        NestedFailure.Read<ProductLadderDefinition, ProductLadder>(ref reader, options, "ladder", ProductLadder.TryCreate, wrapErrors: false)!;

    public override void Write(Utf8JsonWriter writer, ProductLadder value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, new ProductLadderDefinition(value.Currency, value.Rungs), options);
}

/// <summary>A commission plan, written as its definition and compiled (validated) when read.</summary>
internal sealed class CommissionPlanConverter : JsonConverter<CommissionPlan>
{
    public override CommissionPlan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        NestedFailure.Read<CommissionPlanDefinition, CommissionPlan>(ref reader, options, "plan", CommissionPlan.TryCreate, wrapErrors: true)!;

    public override void Write(Utf8JsonWriter writer, CommissionPlan value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Definition, options);
}

/// <summary>A built-in compliance profile, by its short name (<c>two-level</c>) or full name.</summary>
internal sealed class ComplianceProfileConverter : JsonConverter<ComplianceProfile>
{
    private static readonly (ComplianceProfile Profile, string Name)[] ShortNames =
    [
        (ComplianceProfiles.ChinaWeChatStrict, "wechat"),
        (ComplianceProfiles.ChinaTwoLevel, "two-level"),
        (ComplianceProfiles.ChinaDirectSelling, "direct-selling"),
        (ComplianceProfiles.ChinaAntiPyramid, "anti-pyramid"),
        (ComplianceProfiles.UsFtc, "ftc"),
    ];

    public override ComplianceProfile Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return (name is null ? null : ComplianceProfiles.Find(name))
            ?? throw new ConfigValueException($"'{name}' is not a compliance profile; use one of {string.Join(", ", ShortNames.Select(s => s.Name))}.");
    }

    public override void Write(Utf8JsonWriter writer, ComplianceProfile value, JsonSerializerOptions options)
    {
        foreach (var (profile, name) in ShortNames)
        {
            if (ReferenceEquals(profile, value))
            {
                writer.WriteStringValue(name);
                return;
            }
        }

        throw new NotSupportedException($"The compliance profile '{value.Name}' is built in code; JSON names only the built-in profiles.");
    }
}

/// <summary>
/// A red-packet time window, written <c>"08:00-22:00"</c> (local times; seconds when they are not zero).
/// </summary>
internal sealed class TimeWindowConverter : JsonConverter<(LocalTime Start, LocalTime End)>
{
    private static readonly LocalTimePattern Short = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    public override (LocalTime Start, LocalTime End) Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && Parse(text[..dash]) is { } start && Parse(text[(dash + 1)..]) is { } end)
        {
            return (start, end);
        }

        throw new ConfigValueException($"'{text}' is not a time window; write local times such as \"08:00-22:00\".");
    }

    public override void Write(Utf8JsonWriter writer, (LocalTime Start, LocalTime End) value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value.Start) + "-" + Format(value.End));

    private static LocalTime? Parse(string text)
    {
        var r = Short.Parse(text.Trim());
        if (r.Success)
        {
            return r.Value;
        }

        r = LocalTimePattern.ExtendedIso.Parse(text.Trim());
        return r.Success ? r.Value : null;
    }

    private static string Format(LocalTime t) =>
        t.Second == 0 && t.NanosecondOfSecond == 0 ? Short.Format(t) : LocalTimePattern.ExtendedIso.Format(t);
}

/// <summary>
/// The operands of an <see cref="AllOf"/> or <see cref="AnyOf"/> read from a file: at most
/// <see cref="Condition.MaxOperands"/>, refused as soon as the list passes it (a file cannot make the reader
/// hold more).
/// </summary>
internal sealed class ConditionListConverter : JsonConverter<ImmutableArray<Condition>>
{
    public override ImmutableArray<Condition> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new ConfigValueException("\"conditions\" must be an array of conditions.");
        }

        var items = ImmutableArray.CreateBuilder<Condition>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (items.Count == Condition.MaxOperands)
            {
                throw new ConfigValueException($"\"conditions\" holds more than {Condition.MaxOperands} conditions.");
            }

            items.Add(JsonSerializer.Deserialize<Condition>(ref reader, options)
                ?? throw new ConfigValueException("A condition is null; write an object with a \"type\"."));
        }

        return items.ToImmutable();
    }

    public override void Write(Utf8JsonWriter writer, ImmutableArray<Condition> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var c in value.IsDefault ? [] : value)
        {
            JsonSerializer.Serialize(writer, c, options);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// The JSON shape of the model's types, set on the serializer's type information (the domain types carry no
/// JSON attributes): conditions and group events are objects whose <c>type</c> names them; computed properties
/// (<see cref="MembershipWindow.IsSharedByAllMembers"/>, <see cref="MembershipPolicy.Zone"/>) are not written.
/// </summary>
internal static class ModelJson
{
    private static readonly (Type Type, string Name)[] EventNames =
    [
        (typeof(JoinRequested), "joinRequested"),
        (typeof(MemberAdded), "memberAdded"),
        (typeof(MemberLeft), "memberLeft"),
        (typeof(MessagePosted), "message"),
        (typeof(RedPacketSent), "redPacket"),
        (typeof(CheckedIn), "checkIn"),
        (typeof(RoleChanged), "roleChanged"),
        (typeof(PolicyChanged), "policyChanged"),
        (typeof(TimeTick), "tick"),
    ];

    private static readonly (Type Type, string Name)[] ConditionNames =
    [
        (typeof(SpendAtLeast), "spendAtLeast"),
        (typeof(OrdersAtLeast), "ordersAtLeast"),
        (typeof(BoughtProduct), "boughtProduct"),
        (typeof(BoughtRung), "boughtRung"),
        (typeof(DirectReferralsWhoBought), "directReferralsWhoBought"),
        (typeof(TeamSpendAtLeast), "teamSpendAtLeast"),
        (typeof(HasPaidMembership), "hasPaidMembership"),
        (typeof(GrantedManually), "grantedManually"),
        (typeof(IsCustomer), "isCustomer"),
        (typeof(MinPurchases), "minPurchases"),
        (typeof(ApprovedByHost), "approved"),
        (typeof(NotBlocklisted), "notBlocklisted"),
        (typeof(AllOf), "allOf"),
        (typeof(AnyOf), "anyOf"),
        (typeof(Not), "not"),
    ];

    /// <summary>
    /// The serializer's "property could not be mapped to any .NET member contained in type" in the file's own words:
    /// which kind of event or condition it was, and the fields it has. Null when the message is not of that shape.
    /// </summary>
    public static string? UnknownProperty(string serializerMessage)
    {
        var match = System.Text.RegularExpressions.Regex.Match(serializerMessage, "The JSON property '(?<p>.*)' could not be mapped to any \\.NET member contained in type '(?<t>[^']+)'");
        if (!match.Success)
        {
            return null;
        }

        var property = match.Groups["p"].Value;
        var typeName = match.Groups["t"].Value;
        var (type, kind) = EventNames.Where(n => n.Type.FullName == typeName).Select(n => (n.Type, $"a '{n.Name}' event"))
            .Concat(ConditionNames.Where(n => n.Type.FullName == typeName).Select(n => (n.Type, $"a '{n.Name}' condition")))
            .FirstOrDefault();
        if (type is null)
        {
            return null;
        }

        var fields = type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.CanWrite || type.GetConstructors().Any(c => c.GetParameters().Any(a => string.Equals(a.Name, p.Name, StringComparison.OrdinalIgnoreCase))))
            .Select(p => MemberFields.Contains((type, p.Name)) ? "member" : JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .OrderBy(name => name == "at" ? 0 : 1)
            .Prepend("type");
        if (typeof(GroupEvent).IsAssignableFrom(type))
        {
            fields = fields.Take(2).Append("group").Concat(fields.Skip(2));
        }

        var isEvent = typeof(GroupEvent).IsAssignableFrom(type);
        if (isEvent && property is "author" or "sender")
        {
            return $"'{property}' is the old name of 'member': every event names the member it is about 'member' (its fields are {string.Join(", ", fields)}).";
        }

        var hint = isEvent ? " (every event names the member it is about 'member')" : string.Empty;
        return $"'{property}' is not a field of {kind}; its fields are {string.Join(", ", fields)}{hint}.";
    }

    /// <summary>The events' member fields whose C# names differ: in a file every event names its member <c>member</c>.</summary>
    private static readonly HashSet<(Type, string)> MemberFields = [(typeof(MessagePosted), nameof(MessagePosted.Author)), (typeof(RedPacketSent), nameof(RedPacketSent.Sender))];

    /// <summary>
    /// The <c>group</c> field of the event read last on this thread (null when it had none): every event of a file may
    /// name its group, which is not part of the event itself but of where it goes (a <c>GroupFleet</c>).
    /// </summary>
    [ThreadStatic]
    public static string? LastEventGroup;

    public static void Modify(JsonTypeInfo typeInfo)
    {
        foreach (var property in typeInfo.Properties)
        {
            if (property.AttributeProvider is System.Reflection.MemberInfo member && MemberFields.Contains((typeInfo.Type, member.Name)))
            {
                property.Name = "member";
            }
        }

        if (typeInfo.Type == typeof(Condition))
        {
            typeInfo.PolymorphismOptions = ByType(ConditionNames);
        }
        else if (typeInfo.Type == typeof(GroupEvent))
        {
            typeInfo.PolymorphismOptions = ByType(EventNames);
        }
        else if (typeInfo.Kind == JsonTypeInfoKind.Object && typeof(GroupEvent).IsAssignableFrom(typeInfo.Type))
        {
            // "group": read into LastEventGroup, never written (a GroupEvent does not know its group).
            var group = typeInfo.CreateJsonPropertyInfo(typeof(string), "group");
            group.Set = (_, value) => LastEventGroup = (string?)value;
            group.Get = _ => null;
            group.ShouldSerialize = (_, _) => false;
            typeInfo.Properties.Add(group);
        }
        else if (typeInfo.Type == typeof(MembershipWindow))
        {
            Drop(typeInfo, nameof(MembershipWindow.IsSharedByAllMembers));
        }
        else if (typeInfo.Type == typeof(MembershipPolicy))
        {
            Drop(typeInfo, nameof(MembershipPolicy.Zone));
        }
        else if (typeInfo.Type == typeof(CommissionPlanDefinition))
        {
            // A plan given ranks directly has no tier map: its file does not show an empty one.
            foreach (var property in typeInfo.Properties)
            {
                if (property.AttributeProvider is System.Reflection.MemberInfo { Name: nameof(CommissionPlanDefinition.RanksByTier) })
                {
                    property.ShouldSerialize = (_, value) => value is IReadOnlyDictionary<string, int> { Count: > 0 };
                }
            }
        }
    }

    private static JsonPolymorphismOptions ByType((Type Type, string Name)[] names)
    {
        var polymorphism = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "type",
            UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
            IgnoreUnrecognizedTypeDiscriminators = false,
        };
        foreach (var (type, name) in names)
        {
            polymorphism.DerivedTypes.Add(new JsonDerivedType(type, name));
        }

        return polymorphism;
    }

    private static void Drop(JsonTypeInfo typeInfo, string clrName)
    {
        for (var i = typeInfo.Properties.Count - 1; i >= 0; i--)
        {
            if (typeInfo.Properties[i].AttributeProvider is System.Reflection.MemberInfo m && m.Name == clrName)
            {
                typeInfo.Properties.RemoveAt(i);
            }
        }
    }
}
