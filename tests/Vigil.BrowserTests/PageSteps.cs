using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Vigil.BrowserTests;

/// <summary>Steps every browser test takes: signing in, opening a page once its circuit is live.</summary>
public static class PageSteps
{
    public static async Task SignInAsync(IPage page, string login, string password)
    {
        await page.GotoAsync("/login");
        await page.Locator("#login").FillAsync(login);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await WaitForAppAsync(page);
    }

    public static async Task GotoAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await WaitForAppAsync(page);
    }

    /// <summary>The layout marks itself once the circuit is live; before that, clicks would reach nothing.</summary>
    public static Task WaitForAppAsync(IPage page) =>
        Expect(page.GetByTestId("app")).ToHaveAttributeAsync("data-interactive", "true");
}
