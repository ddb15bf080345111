using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Auth;

/// <summary>An account. <see cref="IsAdmin"/> is the system-admin flag; roles inside workspaces live on memberships.</summary>
public sealed class VigilUser : IdentityUser<Guid>
{
    public VigilUser() => Id = Ids.New();

    public string? DisplayName { get; set; }
    public bool IsAdmin { get; set; }
    public bool IsDisabled { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastLoginAt { get; set; }
    public Guid PersonalWorkspaceId { get; set; }
}

/// <summary>A refresh token, stored as a SHA-256 hash. Tokens of one sign-in share a family; reuse revokes it all.</summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; } = Ids.New();
    public Guid UserId { get; set; }
    public Guid FamilyId { get; set; }
    public required string TokenHash { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? UsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedReason { get; set; }
    public string? CreatedByIp { get; set; }
}

/// <summary>A named API key. The secret (<c>vk_…</c>) is shown once; only its hash and a short prefix are kept.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Ids.New();
    public Guid UserId { get; set; }

    /// <summary>When set, the key acts in this workspace only.</summary>
    public Guid? WorkspaceId { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }
    public required string Scopes { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

sealed class VigilUserConfiguration : IEntityTypeConfiguration<VigilUser>
{
    public void Configure(EntityTypeBuilder<VigilUser> b)
    {
        b.Property(u => u.DisplayName).HasMaxLength(100);
        b.HasIndex(u => u.NormalizedUserName).IsUnique();
        b.HasIndex(u => u.NormalizedEmail).IsUnique();
    }
}

sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> b)
    {
        b.ToTable("refresh_tokens");
        b.Property(t => t.TokenHash).HasMaxLength(64);
        b.HasIndex(t => t.TokenHash).IsUnique();
        b.HasIndex(t => t.FamilyId);
        b.HasIndex(t => t.UserId);
        b.Property(t => t.RevokedReason).HasMaxLength(64);
        b.Property(t => t.CreatedByIp).HasMaxLength(64);
        b.HasOne<VigilUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("api_keys");
        b.Property(k => k.Name).HasMaxLength(100);
        b.Property(k => k.Prefix).HasMaxLength(16);
        b.Property(k => k.SecretHash).HasMaxLength(64);
        b.Property(k => k.Scopes).HasMaxLength(500);
        b.HasIndex(k => k.SecretHash).IsUnique();
        b.HasIndex(k => k.UserId);
        b.HasOne<VigilUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
