using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Modules.Restock;

/// <summary>
/// <c>GET /api/v1/restock/status/stream</c> as Server-Sent Events: a <c>snapshot</c> event (what <c>/status</c> answers for
/// the same filters) first, then a <c>change</c> event per stock change as the pollers record it, and a <c>: keep-alive</c>
/// comment every <see cref="RestockOptions.StreamKeepAlive"/>. It listens to the same in-process feed as the status board;
/// a client that falls <see cref="RestockOptions.StreamBuffer"/> changes behind is disconnected (it reconnects and gets a
/// fresh snapshot), and the subscription ends with the connection.
/// </summary>
/// <remarks>Filters were checked by the endpoint (<see cref="RestockService.StatusFilterErrors"/>).</remarks>
public sealed partial class RestockStatusEvents(string? subsidiary, string? planCode, string? track) : IResult
{
    public const string ContentType = "text/event-stream";

    readonly string? _subsidiary = subsidiary is { Length: > 0 } s ? s.ToUpperInvariant() : null;
    readonly string? _planCode = planCode is { Length: > 0 } ? planCode : null;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var services = httpContext.RequestServices;
        var feed = services.GetRequiredService<RestockFeed>();
        var options = services.GetRequiredService<IOptionsMonitor<RestockOptions>>().CurrentValue;
        var logger = services.GetRequiredService<ILogger<RestockStatusEvents>>();
        // Subscribed before the snapshot is read, so nothing recorded in between is missed (it may come once more as a change).
        using var subscription = feed.Subscribe(options.StreamBuffer, options.MaxStreams);
        if (subscription is null)
        {
            httpContext.Response.Headers.RetryAfter = "30";
            await TypedResults.Problem($"This server already serves {options.MaxStreams} status streams; try again later.", statusCode: 503, title: "Service Unavailable")
                .ExecuteAsync(httpContext);
            return;
        }
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        // Ends with the client, with the server (the client then reconnects to another replica), or when the client is dropped.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, lifetime.ApplicationStopping, subscription.Dropped);
        var ct = stop.Token;
        var json = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var snapshot = await services.GetRequiredService<RestockService>().StatusAsync(_subsidiary, _planCode, track, ct);
            if (!snapshot.IsOk)
            {
                await snapshot.ToHttp().ExecuteAsync(httpContext);
                return;
            }
            var response = httpContext.Response;
            response.ContentType = ContentType;
            response.Headers.CacheControl = "no-cache, no-store";
            // Reverse proxies (nginx) would otherwise hold events back until a buffer fills.
            response.Headers["X-Accel-Buffering"] = "no";
            httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await WriteAsync(response, Event("snapshot", snapshot.Value!, json), ct); // an Ok outcome carries its value
            await StreamAsync(response, feed, subscription, options.StreamKeepAlive, services.GetRequiredService<TimeProvider>(), json, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away, the server is stopping, or the client was dropped for falling behind.
        }
        catch (IOException)
        {
            // The connection broke while an event was being written.
        }
        if (subscription.Overflowed)
        {
            LogDropped(logger, options.StreamBuffer);
            // A write may have been cut short: close the connection rather than leave the response half written.
            httpContext.Abort();
        }
    }

    async Task StreamAsync(HttpResponse response, RestockFeed feed, RestockFeed.Subscription subscription, TimeSpan keepAlive, TimeProvider clock,
        JsonSerializerOptions json, CancellationToken ct)
    {
        using var ticks = new PeriodicTimer(keepAlive, clock);
        Task<bool>? changed = null;
        Task<bool>? ticked = null;
        var text = new StringBuilder();
        while (true)
        {
            changed ??= subscription.WaitToReadAsync(ct).AsTask();
            ticked ??= ticks.WaitForNextTickAsync(ct).AsTask();
            if (await Task.WhenAny(changed, ticked) == changed)
            {
                if (!await changed || subscription.Overflowed)
                {
                    return;
                }
                changed = null;
                text.Clear();
                while (subscription.TryRead(out var changes))
                {
                    foreach (var change in changes.Where(Matches))
                    {
                        text.Append(Event("change", new StockChangeDto(change.Subsidiary.Length == 0 ? null : change.Subsidiary, change.PlanCode, change.Datacenter,
                            change.Track, change.Previous, change.State, change.At), json));
                    }
                }
                if (text.Length > 0)
                {
                    await WriteAsync(response, text.ToString(), ct);
                }
            }
            else
            {
                if (!await ticked)
                {
                    return;
                }
                ticked = null;
                // What other replicas recorded comes in through the feed, and out with the next changes.
                await feed.CatchUpAsync(ct);
                await WriteAsync(response, ": keep-alive\n\n", ct);
            }
        }
    }

    /// <summary>The same filters as <c>/status</c>: a subsidiary also shows dedicated servers, which have none.</summary>
    bool Matches(StockChange change) =>
        (_subsidiary is null || change.Subsidiary == _subsidiary || change.Subsidiary.Length == 0)
        && (_planCode is null || change.PlanCode == _planCode)
        && (track is null || change.Track == track);

    static string Event<T>(string name, T value, JsonSerializerOptions json) =>
        // The API's JSON is written on one line; a line break inside a value is escaped, so one data line holds it all.
        "event: " + name + "\ndata: " + JsonSerializer.Serialize(value, json) + "\n\n";

    static async Task WriteAsync(HttpResponse response, string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A restock status stream fell more than {Buffer} changes behind and was disconnected")]
    static partial void LogDropped(ILogger logger, int buffer);
}
