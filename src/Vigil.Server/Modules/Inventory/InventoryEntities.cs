using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Inventory;

/// <summary>A part of the store room's organisation (IT, Facilities, …), per workspace.</summary>
public sealed class Department : IWorkspaceOwned
{
    public Guid Id { get; set; } = Ids.New();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }

    /// <summary>A low-stock threshold for this department's items that wins over each item's own, when set.</summary>
    public int? MinimumOverride { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>What kind of thing an item is; categories nest.</summary>
public sealed class Category : IWorkspaceOwned
{
    public Guid Id { get; set; } = Ids.New();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public Guid? ParentId { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// A stocked item. Its quantity only ever changes through a stock move, in the same transaction as the move's
/// immutable row; a CHECK keeps it from going negative whatever happens above.
/// </summary>
public sealed class InventoryItem : IWorkspaceOwned
{
    public Guid Id { get; set; } = Ids.New();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public required string NormalizedName { get; set; }
    public string? Sku { get; set; }
    public string? Barcode { get; set; }
    public string Unit { get; set; } = "pcs";
    public int Quantity { get; set; }
    public int Threshold { get; set; }
    public Guid? DepartmentId { get; set; }
    public Guid? CategoryId { get; set; }
    public string? Notes { get; set; }
    public bool Archived { get; set; }

    /// <summary>Set when a low-stock alert went out for the current episode; cleared when stock rises above the threshold.</summary>
    public bool LowStockAlerted { get; set; }

    /// <summary>Bumped by every change: SQLite has no rowversion, so we keep our own.</summary>
    public long Version { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public enum MovementKind
{
    Add,
    Restock,
    Issue,
    Return,
    TransferOut,
    TransferIn,
    Adjust,
    Reversal,
}

/// <summary>One immutable change of stock. Never updated, never deleted; a mistake is undone by a compensating movement.</summary>
public sealed class StockMovement : IWorkspaceOwned
{
    public long Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ItemId { get; set; }
    public MovementKind Kind { get; set; }

    /// <summary>Signed change of quantity.</summary>
    public int Delta { get; set; }
    public int QuantityAfter { get; set; }
    public Guid? DepartmentId { get; set; }

    /// <summary>Who received (issue) or brought back (return) the items.</summary>
    public string? Person { get; set; }
    public string? Note { get; set; }
    public string? Reason { get; set; }

    /// <summary>Shared by the two movements of a transfer.</summary>
    public Guid? CorrelationId { get; set; }
    public long? ReversesMovementId { get; set; }
    public Guid? ActorUserId { get; set; }
    public required string ActorName { get; set; }
    public DateTime At { get; set; }
}

/// <summary>The first answer to a stock-moving request with an Idempotency-Key, replayed for repeats.</summary>
public sealed class IdempotencyRecord : IWorkspaceOwned
{
    public Guid WorkspaceId { get; set; }
    public required string Key { get; set; }
    public required string RequestHash { get; set; }
    public int StatusCode { get; set; }
    public required string ResponseBody { get; set; }

    /// <summary>The first answer's <c>Location</c> (a 201's), replayed with it.</summary>
    public string? Location { get; set; }

    public DateTime CreatedAt { get; set; }
}

sealed class DepartmentConfiguration : IEntityTypeConfiguration<Department>
{
    public void Configure(EntityTypeBuilder<Department> b)
    {
        b.ToTable("inventory_departments");
        b.Property(d => d.Name).HasMaxLength(100);
        b.HasIndex(d => new { d.WorkspaceId, d.Name }).IsUnique();
    }
}

sealed class CategoryConfiguration : IEntityTypeConfiguration<Category>
{
    public void Configure(EntityTypeBuilder<Category> b)
    {
        b.ToTable("inventory_categories");
        b.Property(c => c.Name).HasMaxLength(100);
        b.HasIndex(c => new { c.WorkspaceId, c.ParentId, c.Name }).IsUnique();
        b.HasOne<Category>().WithMany().HasForeignKey(c => c.ParentId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class InventoryItemConfiguration : IEntityTypeConfiguration<InventoryItem>
{
    public void Configure(EntityTypeBuilder<InventoryItem> b)
    {
        b.ToTable("inventory_items", t =>
        {
            t.HasCheckConstraint("ck_inventory_items_quantity", "\"Quantity\" >= 0");
            t.HasCheckConstraint("ck_inventory_items_threshold", "\"Threshold\" >= 0");
        });
        b.Property(i => i.Name).HasMaxLength(200);
        b.Property(i => i.NormalizedName).HasMaxLength(200);
        b.Property(i => i.Sku).HasMaxLength(100);
        b.Property(i => i.Barcode).HasMaxLength(100);
        b.Property(i => i.Unit).HasMaxLength(20);
        b.Property(i => i.Notes).HasMaxLength(2000);
        b.Property(i => i.Version).IsConcurrencyToken();
        // Names are unique among the items in use; an archived item's name can be taken again.
        b.HasIndex(i => new { i.WorkspaceId, i.NormalizedName }).IsUnique().HasFilter("NOT \"Archived\"");
        b.HasIndex(i => new { i.WorkspaceId, i.Barcode });
        b.HasIndex(i => new { i.WorkspaceId, i.Sku });
        b.HasOne<Department>().WithMany().HasForeignKey(i => i.DepartmentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Category>().WithMany().HasForeignKey(i => i.CategoryId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class StockMovementConfiguration : IEntityTypeConfiguration<StockMovement>
{
    public void Configure(EntityTypeBuilder<StockMovement> b)
    {
        b.ToTable("inventory_movements");
        b.Property(m => m.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(m => m.Person).HasMaxLength(200);
        b.Property(m => m.Note).HasMaxLength(1000);
        b.Property(m => m.Reason).HasMaxLength(500);
        b.Property(m => m.ActorName).HasMaxLength(256);
        b.HasIndex(m => new { m.WorkspaceId, m.Id });
        b.HasIndex(m => new { m.ItemId, m.Id });
        // Movements outlive anything: no cascade from items (items are archived, never deleted).
        b.HasOne<InventoryItem>().WithMany().HasForeignKey(m => m.ItemId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("inventory_idempotency");
        b.HasKey(r => new { r.WorkspaceId, r.Key });
        b.Property(r => r.Key).HasMaxLength(200);
        b.Property(r => r.RequestHash).HasMaxLength(64);
        b.Property(r => r.Location).HasMaxLength(500);
    }
}
