using System.Text.Json;
using System.Text.Json.Serialization;
using CommunityModel.Commissions;
using CommunityModel.Compliance;
using CommunityModel.Groups;
using CommunityModel.Ladders;
using CommunityModel.Specifications;
using FluentValidation.Results;
using NodaTime;
using NodaTime.Text;

namespace CommunityModel.Configuration;

/// <summary>A nested value (a ladder inside a policy, a plan inside simulator settings) failed its validator.</summary>
internal sealed class ConfigValidationException : JsonException
{
    public ConfigValidationException(IReadOnlyList<ValidationFailure> failures)
        : base("The nested configuration is not valid.") => Failures = failures;

    public IReadOnlyList<ValidationFailure> Failures { get; }
}

/// <summary>A product ladder, written as its definition and built (validated) when read.</summary>
internal sealed class ProductLadderConverter : JsonConverter<ProductLadder>
{
    public override ProductLadder Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var definition = JsonSerializer.Deserialize<ProductLadderDefinition>(ref reader, options)
            ?? throw new ConfigValueException("A ladder must be an object.");
        var result = new ProductLadderValidator().Validate(definition);
        return result.IsValid ? ProductLadder.Create(definition.Currency, definition.Rungs) : throw new ConfigValidationException(result.Errors);
    }

    public override void Write(Utf8JsonWriter writer, ProductLadder value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, new ProductLadderDefinition(value.Currency, value.Rungs), options);
}

/// <summary>A commission plan, written as its definition and compiled (validated) when read.</summary>
internal sealed class CommissionPlanConverter : JsonConverter<CommissionPlan>
{
    public override CommissionPlan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var definition = JsonSerializer.Deserialize<CommissionPlanDefinition>(ref reader, options)
            ?? throw new ConfigValueException("A plan must be an object.");
        return CommissionPlan.TryCreate(definition, out var plan, out var errors) ? plan! : throw new ConfigValidationException(errors);
    }

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
/// An admission screening condition: the named conditions of <see cref="CandidateSpecifications"/>
/// (<c>{"type": "minPurchases", "purchases": 2}</c>) composed with <c>allOf</c>, <c>anyOf</c> and <c>not</c>.
/// A specification written in code cannot be written.
/// </summary>
internal sealed class CandidateSpecificationConverter : JsonConverter<Specification<Candidate>>
{
    private const int MaxDepth = 32;

    public override Specification<Candidate> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return Build(doc.RootElement, 0);
    }

    public override void Write(Utf8JsonWriter writer, Specification<Candidate> value, JsonSerializerOptions options) => WriteSpec(writer, value, 0);

    private static Specification<Candidate> Build(JsonElement e, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new ConfigValueException($"A screening condition may nest at most {MaxDepth} levels.");
        }

        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            throw new ConfigValueException("A screening condition is an object with a \"type\": isCustomer, minPurchases, approved, notBlocklisted, allOf, anyOf or not.");
        }

        var type = typeElement.GetString();
        string[] allowed = type switch
        {
            "minPurchases" => ["type", "purchases"],
            "allOf" or "anyOf" => ["type", "conditions"],
            "not" => ["type", "condition"],
            _ => ["type"],
        };
        foreach (var p in e.EnumerateObject())
        {
            if (Array.IndexOf(allowed, p.Name) < 0)
            {
                throw new ConfigValueException($"A '{type}' condition has no property '{p.Name}'.");
            }
        }

        switch (type)
        {
            case "isCustomer":
                return CandidateSpecifications.IsCustomer();
            case "approved":
                return CandidateSpecifications.Approved();
            case "notBlocklisted":
                return CandidateSpecifications.NotBlocklisted();
            case "minPurchases":
                return e.TryGetProperty("purchases", out var n) && n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out var purchases) && purchases >= 0
                    ? CandidateSpecifications.MinPurchases(purchases)
                    : throw new ConfigValueException("A minPurchases condition needs \"purchases\", a whole number of at least 0.");
            case "not":
                return e.TryGetProperty("condition", out var inner)
                    ? Build(inner, depth + 1).Not()
                    : throw new ConfigValueException("A not condition needs \"condition\".");
            case "allOf":
            case "anyOf":
                if (!e.TryGetProperty("conditions", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    throw new ConfigValueException($"An {type} condition needs a non-empty \"conditions\" array.");
                }

                Specification<Candidate>? result = null;
                foreach (var item in list.EnumerateArray())
                {
                    var next = Build(item, depth + 1);
                    result = result is null ? next : type == "allOf" ? result.And(next) : result.Or(next);
                }

                return result!;
            default:
                throw new ConfigValueException($"'{type}' is not a screening condition; use isCustomer, minPurchases, approved, notBlocklisted, allOf, anyOf or not.");
        }
    }

    private static void WriteSpec(Utf8JsonWriter writer, Specification<Candidate> spec, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new NotSupportedException($"A screening condition may nest at most {MaxDepth} levels.");
        }

        writer.WriteStartObject();
        switch (spec)
        {
            case CandidateCondition c:
                writer.WriteString("type", c.Name);
                if (c.Argument is { } a)
                {
                    writer.WriteNumber("purchases", a);
                }

                break;
            case CompositeSpecification<Candidate> { Kind: CompositeKind.Not } not:
                writer.WriteString("type", "not");
                writer.WritePropertyName("condition");
                WriteSpec(writer, not.Left, depth + 1);
                break;
            case CompositeSpecification<Candidate> composite:
                writer.WriteString("type", composite.Kind == CompositeKind.And ? "allOf" : "anyOf");
                writer.WritePropertyName("conditions");
                writer.WriteStartArray();
                foreach (var operand in Operands(composite))
                {
                    WriteSpec(writer, operand, depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new NotSupportedException(
                    $"The screening condition {spec.GetType().Name} is written in code; JSON holds only the conditions of CandidateSpecifications and their compositions.");
        }

        writer.WriteEndObject();
    }

    // The operands of a chain of the same connective, in order: a and b and c is written as one allOf of three.
    private static List<Specification<Candidate>> Operands(CompositeSpecification<Candidate> root)
    {
        var result = new List<Specification<Candidate>>();
        var stack = new Stack<Specification<Candidate>>();
        stack.Push(root.Right!);
        stack.Push(root.Left);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (s is CompositeSpecification<Candidate> c && c.Kind == root.Kind)
            {
                stack.Push(c.Right!);
                stack.Push(c.Left);
            }
            else
            {
                result.Add(s);
            }
        }

        return result;
    }
}
