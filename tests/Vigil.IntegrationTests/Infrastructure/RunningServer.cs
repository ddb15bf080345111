using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>The built server running as its own process on a loopback port, to be killed and restarted like a real one.</summary>
public sealed partial class RunningServer : IAsyncDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();
    readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    RunningServer(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<RunningServer> StartAsync(IDictionary<string, string> env, CancellationToken ct)
    {
        var start = ServerProcess.StartInfo(["--urls", "http://127.0.0.1:0"], env);
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var server = new RunningServer(Process.Start(start)!);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        server.BaseAddress = await server._listening.Task.WaitAsync(timeout.Token);
        return server;
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
        if (Listening().Match(line) is { Success: true } m)
        {
            _listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();

    [GeneratedRegex(@"Password: (\S+)")]
    private static partial Regex Password();

    public string? AdminPassword => Password().Match(Output) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>SIGKILL: no shutdown, no flushing, exactly as a crash.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
