using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Platform.Auth;

public static class AuthEndpoints
{
    public const string RegisterRateLimit = "register";

    public static RouteGroupBuilder MapAuth(this RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth");

        auth.MapPost("/register", Register).AllowAnonymous().RequireRateLimiting(RegisterRateLimit)
            .WithSummary("Register a new account").WithDescription("Creates a user and their personal workspace. 403 when registration is disabled, 409 when the email or username is taken.")
            .ProducesProblem(403).ProducesProblem(409).ProducesProblem(429);
        auth.MapPost("/login", Login).AllowAnonymous()
            .WithSummary("Sign in with username or email and password")
            .WithDescription("Returns an access token and a refresh token. Wrong password and unknown user answer the same 401; repeated failures answer 429 with Retry-After.")
            .ProducesProblem(401).ProducesProblem(403).ProducesProblem(429);
        auth.MapPost("/refresh", Refresh).AllowAnonymous()
            .WithSummary("Swap a refresh token for a new token pair")
            .WithDescription("Rotates: the presented token stops working. Presenting an already-used token revokes its whole session family.")
            .ProducesProblem(401);
        auth.MapPost("/logout", Logout).WithSummary("End a session").WithDescription("Revokes the current session (the access token's), and the given refresh token's session when it is the caller's. An API key has no session: only a refresh token it names is revoked.");
        auth.MapGet("/me", GetMe).WithSummary("The signed-in user");
        auth.MapPut("/me", UpdateMe).WithSummary("Change my profile (display name, email, username)");
        auth.MapPatch("/me", UpdateMe).WithSummary("Change my profile (partial)");
        auth.MapPost("/change-password", ChangePassword).WithSummary("Change my password")
            .WithDescription("Every other session of the user is revoked. Wrong current passwords count as failed sign-ins (429 with Retry-After once locked). Not with an API key.")
            .ProducesProblem(429);
        auth.MapGet("/api-keys", ListApiKeys).WithSummary("My API keys (secrets are never shown again)");
        auth.MapPost("/api-keys", CreateApiKey).WithSummary("Create an API key").WithDescription("The secret (vk_…) is in the response once; use it as 'Authorization: Bearer vk_…' or 'X-Api-Key'.");
        auth.MapDelete("/api-keys/{id:guid}", RevokeApiKey).WithSummary("Revoke an API key");
        return auth;
    }

    static async Task<Results<Created<UserDto>, ValidationProblem, ProblemHttpResult>> Register(RegisterRequest request, AuthService auth, CancellationToken ct) =>
        (await auth.RegisterAsync(request, ct)).ToCreated(_ => "/api/v1/auth/me");

    static async Task<Results<Ok<TokenPair>, ProblemHttpResult>> Login(LoginRequest request, AuthService auth, TokenService tokens, HttpContext http, CancellationToken ct)
    {
        var ip = http.Connection.RemoteIpAddress?.ToString();
        var result = await auth.SignInAsync(request.EffectiveLogin!, request.Password!, ip, ct);
        switch (result.Status)
        {
            case SignInStatus.Ok:
                return TypedResults.Ok(await tokens.StartSessionAsync(result.User!, ip, ct));
            case SignInStatus.Throttled:
                var seconds = (int)Math.Ceiling(result.RetryAfter!.Value.TotalSeconds);
                http.Response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem("Too many failed sign-in attempts; try again later.", statusCode: 429, title: "Too Many Requests");
            case SignInStatus.Disabled:
                return TypedResults.Problem("This account is disabled.", statusCode: 403, title: "Forbidden");
            default:
                return InvalidCredentials();
        }
    }

    static ProblemHttpResult InvalidCredentials() =>
        TypedResults.Problem("Invalid login or password.", statusCode: 401, title: "Unauthorized");

    static async Task<Results<Ok<TokenPair>, ProblemHttpResult>> Refresh(RefreshRequest request, TokenService tokens, HttpContext http, CancellationToken ct)
    {
        var (result, pair) = await tokens.RefreshAsync(request.RefreshToken!, http.Connection.RemoteIpAddress?.ToString(), ct);
        return result == TokenService.RefreshResult.Ok
            ? TypedResults.Ok(pair!)
            : TypedResults.Problem("The refresh token is invalid, expired or revoked.", statusCode: 401, title: "Unauthorized");
    }

    static async Task<NoContent> Logout(LogoutRequest? request, TokenService tokens, ClaimsPrincipal user, CancellationToken ct)
    {
        var userId = user.GetUserId()!.Value; // the group requires an authenticated user
        // The given refresh token's session when it is the caller's; the session of the access token in any case, so a
        // stale, mistyped or foreign refresh token never leaves the caller signed in after a 204.
        if (request?.RefreshToken is { Length: > 0 } token)
        {
            await tokens.RevokeAsync(token, userId, ct);
        }
        if (user.GetSessionId() is { } session)
        {
            await tokens.RevokeFamilyAsync(session, "logout", ct);
        }
        return TypedResults.NoContent();
    }

    static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> GetMe(AuthService auth, ClaimsPrincipal user, CancellationToken ct) =>
        (await auth.GetMeAsync(user.GetUserId()!.Value, ct)).ToHttp();

    static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> UpdateMe(UpdateMeRequest request, AuthService auth, ClaimsPrincipal user, CancellationToken ct) =>
        (await auth.UpdateMeAsync(user.GetUserId()!.Value, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(ChangePasswordRequest request, AuthService auth, ClaimsPrincipal user, HttpContext http,
        CancellationToken ct)
    {
        // Wrong current passwords count as failed sign-ins: a stolen session cannot guess the password without limit.
        if (await auth.LockedForAsync(user.GetUserId()!.Value, ct) is { } wait)
        {
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem("Too many wrong passwords; try again later.", statusCode: 429, title: "Too Many Requests");
        }
        return (await auth.ChangePasswordAsync(user.GetUserId()!.Value, user.GetSessionId(), request, ct)).ToNoContent();
    }

    static async Task<Ok<Page<ApiKeyDto>>> ListApiKeys([AsParameters] PageQuery page, AuthService auth, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok((await auth.ListApiKeysAsync(user.GetUserId()!.Value, ct)).ToPage(page));

    static async Task<Results<Created<CreatedApiKeyDto>, ValidationProblem, ProblemHttpResult>> CreateApiKey(CreateApiKeyRequest request, AuthService auth, ClaimsPrincipal user, CancellationToken ct) =>
        (await auth.CreateApiKeyAsync(user.GetUserId()!.Value, user.IsAdmin(), request, ct)).ToCreated(k => $"/api/v1/auth/api-keys/{k.Id}");

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RevokeApiKey(Guid id, AuthService auth, ClaimsPrincipal user, CancellationToken ct) =>
        (await auth.RevokeApiKeyAsync(user.GetUserId()!.Value, id, ct)).ToNoContent();
}
