namespace CommunityModel.Orleans.Grains;

/// <summary>
/// The commands of a call could not be kept (the storage did not answer or refused the write): the store or group
/// forgets the whole batch, deactivates, and answers the same commands again on retry, so that a retry applies
/// each of them exactly once.
/// </summary>
[GenerateSerializer, Alias("cm.CommandsNotKeptException")]
public sealed class CommandsNotKeptException : Exception
{
    /// <summary>An empty exception (for serializers).</summary>
    public CommandsNotKeptException()
    {
    }

    /// <summary>An exception saying what was not kept and why.</summary>
    public CommandsNotKeptException(string message)
        : base(message)
    {
    }

    /// <summary>An exception saying what was not kept, and the storage's own exception.</summary>
    public CommandsNotKeptException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
