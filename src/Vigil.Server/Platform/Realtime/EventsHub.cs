using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform.Realtime;

/// <summary>
/// The one hub pages and API clients listen on. A connection joins the workspaces it is a member of, one by one;
/// events are sent to a workspace's group only, so nobody hears another workspace's events.
/// </summary>
[Authorize]
public sealed class EventsHub(WorkspaceService workspaces) : Hub
{
    public const string Path = "/hubs/events";

    public static string Group(Guid workspaceId) => "ws:" + workspaceId.ToString("N");

    /// <summary>Starts receiving a workspace's events; a workspace the caller is not in is refused as unknown.</summary>
    public async Task JoinWorkspace(Guid workspaceId)
    {
        var user = Context.User ?? new ClaimsPrincipal();
        if (user.GetUserId() is not { } userId
            || (user.GetKeyWorkspace() is { } bound && bound != workspaceId)
            || await workspaces.RoleOfAsync(userId, workspaceId, Context.ConnectionAborted) is null)
        {
            throw new HubException("No such workspace.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(workspaceId), Context.ConnectionAborted);
    }

    public Task LeaveWorkspace(Guid workspaceId) =>
        Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(workspaceId), Context.ConnectionAborted);
}

/// <summary>What modules call to push a live event to one workspace's open pages and clients.</summary>
public sealed class RealtimePublisher(IHubContext<EventsHub> hub)
{
    /// <summary>
    /// Raised in this process for every event published here, for the server-rendered pages (Blazor circuits) of this
    /// replica; hub clients get events from every replica through the backplane.
    /// </summary>
    public event Action<RealtimeEvent>? Published;

    /// <summary>Sends <paramref name="name"/> with <paramref name="payload"/> to the workspace's listeners (message <c>event</c>).</summary>
    public Task PublishAsync(Guid workspaceId, string name, object payload, CancellationToken ct)
    {
        var message = new RealtimeEvent(name, workspaceId, payload);
        Published?.Invoke(message);
        return hub.Clients.Group(EventsHub.Group(workspaceId)).SendAsync("event", message, ct);
    }
}

public sealed record RealtimeEvent(string Name, Guid WorkspaceId, object Payload);
