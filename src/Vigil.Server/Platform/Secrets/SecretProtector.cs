using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Vigil.Server.Platform.Secrets;

/// <summary>
/// The one way secrets (webhook URLs, SMTP / Proxmox / SMS credentials) are stored: encrypted at rest with
/// ASP.NET Data Protection, and masked whenever they are shown.
/// </summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    const string Marker = "enc:v1:";
    readonly IDataProtector _protector = provider.CreateProtector("Vigil.Secrets.v1");

    public string Protect(string plaintext) => Marker + _protector.Protect(plaintext);

    /// <summary>The plaintext, or null when the value cannot be decrypted (lost keys, tampering).</summary>
    public string? Unprotect(string stored)
    {
        if (!stored.StartsWith(Marker, StringComparison.Ordinal))
        {
            return null;
        }
        try
        {
            return _protector.Unprotect(stored[Marker.Length..]);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static bool IsProtected(string? stored) => stored?.StartsWith(Marker, StringComparison.Ordinal) == true;

    /// <summary>
    /// What a response may show of a secret. URLs keep scheme and host (enough to recognise the target) and lose
    /// everything that authorises (user info, path, query); other values keep at most their last four characters.
    /// </summary>
    public static string Mask(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return "";
        }
        if (Uri.TryCreate(secret, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            var port = uri.IsDefaultPort ? "" : ":" + uri.Port;
            return $"{uri.Scheme}://{uri.Host}{port}/••••••";
        }
        return secret.Length >= 16 ? "••••••" + secret[^4..] : "••••••";
    }
}
