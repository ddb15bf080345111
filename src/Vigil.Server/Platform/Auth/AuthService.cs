using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Admin;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform.Auth;

public enum SignInStatus
{
    Ok,
    Invalid,
    Throttled,
    Disabled,
}

public sealed record SignInResult(SignInStatus Status, VigilUser? User = null, TimeSpan? RetryAfter = null);

/// <summary>Registration, sign-in, profile, password and API-key use cases.</summary>
public sealed class AuthService(
    VigilDb db,
    UserManager<VigilUser> users,
    TokenService tokens,
    SignInThrottle throttle,
    SystemSettingsService settings,
    WorkspaceService workspaces,
    AuditLog audit,
    IOptions<AuthOptions> options,
    TimeProvider clock)
{
    public async Task<Outcome<UserDto>> RegisterAsync(RegisterRequest request, CancellationToken ct)
    {
        if (!await settings.AllowRegistrationAsync(ct))
        {
            return Outcome.Forbidden<UserDto>("Registration is disabled on this server.");
        }
        var user = new VigilUser
        {
            UserName = request.Username!.Trim(),
            Email = request.Email!.Trim(),
            DisplayName = request.DisplayName?.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            LockoutEnabled = true,
        };
        return await CreateUserAsync(user, request.Password!, "user.registered", ct);
    }

    /// <summary>Creates a user with a personal workspace, in one transaction. Used by registration, admins and the CLI.</summary>
    /// <param name="bySomeoneElse">An admin creates the account: the audit names the admin (the signed-in caller), not the new user.</param>
    public async Task<Outcome<UserDto>> CreateUserAsync(VigilUser user, string password, string auditAction, CancellationToken ct, bool bySomeoneElse = false)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        workspaces.AddPersonal(user);
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            db.ChangeTracker.Clear();
            return FromIdentity<UserDto>(result);
        }
        // Null actor: the signed-in caller (the admin).
        audit.Record(auditAction, "user", user.Id, null, after: new { user.UserName, user.Email, user.IsAdmin },
            actorUserId: bySomeoneElse ? null : user.Id, actorName: bySomeoneElse ? null : user.UserName);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return UserDto.From(user);
    }

    public async Task<SignInResult> SignInAsync(string login, string password, string? ip, CancellationToken ct)
    {
        if (throttle.RetryAfter(ip, login) is { } wait)
        {
            return new SignInResult(SignInStatus.Throttled, RetryAfter: wait);
        }
        var normalized = login.Trim().ToUpperInvariant();
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalized || u.NormalizedEmail == normalized, ct);
        var now = clock.GetUtcNow();
        if (user?.LockoutEnd is { } lockedUntil && lockedUntil > now)
        {
            return new SignInResult(SignInStatus.Throttled, RetryAfter: lockedUntil - now);
        }
        // Unknown users cost a hash too, so timing does not tell which accounts exist.
        bool ok;
        if (user is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new VigilUser(), DummyHash, password);
            ok = false;
        }
        else
        {
            ok = users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash ?? "", password) != PasswordVerificationResult.Failed;
        }
        if (!ok || user is null)
        {
            throttle.RecordFailure(ip, login);
            if (user is not null)
            {
                await CountFailedPasswordAsync(user, "Too many failed sign-ins", ct);
            }
            return new SignInResult(SignInStatus.Invalid);
        }
        if (user.IsDisabled)
        {
            return new SignInResult(SignInStatus.Disabled);
        }
        throttle.RecordSuccess(login);
        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        user.LastLoginAt = now.UtcDateTime;
        await db.SaveChangesAsync(ct);
        return new SignInResult(SignInStatus.Ok, user);
    }

    static readonly string DummyHash = new PasswordHasher<VigilUser>().HashPassword(new VigilUser(), TokenHash.NewToken());

    public async Task<Outcome<UserDto>> GetMeAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, ct);
        return user is null ? Outcome.Missing<UserDto>() : UserDto.From(user);
    }

    public async Task<Outcome<UserDto>> UpdateMeAsync(Guid userId, UpdateMeRequest request, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return Outcome.Missing<UserDto>();
        }
        var before = new { user.UserName, user.Email, user.DisplayName };
        if (request.DisplayName is not null)
        {
            user.DisplayName = request.DisplayName.Trim() is { Length: > 0 } d ? d : null;
        }
        if (request.Email is { } email && !string.Equals(email.Trim(), user.Email, StringComparison.OrdinalIgnoreCase))
        {
            var r = await users.SetEmailAsync(user, email.Trim());
            if (!r.Succeeded)
            {
                return FromIdentity<UserDto>(r);
            }
        }
        if (request.Username is { } name && name.Trim() != user.UserName)
        {
            var r = await users.SetUserNameAsync(user, name.Trim());
            if (!r.Succeeded)
            {
                return FromIdentity<UserDto>(r);
            }
        }
        audit.Record("user.profile_updated", "user", user.Id, null, before, new { user.UserName, user.Email, user.DisplayName });
        await users.UpdateAsync(user);
        await db.SaveChangesAsync(ct);
        return UserDto.From(user);
    }

    /// <summary>Changes the password and ends every other session of the user.</summary>
    /// <summary>A wrong password for <paramref name="user"/>: enough in a row lock the account for <see cref="AuthOptions.LockoutMinutes"/>.</summary>
    async Task CountFailedPasswordAsync(VigilUser user, string why, CancellationToken ct)
    {
        user.AccessFailedCount++;
        if (user.AccessFailedCount >= options.Value.MaxFailedAttempts)
        {
            user.LockoutEnd = clock.GetUtcNow().AddMinutes(options.Value.LockoutMinutes);
            user.AccessFailedCount = 0;
            audit.Record("user.locked_out", "user", user.Id, null, summary: why, actorUserId: user.Id, actorName: user.UserName);
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>How long the user's account stays locked (too many failed sign-ins or wrong current passwords); null when it is not.</summary>
    public async Task<TimeSpan?> LockedForAsync(Guid userId, CancellationToken ct)
    {
        var until = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.LockoutEnd).SingleOrDefaultAsync(ct);
        var now = clock.GetUtcNow();
        return until is { } end && end > now ? end - now : null;
    }

    public async Task<Outcome<bool>> ChangePasswordAsync(Guid userId, Guid? currentSession, ChangePasswordRequest request, CancellationToken ct)
    {
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return Outcome.Missing<bool>();
        }
        if (users.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash ?? "", request.CurrentPassword!) == PasswordVerificationResult.Failed)
        {
            // As a failed sign-in: enough of them lock the account for a while.
            await CountFailedPasswordAsync(user, "Too many wrong current passwords", ct);
            return Outcome.Invalid<bool>("current_password", "The current password is not correct.");
        }
        var result = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        if (!result.Succeeded)
        {
            return FromIdentity<bool>(result, passwordField: "new_password");
        }
        await tokens.RevokeAllAsync(userId, currentSession, "password_changed", ct);
        audit.Record("user.password_changed", "user", user.Id, null, summary: "Password changed; other sessions revoked");
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<IReadOnlyList<ApiKeyDto>> ListApiKeysAsync(Guid userId, CancellationToken ct)
    {
        var keys = await db.ApiKeys.AsNoTracking()
            .Where(k => k.UserId == userId && k.RevokedAt == null)
            .OrderByDescending(k => k.CreatedAt)
            .ToListAsync(ct);
        return [.. keys.Select(k => new ApiKeyDto(k.Id, k.Name, k.Prefix, [.. ApiKeyScopes.Parse(k.Scopes)], k.WorkspaceId, k.CreatedAt, k.ExpiresAt, k.LastUsedAt))];
    }

    public async Task<Outcome<CreatedApiKeyDto>> CreateApiKeyAsync(Guid userId, bool isAdmin, CreateApiKeyRequest request, CancellationToken ct)
    {
        var scopes = request.Scopes is { Length: > 0 } s ? s.Select(x => (x ?? "").Trim().ToLowerInvariant()).Distinct().ToArray() : ApiKeyScopes.Default;
        if (scopes.FirstOrDefault(x => !ApiKeyScopes.All.Contains(x)) is { } unknown)
        {
            return Outcome.Invalid<CreatedApiKeyDto>("scopes", $"Unknown scope '{unknown}'; use read, write or admin.");
        }
        if (scopes.Contains(ApiKeyScopes.Admin) && !isAdmin)
        {
            return Outcome.Invalid<CreatedApiKeyDto>("scopes", "Only system admins can create keys with the admin scope.");
        }
        if (request.WorkspaceId is { } ws && await workspaces.RoleOfAsync(userId, ws, ct) is null)
        {
            return Outcome.Invalid<CreatedApiKeyDto>("workspace_id", "No such workspace.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var secret = ApiKeyAuthenticationHandler.Prefix + TokenHash.NewToken(30);
        var key = new ApiKey
        {
            UserId = userId,
            WorkspaceId = request.WorkspaceId,
            Name = request.Name!.Trim(),
            Prefix = secret[..11],
            SecretHash = TokenHash.Hash(secret),
            Scopes = string.Join(' ', scopes),
            CreatedAt = now,
            ExpiresAt = request.ExpiresInDays is { } days ? now.AddDays(days) : null,
        };
        db.ApiKeys.Add(key);
        audit.Record("api_key.created", "api_key", key.Id, request.WorkspaceId, after: new { key.Name, key.Prefix, key.Scopes });
        await db.SaveChangesAsync(ct);
        return new CreatedApiKeyDto(key.Id, key.Name, key.Prefix, scopes, key.WorkspaceId, key.CreatedAt, key.ExpiresAt, secret);
    }

    public async Task<Outcome<bool>> RevokeApiKeyAsync(Guid userId, Guid keyId, CancellationToken ct)
    {
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && k.UserId == userId && k.RevokedAt == null, ct);
        if (key is null)
        {
            return Outcome.Missing<bool>("No such API key.");
        }
        key.RevokedAt = clock.GetUtcNow().UtcDateTime;
        audit.Record("api_key.revoked", "api_key", key.Id, key.WorkspaceId, before: new { key.Name, key.Prefix });
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Maps Identity's errors onto fields: duplicates are conflicts, the rest name the field at fault.</summary>
    public static Outcome<T> FromIdentity<T>(IdentityResult result, string passwordField = "password")
    {
        var errors = result.Errors.ToList();
        if (errors.FirstOrDefault(e => e.Code is "DuplicateUserName" or "DuplicateEmail") is { } duplicate)
        {
            return duplicate.Code == "DuplicateEmail"
                ? Outcome.ConflictOn<T>("email", "That email is already registered.")
                : Outcome.ConflictOn<T>("username", "That username is taken.");
        }
        var byField = errors
            .GroupBy(e => e.Code switch
            {
                _ when e.Code.StartsWith("Password", StringComparison.Ordinal) => passwordField,
                "InvalidEmail" => "email",
                "InvalidUserName" => "username",
                _ => "body",
            })
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
        return Outcome.Invalid<T>(byField);
    }
}
