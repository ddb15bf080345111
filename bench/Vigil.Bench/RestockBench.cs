using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Fakes;

namespace Vigil.Bench;

public sealed record RestockBenchSettings(int Sources, int Concurrency, int Repeat, int FlipsPerCycle);

/// <summary>Medians of one database's restock runs.</summary>
public sealed record RestockSummary(string Database, int Sources, double CeilingChecksPerSecond, double ModuleChecksPerSecond, double Ratio,
    double CycleCpuMs, double CycleCpuPerCheckUs, double WorkingSetMb, double WorkingSetGrowthMb, int Failed, double CeilingCpuMs)
{
    public string Line() =>
        $"restock.cycle db={Database} sources={Sources} checks_per_s={ModuleChecksPerSecond:F0} ceiling_checks_per_s={CeilingChecksPerSecond:F0} " +
        $"ratio={Ratio:F2} budget=0.80 cpu_ms_per_cycle={CycleCpuMs:F0} cpu_us_per_check={CycleCpuPerCheckUs:F0} ceiling_cpu_ms={CeilingCpuMs:F0} " +
        $"working_set_mb={WorkingSetMb:F0} growth_mb={WorkingSetGrowthMb:F1} failed={Failed}";
}

/// <summary>
/// The restock poll cycle against the same work done bare. A FakeOvh (its own process) serves <c>Sources / 2</c> VPS
/// plans in two subsidiaries (FR, DE), six datacenters each; the server watches all of them. Per repetition, the ceiling is a bare
/// <see cref="HttpClient"/> loop in this process over the same URLs, with the same number of requests in flight,
/// reading every body; then one full cycle through the module (<c>POST /api/v1/restock/check</c>: claim with
/// leases, the same requests, parse, compare with the stored states in one transaction per batch, write back).
/// Between cycles a few datacenters change, so every cycle also writes transitions.
/// </summary>
public static class RestockBench
{
    static readonly string[] Subsidiaries = ["FR", "DE"];

    public static async Task<RestockSummary> RunAsync(string database, string databaseUrl, string dataDir, string serverDll, RestockBenchSettings settings,
        TextWriter progress, CancellationToken ct)
    {
        // The fake runs in its own process, so the server and the bare loop both reach it across processes.
        await using var ovh = await FakeProcess.OvhAsync(settings.Sources / Subsidiaries.Length, ct);
        var plans = FakeOvh.BenchPlanCodes(settings.Sources / Subsidiaries.Length).ToList();
        var baseUrl = new Uri(ovh.BaseAddress, "1.0");
        await using var server = await ServerUnderTest.StartAsync(serverDll, databaseUrl, dataDir, ct, new Dictionary<string, string>
        {
            ["OVH_API_BASE_EU"] = baseUrl.ToString(),
            ["OVH_SUBSIDIARIES"] = string.Join(',', Subsidiaries),
            // The bench runs the cycles; the background job would race it.
            ["Restock__RunPoller"] = "false",
            ["Restock__MaxConcurrency"] = settings.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        });
        progress.WriteLine($"[{database}] server up at {server.BaseAddress}; fake OVH at {ovh.BaseAddress}");

        using var api = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        using (var login = await api.PostAsJsonAsync("api/v1/auth/login", new { login = server.AdminUsername, password = server.AdminPassword }, ct))
        {
            login.EnsureSuccessStatusCode();
            using var tokens = JsonDocument.Parse(await login.Content.ReadAsStringAsync(ct));
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.RootElement.GetProperty("access_token").GetString());
        }
        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (plan, token) =>
        {
            using var created = await api.PostAsJsonAsync("api/v1/restock/plans", new { plan_code = plan, name = plan.ToUpperInvariant() }, token);
            if (!created.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Creating plan {plan}: HTTP {(int)created.StatusCode}");
            }
        });
        progress.WriteLine($"[{database}] {plans.Count} plans x {Subsidiaries.Length} subsidiaries = {plans.Count * Subsidiaries.Length} sources");

        var urls = plans.SelectMany(p => Subsidiaries.Select(s => $"{baseUrl}/vps/order/rule/datacenter?ovhSubsidiary={s}&planCode={Uri.EscapeDataString(p)}")).ToList();
        using var bare = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });

        // Warm-up: the first cycle stores every state (first sightings); the next ones do what the measured cycles do,
        // datacenters changing included (the transitions, the rule and the alerts run code nothing else runs).
        // They go on until the server's JIT has settled (its own counters, read from /metrics): tiered compilation
        // recompiles a method once it has run 30 times, and with dynamic PGO once more after 30 instrumented calls, so
        // code that runs once per cycle (the API request, the claim, the source list) only gets there after some 60
        // cycles, recompiling in the background and taking CPU from the measured cycles until then. The bare loop runs
        // its code once per request, so it is warm after its first loop.
        var warming = Stopwatch.StartNew();
        var warmed = 0;
        var jitHistory = new List<long>();
        long? compiledLately = null;
        while (true)
        {
            if (warmed > 0)
            {
                await ovh.FlipAsync(ct);
            }
            var warm = await CycleAsync(api, ct);
            await BareAsync(bare, urls, settings.Concurrency, ct);
            if (warmed < 2)
            {
                progress.WriteLine($"[{database}] warm-up cycle {warmed + 1}: {warm.Checked} checked, {warm.Changes} changes in {warm.Elapsed.TotalMilliseconds:F0} ms");
            }
            warmed++;
            if (await server.JitAsync(ct) is { } jit)
            {
                jitHistory.Add(jit.Methods);
            }
            compiledLately = JitSettling.CompiledLately(jitHistory);
            if (warmed >= WarmUpCycles && warming.Elapsed >= WarmUp && (JitSettling.Settled(compiledLately) || warmed >= MaxWarmUpCycles))
            {
                break;
            }
        }
        progress.WriteLine($"[{database}] {warmed} warm-up cycles in {warming.Elapsed.TotalSeconds:F0} s; the server's JIT compiled {compiledLately?.ToString() ?? "an unknown number of"} methods in the last {JitSettling.Rounds}");

        var ceilings = new List<double>();
        var modules = new List<double>();
        var ratios = new List<double>();
        var cpu = new List<double>();
        var workingSets = new List<double>();
        var growths = new List<double>();
        var ceilingCpu = new List<double>();
        using var self = Process.GetCurrentProcess();
        // PostgreSQL's own CPU in each cycle, when the cluster is on this machine (on SQLite it is in the server's).
        var databaseCpu = database == "postgres" ? await DatabaseCpu.FindAsync(databaseUrl, ct) : null;
        var failed = 0;
        for (var rep = 1; rep <= settings.Repeat; rep++)
        {
            await ovh.FlipAsync(ct);
            // The bench process's CPU time during the bare loop: what the ceiling's client costs, next to the server's cycle.
            // The fake's, in both: on two cores the three processes share, a run is bound by their sum.
            self.Refresh();
            var fakeBefore = ovh.Cpu;
            var selfBefore = self.TotalProcessorTime;
            var ceiling = await BareAsync(bare, urls, settings.Concurrency, ct);
            self.Refresh();
            ceilingCpu.Add((self.TotalProcessorTime - selfBefore).TotalMilliseconds);
            var fakeBare = (ovh.Cpu - fakeBefore).TotalMilliseconds;
            fakeBefore = ovh.Cpu;
            var ceilingRate = urls.Count / ceiling.TotalSeconds;

            var jitBefore = await server.JitAsync(ct);
            server.Process.Refresh();
            var cpuBefore = server.Process.TotalProcessorTime;
            var databaseBefore = databaseCpu?.Total();
            var memoryBefore = server.Process.WorkingSet64;
            var cycle = await CycleAsync(api, ct);
            server.Process.Refresh();
            var cpuMs = (server.Process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            var databaseMs = databaseCpu?.Total() - databaseBefore;
            var fakeCycle = (ovh.Cpu - fakeBefore).TotalMilliseconds;
            var moduleRate = cycle.Checked / cycle.Elapsed.TotalSeconds;
            failed += cycle.Failed;
            var jitDuring = await server.JitAsync(ct) is { } jitAfter && jitBefore is not null ? (jitAfter - jitBefore).ToString() : "unknown";

            ceilings.Add(ceilingRate);
            modules.Add(moduleRate);
            ratios.Add(moduleRate / ceilingRate);
            cpu.Add(cpuMs);
            workingSets.Add(server.Process.WorkingSet64 / 1048576.0);
            growths.Add((server.Process.WorkingSet64 - memoryBefore) / 1048576.0);
            progress.WriteLine($"[{database}] run {rep}/{settings.Repeat}: bare {ceilingRate:F0} checks/s ({ceiling.TotalMilliseconds:F0} ms), " +
                $"module {moduleRate:F0} checks/s ({cycle.Elapsed.TotalMilliseconds:F0} ms, {cycle.Checked} checked, {cycle.Failed} failed, {cycle.Changes} changes), " +
                $"ratio {moduleRate / ceilingRate:F2}, fake OVH CPU {fakeBare:F0} ms in the bare loop, {fakeCycle:F0} ms in the cycle, server CPU {cpuMs:F0} ms " +
                (databaseMs is { } db ? $"and PostgreSQL {db.TotalMilliseconds:F0} ms " : "") + $"(bare loop CPU {ceilingCpu[^1]:F0} ms), server JIT {jitDuring}, " +
                $"working set {server.Process.WorkingSet64 / 1048576.0:F0} MB");
        }
        return new RestockSummary(database, urls.Count, Median(ceilings), Median(modules), Median(ratios), Median(cpu), Median(cpu) * 1000 / urls.Count,
            Median(workingSets), Median(growths), failed, Median(ceilingCpu));
    }

    sealed record Cycle(int Checked, int Failed, int Changes, TimeSpan Elapsed);

    static async Task<Cycle> CycleAsync(HttpClient api, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await api.PostAsync(new Uri("api/v1/restock/check", UriKind.Relative), null, ct);
        var elapsed = clock.Elapsed;
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/restock/check: HTTP {(int)response.StatusCode} {text}");
        }
        using var report = JsonDocument.Parse(text);
        var root = report.RootElement;
        return new Cycle(root.GetProperty("checked").GetInt32(), root.GetProperty("failed").GetInt32(), root.GetProperty("changes").GetInt32(), elapsed);
    }

    /// <summary>Least time the warm-up cycles run.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);

    /// <summary>Fewest warm-up cycles.</summary>
    public const int WarmUpCycles = 40;

    /// <summary>Most warm-up cycles, should the server's JIT never settle.</summary>
    public const int MaxWarmUpCycles = 300;

    /// <summary>The same GETs with the same number in flight, reading each body and nothing else.</summary>
    static async Task<TimeSpan> BareAsync(HttpClient http, List<string> urls, int concurrency, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (url, token) =>
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, token);
            await response.Content.ReadAsByteArrayAsync(token);
        });
        return clock.Elapsed;
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
