using System.Net.Http.Json;
using Microsoft.Playwright;
using Vigil.Fakes;
using static Microsoft.Playwright.Assertions;
using static Vigil.BrowserTests.PageSteps;

namespace Vigil.BrowserTests;

[Collection(BrowserTestGroup.Name)]
public sealed class NotificationsUiTests(VigilServer server, Browser browser)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_webhook_channel_added_by_form_sends_a_signed_test_that_shows_in_the_delivery_history()
    {
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        var name = "hook-" + Guid.NewGuid().ToString("N")[..6];

        await GotoAsync(page, "/notifications/channels");
        await page.GetByTestId("channel-add").ClickAsync();
        await page.Locator("#channel-name").FillAsync(name);
        await PickAsync(page, page.GetByTestId("channel-type-select"), "webhook");
        await page.Locator("#channel-url").FillAsync(new Uri(receiver.BaseAddress, "/hook").ToString());
        await page.GetByTestId("channel-save").ClickAsync();

        // Vigil made the signing secret and shows it this once.
        await Expect(page.GetByTestId("channel-secret")).ToContainTextAsync("whsec_");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("channel-name").GetByText(name, new() { Exact = true }) });
        await Expect(row.GetByTestId("channel-type")).ToHaveTextAsync("webhook");

        await row.GetByTestId("channel-test").ClickAsync();
        var result = page.GetByTestId("test-result");
        await Expect(result).ToHaveAttributeAsync("data-status", "sent");
        await Expect(result).ToContainTextAsync("HTTP 200");
        await Expect(row.GetByTestId("channel-health")).ToHaveTextAsync("healthy");

        var posts = receiver.Requests.Where(r => r.Method == "POST").ToList();
        posts.Count.ShouldBe(1);
        posts[0].Header("webhook-signature").ShouldNotBeNullOrEmpty();
        posts[0].Path.ShouldBe("/hook");

        await GotoAsync(page, "/notifications/deliveries");
        var delivery = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("delivery-channel").GetByText(name) });
        await Expect(delivery).ToHaveCountAsync(1);
        await Expect(delivery.GetByTestId("delivery-kind")).ToHaveTextAsync("notifications.test");
        await Expect(delivery.GetByTestId("delivery-status")).ToHaveTextAsync("sent");
        await delivery.GetByTestId("delivery-expand").ClickAsync();
        var attempts = page.GetByTestId("delivery-attempt-log").GetByTestId("attempt");
        await Expect(attempts).ToHaveCountAsync(1);
        await Expect(attempts.GetByTestId("attempt-http")).ToHaveTextAsync("200");
        await Expect(attempts.GetByTestId("attempt-outcome")).ToHaveTextAsync("sent");
    }

    [Fact]
    public async Task A_channel_added_by_Apprise_URL_is_listed_as_a_webhook()
    {
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        var name = "apprise-" + Guid.NewGuid().ToString("N")[..6];

        await GotoAsync(page, "/notifications/channels");
        await page.GetByTestId("channel-add").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Apprise URL" }).ClickAsync();
        await page.Locator("#channel-apprise-name").FillAsync(name);
        // The service's field error shows under the field it is about, and the dialog stays open.
        await page.Locator("#channel-apprise-url").FillAsync("nope://127.0.0.1/hook");
        await page.GetByTestId("channel-save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog).GetByText("Cannot tell the channel type")).ToBeVisibleAsync();

        await page.Locator("#channel-apprise-url").FillAsync($"json://127.0.0.1:{receiver.BaseAddress.Port}/hook");
        await page.GetByTestId("channel-save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("channel-name").GetByText(name, new() { Exact = true }) });
        await Expect(row.GetByTestId("channel-type")).ToHaveTextAsync("webhook");
        await Expect(row.GetByTestId("channel-scope")).ToHaveTextAsync("user");
        await Expect(row.GetByTestId("channel-health")).ToHaveTextAsync("unknown");
        // Shown back in the form it was entered in too, its path masked.
        await Expect(row.GetByTestId("channel-apprise")).ToContainTextAsync($"json://127.0.0.1:{receiver.BaseAddress.Port}/");
        await Expect(row.GetByTestId("channel-apprise")).Not.ToContainTextAsync("hook");
        // Apprise-format webhooks are not signed, so no secret is made for them.
        await Expect(page.GetByTestId("channel-secret")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_workspace_channel_shows_only_while_its_workspace_is_selected()
    {
        var team = "Alerts " + Guid.NewGuid().ToString("N")[..6];
        using (var http = await server.CreateAdminClientAsync(Ct))
        {
            using var created = await http.PostAsJsonAsync("/api/v1/workspaces", new { name = team }, Ct);
            created.EnsureSuccessStatusCode();
        }
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        var name = "team-" + Guid.NewGuid().ToString("N")[..6];

        await GotoAsync(page, "/notifications/channels");
        await SwitchWorkspaceAsync(page, team);
        await page.GetByTestId("channel-add").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Apprise URL" }).ClickAsync();
        await page.Locator("#channel-apprise-name").FillAsync(name);
        await page.Locator("#channel-apprise-url").FillAsync("json://127.0.0.1:9/team");
        await PickAsync(page, page.GetByTestId("channel-scope-select"), $"the workspace ({team})");
        await page.GetByTestId("channel-save").ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("channel-name").GetByText(name, new() { Exact = true }) });
        await Expect(row.GetByTestId("channel-scope")).ToHaveTextAsync("workspace");

        await SwitchWorkspaceAsync(page, "admin's workspace");
        await Expect(row).ToHaveCountAsync(0);
        await SwitchWorkspaceAsync(page, team);
        await Expect(row).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Subscriptions_and_preferences_are_kept_from_one_page()
    {
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        var channel = "sub-" + Guid.NewGuid().ToString("N")[..6];
        using (var http = await server.CreateAdminClientAsync(Ct))
        {
            using var created = await http.PostAsJsonAsync("/api/v1/channels", new { name = channel, url = "json://127.0.0.1:9/hook" }, Ct);
            created.EnsureSuccessStatusCode();
        }
        var kind = "ui" + Guid.NewGuid().ToString("N")[..6] + ".*";

        await GotoAsync(page, "/notifications/subscriptions");
        await page.Locator("#subscription-kind").FillAsync("Not A Kind");
        await page.GetByTestId("subscription-create").ClickAsync();
        await Expect(page.GetByText("The kind is lower-case letters")).ToBeVisibleAsync();

        await page.Locator("#subscription-kind").FillAsync(kind);
        await page.Locator("#subscription-subject").FillAsync("ovh:*");
        await PickAsync(page, page.GetByTestId("subscription-channels"), channel);
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("subscription-create").ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("subscription-kind").GetByText(kind) });
        await Expect(row.GetByTestId("subscription-subject")).ToHaveTextAsync("ovh:*");
        await Expect(row.GetByTestId("subscription-channel-names")).ToContainTextAsync(channel);
        await Expect(row.GetByTestId("subscription-module")).ToHaveTextAsync("custom");

        await PickAsync(page, page.GetByTestId("preferences-digest"), "daily");
        await page.GetByTestId("preferences-save").ClickAsync();
        await Expect(page.GetByText("Preferences saved.")).ToBeVisibleAsync();
        await GotoAsync(page, "/notifications/subscriptions");
        await Expect(page.GetByTestId("preferences-digest")).ToHaveValueAsync("daily");

        await row.GetByTestId("subscription-delete").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_admin_sets_tests_and_removes_the_default_channel()
    {
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(Ct);
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);

        await GotoAsync(page, "/admin/default-channel");
        await page.Locator("#default-channel-url").FillAsync($"json://127.0.0.1:{receiver.BaseAddress.Port}/default");
        await page.GetByTestId("default-channel-set").ClickAsync();
        await Expect(page.GetByTestId("default-channel-target")).ToBeVisibleAsync();

        await page.GetByTestId("default-channel-test").ClickAsync();
        await Expect(page.GetByTestId("test-result")).ToHaveAttributeAsync("data-status", "sent");
        receiver.Requests.Count(r => r.Method == "POST" && r.Path == "/default").ShouldBe(1);
        await Expect(page.GetByTestId("channel-health-table").GetByTestId("health-name").GetByText("System default")).ToBeVisibleAsync();

        await page.GetByTestId("default-channel-remove").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(page.GetByTestId("default-channel-none")).ToBeVisibleAsync();
    }

    static async Task SwitchWorkspaceAsync(IPage page, string workspace)
    {
        await page.GetByTestId("workspace-switcher").GetByRole(AriaRole.Button).First.ClickAsync();
        await page.GetByTestId("workspace-option").Filter(new() { HasText = workspace }).ClickAsync();
        await Expect(page.GetByTestId("workspace-switcher")).ToHaveTextAsync(workspace);
    }

    /// <summary>Opens a MudSelect and picks the option with this text.</summary>
    static async Task PickAsync(IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option, Exact = true }).ClickAsync();
    }
}
