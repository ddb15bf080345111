using System.Text;
using System.Text.Json;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>One Server-Sent Events message: an event with its data, or a comment (a keep-alive).</summary>
public sealed record ServerSentMessage(string? Event, string? Data, string? Comment)
{
    public JsonElement Json => JsonDocument.Parse(Data ?? "null").RootElement.Clone();
}

/// <summary>A <c>text/event-stream</c> response over real HTTP, read one message at a time.</summary>
public sealed class EventStreamReader : IAsyncDisposable
{
    /// <summary>How long a read waits before the test fails rather than hangs.</summary>
    static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(30);

    readonly StreamReader? _reader;

    EventStreamReader(HttpResponseMessage response, StreamReader? reader)
    {
        Response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response { get; }

    /// <summary>Sends the request and returns as soon as the headers are in; the body is read by <see cref="NextAsync"/>.</summary>
    public static async Task<EventStreamReader> OpenAsync(HttpClient client, string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            return new EventStreamReader(response, null);
        }
        return new EventStreamReader(response, new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8));
    }

    /// <summary>The next message, or null once the server ended (or broke) the stream.</summary>
    public async Task<ServerSentMessage?> NextAsync(CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(_reader, "the response is not a stream");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(ReadLimit);
        string? name = null;
        string? comment = null;
        StringBuilder? data = null;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(limit.Token);
            }
            catch (IOException)
            {
                return null;
            }
            if (line is null)
            {
                return null;
            }
            if (line.Length == 0)
            {
                if (name is not null || data is not null || comment is not null)
                {
                    return new ServerSentMessage(name ?? (data is null ? null : "message"), data?.ToString(), comment);
                }
                continue;
            }
            if (line[0] == ':')
            {
                comment = line[1..].Trim();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = data is null ? new StringBuilder() : data.Append('\n');
                data.Append(line["data:".Length..].TrimStart());
            }
        }
    }

    /// <summary>The data of the next event named <paramref name="name"/> that <paramref name="where"/> accepts, skipping everything else.</summary>
    public async Task<JsonElement> NextEventAsync(string name, Func<JsonElement, bool>? where = null, CancellationToken ct = default)
    {
        while (true)
        {
            var message = await NextAsync(ct) ?? throw new InvalidOperationException($"The stream ended before a '{name}' event.");
            if (message.Event == name && (where is null || where(message.Json)))
            {
                return message.Json;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        Response.Dispose();
        return ValueTask.CompletedTask;
    }
}
