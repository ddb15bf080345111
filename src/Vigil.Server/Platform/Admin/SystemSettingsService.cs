using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Http;
using Vigil.Server.Platform.Secrets;

namespace Vigil.Server.Platform.Admin;

/// <summary>System settings as an admin sees them. Secrets are masked.</summary>
public sealed record AdminSettingsDto(bool AllowRegistration, string? DefaultNotificationChannel, DateTime? UpdatedAt);

public sealed record UpdateAdminSettingsRequest : IValidatableRequest
{
    /// <summary>Whether anyone may register.</summary>
    public bool? AllowRegistration { get; init; }

    /// <summary>URL of the system default notification channel (every alert goes there); empty string clears it.</summary>
    [MaxLength(2048)]
    public string? DefaultNotificationChannel { get; init; }
}

/// <summary>Run-time system settings; a stored value wins over the environment default.</summary>
public sealed class SystemSettingsService(VigilDb db, IOptions<AuthOptions> auth, SecretProtector secrets, UrlGuard urls, AuditLog audit, TimeProvider clock, IEnumerable<IDefaultChannel> defaultChannels)
{
    public const string AllowRegistrationKey = "allow_registration";
    public const string DefaultChannelKey = "default_notification_channel";

    public async Task<bool> AllowRegistrationAsync(CancellationToken ct)
    {
        var stored = await db.SystemSettings.AsNoTracking().Where(s => s.Key == AllowRegistrationKey).Select(s => s.Value).SingleOrDefaultAsync(ct);
        return stored is null ? auth.Value.AllowRegistration : bool.Parse(stored);
    }

    /// <summary>The decrypted default channel URL, for the notifications module only.</summary>
    public async Task<string?> DefaultChannelAsync(CancellationToken ct)
    {
        var stored = await db.SystemSettings.AsNoTracking().Where(s => s.Key == DefaultChannelKey).Select(s => s.Value).SingleOrDefaultAsync(ct);
        return stored is null ? null : secrets.Unprotect(stored);
    }

    public async Task<AdminSettingsDto> GetAsync(CancellationToken ct)
    {
        var rows = await db.SystemSettings.AsNoTracking().ToListAsync(ct);
        var allow = rows.FirstOrDefault(r => r.Key == AllowRegistrationKey)?.Value is { } a ? bool.Parse(a) : auth.Value.AllowRegistration;
        var channel = defaultChannels.FirstOrDefault() is { } module
            ? await module.MaskedTargetAsync(ct)
            : rows.FirstOrDefault(r => r.Key == DefaultChannelKey)?.Value is { } c ? SecretProtector.Mask(secrets.Unprotect(c)) : null;
        return new AdminSettingsDto(allow, channel, rows.Count == 0 ? null : rows.Max(r => r.UpdatedAt));
    }

    public async Task<Outcome<AdminSettingsDto>> UpdateAsync(UpdateAdminSettingsRequest request, Guid adminId, CancellationToken ct)
    {
        var module = defaultChannels.FirstOrDefault();
        if (module is null && request.DefaultNotificationChannel is { Length: > 0 } url && urls.CheckSyntax(url) is { } problem)
        {
            return Outcome.Invalid<AdminSettingsDto>("default_notification_channel", problem);
        }
        var before = await GetAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        string? maskedChannel = null;
        if (module is not null && request.DefaultNotificationChannel is { } target)
        {
            var set = await module.SetAsync(target.Length == 0 ? null : target, ct);
            if (!set.IsOk)
            {
                return set.Errors is { } errors
                    ? Outcome.Invalid<AdminSettingsDto>(errors.ToDictionary(e => "default_notification_channel", e => e.Value))
                    : set.As<AdminSettingsDto>();
            }
            maskedChannel = set.Value;
        }
        if (request.AllowRegistration is { } allow)
        {
            await SetAsync(AllowRegistrationKey, allow.ToString(CultureInfo.InvariantCulture), adminId, now, ct);
        }
        if (module is null && request.DefaultNotificationChannel is { } channel)
        {
            if (channel.Length == 0)
            {
                await db.SystemSettings.Where(s => s.Key == DefaultChannelKey).ExecuteDeleteAsync(ct);
            }
            else
            {
                await SetAsync(DefaultChannelKey, secrets.Protect(channel), adminId, now, ct);
            }
        }
        var after = new AdminSettingsDto(
            request.AllowRegistration ?? before.AllowRegistration,
            request.DefaultNotificationChannel is { } c ? (c.Length == 0 ? null : maskedChannel ?? SecretProtector.Mask(c)) : before.DefaultNotificationChannel,
            now);
        audit.Record("settings.updated", "system_settings", null, null, before with { UpdatedAt = null }, after with { UpdatedAt = null });
        await db.SaveChangesAsync(ct);
        return after;
    }

    async Task SetAsync(string key, string value, Guid adminId, DateTime now, CancellationToken ct)
    {
        var row = await db.SystemSettings.SingleOrDefaultAsync(s => s.Key == key, ct);
        if (row is null)
        {
            db.SystemSettings.Add(new SystemSetting { Key = key, Value = value, UpdatedAt = now, UpdatedByUserId = adminId });
        }
        else
        {
            row.Value = value;
            row.UpdatedAt = now;
            row.UpdatedByUserId = adminId;
        }
    }
}
