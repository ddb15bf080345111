using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform.Admin;

public sealed record UpdateUserRequest : IValidatableRequest
{
    public bool? IsAdmin { get; init; }
    public bool? IsDisabled { get; init; }

    /// <summary>Accepted in place of <c>is_disabled</c> (its opposite).</summary>
    public bool? IsActive { get; init; }

    /// <summary>Accepted in place of <c>is_disabled</c> (its opposite).</summary>
    public bool? Enabled { get; init; }

    public bool? ResolveDisabled() => IsDisabled ?? (IsActive ?? Enabled) switch { null => null, var on => !on };
}

public sealed record AdminCreateUserRequest : IValidatableRequest
{
    [Required, Email, MaxLength(256)]
    public string? Email { get; init; }

    [Required, RegularExpression(UsernameRules.Pattern, ErrorMessage = UsernameRules.Message)]
    public string? Username { get; init; }

    [Required, MaxLength(128)]
    public string? Password { get; init; }

    public bool IsAdmin { get; init; }
}

public sealed class UserListQuery
{
    /// <summary>Matches username, email or display name.</summary>
    [FromQuery(Name = "search")]
    public string? Search { get; set; }
}

/// <summary>What system admins do to accounts. The last enabled admin cannot be demoted, disabled or deleted.</summary>
public sealed class AdminUsersService(VigilDb db, AuthService auth, TokenService tokens, AuditLog audit, TimeProvider clock, SessionCache sessions)
{
    public Task<Page<UserDto>> ListAsync(string? search, PageQuery page, CancellationToken ct)
    {
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search))
        {
            var s = search.Trim().ToUpperInvariant();
            var like = SqlLike.Containing(s);
            query = query.Where(u => u.NormalizedUserName!.Contains(s) || u.NormalizedEmail!.Contains(s)
                || (u.DisplayName != null && EF.Functions.Like(u.DisplayName.ToUpper(), like, SqlLike.Escape)));
        }
        return query.OrderBy(u => u.NormalizedUserName)
            .Select(u => new UserDto(u.Id, u.UserName!, u.Email!, u.DisplayName, u.IsAdmin, u.IsDisabled, u.PersonalWorkspaceId, u.CreatedAt, u.LastLoginAt))
            .ToPageAsync(page, ct);
    }

    public async Task<Outcome<UserDto>> GetAsync(Guid id, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        return user is null ? Outcome.Missing<UserDto>("No such user.") : UserDto.From(user);
    }

    public Task<Outcome<UserDto>> CreateAsync(AdminCreateUserRequest request, CancellationToken ct) =>
        auth.CreateUserAsync(new VigilUser
        {
            UserName = request.Username!.Trim(),
            Email = request.Email!.Trim(),
            IsAdmin = request.IsAdmin,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            LockoutEnabled = true,
        }, request.Password!, "user.created_by_admin", ct, bySomeoneElse: true);

    public async Task<Outcome<UserDto>> UpdateAsync(Guid adminId, Guid id, UpdateUserRequest request, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return Outcome.Missing<UserDto>("No such user.");
        }
        var losesAdmin = user.IsAdmin && !user.IsDisabled && (request.IsAdmin == false || request.ResolveDisabled() == true);
        if (losesAdmin && await IsLastAdminAsync(ct))
        {
            return Outcome.Conflict<UserDto>("The last enabled admin cannot be demoted or disabled.");
        }
        var before = new { user.IsAdmin, user.IsDisabled };
        user.IsAdmin = request.IsAdmin ?? user.IsAdmin;
        var disabling = request.ResolveDisabled() == true && !user.IsDisabled;
        user.IsDisabled = request.ResolveDisabled() ?? user.IsDisabled;
        if (disabling)
        {
            await tokens.RevokeAllAsync(user.Id, keep: null, "user_disabled", ct);
        }
        audit.Record("user.updated", "user", user.Id, null, before, new { user.IsAdmin, user.IsDisabled });
        await db.SaveChangesAsync(ct);
        sessions.ForgetUser(user.Id);
        return UserDto.From(user);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return Outcome.Missing<bool>("No such user.");
        }
        if (user.IsAdmin && !user.IsDisabled && await IsLastAdminAsync(ct))
        {
            return Outcome.Conflict<bool>("The last enabled admin cannot be deleted.");
        }
        var soleOwnerOfShared = await db.WorkspaceMembers
            .Where(m => m.UserId == id && m.Role == WorkspaceRole.Owner && !m.Workspace!.IsPersonal)
            .AnyAsync(m => !m.Workspace!.Members.Any(o => o.UserId != id && o.Role == WorkspaceRole.Owner) && m.Workspace.Members.Count > 1, ct);
        if (soleOwnerOfShared)
        {
            return Outcome.Conflict<bool>("The user is the only owner of a shared workspace; make someone else owner first.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Workspaces only this user belongs to go with them; memberships, tokens and keys cascade.
        var alone = await db.Workspaces.Where(w => w.Members.All(m => m.UserId == id)).ToListAsync(ct);
        db.Workspaces.RemoveRange(alone);
        db.Users.Remove(user);
        audit.Record("user.deleted", "user", user.Id, null, before: new { user.UserName, user.Email, user.IsAdmin });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        sessions.ForgetUser(id);
        return true;
    }

    async Task<bool> IsLastAdminAsync(CancellationToken ct) =>
        await db.Users.CountAsync(u => u.IsAdmin && !u.IsDisabled, ct) <= 1;
}
