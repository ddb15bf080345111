using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Vigil.Bench;

public sealed record NotifySettings(int Events, int Destinations, int Rate, int LatencySeconds, int Repeat, int Clients, int Concurrency, int WarmUpDeliveries);

/// <summary>What the notifications bench measured on one database (medians over the repetitions).</summary>
public sealed record NotifySummary(
    string Database, int Events, int Destinations, double DeliveriesPerSecond, double CeilingPerSecond, double Ratio,
    double MinimalPerSecond, double MinimalRatio,
    Percentiles Latency, Percentiles LatencyFromSend, int LatencyEvents, long Duplicates, long Missing)
{
    public string Line() =>
        $"notify.fanout db={Database} events={Events} destinations={Destinations} deliveries_per_s={DeliveriesPerSecond:F0} " +
        $"ceiling_per_s={CeilingPerSecond:F0} ratio={Ratio:F3} minimal_posts_per_s={MinimalPerSecond:F0} minimal_ratio={MinimalRatio:F3} " +
        $"duplicates={Duplicates} missing={Missing}" + Environment.NewLine +
        $"notify.latency db={Database} events={LatencyEvents} p50_ms={Latency.P50:F0} p95_ms={Latency.P95:F0} p99_ms={Latency.P99:F0} " +
        $"from_send_p50_ms={LatencyFromSend.P50:F0} from_send_p95_ms={LatencyFromSend.P95:F0} from_send_p99_ms={LatencyFromSend.P99:F0}";
}

/// <summary>Milliseconds at the 50th, 95th and 99th percentiles (nearest rank).</summary>
public sealed record Percentiles(double P50, double P95, double P99)
{
    public static Percentiles Of(double[] sorted) => new(At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99));

    static double At(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// The notification pipeline: events raised over the API are recorded with their outbox rows while the dispatcher is
/// off; the server then restarts with it on, and the dispatcher claims, renders, signs and posts them as webhooks to
/// a receiver in its own process, recording each attempt. Throughput (first to last arrival of each run of events) is
/// compared with a bare <see cref="HttpClient"/> loop posting as many messages to the same receiver at the same
/// concurrency. Latency, at a steady rate, is to "the receiver had the message" from "the API answered 202" (a lower
/// bound: the event was recorded a little earlier) and from "the request was sent" (an upper bound).
/// </summary>
public static class NotifyBench
{
    static readonly Uri Events = new("api/v1/events", UriKind.Relative);
    static readonly Uri Channels = new("api/v1/channels", UriKind.Relative);
    static readonly Uri Subscriptions = new("api/v1/subscriptions", UriKind.Relative);

    /// <summary>Runs of the measured shape delivered before the measured ones, and not reported.</summary>
    public const int WarmUpRuns = 2;

    /// <summary>The kind of the warm-up events, which every destination hears.</summary>
    const string WarmUpKind = "custom.warmup";

    public static async Task<NotifySummary> RunAsync(
        string database, string databaseUrl, string dataDir, string serverDll, NotifySettings settings, TextWriter progress, CancellationToken ct)
    {
        await using var receiver = await Receiver.StartAsync(ct);
        var environment = new Dictionary<string, string>
        {
            // Every event is its own message (each has its own group key too): a merged message would count once.
            ["Notifications__GroupingWindow"] = "00:00:00",
            ["Notifications__Concurrency"] = settings.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The receiver is on loopback, which user URLs may not reach unless the operator says so.
            ["OUTBOUND_ALLOWLIST"] = "127.0.0.1/32",
            // Both starts of the server must accept the same tokens.
            ["JWT_SECRET"] = "vigil-bench-" + Convert.ToHexString(Guid.NewGuid().ToByteArray()),
        };

        // 1. The backlog: events recorded over the API with the dispatcher off, so the delivery run below measures
        //    the pipeline (claim, render, sign, send, record) and not how fast a client can raise events.
        string admin, password;
        var raised = 0;
        RequestSample sample;
        // Warm-up deliveries first, as the bare loop below is warmed up before it is measured: tiered compilation
        // recompiles a method after 30 calls, and with dynamic PGO once more after 30 instrumented ones, so the code that
        // runs once per dispatcher pass (1,000 rows: EF Core's query and update pipeline, the pass itself) only gets
        // there after some 60 passes, and the background compiler works through thousands of such methods one at a time,
        // taking CPU from the measured runs until it is done (some 230,000 deliveries on SQLite, from the server's
        // own counters; each run reports what the JIT did during it).
        // They come from fan-out events (each reaches every destination through a second subscription), so a long
        // warm-up costs the API a few dozen events, not tens of thousands; the receiver does not count them.
        var warmUpEvents = (settings.WarmUpDeliveries + settings.Destinations - 1) / settings.Destinations;
        // The runs are preceded by WarmUpRuns more of the same shape, delivered and not reported: the fan-out warm-up
        // leaves the server's JIT still compiling the single-destination path on PostgreSQL (tens to hundreds of
        // methods in each of the first runs, against a handful in later ones).
        var backlog = settings.Events * (settings.Repeat + WarmUpRuns);
        await using (var recorder = await ServerUnderTest.StartAsync(serverDll, databaseUrl, dataDir, ct,
            new Dictionary<string, string>(environment) { ["Notifications__RunDispatcher"] = "false" }))
        {
            (admin, password) = (recorder.AdminUsername, recorder.AdminPassword);
            using var client = await SignedInClientAsync(recorder, admin, password, settings.Clients, ct);
            var firstChannel = await CreateDestinationsAsync(client, receiver, settings.Destinations, ct);
            progress.WriteLine($"[{database}] {settings.Destinations} webhook channels, one subscription each");
            // The bare loop posts what a delivery posts: one real delivery's headers (the Standard Webhooks id,
            // timestamp and signature among them) and body, caught by the receiver from the channel's test message.
            sample = await SampleDeliveryAsync(client, receiver, firstChannel, ct);
            progress.WriteLine($"[{database}] the bare loop replays one delivery: {sample.Headers.Count} headers ({string.Join(", ", sample.Headers.Keys)}), " +
                $"a body of {sample.Body.Length} bytes");
            for (var i = 0; i < warmUpEvents; i++)
            {
                using var warm = await client.PostAsJsonAsync(Events,
                    new { kind = WarmUpKind, subject = $"warm:{i}", title = $"warm-{i}", severity = "warning", group_key = $"w{i}" }, ct);
                await PlatformBench.EnsureAsync(warm, HttpStatusCode.Accepted, "raise a warm-up event", ct);
            }
            var started = Stopwatch.GetTimestamp();
            await RaiseManyAsync(client, 0, backlog, settings, ct);
            raised = backlog;
            progress.WriteLine($"[{database}] {warmUpEvents * settings.Destinations} warm-up deliveries, then {backlog} events recorded over the API in " +
                $"{Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s ({backlog / Stopwatch.GetElapsedTime(started).TotalSeconds:F0}/s, dispatcher off)");
        }

        // The ceiling, measured while no server runs: after a drain the server's JIT may still be compiling in the
        // background, which would slow the bare loop down and flatter the ratio.
        var ceiling = new List<double>();
        var (rounds, compiledLately, firstRate, lastRate) = await WarmCeilingAsync(receiver, settings, sample, ct);
        progress.WriteLine($"[{database}] bare loop warmed up over {rounds} rounds of {settings.Events / 10} posts (median of the first {RateWindow}: {firstRate:F0}/s, " +
            $"of the last {RateWindow}: {lastRate:F0}/s); this process's JIT compiled {compiledLately?.ToString() ?? "an unknown number of"} methods in the last {JitSettling.Rounds}");
        var receiverCpu = new List<double>();
        // For reference, the bare loop's rate with the small body and no headers it posted until the ninth round.
        var minimal = new List<double>();
        for (var rep = 0; rep < settings.Repeat; rep++)
        {
            var before = receiver.Cpu;
            ceiling.Add(await CeilingAsync(receiver, settings.Events, settings, sample, ct));
            receiverCpu.Add((receiver.Cpu - before).TotalMicroseconds / settings.Events);
            minimal.Add(await CeilingAsync(receiver, settings.Events, settings, RequestSample.Minimal, ct));
        }

        // 2. The same database with the dispatcher on: it drains the backlog in runs of settings.Events.
        await receiver.ExpectAsync(0, backlog, ct);
        await using var server = await ServerUnderTest.StartAsync(serverDll, databaseUrl, dataDir, ct, environment, freshDatabase: false);
        progress.WriteLine($"[{database}] server restarted with the dispatcher on at {server.BaseAddress}");
        // The server's JIT counters and both processes' CPU time through the drain, to say how much compiling went on
        // during each measured run and what the run cost.
        var samples = new List<Sample>();
        // PostgreSQL's own CPU, when the cluster is on this machine: on SQLite the database work is in the server's.
        var databaseCpu = database == "postgres" ? await DatabaseCpu.FindAsync(databaseUrl, ct) : null;
        using (var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var sampler = SampleAsync(server, receiver, databaseCpu, samples, sampling.Token);
            await receiver.WaitAllAsync(TimeSpan.FromMinutes(10), ct);
            await sampling.CancelAsync();
            await sampler;
            // One more look, so the last run has a sample after its end.
            samples.Add(await LookAsync(server, receiver, databaseCpu, ct));
        }
        var drained = receiver.ArrivalsInOrder();
        var ours = new List<double>();
        var during = new List<(JitTotals? Jit, double ServerCpuUs, double ReceiverCpuUs, double DatabaseCpuUs)>();
        for (var rep = 0; rep < settings.Repeat && drained.Length >= (WarmUpRuns + rep + 1) * settings.Events; rep++)
        {
            // Each run is the time the receiver took to get the next settings.Events messages, after the warm-up.
            var first = drained[(WarmUpRuns + rep) * settings.Events];
            var last = drained[((WarmUpRuns + rep + 1) * settings.Events) - 1];
            ours.Add((settings.Events - 1) / ((last - first) / (double)Stopwatch.Frequency));
            during.Add(Between(samples, first, last, settings.Events));
        }
        var duplicates = receiver.Duplicates;
        var missing = (long)receiver.Missing;

        for (var rep = 0; rep < ours.Count; rep++)
        {
            progress.WriteLine($"[{database}] run {rep + 1}/{settings.Repeat}: {ours[rep]:F0} deliveries/s through the pipeline, " +
                $"bare HttpClient {ceiling[rep]:F0}/s, ratio {ours[rep] / ceiling[rep]:F3} (minimal posts {minimal[rep]:F0}/s, ratio {ours[rep] / minimal[rep]:F3}); CPU per message: server {during[rep].ServerCpuUs:F0} µs, " +
                (databaseCpu is null ? "" : $"PostgreSQL {during[rep].DatabaseCpuUs:F0} µs, ") + $"receiver {during[rep].ReceiverCpuUs:F0} µs " +
                $"(bare loop: receiver {receiverCpu[rep]:F0} µs); server JIT during the run (at most) {during[rep].Jit?.ToString() ?? "unknown"}");
        }

        using var live = await SignedInClientAsync(server, admin, password, settings.Clients, ct);
        var latency = await SteadyRateAsync(live, receiver, raised, settings, progress, database, ct);
        duplicates += latency.Duplicates;
        missing += latency.Missing;
        return new NotifySummary(database, settings.Events, settings.Destinations,
            PlatformBench.Median(ours), PlatformBench.Median(ceiling), PlatformBench.Median(ours.Select((o, i) => o / ceiling[i])),
            PlatformBench.Median(minimal), PlatformBench.Median(ours.Select((o, i) => o / minimal[i])),
            latency.FromAnswer, latency.FromSend, latency.Count, duplicates, missing);
    }

    /// <summary>Looks taken twenty times a second after the restart (ten seconds' worth, well inside the warm-up deliveries).</summary>
    const int QuickLooks = 200;

    /// <summary>
    /// One look at the drain: when, the server's JIT totals (null when unreadable), the server's and the receiver's CPU
    /// time so far, and the database cluster's (zero when it is not measured).
    /// </summary>
    sealed record Sample(long At, JitTotals? Jit, TimeSpan ServerCpu, TimeSpan ReceiverCpu, TimeSpan DatabaseCpu);

    /// <summary>
    /// Looks at the server and the receiver four times a second until cancelled, and twenty times a second for the
    /// first <see cref="QuickLooks"/> looks.
    /// </summary>
    /// <remarks>
    /// Each look reads the server's <c>/metrics</c>, a path (Kestrel's request handling, authentication, the
    /// Prometheus exporter) that only the bench calls. At four calls a second it reached tiered compilation's
    /// thresholds (30 calls, then 30 more instrumented ones) 10–20 s after the restart, which is when the measured runs
    /// are under way: the server then compiled 100–300 methods (up to 450 ms of CPU) during a run of half a second,
    /// almost all of them Kestrel, authentication, OpenTelemetry and Activity methods. Looking often at first gets that
    /// path compiled during the warm-up deliveries instead.
    /// </remarks>
    static async Task SampleAsync(ServerUnderTest server, Receiver receiver, DatabaseCpu? database, List<Sample> samples, CancellationToken ct)
    {
        try
        {
            for (var look = 0; ; look++)
            {
                samples.Add(await LookAsync(server, receiver, database, ct));
                await Task.Delay(look < QuickLooks ? 50 : 250, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the drain is over
        }
    }

    static async Task<Sample> LookAsync(ServerUnderTest server, Receiver receiver, DatabaseCpu? database, CancellationToken ct)
    {
        var jit = await server.JitAsync(ct);
        server.Process.Refresh();
        return new Sample(Stopwatch.GetTimestamp(), jit, server.Process.TotalProcessorTime, receiver.Cpu, database?.Total() ?? TimeSpan.Zero);
    }

    /// <summary>
    /// From the last sample at or before <paramref name="from"/> to the first at or after <paramref name="to"/>: what the
    /// server's JIT did (at most), and each process's CPU time per message over that span, counting the messages of the
    /// <paramref name="count"/> in the run at the run's rate over the (up to half a second longer) span.
    /// </summary>
    static (JitTotals? Jit, double ServerCpuUs, double ReceiverCpuUs, double DatabaseCpuUs) Between(List<Sample> samples, long from, long to, int count)
    {
        var before = samples.LastOrDefault(s => s.At <= from);
        var after = samples.FirstOrDefault(s => s.At >= to);
        if (before is null || after is null)
        {
            return (null, double.NaN, double.NaN, double.NaN);
        }
        // Messages the receiver got over the sampled span, at the run's rate.
        var messages = count * (after.At - before.At) / (double)Math.Max(1, to - from);
        return (before.Jit is null || after.Jit is null ? null : after.Jit - before.Jit,
            (after.ServerCpu - before.ServerCpu).TotalMicroseconds / messages,
            (after.ReceiverCpu - before.ReceiverCpu).TotalMicroseconds / messages,
            (after.DatabaseCpu - before.DatabaseCpu).TotalMicroseconds / messages);
    }

    static async Task<HttpClient> SignedInClientAsync(ServerUnderTest server, string admin, string password, int connections, CancellationToken ct)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, UseCookies = false };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await PlatformBench.LogInAsync(client, admin, password, ct));
        return client;
    }

    static async Task RaiseManyAsync(HttpClient client, int firstSeq, int count, NotifySettings settings, CancellationToken ct)
    {
        var next = firstSeq - 1;
        var last = firstSeq + count - 1;
        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(async _ =>
        {
            int s;
            while ((s = Interlocked.Increment(ref next)) <= last)
            {
                await RaiseAsync(client, s, settings.Destinations, ct);
            }
        }));
    }

    /// <summary>Creates the webhook channels and their subscriptions; returns the first channel's id.</summary>
    static async Task<Guid> CreateDestinationsAsync(HttpClient client, Receiver receiver, int count, CancellationToken ct)
    {
        var first = Guid.Empty;
        for (var i = 0; i < count; i++)
        {
            using var channel = await client.PostAsJsonAsync(Channels, new { name = $"bench {i:D4}", type = "webhook", url = receiver.Url(i).ToString() }, ct);
            await PlatformBench.EnsureAsync(channel, HttpStatusCode.Created, "create a webhook channel", ct);
            var id = (await channel.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
            first = i == 0 ? id : first;
            using var subscription = await client.PostAsJsonAsync(Subscriptions,
                new { kind = "custom.bench", subject = $"dest-{i}:*", channel_ids = new[] { id }, cooldown_seconds = 0 }, ct);
            await PlatformBench.EnsureAsync(subscription, HttpStatusCode.Created, "subscribe", ct);
            using var warmUp = await client.PostAsJsonAsync(Subscriptions, new { kind = WarmUpKind, subject = "*", channel_ids = new[] { id }, cooldown_seconds = 0 }, ct);
            await PlatformBench.EnsureAsync(warmUp, HttpStatusCode.Created, "subscribe to warm-up events", ct);
        }
        return first;
    }

    /// <summary>A request the bare loop replays: headers and body.</summary>
    sealed record RequestSample(Dictionary<string, string> Headers, byte[] Body)
    {
        /// <summary>What the bare loop posted until the ninth round: a small JSON body and no headers of the pipeline's.</summary>
        public static readonly RequestSample Minimal = new(new() { ["Content-Type"] = "application/json" }, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            type = "custom.bench",
            timestamp = DateTimeOffset.UtcNow,
            data = new { title = "bench-0-", body = "", severity = "info", subject = "dest-0:0" },
        })));
    }

    /// <summary>Sends a channel's test message and returns the request the receiver got for it.</summary>
    static async Task<RequestSample> SampleDeliveryAsync(HttpClient client, Receiver receiver, Guid channel, CancellationToken ct)
    {
        await receiver.CaptureAsync(ct);
        using var test = await client.PostAsync($"{Channels}/{channel}/test", null, ct);
        await PlatformBench.EnsureAsync(test, HttpStatusCode.OK, "send a test message", ct);
        var json = await receiver.SampleAsync(ct) ?? throw new InvalidOperationException("The receiver did not get the test message.");
        using var sample = JsonDocument.Parse(Convert.FromBase64String(json));
        return new RequestSample(
            sample.RootElement.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!),
            Encoding.UTF8.GetBytes(sample.RootElement.GetProperty("body").GetString()!));
    }

    /// <summary>
    /// Warms the bare loop and the receiver up to their steady rate, as the drain's warm-up does for the server and the
    /// receiver. Measured round by round (1,000 posts each, receiver in its own process), the rate climbs from about
    /// 30,000 posts/s over the first 80 rounds to 45,000-57,000 from round 100 on, and stays there (400 rounds; the
    /// bench's own JIT compiled some 1,300 more methods up to round 100, then a handful). So at least
    /// <see cref="MinWarmUpRounds"/> rounds, and until this process's JIT has settled. Returns the rounds run, the
    /// methods compiled over the last <see cref="JitSettling.Rounds"/> and the median rate of the first and the last
    /// <see cref="RateWindow"/> rounds.
    /// </summary>
    static async Task<(int Rounds, long? CompiledLately, double FirstRate, double LastRate)> WarmCeilingAsync(Receiver receiver, NotifySettings settings, RequestSample sample, CancellationToken ct)
    {
        var counts = new List<long>();
        var rates = new List<double>();
        while (true)
        {
            rates.Add(await CeilingAsync(receiver, settings.Events / 10, settings, sample, ct));
            counts.Add(System.Runtime.JitInfo.GetCompiledMethodCount());
            var lately = JitSettling.CompiledLately(counts);
            if ((counts.Count >= MinWarmUpRounds && JitSettling.Settled(lately)) || counts.Count >= MaxWarmUpRounds)
            {
                return (counts.Count, lately, PlatformBench.Median(rates.Take(RateWindow)), PlatformBench.Median(rates.TakeLast(RateWindow)));
            }
        }
    }

    const int MinWarmUpRounds = 200;
    const int MaxWarmUpRounds = 500;
    const int RateWindow = 20;

    /// <summary>
    /// The same number of posts to the same URLs with a plain client at the dispatcher's concurrency, each the
    /// <paramref name="sample"/> request (its headers set as they came, its body as it was).
    /// </summary>
    static async Task<double> CeilingAsync(Receiver receiver, int count, NotifySettings settings, RequestSample sample, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency, UseProxy = false };
        using var bare = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var body = sample.Body;
        var contentHeaders = sample.Headers.Where(h => h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)).ToList();
        var requestHeaders = sample.Headers.Where(h => !h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)).ToList();
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, receiver.CeilingUrl(i % settings.Destinations)) { Content = new ByteArrayContent(body) };
                foreach (var (name, value) in contentHeaders)
                {
                    request.Content.Headers.TryAddWithoutValidation(name, value);
                }
                foreach (var (name, value) in requestHeaders)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
                using var response = await bare.SendAsync(request, ct);
                response.EnsureSuccessStatusCode();
            }
        }));
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    sealed record LatencyRun(int Count, Percentiles FromAnswer, Percentiles FromSend, long Duplicates, long Missing);

    /// <summary>
    /// An open loop at a steady rate. The event is recorded somewhere between its request being sent and the 202
    /// reaching the bench, so each delivery is timed from both: from the 202 (a lower bound; a delivery that beat the
    /// 202 counts as 0) and from the send (an upper bound, the API call included).
    /// </summary>
    static async Task<LatencyRun> SteadyRateAsync(
        HttpClient client, Receiver receiver, int firstSeq, NotifySettings settings, TextWriter progress, string database, CancellationToken ct)
    {
        // One second at the same rate first, not measured: the server restarted for the drain, which does not call the
        // events API, so its first calls would time the JIT compiling it and the client opening its connections.
        var warmUp = settings.Rate;
        await OpenLoopAsync(client, receiver, firstSeq, warmUp, settings, ct);
        var (duplicates, missing) = (receiver.Duplicates, receiver.Missing);
        var first = firstSeq + warmUp;
        var count = settings.Rate * settings.LatencySeconds;
        var (sentAt, answeredAt) = await OpenLoopAsync(client, receiver, first, count, settings, ct);
        double[] Since(long[] from) => Enumerable.Range(0, count)
            .Select(i => receiver.ReceivedAt(first + i) is { } at ? Math.Max(0, (at - from[i]) * 1000.0 / Stopwatch.Frequency) : double.NaN)
            .Where(ms => !double.IsNaN(ms))
            .Order()
            .ToArray();
        var fromAnswer = Since(answeredAt);
        var fromSend = Percentiles.Of(Since(sentAt));
        var answered = Percentiles.Of(fromAnswer);
        progress.WriteLine($"[{database}] {settings.Rate} events/s for {settings.LatencySeconds} s (after {warmUp} unmeasured): {fromAnswer.Length}/{count} received, " +
            $"p50 {answered.P50:F0} ms, p95 {answered.P95:F0} ms from the 202; p50 {fromSend.P50:F0} ms, p95 {fromSend.P95:F0} ms from the send");
        return new LatencyRun(count, answered, fromSend, duplicates + receiver.Duplicates, missing + receiver.Missing);
    }

    /// <summary>Raises events <paramref name="first"/> onwards at the settings' rate, each from its own task, and waits until the receiver has them.</summary>
    /// <returns>When each request was sent and when its 202 came back.</returns>
    static async Task<(long[] SentAt, long[] AnsweredAt)> OpenLoopAsync(
        HttpClient client, Receiver receiver, int first, int count, NotifySettings settings, CancellationToken ct)
    {
        await receiver.ExpectAsync(first, count, ct);
        var sentAt = new long[count];
        var answeredAt = new long[count];
        var sends = new List<Task>(count);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = started + (long)(i * (double)Stopwatch.Frequency / settings.Rate);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), ct);
            }
            var index = i;
            sends.Add(Task.Run(async () =>
            {
                sentAt[index] = Stopwatch.GetTimestamp();
                await RaiseAsync(client, first + index, settings.Destinations, ct);
                answeredAt[index] = Stopwatch.GetTimestamp();
            }, ct));
        }
        await Task.WhenAll(sends);
        await receiver.WaitAllAsync(TimeSpan.FromMinutes(2), ct);
        return (sentAt, answeredAt);
    }

    static async Task RaiseAsync(HttpClient client, int seq, int destinations, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(Events,
            new { kind = "custom.bench", subject = $"dest-{seq % destinations}:{seq}", title = $"bench-{seq}-", severity = "warning", group_key = $"g{seq}" }, ct);
        await PlatformBench.EnsureAsync(response, HttpStatusCode.Accepted, "raise an event", ct);
    }

    /// <summary>
    /// The webhook receiver in its own process (<c>Vigil.Fakes webhook-bench</c>), as a destination is to the server and to
    /// the bare loop alike. It notes when each numbered message first arrived on the machine's monotonic clock, which
    /// <see cref="Stopwatch"/> reads in this process too.
    /// </summary>
    sealed class Receiver : IAsyncDisposable
    {
        readonly FakeProcess _process;
        long[] _receivedAt = [];
        int _first;

        Receiver(FakeProcess process) => _process = process;

        public static async Task<Receiver> StartAsync(CancellationToken ct) => new(await FakeProcess.WebhookReceiverAsync(ct));

        public long Duplicates { get; private set; }

        public int Missing { get; private set; }

        /// <summary>The receiver process's CPU time so far.</summary>
        public TimeSpan Cpu => _process.Cpu;

        public Uri Url(int destination) => new(_process.BaseAddress, $"d/{destination}");

        public Uri CeilingUrl(int destination) => new(_process.BaseAddress, $"c/{destination}");

        /// <summary>Forgets what came so far and waits for messages <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1.</summary>
        public async Task ExpectAsync(int first, int count, CancellationToken ct)
        {
            if (await _process.AskAsync(FormattableString.Invariant($"expect {first} {count}"), ct) != "ok")
            {
                throw new InvalidOperationException("The receiver refused the expectation.");
            }
            _first = first;
            _receivedAt = new long[count];
            Duplicates = 0;
            Missing = count;
        }

        /// <summary>The next webhook's request is to be kept (see <see cref="SampleAsync"/>).</summary>
        public async Task CaptureAsync(CancellationToken ct)
        {
            if (await _process.AskAsync("capture", ct) != "ok")
            {
                throw new InvalidOperationException("The receiver refused to capture.");
            }
        }

        /// <summary>The request kept since <see cref="CaptureAsync"/> (base64 JSON of its headers and body), or null if none came within 30 s.</summary>
        public async Task<string?> SampleAsync(CancellationToken ct) =>
            await _process.AskAsync("sample 30", ct) is var answer && answer != "none" ? answer : null;

        /// <summary>Waits until every expected message came or the time is up, then fetches when each arrived.</summary>
        public async Task<bool> WaitAllAsync(TimeSpan timeout, CancellationToken ct)
        {
            var done = await _process.AskAsync(FormattableString.Invariant($"wait {timeout.TotalSeconds:F0}"), ct) == "done";
            var report = (await _process.AskAsync("report", ct)).Split(' ');
            Duplicates = long.Parse(report[0], System.Globalization.CultureInfo.InvariantCulture);
            Missing = int.Parse(report[1], System.Globalization.CultureInfo.InvariantCulture);
            _receivedAt = [.. report.Skip(2).Select(at => long.Parse(at, System.Globalization.CultureInfo.InvariantCulture))];
            return done;
        }

        public long? ReceivedAt(int seq) => _receivedAt[seq - _first] is var at and > 0 ? at : null;

        /// <summary>When each expected message arrived, earliest first (those that never came are left out).</summary>
        public long[] ArrivalsInOrder() => [.. _receivedAt.Where(at => at > 0).Order()];

        public ValueTask DisposeAsync() => _process.DisposeAsync();
    }
}
