using System.Text.Json;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Audit;

/// <summary>Who is acting: the signed-in user of this request, or the system in background work.</summary>
public sealed class Actor(IHttpContextAccessor http)
{
    /// <summary>Who acts when there is no request (the CLI acting as a workspace's owner); the request's user otherwise.</summary>
    public (Guid UserId, string Name)? Instead { get; set; }

    public Guid? UserId => Instead?.UserId ?? http.HttpContext?.User.GetUserId();

    public string Name => Instead?.Name ?? (http.HttpContext?.User.Identity?.Name is { Length: > 0 } name ? name : "system");

    public string? Ip => http.HttpContext?.Connection.RemoteIpAddress?.ToString();
}

/// <summary>
/// Appends audit entries to the caller's unit of work, so an entry is saved with the change it describes
/// or not at all. Snapshots must already have secrets masked.
/// </summary>
public sealed class AuditLog(VigilDb db, Actor actor, TimeProvider clock)
{
    /// <summary>Snapshots read as the API writes: snake_case names, enums as their lower-case names (<c>"owner"</c>, not 3).</summary>
    static JsonSerializerOptions Json => PlatformSetup.Json;

    public void Record(string action, string entityType, object? entityId, Guid? workspaceId,
        object? before = null, object? after = null, string? summary = null, Guid? actorUserId = null, string? actorName = null)
    {
        db.AuditEntries.Add(new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            WorkspaceId = workspaceId,
            ActorUserId = actorUserId ?? actor.UserId,
            ActorName = actorName ?? actor.Name,
            Action = action,
            EntityType = entityType,
            EntityId = entityId?.ToString(),
            Summary = summary is { Length: > 1000 } ? summary[..1000] : summary,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
            Ip = actor.Ip,
        });
    }
}
