namespace Vigil.Server.Platform.Auth;

/// <summary>
/// What an API key may do. Without the <c>write</c> scope it may only read: any other method answers 403. No key
/// manages API keys or the password: those need a signed-in session, so a leaked key cannot mint more (or unbound)
/// keys, nor guess the password. A key bound to a workspace acts there only: another workspace's routes answer 404,
/// and account-wide changes (new workspaces, the admin area) 403.
/// </summary>
public sealed class ApiKeyScopeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.User.IsApiKey())
        {
            return await next(context);
        }
        var safe = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method);
        if (!safe && !http.User.HasScope(ApiKeyScopes.Write))
        {
            return Forbidden("This API key lacks the write scope.");
        }
        if (safe && !http.User.HasScope(ApiKeyScopes.Read) && !http.User.HasScope(ApiKeyScopes.Write))
        {
            return Forbidden("This API key lacks the read scope.");
        }
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
        if (route.Contains("/auth/api-keys", StringComparison.Ordinal) || route.Contains("/auth/change-password", StringComparison.Ordinal))
        {
            return Forbidden("API keys and the password are managed from a signed-in session, not with an API key.");
        }
        if (http.User.GetKeyWorkspace() is { } bound)
        {
            var workspaceRoute = route.Contains("/workspaces", StringComparison.Ordinal);
            if (workspaceRoute && http.Request.RouteValues.TryGetValue("id", out var id) && !string.Equals(id?.ToString(), bound.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return TypedResults.Problem("No such workspace.", statusCode: 404, title: "Not Found");
            }
            if ((workspaceRoute && !safe && !http.Request.RouteValues.ContainsKey("id")) || route.Contains("/admin", StringComparison.Ordinal))
            {
                return Forbidden("This API key is bound to one workspace; it cannot act outside it.");
            }
        }
        return await next(context);
    }

    static IResult Forbidden(string detail) => TypedResults.Problem(detail, statusCode: 403, title: "Forbidden");
}
