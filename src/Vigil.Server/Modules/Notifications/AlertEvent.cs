using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>Something a module decided matters. Written in the same transaction as the change that caused it.</summary>
public sealed class AlertEvent
{
    public Guid Id { get; set; } = Ids.New();

    /// <summary>Null for system-wide events (public restock status); otherwise only that workspace hears it.</summary>
    public Guid? WorkspaceId { get; set; }
    public required string Kind { get; set; }
    public required string SubjectKey { get; set; }

    /// <summary>Events of one kind and group key raised close together go out as one message.</summary>
    public required string GroupKey { get; set; }
    public Severity Severity { get; set; }
    public required string Title { get; set; }
    public required string Body { get; set; }

    /// <summary>Structured fields as a JSON object of strings.</summary>
    public string? Fields { get; set; }
    public string? Link { get; set; }
    public string? DedupKey { get; set; }
    public DateTime OccurredAt { get; set; }
}

public enum OutboxStatus
{
    Pending,
    Sent,
    Failed,
    Dropped,
}

/// <summary>One (event, channel) delivery to make. Claimed with a lease, so a crash mid-send only ever repeats it once.</summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; } = Ids.New();
    public Guid EventId { get; set; }
    public Guid ChannelId { get; set; }

    /// <summary>The user it is for (subscriber or channel owner); null for workspace and system channels.</summary>
    public Guid? RecipientUserId { get; set; }

    /// <summary>The workspace of the event, copied for scoping reads.</summary>
    public Guid? WorkspaceId { get; set; }
    public OutboxStatus Status { get; set; }

    /// <summary>Why it was dropped or held (cooldown, quiet_hours, severity, channel_broken, …).</summary>
    public string? Reason { get; set; }
    public required string GroupKey { get; set; }

    /// <summary>What the cooldown counts as one subject: the event's subject, or a finer key the module gave.</summary>
    public required string SubjectKey { get; set; }
    public Severity Severity { get; set; }
    public DateTime DueAt { get; set; }
    public int Attempts { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntil { get; set; }

    /// <summary>Stable across retries; the webhook channel sends it as <c>webhook-id</c>.</summary>
    public required string IdempotencyKey { get; set; }
    public int? CooldownSeconds { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>
    /// Recipients of a channel with several (Telegram chats, SMS numbers) that already accepted this message: a retry
    /// sends only to the others. Comma-separated; null when none, or the channel has one recipient.
    /// </summary>
    public string? Delivered { get; set; }
    public string? RemoteId { get; set; }

    /// <summary>
    /// A message delivered at its first try keeps that attempt here (started at <see cref="CompletedAt"/>) instead
    /// of in <c>notification_attempts</c>: the common case costs one row written, not two. Null otherwise.
    /// </summary>
    public int? FirstDurationMs { get; set; }

    /// <summary>The status code of the first-try delivery kept on the row (see <see cref="FirstDurationMs"/>).</summary>
    public int? FirstStatusCode { get; set; }

    /// <summary>The response excerpt of the first-try delivery kept on the row (see <see cref="FirstDurationMs"/>).</summary>
    public string? FirstResponse { get; set; }

    /// <summary>The attempt kept on the row, if it has one.</summary>
    public AttemptDto? InlineAttempt => FirstDurationMs is { } duration && CompletedAt is { } at
        ? new AttemptDto(1, at, duration, DeliveryOutcome.Sent, FirstStatusCode, null, FirstResponse)
        : null;
}

/// <summary>What one attempt to deliver achieved.</summary>
public sealed class DeliveryAttempt
{
    public long Id { get; set; }
    public Guid OutboxId { get; set; }
    public int Number { get; set; }
    public DateTime StartedAt { get; set; }
    public int DurationMs { get; set; }
    public DeliveryOutcome Outcome { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public string? Response { get; set; }
}

sealed class AlertEventConfiguration : IEntityTypeConfiguration<AlertEvent>
{
    public void Configure(EntityTypeBuilder<AlertEvent> b)
    {
        b.ToTable("alert_events");
        b.Property(e => e.Kind).HasMaxLength(100);
        b.Property(e => e.SubjectKey).HasMaxLength(300);
        b.Property(e => e.GroupKey).HasMaxLength(300);
        b.Property(e => e.Title).HasMaxLength(500);
        b.Property(e => e.Body).HasMaxLength(8000);
        b.Property(e => e.Fields).HasMaxLength(8000);
        b.Property(e => e.Link).HasMaxLength(2000);
        b.Property(e => e.DedupKey).HasMaxLength(300);
        b.Property(e => e.Severity).HasConversion<string>().HasMaxLength(20);
        // A dedup key is its workspace's own (system events, with no workspace, share one space).
        b.HasIndex(e => new { e.WorkspaceId, e.Kind, e.DedupKey }).IsUnique().HasFilter("\"DedupKey\" IS NOT NULL");
        b.HasIndex(e => new { e.WorkspaceId, e.OccurredAt });
    }
}

sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("notification_outbox");
        b.Property(o => o.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.Severity).HasConversion<string>().HasMaxLength(20);
        b.Property(o => o.Reason).HasMaxLength(100);
        b.Property(o => o.GroupKey).HasMaxLength(400);
        b.Property(o => o.SubjectKey).HasMaxLength(300);
        b.Property(o => o.LeaseOwner).HasMaxLength(100);
        b.Property(o => o.IdempotencyKey).HasMaxLength(100);
        b.Property(o => o.LastError).HasMaxLength(1000);
        b.Property(o => o.Delivered).HasMaxLength(4000);
        b.Property(o => o.RemoteId).HasMaxLength(200);
        b.Property(o => o.FirstResponse).HasMaxLength(600);
        b.Ignore(o => o.InlineAttempt);
        b.HasIndex(o => new { o.Status, o.DueAt });
        // The two indexes led by the channel end in the creation time, which never changes: a row that is sent, retried
        // or dropped updates neither (each would be a random page per delivery). Their readers bound the creation time.
        b.HasIndex(o => new { o.ChannelId, o.GroupKey, o.CreatedAt });
        b.HasIndex(o => new { o.ChannelId, o.SubjectKey, o.CreatedAt });
        b.HasIndex(o => new { o.RecipientUserId, o.CreatedAt });
        b.HasIndex(o => o.EventId);
        b.HasOne<AlertEvent>().WithMany().HasForeignKey(o => o.EventId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Channel>().WithMany().HasForeignKey(o => o.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class DeliveryAttemptConfiguration : IEntityTypeConfiguration<DeliveryAttempt>
{
    public void Configure(EntityTypeBuilder<DeliveryAttempt> b)
    {
        b.ToTable("notification_attempts");
        b.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.Error).HasMaxLength(1000);
        b.Property(a => a.Response).HasMaxLength(600);
        b.HasIndex(a => a.OutboxId);
        b.HasOne<OutboxMessage>().WithMany().HasForeignKey(a => a.OutboxId).OnDelete(DeleteBehavior.Cascade);
    }
}
