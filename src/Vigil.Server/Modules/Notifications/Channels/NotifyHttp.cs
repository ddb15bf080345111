using Vigil.Server.Platform.Http;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// The HTTP client every HTTP channel driver sends with: SSRF-guarded (users type these URLs), a per-attempt
/// timeout, and no retries of its own, because the dispatcher owns retries, backoff and Retry-After.
/// </summary>
public sealed class NotifyHttp(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public const string UserAgent = "Vigil/1.0";

    /// <summary>
    /// Registers the client as the server wires it: guarded, one attempt per send bounded by <paramref name="timeout"/>,
    /// and our User-Agent on every request (set once per client rather than parsed on every send).
    /// </summary>
    public static IHttpClientBuilder Register(IServiceCollection services, TimeSpan timeout) =>
        services.AddUserUrlClientSingleAttempt<NotifyHttp>(timeout)
            .ConfigureHttpClient(http => http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent));
}
