using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Auth;

/// <summary>Authenticates <c>Authorization: Bearer vk_…</c> or <c>X-Api-Key: vk_…</c> against stored key hashes.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    VigilDb db,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Prefix = "vk_";
    public const string HeaderName = "X-Api-Key";

    public static string? ReadKey(HttpRequest request)
    {
        if (request.Headers[HeaderName] is [{ Length: > 0 } header])
        {
            return header.Trim();
        }
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer " + Prefix, StringComparison.Ordinal))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        // SignalR clients in browsers pass credentials as a query parameter on the hub path.
        return request.Path.StartsWithSegments("/hubs") && request.Query["access_token"] is [{ } token] && token.StartsWith(Prefix, StringComparison.Ordinal)
            ? token
            : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = ReadKey(Request);
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }
        var ct = Context.RequestAborted;
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = TokenHash.Hash(secret);
        var found = await db.ApiKeys.AsNoTracking()
            .Where(k => k.SecretHash == hash && k.RevokedAt == null)
            .Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, u.UserName, u.Email, u.IsAdmin, u.IsDisabled })
            .SingleOrDefaultAsync(ct);
        if (found is null || found.IsDisabled || (found.Key.ExpiresAt is { } expires && expires <= now))
        {
            return AuthenticateResult.Fail("Invalid API key.");
        }
        var scopes = ApiKeyScopes.Parse(found.Key.Scopes);
        var claims = new List<Claim>
        {
            new(VigilClaims.UserId, found.Key.UserId.ToString()),
            new(VigilClaims.UserName, found.UserName ?? ""),
            new(VigilClaims.Email, found.Email ?? ""),
            new(VigilClaims.ApiKeyId, found.Key.Id.ToString()),
        };
        claims.AddRange(scopes.Select(s => new Claim(VigilClaims.Scope, s)));
        // A key acts as an admin only when its owner is one and the key was given the admin scope.
        if (found.IsAdmin && scopes.Contains(ApiKeyScopes.Admin))
        {
            claims.Add(new Claim(VigilClaims.Admin, "true"));
        }
        if (found.Key.WorkspaceId is { } workspace)
        {
            claims.Add(new Claim(VigilClaims.Workspace, workspace.ToString()));
        }
        if (found.Key.LastUsedAt is null || now - found.Key.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            // Coarse on purpose: one write a minute per key, not one per request.
            await db.ApiKeys.Where(k => k.Id == found.Key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }
        var identity = new ClaimsIdentity(claims, SchemeName, VigilClaims.UserName, null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>What an API key may do: <c>read</c>, <c>write</c> (any non-GET request) and <c>admin</c> (admin routes).</summary>
public static class ApiKeyScopes
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    public static readonly string[] All = [Read, Write, Admin];
    public static readonly string[] Default = [Read, Write];

    public static HashSet<string> Parse(string stored) =>
        stored.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
}
