using Npgsql;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server tests use: <c>VIGIL_TEST_POSTGRES</c> (a connection string to a superuser on a throwaway
/// server, which the test command starts). Without it, PostgreSQL tests report themselves skipped.
/// </summary>
public static class PostgresServer
{
    public static string? ConnectionString { get; } = Environment.GetEnvironmentVariable("VIGIL_TEST_POSTGRES") is { Length: > 0 } cs ? cs : null;

    public static bool Available => ConnectionString is not null;

    /// <summary>Creates an empty database for one fixture and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, CancellationToken ct)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(ConnectionString))
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }
}
