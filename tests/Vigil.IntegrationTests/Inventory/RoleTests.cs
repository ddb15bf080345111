using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Inventory;

/// <summary>
/// Inventory permissions follow the workspace role: viewers read; members also issue and return;
/// managers (and owners) also restock, transfer, adjust, edit the catalog, import and export.
/// </summary>
public abstract class RoleTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed record Setup(TestUser Owner, Guid Workspace, Guid Item, Guid[] Departments, Guid Category);

    async Task<Setup> SetUpAsync()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var created = await owner.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Store room" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        var workspace = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        using var client = InWorkspace(owner, workspace);
        async Task<Guid> CreateAsync(string path, object body)
        {
            var r = await client.PostAsJsonAsync(path, body, Ct);
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync(Ct));
            return (await r.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        }
        Guid[] departments = [await CreateAsync("/api/v1/inventory/departments", new { name = "IT" }), await CreateAsync("/api/v1/inventory/departments", new { name = "Facilities" })];
        var category = await CreateAsync("/api/v1/inventory/categories", new { name = "Cables" });
        var item = await CreateAsync("/api/v1/inventory/items", new { name = "HDMI cable", quantity = 1000, threshold = 5 });
        return new Setup(owner, workspace, item, departments, category);
    }

    HttpClient InWorkspace(TestUser user, Guid workspace)
    {
        var client = host.CreateClient(user.AccessToken);
        client.DefaultRequestHeaders.Add("X-Workspace-Id", workspace.ToString());
        return client;
    }

    async Task<HttpClient> MemberAsync(Setup setup, string role)
    {
        var user = await host.RegisterAsync(ct: Ct);
        var added = await setup.Owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{setup.Workspace}/members", new { user_id = user.Id, role }, Ct);
        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
        return InWorkspace(user, setup.Workspace);
    }

    /// <summary>Every inventory action, named, with the least role that may perform it.</summary>
    static IEnumerable<(string Name, string Least, Func<HttpClient, Setup, int, Task<HttpResponseMessage>> Send)> Actions()
    {
        yield return ("list items", "viewer", (c, s, _) => c.GetAsync("/api/v1/inventory/items", Ct));
        yield return ("read item", "viewer", (c, s, _) => c.GetAsync($"/api/v1/inventory/items/{s.Item}", Ct));
        yield return ("item movements", "viewer", (c, s, _) => c.GetAsync($"/api/v1/inventory/items/{s.Item}/movements", Ct));
        yield return ("workspace movements", "viewer", (c, s, _) => c.GetAsync("/api/v1/inventory/movements", Ct));
        yield return ("status", "viewer", (c, s, _) => c.GetAsync("/api/v1/inventory/status", Ct));
        yield return ("departments", "viewer", (c, s, _) => c.GetAsync("/api/v1/inventory/departments", Ct));
        yield return ("categories", "viewer", (c, s, _) => c.GetAsync("/api/v1/inventory/categories", Ct));
        yield return ("issue", "member", (c, s, _) => c.PostAsJsonAsync($"/api/v1/inventory/items/{s.Item}/issue", new { quantity = 1, to = "ann" }, Ct));
        yield return ("return", "member", (c, s, _) => c.PostAsJsonAsync($"/api/v1/inventory/items/{s.Item}/return", new { quantity = 1 }, Ct));
        yield return ("restock", "manager", (c, s, _) => c.PostAsJsonAsync($"/api/v1/inventory/items/{s.Item}/restock", new { quantity = 5 }, Ct));
        yield return ("transfer", "manager", (c, s, n) => c.PostAsJsonAsync($"/api/v1/inventory/items/{s.Item}/transfer", new { quantity = 1, department_id = s.Departments[n % 2] }, Ct));
        yield return ("adjust", "manager", (c, s, _) => c.PostAsJsonAsync($"/api/v1/inventory/items/{s.Item}/adjust", new { quantity = -1, reason = "lost" }, Ct));
        yield return ("create item", "manager", (c, s, n) => c.PostAsJsonAsync("/api/v1/inventory/items", new { name = $"toner {n}", quantity = 1, threshold = 0 }, Ct));
        yield return ("edit item", "manager", (c, s, _) => c.PatchAsJsonAsync($"/api/v1/inventory/items/{s.Item}", new { threshold = 7 }, Ct));
        yield return ("create department", "manager", (c, s, n) => c.PostAsJsonAsync("/api/v1/inventory/departments", new { name = $"Mail room {n}" }, Ct));
        yield return ("edit department", "manager", (c, s, n) => c.PatchAsJsonAsync($"/api/v1/inventory/departments/{s.Departments[0]}", new { name = $"IT {n}" }, Ct));
        yield return ("create category", "manager", (c, s, n) => c.PostAsJsonAsync("/api/v1/inventory/categories", new { name = $"Adapters {n}" }, Ct));
        yield return ("edit category", "manager", (c, s, n) => c.PatchAsJsonAsync($"/api/v1/inventory/categories/{s.Category}", new { name = $"Cables {n}" }, Ct));
        yield return ("import", "manager", (c, s, n) => c.PostAsync("/api/v1/inventory/items/import?dry_run=true",
            new StringContent($"name,quantity,threshold\r\nimported {n},3,1\r\n", Encoding.UTF8, "text/csv"), Ct));
        yield return ("export", "manager", (c, s, _) => c.PostAsJsonAsync("/api/v1/inventory/exports", new { kind = "items" }, Ct));
    }

    static readonly string[] Ladder = ["viewer", "member", "manager", "owner"];

    [Fact]
    public async Task Each_role_may_do_exactly_what_its_level_allows()
    {
        var setup = await SetUpAsync();
        var clients = new Dictionary<string, HttpClient> { ["owner"] = InWorkspace(setup.Owner, setup.Workspace) };
        foreach (var role in new[] { "viewer", "member", "manager" })
        {
            clients[role] = await MemberAsync(setup, role);
        }

        var failures = new List<string>();
        var n = 0;
        foreach (var (name, least, send) in Actions())
        {
            foreach (var role in Ladder)
            {
                var allowed = Array.IndexOf(Ladder, role) >= Array.IndexOf(Ladder, least);
                using var response = await send(clients[role], setup, ++n);
                var ok = allowed ? response.IsSuccessStatusCode : response.StatusCode == HttpStatusCode.Forbidden;
                if (!ok)
                {
                    failures.Add($"{role} {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
                }
                if (!allowed && response.StatusCode == HttpStatusCode.Forbidden)
                {
                    (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetInt32().ShouldBe(403);
                }
            }
        }
        failures.ShouldBeEmpty();

        // Refused writes changed nothing: the item holds exactly what the allowed moves left.
        var item = await clients["viewer"].GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{setup.Item}", Ct);
        var movements = await clients["viewer"].GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{setup.Item}/movements?limit=100", Ct);
        var kinds = movements.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("kind").GetString()).ToList();
        kinds.Count(k => k == "issue").ShouldBe(3, "member, manager and owner issued");
        kinds.Count(k => k == "return").ShouldBe(3);
        kinds.Count(k => k == "restock").ShouldBe(2, "manager and owner restocked");
        kinds.Count(k => k == "adjust").ShouldBe(2);
        item.GetProperty("threshold").GetInt32().ShouldBe(7);

        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task Only_the_owner_manages_members_and_outsiders_see_nothing()
    {
        var setup = await SetUpAsync();
        using var manager = await MemberAsync(setup, "manager");
        var stranger = await host.RegisterAsync(ct: Ct);

        (await manager.PostAsJsonAsync($"/api/v1/workspaces/{setup.Workspace}/members", new { user_id = stranger.Id, role = "member" }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var outsider = InWorkspace(stranger, setup.Workspace);
        (await outsider.GetAsync($"/api/v1/inventory/items/{setup.Item}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.PostAsJsonAsync($"/api/v1/inventory/items/{setup.Item}/issue", new { quantity = 1 }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await stranger.Client.GetAsync($"/api/v1/inventory/items/{setup.Item}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}

[Trait("Database", "Sqlite")]
public sealed class RoleTestsOnSqlite(SqliteHost host) : RoleTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class RoleTestsOnPostgres(PostgresHost host) : RoleTests(host), IClassFixture<PostgresHost>;
