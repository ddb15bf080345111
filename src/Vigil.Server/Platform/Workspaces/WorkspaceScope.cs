using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Platform.Workspaces;

/// <summary>Endpoint metadata: the route acts in the workspace named by <c>X-Workspace-Id</c> (or <c>workspace_id</c>).</summary>
public sealed class WorkspaceScopedMetadata
{
    public static readonly WorkspaceScopedMetadata Instance = new();
}

/// <summary>
/// Resolves the workspace a module route acts in: <c>X-Workspace-Id</c> header, else <c>workspace_id</c> query
/// parameter, else the API key's workspace, else the caller's personal workspace. Not a member, or a key bound
/// elsewhere: 404, as if the workspace did not exist.
/// </summary>
public sealed class WorkspaceScopeFilter : IEndpointFilter
{
    public const string Header = "X-Workspace-Id";
    public const string QueryParameter = "workspace_id";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.GetEndpoint()?.Metadata.GetMetadata<WorkspaceScopedMetadata>() is null)
        {
            // A route of the caller's own (their deliveries, their subscriptions) does not act in a workspace, but
            // one named anyway must still be one of theirs: a workspace you are not in answers 404 on every route.
            // Admin routes are left alone (an admin need not be a member of what they administer).
            if (http.User.GetUserId() is not null && (http.Request.Headers.ContainsKey(Header) || http.Request.Query.ContainsKey(QueryParameter))
                && !http.Request.Path.StartsWithSegments("/api/v1/admin", StringComparison.OrdinalIgnoreCase)
                && await ResolveAsync(http, http.RequestAborted) is { } refused)
            {
                return refused;
            }
            return await next(context);
        }
        var result = await ResolveAsync(http, http.RequestAborted);
        if (result is IResult failure)
        {
            return failure;
        }
        return await next(context);
    }

    /// <summary>Sets <see cref="CurrentWorkspace"/> for this request, or returns the problem to answer with.</summary>
    public static async Task<IResult?> ResolveAsync(HttpContext http, CancellationToken ct)
    {
        var user = http.User;
        if (user.GetUserId() is not { } userId)
        {
            return TypedResults.Problem(statusCode: 401, title: "Unauthorized");
        }
        var requested = http.Request.Headers[Header].ToString();
        if (requested.Length == 0)
        {
            requested = http.Request.Query[QueryParameter].ToString();
        }
        Guid? workspaceId = null;
        if (requested.Length > 0)
        {
            if (!Guid.TryParse(requested, out var parsed))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["workspace_id"] = ["Not a workspace id."] });
            }
            workspaceId = parsed;
        }
        var keyWorkspace = user.GetKeyWorkspace();
        if (keyWorkspace is not null && workspaceId is not null && workspaceId != keyWorkspace)
        {
            return NotFound();
        }
        var services = http.RequestServices;
        workspaceId ??= keyWorkspace;
        if (workspaceId is null)
        {
            workspaceId = await services.GetRequiredService<Data.VigilDb>().Users
                .Where(u => u.Id == userId).Select(u => (Guid?)u.PersonalWorkspaceId)
                .FirstOrDefaultAsync(ct);
        }
        if (workspaceId is null)
        {
            return NotFound();
        }
        var role = await services.GetRequiredService<WorkspaceService>().RoleOfAsync(userId, workspaceId.Value, ct);
        if (role is null)
        {
            return NotFound();
        }
        services.GetRequiredService<CurrentWorkspace>().Set(workspaceId.Value, role);
        return null;
    }

    static IResult NotFound() => TypedResults.Problem("No such workspace.", statusCode: 404, title: "Not Found");
}

public static class WorkspaceScopeExtensions
{
    /// <summary>
    /// Makes every route of the group act in one resolved workspace. The filter itself sits on the <c>/api/v1</c> group,
    /// ahead of body validation, so a foreign workspace answers 404 before anything about the body is said.
    /// </summary>
    public static TBuilder RequireWorkspace<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(WorkspaceScopedMetadata.Instance);
}
