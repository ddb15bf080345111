using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using MudBlazor.Services;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Ui;

/// <summary>The browser UI: Blazor (interactive server) with MudBlazor, the cookie sign-in endpoints and the not-found page.</summary>
public static class UiSetup
{
    /// <summary>Rate-limit policy of the register page: only its form posts count, not page views.</summary>
    public const string RegisterRateLimit = "ui-register";

    public static WebApplicationBuilder AddUi(this WebApplicationBuilder builder)
    {
        // Outside Development the host ignores the build's static web assets manifest, so a build run with
        // ASPNETCORE_ENVIRONMENT=Production would miss MudBlazor's files; a published app has no manifest and
        // this does nothing there.
        builder.WebHost.UseStaticWebAssets();

        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
        services.AddScoped<WorkspaceSelection>();

        // The cookie carries our own claims (sub, name, email, adm); CookieSession re-checks them against the database.
        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme,
            o => o.Events.OnValidatePrincipal = CookieSession.ValidateAsync);

        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(RegisterRateLimit, http =>
            HttpMethods.IsPost(http.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.RegistrationsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter("view")));
        return builder;
    }

    public static WebApplication MapUi(this WebApplication app)
    {
        // Unknown pages asked for by a browser get the app's not-found page. Done after routing rather than as a
        // catch-all route, which would turn the API's 405s into 404s; /api paths and files keep the ProblemDetails 404.
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint() is null && IsBrowserPage(http.Request))
            {
                await new RazorComponentResult<App> { StatusCode = StatusCodes.Status404NotFound }.ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        app.UseAntiforgery();
        // Named after the server assembly, so a host started from another entry assembly (tests) finds it too.
        var manifest = Path.Combine(AppContext.BaseDirectory, typeof(UiSetup).Assembly.GetName().Name + ".staticwebassets.endpoints.json");
        app.MapStaticAssets(File.Exists(manifest) ? manifest : null);
        app.MapAccount();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    static bool IsBrowserPage(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && !request.Path.StartsWithSegments("/api")
        && !Path.HasExtension(request.Path.Value)
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
