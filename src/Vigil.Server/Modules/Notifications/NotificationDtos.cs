using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Modules.Notifications;

public sealed record ChannelDto(
    Guid Id,
    string Name,
    ChannelType Type,
    ChannelScope Scope,
    Guid? WorkspaceId,
    string Target,
    IReadOnlyDictionary<string, string> Settings,
    bool Enabled,
    ChannelHealth Health,
    int ConsecutiveFailures,
    DateTime? LastSuccessAt,
    DateTime? LastFailureAt,
    string? LastError,
    DateTime CreatedAt,
    // The same channel as one URL, secrets masked (null where it cannot be shown safely): its Apprise form when that
    // parses back to exactly this channel, else its target URL (a signed webhook, a self-hosted Discord or Telegram
    // host), which with the type and settings is the channel. Sent back unchanged in a PATCH, like the masked target,
    // it keeps the stored configuration.
    string? AppriseUrl = null,
    // Shown once, when Vigil generated a webhook signing secret for a new channel.
    string? SigningSecret = null);

public sealed record CreateChannelRequest : IValidatableRequest
{
    [Required, StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }

    /// <summary>discord, slack, teams, telegram, ntfy, gotify, pushover, webhook, email, sms_twilio, sms_solapi; inferred from an Apprise URL when absent.</summary>
    public ChannelType? Type { get; init; }

    /// <summary>The target URL (e.g. a Discord webhook URL) or an Apprise URL (discord://, tgram://, ntfys://, mailtos://, json://, …).</summary>
    [Required, StringLength(2048, MinimumLength = 1)]
    public string? Url { get; init; }

    /// <summary>Type-specific settings (chat id, recipients, signing secret, title_template, cooldown_seconds, rate_limit in messages per second, …).</summary>
    public Dictionary<string, string>? Settings { get; init; }

    /// <summary><c>user</c> (default: mine, in every workspace) or <c>workspace</c> (the current workspace's; managers).</summary>
    public ChannelScope? Scope { get; init; }
}

public sealed record UpdateChannelRequest : IValidatableRequest
{
    [StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }

    [StringLength(2048, MinimumLength = 1)]
    public string? Url { get; init; }

    /// <summary>Replaces the settings; values shown masked may be sent back unchanged and keep their stored value.</summary>
    public Dictionary<string, string>? Settings { get; init; }

    public bool? Enabled { get; init; }
}

public sealed record DeliveryResultDto(Guid OutboxId, string Status, DeliveryOutcome Outcome, int? StatusCode, string? Error, string? Response, int DurationMs);

public sealed record AttemptDto(int Number, DateTime StartedAt, int DurationMs, DeliveryOutcome Outcome, int? StatusCode, string? Error, string? Response)
{
    public static AttemptDto From(DeliveryAttempt a) => new(a.Number, a.StartedAt, a.DurationMs, a.Outcome, a.StatusCode, a.Error, a.Response);
}

public sealed record DeliveryDto(
    Guid Id,
    Guid EventId,
    string Kind,
    string Title,
    Severity Severity,
    Guid ChannelId,
    string ChannelName,
    ChannelType ChannelType,
    OutboxStatus Status,
    string? Reason,
    int Attempts,
    DateTime CreatedAt,
    DateTime DueAt,
    DateTime? CompletedAt,
    string? LastError,
    IReadOnlyList<AttemptDto> AttemptLog);

public sealed class DeliveryQuery : IValidatableRequest, IValidatableObject
{
    /// <summary>pending, sent, failed or dropped.</summary>
    [FromQuery(Name = "status")]
    public string? Status { get; set; }

    public OutboxStatus? StatusValue => EnumText.TryParse<OutboxStatus>(Status, out var s) ? s : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Status is not null && StatusValue is null)
        {
            yield return new ValidationResult($"status is one of {EnumText.Allowed<OutboxStatus>()}.", [nameof(Status)]);
        }
    }

    [FromQuery(Name = "channel_id")]
    public Guid? ChannelId { get; set; }

    /// <summary>The event's kind, or its beginning: <c>restock.back_in_stock</c>, <c>restock</c> or <c>restock.*</c>.</summary>
    [FromQuery(Name = "kind")]
    public string? Kind { get; set; }

    [FromQuery(Name = "since")]

    public DateTime? Since { get; set; }
}

public sealed record SubscriptionDto(Guid Id, string Module, string Kind, string Subject, Guid? WorkspaceId, IReadOnlyList<Guid> ChannelIds, Severity? MinSeverity, int? CooldownSeconds, string? Options, DateTime CreatedAt);

public sealed record CreateSubscriptionRequest : IValidatableRequest
{
    /// <summary>Event kind or pattern (<c>inventory.low_stock</c>, <c>restock.*</c>).</summary>
    [Required, StringLength(100, MinimumLength = 1), RegularExpression(@"^[a-z0-9_.*?]+$", ErrorMessage = "The kind is lower-case letters, digits, '_', '.', and the wildcards '*' and '?'.")]
    public string? Kind { get; init; }

    /// <summary>Subject filter with wildcards (<c>ovh:vps-le-2-2:*</c>); default <c>*</c>.</summary>
    [StringLength(300, MinimumLength = 1)]
    public string? Subject { get; init; }

    /// <summary>
    /// Channels to use; none means all of mine. Besides my own, shared channels of a workspace where I am a member (not a
    /// viewer): for workspace events that workspace's only, for system-wide events (restock) any of my workspaces'.
    /// </summary>
    [MaxLength(50)]
    public Guid[]? ChannelIds { get; init; }

    public Severity? MinSeverity { get; init; }

    [Range(0, 7 * 24 * 3600)]
    public int? CooldownSeconds { get; init; }

    /// <summary>Follow the current workspace's events (default) or system-wide ones (<c>false</c>).</summary>
    public bool? WorkspaceEvents { get; init; }
}

public sealed record PreferencesDto(Severity MinSeverity, TimeOnly? QuietStart, TimeOnly? QuietEnd, string TimeZone, QuietMode QuietMode, DigestMode Digest);

public sealed record UpdatePreferencesRequest : IValidatableRequest, IValidatableObject
{
    public Severity? MinSeverity { get; init; }

    /// <summary>"22:00"; with quiet_end, messages wait (or low ones drop) in between.</summary>
    public TimeOnly? QuietStart { get; init; }

    public TimeOnly? QuietEnd { get; init; }

    /// <summary>false removes quiet hours; leaving quiet_start and quiet_end out keeps them as they are.</summary>
    public bool? QuietHours { get; init; }

    /// <summary>IANA time zone, e.g. Europe/Paris.</summary>
    [MaxLength(64)]
    public string? TimeZone { get; init; }

    public QuietMode? QuietMode { get; init; }

    public DigestMode? Digest { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if ((QuietStart is null) != (QuietEnd is null))
        {
            yield return new ValidationResult("Give both quiet_start and quiet_end, or neither.", [nameof(QuietStart)]);
        }
        if (QuietHours == false && QuietStart is not null)
        {
            yield return new ValidationResult("quiet_hours false removes quiet hours; leave quiet_start and quiet_end out.", [nameof(QuietHours)]);
        }
        if (TimeZone is { } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            yield return new ValidationResult($"Unknown time zone '{zone}'.", [nameof(TimeZone)]);
        }
    }
}

public sealed record DefaultChannelRequest : IValidatableRequest
{
    public ChannelType? Type { get; init; }

    [Required, StringLength(2048, MinimumLength = 1)]
    public string? Url { get; init; }

    public Dictionary<string, string>? Settings { get; init; }
}

public sealed record ChannelHealthDto(Guid Id, string Name, ChannelType Type, ChannelScope Scope, Guid? WorkspaceId, Guid? OwnerUserId, ChannelHealth Health, int ConsecutiveFailures, DateTime? LastSuccessAt, DateTime? LastFailureAt, string? LastError, int Pending, int Sent24h, int Failed24h);

public sealed record RaiseEventRequest : IValidatableRequest
{
    /// <summary>Event kind, <c>custom.</c> followed by your own name (e.g. <c>custom.backup_failed</c>).</summary>
    [Required, StringLength(100, MinimumLength = 8), RegularExpression(@"^custom\.[a-z0-9_.]+$", ErrorMessage = "The kind is custom. followed by lower-case letters, digits, '_' or '.'.")]
    public string? Kind { get; init; }

    /// <summary>What it is about, for subscriptions and cooldown (e.g. <c>backup:db1</c>).</summary>
    [Required, StringLength(300, MinimumLength = 1)]
    public string? Subject { get; init; }

    public Severity? Severity { get; init; }

    [Required, StringLength(500, MinimumLength = 1)]
    public string? Title { get; init; }

    [StringLength(8000)]
    public string? Body { get; init; }

    [MaxLength(25)]
    public Dictionary<string, string>? Fields { get; init; }

    [Url, StringLength(2000)]
    public string? Link { get; init; }

    /// <summary>The same kind and dedup key are recorded once.</summary>
    [StringLength(300)]
    public string? DedupKey { get; init; }

    /// <summary>Events with the same group key raised close together go out as one message (default: the kind).</summary>
    [StringLength(300)]
    public string? GroupKey { get; init; }
}

public sealed record RaisedEventDto(Guid? Id, bool Duplicate);
