namespace Vigil.Server.Platform.Modules;

/// <summary>A link a module adds to the UI's navigation.</summary>
public sealed record NavItem(string Title, string Href, string Icon, int Order = 100, bool AdminOnly = false);

/// <summary>
/// The one contract a module fulfils. A module switched off by <c>VIGIL_MODULES</c> is never asked for anything,
/// so it has no services, routes, jobs or menu entries, and never touches its tables.
/// </summary>
public abstract class VigilModule
{
    /// <summary>Lower-case name used in <c>VIGIL_MODULES</c> (e.g. <c>restock</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Options, services and typed clients; called in every role.</summary>
    public virtual void AddServices(IHostApplicationBuilder builder)
    {
    }

    /// <summary>Jobs and background services; called only when this replica has the worker role.</summary>
    public virtual void AddWorkers(IHostApplicationBuilder builder)
    {
    }

    /// <summary>Routes under <c>/api/v1</c>; called only when this replica has the api role.</summary>
    public virtual void MapEndpoints(RouteGroupBuilder api)
    {
    }

    public virtual IEnumerable<NavItem> Navigation => [];

    /// <summary>Modules this one needs (restock and inventory alert through notifications); they are switched on with it.</summary>
    public virtual IReadOnlyList<string> DependsOn => [];
}

/// <summary>Which modules run here; the UI reads navigation from it.</summary>
public sealed class ModuleCatalog(IReadOnlyList<VigilModule> enabled, IReadOnlyList<string> all)
{
    public IReadOnlyList<VigilModule> Enabled { get; } = enabled;

    public IReadOnlyList<string> All { get; } = all;

    public bool IsEnabled(string name) => Enabled.Any(m => m.Name == name);

    public IEnumerable<NavItem> Navigation => Enabled.SelectMany(m => m.Navigation).OrderBy(n => n.Order);

    /// <summary>Picks modules from a <c>VIGIL_MODULES</c> value: empty or <c>all</c> means every one; an unknown name stops start-up.</summary>
    public static ModuleCatalog Select(IReadOnlyList<VigilModule> available, string? setting)
    {
        var names = available.Select(m => m.Name).ToList();
        if (string.IsNullOrWhiteSpace(setting) || setting.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return new ModuleCatalog(available, names);
        }
        var wanted = setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant()).ToHashSet();
        var unknown = wanted.Except(names).ToList();
        if (unknown.Count > 0)
        {
            throw new Auth.StartupException($"VIGIL_MODULES names unknown module(s) {string.Join(", ", unknown)}; known: {string.Join(", ", names)}.");
        }
        // What the named modules need comes with them (VIGIL_MODULES=inventory runs notifications too).
        var byName = available.ToDictionary(m => m.Name);
        var pending = new Queue<string>(wanted);
        while (pending.TryDequeue(out var name))
        {
            foreach (var needed in byName[name].DependsOn.Where(wanted.Add))
            {
                pending.Enqueue(needed);
            }
        }
        return new ModuleCatalog([.. available.Where(m => wanted.Contains(m.Name))], names);
    }
}

/// <summary>What this replica does: serve the API and UI, run background work, or both (<c>VIGIL_ROLES</c>).</summary>
[Flags]
public enum ServerRoles
{
    None = 0,
    Api = 1,
    Worker = 2,
    All = Api | Worker,
}

public static class ServerRolesParser
{
    public static ServerRoles Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return ServerRoles.All;
        }
        var roles = ServerRoles.None;
        foreach (var part in value.Split([',', '|', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            roles |= part.ToLowerInvariant() switch
            {
                "api" => ServerRoles.Api,
                "worker" => ServerRoles.Worker,
                "all" => ServerRoles.All,
                _ => throw new Auth.StartupException($"VIGIL_ROLES value '{part}' is not one of api, worker, all."),
            };
        }
        return roles;
    }
}
