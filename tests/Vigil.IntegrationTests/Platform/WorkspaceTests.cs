using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Platform;

public abstract class WorkspaceTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<Guid> CreateWorkspaceAsync(TestUser owner, string name = "Team")
    {
        var response = await owner.Client.PostAsJsonAsync("/api/v1/workspaces", new { name }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Owners_add_members_by_username_and_members_see_the_workspace()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner);

        var add = await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { username = bob.Username, role = "member" }, Ct);
        add.StatusCode.ShouldBe(HttpStatusCode.Created);

        var mine = await bob.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct);
        mine.GetProperty("items").EnumerateArray().ShouldContain(w => w.GetProperty("id").GetGuid() == id && w.GetProperty("role").GetString() == "member");
        var members = await bob.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{id}/members", Ct);
        members.GetProperty("items").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Admins_create_groups_for_a_team_and_manage_any_workspace_members()
    {
        var admin = await host.AdminAsync(Ct);
        var lead = await host.RegisterAsync(ct: Ct);
        var ann = await host.RegisterAsync(ct: Ct);
        var name = "Ops " + Guid.NewGuid().ToString("N")[..6];

        // Only admins reach these routes.
        (await lead.Client.GetAsync("/api/v1/admin/workspaces", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await lead.Client.PostAsJsonAsync("/api/v1/admin/workspaces", new { name }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var bad = await admin.Client.PostAsJsonAsync("/api/v1/admin/workspaces", new { name, owner_user_id = Guid.NewGuid() }, Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("owner_user_id", out _).ShouldBeTrue();
        var created = await admin.Client.PostAsJsonAsync("/api/v1/admin/workspaces", new { name, owner_user_id = lead.Id }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        // The lead owns it; the admin, who is not a member, still manages it.
        (await lead.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{id}", Ct)).GetProperty("role").GetString().ShouldBe("owner");
        (await admin.Client.GetAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.Client.PostAsJsonAsync($"/api/v1/admin/workspaces/{id}/members", new { username = ann.Username, role = "member" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.Client.PostAsJsonAsync($"/api/v1/admin/workspaces/{id}/members", new { username = ann.Username, role = "member" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ann.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{id}", Ct)).GetProperty("role").GetString().ShouldBe("member");
        var found = await admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/admin/workspaces?search={Uri.EscapeDataString(name.ToLowerInvariant())}&personal=false", Ct);
        var row = found.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        row.GetProperty("member_count").GetInt32().ShouldBe(2);
        row.GetProperty("is_personal").GetBoolean().ShouldBeFalse();
        (await admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/admin/workspaces/{id}/members", Ct)).GetProperty("items").GetArrayLength().ShouldBe(2);

        (await admin.Client.PatchAsJsonAsync($"/api/v1/admin/workspaces/{id}/members/{ann.Id}", new { role = "viewer" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.Client.PatchAsJsonAsync($"/api/v1/admin/workspaces/{id}/members/{lead.Id}", new { role = "member" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict, "a workspace keeps an owner");
        (await admin.Client.DeleteAsync($"/api/v1/admin/workspaces/{id}/members/{ann.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.Client.DeleteAsync($"/api/v1/admin/workspaces/{lead.PersonalWorkspaceId}/members/{lead.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.Client.PatchAsJsonAsync($"/api/v1/admin/workspaces/{id}", new { name = name + " renamed" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/admin/workspaces/{id}", Ct)).GetProperty("name").GetString().ShouldBe(name + " renamed");
        (await admin.Client.DeleteAsync($"/api/v1/admin/workspaces/{lead.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.Client.DeleteAsync($"/api/v1/admin/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.Client.GetAsync($"/api/v1/admin/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.Client.GetAsync($"/api/v1/admin/workspaces/{Guid.NewGuid()}/members", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Outsiders_get_404_on_every_workspace_route()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var outsider = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner);

        (await outsider.Client.GetAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "mine now" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.DeleteAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.GetAsync($"/api/v1/workspaces/{id}/members", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { username = outsider.Username, role = "owner" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.Client.GetAsync($"/api/v1/workspaces/{id}/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var workspace = await owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{id}", Ct);
        workspace.GetProperty("name").GetString().ShouldBe("Team");
    }

    [Fact]
    public async Task Roles_limit_what_members_may_do()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var viewer = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner);
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { user_id = viewer.Id, role = "viewer" }, Ct);

        (await viewer.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "renamed" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.Client.DeleteAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.Client.GetAsync($"/api/v1/workspaces/{id}/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}/members/{viewer.Id}", new { role = "owner" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await owner.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}/members/{viewer.Id}", new { role = "manager" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "renamed" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.Client.GetAsync($"/api/v1/workspaces/{id}/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_workspace_keeps_an_owner_and_a_personal_one_is_not_deleted_alone()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner);

        (await owner.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}/members/{owner.Id}", new { role = "member" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await owner.Client.DeleteAsync($"/api/v1/workspaces/{id}/members/{owner.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await owner.Client.DeleteAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await owner.Client.DeleteAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await owner.Client.GetAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Workspace_names_are_one_line_of_text()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var refused = await owner.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Team\u0000A" }, Ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("name", out _).ShouldBeTrue();
        var id = await CreateWorkspaceAsync(owner);
        (await owner.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "line\nbreak" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_personal_workspace_keeps_its_own_user_as_owner()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var personal = alice.PersonalWorkspaceId;
        (await alice.Client.PostAsJsonAsync($"/api/v1/workspaces/{personal}/members", new { user_id = bob.Id, role = "owner" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await bob.Client.PatchAsJsonAsync($"/api/v1/workspaces/{personal}/members/{alice.Id}", new { role = "viewer" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await bob.Client.DeleteAsync($"/api/v1/workspaces/{personal}/members/{alice.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await alice.Client.DeleteAsync($"/api/v1/workspaces/{personal}/members/{alice.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        // She may still remove him.
        (await alice.Client.DeleteAsync($"/api/v1/workspaces/{personal}/members/{bob.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await alice.Client.GetAsync($"/api/v1/workspaces/{personal}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Members_may_leave()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner);
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { user_id = bob.Id, role = "member" }, Ct);

        (await bob.Client.DeleteAsync($"/api/v1/workspaces/{id}/members/{bob.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await bob.Client.GetAsync($"/api/v1/workspaces/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Invitations_are_accepted_only_by_the_invited_email()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var carol = await host.RegisterAsync(ct: Ct);
        var mallory = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner);

        var invite = await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{id}/invitations", new { email = $"{carol.Username}@example.com", role = "manager" }, Ct);
        invite.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = (await invite.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;

        (await mallory.Client.PostAsync($"/api/v1/invitations/{token}/accept", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var accepted = await carol.Client.PostAsync($"/api/v1/invitations/{token}/accept", null, Ct);
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await accepted.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("role").GetString().ShouldBe("manager");
        (await carol.Client.PostAsync($"/api/v1/invitations/{token}/accept", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var list = await owner.Client.GetStringAsync($"/api/v1/workspaces/{id}/invitations", Ct);
        list.ShouldNotContain(token);
    }

    [Fact]
    public async Task Changes_are_audited_with_who_what_and_before_after()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var id = await CreateWorkspaceAsync(owner, "Before");
        await owner.Client.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "After" }, Ct);
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { user_id = bob.Id, role = "viewer" }, Ct);

        var audit = await owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{id}/audit", Ct);
        var entries = audit.GetProperty("items").EnumerateArray().ToList();
        entries.Select(e => e.GetProperty("action").GetString()).ShouldBe(["workspace.member.added", "workspace.updated", "workspace.created"]);
        var rename = entries[1];
        rename.GetProperty("actor_name").GetString().ShouldBe(owner.Username);
        rename.GetProperty("before").GetProperty("name").GetString().ShouldBe("Before");
        rename.GetProperty("after").GetProperty("name").GetString().ShouldBe("After");
        rename.GetProperty("ip").GetString().ShouldNotBeNullOrEmpty();
        // Enums read as the API writes them.
        entries[0].GetProperty("after").GetProperty("role").GetString().ShouldBe("viewer");

        var csv = await owner.Client.GetAsync($"/api/v1/workspaces/{id}/audit.csv", Ct);
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var bytes = await csv.Content.ReadAsByteArrayAsync(Ct);
        bytes.Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });
        var text = System.Text.Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(4);
        text.ShouldStartWith("id,at,workspace_id");
    }

    [Fact]
    public async Task Lists_page_with_limit_and_cursor()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        for (var i = 0; i < 5; i++)
        {
            await CreateWorkspaceAsync(owner, $"W{i}");
        }
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", Ct);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            items.Count.ShouldBeLessThanOrEqualTo(2);
            seen.AddRange(items.Select(i => i.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);
        seen.Count.ShouldBe(6);
        seen.Distinct().Count().ShouldBe(6);
        (await owner.Client.GetAsync("/api/v1/workspaces?limit=0", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await owner.Client.GetAsync("/api/v1/workspaces?cursor=nonsense", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var offset = await owner.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspaces?offset=5", Ct);
        offset.GetProperty("items").GetArrayLength().ShouldBe(1);
    }
}

[Trait("Database", "Sqlite")]
public sealed class WorkspaceTestsOnSqlite(SqliteHost host) : WorkspaceTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class WorkspaceTestsOnPostgres(PostgresHost host) : WorkspaceTests(host), IClassFixture<PostgresHost>;
