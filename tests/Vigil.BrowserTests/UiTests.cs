using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Vigil.BrowserTests.PageSteps;

namespace Vigil.BrowserTests;

[Collection(BrowserTestGroup.Name)]
public sealed class UiTests(VigilServer server, Browser browser)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_signs_in_with_the_password_from_the_start_up_banner()
    {
        var page = await browser.NewPageAsync(server.BaseAddress);

        await page.GotoAsync("/login");
        await page.Locator("#login").FillAsync("nobody-" + Guid.NewGuid().ToString("N")[..8]);
        await page.Locator("#password").FillAsync("not the password");
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("Invalid login or password");

        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);

        await Expect(page.GetByTestId("welcome")).ToContainTextAsync("admin");
        await Expect(page.GetByTestId("nav-admin")).ToBeVisibleAsync();

        await page.GetByTestId("user-menu").GetByRole(AriaRole.Button).First.ClickAsync();
        await page.GetByTestId("logout").ClickAsync();
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await page.GotoAsync("/admin/users");
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_visitor_registers_and_lands_signed_in_on_the_home_page()
    {
        await server.AllowRegistrationAsync(true, Ct);
        var page = await browser.NewPageAsync(server.BaseAddress);
        var name = "user" + Guid.NewGuid().ToString("N")[..8];

        await page.GotoAsync("/register");
        await page.Locator("#username").FillAsync(name);
        await page.Locator("#email").FillAsync($"{name}@example.com");
        await page.Locator("#password").FillAsync("correct horse battery");
        await page.GetByTestId("register-submit").ClickAsync();

        await WaitForAppAsync(page);
        await Expect(page.GetByTestId("welcome")).ToContainTextAsync(name);
        await Expect(page.GetByTestId("workspace-switcher")).ToContainTextAsync($"{name}'s workspace");
        await Expect(page.GetByTestId("nav-admin")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_switcher_moves_to_a_new_workspace_and_remembers_it()
    {
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        var team = "Team " + Guid.NewGuid().ToString("N")[..6];

        await GotoAsync(page, "/workspaces");
        await page.Locator("#workspace-name").FillAsync(team);
        await page.GetByTestId("workspace-create").ClickAsync();
        await Expect(page.GetByTestId("workspace-link").Filter(new() { HasText = team })).ToBeVisibleAsync();

        await page.GetByTestId("workspace-switcher").GetByRole(AriaRole.Button).First.ClickAsync();
        await page.GetByTestId("workspace-option").Filter(new() { HasText = team }).ClickAsync();
        await Expect(page.GetByTestId("workspace-switcher")).ToHaveTextAsync(team);

        await GotoAsync(page, "/");
        await Expect(page.GetByTestId("home-workspace")).ToHaveTextAsync(team);
        await Expect(page.GetByTestId("workspace-switcher")).ToHaveTextAsync(team);

        // Changes made on the circuit are audited under the signed-in user, as API calls are.
        await GotoAsync(page, "/workspaces");
        await page.GetByTestId("workspace-link").Filter(new() { HasText = team }).ClickAsync();
        await Expect(page.GetByTestId("workspace-title")).ToHaveTextAsync(team);
        await page.GetByTestId("workspace-audit").ClickAsync();
        var created = page.GetByTestId("audit-action").Filter(new() { HasText = "workspace.created" });
        await Expect(created).ToBeVisibleAsync();
        await Expect(page.GetByTestId("audit-actor").First).ToHaveTextAsync(VigilServer.AdminUsername);
    }

    [Fact]
    public async Task A_new_API_key_is_shown_once_and_works_against_the_API()
    {
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        var name = "ci-" + Guid.NewGuid().ToString("N")[..6];

        await GotoAsync(page, "/api-keys");
        await page.Locator("#api-key-name").FillAsync(name);
        await page.GetByTestId("api-key-create").ClickAsync();
        var secretElement = page.GetByTestId("api-key-secret");
        await Expect(secretElement).ToContainTextAsync("vk_");
        var secret = (await secretElement.TextContentAsync())!.Trim();

        using var http = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var response = await http.SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var me = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        me.RootElement.GetProperty("username").GetString().ShouldBe(VigilServer.AdminUsername);

        await GotoAsync(page, "/api-keys");
        await Expect(page.GetByTestId("api-key-row-name").Filter(new() { HasText = name })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("api-key-secret")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task When_the_admin_turns_registration_off_the_register_page_says_so()
    {
        await server.AllowRegistrationAsync(true, Ct);
        try
        {
            var page = await browser.NewPageAsync(server.BaseAddress);
            await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);

            await GotoAsync(page, "/admin/settings");
            var allow = page.GetByTestId("allow-registration");
            await Expect(allow).ToBeCheckedAsync();
            await allow.UncheckAsync();
            await page.GetByTestId("settings-save").ClickAsync();
            await Expect(page.GetByTestId("settings-status")).ToHaveTextAsync("Settings saved.");

            var visitor = await browser.NewPageAsync(server.BaseAddress);
            await visitor.GotoAsync("/register");
            await Expect(visitor.GetByTestId("registration-disabled")).ToContainTextAsync("Registration is disabled");
            await Expect(visitor.GetByTestId("register-form")).ToHaveCountAsync(0);
        }
        finally
        {
            await server.AllowRegistrationAsync(true, Ct);
        }
    }

    [Fact]
    public async Task Unknown_pages_get_the_friendly_page_and_unknown_API_paths_a_problem()
    {
        var page = await browser.NewPageAsync(server.BaseAddress);
        var response = await page.GotoAsync("/no/such/page");
        response!.Status.ShouldBe(404);
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();

        using var http = server.CreateClient();
        using var api = await http.GetAsync(new Uri("/api/v1/no-such-thing", UriKind.Relative), Ct);
        api.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        api.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task An_invited_user_opens_the_link_accepts_and_lands_in_the_workspace()
    {
        await server.AllowRegistrationAsync(true, Ct);
        using var admin = await server.CreateAdminClientAsync(Ct);
        var team = "Team " + Guid.NewGuid().ToString("N")[..6];
        var created = await admin.PostAsync("/api/v1/workspaces", JsonBody(new { name = team }), Ct);
        var workspaceId = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
        var name = "inv" + Guid.NewGuid().ToString("N")[..8];
        using (var anonymous = server.CreateClient())
        {
            (await anonymous.PostAsync("/api/v1/auth/register", JsonBody(new { email = $"{name}@example.com", username = name, password = "correct horse battery" }), Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        var invite = await admin.PostAsync($"/api/v1/workspaces/{workspaceId}/invitations", JsonBody(new { email = $"{name}@example.com", role = "member" }), Ct);
        var token = JsonDocument.Parse(await invite.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("token").GetString();

        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, name, "correct horse battery");
        await GotoAsync(page, $"/invitations/{token}");
        await page.GetByTestId("invitation-accept").ClickAsync();

        await Expect(page.GetByTestId("workspace-title")).ToHaveTextAsync(team);
        await GotoAsync(page, $"/invitations/{token}");
        await page.GetByTestId("invitation-accept").ClickAsync();
        await Expect(page.GetByTestId("invitation-error")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_admin_creates_a_group_and_adds_a_member_on_the_groups_page()
    {
        await server.AllowRegistrationAsync(true, Ct);
        var name = "grp" + Guid.NewGuid().ToString("N")[..8];
        using (var anonymous = server.CreateClient())
        {
            (await anonymous.PostAsync("/api/v1/auth/register", JsonBody(new { email = $"{name}@example.com", username = name, password = "correct horse battery" }), Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        var group = "Group " + Guid.NewGuid().ToString("N")[..6];
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        await GotoAsync(page, "/admin/workspaces");
        await page.Locator("#group-name").FillAsync(group);
        await page.GetByTestId("group-create").ClickAsync();
        await Expect(page.GetByTestId("group-members")).ToContainTextAsync(group);
        await page.Locator("#group-member").FillAsync(name);
        await page.GetByTestId("group-member-add").ClickAsync();
        await Expect(page.GetByTestId("group-members")).ToContainTextAsync(name);
        await Expect(page.GetByTestId("groups").GetByRole(AriaRole.Row).Filter(new() { HasText = group })).ToContainTextAsync("2");
    }

    static StringContent JsonBody(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
