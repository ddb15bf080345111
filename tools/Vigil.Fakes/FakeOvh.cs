using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Fakes;

/// <summary>How the fake answers a stock request instead of the normal answer.</summary>
public enum OvhFault
{
    None,

    /// <summary>500 with an HTML body, as a proxy in front of the API answers.</summary>
    ServerError,

    /// <summary>503 with an HTML body.</summary>
    Unavailable,

    /// <summary>429 <c>Client::TooManyRequests</c> with <c>Retry-After: 30</c>.</summary>
    TooManyRequests,

    /// <summary>429 without <c>Retry-After</c>.</summary>
    TooManyRequestsNoRetryAfter,

    /// <summary>200 with a body that is not JSON.</summary>
    Garbage,

    /// <summary>200 with JSON cut in the middle.</summary>
    Truncated,

    /// <summary>200 <c>{}</c>: no <c>datacenters</c> at all.</summary>
    EmptyObject,

    /// <summary>200, well-formed, but no row names a datacenter (numbers, a null <c>datacenter</c>).</summary>
    NamelessRows,

    /// <summary>The normal answer, after <see cref="FakeOvh.SlowDelay"/>.</summary>
    Slow,

    /// <summary>The connection is dropped without an answer.</summary>
    Reset,
}

/// <summary>One VPS datacenter row as <c>/vps/order/rule/datacenter</c> lists it; null fields are left out of the JSON.</summary>
public sealed record OvhVpsRow(string Datacenter, string? Code, string? Status, string? LinuxStatus, string? WindowsStatus, long? DaysBeforeDelivery);

/// <summary>A plan of the public VPS catalog the fake generates.</summary>
public sealed record OvhCatalogPlan(
    string PlanCode,
    string InvoiceName,
    long MonthlyPriceMicros,
    IReadOnlyList<string> Datacenters,
    int Cores = 2,
    int MemoryGb = 4,
    int StorageGb = 80,
    int BandwidthMbps = 400,
    IReadOnlyList<string>? Tags = null,
    string Line = "2025");

/// <summary>
/// A dedicated server in the fake's <c>eco</c> or <c>baremetalServers</c> catalog: its monthly price (micro-cents) and the
/// default options (memory, storage) its mandatory addon families offer at no extra cost.
/// </summary>
public sealed record OvhDedicatedCatalogPlan(
    string PlanCode,
    string InvoiceName,
    long MonthlyPriceMicros,
    IReadOnlyList<string>? Datacenters = null,
    string Range = "kimsufi",
    long SetupFeeMicros = 0);

/// <summary>
/// OVHcloud's public restock endpoints under <c>/1.0</c> and <c>/v1</c>, in their real shapes:
/// <c>GET /vps/order/rule/datacenter</c>, <c>GET /dedicated/server/datacenter/availabilities</c> and the public catalogs
/// <c>GET /order/catalog/public/vps</c>, <c>/eco</c> and <c>/baremetalServers</c>. One region per instance (<c>eu</c>, <c>ca</c>, <c>us</c>: a foreign
/// <c>ovhSubsidiary</c> is a 400; <c>all</c> serves every subsidiary), stock
/// scriptable per (subsidiary, plan, datacenter), faults per plan or for every request, every answer with an
/// <c>X-Ovh-Queryid</c> header, and a count of requests per path and query.
/// </summary>
public sealed class FakeOvh(string region = "eu") : FakeServer
{
    static readonly Dictionary<string, string[]> Regions = new()
    {
        ["eu"] = ["CZ", "DE", "ES", "EU", "FI", "FR", "GB", "IE", "IT", "LT", "MA", "NL", "PL", "PT", "SN", "TN"],
        ["ca"] = ["ASIA", "AU", "CA", "IN", "QC", "SG", "WE", "WS"],
        ["us"] = ["US"],
        // One fake standing in for every region's host at once (tests that do not care which host serves what).
        ["all"] = ["CZ", "DE", "ES", "EU", "FI", "FR", "GB", "IE", "IT", "LT", "MA", "NL", "PL", "PT", "SN", "TN", "ASIA", "AU", "CA", "IN", "QC", "SG", "WE", "WS", "US"],
    };

    /// <summary>VPS datacenter codes and the city/country the catalog gives them (Local Zones have none).</summary>
    static readonly Dictionary<string, (string Code, string? City, string? Country, string? CountryCode)> VpsDatacenters = new()
    {
        ["GRA"] = ("eu-west-gra", "Gravelines", "France", "FR"),
        ["SBG"] = ("eu-west-sbg", "Strasbourg", "France", "FR"),
        ["EU-WEST-RBX"] = ("eu-west-rbx", "Roubaix", "France", "FR"),
        ["DE"] = ("eu-west-lim", "Frankfurt", "Germany", "DE"),
        ["UK"] = ("eu-west-eri", "London", "United Kingdom", "GB"),
        ["WAW"] = ("eu-central-waw", "Warsaw", "Poland", "PL"),
        ["BHS"] = ("ca-east-bhs", "Beauharnois", "Canada", "CA"),
        ["SGP"] = ("ap-southeast-sgp", "Singapore", "Singapore", "SG"),
        ["SYD"] = ("ap-southeast-syd", "Sydney", "Australia", "AU"),
        ["EU-WEST-LZ-AMS"] = ("eu-west-lz-ams", null, null, null),
    };

    readonly object _gate = new();
    readonly Dictionary<(string Subsidiary, string Plan), List<OvhVpsRow>> _vps = [];
    readonly Dictionary<string, List<(string Fqn, string Datacenter, string Availability)>> _dedicated = [];
    readonly Dictionary<string, List<OvhCatalogPlan>> _catalogs = [];
    readonly Dictionary<(string Catalog, string Subsidiary), List<OvhDedicatedCatalogPlan>> _dedicatedCatalogs = [];
    readonly ConcurrentDictionary<string, OvhFault> _planFaults = new();
    readonly ConcurrentDictionary<string, OvhFault> _catalogFaults = new();
    readonly ConcurrentDictionary<string, int> _counts = new();
    long _queryId;

    /// <summary>The public VPS catalog's name in <c>/order/catalog/public/{name}</c>.</summary>
    public const string VpsCatalog = "vps";

    /// <summary>Kimsufi, So you Start and Rise servers.</summary>
    public const string EcoCatalog = "eco";

    /// <summary>The other dedicated servers.</summary>
    public const string BaremetalCatalog = "baremetalServers";

    public string Region { get; } = region;

    /// <summary>A fault every request gets (None: normal answers).</summary>
    public OvhFault Fault { get; set; }

    /// <summary>How long a <see cref="OvhFault.Slow"/> answer waits.</summary>
    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sets one datacenter's status for a VPS plan; the Linux and Windows tracks follow unless given.</summary>
    public void SetVps(string subsidiary, string planCode, string datacenter, string status, string? windowsStatus = null, long daysBeforeDelivery = 0)
    {
        var code = VpsDatacenters.TryGetValue(datacenter, out var dc) ? dc.Code : datacenter.ToLowerInvariant();
        SetVpsRow(subsidiary, planCode, new OvhVpsRow(datacenter, code, status, status, windowsStatus ?? status, daysBeforeDelivery));
    }

    /// <summary>Sets a raw row (fields may be missing or hold unknown values).</summary>
    public void SetVpsRow(string subsidiary, string planCode, OvhVpsRow row)
    {
        lock (_gate)
        {
            var rows = Rows(subsidiary, planCode);
            rows.RemoveAll(r => r.Datacenter == row.Datacenter);
            rows.Add(row);
        }
    }

    /// <summary>Drops a datacenter from the plan's answer.</summary>
    public void RemoveVps(string subsidiary, string planCode, string datacenter)
    {
        lock (_gate)
        {
            Rows(subsidiary, planCode).RemoveAll(r => r.Datacenter == datacenter);
        }
    }

    /// <summary>Makes a plan known to the subsidiary with no datacenter rows yet.</summary>
    public void AddVpsPlan(string subsidiary, string planCode)
    {
        lock (_gate)
        {
            Rows(subsidiary, planCode);
        }
    }

    List<OvhVpsRow> Rows(string subsidiary, string planCode)
    {
        var key = (subsidiary.ToUpperInvariant(), planCode);
        if (!_vps.TryGetValue(key, out var rows))
        {
            _vps[key] = rows = [];
        }
        return rows;
    }

    /// <summary>Sets a dedicated server's availability in one datacenter (<c>1H-low</c>, <c>72H</c>, <c>unavailable</c>, …).</summary>
    public void SetDedicated(string planCode, string datacenter, string availability, string? fqn = null)
    {
        lock (_gate)
        {
            if (!_dedicated.TryGetValue(planCode, out var rows))
            {
                _dedicated[planCode] = rows = [];
            }
            var name = fqn ?? planCode + ".ram-32g-noecc-2133.softraid-2x2000sa";
            rows.RemoveAll(r => r.Fqn == name && r.Datacenter == datacenter);
            rows.Add((name, datacenter, availability));
        }
    }

    /// <summary>Adds plans to a subsidiary's public VPS catalog.</summary>
    public void AddCatalogPlans(string subsidiary, params OvhCatalogPlan[] plans)
    {
        lock (_gate)
        {
            if (!_catalogs.TryGetValue(subsidiary.ToUpperInvariant(), out var list))
            {
                _catalogs[subsidiary.ToUpperInvariant()] = list = [];
            }
            foreach (var plan in plans)
            {
                list.RemoveAll(p => p.PlanCode == plan.PlanCode);
                list.Add(plan);
            }
        }
    }

    public void RemoveCatalogPlan(string subsidiary, string planCode)
    {
        lock (_gate)
        {
            if (_catalogs.TryGetValue(subsidiary.ToUpperInvariant(), out var list))
            {
                list.RemoveAll(p => p.PlanCode == planCode);
            }
        }
    }

    /// <summary>Adds dedicated servers to a subsidiary's <c>eco</c> or <c>baremetalServers</c> catalog.</summary>
    public void AddDedicatedCatalogPlans(string catalog, string subsidiary, params OvhDedicatedCatalogPlan[] plans)
    {
        if (catalog is not (EcoCatalog or BaremetalCatalog))
        {
            throw new ArgumentOutOfRangeException(nameof(catalog), catalog, "eco or baremetalServers");
        }
        lock (_gate)
        {
            var key = (catalog, subsidiary.ToUpperInvariant());
            if (!_dedicatedCatalogs.TryGetValue(key, out var list))
            {
                _dedicatedCatalogs[key] = list = [];
            }
            foreach (var plan in plans)
            {
                list.RemoveAll(p => p.PlanCode == plan.PlanCode);
                list.Add(plan);
            }
        }
    }

    public void RemoveDedicatedCatalogPlan(string catalog, string subsidiary, string planCode)
    {
        lock (_gate)
        {
            if (_dedicatedCatalogs.TryGetValue((catalog, subsidiary.ToUpperInvariant()), out var list))
            {
                list.RemoveAll(p => p.PlanCode == planCode);
            }
        }
    }

    /// <summary>Answers every request for a catalog (<c>vps</c>, <c>eco</c>, <c>baremetalServers</c>) with a fault (None clears it).</summary>
    public void FailCatalog(string catalog, OvhFault fault)
    {
        if (fault == OvhFault.None)
        {
            _catalogFaults.TryRemove(catalog, out _);
        }
        else
        {
            _catalogFaults[catalog] = fault;
        }
    }

    /// <summary>Answers every request about <paramref name="planCode"/> with a fault (None clears it).</summary>
    public void FailPlan(string planCode, OvhFault fault)
    {
        if (fault == OvhFault.None)
        {
            _planFaults.TryRemove(planCode, out _);
        }
        else
        {
            _planFaults[planCode] = fault;
        }
    }

    /// <summary>How many VPS stock requests asked about (subsidiary, plan).</summary>
    public int VpsRequests(string subsidiary, string planCode) => _counts.GetValueOrDefault($"vps|{subsidiary.ToUpperInvariant()}|{planCode}");

    /// <summary>How many dedicated availability requests asked about the plan.</summary>
    public int DedicatedRequests(string planCode) => _counts.GetValueOrDefault($"dedicated|{planCode}");

    /// <summary>How many requests for one of its catalogs (the VPS one unless named) asked about the subsidiary.</summary>
    public int CatalogRequests(string subsidiary, string catalog = VpsCatalog) => _counts.GetValueOrDefault(CatalogKey(subsidiary, catalog));

    static string CatalogKey(string subsidiary, string catalog) =>
        catalog == VpsCatalog ? $"catalog|{subsidiary.ToUpperInvariant()}" : $"catalog|{subsidiary.ToUpperInvariant()}|{catalog}";

    /// <summary>Every stock request so far.</summary>
    public int StockRequests => _counts.Where(c => !c.Key.StartsWith("catalog|", StringComparison.Ordinal)).Sum(c => c.Value);

    public void ResetCounts() => _counts.Clear();

    protected override void Map(WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            http.Response.Headers["X-Ovh-Queryid"] = $"FR.ws-{Interlocked.Increment(ref _queryId)}.fake";
            await next(http);
        });
        foreach (var root in new[] { "/1.0", "/v1" })
        {
            app.MapGet(root + "/vps/order/rule/datacenter", (Delegate)VpsAsync);
            app.MapGet(root + "/dedicated/server/datacenter/availabilities", (Delegate)DedicatedAsync);
            app.MapGet(root + "/order/catalog/public/vps", (Delegate)CatalogAsync);
            app.MapGet(root + "/order/catalog/public/eco", (Delegate)((HttpContext http) => DedicatedCatalogAsync(http, EcoCatalog)));
            app.MapGet(root + "/order/catalog/public/baremetalServers", (Delegate)((HttpContext http) => DedicatedCatalogAsync(http, BaremetalCatalog)));
        }
        app.MapFallback(() => Error(404, "Client::NotFound", "Got an invalid (or empty) URL"));
    }

    void Count(string key) => _counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    async Task<IResult> VpsAsync(HttpContext http)
    {
        var subsidiary = http.Request.Query["ovhSubsidiary"].ToString();
        var plan = http.Request.Query["planCode"].ToString();
        Count($"vps|{subsidiary.ToUpperInvariant()}|{plan}");
        if (subsidiary.Length == 0 || plan.Length == 0)
        {
            return Error(400, "Client::BadRequest", $"[{(subsidiary.Length == 0 ? "ovhSubsidiary" : "planCode")}] Missing parameter");
        }
        if (!Regions[Region].Contains(subsidiary))
        {
            return Error(400, "Client::BadRequest", $"[ovhSubsidiary] Given data ({subsidiary}) does not belong to the OvhSubsidiaryEnum enumeration");
        }
        if (await FaultAsync(http, plan) is { } faulted)
        {
            return faulted;
        }
        List<OvhVpsRow> rows;
        lock (_gate)
        {
            if (!_vps.TryGetValue((subsidiary, plan), out var found))
            {
                return Error(404, "Client::NotFound", "not found: plan not found");
            }
            rows = [.. found];
        }
        var array = new JsonArray();
        foreach (var row in rows)
        {
            var o = new JsonObject { ["datacenter"] = row.Datacenter };
            Put(o, "code", row.Code);
            Put(o, "status", row.Status);
            Put(o, "linuxStatus", row.LinuxStatus);
            Put(o, "windowsStatus", row.WindowsStatus);
            if (row.DaysBeforeDelivery is { } days)
            {
                o["daysBeforeDelivery"] = days;
            }
            array.Add(o);
        }
        return Results.Content(new JsonObject { ["datacenters"] = array }.ToJsonString(), "application/json");
    }

    static void Put(JsonObject o, string name, string? value)
    {
        if (value is not null)
        {
            o[name] = value;
        }
    }

    async Task<IResult> DedicatedAsync(HttpContext http)
    {
        var plan = http.Request.Query["planCode"].ToString();
        Count($"dedicated|{plan}");
        if (await FaultAsync(http, plan, dedicated: true) is { } faulted)
        {
            return faulted;
        }
        List<(string Fqn, string Datacenter, string Availability)> rows;
        lock (_gate)
        {
            rows = _dedicated.TryGetValue(plan, out var found) ? [.. found] : [];
        }
        if (rows.Count == 0)
        {
            return Error(404, "Client::NotFound", $"No availabilities found for plan {plan}");
        }
        var answer = new JsonArray();
        foreach (var fqn in rows.GroupBy(r => r.Fqn))
        {
            var parts = fqn.Key.Split('.');
            answer.Add(new JsonObject
            {
                ["fqn"] = fqn.Key,
                ["planCode"] = plan,
                ["server"] = parts[0],
                ["memory"] = parts.Length > 1 ? parts[1] : null,
                ["storage"] = parts.Length > 2 ? parts[2] : null,
                ["systemStorage"] = null,
                ["gpu"] = null,
                ["datacenters"] = new JsonArray([.. fqn.Select(r => (JsonNode)new JsonObject { ["datacenter"] = r.Datacenter, ["availability"] = r.Availability })]),
            });
        }
        return Results.Content(answer.ToJsonString(), "application/json");
    }

    /// <summary>What every catalog route checks first: the subsidiary, then any fault scripted for the catalog (or for everything).</summary>
    async Task<(string Subsidiary, IResult? Refused)> CatalogRequestAsync(HttpContext http, string catalog)
    {
        var subsidiary = http.Request.Query["ovhSubsidiary"].ToString();
        Count(CatalogKey(subsidiary, catalog));
        if (subsidiary.Length == 0)
        {
            return (subsidiary, Error(400, "Client::BadRequest", "[ovhSubsidiary] Missing parameter"));
        }
        if (!Regions[Region].Contains(subsidiary))
        {
            return (subsidiary, Error(400, "Client::BadRequest", $"[ovhSubsidiary] Given data ({subsidiary}) does not belong to the OvhSubsidiaryEnum enumeration"));
        }
        if (_catalogFaults.TryGetValue(catalog, out var fault))
        {
            return (subsidiary, await ApplyFaultAsync(http, fault, """{"catalogId":4120,"locale":{"currencyCode":"EUR","subsidiary":"FR"},"plans":[{"planCode":"24sk"""));
        }
        if (Fault != OvhFault.None)
        {
            return (subsidiary, Results.Content("<html><body>Service Unavailable</body></html>", "text/html", statusCode: 503));
        }
        return (subsidiary, null);
    }

    async Task<IResult> CatalogAsync(HttpContext http)
    {
        var (subsidiary, refused) = await CatalogRequestAsync(http, VpsCatalog);
        if (refused is not null)
        {
            return refused;
        }
        List<OvhCatalogPlan> plans;
        lock (_gate)
        {
            plans = _catalogs.TryGetValue(subsidiary, out var found) ? [.. found] : [];
        }
        return Catalog(http, CatalogJson(subsidiary, plans));
    }

    async Task<IResult> DedicatedCatalogAsync(HttpContext http, string catalog)
    {
        var (subsidiary, refused) = await CatalogRequestAsync(http, catalog);
        if (refused is not null)
        {
            return refused;
        }
        List<OvhDedicatedCatalogPlan> plans;
        lock (_gate)
        {
            plans = _dedicatedCatalogs.TryGetValue((catalog, subsidiary), out var found) ? [.. found] : [];
        }
        return Catalog(http, DedicatedCatalogJson(subsidiary, catalog, plans));
    }

    /// <summary>Catalog answers sent gzip-compressed, because the client asked for it (as OVH compresses them).</summary>
    public int CompressedCatalogs => _compressedCatalogs;

    int _compressedCatalogs;

    /// <summary>A catalog answer, gzip-compressed when the request accepts gzip (OVH's large answers are).</summary>
    IResult Catalog(HttpContext http, string json)
    {
        if (!http.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Content(json, "application/json");
        }
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }
        Interlocked.Increment(ref _compressedCatalogs);
        http.Response.Headers.ContentEncoding = "gzip";
        return Results.Bytes(compressed.ToArray(), "application/json");
    }

    static string CurrencyOf(string subsidiary) => subsidiary switch
    {
        "GB" => "GBP",
        "CA" or "QC" => "CAD",
        "US" or "WS" or "ASIA" or "WE" => "USD",
        "AU" => "AUD",
        "SG" => "SGD",
        "IN" => "INR",
        "PL" => "PLN",
        "CZ" => "CZK",
        "MA" => "MAD",
        "TN" => "TND",
        _ => "EUR",
    };

    /// <summary>The catalog document: micro-cent prices, several pricings per plan, products with specs and datacenter cities.</summary>
    static JsonObject Pricing(string[] capacities, int commitment, string mode, string intervalUnit, int interval, long price, string description) => new()
    {
        ["capacities"] = new JsonArray([.. capacities.Select(c => (JsonNode)JsonValue.Create(c))]),
        ["commitment"] = commitment,
        ["description"] = description,
        ["interval"] = interval,
        ["intervalUnit"] = intervalUnit,
        ["mode"] = mode,
        ["mustBeCompleted"] = false,
        ["phase"] = 1,
        ["price"] = price,
        ["tax"] = price / 5,
        ["quantity"] = new JsonObject { ["min"] = 1, ["max"] = 1 },
        ["repeat"] = new JsonObject { ["min"] = 1 },
        ["strategy"] = "tiered",
        ["type"] = "rental",
    };

    static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);

    public static string CatalogJson(string subsidiary, IReadOnlyList<OvhCatalogPlan> plans)
    {
        var planArray = new JsonArray();
        var productArray = new JsonArray();
        foreach (var plan in plans)
        {
            var tags = plan.Tags ?? ["order-funnel:show"];
            planArray.Add(new JsonObject
            {
                ["planCode"] = plan.PlanCode,
                ["invoiceName"] = plan.InvoiceName,
                ["product"] = plan.PlanCode,
                ["pricingType"] = "rental",
                ["pricings"] = new JsonArray(
                    Pricing(["installation"], 0, "default", "none", 0, 0, "Installation fees"),
                    Pricing(["renew"], 0, "default", "month", 1, plan.MonthlyPriceMicros, "Monthly fees"),
                    Pricing(["renew"], 12, "upfront12", "month", 12, plan.MonthlyPriceMicros * 11, "Upfront 12 months"),
                    Pricing(["renew"], 12, "degressivity12", "month", 1, plan.MonthlyPriceMicros * 9 / 10, "Monthly fees, 12 months commitment")),
                ["configurations"] = new JsonArray(
                    new JsonObject
                    {
                        ["name"] = "vps_datacenter",
                        ["isCustom"] = false,
                        ["isMandatory"] = true,
                        ["values"] = new JsonArray([.. plan.Datacenters.Select(d => (JsonNode)JsonValue.Create(d))]),
                    },
                    new JsonObject { ["name"] = "vps_os", ["isCustom"] = false, ["isMandatory"] = true, ["values"] = new JsonArray("Ubuntu 24.04", "Debian 12") }),
                ["addonFamilies"] = new JsonArray(),
                ["blobs"] = new JsonObject
                {
                    ["commercial"] = new JsonObject { ["line"] = plan.Line, ["range"] = "vps" },
                    ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)JsonValue.Create(t))]),
                },
            });
            productArray.Add(new JsonObject
            {
                ["name"] = plan.PlanCode,
                ["description"] = plan.InvoiceName,
                ["blobs"] = new JsonObject
                {
                    ["technical"] = new JsonObject
                    {
                        ["cpu"] = new JsonObject { ["cores"] = plan.Cores, ["brand"] = "AMD", ["type"] = "vCore" },
                        ["memory"] = new JsonObject { ["size"] = plan.MemoryGb },
                        ["storage"] = new JsonObject { ["disks"] = new JsonArray(new JsonObject { ["capacity"] = plan.StorageGb, ["technology"] = "SSD", ["interface"] = "NVMe" }) },
                        ["bandwidth"] = new JsonObject { ["level"] = plan.BandwidthMbps, ["unlimited"] = true },
                    },
                    ["meta"] = new JsonObject
                    {
                        ["configurations"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "vps_datacenter",
                            ["values"] = new JsonArray([.. plan.Datacenters.Select(d => (JsonNode)DatacenterMeta(d))]),
                        }),
                    },
                },
            });
        }
        var catalog = new JsonObject
        {
            ["catalogId"] = 4120,
            ["locale"] = new JsonObject { ["currencyCode"] = CurrencyOf(subsidiary), ["subsidiary"] = subsidiary, ["taxRate"] = 20 },
            ["plans"] = planArray,
            ["products"] = productArray,
            ["addons"] = new JsonArray(),
            ["planFamilies"] = new JsonArray(new JsonObject { ["name"] = "vps" }),
        };
        return catalog.ToJsonString();
    }

    /// <summary>
    /// A dedicated-server catalog document (<c>eco</c>, <c>baremetalServers</c>): the same shape as the VPS catalog, each plan
    /// with micro-cent pricings (setup, monthly, 12-month upfront and degressive lines), <c>dedicated_datacenter</c> and
    /// <c>dedicated_os</c> configurations, and mandatory addon families (memory, storage, bandwidth) whose default addons,
    /// listed in <c>addons</c>, cost nothing more.
    /// </summary>
    public static string DedicatedCatalogJson(string subsidiary, string catalog, IReadOnlyList<OvhDedicatedCatalogPlan> plans)
    {
        var planArray = new JsonArray();
        var productArray = new JsonArray();
        var addonArray = new JsonArray();
        foreach (var plan in plans)
        {
            var memory = $"ram-32g-noecc-2133-{plan.PlanCode}";
            var storage = $"softraid-2x2000sa-{plan.PlanCode}";
            var bandwidth = $"bandwidth-300-{plan.PlanCode}";
            planArray.Add(new JsonObject
            {
                ["planCode"] = plan.PlanCode,
                ["invoiceName"] = plan.InvoiceName,
                ["product"] = plan.PlanCode,
                ["pricingType"] = "rental",
                ["pricings"] = new JsonArray(
                    Pricing(["installation"], 0, "default", "none", 1, plan.SetupFeeMicros, "Setup fee"),
                    Pricing(["renew"], 0, "default", "month", 1, plan.MonthlyPriceMicros, "Rental fee"),
                    Pricing(["renew"], 12, "upfront12", "month", 12, plan.MonthlyPriceMicros * 11, "Rental fee, 12 months paid upfront"),
                    Pricing(["renew"], 12, "degressivity12", "month", 1, plan.MonthlyPriceMicros * 9 / 10, "Rental fee, 12 months commitment"),
                    Pricing(["renew"], 24, "degressivity24", "month", 1, plan.MonthlyPriceMicros * 8 / 10, "Rental fee, 24 months commitment")),
                ["configurations"] = new JsonArray(
                    new JsonObject { ["name"] = "dedicated_datacenter", ["isCustom"] = false, ["isMandatory"] = true, ["values"] = Strings(plan.Datacenters ?? ["gra", "rbx", "sbg"]) },
                    new JsonObject { ["name"] = "dedicated_os", ["isCustom"] = false, ["isMandatory"] = true, ["values"] = Strings(["none_64.en", "debian12_64"]) }),
                ["addonFamilies"] = new JsonArray(
                    new JsonObject { ["name"] = "memory", ["exclusive"] = true, ["mandatory"] = true, ["addons"] = Strings([memory]), ["default"] = memory },
                    new JsonObject { ["name"] = "storage", ["exclusive"] = true, ["mandatory"] = true, ["addons"] = Strings([storage]), ["default"] = storage },
                    new JsonObject { ["name"] = "bandwidth", ["exclusive"] = true, ["mandatory"] = true, ["addons"] = Strings([bandwidth]), ["default"] = bandwidth }),
                ["family"] = "server",
                ["blobs"] = new JsonObject
                {
                    ["commercial"] = new JsonObject { ["range"] = plan.Range },
                    ["tags"] = Strings(["order-funnel:show"]),
                },
            });
            productArray.Add(new JsonObject
            {
                ["name"] = plan.PlanCode,
                ["description"] = plan.InvoiceName,
                ["blobs"] = new JsonObject
                {
                    ["technical"] = new JsonObject
                    {
                        ["server"] = new JsonObject { ["cpu"] = new JsonObject { ["brand"] = "Intel", ["model"] = "Xeon-E3 1245 v5", ["cores"] = 4, ["threads"] = 8 } },
                    },
                },
            });
            foreach (var addon in new[] { memory, storage, bandwidth })
            {
                addonArray.Add(new JsonObject
                {
                    ["planCode"] = addon,
                    ["invoiceName"] = addon,
                    ["product"] = addon,
                    ["pricingType"] = "rental",
                    ["pricings"] = new JsonArray(
                        Pricing(["installation"], 0, "default", "none", 1, 0, "Setup fee"),
                        Pricing(["renew"], 0, "default", "month", 1, 0, "Rental fee")),
                    ["configurations"] = new JsonArray(),
                    ["addonFamilies"] = new JsonArray(),
                });
            }
        }
        return new JsonObject
        {
            ["catalogId"] = catalog == EcoCatalog ? 4121 : 4122,
            ["locale"] = new JsonObject { ["currencyCode"] = CurrencyOf(subsidiary), ["subsidiary"] = subsidiary, ["taxRate"] = 20 },
            ["plans"] = planArray,
            ["products"] = productArray,
            ["addons"] = addonArray,
            ["planFamilies"] = new JsonArray(new JsonObject { ["name"] = "server" }),
        }.ToJsonString();
    }

    static JsonObject DatacenterMeta(string name)
    {
        var meta = new JsonObject { ["value"] = name };
        if (VpsDatacenters.TryGetValue(name, out var dc) && dc.City is not null)
        {
            meta["blobs"] = new JsonObject
            {
                ["technical"] = new JsonObject
                {
                    ["datacenter"] = new JsonObject { ["city"] = dc.City, ["country"] = dc.Country, ["countryCode"] = dc.CountryCode, ["name"] = name, ["region"] = dc.Code },
                },
            };
        }
        return meta;
    }

    Task<IResult?> FaultAsync(HttpContext http, string plan, bool dedicated = false)
    {
        var fault = _planFaults.TryGetValue(plan, out var f) ? f : Fault;
        return fault == OvhFault.NamelessRows
            ? Task.FromResult<IResult?>(Results.Content(dedicated
                ? """[1,{"fqn":"x","datacenters":[{"datacenter":null,"availability":"1H-low"},{"availability":"72H"}]}]"""
                : """{"datacenters":[1,2,{"datacenter":null,"linuxStatus":"available"},{"linuxStatus":"available"}]}""", "application/json"))
            : ApplyFaultAsync(http, fault, """{"datacenters":[{"datacenter":"GRA","code":"eu-we""");
    }

    /// <summary>The faulty answer, or null to answer normally (after a delay for <see cref="OvhFault.Slow"/>).</summary>
    async Task<IResult?> ApplyFaultAsync(HttpContext http, OvhFault fault, string truncated)
    {
        switch (fault)
        {
            case OvhFault.ServerError:
                return Results.Content("<html><head><title>500 Internal Server Error</title></head><body>oops</body></html>", "text/html", statusCode: 500);
            case OvhFault.Unavailable:
                return Results.Content("<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html", statusCode: 503);
            case OvhFault.TooManyRequests:
                http.Response.Headers.RetryAfter = "30";
                return Error(429, "Client::TooManyRequests", "Too many requests");
            case OvhFault.TooManyRequestsNoRetryAfter:
                return Error(429, "Client::TooManyRequests", "Too many requests");
            case OvhFault.Garbage:
                return Results.Content("<<not json at all>>", "application/json");
            case OvhFault.Truncated:
                return Results.Content(truncated, "application/json");
            case OvhFault.EmptyObject:
                return Results.Content("{}", "application/json");
            case OvhFault.Slow:
                await Task.Delay(SlowDelay, http.RequestAborted);
                return null;
            case OvhFault.Reset:
                http.Abort();
                return Results.Empty;
            default:
                return null;
        }
    }

    static IResult Error(int status, string errorClass, string message) =>
        Results.Json(new { @class = errorClass, message }, statusCode: status);

    /// <summary>The datacenter names the fake knows, with their codes (for tests and the demo).</summary>
    public static IReadOnlyDictionary<string, string> KnownVpsDatacenters => VpsDatacenters.ToDictionary(d => d.Key, d => d.Value.Code);

    /// <summary>Micro-cents of a price in currency units (4.57 → 457000000).</summary>
    public static long Micros(decimal amount) => (long)(amount * 100_000_000m);

    /// <summary>For the demo exe: a catalog and stock to look at.</summary>
    public void SeedDemo()
    {
        AddCatalogPlans("FR",
            new OvhCatalogPlan("vps-2025-model1", "VPS-1", Micros(4.57m), ["GRA", "SBG", "DE", "UK", "WAW", "BHS"], 4, 8, 75),
            new OvhCatalogPlan("vps-2025-model2", "VPS-2", Micros(7.99m), ["GRA", "SBG", "DE", "UK", "WAW", "BHS"], 6, 12, 100),
            new OvhCatalogPlan("vps-2025-model3", "VPS-3", Micros(15.99m), ["GRA", "SBG", "DE", "SGP"], 8, 24, 200));
        foreach (var dc in new[] { "GRA", "SBG", "DE", "UK", "WAW", "BHS" })
        {
            SetVps("FR", "vps-2025-model1", dc, dc is "GRA" or "WAW" ? "available" : "out-of-stock");
            SetVps("FR", "vps-2025-model2", dc, "available");
        }
        SetVps("FR", "vps-2025-model3", "SGP", "out-of-stock-preorder-allowed", "out-of-stock", 14);
        AddDedicatedCatalogPlans(EcoCatalog, "FR", new OvhDedicatedCatalogPlan("24ska01", "KS-A", Micros(5.99m), ["gra", "rbx", "bhs"]));
        SetDedicated("24ska01", "gra", "1H-low");
        SetDedicated("24ska01", "rbx", "72H");
        SetDedicated("24ska01", "bhs", "unavailable");
    }

    static readonly string[] BenchDatacenters = ["GRA", "SBG", "DE", "UK", "WAW", "BHS"];
    static readonly string[] BenchSubsidiaries = ["FR", "DE"];
    readonly Random _benchRandom = new(42);
    int _benchPlans;

    /// <summary>The benchmark's plan codes: <c>vps-bench-0000</c> … for <paramref name="plans"/> plans.</summary>
    public static IReadOnlyList<string> BenchPlanCodes(int plans) => [.. Enumerable.Range(0, plans).Select(i => $"vps-bench-{i:0000}")];

    /// <summary>For benchmarks: <paramref name="plans"/> VPS plans in FR and DE, six datacenters each, about a third in stock.</summary>
    public void SeedBench(int plans)
    {
        _benchPlans = plans;
        foreach (var plan in BenchPlanCodes(plans))
        {
            foreach (var subsidiary in BenchSubsidiaries)
            {
                foreach (var dc in BenchDatacenters)
                {
                    SetVps(subsidiary, plan, dc, _benchRandom.Next(3) == 0 ? "available" : "out-of-stock");
                }
            }
        }
    }

    /// <summary>For benchmarks: changes <paramref name="count"/> random datacenters of the seeded plans.</summary>
    public void FlipBench(int count)
    {
        for (var i = 0; i < count; i++)
        {
            SetVps(BenchSubsidiaries[_benchRandom.Next(BenchSubsidiaries.Length)], $"vps-bench-{_benchRandom.Next(_benchPlans):0000}",
                BenchDatacenters[_benchRandom.Next(BenchDatacenters.Length)], _benchRandom.Next(2) == 0 ? "available" : "out-of-stock");
        }
    }

    /// <summary>Stock as JSON for debugging a test.</summary>
    public string Dump()
    {
        lock (_gate)
        {
            return JsonSerializer.Serialize(_vps.ToDictionary(k => $"{k.Key.Subsidiary}/{k.Key.Plan}", k => k.Value));
        }
    }
}
