using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Vigil.BrowserTests.PageSteps;

namespace Vigil.BrowserTests;

[Collection(BrowserTestGroup.Name)]
public sealed class InventoryUiTests(VigilServer server, Browser browser)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    const string Password = "correct horse battery";

    /// <summary>A fresh user: their personal workspace is their only one, so the page acts where the API does.</summary>
    async Task<(string Name, HttpClient Api)> NewUserAsync()
    {
        await server.AllowRegistrationAsync(true, Ct);
        var name = "inv" + Guid.NewGuid().ToString("N")[..8];
        var api = server.CreateClient();
        (await api.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{name}@example.com", username = name, password = Password }, Ct)).EnsureSuccessStatusCode();
        var login = await api.PostAsJsonAsync("/api/v1/auth/login", new { login = name, password = Password }, Ct);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (name, api);
    }

    [Fact]
    public async Task Issue_from_the_table_see_it_in_the_history_and_export_it_as_csv()
    {
        var (user, api) = await NewUserAsync();
        using var _ = api;
        (await api.PostAsJsonAsync("/api/v1/inventory/items", new { name = "Headphones", quantity = 10, threshold = 2 }, Ct)).EnsureSuccessStatusCode();
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, user, Password);

        await GotoAsync(page, "/inventory");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("item-name").GetByText("Headphones") });
        await Expect(row.GetByTestId("item-quantity")).ToContainTextAsync("10");
        await row.GetByTestId("item-issue").ClickAsync();
        await page.Locator("#move-quantity").FillAsync("3");
        await page.Locator("#move-to").FillAsync("Ann from accounting");
        await page.GetByTestId("move-save").ClickAsync();
        await Expect(row.GetByTestId("item-quantity")).ToContainTextAsync("7");

        await row.GetByTestId("item-history").ClickAsync();
        var history = page.GetByTestId("history").GetByTestId("history-row");
        await Expect(history).ToHaveCountAsync(2);
        await Expect(history.First.GetByTestId("history-kind")).ToHaveTextAsync("issue");
        await Expect(history.First.GetByTestId("history-to")).ToHaveTextAsync("Ann from accounting");
        await page.GetByTestId("history-close").ClickAsync();

        await GotoAsync(page, "/inventory/exports");
        await page.GetByTestId("export-start").ClickAsync();
        var download = page.GetByTestId("export-download").First;
        await Expect(download).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var url = await download.GetAttributeAsync("href");
        var fetched = await page.Context.APIRequest.GetAsync(server.BaseAddress + url!.TrimStart('/'));
        fetched.Status.ShouldBe(200, await fetched.TextAsync());
        var file = await page.RunAndWaitForDownloadAsync(() => download.ClickAsync());
        var bytes = await File.ReadAllBytesAsync(await file.PathAsync(), Ct);
        bytes.Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });
        var csv = Encoding.UTF8.GetString(bytes);
        csv.ShouldContain("Headphones");
        csv.ShouldContain("Ann from accounting");
    }

    [Fact]
    public async Task A_low_stock_toast_appears_live_when_someone_else_issues()
    {
        var (user, api) = await NewUserAsync();
        using var _ = api;
        var created = await api.PostAsJsonAsync("/api/v1/inventory/items", new { name = "Toner", quantity = 5, threshold = 3 }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, user, Password);
        await GotoAsync(page, "/inventory");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByTestId("item-name").GetByText("Toner") });
        await Expect(row.GetByTestId("item-quantity")).ToContainTextAsync("5");

        (await api.PostAsJsonAsync($"/api/v1/inventory/items/{id}/issue", new { quantity = 3 }, Ct)).EnsureSuccessStatusCode();

        await Expect(page.Locator(".mud-snackbar").Filter(new() { HasText = "Toner is running low" })).ToBeVisibleAsync();
        await Expect(row.GetByTestId("item-quantity")).ToContainTextAsync("2");
        await Expect(row.GetByTestId("item-low")).ToBeVisibleAsync();
    }
}
