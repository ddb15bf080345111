using System.Collections.Concurrent;
using System.Text;

namespace Vigil.Fakes;

/// <summary>One request a fake received: method, path and query, headers and the raw body.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset ReceivedAt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>A scripted answer: status, body, content type and headers.</summary>
public sealed record ScriptedResponse(int Status, string Body = "", string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null, TimeSpan? Delay = null);

/// <summary>
/// Base of every stand-in for an outside system: a real Kestrel server on <c>127.0.0.1:0</c> speaking that
/// system's wire format, so our typed clients, resilience and parsing all run in tests. Every request is recorded;
/// answers can be scripted ahead (<see cref="Enqueue"/>), otherwise the fake answers as the real service does.
/// </summary>
public abstract class FakeServer : IAsyncDisposable
{
    WebApplication? _app;
    readonly ConcurrentQueue<ScriptedResponse> _script = new();
    readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyCollection<RecordedRequest> Requests => _requests;

    /// <summary>Whether requests are kept in <see cref="Requests"/> (benchmarks turn it off to stay lean).</summary>
    public bool RecordRequests { get; set; } = true;

    /// <summary>
    /// Serves the API under this path (<c>/gateway</c>), as a proxy or gateway mounted under a prefix does: other
    /// paths are 404. <see cref="Requests"/> keep the full path.
    /// </summary>
    public string? PathPrefix { get; init; }

    /// <summary>Answers the next request(s) with these, in order, before normal behaviour resumes.</summary>
    public void Enqueue(params ScriptedResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }
    }

    public void ClearRequests() => _requests.Clear();

    /// <summary>Maps the fake's routes (normal behaviour).</summary>
    protected abstract void Map(WebApplication app);

    public async Task StartAsync(CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Use(async (http, next) =>
        {
            if (RecordRequests)
            {
                await RecordAsync(http);
            }
            if (_script.TryDequeue(out var scripted))
            {
                if (scripted.Delay is { } delay)
                {
                    await Task.Delay(delay, http.RequestAborted);
                }
                http.Response.StatusCode = scripted.Status;
                foreach (var (k, v) in scripted.Headers ?? new Dictionary<string, string>())
                {
                    http.Response.Headers[k] = v;
                }
                if (scripted.Body.Length > 0)
                {
                    http.Response.ContentType = scripted.ContentType;
                    await http.Response.WriteAsync(scripted.Body, http.RequestAborted);
                }
                return;
            }
            if (PathPrefix is { } prefix)
            {
                if (!http.Request.Path.StartsWithSegments(prefix, StringComparison.Ordinal, out var rest))
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }
                http.Request.Path = rest;
            }
            await next(http);
        });
        // Routes are matched after the prefix is taken off.
        _app.UseRouting();
        Map(_app);
        await _app.StartAsync(ct);
        BaseAddress = new Uri(_app.Urls.First());
    }

    async Task RecordAsync(HttpContext http)
    {
        http.Request.EnableBuffering();
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        http.Request.Body.Position = 0;
        _requests.Enqueue(new RecordedRequest(
            http.Request.Method,
            http.Request.Path.Value ?? "/",
            http.Request.QueryString.Value ?? "",
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            buffer.ToArray(),
            DateTimeOffset.UtcNow));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
