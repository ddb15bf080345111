using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

/// <summary>"Tell me when this item (or anything in this department, or anything at all) runs low, on these channels."</summary>
public sealed record InventorySubscriptionRequest : IValidatableRequest
{
    public Guid? ItemId { get; init; }

    public Guid? DepartmentId { get; init; }

    /// <summary>Your channels to use; none means all of yours (the spec's notification_preference: email, Slack, …).</summary>
    public Guid[]? ChannelIds { get; init; }
}

public sealed record InventorySubscriptionDto(Guid Id, Guid? ItemId, Guid? DepartmentId, IReadOnlyList<Guid> ChannelIds, DateTime CreatedAt);

/// <summary>Low-stock subscriptions in the inventory's words, kept in the one subscription model of Notifications.</summary>
public static class InventorySubscriptions
{
    const string Module = "inventory";

    public static void MapInventorySubscriptions(this RouteGroupBuilder inventory)
    {
        inventory.MapGet("/subscriptions", List).WithSummary("My low-stock subscriptions in this workspace");
        inventory.MapPost("/subscriptions", Create).WithSummary("Hear about low stock of one item, a department or everything, on chosen channels")
            .WithDescription("Give item_id or department_id (or neither: every item). channel_ids are your channels; none means all of yours.")
            .ProducesProblem(404);
        inventory.MapDelete("/subscriptions/{id:guid}", Delete).WithSummary("Stop a low-stock subscription").ProducesProblem(404);
    }

    static async Task<Ok<Page<InventorySubscriptionDto>>> List([AsParameters] PageQuery page, SubscriptionService subscriptions, ICurrentWorkspace workspace, ClaimsPrincipal user, CancellationToken ct)
    {
        var all = await subscriptions.ListAsync(user.GetUserId()!.Value, Module, page, ct);
        return TypedResults.Ok(new Page<InventorySubscriptionDto>([.. all.Items.Where(s => s.WorkspaceId == workspace.Id).Select(ToDto)], all.NextCursor));
    }

    static async Task<Results<Created<InventorySubscriptionDto>, ValidationProblem, ProblemHttpResult>> Create(
        InventorySubscriptionRequest request, SubscriptionService subscriptions, VigilDb db, ICurrentWorkspace workspace, ClaimsPrincipal user, CancellationToken ct)
    {
        if (request.ItemId is not null && request.DepartmentId is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["item_id"] = ["Give item_id or department_id, not both."] });
        }
        if (request.ItemId is { } item && !await db.Set<InventoryItem>().AnyAsync(i => i.Id == item, ct))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["item_id"] = ["No such item."] });
        }
        if (request.DepartmentId is { } department && !await db.Set<Department>().AnyAsync(d => d.Id == department, ct))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["department_id"] = ["No such department."] });
        }
        var subject = request.ItemId is { } i ? $"inventory:*:{i:N}"
            : request.DepartmentId is { } d ? $"inventory:{d:N}:*"
            : "inventory:*";
        var created = await subscriptions.CreateAsync(user.GetUserId()!.Value,
            new SubscriptionInput(Module, LowStockAlerts.Kind, subject, workspace.Id, request.ChannelIds), ct);
        var outcome = created.IsOk ? Outcome.Ok(ToDto(created.Value!)) : created.As<InventorySubscriptionDto>();
        return outcome.ToCreated(s => $"/api/v1/inventory/subscriptions/{s.Id}");
    }

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Delete(Guid id, SubscriptionService subscriptions, ClaimsPrincipal user, CancellationToken ct) =>
        (await subscriptions.DeleteAsync(user.GetUserId()!.Value, id, Module, ct)).ToNoContent();

    static InventorySubscriptionDto ToDto(SubscriptionDto s)
    {
        // inventory:{department|*}:{item|*}
        var parts = s.Subject.Split(':');
        Guid? item = parts.Length == 3 && Guid.TryParse(parts[2], out var x) ? x : null;
        Guid? department = parts.Length == 3 && Guid.TryParse(parts[1], out var y) ? y : null;
        return new InventorySubscriptionDto(s.Id, item, department, s.ChannelIds, s.CreatedAt);
    }
}
