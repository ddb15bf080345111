using System.ComponentModel.DataAnnotations;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Platform.Auth;

public sealed record UserDto(
    Guid Id,
    string Username,
    string Email,
    string? DisplayName,
    bool IsAdmin,
    bool IsDisabled,
    Guid PersonalWorkspaceId,
    DateTime CreatedAt,
    DateTime? LastLoginAt)
{
    public static UserDto From(VigilUser u) =>
        new(u.Id, u.UserName!, u.Email!, u.DisplayName, u.IsAdmin, u.IsDisabled, u.PersonalWorkspaceId, u.CreatedAt, u.LastLoginAt);
}

public sealed record RegisterRequest : IValidatableRequest
{
    [Required, Email, MaxLength(256)]
    public string? Email { get; init; }

    /// <summary>3–64 characters: letters, digits, dot, dash, underscore.</summary>
    [Required, RegularExpression(UsernameRules.Pattern, ErrorMessage = UsernameRules.Message)]
    public string? Username { get; init; }

    [Required, MaxLength(128)]
    public string? Password { get; init; }

    [MaxLength(100)]
    public string? DisplayName { get; init; }
}

public static class UsernameRules
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$";
    public const string Message = "The username must be 3-64 characters: letters, digits, '.', '-' or '_', starting with a letter or digit.";
    public const string AllowedCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
}

public sealed record LoginRequest : IValidatableRequest, IValidatableObject
{
    /// <summary>Username or email.</summary>
    [MaxLength(256)]
    public string? Login { get; init; }

    /// <summary>Accepted in place of <c>login</c>.</summary>
    [MaxLength(256)]
    public string? Username { get; init; }

    /// <summary>Accepted in place of <c>login</c>.</summary>
    [MaxLength(256)]
    public string? Email { get; init; }

    [Required, MaxLength(128)]
    public string? Password { get; init; }

    public string? EffectiveLogin => Login ?? Username ?? Email;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(EffectiveLogin))
        {
            yield return new ValidationResult("The login field is required (username or email).", [nameof(Login)]);
        }
    }
}

public sealed record RefreshRequest : IValidatableRequest
{
    [Required, MaxLength(512)]
    public string? RefreshToken { get; init; }
}

public sealed record LogoutRequest : IValidatableRequest
{
    /// <summary>The refresh token of the session to end; without it, the session of the access token ends.</summary>
    [MaxLength(512)]
    public string? RefreshToken { get; init; }
}

public sealed record UpdateMeRequest : IValidatableRequest
{
    [MaxLength(100)]
    public string? DisplayName { get; init; }

    [Email, MaxLength(256)]
    public string? Email { get; init; }

    [RegularExpression(UsernameRules.Pattern, ErrorMessage = UsernameRules.Message)]
    public string? Username { get; init; }
}

public sealed record ChangePasswordRequest : IValidatableRequest
{
    [Required, MaxLength(128)]
    public string? CurrentPassword { get; init; }

    [Required, MaxLength(128)]
    public string? NewPassword { get; init; }
}

public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, Guid? WorkspaceId, DateTime CreatedAt, DateTime? ExpiresAt, DateTime? LastUsedAt);

/// <summary>A new key as its creator sees it once: <c>key</c> is the secret.</summary>
public sealed record CreatedApiKeyDto(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, Guid? WorkspaceId, DateTime CreatedAt, DateTime? ExpiresAt, string Key);

public sealed record CreateApiKeyRequest : IValidatableRequest
{
    [Required, StringLength(100, MinimumLength = 1)]
    public string? Name { get; init; }

    /// <summary><c>read</c>, <c>write</c>, <c>admin</c>; default read and write.</summary>
    [MaxLength(10)]
    public string[]? Scopes { get; init; }

    /// <summary>Bind the key to one workspace the caller belongs to.</summary>
    public Guid? WorkspaceId { get; init; }

    /// <summary>Days until the key stops working; none means it never expires.</summary>
    [Range(1, 3650)]
    public int? ExpiresInDays { get; init; }
}
