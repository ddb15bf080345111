using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// On SQLite, the dispatcher's own writes (claims and outcome records of overlapping passes) take turns here instead of
/// meeting in SQLite's busy handler, which sleeps in steps of milliseconds while the database sits unused. PostgreSQL
/// writers do not block each other on these rows, so there it lets everyone through.
/// </summary>
public sealed class OutboxWriteTurn : IDisposable
{
    readonly SemaphoreSlim _turn = new(1);

    public async ValueTask<Turn> TakeAsync(DatabaseProvider provider, CancellationToken ct)
    {
        if (provider != DatabaseProvider.Sqlite)
        {
            return default;
        }
        await _turn.WaitAsync(ct);
        return new Turn(_turn);
    }

    public void Dispose() => _turn.Dispose();

    /// <summary>Held for the length of one write; disposing it lets the next writer in.</summary>
    public readonly struct Turn(SemaphoreSlim? held) : IDisposable
    {
        public void Dispose() => held?.Release();
    }
}
