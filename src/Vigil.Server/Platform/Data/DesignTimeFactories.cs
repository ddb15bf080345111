using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform.Data;

/// <summary>Lets <c>dotnet ef</c> build the SQLite model without booting the server.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteVigilDb>
{
    public SqliteVigilDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteVigilDb>()
            .UseSqlite("Data Source=design.db", s => s.MigrationsHistoryTable("__ef_migrations_history")).Options, new CurrentWorkspace());
}

/// <summary>Lets <c>dotnet ef</c> build the PostgreSQL model without booting the server (no connection is opened).</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresVigilDb>
{
    public PostgresVigilDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresVigilDb>()
            .UseNpgsql("Host=localhost;Database=vigil_design", n => n.MigrationsHistoryTable("__ef_migrations_history")).Options, new CurrentWorkspace());
}
