using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// What a module says happened. <paramref name="GroupKey"/> defaults to the kind, so same-kind events batch.
/// <paramref name="Audience"/> narrows the matching subscriptions further, for rules only the module understands (a
/// subscription's own options); <paramref name="SystemChannels"/> false keeps the event off the system default channel.
/// <paramref name="Cooldown"/> replaces every destination's cooldown for this event, for events the module already limits
/// itself (a state change told once each way: "failing", then "working again" a minute later, must both go out).
/// <paramref name="CooldownSubject"/> is what the cooldown counts as one subject when that is finer than
/// <paramref name="SubjectKey"/> (which subscriptions match): one plan and datacenter sold in two countries are two.
/// </summary>
public sealed record AlertInput(
    string Kind,
    Guid? WorkspaceId,
    string SubjectKey,
    Severity Severity,
    string Title,
    string Body,
    IReadOnlyDictionary<string, string>? Fields = null,
    string? Link = null,
    string? DedupKey = null,
    string? GroupKey = null,
    Func<Subscription, bool>? Audience = null,
    bool SystemChannels = true,
    TimeSpan? Cooldown = null,
    string? CooldownSubject = null);

/// <summary>
/// The one door into notifications. A module calls <see cref="RecordAsync"/> inside its own unit of work: the event and
/// one outbox row per (recipient, channel) are added to the same DbContext, so they commit with the module's change
/// or not at all. Nothing is sent here; the dispatcher delivers.
/// </summary>
public sealed class AlertPublisher(VigilDb db, TimeProvider clock, IOptions<NotificationsOptions> options, OutboxSignal signal)
{
    bool _hooked;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Adds the event and its deliveries to the caller's unit of work; null when the dedup key was seen before.</summary>
    public async Task<AlertEvent?> RecordAsync(AlertInput input, CancellationToken ct)
    {
        if (input.DedupKey is { } dedup
            && (await db.Set<AlertEvent>().AnyAsync(e => e.WorkspaceId == input.WorkspaceId && e.Kind == input.Kind && e.DedupKey == dedup, ct)
                || db.ChangeTracker.Entries<AlertEvent>().Any(e => e.Entity.WorkspaceId == input.WorkspaceId && e.Entity.Kind == input.Kind && e.Entity.DedupKey == dedup)))
        {
            return null;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var alert = new AlertEvent
        {
            WorkspaceId = input.WorkspaceId,
            Kind = input.Kind,
            SubjectKey = input.SubjectKey,
            GroupKey = input.GroupKey ?? input.Kind,
            Severity = input.Severity,
            Title = input.Title,
            Body = input.Body,
            Fields = input.Fields is { Count: > 0 } f ? JsonSerializer.Serialize(f, Json) : null,
            Link = input.Link,
            DedupKey = input.DedupKey,
            OccurredAt = now,
        };
        db.Set<AlertEvent>().Add(alert);
        if (!_hooked)
        {
            // Wake the local dispatcher once the caller's unit of work has committed the rows.
            db.SavedChanges += (_, _) => signal.Notify();
            _hooked = true;
        }
        foreach (var delivery in await ResolveAsync(alert, input.Audience, input.SystemChannels, ct))
        {
            await EnqueueAsync(alert, input.Cooldown is { } cooldown ? delivery with { CooldownSeconds = (int)cooldown.TotalSeconds } : delivery,
                input.CooldownSubject ?? alert.SubjectKey, now, ct);
        }
        return alert;
    }

    /// <summary>For callers with no unit of work of their own (the events API): records and commits.</summary>
    public async Task<AlertEvent?> PublishAsync(AlertInput input, CancellationToken ct)
    {
        var alert = await RecordAsync(input, ct);
        await db.SaveChangesAsync(ct);
        return alert;
    }

    /// <summary>One delivery target: a channel, who it is for, and that person's timing rules.</summary>
    sealed record Delivery(Channel Channel, Guid? UserId, int? CooldownSeconds, NotificationPreference? Preference);

    /// <summary>The system default channel, the workspace's channels, and the channels of every matching subscriber.</summary>
    async Task<List<Delivery>> ResolveAsync(AlertEvent alert, Func<Subscription, bool>? audience, bool systemChannels, CancellationToken ct)
    {
        var channels = db.Set<Channel>().AsNoTracking().Where(c => c.Enabled);
        var result = new List<Delivery>();
        if (systemChannels)
        {
            foreach (var system in await channels.Where(c => c.Scope == ChannelScope.System).ToListAsync(ct))
            {
                result.Add(new Delivery(system, null, null, null));
            }
        }
        if (alert.WorkspaceId is { } workspace)
        {
            foreach (var shared in await channels.Where(c => c.Scope == ChannelScope.Workspace && c.WorkspaceId == workspace).ToListAsync(ct))
            {
                result.Add(new Delivery(shared, null, null, null));
            }
        }

        var subject = alert.SubjectKey.ToLowerInvariant();
        var candidates = await db.Set<Subscription>().AsNoTracking()
            // The exact kind, or any pattern with a wildcard anywhere (restock.*, custom.*_done, custom.u?); Matches decides.
            .Where(s => s.WorkspaceId == alert.WorkspaceId
                        && (s.KindPattern == alert.Kind || EF.Functions.Like(s.KindPattern, "%*%") || EF.Functions.Like(s.KindPattern, "%?%")))
            .Where(s => s.SubjectPrefix == "" || subject.StartsWith(s.SubjectPrefix))
            .ToListAsync(ct);
        var matching = candidates.Where(s => Matches(s.KindPattern, alert.Kind) && Matches(s.SubjectPattern, alert.SubjectKey) && (audience is null || audience(s))).ToList();
        if (matching.Count == 0)
        {
            return result;
        }
        var userIds = matching.Select(s => s.UserId).Distinct().ToList();
        if (alert.WorkspaceId is { } ws)
        {
            // Only current members hear a workspace's events, whatever their subscriptions say.
            var members = await db.WorkspaceMembers.AsNoTracking().Where(m => m.WorkspaceId == ws && userIds.Contains(m.UserId)).Select(m => m.UserId).ToListAsync(ct);
            matching = [.. matching.Where(s => members.Contains(s.UserId))];
            userIds = [.. userIds.Where(members.Contains)];
        }
        var enabledUsers = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id) && !u.IsDisabled).Select(u => u.Id).ToListAsync(ct);
        // Only the channels these subscriptions reach: the named ones, or all of a user's where one names none.
        var named = matching.SelectMany(s => s.ChannelIdList).Distinct().ToList();
        var everyChannelOf = matching.Where(s => s.ChannelIdList.Count == 0).Select(s => s.UserId).Distinct().ToList();
        var userChannels = await channels
            .Where(c => c.Scope == ChannelScope.User && c.OwnerUserId != null && enabledUsers.Contains(c.OwnerUserId.Value))
            .Where(c => named.Contains(c.Id) || everyChannelOf.Contains(c.OwnerUserId!.Value))
            .ToListAsync(ct);
        // Shared channels a subscription names reach it while its owner is still a member there (not a viewer); a
        // workspace's events only its own.
        var sharedChannels = named.Count == 0 ? [] : await channels
            .Where(c => c.Scope == ChannelScope.Workspace && named.Contains(c.Id) && (alert.WorkspaceId == null || c.WorkspaceId == alert.WorkspaceId))
            .ToListAsync(ct);
        var sharedIn = sharedChannels.Select(c => c.WorkspaceId).Distinct().ToList();
        var sharing = sharedChannels.Count == 0 ? [] : (await db.WorkspaceMembers.AsNoTracking()
            .Where(m => enabledUsers.Contains(m.UserId) && sharedIn.Contains(m.WorkspaceId) && m.Role != WorkspaceRole.Viewer)
            .Select(m => new { m.UserId, m.WorkspaceId }).ToListAsync(ct)).Select(m => (m.UserId, (Guid?)m.WorkspaceId)).ToHashSet();
        var preferences = await db.Set<NotificationPreference>().AsNoTracking().Where(p => enabledUsers.Contains(p.UserId)).ToDictionaryAsync(p => p.UserId, ct);
        foreach (var subscription in matching.Where(s => enabledUsers.Contains(s.UserId)))
        {
            if (subscription.MinSeverity is { } min && alert.Severity < min)
            {
                continue;
            }
            var chosen = subscription.ChannelIdList;
            var targets = userChannels.Where(c => c.OwnerUserId == subscription.UserId && (chosen.Count == 0 || chosen.Contains(c.Id)));
            foreach (var channel in targets)
            {
                result.Add(new Delivery(channel, subscription.UserId, subscription.CooldownSeconds, preferences.GetValueOrDefault(subscription.UserId)));
            }
            // A shared channel keeps its own time: one member's quiet hours or digest do not hold the team's messages.
            foreach (var channel in sharedChannels.Where(c => chosen.Contains(c.Id) && sharing.Contains((subscription.UserId, c.WorkspaceId))))
            {
                result.Add(new Delivery(channel, subscription.UserId, subscription.CooldownSeconds, null));
            }
        }
        // One delivery per channel, whichever way it was reached.
        return [.. result.GroupBy(d => d.Channel.Id).Select(g => g.OrderBy(d => d.CooldownSeconds ?? int.MaxValue).First())];
    }

    async Task EnqueueAsync(AlertEvent alert, Delivery delivery, string cooldownSubject, DateTime now, CancellationToken ct)
    {
        var preference = delivery.Preference;
        var groupKey = alert.Kind + "|" + alert.GroupKey;
        var status = OutboxStatus.Pending;
        string? reason = null;
        DateTime? dueAt = null;
        if (preference is not null)
        {
            if (alert.Severity < preference.MinSeverity)
            {
                status = OutboxStatus.Dropped;
                reason = "below_minimum_severity";
            }
            else if (QuietHours.EndOf(preference, now) is { } quietEnd)
            {
                if (preference.QuietMode == QuietMode.DropLow && alert.Severity == Severity.Info)
                {
                    status = OutboxStatus.Dropped;
                    reason = QuietHoursReason;
                }
                else
                {
                    dueAt = quietEnd;
                    reason = QuietHoursReason;
                }
            }
            else if (preference.Digest != DigestMode.Off)
            {
                dueAt = QuietHours.NextDigest(preference, now);
                groupKey = DigestGroupPrefix + preference.Digest;
                reason = DigestReason;
            }
        }
        dueAt ??= await GroupDueAtAsync(delivery.Channel.Id, groupKey, now, ct);
        db.Set<OutboxMessage>().Add(new OutboxMessage
        {
            EventId = alert.Id,
            ChannelId = delivery.Channel.Id,
            RecipientUserId = delivery.UserId ?? (delivery.Channel.Scope == ChannelScope.User ? delivery.Channel.OwnerUserId : null),
            WorkspaceId = alert.WorkspaceId,
            Status = status,
            Reason = reason,
            GroupKey = groupKey,
            SubjectKey = cooldownSubject,
            Severity = alert.Severity,
            DueAt = dueAt.Value,
            IdempotencyKey = "evt_" + Ids.New().ToString("N"),
            CooldownSeconds = delivery.CooldownSeconds,
            CreatedAt = now,
            CompletedAt = status == OutboxStatus.Dropped ? now : null,
        });
    }

    /// <summary>A group flushes at one time: the first message of a group sets it, later ones within the window join it.</summary>
    async Task<DateTime> GroupDueAtAsync(Guid channelId, string groupKey, DateTime now, CancellationToken ct)
    {
        if (options.Value.GroupingWindow == TimeSpan.Zero)
        {
            return now;
        }
        var local = db.ChangeTracker.Entries<OutboxMessage>()
            .Where(e => e.State == EntityState.Added && e.Entity.ChannelId == channelId && e.Entity.GroupKey == groupKey && e.Entity.Status == OutboxStatus.Pending && e.Entity.DueAt > now)
            .Select(e => (DateTime?)e.Entity.DueAt).Min();
        if (local is { } pendingHere)
        {
            return pendingHere;
        }
        // A group still open was started within the window (its due time is its first message's time plus the window),
        // so the look-up is a short range of the (channel, group, created) index. SQLite is told to use it: left to
        // itself it walks every pending row due later, which in a burst is all of them.
        var opened = now - options.Value.GroupingWindow;
        var pending = nameof(OutboxStatus.Pending);
        var existing = db.Database.IsSqlite()
            ? await db.Database.SqlQuery<DateTime?>($"""
                SELECT min("DueAt") AS "Value" FROM notification_outbox INDEXED BY "IX_notification_outbox_ChannelId_GroupKey_CreatedAt"
                WHERE "ChannelId" = {SqliteValues.Id(channelId)} AND "GroupKey" = {groupKey} AND "CreatedAt" >= {opened}
                  AND "Status" = {pending} AND "LeaseOwner" IS NULL AND "Attempts" = 0 AND "DueAt" > {now}
                """).SingleAsync(ct)
            : await db.Set<OutboxMessage>().AsNoTracking()
                .Where(o => o.ChannelId == channelId && o.GroupKey == groupKey && o.CreatedAt >= opened
                            && o.Status == OutboxStatus.Pending && o.LeaseOwner == null && o.Attempts == 0 && o.DueAt > now)
                .MinAsync(o => (DateTime?)o.DueAt, ct);
        return existing ?? now + options.Value.GroupingWindow;
    }

    /// <summary>Why a row waits: the recipient's quiet hours, or their digest.</summary>
    public const string QuietHoursReason = "quiet_hours", DigestReason = "digest";

    /// <summary>How a digest's rows' group key starts; any other group key starts with its event's kind, which never is "digest".</summary>
    const string DigestGroupPrefix = "digest|";

    /// <summary>Whether rows of this group key go out as a digest (one message collecting events of any kind).</summary>
    public static bool IsDigest(string groupKey) => groupKey.StartsWith(DigestGroupPrefix, StringComparison.Ordinal);

    /// <summary>Glob match: <c>*</c> any run of characters, <c>?</c> one; case-insensitive.</summary>
    public static bool Matches(string pattern, string value) => Glob.Matches(pattern, value);
}
