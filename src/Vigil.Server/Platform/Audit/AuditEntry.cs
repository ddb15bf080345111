using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Vigil.Server.Platform.Audit;

/// <summary>One change, appended in the same transaction as the change itself. Never updated or deleted.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>Null for system-wide changes (users, settings).</summary>
    public Guid? WorkspaceId { get; set; }
    public Guid? ActorUserId { get; set; }
    public required string ActorName { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public string? EntityId { get; set; }
    public string? Summary { get; set; }

    /// <summary>JSON snapshot before the change (secrets already masked).</summary>
    public string? Before { get; set; }

    /// <summary>JSON snapshot after the change (secrets already masked).</summary>
    public string? After { get; set; }
    public string? Ip { get; set; }

    internal static void RejectEdits(ChangeTracker tracker)
    {
        foreach (var entry in tracker.Entries<AuditEntry>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException("The audit log is append-only.");
            }
        }
    }
}

sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("audit_log");
        b.Property(a => a.ActorName).HasMaxLength(256);
        b.Property(a => a.Action).HasMaxLength(100);
        b.Property(a => a.EntityType).HasMaxLength(100);
        b.Property(a => a.EntityId).HasMaxLength(100);
        b.Property(a => a.Summary).HasMaxLength(1000);
        b.Property(a => a.Ip).HasMaxLength(64);
        b.HasIndex(a => new { a.WorkspaceId, a.Id });
        b.HasIndex(a => a.At);
    }
}
