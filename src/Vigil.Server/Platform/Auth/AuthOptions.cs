using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Platform.Auth;

/// <summary>Sign-in, token and registration settings (the spec names: <c>JWT_SECRET</c>, <c>ACCESS_TOKEN_EXPIRE_MINUTES</c>, …).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HMAC key for access tokens. Generated and kept in the data dir when unset on SQLite; required on PostgreSQL.</summary>
    public string? JwtSecret { get; set; }

    [Range(1, 24 * 60)]
    public int AccessTokenExpireMinutes { get; set; } = 30;

    [Range(1, 365)]
    public int RefreshTokenExpireDays { get; set; } = 7;

    /// <summary>Default for public registration; an admin's setting at run time wins.</summary>
    public bool AllowRegistration { get; set; } = true;

    [Required, MaxLength(64)]
    public string AdminUsername { get; set; } = "admin";

    [Required, EmailAddress]
    public string AdminEmail { get; set; } = "admin@example.com";

    /// <summary>The initial admin's password (<c>ADMIN_PASSWORD</c>); when unset, a random one is printed once.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Failed sign-ins before an account is locked.</summary>
    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    [Range(1, 24 * 60)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Failed sign-ins from one IP within <see cref="LockoutMinutes"/> before that IP must wait.</summary>
    [Range(1, 100_000)]
    public int IpFailuresPerWindow { get; set; } = 30;

    /// <summary>Registrations accepted from one IP per minute.</summary>
    [Range(1, 100_000)]
    public int RegistrationsPerMinute { get; set; } = 30;

    public const string Issuer = "vigil";
    public const string Audience = "vigil-api";
}
