using Microsoft.EntityFrameworkCore;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// The store-room tool's alert settings keep working: with no system default channel yet, <c>SLACK_WEBHOOK_URL</c>
/// makes one (Slack), or else <c>SMTP_SERVER</c> with <c>ALERT_EMAIL_TO</c> (and <c>ALERT_EMAIL_FROM</c>) makes an
/// email one. A channel an admin set is never replaced.
/// </summary>
public sealed partial class DefaultChannelFromEnvironment(IConfiguration configuration, VigilDb db, ChannelService channels, ILogger<DefaultChannelFromEnvironment> logger)
    : IStartupSeed
{
    public async Task SeedAsync(CancellationToken ct)
    {
        var request = Request();
        if (request is null || await db.Set<Channel>().AnyAsync(c => c.Scope == ChannelScope.System, ct))
        {
            return;
        }
        var set = await channels.SetDefaultAsync(request, ct);
        if (set.IsOk)
        {
            LogSet(logger, request.Type);
        }
        else
        {
            LogRefused(logger, string.Join("; ", set.Errors?.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")) ?? [set.Detail ?? "refused"]));
        }
    }

    DefaultChannelRequest? Request()
    {
        if (configuration["SLACK_WEBHOOK_URL"] is { Length: > 0 } slack)
        {
            return new DefaultChannelRequest { Type = ChannelType.Slack, Url = slack };
        }
        if (configuration["SMTP_SERVER"] is { Length: > 0 } server && configuration["ALERT_EMAIL_TO"] is { Length: > 0 } to)
        {
            var from = configuration["ALERT_EMAIL_FROM"] is { Length: > 0 } sender ? sender : to;
            return new DefaultChannelRequest
            {
                Type = ChannelType.Email,
                Url = server.Contains("://", StringComparison.Ordinal) ? server : "smtp://" + server,
                Settings = new Dictionary<string, string> { ["to"] = to, ["from"] = from },
            };
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "System default channel set from the environment ({Type}).")]
    static partial void LogSet(ILogger logger, ChannelType? type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert channel given in the environment (SLACK_WEBHOOK_URL or SMTP_SERVER) was not taken: {Problem}")]
    static partial void LogRefused(ILogger logger, string problem);
}
