using Microsoft.EntityFrameworkCore;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Notifications;

/// <summary>What a module asks for when a user subscribes in its own words.</summary>
public sealed record SubscriptionInput(
    string Module,
    string KindPattern,
    string SubjectPattern,
    Guid? WorkspaceId,
    IReadOnlyList<Guid>? ChannelIds = null,
    string? Options = null,
    Severity? MinSeverity = null,
    int? CooldownSeconds = null);

/// <summary>
/// The one subscription model. Modules call it with their own vocabulary translated into kind and subject patterns;
/// <c>GET /api/v1/subscriptions</c> lists a user's subscriptions across modules.
/// </summary>
public sealed class SubscriptionService(VigilDb db, WorkspaceService workspaces, AuditLog audit, TimeProvider clock)
{
    public async Task<Outcome<SubscriptionDto>> CreateAsync(Guid userId, SubscriptionInput input, CancellationToken ct)
    {
        if (input.WorkspaceId is { } ws && await workspaces.RoleOfAsync(userId, ws, ct) is null)
        {
            return Outcome.Missing<SubscriptionDto>("No such workspace.");
        }
        var ids = input.ChannelIds?.Distinct().ToList() ?? [];
        if (ids.Count > 0 && !await MayNameAsync(userId, input.WorkspaceId, ids, ct))
        {
            return Outcome.Invalid<SubscriptionDto>("channel_ids", input.WorkspaceId is null
                ? "Name only your own channels, or channels of a workspace where you are a member (not a viewer)."
                : "Name only your own channels, or this workspace's channels (as a member, not a viewer).");
        }
        var subscription = new Subscription
        {
            UserId = userId,
            WorkspaceId = input.WorkspaceId,
            Module = input.Module,
            KindPattern = input.KindPattern,
            SubjectPattern = input.SubjectPattern,
            ChannelIds = string.Join(' ', ids),
            Options = input.Options,
            MinSeverity = input.MinSeverity,
            CooldownSeconds = input.CooldownSeconds,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Set<Subscription>().Add(subscription);
        audit.Record("notifications.subscription.created", "subscription", subscription.Id, input.WorkspaceId,
            after: new { subscription.Module, subscription.KindPattern, subscription.SubjectPattern });
        await db.SaveChangesAsync(ct);
        return ToDto(subscription);
    }

    /// <summary>
    /// Whether a subscription may send to these channels: the user's own, or a workspace's shared channels where the
    /// user is a member (viewers only read). A workspace's events go only to that workspace's channels, so nothing of one
    /// workspace reaches the members of another; system-wide events (restock) may go to any of the user's workspaces.
    /// </summary>
    async Task<bool> MayNameAsync(Guid userId, Guid? eventsOf, List<Guid> ids, CancellationToken ct)
    {
        var named = await db.Set<Channel>().AsNoTracking().Where(c => ids.Contains(c.Id))
            .Select(c => new { c.Scope, c.OwnerUserId, c.WorkspaceId }).ToListAsync(ct);
        var sharing = await db.WorkspaceMembers.AsNoTracking().Where(m => m.UserId == userId && m.Role != WorkspaceRole.Viewer)
            .Select(m => m.WorkspaceId).ToListAsync(ct);
        return named.Count == ids.Count && named.All(c => c.Scope switch
        {
            ChannelScope.User => c.OwnerUserId == userId,
            ChannelScope.Workspace => c.WorkspaceId is { } ws && sharing.Contains(ws) && (eventsOf is null || eventsOf == ws),
            _ => false,
        });
    }

    /// <summary>A user's subscriptions, of one module or of all.</summary>
    public async Task<Page<SubscriptionDto>> ListAsync(Guid userId, string? module, PageQuery page, CancellationToken ct)
    {
        var query = db.Set<Subscription>().AsNoTracking().Where(s => s.UserId == userId);
        if (module is not null)
        {
            query = query.Where(s => s.Module == module);
        }
        var rows = await query.OrderBy(s => s.Module).ThenBy(s => s.CreatedAt).ThenBy(s => s.Id).ToPageAsync(page, ct);
        return rows.Map(ToDto);
    }

    /// <summary>Every subscription a module created, for modules that apply their own options before raising events.</summary>
    public async Task<IReadOnlyList<Subscription>> OfModuleAsync(string module, CancellationToken ct) =>
        await db.Set<Subscription>().AsNoTracking().Where(s => s.Module == module).ToListAsync(ct);

    public async Task<Outcome<bool>> DeleteAsync(Guid userId, Guid id, string? module, CancellationToken ct)
    {
        var subscription = await db.Set<Subscription>().SingleOrDefaultAsync(s => s.Id == id && s.UserId == userId && (module == null || s.Module == module), ct);
        if (subscription is null)
        {
            return Outcome.Missing<bool>("No such subscription.");
        }
        db.Set<Subscription>().Remove(subscription);
        audit.Record("notifications.subscription.deleted", "subscription", id, subscription.WorkspaceId,
            before: new { subscription.Module, subscription.KindPattern, subscription.SubjectPattern });
        await db.SaveChangesAsync(ct);
        return true;
    }

    static SubscriptionDto ToDto(Subscription s) =>
        new(s.Id, s.Module, s.KindPattern, s.SubjectPattern, s.WorkspaceId, s.ChannelIdList, s.MinSeverity, s.CooldownSeconds, s.Options, s.CreatedAt);
}
