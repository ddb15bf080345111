using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

/// <summary>A change of state as a poller recorded it (<see cref="StockState.Unknown"/> before a first sighting).</summary>
public sealed record StockChange(string Subsidiary, string PlanCode, string Datacenter, string Track, StockState Previous, StockState State, DateTime At);

/// <summary>
/// In-process feed of stock changes. The poller publishes what each batch changed once it is committed; open status
/// boards listen to <see cref="Changed"/>, and API status streams hold a <see cref="Subscription"/> with a bounded buffer.
/// While streams are open, <see cref="CatchUpAsync"/> also reads the changes other replicas recorded and publishes them
/// here, and a change heard twice (from this replica's poller and from the database) goes out once.
/// </summary>
public sealed partial class RestockFeed(IServiceScopeFactory scopes, TimeProvider clock, ILogger<RestockFeed> logger)
{
    /// <summary>How often, at most, open streams look for changes other replicas recorded.</summary>
    public static readonly TimeSpan CatchUpEvery = TimeSpan.FromSeconds(30);

    /// <summary>How far back each look reaches: a batch commits a moment after the time it records, and replicas' clocks differ a little.</summary>
    static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    const int CatchUpLimit = 10_000;

    readonly Lock _gate = new();

    /// <summary>Per (subsidiary, plan, datacenter, track), the time of the newest change published while streams are open.</summary>
    readonly Dictionary<(string, string, string, string), DateTime> _latest = [];

    int _streams;

    /// <summary>When the first of the open streams arrived: what was recorded before is in its snapshot.</summary>
    DateTime _openSince;

    DateTime _nextCatchUp;
    int _catchingUp;

    public event Action<IReadOnlyList<StockChange>>? Changed;

    /// <summary>Everything listening now (boards and streams).</summary>
    public int Listeners => Changed?.GetInvocationList().Length ?? 0;

    /// <summary>Open status streams.</summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>Tells every listener what changed; while streams are open, a change already published is left out.</summary>
    public void Publish(IReadOnlyList<StockChange> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }
        // Delivered under the lock, so listeners hear one key's changes in the order they happened. Listeners only queue.
        lock (_gate)
        {
            var fresh = _streams > 0 ? Unheard(changes) : changes;
            if (fresh.Count > 0)
            {
                Changed?.Invoke(fresh);
            }
        }
    }

    /// <summary>The changes newer than what was published for their key; remembers them. Called under the lock.</summary>
    IReadOnlyList<StockChange> Unheard(IReadOnlyList<StockChange> changes)
    {
        List<StockChange>? kept = null;
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var key = (change.Subsidiary, change.PlanCode, change.Datacenter, change.Track);
            var at = Microseconds(change.At);
            if (_latest.TryGetValue(key, out var heard) && heard >= at)
            {
                kept ??= [.. changes.Take(i)];
                continue;
            }
            _latest[key] = at;
            kept?.Add(change);
        }
        return kept ?? changes;
    }

    /// <summary>PostgreSQL keeps microseconds: the same instant read back from the database compares equal.</summary>
    static DateTime Microseconds(DateTime at) => new(at.Ticks - at.Ticks % 10, DateTimeKind.Utc);

    /// <summary>
    /// Opens a stream's subscription, holding at most <paramref name="capacity"/> changes the stream has not taken yet; past
    /// that it is dropped (<see cref="Subscription.Dropped"/>). Null when <paramref name="max"/> streams are open already.
    /// </summary>
    public Subscription? Subscribe(int capacity, int max)
    {
        lock (_gate)
        {
            if (_streams >= max)
            {
                return null;
            }
            if (_streams++ == 0)
            {
                // Not rounded down: a change recorded at this very instant is in the snapshot (or heard from this poller).
                _openSince = clock.GetUtcNow().UtcDateTime;
                _nextCatchUp = _openSince + CatchUpEvery;
            }
            var subscription = new Subscription(this, capacity);
            Changed += subscription.OnChanged;
            return subscription;
        }
    }

    void Release(Subscription subscription)
    {
        lock (_gate)
        {
            Changed -= subscription.OnChanged;
            if (--_streams == 0)
            {
                _latest.Clear();
            }
        }
    }

    /// <summary>
    /// While streams are open, at most every <see cref="CatchUpEvery"/>: publishes the changes recorded since the last look
    /// (by this replica or another), so a stream hears other replicas' checks too. Open streams call it as they tick; a
    /// failure is logged and the next tick tries again.
    /// </summary>
    public async Task CatchUpAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime since;
        lock (_gate)
        {
            if (_streams == 0 || now < _nextCatchUp)
            {
                return;
            }
            _nextCatchUp = now + CatchUpEvery;
            since = now - Overlap > _openSince ? now - Overlap : _openSince;
        }
        if (Interlocked.Exchange(ref _catchingUp, 1) == 1)
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var recorded = await db.Set<RestockTransition>().AsNoTracking().Where(t => t.At > since).OrderBy(t => t.At).Take(CatchUpLimit)
                .Select(t => new StockChange(t.Subsidiary, t.PlanCode, t.Datacenter, t.Track, t.From, t.To, t.At))
                .ToListAsync(ct);
            Publish(recorded);
            lock (_gate)
            {
                // Older than any later look reaches: never read again, so no longer worth remembering.
                foreach (var key in _latest.Where(l => l.Value < since).Select(l => l.Key).ToList())
                {
                    _latest.Remove(key);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCatchUpFailed(logger, e);
        }
        finally
        {
            Volatile.Write(ref _catchingUp, 0);
        }
    }

    /// <summary>
    /// One stream's queue of changes. The feed adds to it without waiting; the stream takes from it. Holding more than its
    /// capacity, it is dropped rather than grown: it takes nothing more, and <see cref="Dropped"/> is cancelled.
    /// </summary>
    public sealed class Subscription : IDisposable
    {
        readonly RestockFeed _feed;
        readonly int _capacity;
        readonly Channel<IReadOnlyList<StockChange>> _queue = Channel.CreateUnbounded<IReadOnlyList<StockChange>>(new UnboundedChannelOptions { SingleReader = true });

        // Never disposed: it is cancelled from the thread pool, possibly after the stream ended; without a timer or a wait
        // handle it holds nothing to release, and the stream's linked registration goes with the stream.
        readonly CancellationTokenSource _dropped = new();
        int _pending;
        int _overflowed;
        int _released;

        internal Subscription(RestockFeed feed, int capacity)
        {
            _feed = feed;
            _capacity = capacity;
        }

        /// <summary>It fell too far behind and was dropped.</summary>
        public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

        /// <summary>Cancelled when it is dropped, so a write blocked on a slow client gives up.</summary>
        public CancellationToken Dropped => _dropped.Token;

        internal void OnChanged(IReadOnlyList<StockChange> changes)
        {
            if (Overflowed)
            {
                return;
            }
            if (Interlocked.Add(ref _pending, changes.Count) > _capacity)
            {
                if (Interlocked.Exchange(ref _overflowed, 1) == 0)
                {
                    _queue.Writer.TryComplete();
                    // Not on the publisher's thread: it is a poll cycle (or another stream), and must not run this stream's code.
                    ThreadPool.QueueUserWorkItem(static dropped => dropped.Cancel(), _dropped, preferLocal: false);
                }
                return;
            }
            _queue.Writer.TryWrite(changes);
        }

        /// <summary>Waits for changes; false once the subscription was dropped or released and nothing is left.</summary>
        public ValueTask<bool> WaitToReadAsync(CancellationToken ct) => _queue.Reader.WaitToReadAsync(ct);

        /// <summary>Takes the next batch of changes, if any.</summary>
        public bool TryRead(out IReadOnlyList<StockChange> changes)
        {
            if (_queue.Reader.TryRead(out var batch))
            {
                Interlocked.Add(ref _pending, -batch.Count);
                changes = batch;
                return true;
            }
            changes = [];
            return false;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _queue.Writer.TryComplete();
                _feed.Release(this);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the stock changes other replicas recorded failed; the next stream tick tries again")]
    static partial void LogCatchUpFailed(ILogger logger, Exception exception);
}
