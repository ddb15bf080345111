using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Platform.Data;

/// <summary>Database settings (<c>DATABASE_URL</c>, <c>AUTO_MIGRATE</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public string? Url { get; set; }

    /// <summary>PostgreSQL migrates on start unless this is false; SQLite always does.</summary>
    public bool AutoMigrate { get; set; } = true;
}

/// <summary>
/// Brings the database up to date and creates the first admin. Runs once per process: the CLI calls it before
/// serving, and a hosted service calls it when the host is started some other way (tests).
/// </summary>
public sealed partial class DatabaseInitializer(IServiceProvider services, DatabaseUrl database, IOptions<DatabaseOptions> options, ILogger<DatabaseInitializer> logger) : IDisposable
{
    readonly SemaphoreSlim _gate = new(1, 1);
    bool _done;

    public async Task InitializeAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_done)
            {
                return;
            }
            if (services.GetService<JwtKey>() is { ShortSecret: true })
            {
                LogShortJwtSecret(logger, JwtKey.MinimumBytes);
            }
            if (database.Provider == DatabaseProvider.Sqlite || options.Value.AutoMigrate)
            {
                await MigrateAsync(ct);
            }
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<AdminBootstrap>().EnsureAdminAsync(ct);
                foreach (var seed in scope.ServiceProvider.GetServices<IStartupSeed>())
                {
                    await seed.SeedAsync(ct);
                }
            }
            _done = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    public async Task MigrateAsync(CancellationToken ct)
    {
        if (database.SqliteFile is { } file && !File.Exists(file))
        {
            CreatePrivateFile(file);
        }
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers run beside the single writer; the setting persists in the file.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.CloseConnectionAsync();
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        LogMigrated(logger, pending.Count, database.Provider);
    }

    /// <summary>
    /// A new database file is readable by the server's user only, and so are the WAL and shared-memory files SQLite
    /// makes beside it (it gives them the database file's mode); a directory made for it is the user's only too. An
    /// existing file keeps the mode its operator gave it. An empty file is an empty SQLite database.
    /// </summary>
    static void CreatePrivateFile(string file)
    {
        var directory = Path.GetDirectoryName(file)!; // a full path always has a directory
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            using var created = new FileStream(file, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(file))
        {
            // Another replica made it first.
        }
    }

    /// <summary>One line that says what is wrong with the database, for start-up failures.</summary>
    public static string Describe(Exception e, DatabaseUrl database)
    {
        var root = e;
        while (root.InnerException is not null && root is not Npgsql.NpgsqlException && root is not SqliteException)
        {
            root = root.InnerException;
        }
        var where = database.Provider == DatabaseProvider.Postgres
            ? new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) is var b ? $"PostgreSQL at {b.Host}:{b.Port}/{b.Database}" : ""
            : $"SQLite file {database.SqliteFile}";
        var message = root.Message.ReplaceLineEndings(" ");
        return $"Cannot use the database ({where}): {message}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "JWT_SECRET is shorter than {Bytes} bytes: tokens are signed with a key anyone may guess; set a long random secret (e.g. openssl rand -base64 48)")]
    static partial void LogShortJwtSecret(ILogger logger, int bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready ({Provider}); {Count} migration(s) applied")]
    static partial void LogMigrated(ILogger logger, int count, DatabaseProvider provider);
}

/// <summary>Runs <see cref="DatabaseInitializer"/> when the host starts, before the server takes requests.</summary>
public sealed class DatabaseStartup(DatabaseInitializer initializer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => initializer.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Something a module sets up once the database is ready (e.g. settings given as environment variables).</summary>
public interface IStartupSeed
{
    Task SeedAsync(CancellationToken ct);
}
