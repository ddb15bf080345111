using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Platform.Data;

/// <summary>
/// Per-connection SQLite settings, set on every open (pooled connections keep them; it costs nothing).
/// <list type="bullet">
/// <item>SQLite itself waits for the write lock. Microsoft.Data.Sqlite's own retry sleeps 150 ms after each busy
/// answer, so a dozen concurrent writers queued for hundreds of milliseconds behind writes that take one; SQLite's
/// busy handler retries within a millisecond or two.</item>
/// <item><c>synchronous</c>: <c>NORMAL</c> by default, SQLite's advice for WAL mode: a commit is flushed to disk at
/// the next checkpoint rather than by itself, which can neither corrupt the file nor lose anything when the process
/// crashes or is killed; only a power cut or an OS crash may roll back the last commits. <c>FULL</c> flushes every
/// commit.</item>
/// <item><c>mmap_size</c> 256 MiB: pages are read through a memory map instead of a system call each. Every write by
/// another connection empties a connection's page cache, so with a busy dispatcher the reads were a tenth of its
/// time.</item>
/// <item><c>wal_autocheckpoint</c> 8,192 pages (32 MiB) instead of 1,000: each checkpoint copies the log into the file and
/// flushes both, so under a steady stream of commits (the notification dispatcher's) SQLite's default checkpointed
/// dozens of times a second; a page written many times between checkpoints is now copied once.</item>
/// </list>
/// </summary>
public sealed class SqliteConnectionSetup(SqliteSynchronous synchronous) : DbConnectionInterceptor
{
    readonly string _pragmas = $"PRAGMA busy_timeout = 30000; PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()}; PRAGMA mmap_size = 268435456; PRAGMA wal_autocheckpoint = 8192;";

    /// <summary>Reads <c>Database__SqliteSynchronous</c>: empty means <c>NORMAL</c>; anything but NORMAL or FULL stops start-up.</summary>
    public static SqliteSynchronous ParseSynchronous(string? value) =>
        string.IsNullOrWhiteSpace(value) ? SqliteSynchronous.Normal
        : Enum.TryParse<SqliteSynchronous>(value.Trim(), ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !char.IsDigit(value.Trim()[0]) ? mode
        : throw new StartupException($"Database__SqliteSynchronous must be NORMAL or FULL, not '{value}'.");

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>How SQLite flushes commits (<c>Database__SqliteSynchronous</c>).</summary>
public enum SqliteSynchronous
{
    Normal,
    Full,
}
