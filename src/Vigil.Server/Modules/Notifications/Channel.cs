using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>Who a channel belongs to: one user (across workspaces), one workspace, or the system (the default channel).</summary>
public enum ChannelScope
{
    User,
    Workspace,
    System,
}

public enum ChannelHealth
{
    Unknown,
    Healthy,

    /// <summary>Deliveries keep failing; the owner has been told.</summary>
    Unhealthy,

    /// <summary>The destination is gone (deleted webhook, archived channel); nothing is sent until it is edited or tested.</summary>
    Broken,
}

/// <summary>A place messages go. Its configuration (URL and settings, secrets included) is stored encrypted.</summary>
public sealed class Channel
{
    public Guid Id { get; set; } = Ids.New();
    public ChannelScope Scope { get; set; }

    /// <summary>Set for workspace channels.</summary>
    public Guid? WorkspaceId { get; set; }

    /// <summary>The user who owns it (user channels) or created it (workspace channels); told when it breaks.</summary>
    public Guid? OwnerUserId { get; set; }
    public required string Name { get; set; }
    public ChannelType Type { get; set; }
    public required string ConfigCipher { get; set; }

    /// <summary>The target as responses may show it.</summary>
    public required string MaskedTarget { get; set; }
    public bool Enabled { get; set; } = true;
    public ChannelHealth Health { get; set; }
    public int ConsecutiveFailures { get; set; }
    public DateTime? LastSuccessAt { get; set; }
    public DateTime? LastFailureAt { get; set; }
    public string? LastError { get; set; }

    /// <summary>When the owner was told the channel is failing; cleared on recovery so they are told once per episode.</summary>
    public DateTime? OwnerToldAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

sealed class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> b)
    {
        b.ToTable("notification_channels");
        b.Property(c => c.Name).HasMaxLength(100);
        b.Property(c => c.MaskedTarget).HasMaxLength(300);
        b.Property(c => c.LastError).HasMaxLength(1000);
        b.Property(c => c.Type).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.Scope).HasConversion<string>().HasMaxLength(20);
        b.Property(c => c.Health).HasConversion<string>().HasMaxLength(20);
        b.HasIndex(c => c.OwnerUserId);
        b.HasIndex(c => c.WorkspaceId);
    }
}
