using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;

namespace Vigil.UnitTests.Platform;

public sealed class JwtKeyTests
{
    [Fact]
    public void A_short_secret_is_stretched_to_256_bits_and_flagged_for_a_warning()
    {
        var key = JwtKey.Resolve("short", DatabaseProvider.Postgres, "unused");
        key.ShortSecret.ShouldBeTrue();
        key.Key.Key.Length.ShouldBe(32);
        // The same secret gives the same key on every replica.
        JwtKey.Resolve("short", DatabaseProvider.Postgres, "unused").Key.Key.ShouldBe(key.Key.Key);
    }

    [Fact]
    public void A_long_secret_is_used_as_given()
    {
        const string secret = "a-secret-that-is-long-enough-for-hs256-0123456789";
        var key = JwtKey.Resolve(secret, DatabaseProvider.Postgres, "unused");
        key.ShortSecret.ShouldBeFalse();
        key.Key.Key.ShouldBe(System.Text.Encoding.UTF8.GetBytes(secret));
    }

    [Fact]
    public void A_generated_secret_is_kept_in_the_data_directory_readable_by_its_user_only()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-jwt-").FullName;
        var first = JwtKey.Resolve(null, DatabaseProvider.Sqlite, dir);
        first.ShortSecret.ShouldBeFalse();
        JwtKey.Resolve(null, DatabaseProvider.Sqlite, dir).Key.Key.ShouldBe(first.Key.Key);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(dir, "jwt-secret")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
