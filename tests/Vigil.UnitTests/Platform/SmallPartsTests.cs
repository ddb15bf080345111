using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Modules;
using Vigil.Server.Platform.Secrets;

namespace Vigil.UnitTests.Platform;

public sealed class SmallPartsTests
{
    [Fact]
    public void Secrets_round_trip_encrypted_and_are_masked()
    {
        var protector = new SecretProtector(new EphemeralDataProtectionProvider());
        const string secret = "https://discord.com/api/webhooks/123/very-secret-token";

        var stored = protector.Protect(secret);

        stored.ShouldNotContain("very-secret-token");
        SecretProtector.IsProtected(stored).ShouldBeTrue();
        protector.Unprotect(stored).ShouldBe(secret);
        protector.Unprotect(stored[..^4] + "AAAA").ShouldBeNull();
        SecretProtector.Mask(secret).ShouldBe("https://discord.com/••••••");
        SecretProtector.Mask("smtp-password-1234567").ShouldBe("••••••4567");
        SecretProtector.Mask("short").ShouldBe("••••••");
        SecretProtector.Mask("https://user:pw@hooks.example:8443/x?token=1").ShouldNotContain("pw");
    }

    [Fact]
    public void Cursors_round_trip_and_garbage_is_refused()
    {
        var next = PageQuery.EncodeCursor(150);
        new PageQuery { Cursor = next }.Skip.ShouldBe(150);
        new PageQuery { Cursor = "garbage!" }.Validate()!.Keys.ShouldContain("cursor");
        new PageQuery { Limit = 0 }.Validate()!.Keys.ShouldContain("limit");
        new PageQuery { Limit = 10_000 }.Validate()!.Keys.ShouldContain("limit");
        new PageQuery { Offset = -1 }.Validate()!.Keys.ShouldContain("offset");
        new PageQuery { Limit = 10, Offset = 5 }.Validate().ShouldBeNull();
    }

    [Theory]
    [InlineData("password")]
    [InlineData("12345678")]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("xx-alice-xx")]
    public async Task Weak_passwords_fail_the_policy(string password)
    {
        var user = new VigilUser { UserName = "alice", Email = "alice@example.com" };
        var result = await new PasswordPolicy().ValidateAsync(null!, user, password);
        result.Succeeded.ShouldBeFalse();
    }

    [Fact]
    public async Task A_long_passphrase_passes_the_policy()
    {
        var user = new VigilUser { UserName = "alice", Email = "alice@example.com" };
        (await new PasswordPolicy().ValidateAsync(null!, user, "correct horse battery staple")).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public void Generated_passwords_are_long_and_varied()
    {
        var a = TokenHash.NewPassword(20);
        a.Length.ShouldBe(20);
        a.ShouldNotBe(TokenHash.NewPassword(20));
        a.Any(char.IsUpper).ShouldBeTrue();
        a.Any(char.IsLower).ShouldBeTrue();
        a.Any(char.IsDigit).ShouldBeTrue();
    }

    [Fact]
    public void Sign_in_throttle_counts_failures_per_login_and_per_ip_and_forgets_with_time()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var throttle = new SignInThrottle(Options.Create(new AuthOptions { MaxFailedAttempts = 3, IpFailuresPerWindow = 5, LockoutMinutes = 10 }), clock);

        for (var i = 0; i < 3; i++)
        {
            throttle.RetryAfter("1.1.1.1", "bob").ShouldBeNull();
            throttle.RecordFailure("1.1.1.1", "bob");
        }
        throttle.RetryAfter("2.2.2.2", "BOB").ShouldNotBeNull();
        throttle.RetryAfter("1.1.1.1", "carol").ShouldBeNull();
        throttle.RecordFailure("1.1.1.1", "carol");
        throttle.RecordFailure("1.1.1.1", "dave");
        throttle.RetryAfter("1.1.1.1", "erin").ShouldNotBeNull();

        clock.Advance(TimeSpan.FromMinutes(11));
        throttle.RetryAfter("1.1.1.1", "bob").ShouldBeNull();
    }

    sealed class Fake(string name, params string[] needs) : VigilModule
    {
        public override string Name => name;

        public override IReadOnlyList<string> DependsOn => needs;
    }

    [Theory]
    [InlineData("/restock", "/restock")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example", "/")]
    [InlineData("/a\tb", "/")]
    [InlineData("/a\r\nSet-Cookie: x", "/")]
    [InlineData(null, "/")]
    public void Sign_in_goes_back_only_to_a_local_path_a_redirect_can_carry(string? given, string expected) =>
        Vigil.Server.Ui.AccountEndpoints.SafeReturnUrl(given).ShouldBe(expected);

    [Theory]
    [InlineData("ops@example.com", true)]
    [InlineData("first.last+tag@mail.example.co.uk", true)]
    [InlineData("admin@localhost", true)]
    [InlineData("x y@example.com", false)]
    [InlineData("e2@example..com", false)]
    [InlineData("@example.com", false)]
    [InlineData("a@b@example.com", false)]
    [InlineData(".dot@example.com", false)]
    [InlineData("a@-example.com", false)]
    public void Email_addresses_are_what_mail_servers_take(string email, bool valid) =>
        new EmailAttribute().IsValid(email).ShouldBe(valid);

    [Fact]
    public void The_store_room_tools_secret_key_signs_tokens_when_jwt_secret_is_not_given()
    {
        static string? Secret(params (string Key, string Value)[] given)
        {
            var configuration = new ConfigurationManager();
            configuration.AddInMemoryCollection(given.Select(g => new KeyValuePair<string, string?>(g.Key, g.Value)));
            Vigil.Server.Platform.Configuration.EnvironmentAliases.Apply(configuration);
            return configuration["Auth:JwtSecret"];
        }
        Secret(("SECRET_KEY", "spec-secret-key")).ShouldBe("spec-secret-key");
        Secret(("SECRET_KEY", "spec-secret-key"), ("JWT_SECRET", "the-jwt-secret")).ShouldBe("the-jwt-secret");
        var store = Path.GetTempFileName();
        File.WriteAllText(store, """{"SECRET_KEY": "from-the-store"}""");
        Secret(("SECRET_STORE_FILE", store)).ShouldBe("from-the-store");
        Secret(("SECRET_STORE_FILE", store), ("SECRET_KEY", "from-the-env")).ShouldBe("from-the-env");
        File.WriteAllText(store, "not json");
        Should.Throw<StartupException>(() => Secret(("SECRET_STORE_FILE", store)));
        File.Delete(store);
    }

    [Fact]
    public void Modules_are_selected_by_name_and_unknown_names_stop_start_up()
    {
        VigilModule[] all = [new Fake("restock"), new Fake("inventory"), new Fake("prices")];

        ModuleCatalog.Select(all, null).Enabled.Count.ShouldBe(3);
        ModuleCatalog.Select(all, "all").Enabled.Count.ShouldBe(3);
        ModuleCatalog.Select(all, " Inventory , restock").Enabled.Select(m => m.Name).ShouldBe(["restock", "inventory"]);
        Should.Throw<StartupException>(() => ModuleCatalog.Select(all, "restock,hosting"));

        // What a module needs comes with it, however deep.
        VigilModule[] linked = [new Fake("notifications"), new Fake("inventory", "alerts"), new Fake("alerts", "notifications"), new Fake("prices")];
        ModuleCatalog.Select(linked, "inventory").Enabled.Select(m => m.Name).ShouldBe(["notifications", "inventory", "alerts"]);
    }

    [Theory]
    [InlineData(null, ServerRoles.All)]
    [InlineData("all", ServerRoles.All)]
    [InlineData("api", ServerRoles.Api)]
    [InlineData("worker", ServerRoles.Worker)]
    [InlineData("api,worker", ServerRoles.All)]
    public void Roles_parse(string? value, ServerRoles roles) => ServerRolesParser.Parse(value).ShouldBe(roles);

    [Theory]
    [InlineData(null, SqliteSynchronous.Normal)]
    [InlineData("", SqliteSynchronous.Normal)]
    [InlineData("normal", SqliteSynchronous.Normal)]
    [InlineData(" FULL ", SqliteSynchronous.Full)]
    public void Sqlite_synchronous_parses(string? value, SqliteSynchronous mode) => SqliteConnectionSetup.ParseSynchronous(value).ShouldBe(mode);

    [Theory]
    [InlineData("off")]
    [InlineData("1")]
    [InlineData("extra")]
    public void Other_sqlite_synchronous_values_stop_start_up(string value) => Should.Throw<StartupException>(() => SqliteConnectionSetup.ParseSynchronous(value));

    [Fact]
    public void Unknown_roles_stop_start_up() => Should.Throw<StartupException>(() => ServerRolesParser.Parse("janitor"));
}
