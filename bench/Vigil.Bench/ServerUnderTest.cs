using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Bench;

/// <summary>The server could not be started or did not become ready; carries the tail of its output.</summary>
public sealed class ServerStartException(string message) : Exception(message);

/// <summary>
/// The real server as a child process on a free loopback port, with its own data directory and database, as an
/// operator would run it. Learns the admin password from the first-start banner.
/// </summary>
public sealed class ServerUnderTest : IAsyncDisposable
{
    const int OutputLinesKept = 40;
    readonly Process _process;
    readonly Queue<string> _recentOutput = new();
    readonly TaskCompletionSource<string> _password = new(TaskCreationOptions.RunContinuationsAsynchronously);
    bool _sawBanner;

    ServerUnderTest(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>VIGIL_BENCH_SERVER_LOG=1 copies the server's output to stderr, to see what went wrong in a run.</summary>
    static bool EchoOutput => Environment.GetEnvironmentVariable("VIGIL_BENCH_SERVER_LOG") == "1";

    /// <summary>Prefix of variables passed to the server alone, without the prefix.</summary>
    const string ServerOnlyPrefix = "VIGIL_BENCH_SERVER_ENV_";

    public string AdminUsername { get; private set; } = "admin";

    public string AdminPassword { get; private set; } = "";

    /// <summary>The server's process, for reading its CPU time and memory.</summary>
    public Process Process => _process;

    public static async Task<ServerUnderTest> StartAsync(
        string serverDll, string databaseUrl, string dataDir, CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null,
        bool freshDatabase = true)
    {
        if (!File.Exists(serverDll))
        {
            throw new ServerStartException($"No server build at {serverDll}; build it first (dotnet build -c Release).");
        }
        var port = FreeLoopbackPort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDir,
        };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["DATABASE_URL"] = databaseUrl;
        start.Environment["DATA_DIR"] = dataDir;
        // Any 40+ characters; PostgreSQL replicas must share it, SQLite would otherwise keep one in DATA_DIR.
        start.Environment["JWT_SECRET"] = "vigil-bench-" + Convert.ToHexString(Guid.NewGuid().ToByteArray());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Nothing leaves loopback: OVH's hosts are replaced by a closed local port unless a bench points them at its
        // fake, and the restock poller only runs where a bench asks for it.
        foreach (var region in (string[])["EU", "CA", "US"])
        {
            start.Environment[$"OVH_API_BASE_{region}"] = "http://127.0.0.1:9/1.0";
        }
        start.Environment["Restock__RunPoller"] = "false";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        // VIGIL_BENCH_SERVER_ENV_X=v sets X=v for the server alone (runtime switches for profiling, such as DOTNET_JitStdOutFile).
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string key && key.StartsWith(ServerOnlyPrefix, StringComparison.Ordinal) && key.Length > ServerOnlyPrefix.Length)
            {
                start.Environment[key[ServerOnlyPrefix.Length..]] = variable.Value as string;
            }
        }

        var process = Process.Start(start) ?? throw new ServerStartException("dotnet did not start.");
        var server = new ServerUnderTest(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnOutput(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(90), freshDatabase, ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (EchoOutput)
        {
            Console.Error.WriteLine("  | " + line);
        }
        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > OutputLinesKept)
            {
                _recentOutput.Dequeue();
            }
        }
        // The banner: "INITIAL ADMIN USER CREATED", a rule, username, email, then "   Password: <password>".
        if (line.Contains("INITIAL ADMIN USER CREATED", StringComparison.Ordinal))
        {
            _sawBanner = true;
        }
        else if (_sawBanner && BannerValue(line, "Username:") is { } username)
        {
            AdminUsername = username;
        }
        else if (_sawBanner && BannerValue(line, "Password:") is { } password)
        {
            _password.TrySetResult(password);
        }
    }

    static string? BannerValue(string line, string label)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith(label, StringComparison.Ordinal) ? trimmed[label.Length..].Trim() : null;
    }

    async Task WaitUntilReadyAsync(TimeSpan timeout, bool expectBanner, CancellationToken ct)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw Failed($"The server exited with code {_process.ExitCode} before it was ready.");
            }
            if (clock.Elapsed > timeout)
            {
                throw Failed($"The server did not answer /healthz within {timeout.TotalSeconds:F0} s.");
            }
            try
            {
                using var response = await probe.GetAsync(new Uri("healthz", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // not listening yet
            }
            await Task.Delay(200, ct);
        }
        if (!expectBanner)
        {
            return;
        }
        // The banner is logged before Kestrel starts, but the console logger writes on its own thread.
        try
        {
            AdminPassword = await _password.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
        catch (TimeoutException)
        {
            throw Failed("The server is up but printed no initial admin password (was the database empty?).");
        }
    }

    ServerStartException Failed(string message)
    {
        string tail;
        lock (_recentOutput)
        {
            tail = string.Join(Environment.NewLine, _recentOutput.Select(l => "  | " + l));
        }
        return new ServerStartException($"{message}{Environment.NewLine}Last output:{Environment.NewLine}{tail}");
    }

    HttpClient? _metrics;

    /// <summary>
    /// What the server's JIT has done so far, from its <c>/metrics</c> (the runtime's own counters): methods compiled
    /// and time spent compiling; null when they cannot be read. Tiered compilation recompiles hot code in the
    /// background, so a bench reads this to know the server has settled before it measures.
    /// </summary>
    public async Task<JitTotals?> JitAsync(CancellationToken ct)
    {
        _metrics ??= new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var text = await _metrics.GetStringAsync(new Uri("metrics", UriKind.Relative), ct);
            double? methods = null, seconds = null;
            foreach (var line in text.AsSpan().EnumerateLines())
            {
                methods ??= MetricValue(line, "dotnet_jit_compiled_methods_total");
                seconds ??= MetricValue(line, "dotnet_jit_compilation_time_seconds_total");
            }
            return methods is { } m && seconds is { } s ? new JitTotals((long)m, s) : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The value of a Prometheus sample line for <paramref name="name"/> (labels or not), else null.</summary>
    static double? MetricValue(ReadOnlySpan<char> line, string name)
    {
        if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' '))
        {
            return null;
        }
        var value = line[(line.LastIndexOf(' ') + 1)..];
        return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _metrics?.Dispose();
        if (!_process.HasExited)
        {
            // A throwaway server on a throwaway database: nothing to shut down gracefully.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
    }
}

/// <summary>The server's JIT totals at one moment (see <see cref="ServerUnderTest.JitAsync"/>).</summary>
public sealed record JitTotals(long Methods, double Seconds)
{
    public static JitTotals operator -(JitTotals later, JitTotals earlier) => new(later.Methods - earlier.Methods, later.Seconds - earlier.Seconds);

    public override string ToString() => $"{Methods} methods, {Seconds * 1000:F0} ms";
}

/// <summary>When a JIT has settled: its compiled-method count, sampled once per round of work, grew by at most
/// <see cref="Most"/> over the last <see cref="Rounds"/> rounds.</summary>
public static class JitSettling
{
    public const int Rounds = 5;
    public const int Most = 5;

    /// <summary>Methods compiled over the last <see cref="Rounds"/> rounds; null before there have been that many.</summary>
    public static long? CompiledLately(IReadOnlyList<long> counts) => counts.Count > Rounds ? counts[^1] - counts[^(Rounds + 1)] : null;

    public static bool Settled(long? compiledLately) => compiledLately <= Most;
}
