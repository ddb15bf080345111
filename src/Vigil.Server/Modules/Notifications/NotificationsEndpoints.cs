using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Notifications;

public static class NotificationsEndpoints
{
    public static void MapNotifications(this RouteGroupBuilder api)
    {
        var channels = api.MapGroup("/channels").WithTags("Notifications").RequireWorkspace();
        channels.MapGet("", ListChannels).WithSummary("My channels and the current workspace's");
        channels.MapPost("", CreateChannel).WithSummary("Add a channel by form ({name, type, url, settings}) or Apprise URL ({name, url})")
            .WithDescription("Secrets are stored encrypted and shown masked. A webhook channel without a signing secret gets one, shown once as signing_secret.");
        channels.MapGet("/{id:guid}", GetChannel).WithSummary("One channel").ProducesProblem(404);
        channels.MapPatch("/{id:guid}", UpdateChannel).WithSummary("Rename, retarget, change settings, enable or disable a channel").ProducesProblem(404);
        channels.MapDelete("/{id:guid}", DeleteChannel).WithSummary("Delete a channel").ProducesProblem(404);
        channels.MapPost("/{id:guid}/test", TestChannel).WithSummary("Send a real test message now and return the delivery result").ProducesProblem(404);

        var subscriptions = api.MapGroup("/subscriptions").WithTags("Notifications").RequireWorkspace();
        subscriptions.MapGet("", ListSubscriptions).WithSummary("All my subscriptions, across modules");
        subscriptions.MapPost("", CreateSubscription).WithSummary("Subscribe to events by kind and subject pattern");
        subscriptions.MapDelete("/{id:guid}", DeleteSubscription).WithSummary("Remove a subscription").ProducesProblem(404);

        api.MapPost("/events", RaiseEvent).WithTags("Notifications").RequireWorkspace()
            .WithSummary("Raise a custom event in the current workspace (scripts, cron jobs, other tools)")
            .WithDescription("Delivered like any module's event: to the workspace's channels, the system default channel and matching subscribers. 202 with the event id; a repeated dedup_key is accepted and not recorded again.");

        var notifications = api.MapGroup("/notifications").WithTags("Notifications");
        notifications.MapGet("", ListDeliveries).WithSummary("My deliveries with status and attempts (filters: status, channel_id, kind, since)")
            .WithDescription("Deliveries addressed to me, made through my own channels, or made through the shared channels of the workspace I act in (X-Workspace-Id; its members see them, as they see the channels).");
        notifications.MapGet("/preferences", GetPreferences).WithSummary("My notification preferences (minimum severity, quiet hours, digest)");
        notifications.MapPut("/preferences", UpdatePreferences).WithSummary("Change my notification preferences");

        var admin = api.MapGroup("/admin").WithTags("Admin").RequireAuthorization(AdminEndpoints.Policy);
        admin.MapGet("/default-channel", GetDefault).WithSummary("The system default channel (receives every event)").ProducesProblem(404);
        admin.MapPut("/default-channel", SetDefault).WithSummary("Set the system default channel ({type?, url, settings?})");
        admin.MapDelete("/default-channel", RemoveDefault).WithSummary("Remove the system default channel").ProducesProblem(404);
        admin.MapPost("/default-channel/test", TestDefault).WithSummary("Send a test message to the system default channel").ProducesProblem(404);
        admin.MapGet("/notifications/health", Health).WithSummary("Delivery health of every channel");
    }

    static Guid Me(ClaimsPrincipal user) => user.GetUserId()!.Value; // the api group requires an authenticated user

    static async Task<Results<Ok<Page<ChannelDto>>, ValidationProblem, ProblemHttpResult>> ListChannels([AsParameters] PageQuery page, ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(Me(user), page, ct));

    static async Task<Results<Created<ChannelDto>, ValidationProblem, ProblemHttpResult>> CreateChannel(CreateChannelRequest request, ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.CreateAsync(Me(user), request, ct)).ToCreated(c => $"/api/v1/channels/{c.Id}");

    static async Task<Results<Ok<ChannelDto>, ValidationProblem, ProblemHttpResult>> GetChannel(Guid id, ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.GetAsync(Me(user), id, ct)).ToHttp();

    static async Task<Results<Ok<ChannelDto>, ValidationProblem, ProblemHttpResult>> UpdateChannel(Guid id, UpdateChannelRequest request, ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UpdateAsync(Me(user), id, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteChannel(Guid id, ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.DeleteAsync(Me(user), id, ct)).ToNoContent();

    static async Task<Results<Ok<DeliveryResultDto>, ValidationProblem, ProblemHttpResult>> TestChannel(Guid id, ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.TestAsync(Me(user), id, ct)).ToHttp();

    static async Task<Results<Accepted<RaisedEventDto>, ValidationProblem, ProblemHttpResult>> RaiseEvent(RaiseEventRequest request, AlertPublisher publisher, ICurrentWorkspace workspace,
        CancellationToken ct)
    {
        if (workspace.Role < WorkspaceRole.Member)
        {
            return TypedResults.Problem("Viewers cannot raise events.", statusCode: 403, title: "Forbidden");
        }
        // JSON null arrives although the type says string; every channel renders fields as text.
        if (request.Fields?.FirstOrDefault(f => f.Value is null || f.Key.Length == 0) is { Key: { } bad })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [bad.Length == 0 ? "fields" : "fields." + bad] = ["Each field has a name and a string value (not null)."],
            });
        }
        var alert = await publisher.PublishAsync(new AlertInput(request.Kind!, workspace.Id, request.Subject!, request.Severity ?? Channels.Severity.Info,
            request.Title!, request.Body ?? "", request.Fields, request.Link, request.DedupKey, request.GroupKey), ct);
        return TypedResults.Accepted((string?)null, new RaisedEventDto(alert?.Id, alert is null));
    }

    static async Task<Ok<Page<SubscriptionDto>>> ListSubscriptions([AsParameters] PageQuery page, SubscriptionService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(Me(user), null, page, ct));

    static async Task<Results<Created<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> CreateSubscription(CreateSubscriptionRequest request, SubscriptionService service, ICurrentWorkspace workspace, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.CreateAsync(Me(user), new SubscriptionInput("custom", request.Kind!, request.Subject ?? "*",
            request.WorkspaceEvents == false ? null : workspace.Id, request.ChannelIds, null, request.MinSeverity, request.CooldownSeconds), ct))
        .ToCreated(s => $"/api/v1/subscriptions/{s.Id}");

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteSubscription(Guid id, SubscriptionService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.DeleteAsync(Me(user), id, null, ct)).ToNoContent();

    static async Task<Ok<Page<DeliveryDto>>> ListDeliveries([AsParameters] DeliveryQuery query, [AsParameters] PageQuery page, DeliveryService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(Me(user), query, page, ct));

    static async Task<Ok<PreferencesDto>> GetPreferences(DeliveryService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.GetPreferencesAsync(Me(user), ct));

    static async Task<Ok<PreferencesDto>> UpdatePreferences(UpdatePreferencesRequest request, DeliveryService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.UpdatePreferencesAsync(Me(user), request, ct));

    static async Task<Results<Ok<ChannelDto>, ProblemHttpResult>> GetDefault(ChannelService service, CancellationToken ct) =>
        await service.GetDefaultAsync(ct) is { } channel
            ? TypedResults.Ok(channel)
            : TypedResults.Problem("No default channel is set.", statusCode: 404, title: "Not Found");

    static async Task<Results<Ok<ChannelDto>, ValidationProblem, ProblemHttpResult>> SetDefault(DefaultChannelRequest request, ChannelService service, CancellationToken ct) =>
        (await service.SetDefaultAsync(request, ct)).ToHttp();

    static async Task<Results<NoContent, ProblemHttpResult>> RemoveDefault(ChannelService service, CancellationToken ct) =>
        await service.RemoveDefaultAsync(ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem("No default channel is set.", statusCode: 404, title: "Not Found");

    static async Task<Results<Ok<DeliveryResultDto>, ValidationProblem, ProblemHttpResult>> TestDefault(ChannelService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.TestDefaultAsync(Me(user), ct)).ToHttp();

    static async Task<Ok<Page<ChannelHealthDto>>> Health([AsParameters] PageQuery page, ChannelService service, CancellationToken ct) =>
        TypedResults.Ok(await service.HealthAsync(page, ct));
}
