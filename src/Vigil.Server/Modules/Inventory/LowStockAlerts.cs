using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Quartz;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Realtime;

namespace Vigil.Server.Modules.Inventory;

/// <summary>What the open pages of a workspace hear when an item runs low.</summary>
public sealed record LowStockNotice(Guid WorkspaceId, Guid ItemId, string Name, int Quantity, int Threshold, Guid? DepartmentId);

/// <summary>
/// Low stock, once per episode: when an item's available stock is below its threshold (the department's minimum
/// wins over the item's own) and no alert went out yet, one conditional update claims the episode and the alert is
/// recorded in the same transaction as the change that caused it. Rising back to the threshold re-arms it.
/// </summary>
public sealed class LowStockAlerts(VigilDb db, AlertPublisher alerts, RealtimePublisher realtime)
{
    public const string Kind = "inventory.low_stock";

    /// <summary>The subject of an item's alerts: <c>inventory:{department or none}:{item}</c>, so people subscribe per item or per department.</summary>
    public static string Subject(Guid? departmentId, Guid itemId) =>
        $"inventory:{departmentId?.ToString("N") ?? "none"}:{itemId:N}";

    /// <summary>
    /// Looks at one item inside the caller's transaction, before it saves: claims and records an alert when a low
    /// episode starts, re-arms when it ends. Returns the notice to push once the caller has committed.
    /// </summary>
    public async Task<LowStockNotice?> EvaluateAsync(Guid itemId, CancellationToken ct)
    {
        var departments = db.Set<Department>().IgnoreQueryFilters();
        var item = await db.Set<InventoryItem>().IgnoreQueryFilters().AsNoTracking()
            .Where(i => i.Id == itemId)
            .Select(i => new
            {
                i.Id,
                i.WorkspaceId,
                i.Name,
                i.Quantity,
                i.Unit,
                i.Threshold,
                i.DepartmentId,
                i.Archived,
                i.LowStockAlerted,
                Minimum = departments.Where(d => d.Id == i.DepartmentId).Select(d => d.MinimumOverride).FirstOrDefault(),
                Department = departments.Where(d => d.Id == i.DepartmentId).Select(d => d.Name).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(ct);
        if (item is null)
        {
            return null;
        }
        var threshold = item.Minimum ?? item.Threshold;
        var low = !item.Archived && item.Quantity < threshold;
        var rows = db.Set<InventoryItem>().IgnoreQueryFilters().Where(i => i.Id == itemId);
        if (!low)
        {
            if (item.LowStockAlerted)
            {
                await rows.Where(i => i.LowStockAlerted).ExecuteUpdateAsync(s => s.SetProperty(i => i.LowStockAlerted, false), ct);
            }
            return null;
        }
        // Whoever flips the flag owns the episode; a concurrent change that also saw it low finds it flipped.
        if (item.LowStockAlerted || await rows.Where(i => !i.LowStockAlerted).ExecuteUpdateAsync(s => s.SetProperty(i => i.LowStockAlerted, true), ct) == 0)
        {
            return null;
        }
        var quantity = item.Quantity.ToString(CultureInfo.InvariantCulture);
        var fields = new Dictionary<string, string>
        {
            ["Item"] = item.Name,
            ["Available"] = $"{quantity} {item.Unit}",
            ["Threshold"] = threshold.ToString(CultureInfo.InvariantCulture),
        };
        if (item.Department is { } department)
        {
            fields["Department"] = department;
        }
        await alerts.RecordAsync(new AlertInput(
            Kind,
            item.WorkspaceId,
            Subject(item.DepartmentId, item.Id),
            item.Quantity == 0 ? Severity.Critical : Severity.Warning,
            item.Quantity == 0 ? $"{item.Name} is out of stock" : $"{item.Name} is running low",
            $"{quantity} {item.Unit} left; the threshold is {threshold}.",
            fields,
            GroupKey: "low_stock",
            // Once per episode already: a new episode soon after the last must not fall to the destination's cooldown.
            Cooldown: TimeSpan.Zero), ct);
        return new LowStockNotice(item.WorkspaceId, item.Id, item.Name, item.Quantity, threshold, item.DepartmentId);
    }

    /// <summary>Tells the workspace's open pages, after the change is committed.</summary>
    public Task AnnounceAsync(LowStockNotice? notice, CancellationToken ct) =>
        notice is null ? Task.CompletedTask : realtime.PublishAsync(notice.WorkspaceId, Kind, notice, ct);

    /// <summary>Items in every workspace whose flag disagrees with their stock: low and not alerted, or alerted and no longer low.</summary>
    public async Task<List<Guid>> OutOfStepAsync(CancellationToken ct)
    {
        var departments = db.Set<Department>().IgnoreQueryFilters();
        return await db.Set<InventoryItem>().IgnoreQueryFilters().AsNoTracking()
            .Select(i => new
            {
                i.Id,
                i.LowStockAlerted,
                Low = !i.Archived && i.Quantity < (departments.Where(d => d.Id == i.DepartmentId).Select(d => d.MinimumOverride).FirstOrDefault() ?? i.Threshold),
            })
            .Where(x => x.Low != x.LowStockAlerted)
            .Select(x => x.Id)
            .ToListAsync(ct);
    }
}

/// <summary>
/// The safety net (<c>STOCK_CHECK_INTERVAL</c>, hourly by default): re-evaluates every item whose low-stock flag
/// disagrees with its stock, e.g. after a threshold changed outside a stock move. Alerts only where none went out
/// for the episode, so it never repeats one.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class StockCheckJob(IServiceScopeFactory scopes, ILogger<StockCheckJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            due = await scope.ServiceProvider.GetRequiredService<LowStockAlerts>().OutOfStepAsync(ct);
        }
        var alerted = 0;
        foreach (var id in due)
        {
            // One scope per item: each evaluation is its own transaction with its own alert.
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var alerts = scope.ServiceProvider.GetRequiredService<LowStockAlerts>();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var notice = await alerts.EvaluateAsync(id, ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            await alerts.AnnounceAsync(notice, ct);
            alerted += notice is null ? 0 : 1;
        }
        if (due.Count > 0)
        {
            LogChecked(logger, due.Count, alerted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stock check: {Items} items out of step, {Alerted} low-stock alerts raised")]
    static partial void LogChecked(ILogger logger, int items, int alerted);
}
