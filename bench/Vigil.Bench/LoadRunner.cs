using System.Diagnostics;

namespace Vigil.Bench;

/// <summary>What one timed run of one workload measured.</summary>
public sealed record RunResult(long Requests, long Errors, double Seconds, double P50Ms, double P99Ms, string? FirstError)
{
    /// <summary>Successful requests per second; failed ones count as errors, not throughput.</summary>
    public double RequestsPerSecond => (Requests - Errors) / Seconds;
}

/// <summary>
/// A closed loop: <c>connections</c> workers each send one request, wait for the whole response, and send the
/// next, until the duration is over or the request budget is spent. Every latency is kept, so percentiles are exact.
/// </summary>
public static class LoadRunner
{
    public static async Task<RunResult> RunAsync(
        HttpClient client, Func<HttpRequestMessage> newRequest, int connections, TimeSpan duration, long maxRequests, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long issued = 0;
        long errors = 0;
        string? firstError = null;

        async Task<List<long>> Worker()
        {
            await Task.Yield(); // every worker starts on the pool, none runs its first request on the caller
            var latencies = new List<long>(capacity: 64 * 1024);
            while (Stopwatch.GetTimestamp() < deadline && Interlocked.Increment(ref issued) <= maxRequests)
            {
                using var request = newRequest();
                var start = Stopwatch.GetTimestamp();
                string? error = null;
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    await response.Content.CopyToAsync(Stream.Null, ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        error = $"HTTP {(int)response.StatusCode} from {request.RequestUri}";
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    error = $"{e.GetType().Name}: {e.Message}";
                }
                latencies.Add(Stopwatch.GetTimestamp() - start);
                if (error is not null)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, error, null);
                }
            }
            return latencies;
        }

        var started = Stopwatch.GetTimestamp();
        var perWorker = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Worker()));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var all = perWorker.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new RunResult(all.Length, errors, seconds, PercentileMs(all, 0.50), PercentileMs(all, 0.99), firstError);
    }

    /// <summary>Nearest-rank percentile of sorted Stopwatch ticks, in milliseconds.</summary>
    static double PercentileMs(long[] sortedTicks, double p)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }
        var rank = Math.Clamp((int)Math.Ceiling(p * sortedTicks.Length) - 1, 0, sortedTicks.Length - 1);
        return sortedTicks[rank] * 1000.0 / Stopwatch.Frequency;
    }
}
