using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Vigil.Bench;

// The load generator: starts the real server as a child process per database and drives it over loopback.
var db = new Option<string>("--db") { Description = "Which database to run on.", DefaultValueFactory = _ => "both" };
db.AcceptOnlyFromAmong("sqlite", "postgres", "both");
var seconds = Positive(new Option<int>("--seconds") { Description = "Length of each measured run.", DefaultValueFactory = _ => 10 });
var warmup = Positive(new Option<int>("--warmup") { Description = "Warm-up per workload, not measured.", DefaultValueFactory = _ => 3 });
var connections = Positive(new Option<int>("--connections") { Description = "Concurrent connections (closed loop).", DefaultValueFactory = _ => 32 });
var repeat = Positive(new Option<int>("--repeat") { Description = "Measured runs per workload; medians are reported.", DefaultValueFactory = _ => 3 });
var workspaces = Positive(new Option<int>("--workspaces") { Description = "Workspaces created before the list workload.", DefaultValueFactory = _ => 200 });
var serverDll = new Option<string?>("--server") { Description = "Path to Vigil.Server.dll (default: the build of the same configuration)." };
var suite = new Option<string>("--suite") { Description = "platform (HTTP), restock (poll cycle) or all.", DefaultValueFactory = _ => "platform" };
suite.AcceptOnlyFromAmong("platform", "restock", "all");
var sources = Positive(new Option<int>("--sources") { Description = "Restock: monitored (plan, subsidiary) sources.", DefaultValueFactory = _ => 2000 });
var inFlight = Positive(new Option<int>("--in-flight") { Description = "Restock: upstream requests in flight, module and ceiling alike.", DefaultValueFactory = _ => 4 });

var root = new RootCommand("Vigil benchmarks: platform HTTP (/auth/me and a paged list against /healthz) and the restock poll cycle (against a bare HttpClient loop).");
foreach (var option in (Option[])[db, seconds, warmup, connections, repeat, workspaces, serverDll, suite, sources, inFlight])
{
    root.Options.Add(option);
}
root.SetAction((result, ct) => RunAsync(
    result.GetValue(db)!,
    result.GetValue(suite)!,
    new BenchSettings(result.GetValue(seconds), result.GetValue(warmup), result.GetValue(connections), result.GetValue(repeat),
        result.GetValue(workspaces), MaxRequestsPerRun: 20_000_000),
    new RestockBenchSettings(result.GetValue(sources), result.GetValue(inFlight), result.GetValue(repeat), FlipsPerCycle: 20),
    result.GetValue(serverDll) ?? DefaultServerDll(),
    ct));

var events = Positive(new Option<int>("--events") { Description = "Events per throughput run, spread over the destinations.", DefaultValueFactory = _ => 10_000 });
var destinations = Positive(new Option<int>("--destinations") { Description = "Webhook channels, one subscription each.", DefaultValueFactory = _ => 1_000 });
var rate = Positive(new Option<int>("--rate") { Description = "Events per second in the latency run.", DefaultValueFactory = _ => 100 });
var latencySeconds = Positive(new Option<int>("--latency-seconds") { Description = "Length of the latency run.", DefaultValueFactory = _ => 20 });
var clients = Positive(new Option<int>("--clients") { Description = "Concurrent API clients raising events.", DefaultValueFactory = _ => 16 });
var concurrency = Positive(new Option<int>("--concurrency") { Description = "Dispatcher concurrency, and the bare loop's.", DefaultValueFactory = _ => 32 });
var warmUpDeliveries = Positive(new Option<int>("--warm-up-deliveries") { Description = "Deliveries before the measured runs (from fan-out events), so the server's JIT has settled.", DefaultValueFactory = _ => 300_000 });
var notify = new Command("notify", "Notification pipeline: events over the API to webhook destinations, against a bare HttpClient loop; latency at a steady rate.");
foreach (var option in (Option[])[db, events, destinations, rate, latencySeconds, repeat, clients, concurrency, warmUpDeliveries, serverDll])
{
    notify.Options.Add(option);
}
notify.SetAction((result, ct) => NotifyAsync(
    result.GetValue(db)!,
    new NotifySettings(result.GetValue(events), result.GetValue(destinations), result.GetValue(rate), result.GetValue(latencySeconds),
        result.GetValue(repeat), result.GetValue(clients), result.GetValue(concurrency), result.GetValue(warmUpDeliveries)),
    result.GetValue(serverDll) ?? DefaultServerDll(),
    ct));
root.Subcommands.Add(notify);

var items = Positive(new Option<int>("--items") { Description = "Items in the spread-out issue workload.", DefaultValueFactory = _ => 1_000 });
var exportRows = Positive(new Option<int>("--export-rows") { Description = "Movements added before the export workload (PostgreSQL).", DefaultValueFactory = _ => 100_000 });
var inventory = new Command("inventory", "Stock moves through the API against a raw conditional UPDATE loop; movements export against COPY (PostgreSQL).");
foreach (var option in (Option[])[db, seconds, clients, items, repeat, exportRows, serverDll])
{
    inventory.Options.Add(option);
}
inventory.SetAction((result, ct) => InventoryAsync(
    result.GetValue(db)!,
    new InventorySettings(result.GetValue(seconds), result.GetValue(clients), result.GetValue(items), result.GetValue(repeat), result.GetValue(exportRows)),
    result.GetValue(serverDll) ?? DefaultServerDll(),
    ct));
root.Subcommands.Add(inventory);
return await root.Parse(args).InvokeAsync();

static async Task<int> InventoryAsync(string db, InventorySettings settings, string serverDll, CancellationToken ct)
{
    Console.WriteLine($"vigil bench inventory: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    Console.WriteLine($"settings: {settings.Clients} clients, {settings.Repeat} x {settings.Seconds} s per workload, {settings.Items} items; " +
        $"{settings.ExportRows} movements exported (PostgreSQL); medians over the runs");
    Console.WriteLine("ceilings: the same conditional UPDATE on as many raw connections; COPY ... TO STDOUT of the same rows");
    var results = new List<InventoryResult>();
    var measured = await MeasureEachDatabaseAsync(db, async (name, url, dir) =>
    {
        foreach (var r in await InventoryBench.RunAsync(name, url, dir, serverDll, settings, Console.Error, ct))
        {
            Console.WriteLine(r.Line());
            results.Add(r);
        }
    }, ct);
    PrintTable("summary (medians over the runs):", "| db | workload | per s | ceiling per s | ratio | errors |", "|---|---|---:|---:|---:|---:|",
        results.Select(r => $"| {r.Database} | {r.Workload} | {r.PerSecond:F0} {r.Unit} | {r.CeilingPerSecond:F0} | {r.Ratio:F3} | {r.Errors} |"));
    return measured ? 0 : 1;
}

static async Task<int> NotifyAsync(string db, NotifySettings settings, string serverDll, CancellationToken ct)
{
    Console.WriteLine($"vigil bench notify: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    Console.WriteLine($"settings: {settings.Events} events over {settings.Destinations} webhook destinations, {settings.Clients} API clients, " +
        $"dispatcher concurrency {settings.Concurrency}, {settings.Repeat} runs after {settings.WarmUpDeliveries} warm-up deliveries and {NotifyBench.WarmUpRuns} unreported runs; latency at {settings.Rate}/s for {settings.LatencySeconds} s");
    Console.WriteLine("ceiling: the same number of POSTs to the same receiver with a bare HttpClient at the same concurrency, each a copy of one delivery's request " +
        "(headers and body); for reference, also with the small header-less body posted until the ninth round (minimal posts)");
    var results = new List<NotifySummary>();
    var measured = await MeasureEachDatabaseAsync(db, async (name, url, dir) =>
    {
        var summary = await NotifyBench.RunAsync(name, url, dir, serverDll, settings, Console.Error, ct);
        Console.WriteLine(summary.Line());
        results.Add(summary);
    }, ct);
    PrintTable("summary (medians over the runs):", "| db | deliveries/s | bare HttpClient/s | ratio | minimal posts/s | ratio to them | p50 ms | p95 ms | p99 ms | p95 ms from the send | duplicates | missing |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        results.Select(r => $"| {r.Database} | {r.DeliveriesPerSecond:F0} | {r.CeilingPerSecond:F0} | {r.Ratio:F3} | {r.MinimalPerSecond:F0} | {r.MinimalRatio:F3} | {r.Latency.P50:F0} | {r.Latency.P95:F0} | {r.Latency.P99:F0} | {r.LatencyFromSend.P95:F0} | {r.Duplicates} | {r.Missing} |"));
    return measured ? 0 : 1;
}

// Runs body on each database; false (with the reason on stderr) when setting up what the bench needs failed
// (the server, PostgreSQL, sign-in, seeding). What was measured before that is still summarised.
static async Task<bool> MeasureEachDatabaseAsync(string db, Func<string, string, string, Task> body, CancellationToken ct)
{
    try
    {
        await ForEachDatabaseAsync(db, body, ct);
        return true;
    }
    catch (Exception e) when (e is ServerStartException or InvalidOperationException or Npgsql.NpgsqlException or HttpRequestException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return false;
    }
}

static void PrintTable(string? title, string header, string rule, IEnumerable<string> rows)
{
    Console.WriteLine();
    if (title is not null)
    {
        Console.WriteLine(title);
    }
    Console.WriteLine(header);
    Console.WriteLine(rule);
    foreach (var row in rows)
    {
        Console.WriteLine(row);
    }
}

static async Task ForEachDatabaseAsync(string db, Func<string, string, string, Task> body, CancellationToken ct)
{
    if (db is "sqlite" or "both")
    {
        var dir = Directory.CreateTempSubdirectory("vigil-bench.");
        try
        {
            // sqlite:/// then an absolute path: four slashes in all.
            await body("sqlite", "sqlite:///" + Path.Combine(dir.FullName, "vigil.db"), dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
    if (db is "postgres" or "both")
    {
        await using var postgres = await Postgres.StartAsync(ct);
        Console.Error.WriteLine($"[postgres] {postgres.Description}");
        var dir = Directory.CreateTempSubdirectory("vigil-bench.");
        try
        {
            await body("postgres", await postgres.CreateDatabaseAsync(ct), dir.FullName);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

static Option<int> Positive(Option<int> option)
{
    option.Validators.Add(r =>
    {
        if (r.GetValueOrDefault<int>() < 1)
        {
            r.AddError($"{option.Name} must be at least 1.");
        }
    });
    return option;
}

static async Task<int> RunAsync(string db, string suite, BenchSettings settings, RestockBenchSettings restock, string serverDll, CancellationToken ct)
{
    if (suite is "restock" or "all")
    {
        var code = await RestockAsync(db, restock, serverDll, ct);
        if (suite == "restock" || code != 0)
        {
            return code;
        }
    }
    Console.WriteLine($"vigil bench: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    Console.WriteLine($"settings: {settings.Connections} connections, {settings.WarmupSeconds} s warm-up, {settings.Repeat} x {settings.Seconds} s per workload, " +
        $"{settings.Workspaces} workspaces; medians over the runs");
    Console.WriteLine($"ceiling: GET /healthz on the same server (static 200, no database, no auth); server: {serverDll}");

    var results = new List<WorkloadSummary>();
    var measured = await MeasureEachDatabaseAsync(db, async (name, url, dir) =>
        results.AddRange(await RunOneAsync(name, url, dir, serverDll, settings, ct)), ct);
    PrintTable("summary (medians; ratios are the median of each run's workload / ceiling of the same repetition):",
        "| db | workload | rps | p50 ms | p99 ms | rps / ceiling | p99 / ceiling |", "|---|---|---:|---:|---:|---:|---:|",
        results.Select(r => r.IsCeiling
            ? $"| {r.Database} | {r.Workload} (ceiling) | {r.Rps:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | 1 | 1 |"
            : $"| {r.Database} | {r.Workload} | {r.Rps:F0} | {r.P50Ms:F2} | {r.P99Ms:F2} | {r.RpsRatio:F3} | {r.P99Ratio:F2} |"));
    // A measurement, not a gate: the numbers are for reading, so a slow run still exits 0.
    return measured ? 0 : 1;
}

static async Task<int> RestockAsync(string db, RestockBenchSettings settings, string serverDll, CancellationToken ct)
{
    Console.WriteLine($"vigil bench restock: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    Console.WriteLine($"settings: {settings.Sources} sources, {settings.Concurrency} requests in flight, {settings.Repeat} cycles per database after {RestockBench.WarmUpCycles}-{RestockBench.MaxWarmUpCycles} warm-up cycles (at least {RestockBench.WarmUp.TotalSeconds:F0} s, until the server's JIT has settled); medians");
    Console.WriteLine("ceiling: a bare HttpClient loop over the same URLs in this process, same requests in flight, bodies read");
    var results = new List<RestockSummary>();
    var measured = await MeasureEachDatabaseAsync(db, async (name, url, dir) =>
    {
        results.Add(await RestockBench.RunAsync(name, url, dir, serverDll, settings, Console.Error, ct));
        Console.WriteLine(results[^1].Line());
    }, ct);
    PrintTable(null,
        "| db | sources | module checks/s | ceiling checks/s | ratio | server CPU per cycle | per check | bare loop CPU | working set | growth in a cycle |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        results.Select(r => $"| {r.Database} | {r.Sources} | {r.ModuleChecksPerSecond:F0} | {r.CeilingChecksPerSecond:F0} | {r.Ratio:F2} | {r.CycleCpuMs:F0} ms | {r.CycleCpuPerCheckUs:F0} µs | {r.CeilingCpuMs:F0} ms | {r.WorkingSetMb:F0} MB | {r.WorkingSetGrowthMb:F1} MB |"));
    return measured ? 0 : 1;
}

static async Task<IReadOnlyList<WorkloadSummary>> RunOneAsync(
    string database, string databaseUrl, string dataDir, string serverDll, BenchSettings settings, CancellationToken ct)
{
    var results = await PlatformBench.RunAsync(database, databaseUrl, dataDir, serverDll, settings, Console.Error, ct);
    foreach (var r in results)
    {
        Console.WriteLine(r.Line());
    }
    return results;
}

// src/Vigil.Server's output in the configuration this bench was built in (the project reference builds it).
static string DefaultServerDll()
{
    var configuration = typeof(BenchSettings).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "Configuration")?.Value ?? "Release";
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
    {
        dir = dir.Parent;
    }
    var repo = dir?.FullName ?? Directory.GetCurrentDirectory();
    return Path.Combine(repo, "src", "Vigil.Server", "bin", configuration, "net10.0", "Vigil.Server.dll");
}
