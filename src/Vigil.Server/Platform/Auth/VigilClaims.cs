using System.Security.Claims;

namespace Vigil.Server.Platform.Auth;

/// <summary>Claim names on access tokens and API-key principals.</summary>
public static class VigilClaims
{
    public const string UserId = "sub";
    public const string UserName = "name";
    public const string Email = "email";
    public const string Admin = "adm";

    /// <summary>The refresh-token family (sign-in session) an access token belongs to.</summary>
    public const string Session = "sid";

    /// <summary>Set on API-key principals: the key's id, its scopes and, when bound, its workspace.</summary>
    public const string ApiKeyId = "key";
    public const string Scope = "scope";
    public const string Workspace = "ws";

    public static Guid? GetUserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(UserId)?.Value, out var id) ? id : null;

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.HasClaim(Admin, "true");

    public static Guid? GetSessionId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(Session)?.Value, out var id) ? id : null;

    public static Guid? GetKeyWorkspace(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirst(Workspace)?.Value, out var id) ? id : null;

    public static bool IsApiKey(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == ApiKeyId);

    public static bool HasScope(this ClaimsPrincipal principal, string scope) =>
        !principal.IsApiKey() || principal.HasClaim(Scope, scope);
}
