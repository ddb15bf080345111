using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Notifications;

/// <summary>A user's delivery history and their notification preferences.</summary>
public sealed class DeliveryService(VigilDb db, AuditLog audit, TimeProvider clock, OutboxSignal signal, ICurrentWorkspace current)
{
    /// <summary>
    /// Deliveries addressed to the user, made through their own channels, or made through the shared channels of the
    /// workspace they act in (whose members see those channels), newest first, with attempts.
    /// </summary>
    public async Task<Page<DeliveryDto>> ListAsync(Guid userId, DeliveryQuery query, PageQuery page, CancellationToken ct)
    {
        var channels = db.Set<Channel>();
        var workspace = current.Id;
        var rows = db.Set<OutboxMessage>().AsNoTracking()
            .Where(o => o.RecipientUserId == userId
                || channels.Any(c => c.Id == o.ChannelId && ((c.Scope == ChannelScope.User && c.OwnerUserId == userId)
                    || (c.Scope == ChannelScope.Workspace && c.WorkspaceId == workspace))));
        if (query.StatusValue is { } status)
        {
            rows = rows.Where(o => o.Status == status);
        }
        if (query.ChannelId is { } channelId)
        {
            rows = rows.Where(o => o.ChannelId == channelId);
        }
        if (!string.IsNullOrWhiteSpace(query.Kind))
        {
            // The event's kind, not the row's group key: a digest or a group puts other words there.
            var kind = query.Kind.Trim().TrimEnd('*');
            var events = db.Set<AlertEvent>();
            rows = rows.Where(o => events.Any(e => e.Id == o.EventId && e.Kind.StartsWith(kind)));
        }
        if (query.Since is { } since)
        {
            var utc = since.ToUniversalTime();
            rows = rows.Where(o => o.CreatedAt >= utc);
        }
        var page1 = await rows
            .OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id)
            .Join(db.Set<AlertEvent>(), o => o.EventId, e => e.Id, (o, e) => new { o, e })
            .Join(channels, x => x.o.ChannelId, c => c.Id, (x, c) => new { x.o, x.e, c.Name, c.Type })
            .ToPageAsync(page, ct);
        var ids = page1.Items.Select(x => x.o.Id).ToList();
        var attempts = (await db.Set<DeliveryAttempt>().AsNoTracking().Where(a => ids.Contains(a.OutboxId)).ToListAsync(ct))
            .GroupBy(a => a.OutboxId).ToDictionary(g => g.Key, g => g.OrderBy(a => a.Number).Select(AttemptDto.From).ToList());
        return page1.Map(x => new DeliveryDto(x.o.Id, x.e.Id, x.e.Kind, x.e.Title, x.e.Severity, x.o.ChannelId, x.Name, x.Type, x.o.Status, x.o.Reason,
            x.o.Attempts, x.o.CreatedAt, x.o.DueAt, x.o.CompletedAt, x.o.LastError,
            attempts.GetValueOrDefault(x.o.Id) ?? (x.o.InlineAttempt is { } inline ? [inline] : [])));
    }

    public async Task<PreferencesDto> GetPreferencesAsync(Guid userId, CancellationToken ct)
    {
        var p = await db.Set<NotificationPreference>().AsNoTracking().SingleOrDefaultAsync(x => x.UserId == userId, ct) ?? new NotificationPreference { UserId = userId };
        return new PreferencesDto(p.MinSeverity, p.QuietStart, p.QuietEnd, p.TimeZone, p.QuietMode, p.Digest);
    }

    public async Task<PreferencesDto> UpdatePreferencesAsync(Guid userId, UpdatePreferencesRequest request, CancellationToken ct)
    {
        var p = await db.Set<NotificationPreference>().SingleOrDefaultAsync(x => x.UserId == userId, ct);
        if (p is null)
        {
            p = new NotificationPreference { UserId = userId };
            db.Set<NotificationPreference>().Add(p);
        }
        var before = new PreferencesDto(p.MinSeverity, p.QuietStart, p.QuietEnd, p.TimeZone, p.QuietMode, p.Digest);
        p.MinSeverity = request.MinSeverity ?? p.MinSeverity;
        if (request.QuietHours == false)
        {
            p.QuietStart = null;
            p.QuietEnd = null;
        }
        else if (request.QuietStart is not null || request.QuietEnd is not null)
        {
            p.QuietStart = request.QuietStart;
            p.QuietEnd = request.QuietEnd;
        }
        p.TimeZone = request.TimeZone ?? p.TimeZone;
        p.QuietMode = request.QuietMode ?? p.QuietMode;
        p.Digest = request.Digest ?? p.Digest;
        p.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        var after = new PreferencesDto(p.MinSeverity, p.QuietStart, p.QuietEnd, p.TimeZone, p.QuietMode, p.Digest);
        audit.Record("notifications.preferences.updated", "notification_preferences", userId, null, before, after);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        var moved = await RescheduleHeldAsync(p, ct);
        await transaction.CommitAsync(ct);
        if (moved > 0)
        {
            signal.Notify();
        }
        return after;
    }

    /// <summary>
    /// Messages held by the old preferences follow the new ones: held for quiet hours, they wait for the new window's end,
    /// or go now when quiet hours are off or over; held for a digest, they go at the new digest time, or now when digests
    /// are off. Rows a dispatcher holds (leased) are already on their way.
    /// </summary>
    async Task<int> RescheduleHeldAsync(NotificationPreference p, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var held = db.Set<OutboxMessage>().Where(o => o.RecipientUserId == p.UserId && o.Status == OutboxStatus.Pending && o.LeaseOwner == null);
        var quietUntil = QuietHours.EndOf(p, now) ?? now;
        var digestAt = p.Digest == DigestMode.Off ? now : QuietHours.NextDigest(p, now);
        return await held.Where(o => o.Reason == AlertPublisher.QuietHoursReason && o.DueAt != quietUntil).ExecuteUpdateAsync(u => u.SetProperty(o => o.DueAt, quietUntil), ct)
            + await held.Where(o => o.Reason == AlertPublisher.DigestReason && o.DueAt != digestAt).ExecuteUpdateAsync(u => u.SetProperty(o => o.DueAt, digestAt), ct);
    }
}
