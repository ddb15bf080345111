using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Platform.Auth;

/// <summary>
/// First start with no users: creates the system admin with <c>ADMIN_PASSWORD</c>, or a random password printed once,
/// in a banner, to the log. The password is stored only as Identity's hash, so it can never be printed again.
/// </summary>
public sealed class AdminBootstrap(Data.VigilDb db, AuthService auth, IOptions<AuthOptions> options, TimeProvider clock, ILoggerFactory loggers)
{
    public async Task EnsureAdminAsync(CancellationToken ct)
    {
        if (await db.Users.AnyAsync(ct))
        {
            return;
        }
        var o = options.Value;
        var given = o.AdminPassword is { Length: > 0 } chosen ? chosen : null;
        var password = given ?? TokenHash.NewPassword(20);
        var user = new VigilUser
        {
            UserName = o.AdminUsername,
            Email = o.AdminEmail,
            IsAdmin = true,
            EmailConfirmed = true,
            LockoutEnabled = true,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        try
        {
            var created = await auth.CreateUserAsync(user, password, "user.initial_admin_created", ct);
            if (!created.IsOk)
            {
                // Another replica won the race, or the configured name/email is unusable.
                if (created.Kind != Api.OutcomeKind.Conflict)
                {
                    throw new StartupException($"Cannot create the initial admin: {string.Join("; ", created.Errors?.SelectMany(e => e.Value) ?? [])}");
                }
                return;
            }
        }
        catch (DbUpdateException)
        {
            return; // another replica created the first user at the same moment
        }
        if (given is not null)
        {
            // The operator chose it: nothing to print, and it is never logged.
            loggers.CreateLogger("Vigil.Setup").LogWarning("Initial admin user {UserName} created with the password from ADMIN_PASSWORD.", user.UserName);
            return;
        }
        const string rule = "============================================================";
        var banner = string.Join(Environment.NewLine,
            "",
            rule,
            "INITIAL ADMIN USER CREATED",
            rule,
            $"   Username: {user.UserName}",
            $"   Email:    {user.Email}",
            $"   Password: {password}",
            rule,
            "SAVE THIS PASSWORD - IT WILL NOT BE SHOWN AGAIN!",
            rule);
        // The one place a password is logged, by design: the operator has no other way to learn it.
        loggers.CreateLogger("Vigil.Setup").LogWarning("{Banner}", banner);
    }
}
