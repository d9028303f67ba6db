using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace CommunityModel.Serialization.Json;

/// <summary>
/// NodaTime's converters, exactly those <c>ConfigureForNodaTime(DateTimeZoneProviders.Tzdb)</c> adds and chosen in the
/// same order, made only when a NodaTime type is first met. Making them opens the time zone database and builds
/// NodaTime's text patterns (about 100 ms of a process's start), which a document without NodaTime values, such as
/// a commission plan, never needs.
/// </summary>
internal sealed class NodaTimeConverters : JsonConverterFactory
{
    private static readonly HashSet<Type> Types =
    [
        typeof(Instant), typeof(Interval), typeof(LocalDate), typeof(LocalDateTime), typeof(LocalTime), typeof(AnnualDate),
        typeof(YearMonth), typeof(DateInterval), typeof(Offset), typeof(DateTimeZone), typeof(Duration), typeof(Period),
        typeof(OffsetDateTime), typeof(OffsetDate), typeof(OffsetTime), typeof(ZonedDateTime),
    ];

    private static readonly Lazy<JsonConverter[]> Converters =
        new(() => [.. new JsonSerializerOptions().ConfigureForNodaTime(DateTimeZoneProviders.Tzdb).Converters]);

    /// <inheritdoc/>
    public override bool CanConvert(Type typeToConvert) => Types.Contains(typeToConvert);

    /// <inheritdoc/>
    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options)
    {
        foreach (var converter in Converters.Value)
        {
            if (converter.CanConvert(typeToConvert))
            {
                return converter;
            }
        }

        throw new NotSupportedException($"NodaTime has no JSON converter for {typeToConvert}.");
    }
}
