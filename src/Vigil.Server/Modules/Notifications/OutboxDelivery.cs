using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Http;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Sends one group of leased outbox rows as one message and records what happened: delivery attempts, the rows'
/// new state (sent, retry later with backoff, failed, dropped by cooldown), and the channel's health. Used by the
/// dispatcher and by the channel test button alike.
/// </summary>
public sealed class OutboxDelivery(
    IServiceScopeFactory scopes,
    DestinationLimiter limiter,
    TimeProvider clock,
    IOptions<NotificationsOptions> options)
{
    readonly NotificationsOptions _options = options.Value;

    /// <summary>
    /// Delivers rows of one (channel, group) that <paramref name="owner"/> holds the lease on, as one message, and records
    /// the outcome. A channel test passes <paramref name="test"/>: it ignores cooldown, pacing and a broken state.
    /// </summary>
    public async Task DeliverAsync(List<OutboxMessage> group, string owner, bool test, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<VigilDb>();
        var codec = services.GetRequiredService<ChannelCodec>();
        var now = clock.GetUtcNow().UtcDateTime;
        var channel = await db.Set<Channel>().SingleOrDefaultAsync(c => c.Id == group[0].ChannelId, ct);
        if (channel is null || (!test && (!channel.Enabled || channel.Health == ChannelHealth.Broken)))
        {
            await FinishAsync(db, owner, group, OutboxStatus.Dropped, channel is null ? "channel_deleted" : channel.Enabled ? "channel_broken" : "channel_disabled", null, now, ct);
            return;
        }
        var config = codec.Unprotect(channel.Type, channel.ConfigCipher);
        if (config is null)
        {
            await FinishAsync(db, owner, group, OutboxStatus.Failed, "undecryptable", "The channel's configuration cannot be decrypted (lost keys?).", now, ct);
            return;
        }

        // Cooldown: a destination hears about one subject at most once per cooldown.
        var sendable = new List<OutboxMessage>();
        foreach (var row in group)
        {
            var cooldown = test ? TimeSpan.Zero : CooldownFor(row, config);
            if (cooldown > TimeSpan.Zero)
            {
                var since = now - cooldown;
                var recent = await db.Set<OutboxMessage>().AsNoTracking().AnyAsync(o => o.ChannelId == row.ChannelId && o.SubjectKey == row.SubjectKey
                    && o.Status == OutboxStatus.Sent && o.CompletedAt > since, ct);
                if (recent)
                {
                    await FinishAsync(db, owner, [row], OutboxStatus.Dropped, "cooldown", null, now, ct);
                    continue;
                }
            }
            sendable.Add(row);
        }
        if (sendable.Count == 0)
        {
            return;
        }

        var driver = codec.Driver(channel.Type);
        var destination = channel.Type + ":" + driver.DestinationKey(config);
        if (limiter.TryAcquire(destination, driver.RateLimit) is { } wait && !test)
        {
            // Not an attempt: just not yet. Hand the rows back with a due time after the wait.
            await ReleaseAsync(db, owner, sendable, now + wait, ct);
            return;
        }

        var eventIds = sendable.Select(o => o.EventId).Distinct().ToList();
        var events = await db.Set<AlertEvent>().AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToListAsync(ct);
        var message = services.GetRequiredService<MessageRenderer>().Render(events, sendable[0].IdempotencyKey, config);
        var started = Stopwatch.GetTimestamp();
        SendResult result;
        try
        {
            result = await driver.SendAsync(config, message, ct);
        }
        catch (Exception e) when (OutboundHttp.IsBlocked(e))
        {
            result = SendResult.Permanent("Blocked: " + Innermost(e).Message);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutException
                                  || (e is TaskCanceledException or OperationCanceledException && !ct.IsCancellationRequested)
                                  || e is Polly.Timeout.TimeoutRejectedException)
        {
            result = SendResult.Transient(Innermost(e).Message);
        }
        var duration = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Outcome == DeliveryOutcome.Retry && result.RetryAfter is { } retryAfter)
        {
            limiter.Block(destination, retryAfter);
        }
        await RecordAsync(db, owner, channel, sendable, result, duration, now, ct);
    }

    TimeSpan CooldownFor(OutboxMessage row, ChannelConfig config)
    {
        if (row.CooldownSeconds is { } seconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (config.Setting("cooldown_seconds") is { } setting && int.TryParse(setting, out var fromChannel))
        {
            return TimeSpan.FromSeconds(fromChannel);
        }
        return _options.DefaultCooldown;
    }

    async Task RecordAsync(VigilDb db, string owner, Channel channel, List<OutboxMessage> rows, SendResult result, int duration, DateTime now, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        var tracked = await db.Set<OutboxMessage>().Where(o => ids.Contains(o.Id) && o.LeaseOwner == owner).ToListAsync(ct);
        if (tracked.Count == 0)
        {
            return; // our lease expired and someone else has these rows now
        }
        foreach (var row in tracked)
        {
            row.Attempts++;
            db.Set<DeliveryAttempt>().Add(new DeliveryAttempt
            {
                OutboxId = row.Id,
                Number = row.Attempts,
                StartedAt = now,
                DurationMs = duration,
                Outcome = result.Outcome,
                StatusCode = result.StatusCode,
                Error = Cut(result.Error, 1000),
                Response = Cut(result.Response, 600),
            });
            row.LeaseOwner = null;
            row.LeaseUntil = null;
            row.LastError = Cut(result.Error, 1000);
            switch (result.Outcome)
            {
                case DeliveryOutcome.Sent:
                    row.Status = OutboxStatus.Sent;
                    row.CompletedAt = now;
                    row.RemoteId = Cut(result.RemoteId, 200);
                    row.Reason = tracked.Count > 1 ? "grouped" : null;
                    break;
                case DeliveryOutcome.Retry when row.Attempts < _options.MaxAttempts:
                    row.DueAt = now + Backoff(row.Attempts, result.RetryAfter);
                    break;
                default:
                    row.Status = OutboxStatus.Failed;
                    row.CompletedAt = now;
                    row.Reason = result.Outcome switch
                    {
                        DeliveryOutcome.Gone => "destination_gone",
                        DeliveryOutcome.Retry => "retries_exhausted",
                        _ => "permanent_failure",
                    };
                    break;
            }
        }
        var failedForGood = tracked.Any(r => r.Status == OutboxStatus.Failed);
        UpdateHealth(channel, result, failedForGood, now);
        if (failedForGood && channel.OwnerToldAt is null && channel.OwnerUserId is { } channelOwner)
        {
            channel.OwnerToldAt = now;
            await TellOwnerAsync(db, channel, channelOwner, result, now, ct);
        }
        await db.SaveChangesAsync(ct);
    }

    static void UpdateHealth(Channel channel, SendResult result, bool failedForGood, DateTime now)
    {
        if (result.Outcome == DeliveryOutcome.Sent)
        {
            channel.Health = ChannelHealth.Healthy;
            channel.ConsecutiveFailures = 0;
            channel.LastSuccessAt = now;
            channel.OwnerToldAt = null;
            return;
        }
        channel.ConsecutiveFailures++;
        channel.LastFailureAt = now;
        channel.LastError = Cut(result.Error, 1000);
        if (result.Outcome == DeliveryOutcome.Gone)
        {
            channel.Health = ChannelHealth.Broken;
        }
        else if (failedForGood)
        {
            channel.Health = ChannelHealth.Unhealthy;
        }
    }

    /// <summary>Tells the channel's owner, once per episode, on their other working channels (never the failing one).</summary>
    static async Task TellOwnerAsync(VigilDb db, Channel failing, Guid owner, SendResult result, DateTime now, CancellationToken ct)
    {
        var others = await db.Set<Channel>().AsNoTracking()
            .Where(c => c.OwnerUserId == owner && c.Scope == ChannelScope.User && c.Id != failing.Id && c.Enabled && c.Health != ChannelHealth.Broken && c.Health != ChannelHealth.Unhealthy)
            .ToListAsync(ct);
        if (others.Count == 0)
        {
            return; // the channel list shows it unhealthy; there is no other way to reach them
        }
        var alert = new AlertEvent
        {
            WorkspaceId = failing.WorkspaceId,
            Kind = "notifications.channel_failing",
            SubjectKey = "channel:" + failing.Id,
            GroupKey = "channel:" + failing.Id,
            Severity = Severity.Warning,
            Title = $"Channel \"{failing.Name}\" is failing",
            Body = $"Messages to {failing.Type} channel \"{failing.Name}\" ({failing.MaskedTarget}) could not be delivered: {result.Error}. Check or test it in Vigil.",
            Fields = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["channel"] = failing.Name, ["type"] = failing.Type.ToString(), ["error"] = result.Error ?? "" }),
            OccurredAt = now,
        };
        db.Set<AlertEvent>().Add(alert);
        foreach (var channel in others)
        {
            db.Set<OutboxMessage>().Add(new OutboxMessage
            {
                EventId = alert.Id,
                ChannelId = channel.Id,
                RecipientUserId = owner,
                WorkspaceId = failing.WorkspaceId,
                Status = OutboxStatus.Pending,
                GroupKey = alert.Kind + "|" + alert.GroupKey,
                SubjectKey = alert.SubjectKey,
                Severity = alert.Severity,
                DueAt = now,
                IdempotencyKey = "evt_" + Guid.CreateVersion7().ToString("N"),
                CooldownSeconds = 0,
                CreatedAt = now,
            });
        }
    }

    /// <summary>Exponential backoff with ±20 % jitter, never sooner than the destination asked.</summary>
    TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = _options.BaseBackoff * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = exponential > _options.MaxBackoff ? _options.MaxBackoff : exponential;
        var jittered = capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }

    static async Task FinishAsync(VigilDb db, string owner, List<OutboxMessage> rows, OutboxStatus status, string reason, string? error, DateTime now, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        await db.Set<OutboxMessage>().Where(o => ids.Contains(o.Id) && o.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, status).SetProperty(o => o.Reason, reason).SetProperty(o => o.LastError, error)
                .SetProperty(o => o.CompletedAt, now).SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTime?)null), ct);
    }

    static async Task ReleaseAsync(VigilDb db, string owner, List<OutboxMessage> rows, DateTime dueAt, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        await db.Set<OutboxMessage>().Where(o => ids.Contains(o.Id) && o.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.DueAt, dueAt).SetProperty(o => o.LeaseOwner, (string?)null).SetProperty(o => o.LeaseUntil, (DateTime?)null), ct);
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }

    static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
