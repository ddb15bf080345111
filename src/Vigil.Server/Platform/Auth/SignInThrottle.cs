using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Platform.Auth;

/// <summary>
/// Counts failed sign-ins per IP and per login name (whether or not the account exists, so the answer
/// never tells which accounts are real). Past the limit, sign-in waits with 429 and <c>Retry-After</c>.
/// Kept in memory: per replica, which bounds guessing to N × replicas per window; Identity's lockout
/// (in the database) covers accounts across replicas.
/// </summary>
public sealed class SignInThrottle(IOptions<AuthOptions> options, TimeProvider clock)
{
    readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    readonly AuthOptions _options = options.Value;

    TimeSpan Period => TimeSpan.FromMinutes(_options.LockoutMinutes);

    /// <summary>How long the caller must wait before trying again, or null when a try is allowed now.</summary>
    public TimeSpan? RetryAfter(string? ip, string login)
    {
        var now = clock.GetUtcNow();
        var byIp = Check(IpKey(ip), _options.IpFailuresPerWindow, now);
        var byLogin = Check(LoginKey(login), _options.MaxFailedAttempts, now);
        return (byIp, byLogin) switch
        {
            (null, null) => null,
            ({ } a, { } b) => a > b ? a : b,
            _ => byIp ?? byLogin,
        };
    }

    public void RecordFailure(string? ip, string login)
    {
        var now = clock.GetUtcNow();
        Add(IpKey(ip), now);
        Add(LoginKey(login), now);
        if (_windows.Count > 100_000)
        {
            Trim(now);
        }
    }

    public void RecordSuccess(string login) => _windows.TryRemove(LoginKey(login), out _);

    static string IpKey(string? ip) => "ip:" + (ip ?? "unknown");

    static string LoginKey(string login) => "login:" + login.Trim().ToUpperInvariant();

    TimeSpan? Check(string key, int limit, DateTimeOffset now)
    {
        if (!_windows.TryGetValue(key, out var window))
        {
            return null;
        }
        lock (window)
        {
            window.Prune(now - Period);
            if (window.Failures.Count < limit)
            {
                return null;
            }
            // The oldest failure that keeps the count at the limit must age out first.
            var wait = window.Failures.ElementAt(window.Failures.Count - limit) + Period - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1);
        }
    }

    void Add(string key, DateTimeOffset now)
    {
        var window = _windows.GetOrAdd(key, _ => new Window());
        lock (window)
        {
            window.Prune(now - Period);
            window.Failures.Enqueue(now);
            while (window.Failures.Count > 10_000)
            {
                window.Failures.Dequeue();
            }
        }
    }

    void Trim(DateTimeOffset now)
    {
        foreach (var (key, window) in _windows)
        {
            lock (window)
            {
                window.Prune(now - Period);
                if (window.Failures.Count == 0)
                {
                    _windows.TryRemove(key, out _);
                }
            }
        }
    }

    sealed class Window
    {
        public Queue<DateTimeOffset> Failures { get; } = new();

        public void Prune(DateTimeOffset before)
        {
            while (Failures.TryPeek(out var first) && first < before)
            {
                Failures.Dequeue();
            }
        }
    }
}
