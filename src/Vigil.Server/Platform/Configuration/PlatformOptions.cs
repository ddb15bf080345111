using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Platform.Configuration;

/// <summary>Process-wide settings: where data lives, which modules and roles this replica runs.</summary>
public sealed class PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>Folder for the SQLite file, generated secrets and keys (<c>DATA_DIR</c>, default <c>./data</c>).</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>Comma-separated module names to run (<c>VIGIL_MODULES</c>); empty means all.</summary>
    public string? Modules { get; set; }

    /// <summary><c>api</c>, <c>worker</c> or <c>all</c> (<c>VIGIL_ROLES</c>).</summary>
    public string Roles { get; set; } = "all";

    /// <summary>Comma-separated origins allowed by CORS, or <c>*</c> (<c>CORS_ORIGINS</c>).</summary>
    public string? CorsOrigins { get; set; }

    /// <summary>Redis connection string for the SignalR backplane (<c>REDIS_URL</c>).</summary>
    public string? RedisUrl { get; set; }

    public string DataDirFullPath => Path.GetFullPath(DataDir);
}
