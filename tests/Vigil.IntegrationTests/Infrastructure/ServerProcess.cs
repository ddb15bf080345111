using System.Diagnostics;
using System.Text;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>The published server binary run as its own process, as an operator would run it.</summary>
public static class ServerProcess
{
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Vigil.Server.dll");

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>OVH's hosts as a closed local port: nothing leaves loopback unless a test points them at its fake.</summary>
    public static IReadOnlyDictionary<string, string> OfflineOvh { get; } = new Dictionary<string, string>
    {
        ["OVH_API_BASE_EU"] = "http://127.0.0.1:9/1.0",
        ["OVH_API_BASE_CA"] = "http://127.0.0.1:9/1.0",
        ["OVH_API_BASE_US"] = "http://127.0.0.1:9/1.0",
    };

    /// <summary>The server binary with these arguments and environment (over <see cref="OfflineOvh"/>), in production mode.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string> env, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (k, v) in OfflineOvh.Concat(env))
        {
            start.Environment[k] = v;
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return start;
    }

    /// <summary>Runs the server with arguments and environment until it exits (or the timeout kills it).</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string> env, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = StartInfo(args, env, workingDirectory);
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return new Result(-1, stdout.ToString(), stderr.ToString() + "\n(timed out)");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
