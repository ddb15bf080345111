using System.Net;
using System.Text;
using System.Text.Json;
using Fluid;
using Microsoft.Extensions.Options;
using Vigil.Server.Modules.Notifications.Channels;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Renders events into a message every channel can show (plain text, Markdown, HTML). Users may override the title and
/// body per channel with Liquid templates (settings <c>title_template</c>, <c>body_template</c>), which run sandboxed:
/// no file, network or reflection access, only the event's values.
/// </summary>
public sealed class MessageRenderer(IOptions<NotificationTemplates> templates)
{
    public const string TitleTemplate = "title_template";
    public const string BodyTemplate = "body_template";

    static readonly FluidParser Parser = new();
    static readonly TemplateOptions Options = CreateOptions();

    static TemplateOptions CreateOptions()
    {
        var options = new TemplateOptions { MaxSteps = 10_000, MaxRecursion = 10 };
        // Templates read snake_case names, like the API: event.title, event.occurred_at, event.fields.Plan.
        options.MemberAccessStrategy.MemberNameStrategy = MemberNameStrategies.SnakeCase;
        options.MemberAccessStrategy.Register<TemplateEvent>();
        options.MemberAccessStrategy.Register<MessageField>();
        TemplateSandbox.Harden(options);
        return options;
    }

    /// <summary>Checks a user template; returns the problem or null.</summary>
    public static string? Validate(string template) =>
        !Parser.TryParse(template, out var parsed, out var error) ? "Template error: " + error
        : TemplateSandbox.Problem(parsed) is { } limit ? "Template error: " + limit + "." : null;

    /// <summary>The kind of a digest message (webhook <c>type</c>), whatever kinds of event it collects.</summary>
    public const string DigestKind = "notifications.digest";

    /// <summary>
    /// One message for the events: one event's own words, a group's (events of one kind) under its first event, or with
    /// <paramref name="digest"/> a digest, which collects any kinds and so is labelled as a digest, never as its first event.
    /// </summary>
    public OutgoingMessage Render(IReadOnlyList<AlertEvent> events, string idempotencyKey, ChannelConfig? config, bool digest = false)
    {
        var ordered = events.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).ToList();
        var items = ordered.Select(e => new MessageItem(e.Title, e.Body, FieldsOf(e), e.Link, e.OccurredAt)).ToList();
        var first = ordered[0];
        var severity = ordered.Max(e => e.Severity);
        var single = ordered.Count == 1 && !digest;
        var title = digest ? DigestTitle(ordered) : single ? first.Title : $"{first.Title} (+{ordered.Count - 1} more)";
        var text = single ? first.Body : string.Join("\n", ordered.Select(e => $"• {e.Title}: {e.Body}"));
        // The kind's defaults (registered by its module; a digest has none, its events being of any kind) first, then
        // the channel owner's own templates.
        if (!digest && templates.Value.Kinds.TryGetValue(first.Kind, out var byKind))
        {
            var kindTitle = ordered.Count == 1 ? byKind.Title : byKind.GroupTitle ?? byKind.Title;
            title = kindTitle is null ? title : Apply(kindTitle, ordered) ?? title;
            var kindBody = ordered.Count == 1 ? byKind.Body : byKind.GroupBody ?? null;
            text = kindBody is null ? text : Apply(kindBody, ordered) ?? text;
        }
        if (config?.Setting(TitleTemplate) is { } titleTemplate)
        {
            title = Apply(titleTemplate, ordered) ?? title;
        }
        if (config?.Setting(BodyTemplate) is { } bodyTemplate)
        {
            text = Apply(bodyTemplate, ordered) ?? text;
        }
        var fields = single ? items[0].Fields : [];
        // A digest's events each keep their own link, in its items; no one of them is the digest's.
        var link = digest ? null : first.Link;
        return new OutgoingMessage(idempotencyKey, digest ? DigestKind : first.Kind, severity, title, text, Markdown(title, text, fields, link),
            Html(title, text, fields, link), fields, link, first.OccurredAt, single ? [] : items);
    }

    /// <summary>"Digest: 3 events (ops.disk, ops.cpu, ops.mem)": the count, then the kinds in the order they came (three at most named).</summary>
    static string DigestTitle(IReadOnlyList<AlertEvent> ordered)
    {
        var kinds = ordered.Select(e => e.Kind).Distinct(StringComparer.Ordinal).ToList();
        var named = string.Join(", ", kinds.Take(3)) + (kinds.Count > 3 ? $", +{kinds.Count - 3} more kinds" : "");
        return $"Digest: {ordered.Count} {(ordered.Count == 1 ? "event" : "events")} ({named})";
    }

    /// <summary>Templates parsed and bounded, by their text: a kind's template runs for every message of that kind.</summary>
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, IFluidTemplate?> PreparedTemplates = new(StringComparer.Ordinal);

    /// <summary>Most templates kept; past it the cache starts over.</summary>
    const int PreparedCacheSize = 1_000;

    /// <summary>The template parsed with its ranges bounded; null when it does not parse.</summary>
    static IFluidTemplate? Prepared(string template)
    {
        if (PreparedTemplates.TryGetValue(template, out var cached))
        {
            return cached;
        }
        if (PreparedTemplates.Count >= PreparedCacheSize)
        {
            PreparedTemplates.Clear();
        }
        var prepared = Parser.TryParse(template, out var parsed, out _) ? TemplateSandbox.Bounded(parsed) : null;
        PreparedTemplates[template] = prepared;
        return prepared;
    }

    /// <summary>Renders a template over the events; null (use the default) when it does not parse, runs away or fails.</summary>
    public static string? Apply(string template, IReadOnlyList<AlertEvent> events)
    {
        if (Prepared(template) is not { } parsed)
        {
            return null;
        }
        var context = new TemplateContext(Options);
        var list = events.Select(e => new TemplateEvent(e)).ToList();
        context.SetValue("event", list[0]);
        context.SetValue("events", list);
        context.SetValue("count", list.Count);
        try
        {
            return TemplateSandbox.Render(parsed, context);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A runaway template (a step, recursion, range or size limit) or one that fails on these values (a division
            // by zero): the message still goes out, with the default text.
            return null;
        }
    }

    public static IReadOnlyList<MessageField> FieldsOf(AlertEvent e) =>
        e.Fields is null
            ? []
            : [.. (JsonSerializer.Deserialize<Dictionary<string, string>>(e.Fields) ?? []).Select(kv => new MessageField(kv.Key, kv.Value))];

    static string Markdown(string title, string text, IReadOnlyList<MessageField> fields, string? link)
    {
        var md = new StringBuilder().Append("**").Append(title).Append("**\n\n").Append(text);
        foreach (var field in fields)
        {
            md.Append("\n- **").Append(field.Name).Append("**: ").Append(field.Value);
        }
        if (link is not null)
        {
            md.Append("\n\n[Open](").Append(link).Append(')');
        }
        return md.ToString();
    }

    static string Html(string title, string text, IReadOnlyList<MessageField> fields, string? link)
    {
        var html = new StringBuilder()
            .Append("<h2>").Append(WebUtility.HtmlEncode(title)).Append("</h2><p>")
            .Append(WebUtility.HtmlEncode(text).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        if (fields.Count > 0)
        {
            html.Append("<table>");
            foreach (var field in fields)
            {
                html.Append("<tr><th align=\"left\">").Append(WebUtility.HtmlEncode(field.Name)).Append("</th><td>").Append(WebUtility.HtmlEncode(field.Value)).Append("</td></tr>");
            }
            html.Append("</table>");
        }
        if (link is not null && Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(uri.ToString())).Append("\">Open</a></p>");
        }
        return html.ToString();
    }

    /// <summary>What templates see of an event.</summary>
    public sealed class TemplateEvent(AlertEvent e)
    {
        public string Title => e.Title;
        public string Body => e.Body;
        public string Kind => e.Kind;
        public string Subject => e.SubjectKey;
        public string Severity => e.Severity.ToString().ToLowerInvariant();
        public string? Link => e.Link;
        public IDictionary<string, object> Fields => FieldsOf(e).ToDictionary(f => f.Name, f => (object)f.Value);
        public DateTime OccurredAt => e.OccurredAt;
    }
}
