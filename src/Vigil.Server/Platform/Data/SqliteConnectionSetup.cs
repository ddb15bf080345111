using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Vigil.Server.Platform.Data;

/// <summary>
/// Lets SQLite itself wait for the write lock. Microsoft.Data.Sqlite's own retry sleeps 150 ms after each busy
/// answer, so a dozen concurrent writers queued for hundreds of milliseconds behind writes that take one; SQLite's
/// busy handler retries within a millisecond or two. Set on every open: pooled connections keep it, it costs nothing.
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    const string Pragmas = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
