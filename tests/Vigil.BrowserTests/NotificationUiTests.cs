using Microsoft.Playwright;
using Vigil.Fakes;
using static Microsoft.Playwright.Assertions;

namespace Vigil.BrowserTests;

[Collection(BrowserTestGroup.Name)]
public sealed class NotificationUiTests(VigilServer server, Browser browser)
{
    static async Task SignInAsync(IPage page, string login, string password)
    {
        await page.GotoAsync("/login");
        await page.Locator("#login").FillAsync(login);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
    }

    /// <summary>Navigates and waits until the page's circuit is live, so clicks reach it.</summary>
    static async Task GotoAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await Expect(page.GetByTestId("app")).ToHaveAttributeAsync("data-interactive", "true");
    }

    [Fact]
    public async Task Add_a_webhook_channel_test_it_and_see_the_delivery_with_its_attempt()
    {
        await using var receiver = new FakeWebhookReceiver();
        await receiver.StartAsync(TestContext.Current.CancellationToken);
        var page = await browser.NewPageAsync(server.BaseAddress);
        await SignInAsync(page, VigilServer.AdminUsername, server.AdminPassword);

        await GotoAsync(page, "/notifications/channels");
        await Expect(page.GetByTestId("channel-add")).ToBeVisibleAsync();
        var name = "ops-" + Guid.NewGuid().ToString("N")[..6];
        await page.Locator("#channel-name").FillAsync(name);
        await page.Locator("#channel-url").FillAsync(new Uri(receiver.BaseAddress, "/hook").ToString());
        await page.GetByTestId("channel-add").ClickAsync();
        await Expect(page.GetByTestId("channel-secret")).ToContainTextAsync("whsec_");
        var row = page.GetByTestId("channels").Locator("tr", new() { HasText = name });
        await Expect(row.GetByTestId("channel-row-type")).ToHaveTextAsync("webhook");

        await row.GetByTestId("channel-test").ClickAsync();
        await Expect(page.GetByTestId("test-result")).ToContainTextAsync("sent");
        await Expect(row.GetByTestId("channel-row-health")).ToHaveTextAsync("healthy");
        receiver.Requests.Count.ShouldBe(1);
        receiver.Requests.Single().Header("webhook-signature")!.ShouldStartWith("v1,");
        receiver.SignatureFailures.ShouldBe(0);

        await GotoAsync(page, "/notifications/deliveries");
        var delivery = page.GetByTestId("deliveries").Locator("tr", new() { HasText = name });
        await Expect(delivery.GetByTestId("delivery-status")).ToHaveTextAsync("sent");
        await delivery.GetByTestId("delivery-attempts").ClickAsync();
        await Expect(page.GetByTestId("attempt-log").GetByTestId("attempt-status").First).ToHaveTextAsync("200");
    }
}
