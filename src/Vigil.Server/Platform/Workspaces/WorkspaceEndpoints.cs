using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Platform.Workspaces;

public static class WorkspaceEndpoints
{
    public static RouteGroupBuilder MapWorkspaces(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/workspaces").WithTags("Workspaces");
        group.MapGet("", List).WithSummary("My workspaces, with my role in each");
        group.MapPost("", Create).WithSummary("Create a shared workspace; the caller becomes its owner");
        group.MapGet("/{id:guid}", Get).WithSummary("One of my workspaces").ProducesProblem(404);
        group.MapPatch("/{id:guid}", Update).WithSummary("Rename a workspace (owner or manager)").ProducesProblem(404);
        group.MapDelete("/{id:guid}", Delete).WithSummary("Delete a shared workspace (owner)").ProducesProblem(404).ProducesProblem(409);

        group.MapGet("/{id:guid}/members", ListMembers).WithSummary("Members of a workspace and their roles").ProducesProblem(404);
        group.MapPost("/{id:guid}/members", AddMember).WithSummary("Add an existing user by id, username or email (owner)").ProducesProblem(404).ProducesProblem(409);
        group.MapPatch("/{id:guid}/members/{userId:guid}", UpdateMember).WithSummary("Change a member's role (owner)").ProducesProblem(404).ProducesProblem(409);
        group.MapDelete("/{id:guid}/members/{userId:guid}", RemoveMember).WithSummary("Remove a member (owner), or leave (self)").ProducesProblem(404).ProducesProblem(409);

        group.MapGet("/{id:guid}/invitations", ListInvitations).WithSummary("Pending and past invitations (owner or manager)").ProducesProblem(404);
        group.MapPost("/{id:guid}/invitations", Invite).WithSummary("Invite someone by email (owner); the token is shown once").ProducesProblem(404);
        group.MapDelete("/{id:guid}/invitations/{invitationId:guid}", RevokeInvitation).WithSummary("Revoke an invitation (owner)").ProducesProblem(404);

        group.MapGet("/{id:guid}/audit", Audit).WithSummary("The workspace's audit log (owner or manager); ?format=csv for CSV")
            .Produces<Page<AuditEntryDto>>().Produces(200, contentType: "text/csv").ProducesProblem(404);
        group.MapGet("/{id:guid}/audit.csv", AuditCsv).WithSummary("The workspace's audit log as CSV (owner or manager)").Produces(200, contentType: "text/csv").ProducesProblem(404);

        // System admins manage every workspace: the groups that share alerts (create one for a team, add and remove its members).
        var admin = api.MapGroup("/admin/workspaces").WithTags("Admin").RequireAuthorization(Admin.AdminEndpoints.Policy);
        admin.MapGet("", AdminList).WithSummary("Every workspace (admins): ?search= on the name, ?personal=true|false");
        admin.MapPost("", AdminCreate).WithSummary("Create a shared workspace for a team (admins): {name, owner_user_id?}; the owner is the admin when none is named")
            .ProducesProblem(400);
        admin.MapGet("/{id:guid}", AdminGet).WithSummary("One workspace (admins)").ProducesProblem(404);
        admin.MapPatch("/{id:guid}", AdminUpdate).WithSummary("Rename any workspace (admins)").ProducesProblem(404);
        admin.MapDelete("/{id:guid}", AdminDelete).WithSummary("Delete any shared workspace (admins); a personal one goes with its user (409)").ProducesProblem(404).ProducesProblem(409);
        admin.MapGet("/{id:guid}/members", AdminListMembers).WithSummary("Members of any workspace (admins)").ProducesProblem(404);
        admin.MapPost("/{id:guid}/members", AdminAddMember).WithSummary("Add a user to any workspace (admins): {user_id|username|email, role}").ProducesProblem(404).ProducesProblem(409);
        admin.MapPatch("/{id:guid}/members/{userId:guid}", AdminUpdateMember).WithSummary("Change a member's role in any workspace (admins)").ProducesProblem(404).ProducesProblem(409);
        admin.MapDelete("/{id:guid}/members/{userId:guid}", AdminRemoveMember).WithSummary("Remove a member from any workspace (admins)").ProducesProblem(404).ProducesProblem(409);

        api.MapPost("/invitations/{token}/accept", Accept).WithTags("Workspaces")
            .WithSummary("Accept an invitation addressed to my email").ProducesProblem(404);
        return group;
    }

    static Guid Me(ClaimsPrincipal user) => user.GetUserId()!.Value; // routes here require an authenticated user

    static async Task<Ok<Page<AdminWorkspaceDto>>> AdminList(string? search, bool? personal, [AsParameters] PageQuery page, WorkspaceService service, CancellationToken ct) =>
        TypedResults.Ok(await service.AdminListAsync(search, personal, page, ct));

    static async Task<Results<Created<AdminWorkspaceDto>, ValidationProblem, ProblemHttpResult>> AdminCreate(AdminCreateWorkspaceRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.AdminCreateAsync(Me(user), request, ct)).ToCreated(w => $"/api/v1/admin/workspaces/{w.Id}");

    static async Task<Results<Ok<AdminWorkspaceDto>, ProblemHttpResult>> AdminGet(Guid id, WorkspaceService service, CancellationToken ct) =>
        await service.AdminGetAsync(id, ct) is { } found ? TypedResults.Ok(found) : TypedResults.Problem("No such workspace.", statusCode: 404, title: "Not Found");

    static async Task<Results<Ok<AdminWorkspaceDto>, ValidationProblem, ProblemHttpResult>> AdminUpdate(Guid id, UpdateWorkspaceRequest request, WorkspaceService service, CancellationToken ct) =>
        (await service.AdminRenameAsync(id, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> AdminDelete(Guid id, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.DeleteAsync(Me(user), id, ct, asAdmin: true)).ToNoContent();

    static async Task<Results<Ok<Page<MemberDto>>, ValidationProblem, ProblemHttpResult>> AdminListMembers(Guid id, [AsParameters] PageQuery page, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.ListMembersAsync(Me(user), id, page, ct, asAdmin: true)).ToHttp();

    static async Task<Results<Created<MemberDto>, ValidationProblem, ProblemHttpResult>> AdminAddMember(Guid id, AddMemberRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.AddMemberAsync(Me(user), id, request, ct, asAdmin: true)).ToCreated(m => $"/api/v1/admin/workspaces/{id}/members/{m.UserId}");

    static async Task<Results<Ok<MemberDto>, ValidationProblem, ProblemHttpResult>> AdminUpdateMember(Guid id, Guid userId, UpdateMemberRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UpdateMemberAsync(Me(user), id, userId, request, ct, asAdmin: true)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> AdminRemoveMember(Guid id, Guid userId, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.RemoveMemberAsync(Me(user), id, userId, ct, asAdmin: true)).ToNoContent();

    static async Task<Ok<Page<WorkspaceDto>>> List([AsParameters] PageQuery page, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        // A key bound to a workspace sees that one only.
        TypedResults.Ok(await service.ListMineAsync(Me(user), page, ct, only: user.GetKeyWorkspace()));

    static async Task<Results<Created<WorkspaceDto>, ValidationProblem, ProblemHttpResult>> Create(CreateWorkspaceRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.CreateAsync(Me(user), request, ct)).ToCreated(w => $"/api/v1/workspaces/{w.Id}");

    static async Task<Results<Ok<WorkspaceDto>, ValidationProblem, ProblemHttpResult>> Get(Guid id, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.GetAsync(Me(user), id, ct)).ToHttp();

    static async Task<Results<Ok<WorkspaceDto>, ValidationProblem, ProblemHttpResult>> Update(Guid id, UpdateWorkspaceRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UpdateAsync(Me(user), id, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Delete(Guid id, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.DeleteAsync(Me(user), id, ct)).ToNoContent();

    static async Task<Results<Ok<Page<MemberDto>>, ValidationProblem, ProblemHttpResult>> ListMembers(Guid id, [AsParameters] PageQuery page, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.ListMembersAsync(Me(user), id, page, ct)).ToHttp();

    static async Task<Results<Created<MemberDto>, ValidationProblem, ProblemHttpResult>> AddMember(Guid id, AddMemberRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.AddMemberAsync(Me(user), id, request, ct)).ToCreated(m => $"/api/v1/workspaces/{id}/members/{m.UserId}");

    static async Task<Results<Ok<MemberDto>, ValidationProblem, ProblemHttpResult>> UpdateMember(Guid id, Guid userId, UpdateMemberRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.UpdateMemberAsync(Me(user), id, userId, request, ct)).ToHttp();

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemoveMember(Guid id, Guid userId, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.RemoveMemberAsync(Me(user), id, userId, ct)).ToNoContent();

    static async Task<Results<Ok<Page<InvitationDto>>, ValidationProblem, ProblemHttpResult>> ListInvitations(Guid id, [AsParameters] PageQuery page, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.ListInvitationsAsync(Me(user), id, page, ct)).ToHttp();

    static async Task<Results<Created<CreatedInvitationDto>, ValidationProblem, ProblemHttpResult>> Invite(Guid id, CreateInvitationRequest request, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.InviteAsync(Me(user), id, request, ct)).ToCreated(i => $"/api/v1/workspaces/{id}/invitations/{i.Id}");

    static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RevokeInvitation(Guid id, Guid invitationId, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.RevokeInvitationAsync(Me(user), id, invitationId, ct)).ToNoContent();

    static async Task<Results<Ok<WorkspaceDto>, ValidationProblem, ProblemHttpResult>> Accept(string token, WorkspaceService service, ClaimsPrincipal user, CancellationToken ct) =>
        (await service.AcceptAsync(Me(user), token, ct)).ToHttp();

    static async Task<IResult> Audit(Guid id, [AsParameters] AuditQuery query, [AsParameters] PageQuery page, AuditService audit, ClaimsPrincipal user, CancellationToken ct) =>
        string.Equals(query.Format, "csv", StringComparison.OrdinalIgnoreCase)
            ? await AuditCsv(id, query, audit, user, ct)
            : (await audit.ListForWorkspaceAsync(Me(user), id, query, page, ct)).ToHttp();

    static async Task<IResult> AuditCsv(Guid id, [AsParameters] AuditQuery query, AuditService audit, ClaimsPrincipal user, CancellationToken ct)
    {
        var export = await audit.ExportWorkspaceAsync(Me(user), id, query, ct);
        return export.IsOk
            ? new CsvResult($"audit-{id}.csv", export.Value!)
            : export.ToProblem();
    }
}
