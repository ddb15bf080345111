using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// Keeps each watched subsidiary's public VPS catalog (plan names, specs, prices, datacenter cities) for
/// <see cref="RestockOptions.CatalogRefresh"/>. The first successful sync seeds the plan catalog with every orderable
/// plan, monitored; later syncs add new plans unmonitored and mark plans the catalogs dropped as removed.
/// </summary>
public sealed partial class CatalogSync(IServiceScopeFactory scopes, TimeProvider clock, IOptionsMonitor<RestockOptions> options, ILogger<CatalogSync> logger)
{
    static readonly TimeSpan RetryAfterFailure = TimeSpan.FromHours(1);

    /// <summary>Fetches the catalogs that are due (never fetched, or older than the refresh period).</summary>
    public async Task RefreshDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var o = options.CurrentValue;
        var subsidiaries = await RestockPoller.WatchedSubsidiariesAsync(db, o, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var known = await db.Set<RestockCatalog>().AsNoTracking().ToDictionaryAsync(c => c.Subsidiary, ct);
        foreach (var subsidiary in subsidiaries)
        {
            if (known.TryGetValue(subsidiary, out var row) && row.NextFetchAt > now)
            {
                continue;
            }
            if (!await ClaimAsync(db, subsidiary, row is null, now, ct))
            {
                continue;
            }
            await FetchAsync(subsidiary, ct);
        }
    }

    /// <summary>Moves the next fetch time forward first, so another replica does not fetch the same catalog now.</summary>
    static async Task<bool> ClaimAsync(VigilDb db, string subsidiary, bool isNew, DateTime now, CancellationToken ct)
    {
        var hold = now + TimeSpan.FromMinutes(10);
        if (isNew)
        {
            db.Set<RestockCatalog>().Add(new RestockCatalog { Subsidiary = subsidiary, NextFetchAt = hold });
            try
            {
                await db.SaveChangesAsync(ct);
                return true;
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                return false;
            }
        }
        return await db.Set<RestockCatalog>().Where(c => c.Subsidiary == subsidiary && c.NextFetchAt <= now)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.NextFetchAt, hold), ct) == 1;
    }

    /// <summary>Fetches one subsidiary's catalog now and stores what it says.</summary>
    public async Task<bool> FetchAsync(string subsidiary, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var answer = await scope.ServiceProvider.GetRequiredService<OvhClient>().CatalogAsync(subsidiary, ct);
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.Set<RestockCatalog>().SingleOrDefaultAsync(c => c.Subsidiary == subsidiary, ct);
        if (row is null)
        {
            row = new RestockCatalog { Subsidiary = subsidiary, NextFetchAt = now };
            db.Set<RestockCatalog>().Add(row);
        }
        if (!answer.Ok)
        {
            row.LastError = answer.Error;
            row.NextFetchAt = now + (options.CurrentValue.CatalogRefresh < RetryAfterFailure ? options.CurrentValue.CatalogRefresh : RetryAfterFailure);
            await db.SaveChangesAsync(ct);
            LogCatalogFailed(logger, subsidiary, answer.Error);
            return false;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var currency = answer.Currency ?? "EUR";
        await db.Set<RestockPrice>().Where(p => p.Subsidiary == subsidiary).ExecuteDeleteAsync(ct);
        foreach (var plan in answer.Plans.Where(p => p.Orderable))
        {
            foreach (var pricing in plan.Pricings)
            {
                db.Set<RestockPrice>().Add(new RestockPrice
                {
                    Subsidiary = subsidiary,
                    PlanCode = plan.PlanCode,
                    Currency = currency,
                    Mode = pricing.Mode,
                    Commitment = pricing.Commitment,
                    IntervalUnit = pricing.IntervalUnit,
                    Interval = pricing.Interval,
                    PriceMicros = pricing.Price,
                    TaxMicros = pricing.Tax,
                    Description = pricing.Description is { Length: > 300 } d ? d[..300] : pricing.Description,
                    IsMonthlyList = pricing.MonthlyList,
                });
            }
        }

        var datacenters = await db.Set<RestockDatacenter>().ToDictionaryAsync(d => d.Name, ct);
        foreach (var dc in answer.Datacenters)
        {
            if (!datacenters.TryGetValue(dc.Name, out var stored))
            {
                stored = new RestockDatacenter { Name = dc.Name };
                db.Set<RestockDatacenter>().Add(stored);
                datacenters[dc.Name] = stored;
            }
            stored.City = dc.City ?? stored.City;
            stored.Country = dc.Country ?? stored.Country;
            stored.CountryCode = dc.CountryCode ?? stored.CountryCode;
            stored.Code = dc.Code ?? stored.Code;
            stored.UpdatedAt = now;
        }

        var plans = await db.Set<RestockPlan>().ToDictionaryAsync(p => p.PlanCode, ct);
        // The first sync seeds the catalog with every orderable plan, watched; later ones leave new plans for an admin to pick.
        var seeding = !plans.Values.Any(p => p.FromCatalog);
        foreach (var offered in answer.Plans.Where(p => p.Orderable))
        {
            if (!plans.TryGetValue(offered.PlanCode, out var plan))
            {
                plan = new RestockPlan
                {
                    PlanCode = offered.PlanCode,
                    Name = offered.Name,
                    Kind = PlanKind.Vps,
                    Monitored = seeding,
                    Lifecycle = PlanLifecycle.Active,
                    FromCatalog = true,
                    CreatedAt = now,
                };
                db.Set<RestockPlan>().Add(plan);
                plans[plan.PlanCode] = plan;
            }
            else if (plan.Lifecycle == PlanLifecycle.Removed && plan.FromCatalog)
            {
                plan.Lifecycle = PlanLifecycle.Active;
            }
            plan.Cores = offered.Cores ?? plan.Cores;
            plan.MemoryGb = offered.MemoryGb ?? plan.MemoryGb;
            plan.StorageGb = offered.StorageGb ?? plan.StorageGb;
            plan.BandwidthMbps = offered.BandwidthMbps ?? plan.BandwidthMbps;
            var sold = string.Join(' ', plan.Datacenters.Split(' ', StringSplitOptions.RemoveEmptyEntries).Union(offered.Datacenters));
            plan.Datacenters = sold.Length > 2000 ? sold[..2000] : sold;
            plan.UpdatedAt = now;
        }
        row.FetchedAt = now;
        row.NextFetchAt = now + options.CurrentValue.CatalogRefresh;
        row.Currency = currency;
        row.PlanCount = answer.Plans.Count;
        row.LastError = null;
        await db.SaveChangesAsync(ct);

        // A catalog plan no watched subsidiary sells any more stops being checked; its history stays.
        var subsidiaries = await RestockPoller.WatchedSubsidiariesAsync(db, options.CurrentValue, ct);
        var fetched = await db.Set<RestockCatalog>().Where(c => subsidiaries.Contains(c.Subsidiary) && c.FetchedAt != null).CountAsync(ct);
        if (fetched == subsidiaries.Count)
        {
            var sold = await db.Set<RestockPrice>().Where(p => subsidiaries.Contains(p.Subsidiary)).Select(p => p.PlanCode).Distinct().ToListAsync(ct);
            await db.Set<RestockPlan>().Where(p => p.FromCatalog && p.Kind == PlanKind.Vps && p.Lifecycle == PlanLifecycle.Active && !sold.Contains(p.PlanCode))
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.Lifecycle, PlanLifecycle.Removed).SetProperty(p => p.UpdatedAt, now), ct);
        }
        await transaction.CommitAsync(ct);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The OVH catalog of {Subsidiary} could not be fetched: {Error}")]
    static partial void LogCatalogFailed(ILogger logger, string subsidiary, string? error);
}
