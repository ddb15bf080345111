using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Auth;

/// <summary>The HMAC key that signs access tokens.</summary>
public sealed class JwtKey(SymmetricSecurityKey key)
{
    public SymmetricSecurityKey Key { get; } = key;

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
        // HS256 wants at least 256 bits; stretch a short operator-chosen secret rather than refuse it.
        if (bytes.Length < 32)
        {
            bytes = SHA256.HashData(bytes);
        }
        return new JwtKey(new SymmetricSecurityKey(bytes) { KeyId = "vigil-1" });
    }
}

/// <summary>A configuration problem that stops start-up with one clear line instead of a stack trace.</summary>
public sealed class StartupException(string message) : Exception(message);
