using System.Data;
using System.Data.Common;
using System.Globalization;
using CsvHelper;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

/// <summary>
/// Writes queued exports to CSV files, one at a time per worker. An export is claimed with a lease (a conditional
/// update), so replicas never run the same one; a worker that dies leaves it to be taken over when the lease runs out.
/// Rows are streamed from one read transaction (a consistent snapshot) straight into the file, so memory stays flat
/// whatever the size; progress is written as it goes. Finished files are deleted when they expire.
/// </summary>
public sealed partial class ExportWorker(
    IServiceScopeFactory scopes,
    ExportSignal signal,
    ExportFiles files,
    TimeProvider clock,
    IOptions<InventoryOptions> options,
    ILogger<ExportWorker> logger) : BackgroundService
{
    const int ProgressEvery = 2_000;
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    readonly string _owner = $"{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunExportWorker)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                worked = await RunOnceAsync(stoppingToken);
                await ExpireAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(logger, e);
            }
            if (!worked)
            {
                try
                {
                    await Task.WhenAny(Task.Delay(options.Value.ExportPollInterval, clock, stoppingToken), signal.WaitAsync());
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims the oldest queued export (or one whose worker vanished) and writes it; false when there was none.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        InventoryExport? export;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var now = clock.GetUtcNow().UtcDateTime;
            var exports = db.Set<InventoryExport>().IgnoreQueryFilters();
            var id = await exports.Where(e => e.Status == ExportStatus.Queued || (e.Status == ExportStatus.Running && e.LeaseUntil < now))
                .OrderBy(e => e.CreatedAt).Select(e => (Guid?)e.Id).FirstOrDefaultAsync(ct);
            if (id is null)
            {
                return false;
            }
            var claimed = await exports
                .Where(e => e.Id == id && (e.Status == ExportStatus.Queued || (e.Status == ExportStatus.Running && e.LeaseUntil < now)))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.Status, ExportStatus.Running).SetProperty(e => e.LeaseOwner, _owner)
                    .SetProperty(e => e.LeaseUntil, now + Lease).SetProperty(e => e.Progress, 0).SetProperty(e => e.Rows, 0L), ct);
            if (claimed == 0)
            {
                return true; // another worker took it; look again
            }
            export = await exports.AsNoTracking().SingleAsync(e => e.Id == id, ct);
        }

        Directory.CreateDirectory(files.Directory);
        var path = files.PathOf(export.Id);
        var partial = path + ".part";
        try
        {
            var (rows, total) = await WriteAsync(export, partial, ct);
            File.Move(partial, path, overwrite: true);
            var done = clock.GetUtcNow().UtcDateTime;
            await UpdateAsync(export.Id, s => s.SetProperty(e => e.Status, ExportStatus.Succeeded).SetProperty(e => e.Progress, 100)
                .SetProperty(e => e.Rows, rows).SetProperty(e => e.TotalRows, total).SetProperty(e => e.SizeBytes, new FileInfo(path).Length)
                .SetProperty(e => e.CompletedAt, done).SetProperty(e => e.ExpiresAt, done + options.Value.ExportRetention)
                .SetProperty(e => e.LeaseOwner, (string?)null).SetProperty(e => e.LeaseUntil, (DateTime?)null), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            File.Delete(partial);
            LogExportFailed(logger, export.Id, e);
            await UpdateAsync(export.Id, s => s.SetProperty(x => x.Status, ExportStatus.Failed)
                .SetProperty(x => x.Error, "The export could not be written: " + e.Message[..Math.Min(e.Message.Length, 900)])
                .SetProperty(x => x.CompletedAt, clock.GetUtcNow().UtcDateTime)
                .SetProperty(x => x.LeaseOwner, (string?)null).SetProperty(x => x.LeaseUntil, (DateTime?)null), CancellationToken.None);
        }
        return true;
    }

    /// <summary>Deletes the files of exports past their expiry and marks them expired.</summary>
    public async Task ExpireAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.Set<InventoryExport>().IgnoreQueryFilters()
            .Where(e => e.Status == ExportStatus.Succeeded && !e.Expired && e.ExpiresAt <= now).Select(e => e.Id).ToListAsync(ct);
        foreach (var id in due)
        {
            File.Delete(files.PathOf(id));
            await db.Set<InventoryExport>().IgnoreQueryFilters().Where(e => e.Id == id).ExecuteUpdateAsync(s => s.SetProperty(e => e.Expired, true), ct);
        }
    }

    async Task UpdateAsync(Guid id, Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<InventoryExport>> set, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        await db.Set<InventoryExport>().IgnoreQueryFilters().Where(e => e.Id == id && e.LeaseOwner == _owner).ExecuteUpdateAsync(set, ct);
    }

    /// <summary>Streams the rows into the file from one snapshot; returns rows written and the total counted up front.</summary>
    async Task<(long Rows, long Total)> WriteAsync(InventoryExport export, string path, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentWorkspace>().Set(export.WorkspaceId, null);
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var provider = scope.ServiceProvider.GetRequiredService<DatabaseUrl>().Provider;
        await db.Database.OpenConnectionAsync(ct);
        // One snapshot for the count and every row. On SQLite a deferred transaction reads a WAL snapshot without
        // taking the write lock; on PostgreSQL repeatable read keeps the snapshot.
        DbTransaction transaction = provider == DatabaseProvider.Sqlite
            ? ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true)
            : await db.Database.GetDbConnection().BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using var _ = transaction;
        await db.Database.UseTransactionAsync(transaction, ct);

        var filters = ExportService.ParseFilters(export.Filters) ?? new ExportFilters();
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        await using var csv = CsvWriter.Create(file, CsvFiles.Options, leaveOpen: true);
        var progress = new Progress(this, export.Id, clock);
        var (rows, total) = export.Kind switch
        {
            ExportKind.Items => await ItemsAsync(db, filters, csv, progress, ct),
            ExportKind.Movements => await MovementsAsync(db, filters, csv, progress, ct),
            _ => await AuditAsync(db, export.WorkspaceId, filters, csv, progress, ct),
        };
        await csv.FlushAsync(ct);
        await transaction.CommitAsync(ct);
        return (rows, total);
    }

    static async Task<(long, long)> ItemsAsync(VigilDb db, ExportFilters f, CsvWriter csv, Progress progress, CancellationToken ct)
    {
        var departments = await db.Set<Department>().AsNoTracking().ToDictionaryAsync(d => d.Id, ct);
        var categories = await db.Set<Category>().AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var items = db.Set<InventoryItem>().AsNoTracking();
        if (f.IncludeArchived != true)
        {
            items = items.Where(i => !i.Archived);
        }
        if (f.ItemId is { } item)
        {
            items = items.Where(i => i.Id == item);
        }
        if (f.DepartmentId is { } department)
        {
            items = items.Where(i => i.DepartmentId == department);
        }
        if (f.CategoryId is { } category)
        {
            items = items.Where(i => i.CategoryId == category);
        }
        var total = await items.LongCountAsync(ct);
        await progress.StartAsync(total, ct);
        await csv.WriteRecordAsync(["id", "name", "sku", "barcode", "unit", "quantity", "threshold", "effective_threshold", "low_stock",
            "department", "category", "notes", "archived", "created_at", "updated_at"], ct);
        long rows = 0;
        await foreach (var i in items.OrderBy(i => i.Name).ThenBy(i => i.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            var home = i.DepartmentId is { } d ? departments.GetValueOrDefault(d) : null;
            var threshold = home?.MinimumOverride ?? i.Threshold;
            var low = i.Quantity < threshold;
            if (f.LowStock == true && !low)
            {
                continue;
            }
            await csv.WriteRecordAsync(
            [
                i.Id.ToString(), i.Name, i.Sku ?? "", i.Barcode ?? "", i.Unit, Number(i.Quantity), Number(i.Threshold), Number(threshold),
                low ? "true" : "false", home?.Name ?? "", i.CategoryId is { } c ? categories.GetValueOrDefault(c) ?? "" : "", i.Notes ?? "",
                i.Archived ? "true" : "false", CsvFiles.Instant(i.CreatedAt), CsvFiles.Instant(i.UpdatedAt),
            ], ct);
            await progress.RowAsync(++rows, ct);
        }
        return (rows, total);
    }

    static async Task<(long, long)> MovementsAsync(VigilDb db, ExportFilters f, CsvWriter csv, Progress progress, CancellationToken ct)
    {
        var departments = await db.Set<Department>().AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Name, ct);
        var movements = db.Set<StockMovement>().AsNoTracking();
        if (f.ItemId is { } item)
        {
            movements = movements.Where(m => m.ItemId == item);
        }
        if (f.DepartmentId is { } department)
        {
            movements = movements.Where(m => m.DepartmentId == department);
        }
        if (f.Since is { } since)
        {
            var from = since.ToUniversalTime();
            movements = movements.Where(m => m.At >= from);
        }
        if (f.Until is { } until)
        {
            var to = until.ToUniversalTime();
            movements = movements.Where(m => m.At < to);
        }
        if (f.CategoryId is { } category)
        {
            movements = movements.Where(m => db.Set<InventoryItem>().Any(i => i.Id == m.ItemId && i.CategoryId == category));
        }
        var total = await movements.LongCountAsync(ct);
        await progress.StartAsync(total, ct);
        await csv.WriteRecordAsync(["id", "at", "item_id", "item", "kind", "delta", "quantity_after", "department", "to", "note", "reason",
            "correlation_id", "reverses_movement_id", "actor"], ct);
        var rowsQuery =
            from m in movements
            join i in db.Set<InventoryItem>() on m.ItemId equals i.Id
            orderby m.Id
            select new { m, ItemName = i.Name };
        long rows = 0;
        await foreach (var r in rowsQuery.AsAsyncEnumerable().WithCancellation(ct))
        {
            var m = r.m;
            // Field by field: the numbers are written as numbers, which the formula-injection escape leaves alone (a
            // negative delta written as text would be escaped into "'-3", and the column could not be summed).
            csv.WriteField(m.Id, [], CultureInfo.InvariantCulture);
            foreach (var text in (string[])[CsvFiles.Instant(m.At), m.ItemId.ToString(), r.ItemName, EnumText.Name(m.Kind)])
            {
                csv.WriteField(text);
            }
            csv.WriteField(m.Delta, [], CultureInfo.InvariantCulture);
            csv.WriteField(m.QuantityAfter, [], CultureInfo.InvariantCulture);
            foreach (var text in (string[])[m.DepartmentId is { } d ? departments.GetValueOrDefault(d) ?? "" : "", m.Person ?? "", m.Note ?? "", m.Reason ?? "",
                m.CorrelationId?.ToString() ?? "", m.ReversesMovementId is { } rev ? Number(rev) : "", m.ActorName])
            {
                csv.WriteField(text);
            }
            await csv.EndRecordAsync(ct);
            await progress.RowAsync(++rows, ct);
        }
        return (rows, total);
    }

    static async Task<(long, long)> AuditAsync(VigilDb db, Guid workspaceId, ExportFilters f, CsvWriter csv, Progress progress, CancellationToken ct)
    {
        var entries = db.AuditEntries.AsNoTracking().Where(a => a.WorkspaceId == workspaceId);
        if (f.ItemId is { } item)
        {
            // What was recorded about that item (its creation, edits, transfers, archive).
            var id = item.ToString();
            entries = entries.Where(a => a.EntityType == "inventory_item" && a.EntityId == id);
        }
        if (f.Since is { } since)
        {
            var from = since.ToUniversalTime();
            entries = entries.Where(a => a.At >= from);
        }
        if (f.Until is { } until)
        {
            var to = until.ToUniversalTime();
            entries = entries.Where(a => a.At < to);
        }
        var total = await entries.LongCountAsync(ct);
        await progress.StartAsync(total, ct);
        await csv.WriteRecordAsync(["id", "at", "actor_user_id", "actor", "action", "entity_type", "entity_id", "summary", "before", "after", "ip"], ct);
        long rows = 0;
        await foreach (var a in entries.OrderBy(a => a.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            await csv.WriteRecordAsync(
            [
                Number(a.Id), CsvFiles.Instant(a.At), a.ActorUserId?.ToString() ?? "", a.ActorName, a.Action, a.EntityType, a.EntityId ?? "",
                a.Summary ?? "", a.Before ?? "", a.After ?? "", a.Ip ?? "",
            ], ct);
            await progress.RowAsync(++rows, ct);
        }
        return (rows, total);
    }

    static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes progress (and renews the lease) every few thousand rows, from its own DbContext.</summary>
    sealed class Progress(ExportWorker worker, Guid id, TimeProvider clock)
    {
        long _total;

        public Task StartAsync(long total, CancellationToken ct)
        {
            _total = total;
            var until = clock.GetUtcNow().UtcDateTime + Lease;
            return worker.UpdateAsync(id, s => s.SetProperty(e => e.TotalRows, total).SetProperty(e => e.LeaseUntil, until), ct);
        }

        public Task RowAsync(long rows, CancellationToken ct)
        {
            if (rows % ProgressEvery != 0)
            {
                return Task.CompletedTask;
            }
            var percent = _total == 0 ? 99 : (int)Math.Min(99, rows * 100 / _total);
            var until = clock.GetUtcNow().UtcDateTime + Lease;
            return worker.UpdateAsync(id, s => s.SetProperty(e => e.Progress, percent).SetProperty(e => e.Rows, rows).SetProperty(e => e.LeaseUntil, until), ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export pass failed; will retry")]
    static partial void LogPassFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId} failed")]
    static partial void LogExportFailed(ILogger logger, Guid exportId, Exception e);
}
