using System.Linq.Expressions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform.Data;

/// <summary>
/// The one EF Core model. Each provider subclass only owns its migrations folder. Entities that implement
/// <see cref="IWorkspaceOwned"/> are filtered to the current workspace; with no workspace resolved the
/// filter matches nothing (fail closed).
/// </summary>
public abstract class VigilDb(DbContextOptions options, ICurrentWorkspace workspace)
    : IdentityUserContext<VigilUser, Guid>(options), IDataProtectionKeyContext
{
    public const string WorkspaceFilter = "workspace";

    /// <summary>Read by EF on every query, so a workspace resolved after the context was created still applies.</summary>
    internal Guid CurrentWorkspaceId => workspace.Id;

    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<WorkspaceMember> WorkspaceMembers => Set<WorkspaceMember>();
    public DbSet<WorkspaceInvitation> WorkspaceInvitations => Set<WorkspaceInvitation>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<SystemSetting> SystemSettings => Set<SystemSetting>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<VigilUser>().ToTable("users");
        builder.Entity<Microsoft.AspNetCore.Identity.IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<Microsoft.AspNetCore.Identity.IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<Microsoft.AspNetCore.Identity.IdentityUserToken<Guid>>().ToTable("user_tokens");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        builder.ApplyConfigurationsFromAssembly(typeof(VigilDb).Assembly);

        foreach (var entity in builder.Model.GetEntityTypes())
        {
            if (typeof(IWorkspaceOwned).IsAssignableFrom(entity.ClrType) && entity.BaseType is null)
            {
                builder.Entity(entity.ClrType).HasQueryFilter(WorkspaceFilter, WorkspaceFilterFor(entity.ClrType));
            }
        }
    }

    LambdaExpression WorkspaceFilterFor(Type entityType)
    {
        // e => e.WorkspaceId == this.CurrentWorkspaceId; EF turns the context member into a query parameter.
        var e = Expression.Parameter(entityType, "e");
        var body = Expression.Equal(
            Expression.Property(e, nameof(IWorkspaceOwned.WorkspaceId)),
            Expression.Property(Expression.Constant(this), nameof(CurrentWorkspaceId)));
        return Expression.Lambda(body, e);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Instants are stored as UTC DateTime (SQLite cannot compare DateTimeOffset in SQL) and read back as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        AuditEntry.RejectEdits(ChangeTracker);
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        AuditEntry.RejectEdits(ChangeTracker);
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        v => v.HasValue ? (v.Value.Kind == DateTimeKind.Utc ? v : v.Value.ToUniversalTime()) : v,
        v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);
}

public sealed class SqliteVigilDb(DbContextOptions<SqliteVigilDb> options, ICurrentWorkspace workspace) : VigilDb(options, workspace);

public sealed class PostgresVigilDb(DbContextOptions<PostgresVigilDb> options, ICurrentWorkspace workspace) : VigilDb(options, workspace)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // What is due is found in notification_due (kept by a trigger, see NotificationDue), not in an index of the
        // outbox's status: then neither a claim (lease owner and time) nor a delivery's outcome (status, completion)
        // changes an indexed column of an outbox row, and with room left in each page PostgreSQL rewrites the row in
        // place (a HOT update) instead of adding an entry to each of its indexes. A row is written three times (queued,
        // claimed, done), so its page keeps three fifths free.
        var outbox = builder.Entity<Vigil.Server.Modules.Notifications.OutboxMessage>();
        outbox.HasStorageParameter("fillfactor", 40);
        var byStatus = outbox.Metadata.FindIndex([outbox.Metadata.FindProperty(nameof(Vigil.Server.Modules.Notifications.OutboxMessage.Status))!,
            outbox.Metadata.FindProperty(nameof(Vigil.Server.Modules.Notifications.OutboxMessage.DueAt))!]);
        outbox.Metadata.RemoveIndex(byStatus!);
        // The same for restock sources, claimed and then written back every cycle: neither the lease columns nor the
        // due time are in an index (see RestockSourceConfiguration), so both writes are in place.
        builder.Entity<Vigil.Server.Modules.Restock.RestockSource>().HasStorageParameter("fillfactor", 80);
        // System events (no workspace) keep their dedup keys unique too (the index holds only events with a key);
        // SQLite relies on the publisher's check for them.
        var events = builder.Entity<Vigil.Server.Modules.Notifications.AlertEvent>();
        events.HasIndex(e => new { e.WorkspaceId, e.Kind, e.DedupKey }).IsUnique().AreNullsDistinct(false);
    }
}
