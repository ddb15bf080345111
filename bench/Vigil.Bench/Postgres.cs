using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Vigil.Bench;

/// <summary>
/// A PostgreSQL server to create bench databases on: the one <c>VIGIL_BENCH_POSTGRES</c> names (a connection string
/// to a superuser), or a throwaway cluster started here from the installed binaries and removed afterwards.
/// </summary>
public sealed class Postgres : IAsyncDisposable
{
    public const string EnvironmentVariable = "VIGIL_BENCH_POSTGRES";

    readonly string? _binDir;
    readonly string? _workDir;
    readonly List<string> _created = [];

    Postgres(string connectionString, string? binDir, string? workDir)
    {
        ConnectionString = connectionString;
        _binDir = binDir;
        _workDir = workDir;
    }

    /// <summary>A superuser connection to the <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    /// <summary>What is being used, for the report.</summary>
    public string Description { get; private set; } = "";

    public static async Task<Postgres> StartAsync(CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            var server = new Postgres(given, null, null);
            server.Description = $"{await server.VersionAsync(ct)} from {EnvironmentVariable}";
            return server;
        }
        return await StartThrowawayAsync(ct);
    }

    static async Task<Postgres> StartThrowawayAsync(CancellationToken ct)
    {
        var binDir = FindBinDir() ?? throw new InvalidOperationException(
            $"No PostgreSQL binaries under /usr/lib/postgresql; install the postgresql package or set {EnvironmentVariable}.");
        var work = Directory.CreateTempSubdirectory("vigil-bench-pg.").FullName;
        var data = Path.Combine(work, "pg");
        var sockets = Path.Combine(work, "sock");
        Directory.CreateDirectory(sockets);
        if (Environment.IsPrivilegedProcess)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            await RunAsync("chown", ["-R", "postgres:postgres", work], asPostgres: false, ct);
            await RunAsync("chmod", ["755", work], asPostgres: false, ct);
        }
        var port = ServerUnderTest.FreeLoopbackPort();
        var server = new Postgres(
            $"Host=127.0.0.1;Port={port};Username=vigil;Database=postgres;Pooling=false", binDir, work);
        try
        {
            await RunAsync(Path.Combine(binDir, "initdb"),
                ["-D", data, "-U", "vigil", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], asPostgres: true, ct);
            // Durability off, as in the test command: the bench measures reads, not the disk.
            var settings = string.Join(' ',
                $"-p {port.ToString(CultureInfo.InvariantCulture)} -k {sockets} -c listen_addresses=127.0.0.1",
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                // More server settings for a profiling run, e.g. "-c shared_preload_libraries=pg_stat_statements".
                Environment.GetEnvironmentVariable("VIGIL_BENCH_POSTGRES_OPTIONS") ?? "");
            await RunAsync(Path.Combine(binDir, "pg_ctl"),
                ["-D", data, "-l", Path.Combine(work, "pg.log"), "-w", "-t", "60", "-o", settings, "start"], asPostgres: true, ct);
            server.Description = $"{await server.VersionAsync(ct)}, throwaway cluster on 127.0.0.1:{port} (fsync=off, synchronous_commit=off)";
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns a connection string the server can use.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken ct)
    {
        var name = "vigil_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(ct);
            // A name made here from hex digits, quoted: identifiers cannot be parameters.
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(ct);
        }
        _created.Add(name);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    async Task<string> VersionAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        return "PostgreSQL " + connection.PostgreSqlVersion.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (_workDir is null)
        {
            // Someone else's server: leave it as we found it.
            await DropCreatedDatabasesAsync();
            return;
        }
        if (File.Exists(Path.Combine(_workDir, "pg", "postmaster.pid")))
        {
            await RunAsync(Path.Combine(_binDir!, "pg_ctl"), ["-D", Path.Combine(_workDir, "pg"), "-m", "immediate", "-w", "stop"],
                asPostgres: true, CancellationToken.None);
        }
        Directory.Delete(_workDir, recursive: true);
    }

    async Task DropCreatedDatabasesAsync()
    {
        if (_created.Count == 0)
        {
            return;
        }
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (var name in _created)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    static string? FindBinDir()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }
        return Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
            .Where(x => x.Version >= 0 && File.Exists(Path.Combine(x.Dir, "initdb")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres, CancellationToken ct)
    {
        var start = new ProcessStartInfo(asPostgres && Environment.IsPrivilegedProcess ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            foreach (var a in (string[])["-u", "postgres", "--", file])
            {
                start.ArgumentList.Add(a);
            }
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} exited with {process.ExitCode}:{Environment.NewLine}{await stdout}{await stderr}");
        }
    }
}
