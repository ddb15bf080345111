using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Server.Platform.Http;

namespace Vigil.UnitTests.Platform;

/// <summary>The platform's outbound clients against a real loopback server that misbehaves on purpose.</summary>
public sealed class OutboundHttpTests : IAsyncLifetime
{
    WebApplication _upstream = null!;
    int _calls;
    readonly Queue<(int Status, string? RetryAfter)> _script = new();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _upstream = builder.Build();
        _upstream.Map("/{**path}", (HttpContext http) =>
        {
            Interlocked.Increment(ref _calls);
            var (status, retryAfter) = _script.TryDequeue(out var next) ? next : (200, null);
            if (retryAfter is not null)
            {
                http.Response.Headers.RetryAfter = retryAfter;
            }
            return Results.Text("ok", statusCode: status);
        });
        await _upstream.StartAsync();
    }

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    Uri Base => new(_upstream.Urls.First());

    sealed class UserClient(HttpClient http)
    {
        public HttpClient Http { get; } = http;
    }

    ServiceProvider Services(string allowlist)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<OutboundOptions>().Configure(o => o.Allowlist = allowlist);
        services.AddSingleton<IHostResolver, SystemHostResolver>();
        services.AddSingleton<UrlGuard>();
        services.AddUserUrlClient<UserClient>();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Transient_failures_are_retried_honouring_retry_after()
    {
        _script.Enqueue((503, "0"));
        _script.Enqueue((429, "0"));
        await using var sp = Services("127.0.0.1/32");
        var client = sp.GetRequiredService<UserClient>();

        var response = await client.Http.GetAsync(new Uri(Base, "/feed"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _calls.ShouldBe(3);
    }

    [Fact]
    public async Task Posts_without_an_idempotency_key_are_not_retried()
    {
        _script.Enqueue((503, "0"));
        await using var sp = Services("127.0.0.1/32");
        var client = sp.GetRequiredService<UserClient>();

        var response = await client.Http.PostAsync(new Uri(Base, "/hook"), new StringContent("{}"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        _calls.ShouldBe(1);
    }

    [Fact]
    public async Task User_urls_to_loopback_are_refused_without_an_allowlist_and_not_retried()
    {
        await using var sp = Services("");
        var client = sp.GetRequiredService<UserClient>();

        var failure = await Should.ThrowAsync<HttpRequestException>(() => client.Http.GetAsync(new Uri(Base, "/feed"), Ct));

        OutboundHttp.IsBlocked(failure).ShouldBeTrue();
        _calls.ShouldBe(0);
    }
}
