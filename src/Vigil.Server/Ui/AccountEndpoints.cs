using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Ui;

/// <summary>Form posts of the UI that must set or clear the cookie, which a live Blazor circuit cannot do.</summary>
public static class AccountEndpoints
{
    public const string LoginPath = "/account/login";
    public const string LogoutPath = "/account/logout";

    public static void MapAccount(this WebApplication app)
    {
        // Form binding makes both validate the antiforgery token.
        app.MapPost(LoginPath, SignIn).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(LogoutPath, SignOut).ExcludeFromDescription();
    }

    static async Task<IResult> SignIn([FromForm] string? login, [FromForm] string? password, [FromForm] string? returnUrl,
        AuthService auth, HttpContext http, CancellationToken ct)
    {
        var back = SafeReturnUrl(returnUrl);
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password))
        {
            return LoginAgain("missing", back);
        }
        var result = await auth.SignInAsync(login, password, http.Connection.RemoteIpAddress?.ToString(), ct);
        switch (result.Status)
        {
            case SignInStatus.Ok:
                await CookieSession.SignInAsync(http, result.User!); // Ok results carry the user
                return TypedResults.LocalRedirect(back);
            case SignInStatus.Throttled:
                return LoginAgain("throttled", back);
            case SignInStatus.Disabled:
                return LoginAgain("disabled", back);
            default:
                return LoginAgain("invalid", back);
        }
    }

    static async Task<IResult> SignOut([FromForm] string? returnUrl, HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return TypedResults.LocalRedirect(returnUrl is null ? "/login" : SafeReturnUrl(returnUrl));
    }

    static IResult LoginAgain(string error, string returnUrl) =>
        TypedResults.LocalRedirect($"/login?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}");

    /// <summary>Only paths of this site, so the sign-in form cannot bounce users elsewhere.</summary>
    /// <summary>A local path to go back to, or <c>/</c>: never another site, nor a path a redirect header cannot carry (control characters).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            && !url.Any(char.IsControl)
            ? url
            : "/";
}
