using System.Diagnostics;
using System.Text;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>The published server binary run as its own process, as an operator would run it.</summary>
public static class ServerProcess
{
    public static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Vigil.Server.dll");

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    /// <summary>Runs the server with arguments and environment until it exits (or the timeout kills it).</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> args, IDictionary<string, string> env, TimeSpan timeout, string? workingDirectory = null)
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
        // Nothing leaves loopback: OVH's hosts are a closed local port unless a test points them at its fake.
        foreach (var region in (string[])["EU", "CA", "US"])
        {
            start.Environment[$"OVH_API_BASE_{region}"] = "http://127.0.0.1:9/1.0";
        }
        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
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
