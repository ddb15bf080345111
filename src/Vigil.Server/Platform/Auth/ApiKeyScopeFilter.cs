namespace Vigil.Server.Platform.Auth;

/// <summary>An API key without the <c>write</c> scope may only read: any other method answers 403.</summary>
public sealed class ApiKeyScopeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var safe = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method);
        if (!safe && !http.User.HasScope(ApiKeyScopes.Write))
        {
            return TypedResults.Problem("This API key lacks the write scope.", statusCode: 403, title: "Forbidden");
        }
        if (safe && !http.User.HasScope(ApiKeyScopes.Read) && !http.User.HasScope(ApiKeyScopes.Write))
        {
            return TypedResults.Problem("This API key lacks the read scope.", statusCode: 403, title: "Forbidden");
        }
        return await next(context);
    }
}
