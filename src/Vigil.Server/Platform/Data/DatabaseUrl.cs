using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vigil.Server.Platform.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A parsed <c>DATABASE_URL</c>: <c>sqlite:///relative.db</c>, <c>sqlite:////absolute.db</c>,
/// <c>postgresql://user:pass@host:port/db</c> (or <c>postgres://</c>, with optional <c>+driver</c> suffixes
/// such as <c>postgresql+asyncpg</c>), or a plain SQLite / Npgsql connection string.
/// </summary>
public sealed record DatabaseUrl(DatabaseProvider Provider, string ConnectionString)
{
    public const string Default = "sqlite:///data/vigil.db";

    /// <summary>The database file for SQLite, absolute.</summary>
    public string? SqliteFile => Provider == DatabaseProvider.Sqlite
        ? Path.GetFullPath(new SqliteConnectionStringBuilder(ConnectionString).DataSource)
        : null;

    public static DatabaseUrl Parse(string? value)
    {
        value = string.IsNullOrWhiteSpace(value) ? Default : value.Trim();
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0 && !value[..schemeEnd].Contains('=', StringComparison.Ordinal))
        {
            var scheme = value[..schemeEnd].ToLowerInvariant();
            var driverless = scheme.Split('+')[0];
            return driverless switch
            {
                "sqlite" => FromSqliteUrl(value[(schemeEnd + 3)..]),
                "postgresql" or "postgres" or "pgsql" => FromPostgresUrl(value, schemeEnd),
                _ => throw new FormatException($"DATABASE_URL scheme '{scheme}' is not supported; use sqlite:/// or postgresql://."),
            };
        }
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            return FromSqliteUrl(value["sqlite:".Length..]);
        }
        return FromConnectionString(value);
    }

    static DatabaseUrl FromSqliteUrl(string rest)
    {
        // After "sqlite://" comes "/path": one slash means relative (sqlite:///data/x.db), two absolute (sqlite:////tmp/x.db).
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        if (queryStart >= 0)
        {
            rest = rest[..queryStart];
        }
        var path = rest.StartsWith('/') ? rest[1..] : rest;
        if (path.Length == 0)
        {
            throw new FormatException("DATABASE_URL names no SQLite file.");
        }
        if (path == ":memory:")
        {
            throw new FormatException("DATABASE_URL: an in-memory SQLite database cannot be shared; name a file.");
        }
        var builder = new SqliteConnectionStringBuilder { DataSource = Uri.UnescapeDataString(path), Cache = SqliteCacheMode.Default, Pooling = true };
        return new DatabaseUrl(DatabaseProvider.Sqlite, builder.ToString());
    }

    static DatabaseUrl FromPostgresUrl(string value, int schemeEnd)
    {
        var uri = new Uri("postgresql" + value[schemeEnd..]);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Length > 0 ? uri.Host : "localhost",
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }
        if (string.IsNullOrEmpty(builder.Database))
        {
            builder.Database = builder.Username ?? "postgres";
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(val.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
                    break;
                case "application_name":
                    builder.ApplicationName = val;
                    break;
                default:
                    builder[key] = val;
                    break;
            }
        }
        return new DatabaseUrl(DatabaseProvider.Postgres, builder.ConnectionString);
    }

    static DatabaseUrl FromConnectionString(string value)
    {
        var keys = value.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)[0].Trim().ToLowerInvariant())
            .ToHashSet();
        if (keys.Contains("host") || keys.Contains("server") || keys.Contains("username") || keys.Contains("user id"))
        {
            return new DatabaseUrl(DatabaseProvider.Postgres, new NpgsqlConnectionStringBuilder(value).ConnectionString);
        }
        if (keys.Contains("data source") || keys.Contains("datasource") || keys.Contains("filename"))
        {
            return new DatabaseUrl(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder(value).ToString());
        }
        throw new FormatException("DATABASE_URL is neither a sqlite:/// or postgresql:// URL nor a connection string.");
    }

    /// <summary>
    /// The connection string the server's contexts open. On PostgreSQL, unless the URL sets them: a connection goes back
    /// to the pool without <c>DISCARD ALL</c> (<c>No Reset On Close</c>; Vigil sets no session state, and the reset cost
    /// PostgreSQL more time than most of the queries it followed), and statements run often are prepared once per
    /// connection (<c>Max Auto Prepare</c>), so PostgreSQL parses and analyses the dispatcher's and poller's statements
    /// once rather than at every pass.
    /// </summary>
    public string ServerConnectionString
    {
        get
        {
            if (Provider != DatabaseProvider.Postgres)
            {
                return ConnectionString;
            }
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            // The builder writes back only the settings given, under their canonical names.
            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
            if (!given.ContainsKey("No Reset On Close"))
            {
                builder.NoResetOnClose = true;
            }
            if (!given.ContainsKey("Max Auto Prepare"))
            {
                builder.MaxAutoPrepare = 64;
            }
            return builder.ConnectionString;
        }
    }

    /// <summary>The connection string with any password replaced, for logs and errors.</summary>
    public string Redacted => Provider == DatabaseProvider.Postgres
        ? new NpgsqlConnectionStringBuilder(ConnectionString) { Password = null }.ConnectionString
        : ConnectionString;
}
