using System.Text.Json;
using CommunityModel.Serialization.Json;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace CommunityModel.Tests.Serialization;

/// <summary>
/// The configuration options make NodaTime's converters only when a NodaTime type is met, and then they write and read
/// every NodaTime type exactly as options configured by <c>ConfigureForNodaTime</c> do, nullable or not.
/// </summary>
public class NodaTimeConvertersTests
{
    private sealed record Everything(
        Instant Instant, Interval Interval, LocalDate LocalDate, LocalDateTime LocalDateTime, LocalTime LocalTime, AnnualDate AnnualDate,
        YearMonth YearMonth, DateInterval DateInterval, Offset Offset, DateTimeZone Zone, Duration Duration, Period Period,
        OffsetDateTime OffsetDateTime, OffsetDate OffsetDate, OffsetTime OffsetTime, ZonedDateTime ZonedDateTime,
        Instant? SomeInstant, Instant? NoInstant, LocalDate? SomeDate, Period? NoPeriod, DateTimeZone? NoZone, Offset? SomeOffset);

    private static Everything Sample()
    {
        var zone = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        var at = Instant.FromUtc(2026, 3, 1, 2, 3, 4).PlusNanoseconds(123_456_789);
        var local = new LocalDateTime(2026, 3, 1, 10, 3, 4, 5);
        return new Everything(
            at, new Interval(at, at + Duration.FromHours(5)), new LocalDate(2024, 2, 29), local, new LocalTime(23, 59, 59), new AnnualDate(2, 29),
            new YearMonth(2026, 3), new DateInterval(new LocalDate(2026, 3, 1), new LocalDate(2026, 3, 31)), Offset.FromHoursAndMinutes(-5, -30), zone,
            Duration.FromTicks(1_234_567_890_123), Period.FromMonths(2) + Period.FromDays(3) + Period.FromHours(4),
            local.WithOffset(Offset.FromHours(8)), new OffsetDate(new LocalDate(2026, 3, 1), Offset.FromHours(8)), new OffsetTime(new LocalTime(8, 0), Offset.FromHours(-3)),
            at.InZone(zone), at, null, new LocalDate(1, 1, 1), null, null, Offset.Zero);
    }

    private static JsonSerializerOptions Options(bool lazy, JsonIgnoreConditionChoice ignore)
    {
        var o = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = ignore.Value };
        if (lazy)
        {
            o.Converters.Add(new NodaTimeConverters());
        }
        else
        {
            o.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
        }

        return o;
    }

    public sealed record JsonIgnoreConditionChoice(System.Text.Json.Serialization.JsonIgnoreCondition Value);

    public static TheoryData<JsonIgnoreConditionChoice> IgnoreConditions() =>
        [new(System.Text.Json.Serialization.JsonIgnoreCondition.Never), new(System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)];

    [Theory]
    [MemberData(nameof(IgnoreConditions))]
    public void Every_NodaTime_type_is_written_and_read_as_ConfigureForNodaTime_does(JsonIgnoreConditionChoice ignore)
    {
        var reference = Options(lazy: false, ignore);
        var ours = Options(lazy: true, ignore);
        var sample = Sample();
        var expected = JsonSerializer.Serialize(sample, reference);
        var written = JsonSerializer.Serialize(sample, ours);
        Assert.Equal(expected, written);
        Assert.Contains("\"zone\":\"Asia/Shanghai\"", written, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.Serialize(JsonSerializer.Deserialize<Everything>(expected, reference), reference),
            JsonSerializer.Serialize(JsonSerializer.Deserialize<Everything>(written, ours), reference));
        // A bad value is refused as NodaTime refuses it, with the same message.
        var bad = expected.Replace("2024-02-29", "2023-02-29", StringComparison.Ordinal);
        var refused = Assert.ThrowsAny<Exception>(() => JsonSerializer.Deserialize<Everything>(bad, reference));
        var ourRefusal = Assert.ThrowsAny<Exception>(() => JsonSerializer.Deserialize<Everything>(bad, ours));
        Assert.Equal(refused.GetType(), ourRefusal.GetType());
        Assert.Equal(refused.Message, ourRefusal.Message);
    }

    [Fact]
    public void The_configuration_options_carry_the_NodaTime_types()
    {
        var holding = Period.FromMonths(2);
        var text = JsonSerializer.Serialize(holding, ConfigJson.Options);
        Assert.Equal("\"P2M\"", text);
        Assert.Equal(holding, JsonSerializer.Deserialize<Period>(text, ConfigJson.Options));
        Assert.Equal("\"Asia/Shanghai\"", JsonSerializer.Serialize(DateTimeZoneProviders.Tzdb["Asia/Shanghai"], ConfigJson.Options));
        Assert.Equal("null", JsonSerializer.Serialize((Instant?)null, ConfigJson.Options));
    }
}
