using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Modules.Restock;

/// <summary>Current stock of one plan in one datacenter on one OS track.</summary>
public sealed record StatusItemDto(
    string? Subsidiary,
    string PlanCode,
    string PlanName,
    PlanKind Kind,
    string Datacenter,
    string? DatacenterCode,
    string? City,
    string? Country,
    string Flag,
    string Track,
    StockState State,
    string? RawStatus,
    DateTime Since,
    DateTime? LastCheckedAt,
    int? DeliveryHours,
    [property: Description("The delivery delay in words (immediate, ~3 days) where the plan can be ordered (in stock or on pre-order); null where it cannot.")]
    string? Delivery);

public sealed record StatusDto(IReadOnlyList<StatusItemDto> Items, DateTime? LastCheckedAt, IReadOnlyList<string> Subsidiaries);

/// <summary>
/// A <c>change</c> event of the status stream: one (subsidiary, plan, datacenter, track) went from <c>previous</c> to
/// <c>state</c> at <c>at</c>. <c>previous</c> is <c>unknown</c> on a first sighting; <c>subsidiary</c> is null for
/// dedicated servers (track <c>server</c>).
/// </summary>
public sealed record StockChangeDto(string? Subsidiary, string PlanCode, string Datacenter, string Track, StockState Previous, StockState State, DateTime At);

/// <summary>A period in one state: from a transition to the next (<c>to</c> null while it lasts).</summary>
public sealed record PeriodDto(string? Subsidiary, string PlanCode, string Datacenter, string Track, StockState State, StockState Previous, string? RawStatus,
    DateTime From, DateTime? To, long DurationSeconds);

public sealed record HistoryDto(IReadOnlyList<PeriodDto> Items, string? NextCursor, DateTime? LastCheckedAt);

public sealed record HistoryQuery
{
    [Description("Only this plan.")]
    [FromQuery(Name = "plan_code")]
    public string? PlanCode { get; init; }

    [Description("Only this subsidiary (FR, CA, …).")]
    [FromQuery(Name = "subsidiary")]
    public string? Subsidiary { get; init; }

    [Description("Only this datacenter.")]
    [FromQuery(Name = "datacenter")]
    public string? Datacenter { get; init; }

    [Description("linux, windows or server; all when absent.")]
    [FromQuery(Name = "track")]
    public string? Track { get; init; }

    [Description("Periods still going on at or after this instant (ISO 8601).")]
    [FromQuery(Name = "since")]
    public string? Since { get; init; }

    [Description("Instead of since: the last N days (1-365).")]
    [FromQuery(Name = "days")]
    public string? Days { get; init; }
}

/// <summary>In/out periods of one plan per datacenter over a window, clipped to it (the availability timeline).</summary>
public sealed record TimelineDto(string PlanCode, string? Subsidiary, string Track, DateTime From, DateTime To, IReadOnlyList<TimelineRowDto> Rows);

public sealed record TimelineRowDto(string Datacenter, IReadOnlyList<TimelineSegmentDto> Segments, double AvailablePercent);

public sealed record TimelineSegmentDto(StockState State, DateTime From, DateTime To);

public sealed record MonthlyPriceDto(string Subsidiary, string Currency, decimal Price, decimal Tax, decimal PriceWithTax);

public sealed record PlanDto(
    Guid Id,
    string PlanCode,
    PlanKind Kind,
    string Name,
    bool Monitored,
    PlanLifecycle Lifecycle,
    int? Cores,
    int? MemoryGb,
    int? StorageGb,
    int? BandwidthMbps,
    IReadOnlyList<string> Datacenters,
    bool FromCatalog,
    IReadOnlyList<MonthlyPriceDto> MonthlyPrices,
    DateTime CreatedAt,
    DateTime UpdatedAt);

public sealed record PlanQuery
{
    [Description("Only monitored (true) or unmonitored (false) plans.")]
    [FromQuery(Name = "monitored")]
    public string? Monitored { get; init; }

    [Description("vps or dedicated.")]
    [FromQuery(Name = "kind")]
    public string? Kind { get; init; }

    [Description("active, legacy or removed.")]
    [FromQuery(Name = "lifecycle")]
    public string? Lifecycle { get; init; }

    [Description("Search in plan code and name.")]
    [FromQuery(Name = "search")]
    public string? Search { get; init; }
}

public sealed record CreatePlanRequest : IValidatableRequest
{
    /// <summary>OVH plan code (<c>vps-2025-model1</c>, <c>24ska01</c>).</summary>
    [Required, StringLength(100, MinimumLength = 1), RegularExpression(RestockService.PlanCodePattern, ErrorMessage = "The plan_code field may hold letters, digits, '.', '_' and '-' only.")]
    public string? PlanCode { get; init; }

    /// <summary><c>vps</c> (default) or <c>dedicated</c>.</summary>
    public PlanKind? Kind { get; init; }

    [StringLength(200, MinimumLength = 1)]
    public string? Name { get; init; }

    /// <summary>Checked and alerted on (default true).</summary>
    public bool? Monitored { get; init; }

    public PlanLifecycle? Lifecycle { get; init; }
}

public sealed record UpdatePlanRequest : IValidatableRequest
{
    [StringLength(200, MinimumLength = 1)]
    public string? Name { get; init; }

    public bool? Monitored { get; init; }

    /// <summary><c>active</c>, <c>legacy</c> or <c>removed</c>; legacy and removed plans keep history but are not checked.</summary>
    public PlanLifecycle? Lifecycle { get; init; }

    /// <summary>Read only: accepted when it is the plan's own code (in any case), a 400 otherwise.</summary>
    [StringLength(100)]
    public string? PlanCode { get; init; }

    /// <summary>Read only: accepted when it is the plan's own kind, a 400 otherwise.</summary>
    public PlanKind? Kind { get; init; }
}

public sealed record PricingDto(string PlanCode, string Name, IReadOnlyList<SubsidiaryPricingDto> Prices);

public sealed record SubsidiaryPricingDto(string Subsidiary, string Currency, MonthlyPriceDto? Monthly, IReadOnlyList<PricingLineDto> Pricings, DateTime? FetchedAt);

public sealed record PricingLineDto(string Mode, int Commitment, int Interval, string IntervalUnit, decimal Price, decimal Tax, string? Description, bool MonthlyList,
    [property: Description("What the line is billed for, as OVH's catalog says: installation (the setup fee), renew (each period), upgrade, …")]
    IReadOnlyList<string> Capacities);

public sealed record DatacenterDto(string Name, string? Code, string? City, string? Country, string? CountryCode, string Flag, string Label);

public sealed record RestockAlertDto(Guid Id, Guid? EventId, string Kind, string? Subsidiary, string PlanCode, string PlanName, string Datacenter, string Track,
    StockState State, string? Price, string? Delivery, string? Link, string Audience, DateTime At);

public sealed record AlertQuery
{
    [Description("Only this plan.")]
    [FromQuery(Name = "plan_code")]
    public string? PlanCode { get; init; }

    [Description("restock.back_in_stock or restock.out_of_stock.")]
    [FromQuery(Name = "kind")]
    public string? Kind { get; init; }
}

/// <summary>A subscriber's own rules.</summary>
public sealed record SubscriptionOptionsDto
{
    /// <summary>Alert only after this many polls in a row in stock (1-10, default 1).</summary>
    public int? ConfirmPolls { get; init; }

    /// <summary>Also say when it goes out of stock (default false).</summary>
    public bool? OutOfStock { get; init; }

    /// <summary>Pre-order counts as in stock (default false).</summary>
    public bool? Preorder { get; init; }

    /// <summary>OS track: <c>linux</c> (default) or <c>windows</c>.</summary>
    public string? Os { get; init; }

    /// <summary>At most one alert per datacenter per this many minutes (0-10080; default: the channel's cooldown).</summary>
    public int? CooldownMinutes { get; init; }
}

public sealed record CreateRestockSubscriptionRequest : IValidatableRequest
{
    [Required, StringLength(100, MinimumLength = 1)]
    public string? PlanCode { get; init; }

    /// <summary>OVH subsidiary (FR, CA, …); required for VPS plans, ignored for dedicated servers.</summary>
    [StringLength(10)]
    public string? Subsidiary { get; init; }

    /// <summary>Datacenters to hear about; none means all.</summary>
    [MaxLength(100)]
    public IReadOnlyList<string>? Datacenters { get; init; }

    /// <summary>
    /// Channels to use: your own, or a shared channel of a workspace where you are a member (not a viewer), which the
    /// whole team hears while you stay a member. None means all of your own channels.
    /// </summary>
    [MaxLength(50)]
    public IReadOnlyList<Guid>? ChannelIds { get; init; }

    public SubscriptionOptionsDto? Options { get; init; }
}

public sealed record BulkSubscriptionsRequest : IValidatableRequest
{
    /// <summary>
    /// Subscriptions to create; one that matches an existing one (same plan, subsidiary and OS) replaces it. Empty only with
    /// <c>replace: true</c>, which then removes every restock subscription of mine.
    /// </summary>
    [Required, MaxLength(500)]
    public IReadOnlyList<CreateRestockSubscriptionRequest>? Subscriptions { get; init; }

    /// <summary>Remove every restock subscription of mine not in this list first.</summary>
    public bool? Replace { get; init; }
}

public sealed record RestockSubscriptionDto(
    Guid Id,
    string PlanCode,
    string? Subsidiary,
    IReadOnlyList<string> Datacenters,
    IReadOnlyList<Guid> ChannelIds,
    int ConfirmPolls,
    bool OutOfStock,
    bool Preorder,
    string Os,
    int? CooldownSeconds,
    DateTime CreatedAt,
    [property: System.ComponentModel.Description("The options in the words the request uses (confirm_polls, out_of_stock, preorder, os, cooldown_minutes).")]
    SubscriptionOptionsDto Options);

public sealed record BulkSubscriptionsDto(IReadOnlyList<RestockSubscriptionDto> Items, int Removed);

public sealed record RestockSettingsDto(
    IReadOnlyList<string> Subsidiaries,
    IReadOnlyList<string> KnownSubsidiaries,
    [property: Description("The poll interval in effect, in seconds (CHECK_INTERVAL_SECONDS; fractions kept).")]
    double CheckIntervalSeconds,
    [property: Description("How long a datacenter must have been unavailable for its return to alert, in minutes (NOTIFICATION_THRESHOLD_MINUTES; fractions kept).")]
    double NotificationThresholdMinutes,
    bool PublicStatus,
    string ApiBaseEu,
    string ApiBaseCa,
    string ApiBaseUs);

/// <summary>The settings to change; those left out stay as they are. A stored setting wins over its environment variable.</summary>
public sealed record UpdateRestockSettingsRequest : IValidatableRequest
{
    /// <summary>OVH subsidiaries to watch (at least one).</summary>
    [MinLength(1), MaxLength(30)]
    public IReadOnlyList<string>? Subsidiaries { get; init; }

    /// <summary>How often each source is checked, in seconds (CHECK_INTERVAL_SECONDS): at least 30 against OVH's own hosts, at most 86400.</summary>
    public double? CheckIntervalSeconds { get; init; }

    /// <summary>How long a datacenter must have been unavailable for its return to alert, in minutes (NOTIFICATION_THRESHOLD_MINUTES): 0 to 43200.</summary>
    public double? NotificationThresholdMinutes { get; init; }
}

public sealed record SourceDto(string? Subsidiary, string PlanCode, PlanKind Kind, DateTime NextDueAt, DateTime? LastCheckedAt, DateTime? LastSuccessAt,
    int ConsecutiveFailures, string? LastError, bool FailureAlerted, long Checks, long Failures);
