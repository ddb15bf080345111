using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Data;

namespace Vigil.UnitTests.Platform;

public sealed class ModelTests
{
    [Fact]
    public void Every_workspace_owned_entity_has_the_workspace_filter()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        var missing = db.Model.GetEntityTypes()
            .Where(e => typeof(IWorkspaceOwned).IsAssignableFrom(e.ClrType) && e.BaseType is null)
            .Where(e => e.FindDeclaredQueryFilter(VigilDb.WorkspaceFilter) is null)
            .Select(e => e.ClrType.Name)
            .ToList();
        missing.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(typeof(SqliteDesignTimeFactory))]
    [InlineData(typeof(PostgresDesignTimeFactory))]
    public void Both_migration_sets_match_the_model(Type factory)
    {
        using var db = Create(factory);
        db.Database.HasPendingModelChanges().ShouldBeFalse($"{factory.Name}: run tools/add-migration.sh");
    }

    [Theory]
    [InlineData(typeof(SqliteDesignTimeFactory))]
    [InlineData(typeof(PostgresDesignTimeFactory))]
    public void What_every_restock_cycle_writes_back_to_a_source_is_in_no_index(Type factory)
    {
        // A claim (lease) and a check's write-back (due time, heartbeat, lease released) then change no indexed column.
        using var db = Create(factory);
        var indexed = db.Model.FindEntityType(typeof(Vigil.Server.Modules.Restock.RestockSource))!.GetIndexes()
            .SelectMany(i => i.Properties).Select(p => p.Name).ToHashSet();
        indexed.ShouldNotContain(nameof(Vigil.Server.Modules.Restock.RestockSource.NextDueAt));
        indexed.ShouldNotContain(nameof(Vigil.Server.Modules.Restock.RestockSource.LeaseOwner));
        indexed.ShouldNotContain(nameof(Vigil.Server.Modules.Restock.RestockSource.LeaseUntil));
        indexed.ShouldNotContain(nameof(Vigil.Server.Modules.Restock.RestockSource.LastCheckedAt));
    }

    static DbContext Create(Type designTimeFactory) =>
        (DbContext)designTimeFactory.GetMethod("CreateDbContext")!.Invoke(Activator.CreateInstance(designTimeFactory), [Array.Empty<string>()])!;
}
