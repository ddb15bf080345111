using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Fakes;

/// <summary>
/// For the notifications benchmark: a lean webhook receiver that notes when each numbered message (<c>bench-N-</c> in
/// its body) first arrived, as a <see cref="Stopwatch"/> timestamp (the system's monotonic clock, the same in every
/// process on the machine). <c>POST /d/{n}</c> counts; <c>POST /c/{n}</c> does the same work (body read, number
/// found) without counting, for the bare loop. Run in its own process by <c>Vigil.Fakes webhook-bench</c>, scripted
/// over standard input (see <see cref="ServeAsync"/>).
/// </summary>
public sealed partial class BenchWebhookReceiver : FakeServer
{
    long[] _receivedAt = [];
    int _first;
    int _pending;
    long _duplicates;
    TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BenchWebhookReceiver() => RecordRequests = false;

    protected override void Map(WebApplication app)
    {
        app.MapPost("/d/{destination:int}", OnWebhookAsync);
        app.MapPost("/c/{destination:int}", async (HttpRequest request) =>
        {
            await SeqOfAsync(request);
            return Results.NoContent();
        });
    }

    /// <summary>
    /// The stdin protocol, one command a line, one answer line each: <c>expect FIRST COUNT</c> (forget what came,
    /// wait for messages FIRST..FIRST+COUNT-1) → <c>ok</c>; <c>wait SECONDS</c> → <c>done</c> or <c>timeout</c>;
    /// <c>report</c> → <c>DUPLICATES MISSING T0 T1 …</c>, the arrival timestamp of each expected message in order (0
    /// for one that never came); <c>capture</c> → <c>ok</c>, and the next webhook's request headers and body are kept;
    /// <c>sample SECONDS</c> → that request as base64 JSON (<c>{"headers": {…}, "body": "…"}</c>), or <c>none</c> when
    /// none came in time. Ends when stdin closes.
    /// </summary>
    public async Task ServeAsync(TextReader input, TextWriter output)
    {
        await output.WriteLineAsync($"Receiver {BaseAddress}");
        await output.FlushAsync();
        while (await input.ReadLineAsync() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var answer = words switch
            {
                ["expect", var first, var count] => Expect(int.Parse(first, CultureInfo.InvariantCulture), int.Parse(count, CultureInfo.InvariantCulture)),
                ["wait", var seconds] => await WaitAllAsync(TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture))) ? "done" : "timeout",
                ["report"] => Report(),
                ["capture"] => Capture(),
                ["sample", var seconds] => await SampleAsync(TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture))),
                _ => "error unknown command",
            };
            await output.WriteLineAsync(answer);
            await output.FlushAsync();
        }
    }

    string Expect(int first, int count)
    {
        _receivedAt = new long[count];
        _first = first;
        _pending = count;
        _duplicates = 0;
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (count == 0)
        {
            _done.TrySetResult();
        }
        return "ok";
    }

    async Task<bool> WaitAllAsync(TimeSpan timeout)
    {
        try
        {
            await _done.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    string Report()
    {
        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _duplicates)} {Volatile.Read(ref _pending)}");
        foreach (var at in _receivedAt)
        {
            report.Append(' ').Append(at.ToString(CultureInfo.InvariantCulture));
        }
        return report.ToString();
    }

    TaskCompletionSource<string>? _capture;

    string Capture()
    {
        _capture = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        return "ok";
    }

    async Task<string> SampleAsync(TimeSpan timeout)
    {
        try
        {
            return _capture is { } capture ? await capture.Task.WaitAsync(timeout) : "none";
        }
        catch (TimeoutException)
        {
            return "none";
        }
    }

    /// <summary>
    /// Keeps a request as the bare loop can replay it: its headers and its body. Not the headers the connection sets, nor
    /// the trace context a request sent while serving an API call carries (a test message does; the dispatcher's do not).
    /// </summary>
    static async Task<string> SampleOfAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = request.Headers.Where(h => h.Key is not ("Host" or "Content-Length" or "Connection" or "Transfer-Encoding" or "traceparent" or "tracestate"))
            .ToDictionary(h => h.Key, h => h.Value.ToString());
        var json = System.Text.Json.JsonSerializer.Serialize(new { headers, body });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>The message's number (<c>bench-N-</c> in its title), or null (warm-up messages have none).</summary>
    static async Task<int?> SeqOfAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        return SeqPattern().Match(body) is { Success: true } match && int.TryParse(match.Groups[1].ValueSpan, out var seq) ? seq : null;
    }

    async Task<IResult> OnWebhookAsync(HttpRequest request)
    {
        var at = Stopwatch.GetTimestamp();
        if (_capture is { Task.IsCompleted: false } capture)
        {
            capture.TrySetResult(await SampleOfAsync(request));
            return Results.NoContent();
        }
        if (await SeqOfAsync(request) is { } seq)
        {
            var index = seq - _first;
            var slots = _receivedAt;
            if (index >= 0 && index < slots.Length)
            {
                if (Interlocked.CompareExchange(ref slots[index], at, 0) == 0)
                {
                    if (Interlocked.Decrement(ref _pending) == 0)
                    {
                        _done.TrySetResult();
                    }
                }
                else
                {
                    Interlocked.Increment(ref _duplicates);
                }
            }
        }
        return Results.NoContent();
    }

    [GeneratedRegex(@"bench-(\d+)-")]
    private static partial Regex SeqPattern();
}
