using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

/// <summary>Departments, categories and item details (never quantities) in the current workspace; the readers' views too.</summary>
public sealed class CatalogService(VigilDb db, ICurrentWorkspace workspace, AuditLog audit, TimeProvider clock, LowStockAlerts lowStock)
{
    bool IsManager => workspace.Role >= WorkspaceRole.Manager;

    static Outcome<T> ManagersOnly<T>() => Outcome.Forbidden<T>("This needs the manager role or higher in this workspace.");

    public async Task<Page<DepartmentDto>> DepartmentsAsync(PageQuery page, CancellationToken ct) =>
        (await db.Set<Department>().AsNoTracking().OrderBy(d => d.Name).ThenBy(d => d.Id).ToPageAsync(page, ct))
            .Map(d => new DepartmentDto(d.Id, d.Name, d.MinimumOverride, d.CreatedAt));

    public async Task<Outcome<DepartmentDto>> DepartmentAsync(Guid id, CancellationToken ct) =>
        await db.Set<Department>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct) is { } d
            ? new DepartmentDto(d.Id, d.Name, d.MinimumOverride, d.CreatedAt)
            : Outcome.Missing<DepartmentDto>("No such department.");

    public async Task<Outcome<CategoryDto>> CategoryAsync(Guid id, CancellationToken ct) =>
        await db.Set<Category>().AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, ct) is { } c
            ? new CategoryDto(c.Id, c.Name, c.ParentId, c.CreatedAt)
            : Outcome.Missing<CategoryDto>("No such category.");

    /// <summary>A new department or category needs a name; an edit may leave it out, but not blank it.</summary>
    static string? NameProblem(Guid? id, string? name) =>
        id is null && string.IsNullOrWhiteSpace(name) ? "The name field is required."
        : name is { } given && given.Trim().Length == 0 ? "The name cannot be blank."
        : null;

    public async Task<Outcome<DepartmentDto>> SaveDepartmentAsync(Guid? id, DepartmentRequest request, CancellationToken ct)
    {
        if (!IsManager)
        {
            return ManagersOnly<DepartmentDto>();
        }
        if (NameProblem(id, request.Name) is { } nameProblem)
        {
            return Outcome.Invalid<DepartmentDto>("name", nameProblem);
        }
        Department? department = null;
        if (id is { } existing)
        {
            department = await db.Set<Department>().SingleOrDefaultAsync(d => d.Id == existing, ct);
            if (department is null)
            {
                return Outcome.Missing<DepartmentDto>("No such department.");
            }
        }
        var name = request.Name?.Trim() ?? department!.Name; // a new department has a name (checked above)
        // Names are compared without regard to case, as item names are (a workspace has a handful of departments).
        if ((await db.Set<Department>().Where(d => d.Id != id).Select(d => d.Name).ToListAsync(ct)).Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
        {
            return Outcome.ConflictOn<DepartmentDto>("name", $"A department named '{name}' already exists.");
        }
        if (department is null)
        {
            department = new Department { WorkspaceId = workspace.Id, Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Set<Department>().Add(department);
        }
        var before = id is null ? null : new { department.Name, department.MinimumOverride };
        department.Name = name;
        if (id is null || request.MinimumOverrideGiven)
        {
            department.MinimumOverride = request.MinimumOverride;
        }
        audit.Record(id is null ? "inventory.department.created" : "inventory.department.updated", "inventory_department", department.Id, workspace.Id, before, new { department.Name, department.MinimumOverride });
        // A new minimum may start or end low-stock episodes for the department's items.
        var affected = id is null ? [] : await db.Set<InventoryItem>().Where(i => i.DepartmentId == id && !i.Archived).Select(i => i.Id).ToListAsync(ct);
        await SaveAndEvaluateAsync(affected, ct);
        return new DepartmentDto(department.Id, department.Name, department.MinimumOverride, department.CreatedAt);
    }

    public async Task<Outcome<bool>> DeleteDepartmentAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return ManagersOnly<bool>();
        }
        var department = await db.Set<Department>().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (department is null)
        {
            return Outcome.Missing<bool>("No such department.");
        }
        if (await db.Set<InventoryItem>().AnyAsync(i => i.DepartmentId == id && !i.Archived, ct))
        {
            return Outcome.Conflict<bool>("The department still holds items; transfer them first.");
        }
        // Archived items cannot move; they let go of the department (their movements still name it).
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<InventoryItem>().Where(i => i.DepartmentId == id && i.Archived).ExecuteUpdateAsync(u => u.SetProperty(i => i.DepartmentId, (Guid?)null), ct);
        db.Set<Department>().Remove(department);
        audit.Record("inventory.department.deleted", "inventory_department", id, workspace.Id, before: new { department.Name });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<Page<CategoryDto>> CategoriesAsync(PageQuery page, CancellationToken ct) =>
        (await db.Set<Category>().AsNoTracking().OrderBy(c => c.Name).ThenBy(c => c.Id).ToPageAsync(page, ct))
            .Map(c => new CategoryDto(c.Id, c.Name, c.ParentId, c.CreatedAt));

    public async Task<Outcome<CategoryDto>> SaveCategoryAsync(Guid? id, CategoryRequest request, CancellationToken ct)
    {
        if (!IsManager)
        {
            return ManagersOnly<CategoryDto>();
        }
        if (NameProblem(id, request.Name) is { } nameProblem)
        {
            return Outcome.Invalid<CategoryDto>("name", nameProblem);
        }
        Category? stored = null;
        if (id is { } known)
        {
            stored = await db.Set<Category>().AsNoTracking().SingleOrDefaultAsync(c => c.Id == known, ct);
            if (stored is null)
            {
                return Outcome.Missing<CategoryDto>("No such category.");
            }
        }
        var name = request.Name?.Trim() ?? stored!.Name; // a new category has a name (checked above)
        // What a PATCH leaves out stays: a rename does not move the category to the top.
        var parentId = stored is not null && !request.ParentIdGiven ? stored.ParentId : request.ParentId;
        if (parentId is { } parent)
        {
            if (!await db.Set<Category>().AnyAsync(c => c.Id == parent, ct))
            {
                return Outcome.Invalid<CategoryDto>("parent_id", "No such category.");
            }
            if (id is { } self && (await SubtreeAsync(self, ct)).Contains(parent))
            {
                return Outcome.Invalid<CategoryDto>("parent_id", "A category cannot sit inside itself.");
            }
        }
        if (await db.Set<Category>().AnyAsync(c => c.Name == name && c.ParentId == parentId && c.Id != id, ct))
        {
            return Outcome.ConflictOn<CategoryDto>("name", $"A category named '{name}' already exists there.");
        }
        Category? category;
        if (id is { } existing)
        {
            category = await db.Set<Category>().SingleOrDefaultAsync(c => c.Id == existing, ct);
            if (category is null)
            {
                return Outcome.Missing<CategoryDto>("No such category.");
            }
        }
        else
        {
            category = new Category { WorkspaceId = workspace.Id, Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Set<Category>().Add(category);
        }
        category.Name = name;
        category.ParentId = parentId;
        audit.Record(id is null ? "inventory.category.created" : "inventory.category.updated", "inventory_category", category.Id, workspace.Id, after: new { category.Name, category.ParentId });
        await db.SaveChangesAsync(ct);
        return new CategoryDto(category.Id, category.Name, category.ParentId, category.CreatedAt);
    }

    /// <summary>A category and every category under it, however deep (a workspace has a few dozen: read at once).</summary>
    async Task<HashSet<Guid>> SubtreeAsync(Guid root, CancellationToken ct)
    {
        var children = (await db.Set<Category>().AsNoTracking().Where(c => c.ParentId != null).Select(c => new { c.Id, c.ParentId }).ToListAsync(ct))
            .ToLookup(c => c.ParentId!.Value, c => c.Id);
        var within = new HashSet<Guid> { root };
        var pending = new Queue<Guid>(within);
        while (pending.TryDequeue(out var node))
        {
            foreach (var child in children[node].Where(within.Add))
            {
                pending.Enqueue(child);
            }
        }
        return within;
    }

    public async Task<Outcome<bool>> DeleteCategoryAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return ManagersOnly<bool>();
        }
        var category = await db.Set<Category>().SingleOrDefaultAsync(c => c.Id == id, ct);
        if (category is null)
        {
            return Outcome.Missing<bool>("No such category.");
        }
        if (await db.Set<InventoryItem>().AnyAsync(i => i.CategoryId == id && !i.Archived, ct) || await db.Set<Category>().AnyAsync(c => c.ParentId == id, ct))
        {
            return Outcome.Conflict<bool>("The category still has items or sub-categories.");
        }
        // Archived items cannot be edited; they let go of the category.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<InventoryItem>().Where(i => i.CategoryId == id && i.Archived).ExecuteUpdateAsync(u => u.SetProperty(i => i.CategoryId, (Guid?)null), ct);
        db.Set<Category>().Remove(category);
        audit.Record("inventory.category.deleted", "inventory_category", id, workspace.Id, before: new { category.Name });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<Page<ItemDto>> ItemsAsync(ItemQuery query, PageQuery page, CancellationToken ct)
    {
        var items = db.Set<InventoryItem>().AsNoTracking().Where(i => query.Archived == true || !i.Archived);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var s = query.Search.Trim().ToUpperInvariant();
            var raw = query.Search.Trim();
            items = items.Where(i => i.NormalizedName.Contains(s) || i.Sku == raw || i.Barcode == raw);
        }
        if (!string.IsNullOrWhiteSpace(query.Name))
        {
            var exact = query.Name.Trim().ToUpperInvariant();
            items = items.Where(i => i.NormalizedName == exact);
        }
        if (query.DepartmentId is { } d)
        {
            items = items.Where(i => i.DepartmentId == d);
        }
        if (query.CategoryId is { } c)
        {
            // A category holds what its sub-categories hold (Audio lists the headsets of Audio > Headsets).
            var ids = (await SubtreeAsync(c, ct)).ToList();
            items = items.Where(i => i.CategoryId != null && ids.Contains(i.CategoryId.Value));
        }
        var departments = db.Set<Department>();
        var rows = items.Select(i => new
        {
            Item = i,
            Effective = departments.Where(x => x.Id == i.DepartmentId).Select(x => x.MinimumOverride).FirstOrDefault() ?? i.Threshold,
        });
        if (query.LowStock == true)
        {
            rows = rows.Where(r => r.Item.Quantity < r.Effective);
        }
        var page1 = await rows.OrderBy(r => r.Item.NormalizedName).ThenBy(r => r.Item.Id).ToPageAsync(page, ct);
        return page1.Map(r => ToDto(r.Item, r.Effective));
    }

    /// <summary>The name of the live item (other than <paramref name="except"/>) that has this barcode, if any.</summary>
    public static Task<string?> BarcodeHolderAsync(VigilDb db, string barcode, Guid? except, CancellationToken ct) =>
        db.Set<InventoryItem>().AsNoTracking().Where(i => !i.Archived && i.Barcode == barcode && i.Id != except).Select(i => i.Name).FirstOrDefaultAsync(ct);

    /// <summary>
    /// A scan: the item with that barcode (one at most: barcodes are unique among live items), else one with that SKU
    /// (a SKU is shared by a product's stock in several departments: the first by name).
    /// </summary>
    public async Task<Outcome<ItemDto>> LookupAsync(string barcode, CancellationToken ct)
    {
        var code = barcode.Trim();
        var item = await db.Set<InventoryItem>().AsNoTracking().Where(i => !i.Archived && (i.Barcode == code || i.Sku == code))
            .OrderBy(i => i.Barcode == code ? 0 : 1).ThenBy(i => i.NormalizedName).ThenBy(i => i.Id).FirstOrDefaultAsync(ct);
        return item is null ? Outcome.Missing<ItemDto>("No item has that barcode.") : ToDto(item, await EffectiveThresholdAsync(item, ct));
    }

    public async Task<StatusDto> StatusAsync(CancellationToken ct)
    {
        var rows = await db.Set<InventoryItem>().AsNoTracking().Where(i => !i.Archived)
            .OrderBy(i => i.NormalizedName)
            .Select(i => new
            {
                i.Id,
                i.Name,
                i.Quantity,
                i.Unit,
                Department = db.Set<Department>().Where(d => d.Id == i.DepartmentId).Select(d => new { d.Name, d.MinimumOverride }).FirstOrDefault(),
                i.Threshold,
            })
            .ToListAsync(ct);
        var lines = rows.Select(r =>
        {
            var threshold = r.Department?.MinimumOverride ?? r.Threshold;
            return new StatusLine(r.Id, r.Name, r.Quantity, threshold, r.Quantity < threshold, r.Department?.Name, r.Unit);
        }).ToList();
        return new StatusDto(lines, lines.Count(l => l.LowStock));
    }

    public async Task<Outcome<ItemDto>> UpdateItemAsync(Guid id, UpdateItemRequest request, CancellationToken ct)
    {
        if (!IsManager)
        {
            return ManagersOnly<ItemDto>();
        }
        var item = await db.Set<InventoryItem>().SingleOrDefaultAsync(i => i.Id == id && !i.Archived, ct);
        if (item is null)
        {
            return Outcome.Missing<ItemDto>("No such item.");
        }
        if (request.Quantity is { } quantity && quantity != item.Quantity)
        {
            return Outcome.Invalid<ItemDto>("quantity", "Stock changes only through moves: issue, return, restock, transfer or adjust (POST …/items/{id}/adjust for a count).");
        }
        if (request.DepartmentId is { } department && department != item.DepartmentId)
        {
            return Outcome.Invalid<ItemDto>("department_id", "Move an item between departments with POST …/items/{id}/transfer, which the history records.");
        }
        if (request.CategoryId is { } category && !await db.Set<Category>().AnyAsync(c => c.Id == category, ct))
        {
            return Outcome.Invalid<ItemDto>("category_id", "No such category.");
        }
        var before = new { item.Name, item.Threshold, item.Sku, item.Barcode, item.Unit, item.CategoryId };
        if (request.Name is { } name)
        {
            var normalized = name.Trim().ToUpperInvariant();
            if (await db.Set<InventoryItem>().AnyAsync(i => i.NormalizedName == normalized && i.Id != id && !i.Archived, ct))
            {
                return Outcome.ConflictOn<ItemDto>("name", $"An item named '{name.Trim()}' already exists in this workspace.");
            }
            item.Name = name.Trim();
            item.NormalizedName = normalized;
        }
        if (request.Barcode?.Trim() is { Length: > 0 } barcode && barcode != item.Barcode && await BarcodeHolderAsync(db, barcode, id, ct) is { } holder)
        {
            return Outcome.ConflictOn<ItemDto>("barcode", $"'{holder}' already has barcode {barcode}; a scan finds one item.");
        }
        item.Threshold = request.Threshold ?? item.Threshold;
        item.Sku = request.Sku is null ? item.Sku : request.Sku.Trim() is { Length: > 0 } sku ? sku : null;
        item.Barcode = request.Barcode is null ? item.Barcode : request.Barcode.Trim() is { Length: > 0 } newBarcode ? newBarcode : null;
        item.Unit = request.Unit?.Trim() ?? item.Unit;
        item.CategoryId = request.CategoryId ?? item.CategoryId;
        item.Notes = request.Notes ?? item.Notes;
        item.Version++;
        item.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record("inventory.item.updated", "inventory_item", id, workspace.Id, before, new { item.Name, item.Threshold, item.Sku, item.Barcode, item.Unit, item.CategoryId });
        await SaveAndEvaluateAsync([id], ct);
        return ToDto(item, await EffectiveThresholdAsync(item, ct));
    }

    /// <summary>Deleting an item archives it: its movements and history stay.</summary>
    public async Task<Outcome<bool>> ArchiveItemAsync(Guid id, CancellationToken ct)
    {
        if (!IsManager)
        {
            return ManagersOnly<bool>();
        }
        var item = await db.Set<InventoryItem>().SingleOrDefaultAsync(i => i.Id == id && !i.Archived, ct);
        if (item is null)
        {
            return Outcome.Missing<bool>("No such item.");
        }
        item.Archived = true;
        item.Version++;
        item.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record("inventory.item.archived", "inventory_item", id, workspace.Id, before: new { item.Name, item.Quantity });
        await SaveAndEvaluateAsync([id], ct);
        return true;
    }

    /// <summary>Saves the change and re-evaluates low stock for the items it touched, in one transaction.</summary>
    async Task SaveAndEvaluateAsync(IReadOnlyList<Guid> items, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        var notices = new List<LowStockNotice>();
        foreach (var id in items)
        {
            if (await lowStock.EvaluateAsync(id, ct) is { } notice)
            {
                notices.Add(notice);
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        foreach (var notice in notices)
        {
            await lowStock.AnnounceAsync(notice, ct);
        }
    }

    async Task<int> EffectiveThresholdAsync(InventoryItem item, CancellationToken ct) =>
        (item.DepartmentId is { } d ? await db.Set<Department>().AsNoTracking().Where(x => x.Id == d).Select(x => x.MinimumOverride).SingleOrDefaultAsync(ct) : null) ?? item.Threshold;

    static ItemDto ToDto(InventoryItem i, int threshold) => new(i.Id, i.Name, i.Sku, i.Barcode, i.Unit, i.Quantity, i.Threshold, threshold, i.Quantity < threshold,
        i.DepartmentId, i.CategoryId, i.Notes, i.Archived, i.CreatedAt, i.UpdatedAt);
}
