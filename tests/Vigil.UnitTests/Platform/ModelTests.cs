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
        using var db = (DbContext)factory.GetMethod("CreateDbContext")!.Invoke(Activator.CreateInstance(factory), [Array.Empty<string>()])!;
        db.Database.HasPendingModelChanges().ShouldBeFalse($"{factory.Name}: run tools/add-migration.sh");
    }
}
