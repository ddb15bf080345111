using System.Text.Json;
using Vigil.Server.Modules.Notifications;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// A restock subscription's own rules, stored as the Notifications subscription's options JSON: which subsidiary,
/// datacenters and OS track, how many polls in a row confirm a return, and the opt-ins (went-out alerts, pre-order
/// counts as in stock).
/// </summary>
public sealed record RestockSubscriptionOptions(
    string Subsidiary,
    string PlanCode,
    IReadOnlyList<string>? Datacenters = null,
    int ConfirmPolls = 1,
    bool OutOfStock = false,
    bool PreOrder = false,
    string Os = OvhClient.LinuxTrack)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static RestockSubscriptionOptions? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<RestockSubscriptionOptions>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Who hears a restock signal: the default rule for the admin channel and plain subscriptions, each subscriber's own rule otherwise.</summary>
public static class RestockAudience
{
    public const string Module = "restock";
    public const string BackInStockKind = "restock.back_in_stock";
    public const string OutOfStockKind = "restock.out_of_stock";
    public const string SourceFailingKind = "restock.source_failing";
    public const string SourceRecoveredKind = "restock.source_recovered";

    /// <summary>A stock alert's kind as a filter names it, in full or without its <c>restock.</c> prefix; null when it is none.</summary>
    public static string? AlertKind(string text) => text.Trim().ToLowerInvariant() switch
    {
        BackInStockKind or "back_in_stock" => BackInStockKind,
        OutOfStockKind or "out_of_stock" => OutOfStockKind,
        _ => null,
    };

    /// <summary>What subscriptions match: <c>ovh:{plan}:{datacenter}</c>, whatever the subsidiary and OS track.</summary>
    public static string Subject(string planCode, string datacenter) => $"ovh:{planCode}:{datacenter}";

    /// <summary>
    /// What a destination's cooldown counts as one subject: one way (back or out) of one datacenter's stock, in one
    /// subsidiary, on one OS track. The same plan back in GRA for FR and for CA is two alerts, not a repeat.
    /// </summary>
    public static string CooldownSubject(string kind, string subsidiary, string planCode, string datacenter, string track) =>
        $"{Subject(planCode, datacenter)}:{subsidiary}:{track}:{kind}";

    public static bool IsDefaultTrack(string track) => track is OvhClient.LinuxTrack or OvhClient.ServerTrack;

    /// <summary>The signal everyone hears: back in stock after the threshold, first poll, default OS track.</summary>
    public static bool IsDefault(StockSignal signal, string track) =>
        signal.BackInStock && signal.Rule == AvailabilityRule.InStockOnly && signal.ConfirmedPolls == 1 && IsDefaultTrack(track);

    public static string Label(StockSignal signal, string track) =>
        IsDefault(signal, track) ? "everyone"
        : !signal.BackInStock ? (signal.Rule == AvailabilityRule.PreOrderCounts ? "out_of_stock+preorder" : "out_of_stock")
        : (signal.Rule == AvailabilityRule.PreOrderCounts ? "preorder" : "in_stock") + (signal.ConfirmedPolls > 1 ? $"+confirm_{signal.ConfirmedPolls}" : "") + (IsDefaultTrack(track) ? "" : "+" + track);

    /// <summary>Whether a subscription wants this signal about (subsidiary, plan, datacenter, track).</summary>
    public static bool Accepts(Subscription subscription, StockSignal signal, string subsidiary, string planCode, string datacenter, string track)
    {
        var kind = signal.BackInStock ? BackInStockKind : OutOfStockKind;
        if (subscription.Module != Module)
        {
            // Plain subscriptions (kind + subject patterns) follow the default rule; went-out alerts only when named.
            return signal.BackInStock ? IsDefault(signal, track) : subscription.KindPattern == kind && signal.Rule == AvailabilityRule.InStockOnly && IsDefaultTrack(track);
        }
        var options = RestockSubscriptionOptions.Parse(subscription.Options);
        if (options is null)
        {
            return IsDefault(signal, track);
        }
        if (!string.Equals(options.PlanCode, planCode, StringComparison.Ordinal))
        {
            return false;
        }
        if (subsidiary.Length > 0 && !string.Equals(options.Subsidiary, subsidiary, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (options.Datacenters is { Count: > 0 } wanted && !wanted.Contains(datacenter, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }
        var expectedTrack = track == OvhClient.ServerTrack ? OvhClient.ServerTrack : options.Os;
        if (!string.Equals(track, expectedTrack, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (signal.Rule != (options.PreOrder ? AvailabilityRule.PreOrderCounts : AvailabilityRule.InStockOnly))
        {
            return false;
        }
        return signal.BackInStock ? signal.ConfirmedPolls == Math.Clamp(options.ConfirmPolls, 1, StockRule.MaxConfirmPolls) : options.OutOfStock;
    }
}
