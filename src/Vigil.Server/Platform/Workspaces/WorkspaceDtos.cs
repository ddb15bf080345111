using System.ComponentModel.DataAnnotations;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Platform.Workspaces;

public sealed record WorkspaceDto(Guid Id, string Name, bool IsPersonal, WorkspaceRole Role, DateTime CreatedAt, int MemberCount);

/// <summary>A workspace as a system admin sees it: no role of theirs, every member counted.</summary>
public sealed record AdminWorkspaceDto(Guid Id, string Name, bool IsPersonal, DateTime CreatedAt, int MemberCount);

public sealed record AdminCreateWorkspaceRequest : IValidatableRequest
{
    /// <summary>Display name of the workspace (the group).</summary>
    [Required, StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }

    /// <summary>Its first owner; the admin when left out.</summary>
    public Guid? OwnerUserId { get; init; }
}

public sealed record MemberDto(Guid UserId, string Username, string? Email, string? DisplayName, WorkspaceRole Role, DateTime JoinedAt);

public sealed record InvitationDto(Guid Id, string Email, WorkspaceRole Role, DateTime CreatedAt, DateTime ExpiresAt, DateTime? AcceptedAt, DateTime? RevokedAt);

/// <summary>An invitation as its creator sees it once: with the token to send.</summary>
public sealed record CreatedInvitationDto(Guid Id, string Email, WorkspaceRole Role, DateTime ExpiresAt, string Token, string AcceptPath);

public sealed record CreateWorkspaceRequest : IValidatableRequest
{
    /// <summary>Display name of the workspace.</summary>
    [Required, StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }
}

public sealed record UpdateWorkspaceRequest : IValidatableRequest
{
    [Required, StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }
}

public sealed record AddMemberRequest : IValidatableRequest, IValidatableObject
{
    /// <summary>The user to add, by id …</summary>
    public Guid? UserId { get; init; }

    /// <summary>… or by username …</summary>
    [MaxLength(256)]
    public string? Username { get; init; }

    /// <summary>… or by email.</summary>
    [MaxLength(256)]
    public string? Email { get; init; }

    [Required]
    public WorkspaceRole? Role { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UserId is null && string.IsNullOrWhiteSpace(Username) && string.IsNullOrWhiteSpace(Email))
        {
            yield return new ValidationResult("Name the user by user_id, username or email.", [nameof(UserId)]);
        }
    }
}

public sealed record UpdateMemberRequest : IValidatableRequest
{
    [Required]
    public WorkspaceRole? Role { get; init; }
}

public sealed record CreateInvitationRequest : IValidatableRequest
{
    [Required, Email, MaxLength(256)]
    public string? Email { get; init; }

    /// <summary>Role given on acceptance (default member).</summary>
    public WorkspaceRole? Role { get; init; }
}
