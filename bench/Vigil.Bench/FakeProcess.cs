using System.Diagnostics;

namespace Vigil.Bench;

/// <summary>
/// A fake outside system in a child process (<c>Vigil.Fakes MODE …</c>), so the server and the bare loop both reach
/// it across processes, as they would the real one. It prints <c>NAME URL</c> when it listens, then answers each
/// command line on its stdin with one line.
/// </summary>
public sealed class FakeProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly SemaphoreSlim _turn = new(1);

    FakeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The fake process's CPU time so far.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>FakeOvh serving <paramref name="plans"/> VPS plans (<c>ovh-bench N</c>); <c>flip</c> changes 20 datacenters.</summary>
    public static Task<FakeProcess> OvhAsync(int plans, CancellationToken ct) =>
        StartAsync(["ovh-bench", plans.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);

    /// <summary>The notifications bench's webhook receiver (<c>webhook-bench</c>, see <c>BenchWebhookReceiver</c>).</summary>
    public static Task<FakeProcess> WebhookReceiverAsync(CancellationToken ct) => StartAsync(["webhook-bench"], ct);

    static async Task<FakeProcess> StartAsync(string[] arguments, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Vigil.Fakes.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The fake did not start.");
        var line = await process.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException("The fake exited before printing its address.");
        return new FakeProcess(process, new Uri(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
    }

    /// <summary>Sends one command and returns the fake's answer.</summary>
    public async Task<string> AskAsync(string command, CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            await _process.StandardInput.WriteLineAsync(command.AsMemory(), ct);
            await _process.StandardInput.FlushAsync(ct);
            return await _process.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException("The fake exited.");
        }
        finally
        {
            _turn.Release();
        }
    }

    public Task FlipAsync(CancellationToken ct) => AskAsync("flip", ct);

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(5000))
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
        _turn.Dispose();
    }
}
