using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// Restock watch tuning (section <c>Restock</c>). The OVH checker's variable names map onto it:
/// <c>CHECK_INTERVAL_SECONDS</c>, <c>NOTIFICATION_THRESHOLD_MINUTES</c>, <c>OVH_API_BASE_EU|CA|US</c>,
/// <c>OVH_SUBSIDIARIES</c>, <c>RESTOCK_PUBLIC_STATUS</c>.
/// </summary>
public sealed class RestockOptions
{
    public const string Section = "Restock";

    /// <summary>How often each source is checked. Against OVH's own hosts it is never below 30 s (fair use); a fake may go faster.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(120);

    public static readonly TimeSpan OvhMinimumInterval = TimeSpan.FromSeconds(30);

    /// <summary>The interval actually used: <see cref="CheckInterval"/>, raised to 30 s when any region points at OVH itself.</summary>
    public TimeSpan EffectiveCheckInterval =>
        CheckInterval < OvhMinimumInterval && TalksToOvh ? OvhMinimumInterval : CheckInterval;

    static bool IsOvhHost(Uri uri) =>
        uri.Host.EndsWith("ovh.com", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith("ovhcloud.com", StringComparison.OrdinalIgnoreCase)
        || uri.Host.EndsWith("ovh.net", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith("ovh.ca", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fraction of the interval each next check moves by at random (0.1 = ±10 %), so sources spread out.</summary>
    [Range(0.0, 0.5)]
    public double Jitter { get; set; } = 0.1;

    /// <summary>How long something must have been unavailable for its return to be news.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan NotificationThreshold { get; set; } = TimeSpan.FromMinutes(60);

    [Required]
    public Uri ApiBaseEu { get; set; } = new("https://eu.api.ovh.com/1.0");

    [Required]
    public Uri ApiBaseCa { get; set; } = new("https://ca.api.ovh.com/1.0");

    [Required]
    public Uri ApiBaseUs { get; set; } = new("https://api.us.ovhcloud.com/1.0");

    /// <summary>Comma-separated OVH subsidiaries watched by default; an admin setting wins once set.</summary>
    [Required]
    public string Subsidiaries { get; set; } = "FR";

    /// <summary>Whether status, history, plans, pricing and datacenters can be read without signing in.</summary>
    public bool PublicStatus { get; set; } = true;

    /// <summary>Upstream requests in flight at once (OVH etiquette: at most 4 per host).</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Timeout of one stock request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:02:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Timeout of one catalog request (several MB).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CatalogTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a subsidiary's catalog is kept before it is fetched again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan CatalogRefresh { get; set; } = TimeSpan.FromHours(24);

    /// <summary>After this many failed checks in a row, admins are told once (and once on recovery).</summary>
    [Range(1, 1000)]
    public int FailureAlertAfter { get; set; } = 5;

    /// <summary>Longest wait between retries of a failing source.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a claimed source stays with the replica checking it.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How often the poller looks for due sources; by default a quarter of the interval, between 1 and 7.5 s (a quarter
    /// of the shortest interval an admin may set at run time).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan? Tick { get; set; }

    public TimeSpan EffectiveTick => Tick ?? TimeSpan.FromTicks(Math.Clamp(EffectiveCheckInterval.Ticks / 4, TimeSpan.TicksPerSecond, OvhMinimumInterval.Ticks / 4));

    /// <summary>Whether this worker runs the recurring poll job (tests drive cycles by hand instead).</summary>
    public bool RunPoller { get; set; } = true;

    /// <summary>
    /// Results written per transaction (fewer when a cycle's checks are done, or after a second of waiting). Unchanged
    /// answers cost a share of one statement, so larger batches mean fewer commits per cycle.
    /// </summary>
    [Range(1, 1000)]
    public int WriteBatch { get; set; } = 500;

    /// <summary>How often an open status stream sends a keep-alive comment (and looks for other replicas' changes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Changes a status stream may hold unsent (a slow client); past that the client is dropped rather than the buffer grown.</summary>
    [Range(1, 1_000_000)]
    public int StreamBuffer { get; set; } = 10_000;

    /// <summary>Status streams this replica serves at once; more are answered 503.</summary>
    [Range(1, 100_000)]
    public int MaxStreams { get; set; } = 1_000;

    public IReadOnlyList<string> SubsidiaryList => ParseSubsidiaries(Subsidiaries);

    /// <summary>A copy with the run-time settings that are given (see <see cref="RestockSettings"/>).</summary>
    public RestockOptions With(string? subsidiaries, TimeSpan? checkInterval, TimeSpan? notificationThreshold)
    {
        var copy = (RestockOptions)MemberwiseClone();
        copy.Subsidiaries = subsidiaries ?? Subsidiaries;
        copy.CheckInterval = checkInterval ?? CheckInterval;
        copy.NotificationThreshold = notificationThreshold ?? NotificationThreshold;
        return copy;
    }

    /// <summary>Whether any region's API base is one of OVH's own hosts (and so the 30 s floor applies).</summary>
    public bool TalksToOvh => new[] { ApiBaseEu, ApiBaseCa, ApiBaseUs }.Any(IsOvhHost);

    public static IReadOnlyList<string> ParseSubsidiaries(string? value) =>
        [.. (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).Distinct()];

    /// <summary>The API base serving a subsidiary: EU, CA or US host.</summary>
    public Uri BaseFor(string subsidiary) => OvhSubsidiaries.RegionOf(subsidiary) switch
    {
        "ca" => ApiBaseCa,
        "us" => ApiBaseUs,
        _ => ApiBaseEu,
    };
}

/// <summary>OVH subsidiaries and the region (API host) that serves each.</summary>
public static class OvhSubsidiaries
{
    static readonly Dictionary<string, string> Regions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CZ"] = "eu",
        ["DE"] = "eu",
        ["ES"] = "eu",
        ["EU"] = "eu",
        ["FI"] = "eu",
        ["FR"] = "eu",
        ["GB"] = "eu",
        ["IE"] = "eu",
        ["IT"] = "eu",
        ["LT"] = "eu",
        ["MA"] = "eu",
        ["NL"] = "eu",
        ["PL"] = "eu",
        ["PT"] = "eu",
        ["SN"] = "eu",
        ["TN"] = "eu",
        ["ASIA"] = "ca",
        ["AU"] = "ca",
        ["CA"] = "ca",
        ["IN"] = "ca",
        ["QC"] = "ca",
        ["SG"] = "ca",
        ["WE"] = "ca",
        ["WS"] = "ca",
        ["US"] = "us",
    };

    public static IReadOnlyCollection<string> All => Regions.Keys;

    public static bool IsKnown(string? subsidiary) => subsidiary is not null && Regions.ContainsKey(subsidiary);

    public static string RegionOf(string subsidiary) => Regions.GetValueOrDefault(subsidiary, "eu");
}
