using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Modules.Notifications;

/// <summary>Delivery tuning (section <c>Notifications</c>; environment variables <c>Notifications__*</c> map onto it).</summary>
public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>Events of one kind and group key raised within this window go to a destination as one message.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan GroupingWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A destination hears about the same subject at most once per cooldown (a channel or subscription may override).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan DefaultCooldown { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; doubles with each attempt, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a claimed message stays ours; after a crash another dispatcher takes it over then.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the dispatcher looks for due messages when idle.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most messages one pass claims; their bookkeeping costs a few statements per pass, not per message.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Messages sent at once by one dispatcher.</summary>
    [Range(1, 1000)]
    public int Concurrency { get; set; } = 32;

    /// <summary>Whether this worker runs the background dispatcher (tests drive passes by hand instead).</summary>
    public bool RunDispatcher { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "00:02:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
