using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Workspaces;

/// <summary>
/// Workspaces, members and invitations. A workspace the caller does not belong to is reported missing,
/// never forbidden, so its existence does not leak.
/// </summary>
public sealed class WorkspaceService(VigilDb db, AuditLog audit, TimeProvider clock)
{
    static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public Task<WorkspaceRole?> RoleOfAsync(Guid userId, Guid workspaceId, CancellationToken ct) =>
        db.WorkspaceMembers.AsNoTracking()
            .Where(m => m.UserId == userId && m.WorkspaceId == workspaceId)
            .Select(m => (WorkspaceRole?)m.Role)
            .SingleOrDefaultAsync(ct);

    public Task<Page<WorkspaceDto>> ListMineAsync(Guid userId, PageQuery page, CancellationToken ct, Guid? only = null) =>
        db.WorkspaceMembers.AsNoTracking()
            .Where(m => m.UserId == userId && (only == null || m.WorkspaceId == only))
            .OrderByDescending(m => m.Workspace!.IsPersonal).ThenBy(m => m.Workspace!.Name).ThenBy(m => m.WorkspaceId)
            .Select(m => new WorkspaceDto(m.WorkspaceId, m.Workspace!.Name, m.Workspace.IsPersonal, m.Role, m.Workspace.CreatedAt, m.Workspace.Members.Count))
            .ToPageAsync(page, ct);

    public async Task<Outcome<WorkspaceDto>> GetAsync(Guid userId, Guid id, CancellationToken ct)
    {
        var found = await db.WorkspaceMembers.AsNoTracking()
            .Where(m => m.UserId == userId && m.WorkspaceId == id)
            .Select(m => new WorkspaceDto(m.WorkspaceId, m.Workspace!.Name, m.Workspace.IsPersonal, m.Role, m.Workspace.CreatedAt, m.Workspace.Members.Count))
            .SingleOrDefaultAsync(ct);
        return found is null ? Outcome.Missing<WorkspaceDto>("No such workspace.") : found;
    }

    /// <summary>Creates the personal workspace every user gets; the caller saves.</summary>
    public Workspace AddPersonal(VigilUser user)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var workspace = new Workspace { Name = $"{user.UserName}'s workspace", IsPersonal = true, CreatedByUserId = user.Id, CreatedAt = now };
        workspace.Members.Add(new WorkspaceMember { UserId = user.Id, Role = WorkspaceRole.Owner, JoinedAt = now });
        db.Workspaces.Add(workspace);
        user.PersonalWorkspaceId = workspace.Id;
        return workspace;
    }

    public async Task<Outcome<WorkspaceDto>> CreateAsync(Guid userId, CreateWorkspaceRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var workspace = new Workspace { Name = request.Name!.Trim(), CreatedByUserId = userId, CreatedAt = now };
        workspace.Members.Add(new WorkspaceMember { UserId = userId, Role = WorkspaceRole.Owner, JoinedAt = now });
        db.Workspaces.Add(workspace);
        audit.Record("workspace.created", "workspace", workspace.Id, workspace.Id, after: new { workspace.Name });
        await db.SaveChangesAsync(ct);
        return new WorkspaceDto(workspace.Id, workspace.Name, false, WorkspaceRole.Owner, now, 1);
    }

    public async Task<Outcome<WorkspaceDto>> UpdateAsync(Guid userId, Guid id, UpdateWorkspaceRequest request, CancellationToken ct)
    {
        var role = await RoleOfAsync(userId, id, ct);
        if (role is null)
        {
            return Outcome.Missing<WorkspaceDto>("No such workspace.");
        }
        if (role < WorkspaceRole.Manager)
        {
            return Outcome.Forbidden<WorkspaceDto>("Only owners and managers can rename a workspace.");
        }
        await RenameAsync(id, request, ct);
        return await GetAsync(userId, id, ct);
    }

    async Task RenameAsync(Guid id, UpdateWorkspaceRequest request, CancellationToken ct)
    {
        var workspace = await db.Workspaces.SingleAsync(w => w.Id == id, ct);
        var before = new { workspace.Name };
        workspace.Name = request.Name!.Trim();
        audit.Record("workspace.updated", "workspace", id, id, before, new { workspace.Name });
        await db.SaveChangesAsync(ct);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid userId, Guid id, CancellationToken ct, bool asAdmin = false)
    {
        var role = await ActingRoleAsync(userId, id, asAdmin, ct);
        if (role is null)
        {
            return Outcome.Missing<bool>("No such workspace.");
        }
        if (role != WorkspaceRole.Owner)
        {
            return Outcome.Forbidden<bool>("Only owners can delete a workspace.");
        }
        var workspace = await db.Workspaces.SingleAsync(w => w.Id == id, ct);
        if (workspace.IsPersonal)
        {
            return Outcome.Conflict<bool>("A personal workspace is deleted with its user, not on its own.");
        }
        db.Workspaces.Remove(workspace);
        audit.Record("workspace.deleted", "workspace", id, id, before: new { workspace.Name });
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Outcome<Page<MemberDto>>> ListMembersAsync(Guid userId, Guid id, PageQuery page, CancellationToken ct, bool asAdmin = false)
    {
        if (await ActingRoleAsync(userId, id, asAdmin, ct) is null)
        {
            return Outcome.Missing<Page<MemberDto>>("No such workspace.");
        }
        return await db.WorkspaceMembers.AsNoTracking()
            .Where(m => m.WorkspaceId == id)
            .OrderByDescending(m => m.Role).ThenBy(m => m.User!.UserName)
            .Select(m => new MemberDto(m.UserId, m.User!.UserName!, m.User.Email, m.User.DisplayName, m.Role, m.JoinedAt))
            .ToPageAsync(page, ct);
    }

    public async Task<Outcome<MemberDto>> AddMemberAsync(Guid userId, Guid id, AddMemberRequest request, CancellationToken ct, bool asAdmin = false)
    {
        var check = await RequireOwnerAsync<MemberDto>(userId, id, asAdmin, ct);
        if (check is not null)
        {
            return check;
        }
        var normalizedName = request.Username?.Trim().ToUpperInvariant();
        var normalizedEmail = request.Email?.Trim().ToUpperInvariant();
        var user = await db.Users.AsNoTracking()
            .Where(u => (request.UserId != null && u.Id == request.UserId)
                || (normalizedName != null && u.NormalizedUserName == normalizedName)
                || (normalizedEmail != null && u.NormalizedEmail == normalizedEmail))
            .FirstOrDefaultAsync(ct);
        var field = request.UserId is not null ? "user_id" : normalizedName is not null ? "username" : "email";
        if (user is null)
        {
            return Outcome.Invalid<MemberDto>(field, "No such user; invite them by email instead.");
        }
        if (await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == id && m.UserId == user.Id, ct))
        {
            return Outcome.ConflictOn<MemberDto>(field, "That user is already a member.");
        }
        var member = new WorkspaceMember { WorkspaceId = id, UserId = user.Id, Role = request.Role!.Value, JoinedAt = clock.GetUtcNow().UtcDateTime };
        db.WorkspaceMembers.Add(member);
        audit.Record("workspace.member.added", "workspace_member", user.Id, id, after: new { user.UserName, member.Role });
        await db.SaveChangesAsync(ct);
        return new MemberDto(user.Id, user.UserName!, user.Email, user.DisplayName, member.Role, member.JoinedAt);
    }

    public async Task<Outcome<MemberDto>> UpdateMemberAsync(Guid userId, Guid id, Guid memberId, UpdateMemberRequest request, CancellationToken ct, bool asAdmin = false)
    {
        var check = await RequireOwnerAsync<MemberDto>(userId, id, asAdmin, ct);
        if (check is not null)
        {
            return check;
        }
        var member = await db.WorkspaceMembers.Include(m => m.User).SingleOrDefaultAsync(m => m.WorkspaceId == id && m.UserId == memberId, ct);
        if (member is null)
        {
            return Outcome.Missing<MemberDto>("No such member.");
        }
        var newRole = request.Role!.Value;
        if (newRole != WorkspaceRole.Owner && member.User!.PersonalWorkspaceId == id)
        {
            return Outcome.Conflict<MemberDto>("A personal workspace's own user stays its owner.");
        }
        if (member.Role == WorkspaceRole.Owner && newRole != WorkspaceRole.Owner && await IsLastOwnerAsync(id, ct))
        {
            return Outcome.Conflict<MemberDto>("A workspace keeps at least one owner.");
        }
        var before = new { member.Role };
        member.Role = newRole;
        audit.Record("workspace.member.role_changed", "workspace_member", memberId, id, before, new { member.Role });
        await db.SaveChangesAsync(ct);
        return new MemberDto(member.UserId, member.User!.UserName!, member.User.Email, member.User.DisplayName, member.Role, member.JoinedAt);
    }

    /// <summary>Owners remove anyone; any member may leave.</summary>
    public async Task<Outcome<bool>> RemoveMemberAsync(Guid userId, Guid id, Guid memberId, CancellationToken ct, bool asAdmin = false)
    {
        var role = await ActingRoleAsync(userId, id, asAdmin, ct);
        if (role is null)
        {
            return Outcome.Missing<bool>("No such workspace.");
        }
        if (role != WorkspaceRole.Owner && memberId != userId)
        {
            return Outcome.Forbidden<bool>("Only owners can remove other members.");
        }
        var member = await db.WorkspaceMembers.Include(m => m.User).SingleOrDefaultAsync(m => m.WorkspaceId == id && m.UserId == memberId, ct);
        if (member is null)
        {
            return Outcome.Missing<bool>("No such member.");
        }
        if (member.User!.PersonalWorkspaceId == id)
        {
            // Every user keeps a personal workspace: it is where their requests go when they name none.
            return Outcome.Conflict<bool>("A personal workspace's own user cannot leave it or be removed.");
        }
        if (member.Role == WorkspaceRole.Owner && await IsLastOwnerAsync(id, ct))
        {
            return Outcome.Conflict<bool>("A workspace keeps at least one owner.");
        }
        db.WorkspaceMembers.Remove(member);
        audit.Record("workspace.member.removed", "workspace_member", memberId, id, before: new { member.Role });
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Outcome<CreatedInvitationDto>> InviteAsync(Guid userId, Guid id, CreateInvitationRequest request, CancellationToken ct)
    {
        var check = await RequireOwnerAsync<CreatedInvitationDto>(userId, id, false, ct);
        if (check is not null)
        {
            return check;
        }
        var email = request.Email!.Trim();
        var normalized = email.ToUpperInvariant();
        if (await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == id && m.User!.NormalizedEmail == normalized, ct))
        {
            return Outcome.ConflictOn<CreatedInvitationDto>("email", "That person is already a member.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var token = TokenHash.NewToken();
        var invitation = new WorkspaceInvitation
        {
            WorkspaceId = id,
            Email = email,
            NormalizedEmail = normalized,
            Role = request.Role ?? WorkspaceRole.Member,
            TokenHash = TokenHash.Hash(token),
            InvitedByUserId = userId,
            CreatedAt = now,
            ExpiresAt = now + InvitationLifetime,
        };
        db.WorkspaceInvitations.Add(invitation);
        audit.Record("workspace.invitation.created", "workspace_invitation", invitation.Id, id, after: new { invitation.Email, invitation.Role });
        await db.SaveChangesAsync(ct);
        return new CreatedInvitationDto(invitation.Id, email, invitation.Role, invitation.ExpiresAt, token, $"/api/v1/invitations/{token}/accept");
    }

    public async Task<Outcome<Page<InvitationDto>>> ListInvitationsAsync(Guid userId, Guid id, PageQuery page, CancellationToken ct)
    {
        var role = await RoleOfAsync(userId, id, ct);
        if (role is null)
        {
            return Outcome.Missing<Page<InvitationDto>>("No such workspace.");
        }
        if (role < WorkspaceRole.Manager)
        {
            return Outcome.Forbidden<Page<InvitationDto>>("Only owners and managers see invitations.");
        }
        return await db.WorkspaceInvitations.AsNoTracking()
            .Where(i => i.WorkspaceId == id)
            .OrderByDescending(i => i.CreatedAt).ThenBy(i => i.Id)
            .Select(i => new InvitationDto(i.Id, i.Email, i.Role, i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt))
            .ToPageAsync(page, ct);
    }

    public async Task<Outcome<bool>> RevokeInvitationAsync(Guid userId, Guid id, Guid invitationId, CancellationToken ct)
    {
        var check = await RequireOwnerAsync<bool>(userId, id, false, ct);
        if (check is not null)
        {
            return check;
        }
        var invitation = await db.WorkspaceInvitations.SingleOrDefaultAsync(i => i.WorkspaceId == id && i.Id == invitationId, ct);
        if (invitation is null)
        {
            return Outcome.Missing<bool>("No such invitation.");
        }
        invitation.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        audit.Record("workspace.invitation.revoked", "workspace_invitation", invitationId, id, before: new { invitation.Email });
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Accepts an invitation addressed to the caller's email.</summary>
    public async Task<Outcome<WorkspaceDto>> AcceptAsync(Guid userId, string token, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = TokenHash.Hash(token);
        var invitation = await db.WorkspaceInvitations.SingleOrDefaultAsync(i => i.TokenHash == hash, ct);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, ct);
        if (invitation is null || invitation.RevokedAt is not null || invitation.AcceptedAt is not null
            || invitation.ExpiresAt <= now || invitation.NormalizedEmail != user.NormalizedEmail)
        {
            return Outcome.Missing<WorkspaceDto>("No such invitation for you, or it has expired.");
        }
        invitation.AcceptedAt = now;
        invitation.AcceptedByUserId = userId;
        if (!await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == invitation.WorkspaceId && m.UserId == userId, ct))
        {
            db.WorkspaceMembers.Add(new WorkspaceMember { WorkspaceId = invitation.WorkspaceId, UserId = userId, Role = invitation.Role, JoinedAt = now });
        }
        audit.Record("workspace.invitation.accepted", "workspace_invitation", invitation.Id, invitation.WorkspaceId, after: new { user.UserName, invitation.Role });
        await db.SaveChangesAsync(ct);
        return await GetAsync(userId, invitation.WorkspaceId, ct);
    }

    async Task<Outcome<T>?> RequireOwnerAsync<T>(Guid userId, Guid id, bool asAdmin, CancellationToken ct) =>
        await ActingRoleAsync(userId, id, asAdmin, ct) switch
        {
            null => Outcome.Missing<T>("No such workspace."),
            WorkspaceRole.Owner => null,
            _ => Outcome.Forbidden<T>("Only owners manage members."),
        };

    /// <summary>The caller's role, or for a system admin acting through the admin routes an owner's of any workspace that exists.</summary>
    async Task<WorkspaceRole?> ActingRoleAsync(Guid userId, Guid id, bool asAdmin, CancellationToken ct) =>
        asAdmin
            ? await db.Workspaces.AnyAsync(w => w.Id == id, ct) ? WorkspaceRole.Owner : null
            : await RoleOfAsync(userId, id, ct);

    // ---- System admins: every workspace (the groups of shared alerts) ----

    /// <summary>Every workspace, shared ones first; <paramref name="search"/> matches the name, <paramref name="personal"/> filters.</summary>
    public Task<Page<AdminWorkspaceDto>> AdminListAsync(string? search, bool? personal, PageQuery page, CancellationToken ct)
    {
        var query = db.Workspaces.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var pattern = SqlLike.Containing(search.Trim().ToUpperInvariant());
            query = query.Where(w => EF.Functions.Like(w.Name.ToUpper(), pattern, SqlLike.Escape));
        }
        if (personal is { } p)
        {
            query = query.Where(w => w.IsPersonal == p);
        }
        return query.OrderBy(w => w.IsPersonal).ThenBy(w => w.Name).ThenBy(w => w.Id)
            .Select(w => new AdminWorkspaceDto(w.Id, w.Name, w.IsPersonal, w.CreatedAt, w.Members.Count))
            .ToPageAsync(page, ct);
    }

    public Task<AdminWorkspaceDto?> AdminGetAsync(Guid id, CancellationToken ct) =>
        db.Workspaces.AsNoTracking().Where(w => w.Id == id)
            .Select(w => new AdminWorkspaceDto(w.Id, w.Name, w.IsPersonal, w.CreatedAt, w.Members.Count))
            .SingleOrDefaultAsync(ct);

    public async Task<Outcome<AdminWorkspaceDto>> AdminRenameAsync(Guid id, UpdateWorkspaceRequest request, CancellationToken ct)
    {
        if (!await db.Workspaces.AnyAsync(w => w.Id == id, ct))
        {
            return Outcome.Missing<AdminWorkspaceDto>("No such workspace.");
        }
        await RenameAsync(id, request, ct);
        return (await AdminGetAsync(id, ct))!;
    }

    /// <summary>A shared workspace an admin creates for others: its owner is the user named, or the admin.</summary>
    public async Task<Outcome<AdminWorkspaceDto>> AdminCreateAsync(Guid adminId, AdminCreateWorkspaceRequest request, CancellationToken ct)
    {
        var ownerId = request.OwnerUserId ?? adminId;
        if (!await db.Users.AnyAsync(u => u.Id == ownerId, ct))
        {
            return Outcome.Invalid<AdminWorkspaceDto>("owner_user_id", "No such user.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var workspace = new Workspace { Name = request.Name!.Trim(), CreatedByUserId = adminId, CreatedAt = now };
        workspace.Members.Add(new WorkspaceMember { UserId = ownerId, Role = WorkspaceRole.Owner, JoinedAt = now });
        db.Workspaces.Add(workspace);
        audit.Record("workspace.created", "workspace", workspace.Id, workspace.Id, after: new { workspace.Name, OwnerUserId = ownerId });
        await db.SaveChangesAsync(ct);
        return new AdminWorkspaceDto(workspace.Id, workspace.Name, false, now, 1);
    }

    async Task<bool> IsLastOwnerAsync(Guid id, CancellationToken ct) =>
        await db.WorkspaceMembers.CountAsync(m => m.WorkspaceId == id && m.Role == WorkspaceRole.Owner, ct) <= 1;
}
