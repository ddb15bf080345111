using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vigil.Server;
using Vigil.Server.Platform;

namespace Vigil.IntegrationTests.Infrastructure;

public enum Db
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The real server on a real loopback port, with its own database (a temp SQLite file or a fresh PostgreSQL
/// database) and a clock tests can move. Offers intent methods rather than its services.
/// </summary>
public abstract partial class VigilHost(Db db) : IAsyncLifetime
{
    WebApplication? _app;
    string? _dir;

    public Db Db { get; } = db;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public LogCapture Logs { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public string DatabaseUrl { get; private set; } = "";

    public string DataDir => _dir!;

    /// <summary>Extra settings a derived fixture wants (e.g. ALLOW_REGISTRATION=false).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    /// <summary>Run on the real clock (for what only real time can show, e.g. a Quartz cluster's database locks).</summary>
    protected virtual bool RealClock => false;

    /// <summary>Share a database with another host (several replicas); null creates a fresh one.</summary>
    protected virtual string? FixedDatabaseUrl => null;

    /// <summary>Reuse a data directory (and its SQLite file) across hosts, e.g. to restart a server.</summary>
    protected virtual string? FixedDirectory => null;

    /// <summary>Modules to offer in place of the real ones (null: the real ones).</summary>
    protected virtual IReadOnlyList<Vigil.Server.Platform.Modules.VigilModule>? Modules => null;

    public JsonSerializerOptions Json { get; } = PlatformSetup.Json;

    public async ValueTask InitializeAsync()
    {
        if (Db == Db.Postgres && !PostgresServer.Available)
        {
            return;
        }
        _dir = FixedDirectory ?? Directory.CreateTempSubdirectory("vigil-test-").FullName;
        DatabaseUrl = FixedDatabaseUrl ?? (Db == Db.Sqlite
            ? $"sqlite:///{Path.Combine(_dir, "vigil.db")}"
            : await PostgresServer.CreateDatabaseAsync("vigil", CancellationToken.None));
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--DATABASE_URL={DatabaseUrl}",
            $"--DATA_DIR={_dir}",
            "--JWT_SECRET=integration-tests-secret-that-is-long-enough-0123456789",
            "--environment=Production",
            // Test classes register a user per test, dozens a minute from one address; the limit's own test sets it low.
            "--AUTH_REGISTRATIONS_PER_MINUTE=100000",
        };
        args.AddRange(ServerProcess.OfflineOvh.Select(s => $"--{s.Key}={s.Value}"));
        args.AddRange(Settings.Select(s => $"--{s.Key}={s.Value}"));
        _app = VigilApp.Build([.. args], builder =>
        {
            if (!RealClock)
            {
                builder.Services.AddSingleton<TimeProvider>(Clock);
            }
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(Logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }, Modules);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (FixedDirectory is null && _dir is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open only leaves a temp folder behind.
            }
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Skips the calling test when this fixture's database is not available here.</summary>
    public void RequireDatabase() => Assert.SkipWhen(_app is null, "PostgreSQL is not available (set VIGIL_TEST_POSTGRES or run ./test.sh).");

    public HttpClient CreateClient(string? bearer = null)
    {
        RequireDatabase();
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>Every HTTP route the server maps: method, pattern, and whether it acts in a resolved workspace.</summary>
    public IReadOnlyList<RouteInfo> Routes()
    {
        RequireDatabase();
        return [.. _app!.Services.GetServices<Microsoft.AspNetCore.Routing.EndpointDataSource>()
            .SelectMany(s => s.Endpoints)
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new RouteInfo(m, "/" + e.RoutePattern.RawText!.Trim('/'),
                    e.Metadata.GetMetadata<Vigil.Server.Platform.Workspaces.WorkspaceScopedMetadata>() is not null,
                    e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)))];
    }

    /// <summary>A singleton of the running server, for checks on what was registered (not for driving use cases).</summary>
    public T? Service<T>() where T : class
    {
        RequireDatabase();
        return _app!.Services.GetService<T>();
    }

    /// <summary>The admin password from the first-start banner in the log.</summary>
    public string AdminPassword
    {
        get
        {
            RequireDatabase();
            var match = BannerPassword().Match(Logs.All);
            match.Success.ShouldBeTrue("the first start prints the admin banner");
            return match.Groups[1].Value;
        }
    }

    [GeneratedRegex(@"Password: (\S+)")]
    private static partial Regex BannerPassword();

    /// <summary>Registers a fresh user and signs them in.</summary>
    public async Task<TestUser> RegisterAsync(string? username = null, CancellationToken ct = default)
    {
        username ??= "u" + Guid.NewGuid().ToString("N")[..10];
        var password = "Pw-" + Guid.NewGuid().ToString("N")[..16];
        using var anonymous = CreateClient();
        var registered = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{username}@example.com", username, password }, ct);
        registered.StatusCode.ShouldBe(System.Net.HttpStatusCode.Created, await registered.Content.ReadAsStringAsync(ct));
        var user = (await registered.Content.ReadFromJsonAsync<JsonElement>(ct));
        return await SignInAsync(username, password, user.GetProperty("id").GetGuid(), user.GetProperty("personal_workspace_id").GetGuid(), ct);
    }

    public async Task<TestUser> SignInAsync(string login, string password, Guid id, Guid personalWorkspace, CancellationToken ct = default)
    {
        using var anonymous = CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { login, password }, ct);
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var access = tokens.GetProperty("access_token").GetString()!;
        return new TestUser(id, login, password, personalWorkspace, access, tokens.GetProperty("refresh_token").GetString()!, CreateClient(access));
    }

    public async Task<TestUser> AdminAsync(CancellationToken ct = default)
    {
        var password = AdminPassword;
        using var anonymous = CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { login = "admin", password }, ct);
        response.EnsureSuccessStatusCode();
        var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var access = tokens.GetProperty("access_token").GetString()!;
        using var client = CreateClient(access);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/auth/me", ct);
        return new TestUser(me.GetProperty("id").GetGuid(), "admin", password, me.GetProperty("personal_workspace_id").GetGuid(), access, tokens.GetProperty("refresh_token").GetString()!, CreateClient(access));
    }
}

public sealed record RouteInfo(string Method, string Pattern, bool WorkspaceScoped, bool Anonymous);

public sealed record TestUser(Guid Id, string Username, string Password, Guid PersonalWorkspaceId, string AccessToken, string RefreshToken, HttpClient Client);

public sealed class SqliteHost() : VigilHost(Db.Sqlite);

public sealed class PostgresHost() : VigilHost(Db.Postgres);
