using System.Collections.Concurrent;

namespace Vigil.Server.Platform.Auth;

/// <summary>What a bearer token's session check found: the user's state and whether the session was revoked.</summary>
public sealed record SessionState(bool IsDisabled, bool IsAdmin, bool Revoked);

/// <summary>
/// Remembers session checks for a few seconds, so a busy client does not cost a database query per request.
/// Revoking, disabling, promoting or demoting in this process forgets the affected entries at once; another replica
/// notices within <see cref="Lifetime"/>.
/// </summary>
public sealed class SessionCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    readonly ConcurrentDictionary<Guid, Entry> _sessions = new();
    readonly ConcurrentDictionary<Guid, long> _generations = new();

    public bool TryGet(Guid userId, Guid sessionId, out SessionState state)
    {
        if (_sessions.TryGetValue(sessionId, out var entry) && entry.UserId == userId
            && entry.Generation == Generation(userId) && entry.Expires > clock.GetUtcNow())
        {
            state = entry.State;
            return true;
        }
        state = null!;
        return false;
    }

    public void Set(Guid userId, Guid sessionId, SessionState state)
    {
        if (_sessions.Count > 100_000)
        {
            _sessions.Clear();
        }
        _sessions[sessionId] = new Entry(userId, state, Generation(userId), clock.GetUtcNow() + Lifetime);
    }

    public void ForgetSession(Guid sessionId) => _sessions.TryRemove(sessionId, out _);

    /// <summary>Every cached session of the user becomes stale (password change, disable, role change).</summary>
    public void ForgetUser(Guid userId) => _generations.AddOrUpdate(userId, 1, (_, g) => g + 1);

    long Generation(Guid userId) => _generations.TryGetValue(userId, out var g) ? g : 0;

    sealed record Entry(Guid UserId, SessionState State, long Generation, DateTimeOffset Expires);
}
