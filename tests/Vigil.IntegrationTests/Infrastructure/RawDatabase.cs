using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Vigil.Server.Platform.Data;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>Reads tables straight from the database, below the application, to check what is really stored.</summary>
public static class RawDatabase
{
    public static async Task<string> DumpAsync(VigilHost host, IEnumerable<string> tables, CancellationToken ct)
    {
        var url = DatabaseUrl.Parse(host.DatabaseUrl);
        await using DbConnection conn = url.Provider == DatabaseProvider.Sqlite ? new SqliteConnection(url.ConnectionString) : new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync(ct);
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                }
                text.AppendLine();
            }
        }
        return text.ToString();
    }

    /// <summary>Runs one statement straight on the database.</summary>
    public static async Task<int> ExecuteAsync(VigilHost host, string sql, CancellationToken ct)
    {
        var url = DatabaseUrl.Parse(host.DatabaseUrl);
        await using DbConnection conn = url.Provider == DatabaseProvider.Sqlite ? new SqliteConnection(url.ConnectionString) : new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Row counts of every table the application owns, to prove a rejected request changed nothing.</summary>
    public static async Task<Dictionary<string, long>> CountsAsync(VigilHost host, CancellationToken ct)
    {
        var url = DatabaseUrl.Parse(host.DatabaseUrl);
        await using DbConnection conn = url.Provider == DatabaseProvider.Sqlite ? new SqliteConnection(url.ConnectionString) : new NpgsqlConnection(url.ConnectionString);
        await conn.OpenAsync(ct);
        var tables = new List<string>();
        await using (var list = conn.CreateCommand())
        {
            list.CommandText = url.Provider == DatabaseProvider.Sqlite
                ? "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__ef%'"
                : "SELECT table_name FROM information_schema.tables WHERE table_schema='public' AND table_name NOT LIKE '__ef%'";
            await using var reader = await list.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                tables.Add(reader.GetString(0));
            }
        }
        var counts = new Dictionary<string, long>();
        foreach (var table in tables.Order(StringComparer.Ordinal))
        {
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
            counts[table] = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        return counts;
    }
}
