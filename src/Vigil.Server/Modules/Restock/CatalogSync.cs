using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// Keeps each watched subsidiary's public catalogs for <see cref="RestockOptions.CatalogRefresh"/>: the VPS catalog (plan
/// names, specs, prices, datacenter cities) always, and the dedicated-server catalogs (<c>eco</c>, <c>baremetalServers</c>:
/// names and prices) while a dedicated plan is watched. The first successful VPS sync seeds the plan catalog with every
/// orderable plan, monitored; later syncs add new plans unmonitored and mark plans the catalogs dropped as removed. A
/// failed or garbage answer is recorded on the catalog and retried within the hour; what was stored before stays.
/// </summary>
public sealed partial class CatalogSync(IServiceScopeFactory scopes, TimeProvider clock, IOptionsMonitor<RestockOptions> options, ILogger<CatalogSync> logger)
{
    /// <summary>The public VPS catalog, <c>/order/catalog/public/vps</c>.</summary>
    public const string Vps = "vps";

    /// <summary>Kimsufi, So you Start and Rise dedicated servers, <c>/order/catalog/public/eco</c>.</summary>
    public const string Eco = "eco";

    /// <summary>The other dedicated servers, <c>/order/catalog/public/baremetalServers</c>.</summary>
    public const string BaremetalServers = "baremetalServers";

    /// <summary>Every catalog read, in the order a plan listed by several takes its prices and name from.</summary>
    public static readonly IReadOnlyList<string> Catalogs = [Vps, Eco, BaremetalServers];

    static readonly TimeSpan RetryAfterFailure = TimeSpan.FromHours(1);

    /// <summary>
    /// Fetches the catalogs that are due (never fetched, or older than the refresh period): every catalog of the
    /// <paramref name="watched"/> subsidiaries, and the VPS catalog of subsidiaries only subscribers <paramref name="followed"/>
    /// (so what they sell is known there too). A failure never stops the cycle. Returns which VPS plans each fetched
    /// catalog sells.
    /// </summary>
    public async Task<CatalogView> RefreshDueAsync(IReadOnlyList<string> watched, IReadOnlyCollection<string> followed, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var known = await db.Set<RestockCatalog>().AsNoTracking().ToDictionaryAsync(c => (c.Subsidiary, c.Catalog), ct);
        bool Due(string subsidiary, string catalog) => !known.TryGetValue((subsidiary, catalog), out var row) || row.NextFetchAt <= now;
        var due = watched.SelectMany(s => Catalogs.Select(c => (Subsidiary: s, Catalog: c)))
            .Concat(followed.Where(s => !watched.Contains(s)).Select(s => (Subsidiary: s, Catalog: Vps)))
            .Where(d => Due(d.Subsidiary, d.Catalog)).ToList();
        // Several MB each: the dedicated catalogs are only worth fetching while a dedicated plan is watched.
        if (due.Any(d => d.Catalog != Vps)
            && !await db.Set<RestockPlan>().AnyAsync(p => p.Kind == PlanKind.Dedicated && p.Monitored && p.Lifecycle == PlanLifecycle.Active, ct))
        {
            due.RemoveAll(d => d.Catalog != Vps);
        }
        var fetched = false;
        foreach (var (subsidiary, catalog) in due)
        {
            if (!await ClaimAsync(db, subsidiary, catalog, !known.ContainsKey((subsidiary, catalog)), now, ct))
            {
                continue;
            }
            try
            {
                fetched |= await FetchAsync(subsidiary, catalog, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Stock checks must go on whatever a catalog does; the claim already holds this one back for a while.
                LogCatalogCrashed(logger, e, subsidiary, catalog);
            }
        }
        return await ViewAsync(db, fetched ? null : known.Values, ct);
    }

    /// <summary>Which VPS plans each fetched catalog sells, as stored now (read again only when a catalog changed).</summary>
    public Task<CatalogView> ViewAsync(VigilDb db, CancellationToken ct) => ViewAsync(db, null, ct);

    /// <param name="catalogs">The catalog rows, when the caller has just read them; null to read them.</param>
    async Task<CatalogView> ViewAsync(VigilDb db, IEnumerable<RestockCatalog>? catalogs, CancellationToken ct)
    {
        var vps = (catalogs ?? await db.Set<RestockCatalog>().AsNoTracking().Where(c => c.Catalog == Vps).ToListAsync(ct))
            .Where(c => c.Catalog == Vps && c.FetchedAt is not null).Select(c => (c.Subsidiary, c.FetchedAt!.Value))
            .OrderBy(c => c.Subsidiary, StringComparer.Ordinal).ToList();
        var stored = Volatile.Read(ref _stored);
        if (_view is { } view && view.Stored == stored && view.Stamp.SequenceEqual(vps))
        {
            return view;
        }
        // Read again only when a VPS catalog was stored since (here or by another replica).
        var sold = await db.Set<RestockPrice>().AsNoTracking().Where(p => p.Catalog == Vps).Select(p => new { p.Subsidiary, p.PlanCode }).Distinct().ToListAsync(ct);
        var bySubsidiary = vps.ToDictionary(c => c.Subsidiary, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var price in sold)
        {
            if (bySubsidiary.TryGetValue(price.Subsidiary, out var plans))
            {
                plans.Add(price.PlanCode);
            }
        }
        return _view = new CatalogView(stored, vps, bySubsidiary);
    }

    /// <summary>What the VPS catalogs said when last read, replaced whole so cycles running at once read it safely.</summary>
    volatile CatalogView? _view;

    /// <summary>VPS catalogs this replica stored (a second fetch at the same instant leaves the fetch times as they were).</summary>
    int _stored;

    /// <summary>Moves the next fetch time forward first, so another replica does not fetch the same catalog now.</summary>
    static async Task<bool> ClaimAsync(VigilDb db, string subsidiary, string catalog, bool isNew, DateTime now, CancellationToken ct)
    {
        var hold = now + TimeSpan.FromMinutes(10);
        if (isNew)
        {
            db.Set<RestockCatalog>().Add(new RestockCatalog { Subsidiary = subsidiary, Catalog = catalog, NextFetchAt = hold });
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
        return await db.Set<RestockCatalog>().Where(c => c.Subsidiary == subsidiary && c.Catalog == catalog && c.NextFetchAt <= now)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.NextFetchAt, hold), ct) == 1;
    }

    /// <summary>Fetches one subsidiary's VPS catalog now and stores what it says.</summary>
    public Task<bool> FetchAsync(string subsidiary, CancellationToken ct) => FetchAsync(subsidiary, Vps, ct);

    /// <summary>Fetches one of a subsidiary's catalogs (<see cref="Catalogs"/>) now and stores what it says; false when it failed.</summary>
    public async Task<bool> FetchAsync(string subsidiary, string catalog, CancellationToken ct)
    {
        if (!Catalogs.Contains(catalog))
        {
            throw new ArgumentOutOfRangeException(nameof(catalog), catalog, "Not an OVH public catalog Vigil reads.");
        }
        await using var scope = scopes.CreateAsyncScope();
        var answer = await scope.ServiceProvider.GetRequiredService<OvhClient>().CatalogAsync(subsidiary, catalog, ct);
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.Set<RestockCatalog>().SingleOrDefaultAsync(c => c.Subsidiary == subsidiary && c.Catalog == catalog, ct);
        if (row is null)
        {
            row = new RestockCatalog { Subsidiary = subsidiary, Catalog = catalog, NextFetchAt = now };
            db.Set<RestockCatalog>().Add(row);
        }
        if (!answer.Ok)
        {
            row.LastError = answer.Error is { Length: > 1000 } e ? e[..1000] : answer.Error;
            row.NextFetchAt = now + (options.CurrentValue.CatalogRefresh < RetryAfterFailure ? options.CurrentValue.CatalogRefresh : RetryAfterFailure);
            await db.SaveChangesAsync(ct);
            LogCatalogFailed(logger, subsidiary, catalog, answer.Error);
            return false;
        }
        if (catalog != Vps)
        {
            await StoreDedicatedAsync(db, row, answer, now, ct);
            return true;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var currency = answer.Currency ?? "EUR";
        await db.Set<RestockPrice>().Where(p => p.Subsidiary == subsidiary && p.Catalog == Vps).ExecuteDeleteAsync(ct);
        foreach (var plan in answer.Plans.Where(p => p.Orderable))
        {
            AddPrices(db, subsidiary, Vps, currency, plan);
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

        var subsidiaries = await RestockSettings.WatchedSubsidiariesAsync(db, options.CurrentValue, ct);
        if (!subsidiaries.Contains(subsidiary))
        {
            // A subsidiary only subscribers follow: its prices and datacenters are stored (what it sells is known), but
            // the plan catalog follows the watched subsidiaries alone.
            MarkFetched(row, currency, answer.Plans.Count, now);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            Interlocked.Increment(ref _stored);
            return true;
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
            else if (plan.Lifecycle == PlanLifecycle.Removed && plan.FromCatalog && !plan.RemovedByAdmin)
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
        MarkFetched(row, currency, answer.Plans.Count, now);
        await db.SaveChangesAsync(ct);

        // A catalog plan no watched subsidiary sells any more stops being checked; its history stays.
        var fetched = await db.Set<RestockCatalog>().Where(c => c.Catalog == Vps && subsidiaries.Contains(c.Subsidiary) && c.FetchedAt != null).CountAsync(ct);
        if (fetched == subsidiaries.Count)
        {
            var sold = await db.Set<RestockPrice>().Where(p => p.Catalog == Vps && subsidiaries.Contains(p.Subsidiary)).Select(p => p.PlanCode).Distinct().ToListAsync(ct);
            await db.Set<RestockPlan>().Where(p => p.FromCatalog && p.Kind == PlanKind.Vps && p.Lifecycle == PlanLifecycle.Active && !sold.Contains(p.PlanCode))
                .ExecuteUpdateAsync(u => u.SetProperty(p => p.Lifecycle, PlanLifecycle.Removed).SetProperty(p => p.UpdatedAt, now), ct);
        }
        await transaction.CommitAsync(ct);
        Interlocked.Increment(ref _stored);
        return true;
    }

    /// <summary>A catalog read and stored: due again after the refresh period.</summary>
    void MarkFetched(RestockCatalog row, string currency, int plans, DateTime now)
    {
        row.FetchedAt = now;
        row.NextFetchAt = now + options.CurrentValue.CatalogRefresh;
        row.Currency = currency;
        row.PlanCount = plans;
        row.LastError = null;
    }

    static void AddPrices(VigilDb db, string subsidiary, string catalog, string currency, CatalogPlan plan)
    {
        foreach (var pricing in plan.Pricings)
        {
            db.Set<RestockPrice>().Add(new RestockPrice
            {
                Subsidiary = subsidiary,
                Catalog = catalog,
                PlanCode = plan.PlanCode,
                Currency = currency,
                Mode = pricing.Mode,
                Commitment = pricing.Commitment,
                IntervalUnit = pricing.IntervalUnit,
                Interval = pricing.Interval,
                PriceMicros = pricing.Price,
                TaxMicros = pricing.Tax,
                Description = pricing.Description is { Length: > 300 } d ? d[..300] : pricing.Description,
                Capacities = string.Join(' ', pricing.Capacities),
                IsMonthlyList = pricing.MonthlyList,
            });
        }
    }

    /// <summary>
    /// Replaces what one dedicated-server catalog of a subsidiary said (its plans' names and prices) in one transaction,
    /// then names the dedicated plans no admin named.
    /// </summary>
    async Task StoreDedicatedAsync(VigilDb db, RestockCatalog row, CatalogAnswer answer, DateTime now, CancellationToken ct)
    {
        var (subsidiary, catalog) = (row.Subsidiary, row.Catalog);
        var currency = answer.Currency!; // a dedicated catalog without a currency is a failed fetch
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<RestockPrice>().Where(p => p.Subsidiary == subsidiary && p.Catalog == catalog).ExecuteDeleteAsync(ct);
        await db.Set<RestockOffer>().Where(p => p.Subsidiary == subsidiary && p.Catalog == catalog).ExecuteDeleteAsync(ct);
        foreach (var plan in answer.Plans)
        {
            db.Set<RestockOffer>().Add(new RestockOffer { Subsidiary = subsidiary, Catalog = catalog, PlanCode = plan.PlanCode, Name = plan.Name });
            AddPrices(db, subsidiary, catalog, currency, plan);
        }
        MarkFetched(row, currency, answer.Plans.Count, now);
        await db.SaveChangesAsync(ct);
        var subsidiaries = await RestockSettings.WatchedSubsidiariesAsync(db, options.CurrentValue, ct);
        await NameDedicatedPlansAsync(db, subsidiaries, null, now, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>
    /// Gives dedicated plans no admin named (all of them, or only <paramref name="planCode"/>) the name the catalogs use: that
    /// of the first watched subsidiary offering it, eco before bare-metal.
    /// </summary>
    public static async Task NameDedicatedPlansAsync(VigilDb db, IReadOnlyList<string> subsidiaries, string? planCode, DateTime now, CancellationToken ct)
    {
        var plans = await db.Set<RestockPlan>().Where(p => p.Kind == PlanKind.Dedicated && !p.NamedByAdmin && (planCode == null || p.PlanCode == planCode)).ToListAsync(ct);
        if (plans.Count == 0)
        {
            return;
        }
        var codes = plans.Select(p => p.PlanCode).ToList();
        var offers = await db.Set<RestockOffer>().AsNoTracking().Where(o => codes.Contains(o.PlanCode) && subsidiaries.Contains(o.Subsidiary)).ToListAsync(ct);
        var rank = subsidiaries.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i);
        var names = offers
            .OrderBy(o => rank[o.Subsidiary]).ThenBy(o => o.Catalog == Eco ? 0 : 1)
            .GroupBy(o => o.PlanCode).ToDictionary(g => g.Key, g => g.First().Name);
        foreach (var plan in plans)
        {
            if (names.TryGetValue(plan.PlanCode, out var name) && plan.Name != name)
            {
                plan.Name = name;
                plan.UpdatedAt = now;
            }
        }
        await db.SaveChangesAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The OVH {Catalog} catalog of {Subsidiary} could not be fetched: {Error}")]
    static partial void LogCatalogFailed(ILogger logger, string subsidiary, string catalog, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing the OVH {Catalog} catalog of {Subsidiary} failed; it is tried again later")]
    static partial void LogCatalogCrashed(ILogger logger, Exception exception, string subsidiary, string catalog);
}

/// <summary>Which VPS plans each subsidiary's fetched catalog sells.</summary>
/// <param name="Stored">How many VPS catalogs this replica had stored when the view was read.</param>
/// <param name="Stamp">The fetched VPS catalogs and when each was fetched: with <paramref name="Stored"/>, the view holds while these do.</param>
public sealed record CatalogView(int Stored, IReadOnlyList<(string Subsidiary, DateTime FetchedAt)> Stamp, IReadOnlyDictionary<string, HashSet<string>> Sold)
{
    /// <summary>Each plan's subsidiaries, in order.</summary>
    readonly Dictionary<string, List<string>> _soldIn = Sold.SelectMany(s => s.Value.Select(plan => (Plan: plan, Subsidiary: s.Key)))
        .GroupBy(x => x.Plan, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(x => x.Subsidiary).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

    /// <summary>The subsidiaries whose fetched catalog sells a plan (none for a plan no catalog lists).</summary>
    public IReadOnlyList<string> SoldIn(string planCode) => _soldIn.TryGetValue(planCode, out var subsidiaries) ? subsidiaries : [];

    /// <summary>
    /// False only when the subsidiary's catalog was read and does not sell the plan while another read catalog does (OVH
    /// answers 404 for it there). A plan no catalog lists (added by hand) or a catalog not read yet is given the benefit.
    /// </summary>
    public bool Sells(string subsidiary, string planCode) =>
        !Sold.TryGetValue(subsidiary, out var plans) || plans.Contains(planCode) || !_soldIn.ContainsKey(planCode);
}
