using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Configuration;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Http;
using Vigil.Server.Platform.Modules;
using Vigil.Server.Platform.Secrets;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform;

/// <summary>Everything every module relies on: data, auth, tenancy, audit, secrets, outbound HTTP, API conventions.</summary>
public static class PlatformSetup
{
    public const string ApiPrefix = "/api/v1";
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static readonly JsonSerializerOptions Json = ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions ConfigureJson(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.NumberHandling = JsonNumberHandling.Strict;
        // A key given twice is refused rather than read as its last value: what a proxy or validator in front of us
        // read first must be what we act on.
        o.AllowDuplicateProperties = false;
        o.Converters.Add(new StrictEnumConverterFactory());
        return o;
    }

    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder)
    {
        EnvironmentAliases.Apply(builder.Configuration);
        var services = builder.Services;
        var config = builder.Configuration;

        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        services.AddOptions<OutboundOptions>().BindConfiguration(OutboundOptions.Section);

        var platform = config.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();
        var database = ParseDatabase(config);
        services.AddSingleton(database);
        services.TryAddSingletonTimeProvider();

        // Data
        services.AddScoped<CurrentWorkspace>();
        services.AddScoped<ICurrentWorkspace>(sp => sp.GetRequiredService<CurrentWorkspace>());
        AddDatabase(services, database, SqliteConnectionSetup.ParseSynchronous(config["Database:SqliteSynchronous"]));
        services.AddSingleton<DatabaseInitializer>();
        services.AddHostedService<DatabaseStartup>();

        // Secrets: Data Protection keys beside the SQLite file, or in the database that replicas share.
        var dataProtection = services.AddDataProtection().SetApplicationName("Vigil");
        if (database.Provider == DatabaseProvider.Postgres)
        {
            dataProtection.PersistKeysToDbContext<VigilDb>();
        }
        else
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(platform.DataDirFullPath, "keys")));
        }
        services.AddSingleton<SecretProtector>();

        // Outbound HTTP
        services.AddSingleton<IHostResolver, SystemHostResolver>();
        services.AddSingleton<UrlGuard>();

        // Auth
        AddAuth(builder, database, platform);

        // Use cases
        services.AddHttpContextAccessor();
        services.AddScoped<Actor>();
        services.AddScoped<AuditLog>();
        services.AddScoped<AuditService>();
        services.AddScoped<WorkspaceService>();
        services.AddScoped<SystemSettingsService>();
        services.AddScoped<AdminUsersService>();

        // API conventions
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            c.ProblemDetails.Extensions.Remove("exception");
            if (c.ProblemDetails.Status == StatusCodes.Status429TooManyRequests)
            {
                c.ProblemDetails.Type ??= "https://tools.ietf.org/html/rfc6585#section-4";
            }
            ProblemExceptionHandler.BodyProblem(c);
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            k.AddServerHeader = false;
        });
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<OpenApiSecurity>();
            o.AddSchemaTransformer(StrictEnumConverterFactory.DescribeAsync);
        });
        services.AddCors(o => o.AddDefaultPolicy(p => ConfigureCors(p, platform.CorsOrigins)));

        // Realtime: in-process by default; a Redis backplane lets replicas share groups.
        var signalR = services.AddSignalR().AddJsonProtocol(o => ConfigureJson(o.PayloadSerializerOptions));
        if (!string.IsNullOrWhiteSpace(platform.RedisUrl))
        {
            signalR.AddStackExchangeRedis(platform.RedisUrl, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("vigil"));
        }
        services.AddSingleton<Realtime.RealtimePublisher>();

        // Operations
        services.AddHealthChecks().AddDbContextCheck<VigilDb>("database", tags: ["ready"]);
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter("Vigil")
            .AddPrometheusExporter());
        return builder;
    }

    public sealed record ReadinessDto(string Status, Dictionary<string, string> Checks);

    static async Task<IResult> Readiness(HealthCheckService health, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), ct);
        static string Word(HealthStatus status) => status == HealthStatus.Unhealthy ? "unavailable" : "ok";
        var body = new ReadinessDto(Word(report.Status), report.Entries.ToDictionary(e => e.Key, e => Word(e.Value.Status)));
        return TypedResults.Json(body, statusCode: report.Status == HealthStatus.Unhealthy ? 503 : 200);
    }

    static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    static DatabaseUrl ParseDatabase(IConfiguration config)
    {
        try
        {
            return DatabaseUrl.Parse(config["Database:Url"]);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
        {
            throw new StartupException($"DATABASE_URL is not usable: {e.Message}");
        }
    }

    static void AddDatabase(IServiceCollection services, DatabaseUrl database, SqliteSynchronous synchronous)
    {
        var sqliteSetup = new SqliteConnectionSetup(synchronous);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContext<VigilDb, PostgresVigilDb>(o => o.UseNpgsql(database.ServerConnectionString,
                n => n.MigrationsHistoryTable("__ef_migrations_history")));
        }
        else
        {
            // A list in a query (ids.Contains(x.Id)) goes as one JSON parameter read with json_each, not one
            // parameter per element: SQLite finds each bound parameter by name in a linear list, so a thousand of them
            // took longer to bind than the query took to run (EF Core 10's default is one parameter per element).
            services.AddDbContext<VigilDb, SqliteVigilDb>(o => o.UseSqlite(database.ConnectionString,
                s => s.MigrationsHistoryTable("__ef_migrations_history").UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
                .AddInterceptors(sqliteSetup));
        }
    }

    static void AddAuth(WebApplicationBuilder builder, DatabaseUrl database, PlatformOptions platform)
    {
        var services = builder.Services;
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var key = JwtKey.Resolve(auth.JwtSecret, database.Provider, platform.DataDirFullPath);
        services.AddSingleton(key);

        services.AddIdentityCore<VigilUser>(o =>
            {
                o.Password.RequiredLength = 8;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 1;
                o.User.RequireUniqueEmail = true;
                o.User.AllowedUserNameCharacters = UsernameRules.AllowedCharacters;
                o.Lockout.MaxFailedAccessAttempts = auth.MaxFailedAttempts;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(auth.LockoutMinutes);
            })
            .AddEntityFrameworkStores<VigilDb>()
            .AddSignInManager()
            .AddPasswordValidator<PasswordPolicy>()
            .AddDefaultTokenProviders();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = "Vigil";
                o.DefaultChallengeScheme = "Vigil";
            })
            .AddPolicyScheme("Vigil", "Bearer token, API key or cookie", o => o.ForwardDefaultSelector = SelectScheme)
            .AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, o =>
            {
                o.MapInboundClaims = false;
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = ValidateSessionAsync,
                    // Browsers cannot set headers on WebSockets: SignalR sends the token as a query parameter, on the hub path only.
                    OnMessageReceived = c =>
                    {
                        if (c.Request.Path.StartsWithSegments("/hubs") && c.Request.Query["access_token"] is [{ Length: > 0 } token])
                        {
                            c.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                };
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(c => c.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/";
                o.Cookie.Name = UiCookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(auth.RefreshTokenExpireDays);
            }));
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwtKey, TimeProvider>((o, k, clock) => o.TokenValidationParameters = TokenService.ValidationParameters(k, clock));

        // No fallback policy: unknown routes answer 404, not 401. Every route group requires auth explicitly.
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminEndpoints.Policy, p => p.RequireAuthenticatedUser().RequireClaim(VigilClaims.Admin, "true"));

        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<SessionCache>();
        services.AddScoped<TokenService>();
        services.AddScoped<AuthService>();
        services.AddScoped<AdminBootstrap>();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(AuthEndpoints.RegisterRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.RegistrationsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (context, ct) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails { Status = 429, Title = "Too Many Requests", Detail = "Too many requests; try again later." },
                });
            };
        });
    }

    /// <summary>API keys and bearer tokens for the API; the cookie only for the UI, so the API is not open to CSRF.</summary>
    const string UiCookieName = "vigil.auth";

    static string SelectScheme(HttpContext http)
    {
        if (ApiKeyAuthenticationHandler.ReadKey(http.Request) is not null)
        {
            return ApiKeyAuthenticationHandler.SchemeName;
        }
        if (http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return JwtBearerDefaults.AuthenticationScheme;
        }
        if (http.Request.Path.StartsWithSegments("/hubs") && http.Request.Query.ContainsKey("access_token"))
        {
            return http.Request.Query["access_token"].ToString().StartsWith(ApiKeyAuthenticationHandler.Prefix, StringComparison.Ordinal)
                ? ApiKeyAuthenticationHandler.SchemeName
                : JwtBearerDefaults.AuthenticationScheme;
        }
        // File downloads are plain links in the UI: a signed-in browser's cookie may fetch them (GET only, nothing changes).
        if (HttpMethods.IsGet(http.Request.Method) && http.Request.Path.Value?.EndsWith("/download", StringComparison.Ordinal) == true
            && http.Request.Cookies.ContainsKey(UiCookieName))
        {
            return IdentityConstants.ApplicationScheme;
        }
        return http.Request.Path.StartsWithSegments(ApiPrefix) ? JwtBearerDefaults.AuthenticationScheme : IdentityConstants.ApplicationScheme;
    }

    /// <summary>An access token stops working as soon as its user is disabled or its session is revoked.</summary>
    static async Task ValidateSessionAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!; // set by the handler before this event
        var userId = principal.GetUserId();
        var session = principal.GetSessionId();
        if (userId is null || session is null)
        {
            context.Fail("Token lacks subject or session.");
            return;
        }
        var services = context.HttpContext.RequestServices;
        var cache = services.GetRequiredService<SessionCache>();
        if (!cache.TryGet(userId.Value, session.Value, out var state))
        {
            var db = services.GetRequiredService<VigilDb>();
            state = await db.Users.AsNoTracking()
                .Where(u => u.Id == userId)
                .Select(u => new SessionState(u.IsDisabled, u.IsAdmin, db.RefreshTokens.Any(t => t.FamilyId == session && t.RevokedAt != null)))
                .SingleOrDefaultAsync(context.HttpContext.RequestAborted);
            if (state is not null)
            {
                cache.Set(userId.Value, session.Value, state);
            }
        }
        if (state is null || state.IsDisabled || state.Revoked)
        {
            context.Fail("The session has ended.");
            return;
        }
        if (principal.IsAdmin() != state.IsAdmin && principal.Identity is System.Security.Claims.ClaimsIdentity identity)
        {
            // Admin rights follow the database, not a token issued before a promotion or demotion.
            if (state.IsAdmin)
            {
                identity.AddClaim(new System.Security.Claims.Claim(VigilClaims.Admin, "true"));
            }
            else
            {
                foreach (var claim in identity.FindAll(VigilClaims.Admin).ToList())
                {
                    identity.RemoveClaim(claim);
                }
            }
        }
    }

    static void ConfigureCors(Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder policy, string? origins)
    {
        var list = (origins ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Contains("*"))
        {
            policy.AllowAnyOrigin().AllowAnyHeader().AllowAnyMethod();
        }
        else if (list.Length > 0)
        {
            policy.WithOrigins(list).AllowAnyHeader().AllowAnyMethod().AllowCredentials().WithExposedHeaders("Retry-After", "Location");
        }
    }

    public static WebApplication UsePlatform(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<BodySizeLimit>();
        app.UseCors();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Operations endpoints, OpenAPI, and the platform's own routes; returns the <c>/api/v1</c> group for modules.</summary>
    public static RouteGroupBuilder MapPlatform(this WebApplication app, ServerRoles roles)
    {
        app.MapMethods("/healthz", [HttpMethods.Get, HttpMethods.Head], () => TypedResults.Ok(new { status = "ok" }))
            .AllowAnonymous().WithTags("Operations")
            .WithSummary("Liveness").WithDescription("200 with {\"status\":\"ok\"} while the process serves requests; touches no dependency.");
        app.MapMethods("/readyz", [HttpMethods.Get, HttpMethods.Head], Readiness)
            .AllowAnonymous().WithTags("Operations")
            .WithSummary("Readiness").WithDescription("200 when the database answers, 503 when it does not; checks names each dependency with ok or unavailable.")
            .Produces<ReadinessDto>(200).Produces<ReadinessDto>(503);
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();

        var api = app.MapGroup(ApiPrefix)
            .RequireAuthorization()
            .AddEndpointFilter<ApiKeyScopeFilter>()
            .AddEndpointFilter<WorkspaceScopeFilter>()
            .AddEndpointFilter<RequestValidationFilter>()
            .WithMetadata(new ProducesResponseTypeMetadata(400, typeof(HttpValidationProblemDetails), ["application/problem+json"]));
        if (roles.HasFlag(ServerRoles.Api))
        {
            app.MapOpenApi().AllowAnonymous();
            app.MapScalarApiReference("/docs", o => o.WithTitle("Vigil API").WithOpenApiRoutePattern("/openapi/{documentName}.json")).AllowAnonymous();
            app.MapHub<Realtime.EventsHub>(Realtime.EventsHub.Path);
            api.MapAuth();
            api.MapWorkspaces();
            api.MapAdmin();
        }
        return api;
    }
}
