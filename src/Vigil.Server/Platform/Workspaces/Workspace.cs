using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Workspaces;

/// <summary>Roles in a workspace, from least to most powerful.</summary>
public enum WorkspaceRole
{
    Viewer = 0,
    Member = 1,
    Manager = 2,
    Owner = 3,
}

/// <summary>A tenant: every user has a personal one; shared ones have several members.</summary>
public sealed class Workspace
{
    public Guid Id { get; set; } = Ids.New();
    public required string Name { get; set; }
    public bool IsPersonal { get; set; }
    public Guid CreatedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<WorkspaceMember> Members { get; set; } = [];
}

public sealed class WorkspaceMember
{
    public Guid WorkspaceId { get; set; }
    public Guid UserId { get; set; }
    public WorkspaceRole Role { get; set; }
    public DateTime JoinedAt { get; set; }
    public Workspace? Workspace { get; set; }
    public VigilUser? User { get; set; }
}

/// <summary>An invitation by email; the token is shown once to the inviter and stored hashed.</summary>
public sealed class WorkspaceInvitation
{
    public Guid Id { get; set; } = Ids.New();
    public Guid WorkspaceId { get; set; }
    public required string Email { get; set; }
    public required string NormalizedEmail { get; set; }
    public WorkspaceRole Role { get; set; }
    public required string TokenHash { get; set; }
    public Guid InvitedByUserId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? AcceptedAt { get; set; }
    public Guid? AcceptedByUserId { get; set; }
    public DateTime? RevokedAt { get; set; }
}

sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> b)
    {
        b.ToTable("workspaces");
        b.Property(w => w.Name).HasMaxLength(100);
        b.HasMany(w => w.Members).WithOne(m => m.Workspace).HasForeignKey(m => m.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class WorkspaceMemberConfiguration : IEntityTypeConfiguration<WorkspaceMember>
{
    public void Configure(EntityTypeBuilder<WorkspaceMember> b)
    {
        b.ToTable("workspace_members");
        b.HasKey(m => new { m.WorkspaceId, m.UserId });
        b.HasIndex(m => m.UserId);
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
        b.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class WorkspaceInvitationConfiguration : IEntityTypeConfiguration<WorkspaceInvitation>
{
    public void Configure(EntityTypeBuilder<WorkspaceInvitation> b)
    {
        b.ToTable("workspace_invitations");
        b.Property(i => i.Email).HasMaxLength(256);
        b.Property(i => i.NormalizedEmail).HasMaxLength(256);
        b.Property(i => i.TokenHash).HasMaxLength(64);
        b.HasIndex(i => i.TokenHash).IsUnique();
        b.HasIndex(i => new { i.WorkspaceId, i.NormalizedEmail });
        b.Property(i => i.Role).HasConversion<string>().HasMaxLength(16);
        b.HasOne<Workspace>().WithMany().HasForeignKey(i => i.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
