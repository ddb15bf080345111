using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// The restock settings an admin changes at run time (watched subsidiaries, check interval, notification threshold),
/// stored as system settings. A stored value wins over its environment variable; every cycle reads them afresh, so a
/// change takes effect on the next cycle of every replica, without a restart.
/// </summary>
public static class RestockSettings
{
    public const string Subsidiaries = "restock.subsidiaries";
    public const string CheckIntervalSeconds = "restock.check_interval_seconds";
    public const string NotificationThresholdMinutes = "restock.notification_threshold_minutes";

    static readonly string[] Keys = [Subsidiaries, CheckIntervalSeconds, NotificationThresholdMinutes];

    /// <summary>The longest interval an admin may set (as <c>CHECK_INTERVAL_SECONDS</c>).</summary>
    public const double MaxIntervalSeconds = 86_400;

    /// <summary>The longest threshold an admin may set (as <c>NOTIFICATION_THRESHOLD_MINUTES</c>).</summary>
    public const double MaxThresholdMinutes = 43_200;

    /// <summary>The configured options with the stored settings applied.</summary>
    public static async Task<RestockOptions> EffectiveAsync(VigilDb db, RestockOptions configured, CancellationToken ct)
    {
        var stored = await db.SystemSettings.AsNoTracking().Where(s => Keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, s => s.Value, ct);
        return stored.Count == 0 ? configured : configured.With(
            stored.GetValueOrDefault(Subsidiaries),
            Number(stored.GetValueOrDefault(CheckIntervalSeconds)) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Number(stored.GetValueOrDefault(NotificationThresholdMinutes)) is { } minutes ? TimeSpan.FromMinutes(minutes) : null);
    }

    /// <summary>The subsidiaries watched: the admin setting, else <c>OVH_SUBSIDIARIES</c>.</summary>
    public static async Task<IReadOnlyList<string>> WatchedSubsidiariesAsync(VigilDb db, RestockOptions configured, CancellationToken ct) =>
        (await EffectiveAsync(db, configured, ct)).SubsidiaryList;

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static double? Number(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && number >= 0 ? number : null;
}
