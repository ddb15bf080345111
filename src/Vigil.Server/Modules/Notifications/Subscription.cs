using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// A user's wish to hear about some events: a kind (<c>restock.back_in_stock</c>, or <c>restock.*</c>) and a subject
/// filter (<c>ovh:vps-le-2-2:*</c>; <c>*</c> and <c>?</c> are wildcards), delivered to the named channels or, when none
/// are named, to all of the user's. Modules expose these in their own words; the model is one.
/// </summary>
public sealed class Subscription
{
    public Guid Id { get; set; } = Ids.New();
    public Guid UserId { get; set; }

    /// <summary>The workspace whose events it follows; null for system-wide events (e.g. public restock status).</summary>
    public Guid? WorkspaceId { get; set; }

    /// <summary>The module that created it, for listing in its own words.</summary>
    public required string Module { get; set; }
    public required string KindPattern { get; set; }
    public required string SubjectPattern
    {
        get => _subjectPattern;
        set
        {
            _subjectPattern = value;
            SubjectPrefix = Glob.LiteralPrefix(value);
        }
    }

    string _subjectPattern = "";

    /// <summary>
    /// The pattern's text before its first wildcard, lower-cased: recipient lookup narrows candidates to those whose
    /// prefix starts the subject in SQL, then matches the whole pattern in memory.
    /// </summary>
    public string SubjectPrefix { get; private set; } = "";

    /// <summary>Space-separated channel ids; empty means all of the user's channels.</summary>
    public string ChannelIds { get; set; } = "";

    /// <summary>Module-specific options as JSON (debounce, datacenters, …).</summary>
    public string? Options { get; set; }
    public Severity? MinSeverity { get; set; }

    /// <summary>Overrides the channel's cooldown for this subscription's subjects.</summary>
    public int? CooldownSeconds { get; set; }
    public DateTime CreatedAt { get; set; }

    public IReadOnlyList<Guid> ChannelIdList =>
        [.. ChannelIds.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse)];
}

public enum QuietMode
{
    /// <summary>Messages wait and are delivered when quiet hours end.</summary>
    Hold,

    /// <summary>Info-level messages are dropped; warnings and critical ones wait.</summary>
    DropLow,
}

public enum DigestMode
{
    Off,
    Hourly,
    Daily,
}

/// <summary>How a user wants to be told: minimum severity, quiet hours, digest.</summary>
public sealed class NotificationPreference
{
    public Guid UserId { get; set; }
    public Severity MinSeverity { get; set; }

    /// <summary>Quiet hours in the user's time zone; both set or both null. May span midnight (22:00–07:00).</summary>
    public TimeOnly? QuietStart { get; set; }
    public TimeOnly? QuietEnd { get; set; }
    public string TimeZone { get; set; } = "UTC";
    public QuietMode QuietMode { get; set; }
    public DigestMode Digest { get; set; }
    public DateTime UpdatedAt { get; set; }
}

sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> b)
    {
        b.ToTable("notification_subscriptions");
        b.Property(s => s.Module).HasMaxLength(40);
        b.Property(s => s.KindPattern).HasMaxLength(100);
        b.Property(s => s.SubjectPattern).HasMaxLength(300);
        b.Property(s => s.SubjectPrefix).HasMaxLength(300);
        b.Property(s => s.ChannelIds).HasMaxLength(2000);
        b.Property(s => s.Options).HasMaxLength(4000);
        b.Property(s => s.MinSeverity).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(s => s.UserId);
        b.HasIndex(s => new { s.KindPattern, s.WorkspaceId });
    }
}

sealed class NotificationPreferenceConfiguration : IEntityTypeConfiguration<NotificationPreference>
{
    public void Configure(EntityTypeBuilder<NotificationPreference> b)
    {
        b.ToTable("notification_preferences");
        b.HasKey(p => p.UserId);
        b.Property(p => p.TimeZone).HasMaxLength(64);
        b.Property(p => p.MinSeverity).HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.QuietMode).HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.Digest).HasConversion<string>().HasMaxLength(20);
    }
}
