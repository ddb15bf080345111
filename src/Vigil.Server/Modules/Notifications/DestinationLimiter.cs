using System.Collections.Concurrent;
using Vigil.Server.Modules.Notifications.Channels;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Paces sends per destination (one Discord webhook, one Telegram chat…) to the rate it tolerates, so a burst is
/// spread out instead of earning 429s. Also remembers a destination's Retry-After. Per process: with several
/// dispatchers each keeps its own pace, and the destination's own 429s (honoured) cover the rest.
/// </summary>
public sealed class DestinationLimiter(TimeProvider clock)
{
    readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>
    /// Takes a send slot now, or says how long to wait for one. With no <paramref name="limit"/> only a Retry-After
    /// the destination gave makes it wait (and nothing is kept for a destination that never gave one).
    /// </summary>
    public TimeSpan? TryAcquire(string destination, RateLimit? limit)
    {
        var now = clock.GetUtcNow();
        if (limit is null)
        {
            if (!_buckets.TryGetValue(destination, out var blocked))
            {
                return null;
            }
            lock (blocked)
            {
                return blocked.BlockedUntil > now ? blocked.BlockedUntil - now : null;
            }
        }
        var bucket = _buckets.GetOrAdd(destination, _ => new Bucket());
        lock (bucket)
        {
            if (bucket.BlockedUntil > now)
            {
                return bucket.BlockedUntil - now;
            }
            while (bucket.Sent.TryPeek(out var first) && now - first >= limit.Per)
            {
                bucket.Sent.Dequeue();
            }
            if (bucket.Sent.Count >= limit.Count)
            {
                return limit.Per - (now - bucket.Sent.Peek());
            }
            bucket.Sent.Enqueue(now);
            return null;
        }
    }

    /// <summary>The destination asked us to wait (429 Retry-After).</summary>
    public void Block(string destination, TimeSpan wait)
    {
        var bucket = _buckets.GetOrAdd(destination, _ => new Bucket());
        lock (bucket)
        {
            var until = clock.GetUtcNow() + wait;
            if (until > bucket.BlockedUntil)
            {
                bucket.BlockedUntil = until;
            }
        }
    }

    sealed class Bucket
    {
        public Queue<DateTimeOffset> Sent { get; } = new();
        public DateTimeOffset BlockedUntil { get; set; }
    }
}
