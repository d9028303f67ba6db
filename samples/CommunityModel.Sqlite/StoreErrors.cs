namespace CommunityModel.Sqlite;

/// <summary>
/// A store file that does not hold what the store wrote: a value changed, a row added, removed or moved, a value
/// of the wrong type, or facts that no longer give the stored entries. The one error <see cref="SqliteFactStore.Open"/>
/// raises for a damaged or edited file; it names the table, the row and (when it can be told) the column.
/// </summary>
public sealed class StoreCorruptException : IOException
{
    /// <summary>Creates the error.</summary>
    /// <param name="path">The store file.</param>
    /// <param name="table">The table.</param>
    /// <param name="row">The row, by its key (for example <c>order_id o-1</c>).</param>
    /// <param name="column">The column, or null when the fault is the row's presence or place.</param>
    /// <param name="problem">What is wrong, in a sentence.</param>
    public StoreCorruptException(string path, string table, string row, string? column, string problem)
        : base($"{path}: table {table}, row {row}{(column is null ? string.Empty : $", column {column}")}: {problem}")
    {
        Table = table;
        Row = row;
        Column = column;
        Problem = problem;
    }

    /// <summary>The table.</summary>
    public string Table { get; }

    /// <summary>The row, by its key.</summary>
    public string Row { get; }

    /// <summary>The column, or null when the fault is the row's presence or place.</summary>
    public string? Column { get; }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }
}

/// <summary>
/// The store could not take a write because another writer kept the file locked beyond the store's wait, or the
/// file was changed under the store in a way it cannot catch up with.
/// </summary>
public sealed class StoreConcurrencyException : IOException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="inner">The underlying error.</param>
    public StoreConcurrencyException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
