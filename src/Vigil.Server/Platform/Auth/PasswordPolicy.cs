using Microsoft.AspNetCore.Identity;

namespace Vigil.Server.Platform.Auth;

/// <summary>
/// Length over composition (NIST SP 800-63B): at least 8 characters, not a well-known password, not the
/// username or email, and not one character repeated.
/// </summary>
public sealed class PasswordPolicy : IPasswordValidator<VigilUser>
{
    static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "password1", "password12", "password123", "password1234", "passw0rd", "p@ssw0rd", "p@ssword",
        "12345678", "123456789", "1234567890", "0123456789", "87654321", "11111111", "00000000", "12341234",
        "qwerty123", "qwertyui", "qwertyuiop", "asdfghjk", "asdfghjkl", "zxcvbnm1", "1q2w3e4r", "1qaz2wsx",
        "iloveyou", "letmein1", "welcome1", "welcome123", "admin123", "administrator", "changeme", "trustno1",
        "sunshine", "princess", "football", "baseball", "superman", "starwars", "whatever", "computer",
        "abcdefgh", "abcd1234", "aa123456", "monkey123", "dragon123", "master123", "vigil123", "secret123",
    };

    public Task<IdentityResult> ValidateAsync(UserManager<VigilUser> manager, VigilUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success);
        }
        var errors = new List<IdentityError>();
        if (Common.Contains(password))
        {
            errors.Add(new IdentityError { Code = "PasswordTooCommon", Description = "This password is too common; choose another." });
        }
        if (password.Distinct().Count() < 4)
        {
            errors.Add(new IdentityError { Code = "PasswordTooSimple", Description = "Use at least 4 different characters." });
        }
        if (user.UserName is { Length: >= 3 } name && password.Contains(name, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new IdentityError { Code = "PasswordContainsUserName", Description = "The password must not contain the username." });
        }
        if (user.Email?.Split('@')[0] is { Length: >= 3 } local && password.Contains(local, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new IdentityError { Code = "PasswordContainsEmail", Description = "The password must not contain the email address." });
        }
        return Task.FromResult(errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]));
    }
}
