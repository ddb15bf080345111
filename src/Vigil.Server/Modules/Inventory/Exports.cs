using System.ComponentModel.DataAnnotations;
using System.Data;
using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Configuration;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

public enum ExportKind
{
    Items,
    Movements,
    Audit,
}

public enum ExportStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>A CSV report made in the background: asked for, written to a file, downloadable by the workspace until it expires.</summary>
public sealed class InventoryExport : IWorkspaceOwned
{
    public Guid Id { get; set; } = Ids.New();
    public Guid WorkspaceId { get; set; }
    public ExportKind Kind { get; set; }

    /// <summary>The request's filters as JSON.</summary>
    public string? Filters { get; set; }
    public ExportStatus Status { get; set; }

    /// <summary>0–100.</summary>
    public int Progress { get; set; }
    public long Rows { get; set; }
    public long? TotalRows { get; set; }
    public long? SizeBytes { get; set; }
    public string? Error { get; set; }
    public Guid? RequestedBy { get; set; }

    /// <summary>The worker running it and until when; another may take over a running export whose lease ran out.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntil { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }

    /// <summary>Set once the file is gone.</summary>
    public bool Expired { get; set; }
}

sealed class InventoryExportConfiguration : IEntityTypeConfiguration<InventoryExport>
{
    public void Configure(EntityTypeBuilder<InventoryExport> b)
    {
        b.ToTable("inventory_exports");
        b.Property(e => e.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(e => e.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(e => e.Filters).HasMaxLength(2000);
        b.Property(e => e.Error).HasMaxLength(1000);
        b.Property(e => e.LeaseOwner).HasMaxLength(100);
        b.HasIndex(e => new { e.Status, e.CreatedAt });
        b.HasIndex(e => new { e.WorkspaceId, e.CreatedAt });
    }
}

/// <summary>What to put in the report; every filter is optional.</summary>
public sealed record ExportFilters
{
    public Guid? ItemId { get; init; }
    public Guid? DepartmentId { get; init; }
    public Guid? CategoryId { get; init; }

    /// <summary>Movements and audit entries at or after this instant.</summary>
    public DateTime? Since { get; init; }

    /// <summary>Movements and audit entries before this instant.</summary>
    public DateTime? Until { get; init; }

    /// <summary>Items: only those below their threshold.</summary>
    public bool? LowStock { get; init; }

    /// <summary>Items: archived ones too.</summary>
    public bool? IncludeArchived { get; init; }
}

public sealed record CreateExportRequest : IValidatableRequest
{
    /// <summary><c>items</c>, <c>movements</c> or <c>audit</c>.</summary>
    [Required]
    public ExportKind? Kind { get; init; }

    public ExportFilters? Filters { get; init; }
}

public sealed record ExportDto(
    Guid Id, ExportKind Kind, ExportStatus Status, int Progress, long Rows, long? TotalRows, string? DownloadUrl, long? SizeBytes, string? Error,
    ExportFilters? Filters, DateTime CreatedAt, DateTime? CompletedAt, DateTime? ExpiresAt, bool Expired);

/// <summary>Export settings (section <c>Inventory</c>).</summary>
public sealed class InventoryOptions
{
    public const string Section = "Inventory";

    /// <summary>How long a finished export can be downloaded (<c>Inventory__ExportRetention</c>).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ExportRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the export worker looks for queued exports when nothing woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan ExportPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether this worker runs the export loop (tests drive it by hand instead).</summary>
    public bool RunExportWorker { get; set; } = true;
}

/// <summary>Wakes the local export worker when an export is queued.</summary>
public sealed class ExportSignal
{
    TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Notify() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public Task WaitAsync() => Volatile.Read(ref _next).Task;
}

/// <summary>Asking for exports and reading their state, in the current workspace.</summary>
public sealed class ExportService(VigilDb db, ICurrentWorkspace workspace, AuditLog audit, Actor actor, TimeProvider clock, ExportSignal signal, ExportFiles files)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task<Outcome<ExportDto>> CreateAsync(CreateExportRequest request, CancellationToken ct)
    {
        if (workspace.Role < WorkspaceRole.Manager)
        {
            return Outcome.Forbidden<ExportDto>("Exports need the manager role or higher in this workspace.");
        }
        var filters = request.Filters;
        if (filters is { Since: { } since, Until: { } until } && until <= since)
        {
            return Outcome.Invalid<ExportDto>("filters.until", "until must be after since.");
        }
        if (filters?.ItemId is { } item && !await db.Set<InventoryItem>().AnyAsync(i => i.Id == item, ct))
        {
            return Outcome.Invalid<ExportDto>("filters.item_id", "No such item.");
        }
        if (filters?.DepartmentId is { } department && !await db.Set<Department>().AnyAsync(d => d.Id == department, ct))
        {
            return Outcome.Invalid<ExportDto>("filters.department_id", "No such department.");
        }
        if (filters?.CategoryId is { } category && !await db.Set<Category>().AnyAsync(c => c.Id == category, ct))
        {
            return Outcome.Invalid<ExportDto>("filters.category_id", "No such category.");
        }
        var export = new InventoryExport
        {
            WorkspaceId = workspace.Id,
            Kind = request.Kind!.Value,
            Filters = filters is null ? null : JsonSerializer.Serialize(filters, Json),
            Status = ExportStatus.Queued,
            RequestedBy = actor.UserId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Set<InventoryExport>().Add(export);
        audit.Record("inventory.export.requested", "inventory_export", export.Id, workspace.Id, after: new { export.Kind, export.Filters });
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return ToDto(export);
    }

    public async Task<Outcome<ExportDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Set<InventoryExport>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct) is { } export
            ? ToDto(export)
            : Outcome.Missing<ExportDto>("No such export.");

    public async Task<Page<ExportDto>> ListAsync(PageQuery page, CancellationToken ct) =>
        (await db.Set<InventoryExport>().AsNoTracking().OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).ToPageAsync(page, ct)).Map(ToDto);

    /// <summary>The file of a finished export of this workspace; 404 for anything else, 410 once it expired.</summary>
    public async Task<IResult> DownloadAsync(Guid id, CancellationToken ct)
    {
        var export = await db.Set<InventoryExport>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
        if (export is null)
        {
            return TypedResults.Problem("No such export.", statusCode: 404, title: "Not Found");
        }
        if (export.Status != ExportStatus.Succeeded)
        {
            return TypedResults.Problem($"The export is {export.Status.ToString().ToLowerInvariant()}; its file is not ready.", statusCode: 409, title: "Conflict");
        }
        var path = files.PathOf(export.Id);
        if (export.Expired || export.ExpiresAt <= clock.GetUtcNow().UtcDateTime || !File.Exists(path))
        {
            return TypedResults.Problem("The export has expired; ask for a new one.", statusCode: 410, title: "Gone");
        }
        var name = $"vigil-{export.Kind.ToString().ToLowerInvariant()}-{export.CreatedAt:yyyyMMdd-HHmmss}.csv";
        return TypedResults.File(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: true),
            "text/csv; charset=utf-8", name);
    }

    ExportDto ToDto(InventoryExport e)
    {
        var available = e.Status == ExportStatus.Succeeded && !e.Expired && e.ExpiresAt > clock.GetUtcNow().UtcDateTime;
        return new ExportDto(e.Id, e.Kind, e.Status, e.Progress, e.Rows, e.TotalRows,
            available ? $"/api/v1/inventory/exports/{e.Id}/download" : null, e.SizeBytes, e.Error,
            e.Filters is null ? null : JsonSerializer.Deserialize<ExportFilters>(e.Filters, Json),
            e.CreatedAt, e.CompletedAt, e.ExpiresAt, e.Expired);
    }

    internal static ExportFilters? ParseFilters(string? json) => json is null ? null : JsonSerializer.Deserialize<ExportFilters>(json, Json);
}

/// <summary>Where export files live: <c>DATA_DIR/exports</c> (replicas share DATA_DIR to serve each other's files).</summary>
public sealed class ExportFiles(IOptions<PlatformOptions> platform)
{
    public string Directory { get; } = Path.Combine(platform.Value.DataDirFullPath, "exports");

    public string PathOf(Guid id) => Path.Combine(Directory, id.ToString("N") + ".csv");
}
