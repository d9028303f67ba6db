using Microsoft.Data.Sqlite;

namespace CommunityModel.Samples;

/// <summary>Commands with named parameters, for the samples that keep facts in SQLite (linked into each of them).</summary>
internal static class SqliteCommands
{
    /// <summary>A command in a transaction (or none), with its parameters bound; null values are bound as NULL.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    /// <summary>Runs a statement that returns no rows.</summary>
    public static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, tx, sql, parameters);
        cmd.ExecuteNonQuery();
    }
}
