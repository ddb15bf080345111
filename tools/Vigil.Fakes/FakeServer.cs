namespace Vigil.Fakes;

/// <summary>
/// Base of every stand-in for an outside system: a real Kestrel server on <c>127.0.0.1:0</c> speaking that
/// system's wire format, so our typed clients, resilience and parsing all run in tests.
/// </summary>
public abstract class FakeServer : IAsyncDisposable
{
    WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Maps the fake's routes.</summary>
    protected abstract void Map(WebApplication app);

    public async Task StartAsync(CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync(ct);
        BaseAddress = new Uri(_app.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
