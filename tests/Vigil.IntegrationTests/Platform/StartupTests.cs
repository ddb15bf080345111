using System.Net;
using System.Net.Http.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Platform;

public sealed class StartupTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static Dictionary<string, string> Env(string dir, string? databaseUrl = null) => new()
    {
        ["DATABASE_URL"] = databaseUrl ?? $"sqlite:///{dir}/vigil.db",
        ["DATA_DIR"] = dir,
    };

    [Fact]
    public async Task Migrate_applies_migrations_and_exits_zero()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-migrate-").FullName;
        var env = Env(dir);
        env["DATABASE_URL"] = $"sqlite:///{dir}/new/vigil.db";

        var result = await ServerProcess.RunAsync(["migrate"], env, TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(0, result.StdErr);
        var file = Path.Combine(dir, "new", "vigil.db");
        File.Exists(file).ShouldBeTrue();
        result.StdOut.ShouldNotContain("INITIAL ADMIN");
        // A new database holds password hashes and encrypted secrets: only the server's user reads it.
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.Combine(dir, "new")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task Migrate_against_a_dead_database_is_one_clear_line_and_a_non_zero_exit()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-dead-").FullName;
        var env = Env(dir, "postgresql://vigil:pw@127.0.0.1:1/vigil");
        env["JWT_SECRET"] = "a-secret-that-is-long-enough-for-hs256-0123456789";

        var result = await ServerProcess.RunAsync(["migrate"], env, TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldNotBe(0);
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldHaveSingleItem().ShouldStartWith("vigil: error: Cannot use the database (PostgreSQL at 127.0.0.1:1/vigil)");
        (result.StdOut + result.StdErr).ShouldNotContain("   at ");
        (result.StdOut + result.StdErr).ShouldNotContain("pw@");
    }

    [Fact]
    public async Task Serving_on_a_dead_database_fails_fast_with_one_line()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-dead-").FullName;
        var env = Env(dir, "Host=127.0.0.1;Port=1;Username=vigil;Password=pw;Database=vigil;Timeout=3");
        env["JWT_SECRET"] = "a-secret-that-is-long-enough-for-hs256-0123456789";

        var result = await ServerProcess.RunAsync(["--urls", "http://127.0.0.1:0"], env, TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldNotBe(0);
        result.StdErr.Trim().Split('\n').ShouldHaveSingleItem().ShouldStartWith("vigil: error:");
        (result.StdOut + result.StdErr).ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Postgres_without_a_jwt_secret_refuses_to_start()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-nojwt-").FullName;
        var result = await ServerProcess.RunAsync(["migrate"], Env(dir, "postgresql://vigil@127.0.0.1:1/vigil"), TimeSpan.FromSeconds(60));
        result.ExitCode.ShouldNotBe(0);
        result.StdErr.ShouldContain("JWT_SECRET is required");
    }

    [Fact]
    public async Task A_bad_database_url_is_one_clear_line()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-badurl-").FullName;
        var result = await ServerProcess.RunAsync(["migrate"], Env(dir, "mysql://nope"), TimeSpan.FromSeconds(60));
        result.ExitCode.ShouldNotBe(0);
        result.StdErr.Trim().ShouldStartWith("vigil: error: DATABASE_URL");
    }

    [Fact]
    public async Task The_admin_banner_is_printed_on_the_first_start_only()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-banner-").FullName;
        var first = new FixedDirHost(dir);
        await first.InitializeAsync();
        var password = first.AdminPassword;
        password.Length.ShouldBeGreaterThanOrEqualTo(16);
        first.Logs.All.ShouldContain("INITIAL ADMIN USER CREATED");
        first.Logs.All.ShouldContain("Username: admin");
        await first.DisposeAsync();

        var second = new FixedDirHost(dir);
        await second.InitializeAsync();
        second.Logs.All.ShouldNotContain("INITIAL ADMIN");
        second.Logs.All.ShouldNotContain(password);
        using var client = second.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "admin", password }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await second.DisposeAsync();

        // The password is nowhere on disk but as a hash.
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            (await File.ReadAllBytesAsync(file, Ct)).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(password)).ShouldBe(-1, file);
        }
    }

    [Fact]
    public async Task Admin_name_and_email_come_from_the_environment()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-admin-").FullName;
        var host = new FixedDirHost(dir, [new("ADMIN_USERNAME", "superadmin"), new("ADMIN_EMAIL", "root@vigil.example")]);
        await host.InitializeAsync();
        host.Logs.All.ShouldContain("Username: superadmin");
        using var client = host.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "root@vigil.example", password = host.AdminPassword }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await host.DisposeAsync();
    }

    [Fact]
    public async Task The_store_room_tools_admin_password_and_alert_channel_come_from_the_environment()
    {
        await using var slack = new Vigil.Fakes.FakeSlack();
        await slack.StartAsync(Ct);
        var dir = Directory.CreateTempSubdirectory("vigil-env-").FullName;
        var host = new FixedDirHost(dir, [new("ADMIN_USERNAME", "boss"), new("ADMIN_PASSWORD", "Sup3r-Secret-Pass-1"),
            new("SLACK_WEBHOOK_URL", slack.WebhookUrl().ToString()), new("OUTBOUND_ALLOWLIST", "127.0.0.0/8")]);
        await host.InitializeAsync();
        host.Logs.All.ShouldNotContain("Sup3r-Secret-Pass-1");
        host.Logs.All.ShouldNotContain("INITIAL ADMIN USER CREATED");
        using var client = host.CreateClient();
        var login = await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "boss", password = "Sup3r-Secret-Pass-1" }, Ct);
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct)).GetProperty("access_token").GetString()!;
        using var admin = host.CreateClient(token);
        var channel = await admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/admin/default-channel", Ct);
        channel.GetProperty("type").GetString().ShouldBe("slack");
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Readiness_reports_503_when_the_database_is_gone()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-ready-").FullName;
        var host = new FixedDirHost(dir);
        await host.InitializeAsync();
        using var client = host.CreateClient();
        (await client.GetAsync("/readyz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(dir, "vigil.db*"))
        {
            File.Delete(file);
        }
        Directory.CreateDirectory(Path.Combine(dir, "vigil.db")); // a directory where the file was: unopenable

        var ready = await client.GetAsync("/readyz", Ct);
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await client.GetAsync("/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await host.DisposeAsync();
    }

    sealed class FixedDirHost(string dir, IEnumerable<KeyValuePair<string, string>>? extra = null) : VigilHost(Db.Sqlite)
    {
        protected override string? FixedDirectory => dir;

        protected override IEnumerable<KeyValuePair<string, string>> Settings => extra ?? [];
    }
}
