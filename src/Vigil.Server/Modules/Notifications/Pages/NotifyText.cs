using MudBlazor;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Modules.Notifications.Pages;

/// <summary>How the notification pages name and colour things: the API's snake_case names, one colour per state.</summary>
public static class NotifyText
{
    public static readonly IReadOnlyList<ChannelType> Types = Enum.GetValues<ChannelType>();

    public static string Name<T>(T value) where T : struct, Enum => EnumText.Name(value);

    public static Color HealthColor(ChannelHealth health) => health switch
    {
        ChannelHealth.Healthy => Color.Success,
        ChannelHealth.Unhealthy => Color.Warning,
        ChannelHealth.Broken => Color.Error,
        _ => Color.Default,
    };

    public static Color StatusColor(OutboxStatus status) => status switch
    {
        OutboxStatus.Sent => Color.Success,
        OutboxStatus.Failed => Color.Error,
        OutboxStatus.Dropped => Color.Warning,
        _ => Color.Info,
    };

    public static Color OutcomeColor(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Sent => Color.Success,
        DeliveryOutcome.Retry => Color.Warning,
        _ => Color.Error,
    };

    /// <summary>The first error of a field, for a field's ErrorText; null when it has none.</summary>
    public static string? ErrorOf(IReadOnlyDictionary<string, string[]>? errors, string field) =>
        errors is not null && errors.TryGetValue(field, out var messages) && messages.Length > 0 ? string.Join(" ", messages) : null;

    /// <summary>Errors of the settings (<c>settings.*</c>), one line each.</summary>
    public static IEnumerable<string> SettingErrors(IReadOnlyDictionary<string, string[]>? errors) =>
        errors is null ? [] : errors.Where(e => e.Key.StartsWith("settings", StringComparison.Ordinal)).SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"));
}
