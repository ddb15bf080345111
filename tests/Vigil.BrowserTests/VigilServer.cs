using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vigil.BrowserTests;

/// <summary>
/// The real server, built beside the tests and started as its own process on a free loopback port with a fresh
/// SQLite file, in the Production environment; the admin password comes from its first-start banner.
/// </summary>
public sealed partial class VigilServer : IAsyncLifetime
{
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    readonly string _dataDir = Directory.CreateTempSubdirectory("vigil-browser-").FullName;
    readonly StringBuilder _output = new();
    readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Process? _process;

    public Uri BaseAddress { get; private set; } = null!; // set in InitializeAsync

    public const string AdminUsername = "admin";

    public string AdminPassword { get; private set; } = "";

    /// <summary>The OVH API the server's restock watch reads (all regions), scriptable by tests.</summary>
    public Vigil.Fakes.FakeOvh Ovh { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Ovh.StartAsync();
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dataDir,
        };
        start.ArgumentList.Add(ServerDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        start.Environment["DATABASE_URL"] = $"sqlite:///{Path.Combine(_dataDir, "vigil.db")}";
        start.Environment["DATA_DIR"] = _dataDir;
        // Notification tests deliver to receivers the test runs on loopback.
        start.Environment["OUTBOUND_ALLOWLIST"] = "127.0.0.0/8";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Nothing may reach the real OVH: every region points at the fake.
        start.Environment["OVH_API_BASE_EU"] = new Uri(Ovh.BaseAddress, "1.0").ToString();
        start.Environment["OVH_API_BASE_CA"] = new Uri(Ovh.BaseAddress, "1.0").ToString();
        start.Environment["OVH_API_BASE_US"] = new Uri(Ovh.BaseAddress, "1.0").ToString();
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        // Channels under test point at receivers the tests run on loopback, which the server refuses by default.
        start.Environment["OUTBOUND_ALLOWLIST"] = "127.0.0.0/8";

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"The server exited early:\n{Output}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            await _listening.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server did not start within {StartTimeout}:\n{Output}");
        }
        using var http = CreateClient();
        (await http.GetAsync(new Uri("/healthz", UriKind.Relative), timeout.Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        AdminPassword.ShouldNotBeNullOrEmpty($"No admin password in the start-up banner:\n{Output}");
    }

    string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (PasswordLine().Match(line) is { Success: true } password)
        {
            AdminPassword = password.Groups[1].Value;
        }
        if (line.Contains("Now listening on:", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>An API client signed in as the admin with a bearer token.</summary>
    public async Task<HttpClient> CreateAdminClientAsync(CancellationToken ct)
    {
        var http = CreateClient();
        using var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { login = AdminUsername, password = AdminPassword }, ct);
        login.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync(ct));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("access_token").GetString());
        return http;
    }

    /// <summary>Sets the registration switch through the API, so a test does not depend on another's leftovers.</summary>
    public async Task AllowRegistrationAsync(bool allow, CancellationToken ct)
    {
        using var http = await CreateAdminClientAsync(ct);
        using var response = await http.PatchAsJsonAsync("/api/v1/admin/settings", new { allow_registration = allow }, ct);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        await Ovh.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the dying process; the temp folder is cleaned by the OS later.
        }
    }

    static string ServerDll()
    {
        var path = Environment.GetEnvironmentVariable("VIGIL_SERVER_DLL")
            ?? typeof(VigilServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "VigilServerDll").Value!;
        File.Exists(path).ShouldBeTrue($"The server build is missing at {path}; build the solution first.");
        return path;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\s*Password:\s*(\S+)\s*$")]
    private static partial Regex PasswordLine();
}
