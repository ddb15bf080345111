using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Platform.Modules;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.IntegrationTests.Platform;

/// <summary>A module that only reports where its requests act, to test the module contract and workspace resolution.</summary>
public sealed class ProbeModule : VigilModule
{
    public override string Name => "probe";

    public override void AddServices(IHostApplicationBuilder builder) => builder.Services.AddSingleton<ProbeMarker>();

    public override void AddWorkers(IHostApplicationBuilder builder) => builder.Services.AddSingleton<ProbeWorkerMarker>();

    public sealed class ProbeWorkerMarker;

    public override void MapEndpoints(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/probe").RequireWorkspace().WithTags("Probe");
        group.MapGet("/whoami", (ICurrentWorkspace workspace) => TypedResults.Ok(new { workspace_id = workspace.Id, role = workspace.Role }))
            .WithSummary("Where this request acts");
        group.MapPost("/echo", (ProbeBody body, ICurrentWorkspace workspace) => TypedResults.Ok(new { workspace_id = workspace.Id, body.Text }))
            .WithSummary("Echo a body in the resolved workspace");
    }

    public override IEnumerable<NavItem> Navigation => [new("Probe", "/probe", "probe")];

    public sealed class ProbeMarker;
}

public sealed record ProbeBody : Vigil.Server.Platform.Api.IValidatableRequest
{
    [System.ComponentModel.DataAnnotations.Required, System.ComponentModel.DataAnnotations.MaxLength(10)]
    public string? Text { get; init; }
}

public class ProbeHost : VigilHost
{
    public ProbeHost() : base(Db.Sqlite)
    {
    }

    protected override IReadOnlyList<VigilModule>? Modules => [new ProbeModule()];
}


public sealed class ModuleOffHost : VigilHost
{
    public ModuleOffHost() : base(Db.Sqlite)
    {
    }

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("VIGIL_MODULES", "other")];

    protected override IReadOnlyList<VigilModule>? Modules => [new ProbeModule(), new Other()];

    sealed class Other : VigilModule
    {
        public override string Name => "other";
    }
}

public sealed class WorkspaceResolutionTests(ProbeHost host) : IClassFixture<ProbeHost>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_act_in_the_personal_workspace_by_default_and_in_the_named_one_on_request()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Team" }, Ct);
        var team = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/probe/whoami", Ct)).GetProperty("workspace_id").GetGuid().ShouldBe(user.PersonalWorkspaceId);
        using var byHeader = new HttpRequestMessage(HttpMethod.Get, "/api/v1/probe/whoami");
        byHeader.Headers.Add("X-Workspace-Id", team.ToString());
        var answer = await (await user.Client.SendAsync(byHeader, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        answer.GetProperty("workspace_id").GetGuid().ShouldBe(team);
        answer.GetProperty("role").GetString().ShouldBe("owner");
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/probe/whoami?workspace_id={team}", Ct)).GetProperty("workspace_id").GetGuid().ShouldBe(team);
    }

    [Fact]
    public async Task A_foreign_or_malformed_workspace_is_refused_before_the_body_is_judged()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var outsider = await host.RegisterAsync(ct: Ct);

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/v1/probe/echo") { Content = JsonContent.Create(new { text = new string('x', 50) }) };
        foreign.Headers.Add("X-Workspace-Id", owner.PersonalWorkspaceId.ToString());
        (await outsider.Client.SendAsync(foreign, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.GetAsync($"/api/v1/probe/whoami?workspace_id={Guid.NewGuid()}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.GetAsync("/api/v1/probe/whoami?workspace_id=not-a-guid", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await outsider.Client.PostAsJsonAsync("/api/v1/probe/echo", new { text = new string('x', 50) }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_workspace_bound_api_key_acts_there_only()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Bound" }, Ct);
        var bound = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var key = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "bound", workspace_id = bound }, Ct);
        using var client = host.CreateClient((await key.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString());

        (await client.GetFromJsonAsync<JsonElement>("/api/v1/probe/whoami", Ct)).GetProperty("workspace_id").GetGuid().ShouldBe(bound);
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "/api/v1/probe/whoami");
        elsewhere.Headers.Add("X-Workspace-Id", user.PersonalWorkspaceId.ToString());
        (await client.SendAsync(elsewhere, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Members_removed_lose_access_at_once()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}/members", new { user_id = bob.Id, role = "viewer" }, Ct);
        (await bob.Client.GetAsync($"/api/v1/probe/whoami?workspace_id={owner.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await owner.Client.DeleteAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}/members/{bob.Id}", Ct);

        (await bob.Client.GetAsync($"/api/v1/probe/whoami?workspace_id={owner.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}

public sealed class ApiOnlyHost : ProbeHost
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("VIGIL_ROLES", "api")];
}

public sealed class WorkerOnlyHost : ProbeHost
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("VIGIL_ROLES", "worker")];
}

public sealed class ApiRoleTests(ApiOnlyHost host) : IClassFixture<ApiOnlyHost>
{
    [Fact]
    public async Task An_api_replica_serves_routes_but_runs_no_workers()
    {
        var user = await host.RegisterAsync(ct: TestContext.Current.CancellationToken);
        (await user.Client.GetAsync("/api/v1/probe/whoami", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        host.Service<ProbeModule.ProbeWorkerMarker>().ShouldBeNull();
        host.Service<ProbeModule.ProbeMarker>().ShouldNotBeNull();
    }
}

public sealed class WorkerRoleTests(WorkerOnlyHost host) : IClassFixture<WorkerOnlyHost>
{
    [Fact]
    public async Task A_worker_replica_runs_workers_and_serves_only_operations_endpoints()
    {
        using var client = host.CreateClient();
        (await client.GetAsync("/healthz", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "admin", password = "x" }, TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        host.Routes().ShouldNotContain(r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal));
        host.Service<ProbeModule.ProbeWorkerMarker>().ShouldNotBeNull();
    }
}

public sealed class ModuleSwitchTests(ModuleOffHost host) : IClassFixture<ModuleOffHost>
{
    [Fact]
    public async Task A_module_that_is_off_has_no_routes_services_or_navigation()
    {
        var user = await host.RegisterAsync(ct: TestContext.Current.CancellationToken);
        (await user.Client.GetAsync("/api/v1/probe/whoami", TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        host.Routes().ShouldNotContain(r => r.Pattern.StartsWith("/api/v1/probe", StringComparison.Ordinal));
        host.Service<ProbeModule.ProbeMarker>().ShouldBeNull();
        host.Service<ModuleCatalog>()!.Navigation.ShouldNotContain(n => n.Title == "Probe");
    }
}
