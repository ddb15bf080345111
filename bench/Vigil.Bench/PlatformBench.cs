using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Vigil.Bench;

public sealed record BenchSettings(int Seconds, int WarmupSeconds, int Connections, int Repeat, int Workspaces, long MaxRequestsPerRun);

/// <summary>One workload on one database: medians over the repetitions, and ratios to the ceiling of the same repetition.</summary>
public sealed record WorkloadSummary(
    string Database, string Workload, double Rps, double P50Ms, double P99Ms, double CeilingRps, double RpsRatio, double P99Ratio, long Errors)
{
    public bool IsCeiling => Workload == PlatformBench.Ceiling;

    public string Line() => IsCeiling
        ? $"{Workload} db={Database} rps={Rps:F0} p50_ms={P50Ms:F2} p99_ms={P99Ms:F2} errors={Errors} (ceiling: static 200 on the same Kestrel, no DB, no auth)"
        : $"{Workload} db={Database} rps={Rps:F0} p50_ms={P50Ms:F2} p99_ms={P99Ms:F2} ceiling_rps={CeilingRps:F0} ratio={RpsRatio:F3} p99_ratio={P99Ratio:F2} errors={Errors}";
}

/// <summary>
/// The platform's request path under load: a signed-in <c>GET /api/v1/auth/me</c> and a paged workspace list,
/// each against <c>/healthz</c> on the same server in the same run.
/// </summary>
public static class PlatformBench
{
    public const string Ceiling = "platform.healthz";
    public const string AuthMe = "platform.auth_me";
    public const string WorkspacesList = "platform.workspaces_list";

    static readonly Uri Healthz = new("healthz", UriKind.Relative);
    static readonly Uri Login = new("api/v1/auth/login", UriKind.Relative);
    static readonly Uri Me = new("api/v1/auth/me", UriKind.Relative);
    static readonly Uri Workspaces = new("api/v1/workspaces", UriKind.Relative);
    static readonly Uri WorkspacesPage = new("api/v1/workspaces?limit=50", UriKind.Relative);

    public static async Task<IReadOnlyList<WorkloadSummary>> RunAsync(
        string database, string databaseUrl, string dataDir, string serverDll, BenchSettings settings, TextWriter progress, CancellationToken ct)
    {
        await using var server = await ServerUnderTest.StartAsync(serverDll, databaseUrl, dataDir, ct);
        progress.WriteLine($"[{database}] server up at {server.BaseAddress}");

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = settings.Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            UseCookies = false,
        };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var bearer = new AuthenticationHeaderValue("Bearer", await LogInAsync(client, server.AdminUsername, server.AdminPassword, ct));
        await CreateWorkspacesAsync(client, bearer, settings.Workspaces, ct);
        progress.WriteLine($"[{database}] signed in; {settings.Workspaces} workspaces created");

        var workloads = new (string Name, Func<HttpRequestMessage> NewRequest)[]
        {
            (Ceiling, () => new HttpRequestMessage(HttpMethod.Get, Healthz)),
            (AuthMe, () => Authorized(Me, bearer)),
            (WorkspacesList, () => Authorized(WorkspacesPage, bearer)),
        };

        var warmup = TimeSpan.FromSeconds(settings.WarmupSeconds);
        foreach (var (name, newRequest) in workloads)
        {
            var w = await LoadRunner.RunAsync(client, newRequest, settings.Connections, warmup, settings.MaxRequestsPerRun, ct);
            progress.WriteLine($"[{database}] warm-up {name}: {w.RequestsPerSecond:F0} rps, {w.Errors} errors");
        }

        // Repetitions interleave the workloads, so a slow patch of the machine hits the ceiling and the workload alike.
        var runs = workloads.ToDictionary(w => w.Name, _ => new List<RunResult>());
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        for (var rep = 1; rep <= settings.Repeat; rep++)
        {
            foreach (var (name, newRequest) in workloads)
            {
                var r = await LoadRunner.RunAsync(client, newRequest, settings.Connections, duration, settings.MaxRequestsPerRun, ct);
                runs[name].Add(r);
                progress.WriteLine($"[{database}] run {rep}/{settings.Repeat} {name}: {r.RequestsPerSecond:F0} rps, " +
                    $"p50 {r.P50Ms:F2} ms, p99 {r.P99Ms:F2} ms, {r.Requests} requests, {r.Errors} errors{(r.FirstError is { } e ? $" (first: {e})" : "")}");
            }
        }

        var ceiling = runs[Ceiling];
        return workloads.Select(w =>
        {
            var rs = runs[w.Name];
            return new WorkloadSummary(
                database,
                w.Name,
                Median(rs.Select(r => r.RequestsPerSecond)),
                Median(rs.Select(r => r.P50Ms)),
                Median(rs.Select(r => r.P99Ms)),
                Median(ceiling.Select(r => r.RequestsPerSecond)),
                Median(rs.Select((r, i) => r.RequestsPerSecond / ceiling[i].RequestsPerSecond)),
                Median(rs.Select((r, i) => r.P99Ms / ceiling[i].P99Ms)),
                rs.Sum(r => r.Errors));
        }).ToList();
    }

    static HttpRequestMessage Authorized(Uri uri, AuthenticationHeaderValue bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = bearer;
        return request;
    }

    internal static async Task<string> LogInAsync(HttpClient client, string username, string password, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(Login, new { login = username, password }, ct);
        await EnsureAsync(response, HttpStatusCode.OK, "log in", ct);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
        return body.RootElement.GetProperty("access_token").GetString()
            ?? throw new InvalidOperationException("The login response has no access_token.");
    }

    static async Task CreateWorkspacesAsync(HttpClient client, AuthenticationHeaderValue bearer, int count, CancellationToken ct)
    {
        for (var i = 1; i <= count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Workspaces)
            {
                Content = JsonContent.Create(new { name = $"bench workspace {i:D4}" }),
            };
            request.Headers.Authorization = bearer;
            using var response = await client.SendAsync(request, ct);
            await EnsureAsync(response, HttpStatusCode.Created, "create a workspace", ct);
        }

        // The list must really be a page of 50 with more behind it, or the workload measures something else.
        using var checkRequest = Authorized(WorkspacesPage, bearer);
        using var check = await client.SendAsync(checkRequest, ct);
        await EnsureAsync(check, HttpStatusCode.OK, "list workspaces", ct);
        using var page = JsonDocument.Parse(await check.Content.ReadAsStreamAsync(ct));
        var items = page.RootElement.GetProperty("items").GetArrayLength();
        var hasNext = page.RootElement.GetProperty("next_cursor").ValueKind == JsonValueKind.String;
        if (count >= 50 && (items != 50 || !hasNext))
        {
            throw new InvalidOperationException($"Expected a full page of 50 workspaces with a next cursor, got {items} (next: {hasNext}).");
        }
    }

    internal static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what, CancellationToken ct)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new InvalidOperationException($"Could not {what}: HTTP {(int)response.StatusCode} {body}");
        }
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
