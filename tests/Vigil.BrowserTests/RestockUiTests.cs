using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Vigil.BrowserTests.PageSteps;

namespace Vigil.BrowserTests;

[Collection(BrowserTestGroup.Name)]
public sealed class RestockUiTests(VigilServer server, Browser browser)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task CheckNowAsync(HttpClient admin, string plan)
    {
        using var response = await admin.PostAsync($"/api/v1/restock/plans/{plan}/check", null, Ct);
        response.EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_state_change_in_the_fake_appears_on_an_open_board_without_reload()
    {
        var plan = "vps-ui-" + Guid.NewGuid().ToString("N")[..6];
        using var admin = await server.CreateAdminClientAsync(Ct);
        using (var created = await admin.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = plan, name = "VPS UI" }, Ct))
        {
            created.EnsureSuccessStatusCode();
        }
        server.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        server.Ovh.SetVps("FR", plan, "SBG", "available");
        await CheckNowAsync(admin, plan);

        // Public board: no sign-in needed.
        var page = await browser.NewPageAsync(server.BaseAddress);
        await GotoAsync(page, "/restock");
        var gra = page.Locator($"[data-testid=cell][data-plan='{plan}'][data-dc='GRA']");
        await Expect(gra).ToHaveAttributeAsync("data-state", "out_of_stock");
        await Expect(page.Locator($"[data-testid=cell][data-plan='{plan}'][data-dc='SBG']")).ToHaveAttributeAsync("data-state", "in_stock");
        await page.EvaluateAsync("() => window.__sameDocument = true");

        server.Ovh.SetVps("FR", plan, "GRA", "available");
        await CheckNowAsync(admin, plan);

        await Expect(gra).ToHaveAttributeAsync("data-state", "in_stock");
        await Expect(gra).ToContainTextAsync("in stock");
        (await page.EvaluateAsync<bool>("() => window.__sameDocument === true")).ShouldBeTrue("the board updated in place, without a reload");
    }

    [Fact]
    public async Task One_click_on_the_board_subscribes_and_the_plan_page_shows_its_timeline()
    {
        var plan = "vps-ui-" + Guid.NewGuid().ToString("N")[..6];
        server.Ovh.AddCatalogPlans("FR", new Vigil.Fakes.OvhCatalogPlan(plan, "VPS Click", Vigil.Fakes.FakeOvh.Micros(6.49m), ["GRA"]));
        using var admin = await server.CreateAdminClientAsync(Ct);
        using (var created = await admin.PostAsJsonAsync("/api/v1/restock/plans", new { plan_code = plan, name = "VPS Click" }, Ct))
        {
            created.EnsureSuccessStatusCode();
        }
        server.Ovh.SetVps("FR", plan, "GRA", "out-of-stock");
        await CheckNowAsync(admin, plan);

        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        await GotoAsync(page, "/restock");
        var row = page.Locator($"[data-testid=board-row][data-plan='{plan}']");
        await row.GetByTestId("cell-subscribe").ClickAsync();
        await Expect(page.GetByText($"You will hear when VPS Click is back in GRA.")).ToBeVisibleAsync();

        await GotoAsync(page, "/restock/subscriptions");
        var mine = page.GetByTestId("restock-subscriptions").GetByRole(AriaRole.Row).Filter(new() { HasText = plan });
        await Expect(mine.GetByTestId("restock-subscription-dcs")).ToHaveTextAsync("GRA");

        await GotoAsync(page, $"/restock/plans/{plan}");
        await Expect(page.Locator("[data-testid=timeline-row][data-dc='GRA']")).ToBeVisibleAsync();

        await DeleteSubscriptionAsync(page, plan);
    }

    [Fact]
    public async Task An_admin_changes_the_check_interval_and_threshold_on_the_plans_page()
    {
        using var admin = await server.CreateAdminClientAsync(Ct);
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);
        await GotoAsync(page, "/admin/restock/plans");
        try
        {
            await page.Locator("#restock-interval").FillAsync("90");
            await page.Locator("#restock-threshold").FillAsync("15");
            await page.GetByTestId("restock-settings-save").ClickAsync();
            await Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
            var settings = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/restock/settings", Ct);
            settings.GetProperty("check_interval_seconds").GetDouble().ShouldBe(90);
            settings.GetProperty("notification_threshold_minutes").GetDouble().ShouldBe(15);

            await page.ReloadAsync();
            await WaitForAppAsync(page);
            await Expect(page.Locator("#restock-interval")).ToHaveValueAsync("90");
        }
        finally
        {
            using var restored = await admin.PatchAsJsonAsync("/api/v1/restock/settings", new { check_interval_seconds = 120, notification_threshold_minutes = 60 }, Ct);
            restored.EnsureSuccessStatusCode();
        }
    }

    static async Task DeleteSubscriptionAsync(IPage page, string plan)
    {
        await GotoAsync(page, "/restock/subscriptions");
        var mine = page.GetByTestId("restock-subscriptions").GetByRole(AriaRole.Row).Filter(new() { HasText = plan });
        await mine.GetByTestId("restock-subscription-delete").ClickAsync();
        await Expect(mine).ToHaveCountAsync(0);
    }
}
