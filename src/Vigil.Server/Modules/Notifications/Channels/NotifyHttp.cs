namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// The HTTP client every HTTP channel driver sends with: SSRF-guarded (users type these URLs), a per-attempt
/// timeout, and no retries of its own, because the dispatcher owns retries, backoff and Retry-After.
/// </summary>
public sealed class NotifyHttp(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public const string UserAgent = "Vigil/1.0";
}
