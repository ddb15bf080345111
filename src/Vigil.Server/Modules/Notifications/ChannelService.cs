using Microsoft.EntityFrameworkCore;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Http;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Channels: a user's own (theirs in every workspace), a workspace's (members see them, managers change them) and the
/// system default (admins). A channel the caller may not see is reported missing.
/// </summary>
public sealed class ChannelService(
    VigilDb db,
    ChannelCodec codec,
    UrlGuard guard,
    WorkspaceService workspaces,
    ICurrentWorkspace current,
    OutboxDelivery delivery,
    AuditLog audit,
    TimeProvider clock)
{
    public async Task<Page<ChannelDto>> ListAsync(Guid userId, PageQuery page, CancellationToken ct)
    {
        var workspaceId = current.Id;
        var rows = await db.Set<Channel>().AsNoTracking()
            .Where(c => (c.Scope == ChannelScope.User && c.OwnerUserId == userId) || (c.Scope == ChannelScope.Workspace && c.WorkspaceId == workspaceId))
            .OrderBy(c => c.Scope).ThenBy(c => c.Name).ThenBy(c => c.Id)
            .ToPageAsync(page, ct);
        return rows.Map(c => ToDto(c));
    }

    /// <summary>A channel a subscription of the user may send to, named for a picker ("team · hook" for a shared one).</summary>
    public sealed record UsableChannel(Guid Id, string Label, ChannelScope Scope);

    /// <summary>
    /// The channels a user's subscriptions to system-wide events (restock) may name: their own, and the shared channels
    /// of every workspace where they are a member (not a viewer).
    /// </summary>
    public async Task<IReadOnlyList<UsableChannel>> UsableAsync(Guid userId, CancellationToken ct)
    {
        var sharing = db.WorkspaceMembers.Where(m => m.UserId == userId && m.Role != WorkspaceRole.Viewer).Select(m => m.WorkspaceId);
        var rows = await db.Set<Channel>().AsNoTracking()
            .Where(c => (c.Scope == ChannelScope.User && c.OwnerUserId == userId) || (c.Scope == ChannelScope.Workspace && sharing.Contains(c.WorkspaceId!.Value)))
            .Select(c => new { c.Id, c.Name, c.Scope, Workspace = db.Workspaces.Where(w => w.Id == c.WorkspaceId).Select(w => w.Name).FirstOrDefault() })
            .ToListAsync(ct);
        return [.. rows.OrderBy(c => c.Scope).ThenBy(c => c.Workspace, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .Select(c => new UsableChannel(c.Id, c.Scope == ChannelScope.Workspace ? $"{c.Workspace} · {c.Name}" : c.Name, c.Scope))];
    }

    public async Task<Outcome<ChannelDto>> GetAsync(Guid userId, Guid id, CancellationToken ct)
    {
        var (channel, _) = await FindAsync(userId, id, WorkspaceRole.Viewer, ct);
        return channel is null ? Outcome.Missing<ChannelDto>("No such channel.") : ToDto(channel);
    }

    public async Task<Outcome<ChannelDto>> CreateAsync(Guid userId, CreateChannelRequest request, CancellationToken ct)
    {
        var scope = request.Scope ?? ChannelScope.User;
        if (scope == ChannelScope.System)
        {
            return Outcome.Invalid<ChannelDto>("scope", "The system default channel is set under /api/v1/admin/default-channel.");
        }
        if (scope == ChannelScope.Workspace && current.Role < WorkspaceRole.Manager)
        {
            return Outcome.Forbidden<ChannelDto>("Only owners and managers add workspace channels.");
        }
        var interpreted = await InterpretAsync(request.Type, request.Url!, request.Settings, ct);
        if (!interpreted.IsOk)
        {
            return interpreted.As<ChannelDto>();
        }
        var (config, generatedSecret) = Signed(interpreted.Value!);
        var now = clock.GetUtcNow().UtcDateTime;
        var channel = new Channel
        {
            Scope = scope,
            WorkspaceId = scope == ChannelScope.Workspace ? current.Id : null,
            OwnerUserId = userId,
            Name = request.Name!.Trim(),
            Type = config.Type,
            ConfigCipher = codec.Protect(config),
            MaskedTarget = codec.Driver(config.Type).Mask(config),
            Health = ChannelHealth.Unknown,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Set<Channel>().Add(channel);
        audit.Record("notifications.channel.created", "channel", channel.Id, channel.WorkspaceId, after: new { channel.Name, channel.Type, channel.Scope, Target = channel.MaskedTarget });
        await db.SaveChangesAsync(ct);
        return ToDto(channel, config) with { SigningSecret = generatedSecret };
    }

    /// <summary>A native webhook given no signing secret gets a new one, shown once in the answer.</summary>
    static (ChannelConfig Config, string? Generated) Signed(ChannelConfig config)
    {
        if (config.Type != ChannelType.Webhook || config.Setting("format") == "apprise" || config.Setting(WebhookDriver.SecretSetting) is not null)
        {
            return (config, null);
        }
        var secret = WebhookDriver.NewSecret();
        return (config.With(WebhookDriver.SecretSetting, secret), secret);
    }

    public async Task<Outcome<ChannelDto>> UpdateAsync(Guid userId, Guid id, UpdateChannelRequest request, CancellationToken ct)
    {
        var (channel, failure) = await FindAsync(userId, id, WorkspaceRole.Manager, ct);
        if (channel is null)
        {
            return failure!.As<ChannelDto>();
        }
        var config = codec.Unprotect(channel.Type, channel.ConfigCipher);
        var before = new { channel.Name, Target = channel.MaskedTarget, channel.Enabled };
        string? generatedSecret = null;
        if (request.Url is not null || request.Settings is not null)
        {
            // Settings shown masked and sent back unchanged keep their stored value.
            var settings = request.Settings is { } given
                ? new Dictionary<string, string>(given, StringComparer.Ordinal)
                : new Dictionary<string, string>(config?.Settings ?? new Dictionary<string, string>());
            // A native webhook stays signed: new settings that do not name the signing secret keep the stored one.
            if (channel.Type == ChannelType.Webhook && config?.Setting(WebhookDriver.SecretSetting) is { } storedSecret
                && !settings.ContainsKey(WebhookDriver.SecretSetting))
            {
                settings[WebhookDriver.SecretSetting] = storedSecret;
            }
            if (config is not null)
            {
                var masked = codec.MaskedSettings(config);
                foreach (var (k, v) in settings.ToList())
                {
                    if (masked.TryGetValue(k, out var shown) && shown == v && config.Setting(k) is { } stored && stored != v)
                    {
                        settings[k] = stored;
                    }
                }
            }
            // The masked target (or masked Apprise URL) sent back unchanged keeps the stored URL, as masked settings do.
            var unchanged = request.Url is null || request.Url == channel.MaskedTarget || (config is not null && request.Url == codec.MaskedAppriseUrl(config));
            var url = unchanged ? config?.Url : request.Url;
            if (url is null)
            {
                return Outcome.Invalid<ChannelDto>("url", "The stored configuration cannot be read; give the URL again.");
            }
            var interpreted = await InterpretAsync(channel.Type, url, settings, ct);
            if (!interpreted.IsOk)
            {
                return interpreted.As<ChannelDto>();
            }
            (config, generatedSecret) = Signed(interpreted.Value!);
            channel.ConfigCipher = codec.Protect(config);
            channel.MaskedTarget = codec.Driver(config.Type).Mask(config);
            // A changed target deserves a fresh start.
            channel.Health = ChannelHealth.Unknown;
            channel.ConsecutiveFailures = 0;
            channel.OwnerToldAt = null;
        }
        if (request.Name is { } name)
        {
            channel.Name = name.Trim();
        }
        if (request.Enabled is { } enabled)
        {
            channel.Enabled = enabled;
        }
        channel.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record("notifications.channel.updated", "channel", channel.Id, channel.WorkspaceId, before, new { channel.Name, Target = channel.MaskedTarget, channel.Enabled });
        await db.SaveChangesAsync(ct);
        return ToDto(channel, config) with { SigningSecret = generatedSecret };
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid userId, Guid id, CancellationToken ct)
    {
        var (channel, failure) = await FindAsync(userId, id, WorkspaceRole.Manager, ct);
        if (channel is null)
        {
            return failure!.As<bool>();
        }
        db.Set<Channel>().Remove(channel);
        // Subscriptions that named it stop naming it; one that named only it could never deliver again, so it goes
        // too (rather than silently widening to all of its owner's channels).
        var text = channel.Id.ToString();
        foreach (var subscription in await db.Set<Subscription>().Where(s => s.ChannelIds.Contains(text)).ToListAsync(ct))
        {
            var rest = subscription.ChannelIdList.Where(c => c != channel.Id).ToList();
            if (rest.Count == subscription.ChannelIdList.Count)
            {
                continue;
            }
            if (rest.Count == 0)
            {
                db.Set<Subscription>().Remove(subscription);
                audit.Record("notifications.subscription.deleted", "subscription", subscription.Id, subscription.WorkspaceId,
                    before: new { subscription.Module, subscription.KindPattern, subscription.SubjectPattern, Reason = "its only channel was deleted" });
            }
            else
            {
                subscription.ChannelIds = string.Join(' ', rest);
            }
        }
        audit.Record("notifications.channel.deleted", "channel", channel.Id, channel.WorkspaceId, before: new { channel.Name, channel.Type, Target = channel.MaskedTarget });
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Sends a real test message now and says what happened; it shows in the delivery history too.</summary>
    public async Task<Outcome<DeliveryResultDto>> TestAsync(Guid userId, Guid id, CancellationToken ct)
    {
        // Sending acts on the channel: members may, viewers only read.
        var (channel, failure) = await FindAsync(userId, id, WorkspaceRole.Member, ct);
        if (channel is null)
        {
            return failure!.As<DeliveryResultDto>();
        }
        return await SendTestAsync(channel, userId, ct);
    }

    internal async Task<DeliveryResultDto> SendTestAsync(Channel channel, Guid? userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var owner = "test/" + Guid.NewGuid().ToString("N");
        var alert = new AlertEvent
        {
            WorkspaceId = channel.WorkspaceId,
            Kind = "notifications.test",
            SubjectKey = "channel:" + channel.Id,
            GroupKey = "test:" + Guid.NewGuid().ToString("N"),
            Severity = Severity.Info,
            Title = "Vigil test message",
            Body = $"This is a test of the {EnumText.Name(channel.Type)} channel \"{channel.Name}\". If you can read it, it works.",
            OccurredAt = now,
        };
        var row = new OutboxMessage
        {
            EventId = alert.Id,
            ChannelId = channel.Id,
            RecipientUserId = userId,
            WorkspaceId = channel.WorkspaceId,
            Status = OutboxStatus.Pending,
            GroupKey = alert.Kind + "|" + alert.GroupKey,
            SubjectKey = alert.SubjectKey,
            Severity = Severity.Info,
            DueAt = now,
            // Leased to this request, so no dispatcher takes it meanwhile; after a crash the lease expires and it is retried like any other.
            LeaseOwner = owner,
            LeaseUntil = now.AddMinutes(2),
            IdempotencyKey = "evt_" + Ids.New().ToString("N"),
            CooldownSeconds = 0,
            CreatedAt = now,
        };
        db.Set<AlertEvent>().Add(alert);
        db.Set<OutboxMessage>().Add(row);
        await db.SaveChangesAsync(ct);
        await delivery.DeliverAsync([[row]], owner, test: true, ct);
        var after = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync(o => o.Id == row.Id, ct);
        var recorded = await db.Set<DeliveryAttempt>().AsNoTracking().Where(a => a.OutboxId == row.Id).OrderByDescending(a => a.Number).FirstOrDefaultAsync(ct);
        var attempt = recorded is null ? after.InlineAttempt : AttemptDto.From(recorded);
        if (after.Status == OutboxStatus.Pending && attempt is not null)
        {
            // A test is one attempt: do not leave it queued for retries.
            await db.Set<OutboxMessage>().Where(o => o.Id == row.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, OutboxStatus.Failed).SetProperty(o => o.Reason, "test_failed").SetProperty(o => o.CompletedAt, now), ct);
        }
        var status = attempt?.Outcome == DeliveryOutcome.Sent ? "sent" : "failed";
        return new DeliveryResultDto(row.Id, status, attempt?.Outcome ?? DeliveryOutcome.Failed, attempt?.StatusCode, attempt?.Error ?? after.LastError, attempt?.Response, attempt?.DurationMs ?? 0);
    }

    /// <summary>Reads what the user typed into a configuration and checks the target is one we may reach.</summary>
    /// <summary>Holds the mark answers put where a secret was.</summary>
    static bool IsMasked(string value) => value.Contains(MaskMark, StringComparison.Ordinal);

    const string MaskMark = "••••";

    /// <summary>Most settings a channel holds, and the longest name and value (a template is the longest there is).</summary>
    const int MaxSettings = 50, MaxSettingName = 64, MaxSettingValue = 10_000;

    /// <summary>What is wrong with a channel's settings, by field; null when nothing is.</summary>
    static (string Field, string Message)? SettingsProblem(IReadOnlyDictionary<string, string>? settings)
    {
        if (settings is null)
        {
            return null;
        }
        if (settings.Count > MaxSettings)
        {
            return ("settings", $"At most {MaxSettings} settings.");
        }
        foreach (var (key, value) in settings)
        {
            if (key.Length is 0 or > MaxSettingName || key.Any(char.IsControl))
            {
                return ("settings", $"Setting names are 1-{MaxSettingName} characters without control characters.");
            }
            // JSON null arrives here although the type says otherwise.
            if (value is null)
            {
                return ("settings." + key, "A setting is a string; leave it out rather than null.");
            }
            if (value.Length > MaxSettingValue)
            {
                return ("settings." + key, $"At most {MaxSettingValue} characters.");
            }
        }
        return null;
    }

    internal async Task<Outcome<ChannelConfig>> InterpretAsync(ChannelType? type, string url, IReadOnlyDictionary<string, string>? settings, CancellationToken ct)
    {
        if (url.Any(char.IsControl) || Uri.UnescapeDataString(url).Any(char.IsControl))
        {
            return Outcome.Invalid<ChannelConfig>("url", "The URL holds control characters.");
        }
        // A value copied from an answer, where secrets are shown masked, would otherwise become the secret itself.
        if (IsMasked(url) || IsMasked(Uri.UnescapeDataString(url)))
        {
            return Outcome.Invalid<ChannelConfig>("url", "The URL holds a masked value (••••••); give the real secret.");
        }
        if (SettingsProblem(settings) is { } settingsProblem)
        {
            return Outcome.Invalid<ChannelConfig>(settingsProblem.Field, settingsProblem.Message);
        }
        if (settings?.FirstOrDefault(s => IsMasked(s.Value)) is { Key: { } maskedKey })
        {
            return Outcome.Invalid<ChannelConfig>("settings." + maskedKey, "This is a masked value (••••••); give the real secret.");
        }
        ChannelConfig config;
        try
        {
            config = codec.Interpret(type, url, settings);
        }
        catch (ChannelConfigException e)
        {
            return Outcome.Invalid<ChannelConfig>(e.Field, e.Message);
        }
        foreach (var key in new[] { MessageRenderer.TitleTemplate, MessageRenderer.BodyTemplate })
        {
            if (config.Setting(key) is { } template && MessageRenderer.Validate(template) is { } problem)
            {
                return Outcome.Invalid<ChannelConfig>("settings." + key, problem);
            }
        }
        if (config.Setting("cooldown_seconds") is { } cooldown && (!int.TryParse(cooldown, out var seconds) || seconds < 0))
        {
            return Outcome.Invalid<ChannelConfig>("settings.cooldown_seconds", "A whole number of seconds, 0 or more.");
        }
        if (config.Setting(ChannelDriver.RateLimitSetting) is { } rate && !RateLimit.TryParsePerSecond(rate, out _))
        {
            return Outcome.Invalid<ChannelConfig>("settings." + ChannelDriver.RateLimitSetting,
                $"Messages per second: a number from 0 (no pacing) to {RateLimit.MaxPerSecond:0}; 0.5 is one every 2 s.");
        }
        if (Uri.TryCreate(config.Url, UriKind.Absolute, out var target))
        {
            // A name that does not resolve from here is accepted: the connect-time guard still applies to every send.
            var problem = target.Scheme is "http" or "https"
                ? await guard.CheckAsync(config.Url, ct, requireResolvable: false)
                : await guard.CheckAsync($"http://{target.Authority}/", ct, requireResolvable: false);
            if (problem is not null)
            {
                return Outcome.Invalid<ChannelConfig>("url", problem);
            }
        }
        return config;
    }

    /// <summary>The channel, if the user may see it and their role in its workspace is at least <paramref name="needed"/>.</summary>
    async Task<(Channel? Channel, Outcome<bool>? Failure)> FindAsync(Guid userId, Guid id, WorkspaceRole needed, CancellationToken ct)
    {
        var channel = await db.Set<Channel>().SingleOrDefaultAsync(c => c.Id == id, ct);
        var missing = Outcome.Missing<bool>("No such channel.");
        switch (channel?.Scope)
        {
            case ChannelScope.User when channel.OwnerUserId == userId:
                return (channel, null);
            case ChannelScope.Workspace when channel.WorkspaceId is { } ws:
                var role = await workspaces.RoleOfAsync(userId, ws, ct);
                if (role is null)
                {
                    return (null, missing);
                }
                if (role < needed)
                {
                    return (null, Outcome.Forbidden<bool>(needed >= WorkspaceRole.Manager
                        ? "Only owners and managers change workspace channels."
                        : "Viewers only read workspace channels; members send test messages."));
                }
                return (channel, null);
            default:
                return (null, missing);
        }
    }

    ChannelDto ToDto(Channel c, ChannelConfig? config = null)
    {
        config ??= codec.Unprotect(c.Type, c.ConfigCipher);
        var settings = config is null ? new Dictionary<string, string>() : codec.MaskedSettings(config);
        return new ChannelDto(c.Id, c.Name, c.Type, c.Scope, c.WorkspaceId, c.MaskedTarget, settings, c.Enabled, c.Health,
            c.ConsecutiveFailures, c.LastSuccessAt, c.LastFailureAt, c.LastError, c.CreatedAt, config is null ? null : codec.MaskedAppriseUrl(config));
    }

    /// <summary>The system default channel (admins): receives every event.</summary>
    public async Task<ChannelDto?> GetDefaultAsync(CancellationToken ct)
    {
        var channel = await db.Set<Channel>().AsNoTracking().FirstOrDefaultAsync(c => c.Scope == ChannelScope.System, ct);
        return channel is null ? null : ToDto(channel);
    }

    public async Task<Outcome<ChannelDto>> SetDefaultAsync(DefaultChannelRequest request, CancellationToken ct)
    {
        var interpreted = await InterpretAsync(request.Type, request.Url!, request.Settings, ct);
        if (!interpreted.IsOk)
        {
            return interpreted.As<ChannelDto>();
        }
        var (config, generatedSecret) = Signed(interpreted.Value!);
        var now = clock.GetUtcNow().UtcDateTime;
        var channel = await db.Set<Channel>().FirstOrDefaultAsync(c => c.Scope == ChannelScope.System, ct);
        var before = channel is null ? null : new { channel.Type, Target = channel.MaskedTarget };
        if (channel is null)
        {
            channel = new Channel { Scope = ChannelScope.System, Name = "System default", ConfigCipher = "", MaskedTarget = "", CreatedAt = now };
            db.Set<Channel>().Add(channel);
        }
        channel.Type = config.Type;
        channel.ConfigCipher = codec.Protect(config);
        channel.MaskedTarget = codec.Driver(config.Type).Mask(config);
        channel.Health = ChannelHealth.Unknown;
        channel.ConsecutiveFailures = 0;
        channel.Enabled = true;
        channel.UpdatedAt = now;
        audit.Record("notifications.default_channel.set", "channel", channel.Id, null, before, new { channel.Type, Target = channel.MaskedTarget });
        await db.SaveChangesAsync(ct);
        return ToDto(channel, config) with { SigningSecret = generatedSecret };
    }

    public async Task<bool> RemoveDefaultAsync(CancellationToken ct)
    {
        var channel = await db.Set<Channel>().FirstOrDefaultAsync(c => c.Scope == ChannelScope.System, ct);
        if (channel is null)
        {
            return false;
        }
        db.Set<Channel>().Remove(channel);
        audit.Record("notifications.default_channel.removed", "channel", channel.Id, null, before: new { channel.Type, Target = channel.MaskedTarget });
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Outcome<DeliveryResultDto>> TestDefaultAsync(Guid adminId, CancellationToken ct)
    {
        var channel = await db.Set<Channel>().FirstOrDefaultAsync(c => c.Scope == ChannelScope.System, ct);
        return channel is null ? Outcome.Missing<DeliveryResultDto>("No default channel is set.") : await SendTestAsync(channel, adminId, ct);
    }

    /// <summary>Every channel's health with recent counts, for admins.</summary>
    public async Task<Page<ChannelHealthDto>> HealthAsync(PageQuery page, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime.AddDays(-1);
        var outbox = db.Set<OutboxMessage>();
        return await db.Set<Channel>().AsNoTracking()
            .OrderBy(c => c.Health == ChannelHealth.Broken ? 0 : c.Health == ChannelHealth.Unhealthy ? 1 : c.Health == ChannelHealth.Unknown ? 2 : 3)
            .ThenBy(c => c.Name).ThenBy(c => c.Id)
            .Select(c => new ChannelHealthDto(c.Id, c.Name, c.Type, c.Scope, c.WorkspaceId, c.OwnerUserId, c.Health, c.ConsecutiveFailures,
                c.LastSuccessAt, c.LastFailureAt, c.LastError,
                outbox.Count(o => o.ChannelId == c.Id && o.Status == OutboxStatus.Pending),
                outbox.Count(o => o.ChannelId == c.Id && o.Status == OutboxStatus.Sent && o.CompletedAt > since),
                outbox.Count(o => o.ChannelId == c.Id && o.Status == OutboxStatus.Failed && o.CompletedAt > since)))
            .ToPageAsync(page, ct);
    }
}

/// <summary>Lets admin settings read and write the default channel kept here.</summary>
public sealed class DefaultChannelSeam(ChannelService channels) : IDefaultChannel
{
    public async Task<string?> MaskedTargetAsync(CancellationToken ct) => (await channels.GetDefaultAsync(ct))?.Target;

    public async Task<Outcome<string?>> SetAsync(string? url, CancellationToken ct)
    {
        if (url is null)
        {
            await channels.RemoveDefaultAsync(ct);
            return Outcome.Ok<string?>(null);
        }
        var set = await channels.SetDefaultAsync(new DefaultChannelRequest { Url = url }, ct);
        return set.IsOk ? Outcome.Ok<string?>(set.Value!.Target) : set.As<string?>();
    }
}
