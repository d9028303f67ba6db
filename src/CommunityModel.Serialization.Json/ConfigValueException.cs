using System.Text.Json;

namespace CommunityModel.Serialization.Json;

/// <summary>A value in a configuration text that cannot be what its place asks for (a rate, an amount, a currency).</summary>
/// <remarks>Immutable once built; safe to read from many threads at once (a cache built on first use is built the same way by any thread).</remarks>
public sealed class ConfigValueException : JsonException
{
    /// <summary>Creates the exception.</summary>
    public ConfigValueException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    public ConfigValueException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The exception that made the value unreadable.</param>
    public ConfigValueException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
