using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// The restock use cases endpoints and pages share: the read side (status, history, timeline, plans, pricing,
/// datacenters, what was announced), the admin plan catalog and settings, and subscriptions in restock words
/// (plan, subsidiary, datacenters), stored through the Notifications subscription model.
/// </summary>
public sealed partial class RestockService(
    VigilDb db,
    SubscriptionService subscriptions,
    AuditLog audit,
    TimeProvider clock,
    IOptionsMonitor<RestockOptions> options,
    CatalogSync catalogs)
{
    public const string PlanCodePattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

    [GeneratedRegex(PlanCodePattern, RegexOptions.CultureInvariant)]
    private static partial Regex PlanCodeRegex();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]{0,59}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatacenterRegex();

    public Task<IReadOnlyList<string>> SubsidiariesAsync(CancellationToken ct) => RestockSettings.WatchedSubsidiariesAsync(db, options.CurrentValue, ct);

    static string? SubsidiaryOut(string s) => s.Length == 0 ? null : s;

    /// <summary>A plan code as stored: OVH's are lower case, so one given in any case names the same plan (VPS-2025-MODEL1 is vps-2025-model1).</summary>
    public static string? NormalizePlanCode(string? planCode) => planCode?.Trim().ToLowerInvariant();

    /// <summary>
    /// The plan a code names, read in any case. A code stored with capitals before codes were lower-cased is still found
    /// as written, so an admin can still change or remove it.
    /// </summary>
    async Task<RestockPlan?> FindPlanAsync(string planCode, bool tracked, CancellationToken ct)
    {
        IQueryable<RestockPlan> plans = tracked ? db.Set<RestockPlan>() : db.Set<RestockPlan>().AsNoTracking();
        var code = NormalizePlanCode(planCode)!;
        return await plans.SingleOrDefaultAsync(p => p.PlanCode == code, ct)
            ?? (code == planCode ? null : await plans.SingleOrDefaultAsync(p => p.PlanCode == planCode, ct));
    }

    // ---- Read side ----

    /// <summary>What is wrong with a read's subsidiary and track filters, keyed by field; null when nothing is.</summary>
    public static Dictionary<string, string[]>? StatusFilterErrors(string? subsidiary, string? track)
    {
        if (subsidiary is { Length: > 0 } && !OvhSubsidiaries.IsKnown(subsidiary))
        {
            return new() { ["subsidiary"] = ["Unknown OVH subsidiary."] };
        }
        if (track is not null && track is not (OvhClient.LinuxTrack or OvhClient.WindowsTrack or OvhClient.ServerTrack))
        {
            return new() { ["track"] = ["track is one of linux, windows, server."] };
        }
        return null;
    }

    public async Task<Outcome<StatusDto>> StatusAsync(string? subsidiary, string? planCode, string? track, CancellationToken ct)
    {
        if (StatusFilterErrors(subsidiary, track) is { } errors)
        {
            return Outcome.Invalid<StatusDto>(errors);
        }
        var watched = await SubsidiariesAsync(ct);
        // Only what is watched now: plans monitored and active; history of the rest stays readable under /status/history.
        var plans = await db.Set<RestockPlan>().AsNoTracking().Where(p => p.Monitored && p.Lifecycle == PlanLifecycle.Active).ToDictionaryAsync(p => p.PlanCode, ct);
        var query = db.Set<RestockState>().AsNoTracking();
        if (subsidiary is { Length: > 0 })
        {
            var s = subsidiary.ToUpperInvariant();
            query = query.Where(x => x.Subsidiary == s || x.Subsidiary == "");
        }
        if (NormalizePlanCode(planCode) is { Length: > 0 } code)
        {
            query = query.Where(x => x.PlanCode == code);
        }
        if (track is not null)
        {
            query = query.Where(x => x.Track == track);
        }
        var states = await query.ToListAsync(ct);
        // Only what is checked now: states of a (subsidiary, plan) that still has a source.
        var sources = await db.Set<RestockSource>().AsNoTracking().ToDictionaryAsync(s => (s.Subsidiary, s.PlanCode), s => s.LastSuccessAt, ct);
        var learnt = await db.Set<RestockDatacenter>().AsNoTracking().ToDictionaryAsync(d => d.Name, ct);
        var items = states
            .Where(s => plans.ContainsKey(s.PlanCode) && sources.ContainsKey((s.Subsidiary, s.PlanCode)))
            .OrderBy(s => plans[s.PlanCode].Name).ThenBy(s => s.PlanCode).ThenBy(s => s.Subsidiary).ThenBy(s => s.Datacenter).ThenBy(s => s.Track)
            .Select(s =>
            {
                var dc = RestockDatacenters.Describe(s.Datacenter, learnt);
                var plan = plans[s.PlanCode];
                return new StatusItemDto(SubsidiaryOut(s.Subsidiary), s.PlanCode, plan.Name, plan.Kind, s.Datacenter, dc.Code, dc.City, dc.Country, dc.Flag, s.Track,
                    s.State, s.RawStatus, s.Since, sources.GetValueOrDefault((s.Subsidiary, s.PlanCode)), s.DeliveryHours,
                    s.State is StockState.InStock or StockState.PreOrder ? RestockDatacenters.Delivery(s.DeliveryHours) : null);
            })
            .ToList();
        var last = sources.Values.Where(v => v is not null).Max();
        return new StatusDto(items, last, watched);
    }

    /// <summary>Reads <c>days</c> as 1-365; null when absent, an error message when not usable.</summary>
    public static (int? Days, string? Error) ParseDays(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return (null, null);
        }
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 365
            ? (days, null)
            : (null, "days must be a whole number between 1 and 365.");
    }

    public async Task<Outcome<HistoryDto>> HistoryAsync(HistoryQuery q, PageQuery page, CancellationToken ct)
    {
        var (days, daysError) = ParseDays(q.Days);
        if (daysError is not null)
        {
            return Outcome.Invalid<HistoryDto>("days", daysError);
        }
        DateTime? sinceValue = null;
        if (q.Since is { Length: > 0 })
        {
            if (!DateTimeOffset.TryParse(q.Since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Outcome.Invalid<HistoryDto>("since", "since must be an ISO 8601 instant such as 2026-03-01T00:00:00Z.");
            }
            sinceValue = parsed.UtcDateTime;
            if (days is not null)
            {
                return Outcome.Invalid<HistoryDto>("since", "Give since or days, not both.");
            }
        }
        if (StatusFilterErrors(q.Subsidiary, q.Track) is { } filterErrors)
        {
            return Outcome.Invalid<HistoryDto>(filterErrors);
        }
        q = q with { PlanCode = NormalizePlanCode(q.PlanCode) };
        var transitions = db.Set<RestockTransition>().AsNoTracking();
        var query = transitions.AsQueryable();
        if (q.PlanCode is { Length: > 0 })
        {
            query = query.Where(t => t.PlanCode == q.PlanCode);
        }
        if (q.Subsidiary is { Length: > 0 })
        {
            var s = q.Subsidiary.ToUpperInvariant();
            query = query.Where(t => t.Subsidiary == s);
        }
        if (q.Datacenter is { Length: > 0 })
        {
            // Stored as OVH names them: upper case for VPS (GRA), lower case for dedicated servers (gra).
            var upper = q.Datacenter.ToUpperInvariant();
            var lower = q.Datacenter.ToLowerInvariant();
            query = query.Where(t => t.Datacenter == upper || t.Datacenter == lower || t.Datacenter == q.Datacenter);
        }
        if (q.Track is not null)
        {
            query = query.Where(t => t.Track == q.Track);
        }
        var periods = query.Select(t => new
        {
            t.Subsidiary,
            t.PlanCode,
            t.Datacenter,
            t.Track,
            t.To,
            t.From,
            t.RawStatus,
            t.At,
            t.Id,
            End = transitions.Where(n => n.Subsidiary == t.Subsidiary && n.PlanCode == t.PlanCode && n.Datacenter == t.Datacenter && n.Track == t.Track && n.At > t.At)
                .Min(n => (DateTime?)n.At),
        });
        var since = days is { } d ? clock.GetUtcNow().UtcDateTime.AddDays(-d) : sinceValue;
        if (since is { } from)
        {
            periods = periods.Where(p => p.End == null || p.End >= from);
        }
        var rows = await periods.OrderByDescending(p => p.At).ThenByDescending(p => p.Id).ToPageAsync(page, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var items = rows.Items.Select(p => new PeriodDto(SubsidiaryOut(p.Subsidiary), p.PlanCode, p.Datacenter, p.Track, p.To, p.From, p.RawStatus, p.At, p.End,
            (long)((p.End ?? now) - p.At).TotalSeconds)).ToList();
        var heartbeat = db.Set<RestockSource>().AsNoTracking();
        if (q.PlanCode is { Length: > 0 })
        {
            heartbeat = heartbeat.Where(s => s.PlanCode == q.PlanCode);
        }
        var last = await heartbeat.MaxAsync(s => s.LastSuccessAt, ct);
        return new HistoryDto(items, rows.NextCursor, last);
    }

    /// <summary>In/out periods per datacenter over the last <paramref name="days"/> days, clipped to the window.</summary>
    public async Task<Outcome<TimelineDto>> TimelineAsync(string planCode, string? subsidiary, string track, int days, CancellationToken ct)
    {
        if (days is < 1 or > 365)
        {
            return Outcome.Invalid<TimelineDto>("days", "days must be between 1 and 365.");
        }
        if (StatusFilterErrors(subsidiary, track) is { } filterErrors)
        {
            return Outcome.Invalid<TimelineDto>(filterErrors);
        }
        var plan = await FindPlanAsync(planCode, tracked: false, ct);
        if (plan is null)
        {
            return Outcome.Missing<TimelineDto>("No such plan.");
        }
        planCode = plan.PlanCode;
        if (plan.Kind == PlanKind.Vps && track == OvhClient.ServerTrack)
        {
            return Outcome.Invalid<TimelineDto>("track", "A VPS plan's track is linux or windows; server is a dedicated server's only track.");
        }
        var watched = await SubsidiariesAsync(ct);
        var sub = plan.Kind == PlanKind.Dedicated ? "" : (subsidiary ?? (watched.Count > 0 ? watched[0] : "FR")).ToUpperInvariant();
        var effectiveTrack = plan.Kind == PlanKind.Dedicated ? OvhClient.ServerTrack : track;
        var now = clock.GetUtcNow().UtcDateTime;
        var from = now.AddDays(-days);
        var transitions = await db.Set<RestockTransition>().AsNoTracking()
            .Where(t => t.PlanCode == planCode && t.Subsidiary == sub && t.Track == effectiveTrack)
            .OrderBy(t => t.At).ToListAsync(ct);
        var rows = new List<TimelineRowDto>();
        foreach (var dc in transitions.GroupBy(t => t.Datacenter).OrderBy(g => g.Key))
        {
            var list = dc.ToList();
            var segments = new List<TimelineSegmentDto>();
            for (var i = 0; i < list.Count; i++)
            {
                var start = list[i].At;
                var end = i + 1 < list.Count ? list[i + 1].At : now;
                if (end <= from)
                {
                    continue;
                }
                segments.Add(new TimelineSegmentDto(list[i].To, start < from ? from : start, end));
            }
            var covered = segments.Sum(s => (s.To - s.From).TotalSeconds);
            var available = segments.Where(s => s.State == StockState.InStock).Sum(s => (s.To - s.From).TotalSeconds);
            rows.Add(new TimelineRowDto(dc.Key, segments, covered <= 0 ? 0 : Math.Round(100 * available / covered, 1)));
        }
        return new TimelineDto(planCode, SubsidiaryOut(sub), effectiveTrack, from, now, rows);
    }

    public async Task<Outcome<Page<PlanDto>>> PlansAsync(PlanQuery q, PageQuery page, CancellationToken ct)
    {
        var query = db.Set<RestockPlan>().AsNoTracking();
        if (q.Monitored is { Length: > 0 })
        {
            if (!bool.TryParse(q.Monitored, out var monitored))
            {
                return Outcome.Invalid<Page<PlanDto>>("monitored", "monitored is true or false.");
            }
            query = query.Where(p => p.Monitored == monitored);
        }
        if (q.Kind is not null)
        {
            if (!EnumText.TryParse<PlanKind>(q.Kind, out var kind))
            {
                return Outcome.Invalid<Page<PlanDto>>("kind", "kind is one of " + EnumText.Allowed<PlanKind>() + ".");
            }
            query = query.Where(p => p.Kind == kind);
        }
        if (q.Lifecycle is not null)
        {
            if (!EnumText.TryParse<PlanLifecycle>(q.Lifecycle, out var lifecycle))
            {
                return Outcome.Invalid<Page<PlanDto>>("lifecycle", "lifecycle is one of " + EnumText.Allowed<PlanLifecycle>() + ".");
            }
            query = query.Where(p => p.Lifecycle == lifecycle);
        }
        if (q.Search is { Length: > 0 } search)
        {
            var pattern = "%" + search.ToLowerInvariant().Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) + "%";
            query = query.Where(p => EF.Functions.Like(p.PlanCode.ToLower(), pattern) || EF.Functions.Like(p.Name.ToLower(), pattern));
        }
        var rows = await query.OrderBy(p => p.Kind).ThenBy(p => p.Name).ThenBy(p => p.PlanCode).ToPageAsync(page, ct);
        var prices = await MonthlyPricesAsync([.. rows.Items.Select(p => p.PlanCode)], ct);
        return rows.Map(p => ToDto(p, prices));
    }

    public async Task<Outcome<PlanDto>> PlanAsync(string planCode, CancellationToken ct)
    {
        var plan = await FindPlanAsync(planCode, tracked: false, ct);
        return plan is null ? Outcome.Missing<PlanDto>("No such plan.") : ToDto(plan, await MonthlyPricesAsync([plan.PlanCode], ct));
    }

    async Task<ILookup<string, MonthlyPriceDto>> MonthlyPricesAsync(List<string> planCodes, CancellationToken ct) =>
        OneCatalogEach(await db.Set<RestockPrice>().AsNoTracking().Where(p => planCodes.Contains(p.PlanCode) && p.IsMonthlyList).ToListAsync(ct))
            .OrderBy(p => p.Subsidiary)
            .ToLookup(p => p.PlanCode, Monthly);

    /// <summary>
    /// The price lines of each (plan, subsidiary) from one catalog only: should two catalogs list the same plan code, the first
    /// of <see cref="CatalogSync.Catalogs"/> (VPS, eco, bare-metal) is the one shown.
    /// </summary>
    public static IEnumerable<RestockPrice> OneCatalogEach(IEnumerable<RestockPrice> rows) =>
        rows.GroupBy(r => (r.PlanCode, r.Subsidiary))
            .SelectMany(g => g.GroupBy(r => r.Catalog).OrderBy(c => CatalogRank(c.Key)).First());

    static int CatalogRank(string catalog) => catalog switch
    {
        CatalogSync.Vps => 0,
        CatalogSync.Eco => 1,
        CatalogSync.BaremetalServers => 2,
        _ => 3,
    };

    static MonthlyPriceDto Monthly(RestockPrice p) =>
        new(p.Subsidiary, p.Currency, p.PriceMicros / 100_000_000m, p.TaxMicros / 100_000_000m, (p.PriceMicros + p.TaxMicros) / 100_000_000m);

    static PlanDto ToDto(RestockPlan p, ILookup<string, MonthlyPriceDto> prices) =>
        new(p.Id, p.PlanCode, p.Kind, p.Name, p.Monitored, p.Lifecycle, p.Cores, p.MemoryGb, p.StorageGb, p.BandwidthMbps,
            p.Datacenters.Split(' ', StringSplitOptions.RemoveEmptyEntries), p.FromCatalog, [.. prices[p.PlanCode]], p.CreatedAt, p.UpdatedAt);

    /// <summary>A plan's prices per subsidiary and currency; only one subsidiary's when <paramref name="subsidiary"/> names one.</summary>
    public async Task<Outcome<PricingDto>> PricingAsync(string planCode, string? subsidiary, CancellationToken ct)
    {
        if (StatusFilterErrors(subsidiary, null) is { } filterErrors)
        {
            return Outcome.Invalid<PricingDto>(filterErrors);
        }
        var plan = await FindPlanAsync(planCode, tracked: false, ct);
        planCode = plan?.PlanCode ?? NormalizePlanCode(planCode)!;
        var rows = OneCatalogEach(await db.Set<RestockPrice>().AsNoTracking().Where(p => p.PlanCode == planCode).ToListAsync(ct)).ToList();
        if (plan is null && rows.Count == 0)
        {
            return Outcome.Missing<PricingDto>("No such plan.");
        }
        var fetched = await db.Set<RestockCatalog>().AsNoTracking().ToDictionaryAsync(c => (c.Subsidiary, c.Catalog), c => c.FetchedAt, ct);
        var prices = rows.Where(r => subsidiary is not { Length: > 0 } || string.Equals(r.Subsidiary, subsidiary, StringComparison.OrdinalIgnoreCase))
            .GroupBy(r => (r.Subsidiary, r.Currency, r.Catalog)).OrderBy(g => g.Key.Subsidiary)
            .Select(g => new SubsidiaryPricingDto(g.Key.Subsidiary, g.Key.Currency,
                g.Where(r => r.IsMonthlyList).Select(Monthly).FirstOrDefault(),
                [.. g.OrderBy(r => r.Commitment).ThenBy(r => r.Mode, StringComparer.Ordinal).ThenBy(r => r.Capacities, StringComparer.Ordinal).Select(r => new PricingLineDto(r.Mode, r.Commitment, r.Interval, r.IntervalUnit,
                    r.PriceMicros / 100_000_000m, r.TaxMicros / 100_000_000m, r.Description, r.IsMonthlyList, r.Capacities.Split(' ', StringSplitOptions.RemoveEmptyEntries)))],
                fetched.GetValueOrDefault((g.Key.Subsidiary, g.Key.Catalog))))
            .ToList();
        var name = plan?.Name ?? await db.Set<RestockOffer>().AsNoTracking().Where(o => o.PlanCode == planCode).OrderBy(o => o.Subsidiary).Select(o => o.Name).FirstOrDefaultAsync(ct);
        return new PricingDto(planCode, name ?? planCode, prices);
    }

    public async Task<Page<DatacenterDto>> DatacentersAsync(CancellationToken ct)
    {
        var learnt = await db.Set<RestockDatacenter>().AsNoTracking().ToDictionaryAsync(d => d.Name, ct);
        var seen = await db.Set<RestockState>().AsNoTracking().Select(s => s.Datacenter).Distinct().ToListAsync(ct);
        var names = RestockDatacenters.Known.Keys.Concat(learnt.Keys).Concat(seen).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
        return new Page<DatacenterDto>([.. names.Select(n => RestockDatacenters.Describe(n, learnt)).Select(d => new DatacenterDto(d.Name, d.Code, d.City, d.Country, d.CountryCode, d.Flag, d.Label))], null);
    }

    public async Task<Page<RestockAlertDto>> AlertsAsync(AlertQuery q, PageQuery page, CancellationToken ct)
    {
        var query = db.Set<RestockAlert>().AsNoTracking();
        if (NormalizePlanCode(q.PlanCode) is { Length: > 0 } code)
        {
            query = query.Where(a => a.PlanCode == code);
        }
        if (q.Kind is { Length: > 0 } && RestockAudience.AlertKind(q.Kind) is { } kind)
        {
            query = query.Where(a => a.Kind == kind);
        }
        var rows = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id).ToPageAsync(page, ct);
        return rows.Map(a => new RestockAlertDto(a.Id, a.EventId, a.Kind, SubsidiaryOut(a.Subsidiary), a.PlanCode, a.PlanName, a.Datacenter, a.Track, a.State,
            a.Price, a.Delivery, a.Link, a.Audience, a.At));
    }

    public async Task<Page<SourceDto>> SourcesAsync(PageQuery page, CancellationToken ct)
    {
        var rows = await db.Set<RestockSource>().AsNoTracking().OrderByDescending(s => s.ConsecutiveFailures).ThenBy(s => s.PlanCode).ThenBy(s => s.Subsidiary).ToPageAsync(page, ct);
        return rows.Map(s => new SourceDto(SubsidiaryOut(s.Subsidiary), s.PlanCode, s.Kind, s.NextDueAt, s.LastCheckedAt, s.LastSuccessAt, s.ConsecutiveFailures, s.LastError,
            s.FailureAlerted, s.Checks, s.Failures));
    }

    // ---- Admin: plan catalog and settings ----

    public async Task<Outcome<PlanDto>> CreatePlanAsync(bool isAdmin, CreatePlanRequest request, CancellationToken ct)
    {
        if (!isAdmin)
        {
            return Outcome.Forbidden<PlanDto>("Only admins manage the restock catalog.");
        }
        var code = NormalizePlanCode(request.PlanCode)!;
        if (await db.Set<RestockPlan>().AnyAsync(p => p.PlanCode == code, ct))
        {
            return Outcome.ConflictOn<PlanDto>("plan_code", $"Plan {code} is already in the catalog.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var plan = new RestockPlan
        {
            PlanCode = code,
            Kind = request.Kind ?? PlanKind.Vps,
            Name = request.Name?.Trim() ?? code,
            NamedByAdmin = request.Name is not null,
            Monitored = request.Monitored ?? true,
            Lifecycle = request.Lifecycle ?? PlanLifecycle.Active,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Set<RestockPlan>().Add(plan);
        audit.Record("restock.plan.created", "restock_plan", plan.Id, null, after: new { plan.PlanCode, plan.Kind, plan.Name, plan.Monitored, plan.Lifecycle });
        await db.SaveChangesAsync(ct);
        if (plan is { Kind: PlanKind.Dedicated, NamedByAdmin: false })
        {
            // Named at once when a dedicated catalog fetched earlier lists it; otherwise by the catalog's next fetch.
            await CatalogSync.NameDedicatedPlansAsync(db, await SubsidiariesAsync(ct), code, now, ct);
        }
        return ToDto(plan, await MonthlyPricesAsync([code], ct));
    }

    public async Task<Outcome<PlanDto>> UpdatePlanAsync(bool isAdmin, string planCode, UpdatePlanRequest request, CancellationToken ct)
    {
        if (!isAdmin)
        {
            return Outcome.Forbidden<PlanDto>("Only admins manage the restock catalog.");
        }
        var plan = await FindPlanAsync(planCode, tracked: true, ct);
        if (plan is null)
        {
            return Outcome.Missing<PlanDto>("No such plan.");
        }
        // The code and kind say which OVH offer this is: sent unchanged they are accepted, changed they are an error, not ignored.
        var readOnly = new Dictionary<string, string[]>();
        if (request.PlanCode is not null && !string.Equals(request.PlanCode.Trim(), plan.PlanCode, StringComparison.OrdinalIgnoreCase))
        {
            readOnly["plan_code"] = ["plan_code cannot be changed; add the other code as a plan of its own."];
        }
        if (request.Kind is { } kind && kind != plan.Kind)
        {
            readOnly["kind"] = ["kind cannot be changed: it is what OVH sells under this plan code."];
        }
        if (readOnly.Count > 0)
        {
            return Outcome.Invalid<PlanDto>(readOnly);
        }
        var before = new { plan.Name, plan.Monitored, plan.Lifecycle };
        plan.Name = request.Name?.Trim() ?? plan.Name;
        plan.NamedByAdmin |= request.Name is not null;
        plan.Monitored = request.Monitored ?? plan.Monitored;
        if (request.Lifecycle is { } lifecycle)
        {
            plan.Lifecycle = lifecycle;
            // The admin's word on the lifecycle stands until the admin changes it; the catalog only revives what it dropped.
            plan.RemovedByAdmin = lifecycle == PlanLifecycle.Removed;
        }
        plan.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record("restock.plan.updated", "restock_plan", plan.Id, null, before, new { plan.Name, plan.Monitored, plan.Lifecycle });
        await db.SaveChangesAsync(ct);
        return ToDto(plan, await MonthlyPricesAsync([plan.PlanCode], ct));
    }

    /// <summary>Stops watching a plan: it is marked removed and unmonitored, and its history stays.</summary>
    public async Task<Outcome<bool>> RemovePlanAsync(bool isAdmin, string planCode, CancellationToken ct)
    {
        if (!isAdmin)
        {
            return Outcome.Forbidden<bool>("Only admins manage the restock catalog.");
        }
        var plan = await FindPlanAsync(planCode, tracked: true, ct);
        if (plan is null)
        {
            return Outcome.Missing<bool>("No such plan.");
        }
        plan.Lifecycle = PlanLifecycle.Removed;
        plan.RemovedByAdmin = true;
        plan.Monitored = false;
        plan.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record("restock.plan.removed", "restock_plan", plan.Id, null, before: new { plan.PlanCode });
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<RestockSettingsDto> SettingsAsync(CancellationToken ct)
    {
        var o = await RestockSettings.EffectiveAsync(db, options.CurrentValue, ct);
        return new RestockSettingsDto(o.SubsidiaryList, [.. OvhSubsidiaries.All.Order(StringComparer.Ordinal)], o.EffectiveCheckInterval.TotalSeconds,
            o.NotificationThreshold.TotalMinutes, o.PublicStatus, o.ApiBaseEu.ToString(), o.ApiBaseCa.ToString(), o.ApiBaseUs.ToString());
    }

    /// <summary>Changes the settings the request names (the others stay); each is stored and wins over its environment variable.</summary>
    public async Task<Outcome<RestockSettingsDto>> UpdateSettingsAsync(bool isAdmin, Guid adminId, UpdateRestockSettingsRequest request, CancellationToken ct)
    {
        if (!isAdmin)
        {
            return Outcome.Forbidden<RestockSettingsDto>("Only admins change restock settings.");
        }
        var configured = options.CurrentValue;
        var errors = new Dictionary<string, string[]>();
        var changes = new Dictionary<string, string>();
        if (request.Subsidiaries is { } subsidiaries)
        {
            var wanted = subsidiaries.Select(s => (s ?? "").Trim().ToUpperInvariant()).Distinct().ToList();
            var unknown = wanted.Where(s => !OvhSubsidiaries.IsKnown(s)).ToList();
            if (wanted.Count == 0)
            {
                errors["subsidiaries"] = ["Name at least one subsidiary."];
            }
            else if (unknown.Contains(""))
            {
                errors["subsidiaries"] = ["Each subsidiary is a code such as FR or CA; an empty or null one is not."];
            }
            else if (unknown.Count > 0)
            {
                errors["subsidiaries"] = [$"Unknown subsidiaries: {string.Join(", ", unknown)}. Known: {string.Join(", ", OvhSubsidiaries.All)}."];
            }
            changes[RestockSettings.Subsidiaries] = string.Join(',', wanted);
        }
        if (request.CheckIntervalSeconds is { } seconds)
        {
            // OVH's own hosts are never asked more often than every 30 s (fair use); a stand-in may be asked faster.
            var floor = configured.TalksToOvh ? RestockOptions.OvhMinimumInterval.TotalSeconds : 1;
            if (!double.IsFinite(seconds) || seconds < floor || seconds > RestockSettings.MaxIntervalSeconds)
            {
                errors["check_interval_seconds"] = [string.Create(CultureInfo.InvariantCulture,
                    $"check_interval_seconds is a number of seconds from {floor} to {RestockSettings.MaxIntervalSeconds}{(configured.TalksToOvh ? " (OVH's API is not asked more often than every 30 s)" : "")}.")];
            }
            changes[RestockSettings.CheckIntervalSeconds] = RestockSettings.Format(seconds);
        }
        if (request.NotificationThresholdMinutes is { } minutes)
        {
            if (!double.IsFinite(minutes) || minutes < 0 || minutes > RestockSettings.MaxThresholdMinutes)
            {
                errors["notification_threshold_minutes"] = [string.Create(CultureInfo.InvariantCulture,
                    $"notification_threshold_minutes is a number of minutes from 0 to {RestockSettings.MaxThresholdMinutes}.")];
            }
            changes[RestockSettings.NotificationThresholdMinutes] = RestockSettings.Format(minutes);
        }
        if (errors.Count > 0)
        {
            return Outcome.Invalid<RestockSettingsDto>(errors);
        }
        var before = await SettingsAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var keys = changes.Keys.ToList();
        var rows = await db.SystemSettings.Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, ct);
        foreach (var (key, value) in changes)
        {
            if (rows.TryGetValue(key, out var row))
            {
                row.Value = value;
                row.UpdatedAt = now;
                row.UpdatedByUserId = adminId;
            }
            else
            {
                db.SystemSettings.Add(new SystemSetting { Key = key, Value = value, UpdatedAt = now, UpdatedByUserId = adminId });
            }
        }
        if (request.CheckIntervalSeconds is { } interval)
        {
            // A shorter interval counts from now: no source waits out the longer one it was last given. Failing sources keep their backoff.
            var due = now + TimeSpan.FromSeconds(interval);
            await db.Set<RestockSource>().Where(s => s.NextDueAt > due && s.ConsecutiveFailures == 0)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.NextDueAt, due), ct);
        }
        if (changes.Count > 0)
        {
            audit.Record("restock.settings.updated", "system_settings", string.Join(',', keys), null,
                new { subsidiaries = before.Subsidiaries, check_interval_seconds = before.CheckIntervalSeconds, notification_threshold_minutes = before.NotificationThresholdMinutes },
                changes.ToDictionary(c => c.Key[(c.Key.IndexOf('.') + 1)..], c => c.Value));
            await db.SaveChangesAsync(ct);
        }
        return await SettingsAsync(ct);
    }

    // ---- Subscriptions in restock words ----

    public async Task<Page<RestockSubscriptionDto>> SubscriptionsAsync(Guid userId, PageQuery page, CancellationToken ct)
    {
        var rows = await subscriptions.ListAsync(userId, RestockAudience.Module, page, ct);
        return rows.Map(ToDto);
    }

    static RestockSubscriptionDto ToDto(SubscriptionDto s)
    {
        var o = RestockSubscriptionOptions.Parse(s.Options) ?? new RestockSubscriptionOptions("", s.Subject);
        // A dedicated server (no subsidiary) has one track, whatever the stored default says.
        var os = o.Subsidiary.Length == 0 ? OvhClient.ServerTrack : o.Os;
        return new RestockSubscriptionDto(s.Id, o.PlanCode, o.Subsidiary.Length == 0 ? null : o.Subsidiary, o.Datacenters ?? [], s.ChannelIds, o.ConfirmPolls, o.OutOfStock,
            o.PreOrder, os, s.CooldownSeconds, s.CreatedAt,
            new SubscriptionOptionsDto
            {
                ConfirmPolls = o.ConfirmPolls,
                OutOfStock = o.OutOfStock,
                Preorder = o.PreOrder,
                Os = os,
                CooldownMinutes = s.CooldownSeconds is { } seconds ? seconds / 60 : null,
            });
    }

    /// <summary>
    /// The requested datacenters nobody knows: not sold for the plan, not built in, not learnt from a catalog and never
    /// seen in a stock answer for it. A known datacenter the plan is not (yet) sold in is accepted: it may come.
    /// </summary>
    async Task<List<string>> UnknownDatacentersAsync(RestockPlan plan, List<string> wanted, CancellationToken ct)
    {
        var known = new HashSet<string>(plan.Datacenters.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);
        known.UnionWith(RestockDatacenters.Known.Keys);
        var unknown = wanted.Where(d => !known.Contains(d)).ToList();
        if (unknown.Count == 0)
        {
            return unknown;
        }
        known.UnionWith(await db.Set<RestockDatacenter>().AsNoTracking().Select(d => d.Name).ToListAsync(ct));
        known.UnionWith(await db.Set<RestockState>().AsNoTracking().Where(s => s.PlanCode == plan.PlanCode).Select(s => s.Datacenter).Distinct().ToListAsync(ct));
        return unknown.Where(d => !known.Contains(d)).ToList();
    }

    /// <summary>
    /// The subsidiaries whose VPS catalog sells a plan, when the catalog of <paramref name="subsidiary"/> was fetched and
    /// does not; null when it sells it, or when nothing is known: its catalog not fetched yet (a subsidiary nobody watches),
    /// or a plan no fetched catalog lists (one an admin added by code).
    /// </summary>
    async Task<IReadOnlyList<string>?> SoldElsewhereAsync(string planCode, string subsidiary, CancellationToken ct)
    {
        var view = await catalogs.ViewAsync(db, ct);
        return view.Sells(subsidiary, planCode) ? null : view.SoldIn(planCode);
    }

    /// <summary>Checks one subscription request; errors are keyed by <paramref name="prefix"/> + field.</summary>
    async Task<(RestockSubscriptionOptions? Options, int? Cooldown, Dictionary<string, string[]> Errors)> ValidateAsync(CreateRestockSubscriptionRequest r, string prefix,
        CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var code = r.PlanCode?.Trim() ?? "";
        var plan = PlanCodeRegex().IsMatch(code) ? await FindPlanAsync(code, tracked: false, ct) : null;
        if (plan is null)
        {
            errors[prefix + "plan_code"] = [$"No plan '{code}' in the restock catalog; see GET /api/v1/restock/plans."];
        }
        else if (!plan.Watched)
        {
            errors[prefix + "plan_code"] = [$"Plan '{code}' is not watched (unmonitored, legacy or removed)."];
        }
        var subsidiary = (r.Subsidiary ?? "").Trim().ToUpperInvariant();
        if (subsidiary.Length > 0 && !OvhSubsidiaries.IsKnown(subsidiary))
        {
            errors[prefix + "subsidiary"] = [$"Unknown OVH subsidiary '{subsidiary}'; known: {string.Join(", ", OvhSubsidiaries.All)}."];
        }
        else if (subsidiary.Length == 0 && plan is not { Kind: PlanKind.Dedicated })
        {
            errors[prefix + "subsidiary"] = ["The subsidiary field is required for VPS plans (FR, CA, …)."];
        }
        else if (plan is { Kind: PlanKind.Vps } && await SoldElsewhereAsync(plan.PlanCode, subsidiary, ct) is { } soldIn)
        {
            // OVH answers 404 for a plan a subsidiary does not sell: such a source would fail for ever and alert the admins.
            errors[prefix + "subsidiary"] = [$"The {subsidiary} catalog does not sell {plan.PlanCode}; it is sold in {string.Join(", ", soldIn)}."];
        }
        if (plan is { Kind: PlanKind.Dedicated })
        {
            // A dedicated server has one source for every subsidiary: a known one is accepted and has no effect.
            subsidiary = "";
        }
        var datacenters = (r.Datacenters ?? []).Select(d => (d ?? "").Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (datacenters.Any(d => !DatacenterRegex().IsMatch(d)))
        {
            errors[prefix + "datacenters"] = ["Each datacenter is a name such as GRA, BHS or EU-WEST-LZ-AMS."];
        }
        else if (plan is not null && datacenters.Count > 0 && await UnknownDatacentersAsync(plan, datacenters, ct) is { Count: > 0 } unknown)
        {
            var sold = plan.Datacenters.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            errors[prefix + "datacenters"] = [$"No datacenter named {string.Join(", ", unknown)}"
                + (sold.Length > 0 ? $"; {plan.PlanCode} is sold in {string.Join(", ", sold)}." : "; see GET /api/v1/restock/datacenters.")];
        }
        var o = r.Options ?? new SubscriptionOptionsDto();
        if (o.ConfirmPolls is < 1 or > StockRule.MaxConfirmPolls)
        {
            errors[prefix + "options.confirm_polls"] = [$"confirm_polls must be between 1 and {StockRule.MaxConfirmPolls}."];
        }
        var os = (o.Os ?? OvhClient.LinuxTrack).Trim().ToLowerInvariant();
        if (plan is { Kind: PlanKind.Dedicated })
        {
            // One track, which subscriptions show as "server"; "linux" is what every subscription defaults to.
            if (os is not (OvhClient.ServerTrack or OvhClient.LinuxTrack))
            {
                errors[prefix + "options.os"] = ["A dedicated server has one track: os is server, or left out."];
            }
        }
        else if (os is not (OvhClient.LinuxTrack or OvhClient.WindowsTrack))
        {
            errors[prefix + "options.os"] = ["os is linux or windows."];
        }
        if (o.CooldownMinutes is < 0 or > 10_080)
        {
            errors[prefix + "options.cooldown_minutes"] = ["cooldown_minutes must be between 0 and 10080."];
        }
        if (errors.Count > 0)
        {
            return (null, null, errors);
        }
        var restockOptions = new RestockSubscriptionOptions(subsidiary, plan!.PlanCode, datacenters.Count == 0 ? null : datacenters.Select(d => plan!.Kind == PlanKind.Vps ? d.ToUpperInvariant() : d.ToLowerInvariant()).ToList(),
            o.ConfirmPolls ?? 1, o.OutOfStock ?? false, o.Preorder ?? false, plan!.Kind == PlanKind.Dedicated ? OvhClient.LinuxTrack : os); // plan is set when there are no errors
        return (restockOptions, o.CooldownMinutes * 60, errors);
    }

    static SubscriptionInput Input(RestockSubscriptionOptions o, IReadOnlyList<Guid>? channels, int? cooldown) =>
        new(RestockAudience.Module, "restock.*", RestockAudience.Subject(o.PlanCode, "*"), null, channels, o.ToJson(), null, cooldown);

    public async Task<Outcome<RestockSubscriptionDto>> SubscribeAsync(Guid userId, CreateRestockSubscriptionRequest request, CancellationToken ct)
    {
        var (o, cooldown, errors) = await ValidateAsync(request, "", ct);
        if (o is null)
        {
            return Outcome.Invalid<RestockSubscriptionDto>(errors);
        }
        var mine = await subscriptions.ListAsync(userId, RestockAudience.Module, new PageQuery { Limit = PageQuery.MaxLimit }, ct);
        if (mine.Items.Select(ToDto).Any(s => Same(s, o)))
        {
            return Outcome.ConflictOn<RestockSubscriptionDto>("plan_code", $"You already follow {o.PlanCode}{(o.Subsidiary.Length > 0 ? " in " + o.Subsidiary : "")} ({o.Os}); delete that subscription first or use /bulk to replace it.");
        }
        var created = await subscriptions.CreateAsync(userId, Input(o, request.ChannelIds, cooldown), ct);
        return created.IsOk ? ToDto(created.Value!) : created.As<RestockSubscriptionDto>();
    }

    /// <summary>Whether a stored subscription follows the same plan, subsidiary and OS (a dedicated server's one track reads "server").</summary>
    static bool Same(RestockSubscriptionDto s, RestockSubscriptionOptions o) =>
        s.PlanCode == o.PlanCode && (s.Subsidiary ?? "") == o.Subsidiary && s.Os == (o.Subsidiary.Length == 0 ? OvhClient.ServerTrack : o.Os);

    /// <summary>
    /// Creates many at once, all or nothing; one matching an existing subscription replaces it; <c>replace</c> drops the rest,
    /// so an empty list with <c>replace</c> removes them all (without it, an empty list is a mistake).
    /// </summary>
    public async Task<Outcome<BulkSubscriptionsDto>> SubscribeManyAsync(Guid userId, BulkSubscriptionsRequest request, CancellationToken ct)
    {
        if (request.Subscriptions!.Count == 0 && request.Replace != true)
        {
            return Outcome.Invalid<BulkSubscriptionsDto>("subscriptions", "Give at least one subscription, or none with replace: true to remove all of mine.");
        }
        var errors = new Dictionary<string, string[]>();
        var wanted = new List<(RestockSubscriptionOptions Options, int? Cooldown, IReadOnlyList<Guid>? Channels)>();
        var seen = new Dictionary<(string Plan, string Subsidiary, string Os), int>();
        for (var i = 0; i < request.Subscriptions!.Count; i++)
        {
            var item = request.Subscriptions[i];
            if (item is null)
            {
                errors[$"subscriptions[{i}]"] = ["Each subscription is an object."];
                continue;
            }
            var itemErrors = RequestValidationFilter.Validate(item).ToDictionary(e => $"subscriptions[{i}].{e.Key}", e => e.Value);
            var (o, cooldown, found) = await ValidateAsync(item, $"subscriptions[{i}].", ct);
            // The field's own check ("plan_code is required") says more than the look-up that follows it.
            foreach (var (k, v) in found.Concat(itemErrors))
            {
                errors[k] = v;
            }
            if (o is not null && itemErrors.Count == 0)
            {
                if (!seen.TryAdd((o.PlanCode, o.Subsidiary, o.Os), i))
                {
                    errors[$"subscriptions[{i}]"] = [$"Repeats subscriptions[{seen[(o.PlanCode, o.Subsidiary, o.Os)]}]: one subscription per plan, subsidiary and OS."];
                    continue;
                }
                wanted.Add((o, cooldown, item.ChannelIds));
            }
        }
        if (errors.Count > 0)
        {
            return Outcome.Invalid<BulkSubscriptionsDto>(errors);
        }
        var existing = (await subscriptions.ListAsync(userId, RestockAudience.Module, new PageQuery { Limit = PageQuery.MaxLimit }, ct)).Items.Select(ToDto).ToList();
        var drop = existing.Where(s => request.Replace == true || wanted.Any(w => Same(s, w.Options))).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var old in drop)
        {
            await subscriptions.DeleteAsync(userId, old.Id, RestockAudience.Module, ct);
        }
        var created = new List<RestockSubscriptionDto>();
        foreach (var (o, cooldown, channels) in wanted.DistinctBy(w => (w.Options.PlanCode, w.Options.Subsidiary, w.Options.Os)))
        {
            var result = await subscriptions.CreateAsync(userId, Input(o, channels, cooldown), ct);
            if (!result.IsOk)
            {
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                var index = wanted.FindIndex(w => w.Options == o);
                return result.Errors is { } e
                    ? Outcome.Invalid<BulkSubscriptionsDto>(e.ToDictionary(x => $"subscriptions[{index}].{x.Key}", x => x.Value))
                    : result.As<BulkSubscriptionsDto>();
            }
            created.Add(ToDto(result.Value!));
        }
        await transaction.CommitAsync(ct);
        return new BulkSubscriptionsDto(created, drop.Count);
    }

    /// <summary>Removes one subscription by id, or every one of mine on a plan when given a plan code.</summary>
    public Task<Outcome<bool>> UnsubscribeAsync(Guid userId, string key, CancellationToken ct) => UnsubscribeAsync(userId, key, null, ct);

    /// <summary>
    /// Removes one subscription by id, or every one of mine on a plan when given a plan code (in any case); with
    /// <paramref name="subsidiary"/>, only those of that subsidiary (a dedicated server's one subscription has none and
    /// always matches).
    /// </summary>
    public async Task<Outcome<bool>> UnsubscribeAsync(Guid userId, string key, string? subsidiary, CancellationToken ct)
    {
        var only = subsidiary is { Length: > 0 } ? subsidiary.Trim().ToUpperInvariant() : null;
        if (only is not null && !OvhSubsidiaries.IsKnown(only))
        {
            return Outcome.Invalid<bool>("subsidiary", $"Unknown OVH subsidiary '{only}'; known: {string.Join(", ", OvhSubsidiaries.All)}.");
        }
        if (Guid.TryParse(key, out var id))
        {
            return only is null
                ? await subscriptions.DeleteAsync(userId, id, RestockAudience.Module, ct)
                : Outcome.Invalid<bool>("subsidiary", "subsidiary narrows what a plan code deletes; an id names one subscription already.");
        }
        var mine = (await subscriptions.ListAsync(userId, RestockAudience.Module, new PageQuery { Limit = PageQuery.MaxLimit }, ct)).Items.Select(ToDto)
            .Where(s => string.Equals(s.PlanCode, key.Trim(), StringComparison.OrdinalIgnoreCase) && (only is null || s.Subsidiary is null || s.Subsidiary == only)).ToList();
        if (mine.Count == 0)
        {
            return Outcome.Missing<bool>("No such subscription.");
        }
        foreach (var s in mine)
        {
            await subscriptions.DeleteAsync(userId, s.Id, RestockAudience.Module, ct);
        }
        return true;
    }
}
