using System.Net;
using System.Net.Http.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Platform;

public sealed class TightLimitsHost : VigilHost
{
    public TightLimitsHost() : base(Db.Sqlite)
    {
    }

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("AUTH_REGISTRATIONS_PER_MINUTE", "3"),
        new("AUTH_IP_FAILURES_PER_WINDOW", "8"),
        new("CORS_ORIGINS", "https://app.example.com"),
    ];
}

public sealed class LimitsTests(TightLimitsHost host) : IClassFixture<TightLimitsHost>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registration_is_rate_limited_per_ip_with_retry_after()
    {
        using var client = host.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            var name = "rl" + Guid.NewGuid().ToString("N")[..8];
            last = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{name}@example.com", username = name, password = "a good long passphrase" }, Ct);
            statuses.Add(last.StatusCode);
        }
        statuses.ShouldContain(HttpStatusCode.TooManyRequests);
        last!.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        last.Headers.RetryAfter.ShouldNotBeNull();
        last.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await last.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("type").GetString()!.ShouldContain("rfc6585");
    }

    [Fact]
    public async Task Many_failed_sign_ins_from_one_ip_across_accounts_are_throttled()
    {
        using var client = host.CreateClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 9; i++)
        {
            // A different account each time: only the per-IP counter can catch this.
            last = await client.PostAsJsonAsync("/api/v1/auth/login", new { login = $"spray{i}-{Guid.NewGuid():N}", password = "Winter2026!" }, Ct);
        }
        last!.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        last.Headers.RetryAfter!.Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);

        host.Clock.Advance(TimeSpan.FromMinutes(16));
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "spray-late", password = "x" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cors_allows_the_configured_origin_only()
    {
        using var client = host.CreateClient();
        using var allowed = new HttpRequestMessage(HttpMethod.Options, "/api/v1/auth/login");
        allowed.Headers.Add("Origin", "https://app.example.com");
        allowed.Headers.Add("Access-Control-Request-Method", "POST");
        var ok = await client.SendAsync(allowed, Ct);
        ok.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe(["https://app.example.com"]);

        using var other = new HttpRequestMessage(HttpMethod.Options, "/api/v1/auth/login");
        other.Headers.Add("Origin", "https://evil.example");
        other.Headers.Add("Access-Control-Request-Method", "POST");
        var refused = await client.SendAsync(other, Ct);
        refused.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }
}
