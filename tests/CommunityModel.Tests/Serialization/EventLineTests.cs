using CommunityModel.Groups;
using CommunityModel.Serialization.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CommunityModel.Tests.Serialization;

/// <summary>
/// A plain message line is read with the UTF-8 reader directly; every line must give what the serializer gives:
/// the same group and event, or (for anything the direct path does not take) the serializer's own problems.
/// </summary>
public class EventLineTests
{
    /// <summary>Fields as files write them, right and wrong: values, repeats, unknown names, nulls, escapes, other types.</summary>
    private static readonly string[] Fields =
    [
        "\"type\":\"message\"", "\"type\":\"message\"", "\"type\":\"message\"", "\"type\":\"checkIn\"", "\"type\":\"mess\\u0061ge\"", "\"type\":5",
        "\"at\":\"2026-03-02T01:00:00Z\"", "\"at\":\"2026-03-02T01:00:00.123Z\"", "\"at\":\"2026-03-02T09:00:00+08:00\"", "\"at\":\"yesterday\"",
        "\"at\":\"2026-02-30T01:00:00Z\"", "\"at\":null",
        "\"group\":\"妈妈群 1\"", "\"group\":\" \"", "\"group\":null", "\"group\":\"g\\\"1\"",
        "\"member\":\"li\"", "\"member\":\"王\"", "\"member\":\"\"", "\"member\":\"  \"", "\"member\":null", "\"member\":7",
        "\"text\":\"宝宝几个月了?\"", "\"text\":\"\"", "\"text\":\"\\ud800\"", "\"member\":\"\\udc00x\"", "\"text\":\"\\ud83d\\ude00\"", "\"text\":\"加我 vx\\n abc\"", "\"text\":null", "\"text\":[\"a\"]",
        "\"messageId\":\"m1\"", "\"messageId\":\"\"", "\"replyTo\":\"m0\"", "\"replyTo\":null",
        "\"labels\":[\"ad\"]", "\"author\":\"li\"", "\"Text\":\"x\"", "\"txt\":\"x\"",
    ];

    private static Gen<string> Lines =>
        from n in Gen.Choose(0, 7)
        from picks in Gen.Choose(0, Fields.Length - 1).ArrayOf(n)
        from required in Gen.Elements(true, true, false)
        from shape in Gen.Choose(0, 9)
        select Line(picks, required, shape);

    private static string Line(int[] picks, bool required, int shape)
    {
        var fields = picks.Select(p => Fields[p]).ToList();
        if (required)
        {
            // Most lines carry the fields a message needs, somewhere among the others.
            fields.InsertRange(Math.Min(fields.Count, 1), ["\"type\":\"message\"", "\"at\":\"2026-03-02T02:00:00Z\"", "\"member\":\"li\"", "\"text\":\"hi\""]);
        }

        var body = "{" + string.Join(shape == 1 ? " , " : ",", fields) + (shape == 2 ? "," : string.Empty) + "}";
        return shape switch
        {
            3 => body + " /* note */",
            4 => body + "{}",
            5 => body[..^1],
            6 => " " + body + " ",
            7 => "[" + body + "]",
            _ => body,
        };
    }

    private static bool Same(ConfigResult<GroupEvent> a, ConfigResult<GroupEvent> b) =>
        (a.Value, b.Value) switch
        {
            (MessagePosted x, MessagePosted y) => x with { Labels = null } == y with { Labels = null } && (x.Labels ?? []).SequenceEqual(y.Labels ?? []) && (x.Labels is null) == (y.Labels is null),
            var (x, y) => Equals(x, y),
        }
        && a.Problems.SequenceEqual(b.Problems);

    [Property(MaxTest = 2000)]
    public Property TheDirectPath_GivesWhatTheSerializerGives() =>
        Prop.ForAll(Lines.ToArbitrary(), line =>
        {
            var direct = ConfigJson.EventLine(line, 7);
            var serializer = ConfigJson.EventLine(line, 7, fast: false);
            return (direct.Group == serializer.Group && Same(direct.Event, serializer.Event))
                .Label($"{line}: {direct.Event.Value} / {serializer.Event.Value}; {string.Join("; ", serializer.Event.Problems.Select(p => p.Message))}");
        });

    [Fact]
    public void APlainMessageLine_IsReadDirectly_AndEqualsTheSerializers()
    {
        var line = "{\"type\":\"message\",\"at\":\"2026-03-02T01:00:00.5Z\",\"group\":\"妈妈群 1\",\"member\":\"li\",\"text\":\"宝宝几个月了?\",\"messageId\":\"m1\"}";
        var direct = ConfigJson.EventLine(line, 1);
        var serializer = ConfigJson.EventLine(line, 1, fast: false);
        Assert.Equal("妈妈群 1", direct.Group);
        Assert.True(direct.Event.IsValid);
        Assert.Equal(serializer.Event.Value, direct.Event.Value);
        Assert.Equal("m1", ((MessagePosted)direct.Event.Value!).MessageId);
    }
}
