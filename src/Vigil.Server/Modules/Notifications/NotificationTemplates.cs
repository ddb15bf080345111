namespace Vigil.Server.Modules.Notifications;

/// <summary>A kind's default wording, as Liquid templates over <c>event</c>, <c>events</c> and <c>count</c>.</summary>
public sealed record KindTemplate(string? Title = null, string? Body = null, string? GroupTitle = null, string? GroupBody = null);

/// <summary>
/// Per-kind default templates. Modules register theirs in <c>AddServices</c>:
/// <c>services.Configure&lt;NotificationTemplates&gt;(t =&gt; t.Kinds["restock.back_in_stock"] = new(GroupTitle: "{{ count }} datacenters back"))</c>.
/// </summary>
public sealed class NotificationTemplates
{
    public Dictionary<string, KindTemplate> Kinds { get; } = new(StringComparer.Ordinal);
}
