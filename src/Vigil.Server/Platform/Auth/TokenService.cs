using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Auth;

/// <summary>The pair a sign-in or a refresh returns.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn);

/// <summary>Issues access tokens and rotates refresh tokens with reuse detection.</summary>
public sealed class TokenService(VigilDb db, JwtKey key, IOptions<AuthOptions> options, TimeProvider clock, SessionCache sessions)
{
    readonly AuthOptions _options = options.Value;

    /// <summary>Starts a new session (refresh-token family) for a user who just proved who they are.</summary>
    public async Task<TokenPair> StartSessionAsync(VigilUser user, string? ip, CancellationToken ct)
    {
        var pair = Issue(user, Ids.New(), ip);
        await db.SaveChangesAsync(ct);
        return pair;
    }

    public enum RefreshResult
    {
        Ok,
        Invalid,
        Reused,
    }

    /// <summary>
    /// Swaps a refresh token for a new pair. A token that was already used means it leaked: the whole family
    /// is revoked, so both the thief and the owner must sign in again.
    /// </summary>
    public async Task<(RefreshResult Result, TokenPair? Pair)> RefreshAsync(string refreshToken, string? ip, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hash = TokenHash.Hash(refreshToken);
        var stored = await db.RefreshTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (stored is null)
        {
            return (RefreshResult.Invalid, null);
        }
        if (stored.UsedAt is not null)
        {
            await RevokeFamilyAsync(stored.FamilyId, "reuse", ct);
            return (RefreshResult.Reused, null);
        }
        if (stored.RevokedAt is not null || stored.ExpiresAt <= now)
        {
            return (RefreshResult.Invalid, null);
        }
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == stored.UserId, ct);
        if (user is null || user.IsDisabled)
        {
            return (RefreshResult.Invalid, null);
        }
        // Claim the token with a conditional update so two concurrent refreshes cannot both win.
        var claimed = await db.RefreshTokens
            .Where(t => t.Id == stored.Id && t.UsedAt == null && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        if (claimed == 0)
        {
            await RevokeFamilyAsync(stored.FamilyId, "reuse", ct);
            return (RefreshResult.Reused, null);
        }
        var pair = Issue(user, stored.FamilyId, ip);
        await db.SaveChangesAsync(ct);
        return (RefreshResult.Ok, pair);
    }

    /// <summary>Ends the session a refresh token belongs to, if it is the caller's.</summary>
    public async Task<bool> RevokeAsync(string refreshToken, Guid userId, CancellationToken ct)
    {
        var hash = TokenHash.Hash(refreshToken);
        var stored = await db.RefreshTokens.AsNoTracking().SingleOrDefaultAsync(t => t.TokenHash == hash && t.UserId == userId, ct);
        if (stored is null)
        {
            return false;
        }
        await RevokeFamilyAsync(stored.FamilyId, "logout", ct);
        return true;
    }

    public Task<int> RevokeFamilyAsync(Guid familyId, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        sessions.ForgetSession(familyId);
        return db.RefreshTokens.Where(t => t.FamilyId == familyId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevokedReason, reason), ct);
    }

    /// <summary>Revokes every session of a user except <paramref name="keep"/> (password change, disable).</summary>
    public Task<int> RevokeAllAsync(Guid userId, Guid? keep, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        sessions.ForgetUser(userId);
        return db.RefreshTokens.Where(t => t.UserId == userId && t.RevokedAt == null && (keep == null || t.FamilyId != keep))
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevokedReason, reason), ct);
    }

    TokenPair Issue(VigilUser user, Guid familyId, string? ip)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var lifetime = TimeSpan.FromMinutes(_options.AccessTokenExpireMinutes);
        var claims = new Dictionary<string, object>
        {
            [VigilClaims.UserId] = user.Id.ToString(),
            [VigilClaims.UserName] = user.UserName ?? "",
            [VigilClaims.Email] = user.Email ?? "",
            [VigilClaims.Session] = familyId.ToString(),
            [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
        };
        if (user.IsAdmin)
        {
            claims[VigilClaims.Admin] = "true";
        }
        var access = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthOptions.Issuer,
            Audience = AuthOptions.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        });
        var refresh = TokenHash.NewToken();
        db.RefreshTokens.Add(new RefreshToken
        {
            UserId = user.Id,
            FamilyId = familyId,
            TokenHash = TokenHash.Hash(refresh),
            CreatedAt = now,
            ExpiresAt = now.AddDays(_options.RefreshTokenExpireDays),
            CreatedByIp = ip,
        });
        return new TokenPair(access, refresh, "Bearer", (int)lifetime.TotalSeconds);
    }

    public static TokenValidationParameters ValidationParameters(JwtKey key, TimeProvider clock) => new()
    {
        ValidIssuer = AuthOptions.Issuer,
        ValidAudience = AuthOptions.Audience,
        IssuerSigningKey = key.Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = VigilClaims.UserName,
        ClockSkew = TimeSpan.FromSeconds(30),
        LifetimeValidator = (notBefore, expires, _, p) =>
        {
            // Validate against the injected clock so tests can move time.
            var now = clock.GetUtcNow().UtcDateTime;
            return (notBefore is null || notBefore.Value - p.ClockSkew <= now) && expires is not null && now < expires.Value + p.ClockSkew;
        },
    };

    public static ClaimsIdentity? Unused => null;
}
