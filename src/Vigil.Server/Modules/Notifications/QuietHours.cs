namespace Vigil.Server.Modules.Notifications;

/// <summary>Time arithmetic of preferences, in the user's own time zone.</summary>
public static class QuietHours
{
    /// <summary>When the quiet period that contains <paramref name="utcNow"/> ends (UTC), or null when it is not quiet now.</summary>
    public static DateTime? EndOf(NotificationPreference preference, DateTime utcNow)
    {
        if (preference.QuietStart is not { } start || preference.QuietEnd is not { } end || start == end)
        {
            return null;
        }
        var zone = Zone(preference.TimeZone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utcNow, zone);
        var time = TimeOnly.FromDateTime(local);
        var inside = start < end ? time >= start && time < end : time >= start || time < end;
        if (!inside)
        {
            return null;
        }
        var endDate = DateOnly.FromDateTime(local);
        if (start > end && time >= start)
        {
            endDate = endDate.AddDays(1); // spans midnight and we are before it
        }
        var localEnd = endDate.ToDateTime(end, DateTimeKind.Unspecified);
        return TimeZoneInfo.ConvertTimeToUtc(localEnd, zone);
    }

    /// <summary>The next digest boundary: the top of the next hour, or the next local 08:00.</summary>
    public static DateTime NextDigest(NotificationPreference preference, DateTime utcNow)
    {
        if (preference.Digest == DigestMode.Hourly)
        {
            var hour = new DateTime(utcNow.Year, utcNow.Month, utcNow.Day, utcNow.Hour, 0, 0, DateTimeKind.Utc);
            return hour.AddHours(1);
        }
        var zone = Zone(preference.TimeZone);
        var local = TimeZoneInfo.ConvertTimeFromUtc(utcNow, zone);
        var next = local.Date.AddHours(8);
        if (next <= local)
        {
            next = next.AddDays(1);
        }
        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(next, DateTimeKind.Unspecified), zone);
    }

    public static TimeZoneInfo Zone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
