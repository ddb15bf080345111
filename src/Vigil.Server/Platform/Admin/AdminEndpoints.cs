using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Platform.Admin;

public static class AdminEndpoints
{
    public const string Policy = "admin";

    public static RouteGroupBuilder MapAdmin(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Admin").RequireAuthorization(Policy);
        admin.MapGet("/settings", GetSettings).WithSummary("System settings (secrets masked)");
        admin.MapPatch("/settings", UpdateSettings).WithSummary("Change system settings: registration, default notification channel");
        admin.MapPut("/settings", UpdateSettings).WithSummary("Change system settings (same as PATCH)");

        admin.MapGet("/users", ListUsers).WithSummary("All users, searchable and paged");
        admin.MapPost("/users", CreateUser).WithSummary("Create a user").ProducesProblem(409);
        admin.MapGet("/users/{id:guid}", GetUser).WithSummary("One user").ProducesProblem(404);
        admin.MapPatch("/users/{id:guid}", UpdateUser).WithSummary("Enable/disable or promote/demote a user").ProducesProblem(404).ProducesProblem(409);
        admin.MapPost("/users/{id:guid}/enable", (Guid id, AdminUsersService s, ClaimsPrincipal u, CancellationToken ct) => Apply(id, new() { IsDisabled = false }, s, u, ct)).WithSummary("Enable a user");
        admin.MapPost("/users/{id:guid}/disable", (Guid id, AdminUsersService s, ClaimsPrincipal u, CancellationToken ct) => Apply(id, new() { IsDisabled = true }, s, u, ct)).WithSummary("Disable a user; their sessions end");
        admin.MapPost("/users/{id:guid}/promote", (Guid id, AdminUsersService s, ClaimsPrincipal u, CancellationToken ct) => Apply(id, new() { IsAdmin = true }, s, u, ct)).WithSummary("Make a user a system admin");
        admin.MapPost("/users/{id:guid}/demote", (Guid id, AdminUsersService s, ClaimsPrincipal u, CancellationToken ct) => Apply(id, new() { IsAdmin = false }, s, u, ct)).WithSummary("Take system admin away from a user");
        admin.MapDelete("/users/{id:guid}", DeleteUser).WithSummary("Delete a user and the workspaces only they belong to").ProducesProblem(404).ProducesProblem(409);

        admin.MapGet("/audit", Audit).WithSummary("The whole audit log; ?format=csv for CSV").Produces<Page<AuditEntryDto>>().Produces(200, contentType: "text/csv");
        admin.MapGet("/audit.csv", AuditCsv).WithSummary("The whole audit log as CSV").Produces(200, contentType: "text/csv");
        return admin;
    }

    static async Task<Ok<AdminSettingsDto>> GetSettings(SystemSettingsService settings, CancellationToken ct) =>
        TypedResults.Ok(await settings.GetAsync(ct));

    static async Task<Results<Ok<AdminSettingsDto>, ValidationProblem, ProblemHttpResult>> UpdateSettings(UpdateAdminSettingsRequest request, SystemSettingsService settings, ClaimsPrincipal user, CancellationToken ct) =>
        (await settings.UpdateAsync(request, user.GetUserId()!.Value, ct)).ToHttp();

    static async Task<Ok<Page<UserDto>>> ListUsers([AsParameters] UserListQuery query, [AsParameters] PageQuery page, AdminUsersService users, CancellationToken ct) =>
        TypedResults.Ok(await users.ListAsync(query.Search, page, ct));

    static async Task<Results<Created<UserDto>, ValidationProblem, ProblemHttpResult>> CreateUser(AdminCreateUserRequest request, AdminUsersService users, CancellationToken ct) =>
        (await users.CreateAsync(request, ct)).ToCreated(u => $"/api/v1/admin/users/{u.Id}");

    static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> GetUser(Guid id, AdminUsersService users, CancellationToken ct) =>
        (await users.GetAsync(id, ct)).ToHttp();

    static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> UpdateUser(Guid id, UpdateUserRequest request, AdminUsersService users, ClaimsPrincipal user, CancellationToken ct) =>
        (await users.UpdateAsync(user.GetUserId()!.Value, id, request, ct)).ToHttp();

    static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> Apply(Guid id, UpdateUserRequest request, AdminUsersService users, ClaimsPrincipal user, CancellationToken ct) =>
        (await users.UpdateAsync(user.GetUserId()!.Value, id, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteUser(Guid id, AdminUsersService users, CancellationToken ct) =>
        (await users.DeleteAsync(id, ct)).ToNoContent();

    static async Task<IResult> Audit([AsParameters] AuditQuery query, [AsParameters] PageQuery page, AuditService audit, CancellationToken ct) =>
        string.Equals(query.Format, "csv", StringComparison.OrdinalIgnoreCase)
            ? AuditCsv(query, audit)
            : TypedResults.Ok(await audit.ListAllAsync(query, page, ct));

    static CsvResult AuditCsv([AsParameters] AuditQuery query, AuditService audit) =>
        new("audit.csv", audit.ExportAll(query));
}
