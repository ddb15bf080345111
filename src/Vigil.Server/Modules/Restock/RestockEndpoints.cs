using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Modules.Restock;

/// <summary>Lets anonymous callers read the public restock routes while <c>RESTOCK_PUBLIC_STATUS</c> is true; otherwise a sign-in is needed.</summary>
public sealed class PublicStatusFilter(IOptionsMonitor<RestockOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        options.CurrentValue.PublicStatus || context.HttpContext.User.Identity?.IsAuthenticated == true
            ? await next(context)
            : TypedResults.Problem("Sign in to read the restock status (RESTOCK_PUBLIC_STATUS is false).", statusCode: 401, title: "Unauthorized");
}

public static class RestockEndpoints
{
    public static void MapRestock(this RouteGroupBuilder api)
    {
        var restock = api.MapGroup("/restock").WithTags("Restock");

        var open = restock.MapGroup("").AllowAnonymous().AddEndpointFilter<PublicStatusFilter>();
        open.MapGet("/status", Status).WithSummary("Current stock of every watched plan in every datacenter")
            .WithDescription("One row per (subsidiary, plan, datacenter, OS track): in_stock, pre_order or out_of_stock, since when, the delivery delay and the last successful check. Filters: subsidiary, plan_code, track (linux, windows, server). Public unless RESTOCK_PUBLIC_STATUS=false.");
        open.MapGet("/status/stream", StatusStream).WithSummary("Stock changes as they happen, pushed as Server-Sent Events (text/event-stream)")
            .WithDescription("""
                The first event, 'snapshot', carries what GET /status answers for the same filters (subsidiary, plan_code, track). Then each stock change comes as a 'change' event the moment a check here records it: {subsidiary, plan_code, datacenter, track, previous, state, at}, previous being unknown on a first sighting; every 30 s the changes other replicas recorded follow. A ': keep-alive' comment comes every 15 s (Restock:StreamKeepAlive). Every connection starts with a fresh snapshot, so Last-Event-ID is not needed: a client that lost the connection reconnects and replaces what it knew; a change may repeat what the snapshot already showed. A client more than Restock:StreamBuffer changes behind is disconnected; 503 when Restock:MaxStreams streams are open. Public unless RESTOCK_PUBLIC_STATUS=false.
                """)
            .Produces<string>(200, RestockStatusEvents.ContentType)
            .ProducesProblem(503);
        open.MapGet("/status/history", History).WithSummary("Stock periods: each state with the time range it lasted, newest first")
            .WithDescription("Stored on change only; to is null while a period lasts, and last_checked_at is the heartbeat of the last successful check. Filters: plan_code, subsidiary, datacenter, track, since or days. Paged.");
        open.MapGet("/status/timeline/{planCode}", Timeline).WithSummary("In/out periods of one plan per datacenter over the last 7 or 30 days (days=1-365)").ProducesProblem(404);
        open.MapGet("/plans", Plans).WithSummary("The restock plan catalog (filters: monitored, kind, lifecycle, search); paged");
        open.MapGet("/plans/{planCode}", Plan).WithSummary("One plan of the catalog")
            .WithDescription("Plan codes are OVH's, lower case; one given in any case names the same plan, here and in every plan_code filter.").ProducesProblem(404);
        open.MapGet("/pricing/{planCode}", Pricing).WithSummary("A plan's prices per subsidiary and currency, from OVH's public catalog")
            .WithDescription("monthly is the list price (default mode, renew, 1 month, no commitment); pricings lists every line (commitments, upfront, degressivity), each with the catalog's capacities saying what it bills: installation (the setup fee), renew (each period), … Amounts are decimals in the currency. ?subsidiary= keeps one subsidiary's prices (400 when unknown).")
            .ProducesProblem(404);
        open.MapGet("/datacenters", Datacenters).WithSummary("Datacenters: name, region code, city, country and flag")
            .WithDescription("A short reference list, whole unless limit, cursor or offset asks for a page.");

        restock.MapGet("/notifications", Alerts).WithSummary("What the restock watch announced (back in stock, out of stock), newest first; paged");

        restock.MapGet("/subscriptions", Subscriptions).WithSummary("My restock subscriptions");
        restock.MapPost("/subscriptions", Subscribe).WithSummary("Follow a plan: {plan_code, subsidiary, datacenters?, channel_ids?, options?}")
            .WithDescription("No datacenters means all; no channel_ids means all of my own channels. channel_ids may also name a shared channel of a workspace where I am a member (not a viewer): the team hears the alert there while I stay a member, once however many members point at it. options: confirm_polls (1-10), out_of_stock, preorder, os (linux|windows), cooldown_minutes. A VPS plan in a subsidiary whose fetched catalog does not sell it is a 400 naming subsidiary. 409 when I already follow that plan in that subsidiary on that OS.")
            .ProducesProblem(409);
        restock.MapPost("/subscriptions/bulk", SubscribeMany).WithSummary("Follow many plans at once, all or nothing ({subscriptions: [...], replace?})")
            .WithDescription("A subscription matching one I have (same plan, subsidiary and OS) replaces it; replace=true removes all my other restock subscriptions, so {subscriptions: [], replace: true} removes them all. An empty list without replace is a 400.");
        restock.MapDelete("/subscriptions/{key}", Unsubscribe).WithSummary("Stop following: by subscription id, or every subscription of mine on a plan code")
            .WithDescription("With a plan code, ?subsidiary= deletes only that subsidiary's subscriptions on the plan (400 when unknown; a dedicated server's one subscription has no subsidiary and goes too); without it, all of them go. An id names one subscription: subsidiary is then a 400.")
            .ProducesProblem(404);

        var admin = restock.MapGroup("").RequireAuthorization(AdminEndpoints.Policy);
        admin.MapPost("/plans", CreatePlan).WithSummary("Add a plan to the catalog (admins)")
            .WithDescription("The code is stored lower case, as OVH writes plan codes; a code already in the catalog, in any case, is a 409.").ProducesProblem(409);
        admin.MapPatch("/plans/{planCode}", UpdatePlan).WithSummary("Rename a plan, (un)monitor it or mark it legacy/removed (admins)")
            .WithDescription("name, monitored and lifecycle change; plan_code and kind cannot: sent with another value they are a 400 naming the field, sent as they are they are accepted.")
            .ProducesProblem(404);
        admin.MapDelete("/plans/{planCode}", RemovePlan).WithSummary("Stop watching a plan (admins): it is marked removed and keeps its history").ProducesProblem(404);
        admin.MapGet("/settings", Settings).WithSummary("Restock settings: watched subsidiaries, interval, threshold, API hosts (admins)");
        admin.MapPatch("/settings", UpdateSettings).WithSummary("Change restock settings (admins): any of subsidiaries, check_interval_seconds, notification_threshold_minutes")
            .WithDescription("Only the fields given change. Each is stored, wins over its environment variable (OVH_SUBSIDIARIES, CHECK_INTERVAL_SECONDS, NOTIFICATION_THRESHOLD_MINUTES) and takes effect on the next cycle of every server, without a restart. check_interval_seconds is at least 30 when a region's API base is OVH's own host (1 otherwise), at most 86400; a shorter interval also brings forward sources due later than that. notification_threshold_minutes is 0 to 43200. Audited.");
        admin.MapPut("/settings", UpdateSettings).WithSummary("Change restock settings (same as PATCH: only the fields given change)");
        admin.MapPost("/plans/{planCode}/check", CheckNow).WithSummary("Check a plan now, without waiting for its next turn (admins)")
            .WithDescription("Runs a poll cycle in which the plan's sources are due; answers what the cycle did (checked, failed, changes, alerts).").ProducesProblem(404);
        admin.MapPost("/check", CheckAll).WithSummary("Check every watched source now (admins)")
            .WithDescription("Runs one poll cycle over all sources at once, with the usual concurrency cap; answers what it did.");
        admin.MapGet("/sources", Sources).WithSummary("Every upstream source with its last check, failures and last error (admins); paged");
    }

    /// <summary>An OS track as a filter names it: read in any case, like every enum value of the API.</summary>
    static string? Track(string? track) => track?.ToLowerInvariant();

    static Guid Me(ClaimsPrincipal user) => user.GetUserId()!.Value; // the group requires an authenticated user

    static async Task<Results<Ok<StatusDto>, ValidationProblem, ProblemHttpResult>> Status(string? subsidiary, [FromQuery(Name = "plan_code")] string? planCode, string? track, RestockService service, CancellationToken ct) =>
        (await service.StatusAsync(subsidiary, planCode, Track(track), ct)).ToHttp();

    static Results<RestockStatusEvents, ValidationProblem> StatusStream(string? subsidiary, [FromQuery(Name = "plan_code")] string? planCode, string? track) =>
        RestockService.StatusFilterErrors(subsidiary, Track(track)) is { } errors
            ? TypedResults.ValidationProblem(errors)
            : new RestockStatusEvents(subsidiary, RestockService.NormalizePlanCode(planCode), Track(track));

    static async Task<Results<Ok<HistoryDto>, ValidationProblem, ProblemHttpResult>> History([AsParameters] HistoryQuery query, [AsParameters] PageQuery page, RestockService service, CancellationToken ct) =>
        (await service.HistoryAsync(query with { Track = Track(query.Track) }, page, ct)).ToHttp();

    static async Task<Results<Ok<TimelineDto>, ValidationProblem, ProblemHttpResult>> Timeline(string planCode, string? subsidiary, string? track, string? days, RestockService service, CancellationToken ct)
    {
        // TimelineAsync checks the track, and a dedicated server's one track ("server") against the plan.
        var (parsed, error) = RestockService.ParseDays(days);
        return error is not null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = [error] })
            : (await service.TimelineAsync(planCode, subsidiary, Track(track) ?? OvhClient.LinuxTrack, parsed ?? 7, ct)).ToHttp();
    }

    static async Task<Results<Ok<Page<PlanDto>>, ValidationProblem, ProblemHttpResult>> Plans([AsParameters] PlanQuery query, [AsParameters] PageQuery page, RestockService service, CancellationToken ct) =>
        (await service.PlansAsync(query, page, ct)).ToHttp();

    static async Task<Results<Ok<PlanDto>, ValidationProblem, ProblemHttpResult>> Plan(string planCode, RestockService service, CancellationToken ct) =>
        (await service.PlanAsync(planCode, ct)).ToHttp();

    static async Task<Results<Ok<PricingDto>, ValidationProblem, ProblemHttpResult>> Pricing(string planCode, string? subsidiary, RestockService service, CancellationToken ct) =>
        (await service.PricingAsync(planCode, subsidiary, ct)).ToHttp();

    static async Task<Ok<Page<DatacenterDto>>> Datacenters([AsParameters] PageQuery page, RestockService service, CancellationToken ct)
    {
        var all = await service.DatacentersAsync(ct);
        // A short reference list: whole unless a page is asked for.
        return TypedResults.Ok(page.Limit is null && page.Cursor is null && page.Offset is null ? all : all.Items.ToPage(page));
    }

    static async Task<Results<Ok<Page<RestockAlertDto>>, ValidationProblem>> Alerts([AsParameters] AlertQuery query, [AsParameters] PageQuery page, RestockService service,
        CancellationToken ct)
    {
        if (query.Kind is { Length: > 0 } kind && RestockAudience.AlertKind(kind) is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["kind"] = [$"kind is {RestockAudience.BackInStockKind} or {RestockAudience.OutOfStockKind} (back_in_stock and out_of_stock also do)."],
            });
        }
        return TypedResults.Ok(await service.AlertsAsync(query, page, ct));
    }

    static async Task<Ok<Page<RestockSubscriptionDto>>> Subscriptions([AsParameters] PageQuery page, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.SubscriptionsAsync(Me(user), page, ct));

    static async Task<Results<Created<RestockSubscriptionDto>, ValidationProblem, ProblemHttpResult>> Subscribe(CreateRestockSubscriptionRequest request, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.SubscribeAsync(Me(user), request, ct)).ToCreated(s => $"/api/v1/restock/subscriptions/{s.Id}");

    static async Task<Results<Ok<BulkSubscriptionsDto>, ValidationProblem, ProblemHttpResult>> SubscribeMany(BulkSubscriptionsRequest request, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.SubscribeManyAsync(Me(user), request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Unsubscribe(string key, string? subsidiary, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UnsubscribeAsync(Me(user), key, subsidiary, ct)).ToNoContent();

    static async Task<Results<Created<PlanDto>, ValidationProblem, ProblemHttpResult>> CreatePlan(CreatePlanRequest request, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.CreatePlanAsync(user.IsAdmin(), request, ct)).ToCreated(p => $"/api/v1/restock/plans/{Uri.EscapeDataString(p.PlanCode)}");

    static async Task<Results<Ok<PlanDto>, ValidationProblem, ProblemHttpResult>> UpdatePlan(string planCode, UpdatePlanRequest request, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UpdatePlanAsync(user.IsAdmin(), planCode, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemovePlan(string planCode, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.RemovePlanAsync(user.IsAdmin(), planCode, ct)).ToNoContent();

    static async Task<Ok<RestockSettingsDto>> Settings(RestockService service, CancellationToken ct) => TypedResults.Ok(await service.SettingsAsync(ct));

    static async Task<Results<Ok<RestockSettingsDto>, ValidationProblem, ProblemHttpResult>> UpdateSettings(UpdateRestockSettingsRequest request, RestockService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UpdateSettingsAsync(user.IsAdmin(), Me(user), request, ct)).ToHttp();

    static async Task<Results<Ok<CycleReport>, ProblemHttpResult>> CheckNow(string planCode, RestockPoller poller, CancellationToken ct) =>
        await poller.CheckNowAsync(RestockService.NormalizePlanCode(planCode), ct) is { } report
            ? TypedResults.Ok(report)
            : TypedResults.Problem("No such plan.", statusCode: 404, title: "Not Found");

    static async Task<Ok<CycleReport>> CheckAll(RestockPoller poller, CancellationToken ct) =>
        TypedResults.Ok((await poller.CheckNowAsync(null, ct))!); // without a plan there is always a report

    static async Task<Ok<Page<SourceDto>>> Sources([AsParameters] PageQuery page, RestockService service, CancellationToken ct) =>
        TypedResults.Ok(await service.SourcesAsync(page, ct));
}
