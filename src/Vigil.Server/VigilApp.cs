using Vigil.Server.Modules.Inventory;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Restock;
using Vigil.Server.Platform;
using Vigil.Server.Platform.Configuration;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Jobs;
using Vigil.Server.Platform.Modules;
using Vigil.Server.Ui;

namespace Vigil.Server;

/// <summary>Composition only: the platform, then each module by hand, then their routes.</summary>
public static class VigilApp
{
    /// <summary>Every module this build knows; <c>VIGIL_MODULES</c> picks among them.</summary>
    public static IReadOnlyList<VigilModule> AvailableModules() => [new NotificationsModule(), new InventoryModule(), new RestockModule()];

    /// <param name="args">Command-line arguments; settings may be passed as <c>--KEY=value</c>.</param>
    /// <param name="configure">Runs after every service is registered and before the app is built: tests swap the clock here.</param>
    /// <param name="modules">The modules to choose from; defaults to <see cref="AvailableModules"/>.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, IReadOnlyList<VigilModule>? modules = null)
    {
        // appsettings.json and static assets ship beside the binary; ./data stays relative to where Vigil is started.
        var builder = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
            ? WebApplication.CreateBuilder(args)
            : WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"])
            && string.IsNullOrEmpty(builder.Configuration["API_PORT"]))
        {
            builder.WebHost.UseUrls("http://localhost:8080");
        }
        builder.AddPlatform();
        var platform = builder.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();
        var roles = ServerRolesParser.Parse(platform.Roles);
        var catalog = ModuleCatalog.Select(modules ?? AvailableModules(), platform.Modules);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(new ServerRoleInfo(roles));
        builder.AddJobs(DatabaseUrl.Parse(builder.Configuration["Database:Url"]), roles);
        if (roles.HasFlag(ServerRoles.Api))
        {
            builder.AddUi();
        }
        foreach (var module in catalog.Enabled)
        {
            module.AddServices(builder);
            if (roles.HasFlag(ServerRoles.Worker))
            {
                module.AddWorkers(builder);
            }
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        app.UsePlatform();
        var api = app.MapPlatform(roles);
        if (roles.HasFlag(ServerRoles.Api))
        {
            foreach (var module in catalog.Enabled)
            {
                module.MapEndpoints(api);
            }
            app.MapUi();
        }
        return app;
    }
}

/// <summary>The roles this replica runs, for components that must know (UI, jobs).</summary>
public sealed record ServerRoleInfo(ServerRoles Roles);
