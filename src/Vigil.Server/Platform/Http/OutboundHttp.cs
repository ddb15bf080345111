using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Vigil.Server.Platform.Http;

/// <summary>
/// The one way the server makes outbound HTTP calls: typed clients from <see cref="IHttpClientFactory"/> with the
/// standard resilience pipeline (timeouts, jittered retries honouring <c>Retry-After</c>, circuit breaker).
/// Clients that call user-supplied URLs also get the SSRF guard at connect time and re-checked redirects.
/// </summary>
public static class OutboundHttp
{
    public const int MaxRedirects = 5;

    /// <summary>A client for a fixed, operator-configured upstream (OVH API, Proxmox host, …).</summary>
    /// <param name="retryUnsafeMethods">Retry POST/PUT/PATCH/DELETE too: only when the upstream deduplicates them (an idempotency key).</param>
    public static IHttpClientBuilder AddUpstreamClient<TClient>(this IServiceCollection services, Action<IServiceProvider, HttpClient>? configure = null, bool retryUnsafeMethods = false)
        where TClient : class
    {
        var builder = services.AddHttpClient<TClient>((sp, http) => configure?.Invoke(sp, http));
        builder.AddStandardResilienceHandler(o => ConfigureResilience(o, retryUnsafeMethods));
        return builder;
    }

    /// <summary>A client for URLs users type in (webhooks, product pages): guarded against SSRF.</summary>
    /// <param name="retryUnsafeMethods">Retry POST/PUT/PATCH/DELETE too: only when the receiver deduplicates them (an idempotency key).</param>
    public static IHttpClientBuilder AddUserUrlClient<TClient>(this IServiceCollection services, Action<IServiceProvider, HttpClient>? configure = null, bool retryUnsafeMethods = false)
        where TClient : class
    {
        var builder = services.AddHttpClient<TClient>((sp, http) => configure?.Invoke(sp, http));
        builder.AddHttpMessageHandler(sp => new GuardedRedirectHandler(sp.GetRequiredService<UrlGuard>()));
        builder.ConfigurePrimaryHttpMessageHandler(sp => GuardedHandler(sp.GetRequiredService<UrlGuard>()));
        builder.AddStandardResilienceHandler(o => ConfigureResilience(o, retryUnsafeMethods));
        return builder;
    }

    /// <summary>
    /// A guarded client for user URLs whose caller owns retries (the notification dispatcher): one attempt, bounded by
    /// <paramref name="timeout"/>, no retry or circuit breaker of its own, and no redirects followed (a signed
    /// delivery must not be replayed to wherever a 3xx points; the caller sees the 3xx). It does not ask for compressed
    /// answers: they are short acknowledgements, and decompression would cost every send.
    /// </summary>
    public static IHttpClientBuilder AddUserUrlClientSingleAttempt<TClient>(this IServiceCollection services, TimeSpan timeout)
        where TClient : class
    {
        // HttpClient's own timeout: a resilience pipeline holding only a timeout cost a few per cent of the
        // dispatcher's CPU at thousands of sends a second (its context, telemetry and linked token per call).
        var builder = services.AddHttpClient<TClient>(http => http.Timeout = timeout);
        builder.ConfigurePrimaryHttpMessageHandler(sp => GuardedHandler(sp.GetRequiredService<UrlGuard>(), decompress: false));
        // The caller records every attempt (status, latency, error, excerpt); the factory's per-request log scope and
        // log lines would only repeat it, at thousands of sends a second.
        builder.RemoveAllLoggers();
        return builder;
    }

    /// <summary>
    /// The socket handler user URLs go through: no proxy, no automatic redirects, guarded dialling; compressed answers
    /// asked for and decoded unless <paramref name="decompress"/> is false.
    /// </summary>
    public static SocketsHttpHandler GuardedHandler(UrlGuard guard, bool decompress = true) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = guard.ConnectAsync,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        AutomaticDecompression = decompress ? DecompressionMethods.All : DecompressionMethods.None,
    };

    static void ConfigureResilience(HttpStandardResilienceOptions o, bool retryUnsafeMethods)
    {
        if (!retryUnsafeMethods)
        {
            o.Retry.DisableForUnsafeHttpMethods();
        }
        var handled = o.Retry.ShouldHandle;
        // A blocked destination stays blocked: retrying it only delays the answer.
        o.Retry.ShouldHandle = args => args.Outcome.Exception is { } e && IsBlocked(e)
            ? PredicateResult.False()
            : handled(args);
        o.Retry.UseJitter = true;
    }

    public static bool IsBlocked(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is BlockedDestinationException)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>Follows redirects itself so each hop's URL is checked again (scheme, host, literal address).</summary>
public sealed class GuardedRedirectHandler(UrlGuard guard) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            if (request.RequestUri is { } target && guard.CheckSyntax(target.ToString()) is { } problem)
            {
                throw new HttpRequestException(problem, new BlockedDestinationException(problem));
            }
            var response = await base.SendAsync(request, ct);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is null)
            {
                return response;
            }
            if (hop >= OutboundHttp.MaxRedirects)
            {
                response.Dispose();
                throw new HttpRequestException($"More than {OutboundHttp.MaxRedirects} redirects.");
            }
            var next = new Uri(request.RequestUri!, response.Headers.Location); // RequestUri is set on every sent request
            var keepMethod = response.StatusCode is HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
            response.Dispose();
            var follow = new HttpRequestMessage(keepMethod ? request.Method : HttpMethod.Get, next);
            if (keepMethod && request.Content is not null)
            {
                follow.Content = request.Content;
            }
            foreach (var header in request.Headers.Where(h => h.Key is not "Authorization" and not "Cookie"))
            {
                follow.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            request = follow;
        }
    }

    static bool IsRedirect(HttpStatusCode code) => code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
