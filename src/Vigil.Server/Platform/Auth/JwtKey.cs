using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Auth;

/// <summary>The HMAC key that signs access tokens.</summary>
public sealed class JwtKey(SymmetricSecurityKey key, bool shortSecret = false)
{
    public SymmetricSecurityKey Key { get; } = key;

    /// <summary>The operator's secret was under 32 bytes (stretched, not refused): start-up warns about it.</summary>
    public bool ShortSecret { get; } = shortSecret;

    /// <summary>HS256 wants at least 256 bits.</summary>
    public const int MinimumBytes = 32;

    /// <summary>
    /// <c>JWT_SECRET</c> when set. Otherwise, on SQLite, a secret generated once and kept in the data dir, so a
    /// single-node install needs no configuration; PostgreSQL means several replicas, which must share one.
    /// </summary>
    public static JwtKey Resolve(string? secret, DatabaseProvider provider, string dataDir)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            if (provider == DatabaseProvider.Postgres)
            {
                throw new StartupException("JWT_SECRET is required when DATABASE_URL points at PostgreSQL (replicas must share it).");
            }
            var file = Path.Combine(dataDir, "jwt-secret");
            if (File.Exists(file))
            {
                secret = File.ReadAllText(file).Trim();
            }
            if (string.IsNullOrWhiteSpace(secret))
            {
                Directory.CreateDirectory(dataDir);
                secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
                File.WriteAllText(file, secret);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
        }
        var bytes = Encoding.UTF8.GetBytes(secret);
        // Stretch a short operator-chosen secret rather than refuse it (existing installs keep working), and warn.
        var shortSecret = bytes.Length < MinimumBytes;
        if (shortSecret)
        {
            bytes = SHA256.HashData(bytes);
        }
        return new JwtKey(new SymmetricSecurityKey(bytes) { KeyId = "vigil-1" }, shortSecret);
    }
}

/// <summary>A configuration problem that stops start-up with one clear line instead of a stack trace.</summary>
public sealed class StartupException(string message) : Exception(message);
