using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Ui;

/// <summary>The UI's sign-in cookie: the same claim names as access tokens, checked against the database on each page request.</summary>
public static class CookieSession
{
    /// <summary>A digest of the password hash: a password change ends every cookie session of the user.</summary>
    const string PasswordClaim = "pwd";

    public static ClaimsPrincipal CreatePrincipal(VigilUser user)
    {
        var claims = new List<Claim>
        {
            new(VigilClaims.UserId, user.Id.ToString()),
            new(VigilClaims.UserName, user.UserName ?? ""),
            new(VigilClaims.Email, user.Email ?? ""),
            new(PasswordClaim, PasswordDigest(user.PasswordHash)),
        };
        if (user.IsAdmin)
        {
            claims.Add(new Claim(VigilClaims.Admin, "true"));
        }
        return new ClaimsPrincipal(new ClaimsIdentity(claims, IdentityConstants.ApplicationScheme, VigilClaims.UserName, "role"));
    }

    public static Task SignInAsync(HttpContext http, VigilUser user) =>
        http.SignInAsync(IdentityConstants.ApplicationScheme, CreatePrincipal(user), new AuthenticationProperties { IsPersistent = true });

    /// <summary>
    /// Disabled, deleted or re-passworded users lose the session; admin rights, name and email follow the database,
    /// as they do for access tokens. Static files skip the check: they reveal nothing and a page loads many.
    /// </summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        if (Path.HasExtension(http.Request.Path.Value) || context.Principal?.GetUserId() is not { } userId)
        {
            return;
        }
        var db = http.RequestServices.GetRequiredService<VigilDb>();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, http.RequestAborted);
        if (user is null || user.IsDisabled || context.Principal.FindFirst(PasswordClaim)?.Value != PasswordDigest(user.PasswordHash))
        {
            context.RejectPrincipal();
            await http.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }
        var current = context.Principal;
        if (current.IsAdmin() != user.IsAdmin
            || current.FindFirst(VigilClaims.UserName)?.Value != user.UserName
            || current.FindFirst(VigilClaims.Email)?.Value != user.Email)
        {
            context.ReplacePrincipal(CreatePrincipal(user));
            context.ShouldRenew = true;
        }
    }

    static string PasswordDigest(string? passwordHash) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash ?? "")))[..16];
}
