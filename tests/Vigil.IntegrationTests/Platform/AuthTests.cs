using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Platform;

public abstract class AuthTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Register_creates_a_user_with_a_personal_workspace()
    {
        using var client = host.CreateClient();
        var name = "reg" + Guid.NewGuid().ToString("N")[..8];
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{name}@example.com", username = name, password = "a good long passphrase" }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var user = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        user.GetProperty("username").GetString().ShouldBe(name);
        user.GetProperty("email").GetString().ShouldBe($"{name}@example.com");
        user.GetProperty("is_admin").GetBoolean().ShouldBeFalse();
        user.TryGetProperty("password_hash", out _).ShouldBeFalse();
        var me = await host.SignInAsync(name, "a good long passphrase", user.GetProperty("id").GetGuid(), user.GetProperty("personal_workspace_id").GetGuid(), Ct);
        var workspaces = await me.Client.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct);
        var only = workspaces.GetProperty("items").EnumerateArray().ShouldHaveSingleItem();
        only.GetProperty("is_personal").GetBoolean().ShouldBeTrue();
        only.GetProperty("role").GetString().ShouldBe("owner");
    }

    [Fact]
    public async Task Duplicate_email_or_username_is_a_conflict_whatever_the_case()
    {
        var existing = await host.RegisterAsync(ct: Ct);
        using var client = host.CreateClient();

        var sameName = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"other{Guid.NewGuid():N}@example.com", username = existing.Username.ToUpperInvariant(), password = "another fine passphrase" }, Ct);
        var sameEmail = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{existing.Username}@EXAMPLE.com", username = "x" + Guid.NewGuid().ToString("N")[..8], password = "another fine passphrase" }, Ct);

        sameName.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        sameEmail.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        sameName.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        // The conflict names the field whose value is taken, as a 400 would.
        (await sameName.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("username", out _).ShouldBeTrue();
        (await sameEmail.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("email", out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("password", "password")]
    [InlineData("short", "password")]
    [InlineData("12345678", "password")]
    public async Task Weak_password_is_rejected_naming_the_field(string password, string field)
    {
        using var client = host.CreateClient();
        var name = "weak" + Guid.NewGuid().ToString("N")[..8];
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{name}@example.com", username = name, password }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task Bad_email_is_rejected_naming_the_field()
    {
        using var client = host.CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = "not-an-email", username = "someone" + Guid.NewGuid().ToString("N")[..6], password = "a good long passphrase" }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("email", out _).ShouldBeTrue();
        // The same rule on a profile change (without spending the registration rate limit).
        var user = await host.RegisterAsync(ct: Ct);
        foreach (var email in new[] { "x y@example.com", "e2@example..com", "@example.com", "a@b@example.com", "dot.@example.com" })
        {
            var refused = await user.Client.PatchAsJsonAsync("/api/v1/auth/me", new { email }, Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, email);
        }
    }

    [Fact]
    public async Task Login_works_with_username_or_email_and_returns_a_bearer_pair()
    {
        var user = await host.RegisterAsync(ct: Ct);
        using var client = host.CreateClient();

        foreach (var login in new[] { user.Username, $"{user.Username}@example.com" })
        {
            var response = await client.PostAsJsonAsync("/api/v1/auth/login", new { login, password = user.Password }, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            var tokens = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            tokens.GetProperty("token_type").GetString().ShouldBe("Bearer");
            tokens.GetProperty("expires_in").GetInt32().ShouldBe(30 * 60);
            tokens.GetProperty("access_token").GetString().ShouldNotBeNullOrEmpty();
            tokens.GetProperty("refresh_token").GetString().ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_give_the_same_401()
    {
        var user = await host.RegisterAsync(ct: Ct);
        using var client = host.CreateClient();

        var wrong = await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = "not the password" }, Ct);
        var unknown = await client.PostAsJsonAsync("/api/v1/auth/login", new { login = "nobody" + Guid.NewGuid().ToString("N")[..6], password = "not the password" }, Ct);

        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        unknown.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var a = await wrong.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var b = await unknown.Content.ReadFromJsonAsync<JsonElement>(Ct);
        a.GetProperty("title").GetString().ShouldBe(b.GetProperty("title").GetString());
        a.GetProperty("detail").GetString().ShouldBe(b.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Refresh_rotates_and_reuse_revokes_the_whole_family()
    {
        var user = await host.RegisterAsync(ct: Ct);
        using var client = host.CreateClient();

        var first = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = user.RefreshToken }, Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var rotated = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var newRefresh = rotated.GetProperty("refresh_token").GetString()!;
        var newAccess = rotated.GetProperty("access_token").GetString()!;
        newRefresh.ShouldNotBe(user.RefreshToken);
        using (var fresh = host.CreateClient(newAccess))
        {
            (await fresh.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // The old token was used: presenting it again means it leaked.
        var reuse = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = user.RefreshToken }, Ct);
        reuse.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var afterReuse = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = newRefresh }, Ct);
        afterReuse.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var revoked = host.CreateClient(newAccess);
        (await revoked.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token()
    {
        var user = await host.RegisterAsync(ct: Ct);

        var logout = await user.Client.PostAsJsonAsync("/api/v1/auth/logout", new { refresh_token = user.RefreshToken }, Ct);
        logout.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var client = host.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = user.RefreshToken }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await user.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_with_a_foreign_or_unknown_refresh_token_still_ends_the_callers_session_and_only_that()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        var carol = await host.RegisterAsync(ct: Ct);

        (await alice.Client.PostAsJsonAsync("/api/v1/auth/logout", new { refresh_token = bob.RefreshToken }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await carol.Client.PostAsJsonAsync("/api/v1/auth/logout", new { refresh_token = "garbage" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await alice.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await carol.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        // Bob's session is his own: another user's logout does not touch it.
        (await bob.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var client = host.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = bob.RefreshToken }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Access_token_expires_with_the_clock()
    {
        var user = await host.RegisterAsync(ct: Ct);
        (await user.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        host.Clock.Advance(TimeSpan.FromMinutes(31));

        (await user.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var client = host.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = user.RefreshToken }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_with_retry_after_then_it_unlocks()
    {
        var user = await host.RegisterAsync(ct: Ct);
        using var client = host.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = "wrong-" + i }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var locked = await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = user.Password }, Ct);
        locked.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        locked.Headers.RetryAfter.ShouldNotBeNull();

        host.Clock.Advance(TimeSpan.FromMinutes(16));
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = user.Password }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_accounts_are_throttled_like_real_ones()
    {
        using var client = host.CreateClient();
        var ghost = "ghost" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 5; i++)
        {
            (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = ghost, password = "guess-" + i }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        var sixth = await client.PostAsJsonAsync("/api/v1/auth/login", new { login = ghost, password = "guess" }, Ct);
        sixth.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        sixth.Headers.RetryAfter.ShouldNotBeNull();
    }

    [Fact]
    public async Task Me_can_be_read_and_changed()
    {
        var user = await host.RegisterAsync(ct: Ct);

        var put = await user.Client.PutAsJsonAsync("/api/v1/auth/me", new { display_name = "Ada L." }, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var me = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/auth/me", Ct);
        me.GetProperty("display_name").GetString().ShouldBe("Ada L.");
        me.GetProperty("username").GetString().ShouldBe(user.Username);
    }

    [Fact]
    public async Task Change_password_revokes_other_sessions_and_keeps_this_one()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var other = await host.SignInAsync(user.Username, user.Password, user.Id, user.PersonalWorkspaceId, Ct);

        var change = await user.Client.PostAsJsonAsync("/api/v1/auth/change-password", new { current_password = user.Password, new_password = "a brand new passphrase" }, Ct);
        change.StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await user.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await other.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var client = host.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = other.RefreshToken }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = user.Password }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = "a brand new passphrase" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Change_password_with_a_wrong_current_password_is_a_400_on_that_field()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var change = await user.Client.PostAsJsonAsync("/api/v1/auth/change-password", new { current_password = "nope nope nope", new_password = "a brand new passphrase" }, Ct);
        change.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await change.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("current_password", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Api_key_secret_is_shown_once_works_in_both_headers_and_dies_when_revoked()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "ci" }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var secret = key.GetProperty("key").GetString()!;
        secret.ShouldStartWith("vk_");

        var list = await user.Client.GetStringAsync("/api/v1/auth/api-keys", Ct);
        list.ShouldContain("\"ci\"");
        list.ShouldNotContain(secret);

        using (var bearer = host.CreateClient(secret))
        {
            var me = await bearer.GetFromJsonAsync<JsonElement>("/api/v1/auth/me", Ct);
            me.GetProperty("id").GetGuid().ShouldBe(user.Id);
        }
        using var header = host.CreateClient();
        header.DefaultRequestHeaders.Add("X-Api-Key", secret);
        (await header.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await user.Client.DeleteAsync($"/api/v1/auth/api-keys/{key.GetProperty("id").GetGuid()}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await header.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_read_only_api_key_cannot_write()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "reader", scopes = new[] { "read" } }, Ct);
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        using var reader = host.CreateClient(secret);

        (await reader.GetAsync("/api/v1/workspaces", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await reader.PostAsJsonAsync("/api/v1/workspaces", new { name = "nope" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Wrong_current_passwords_lock_the_account_like_failed_sign_ins()
    {
        var user = await host.RegisterAsync(ct: Ct);
        HttpResponseMessage? last = null;
        for (var i = 0; i < 12 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last = await user.Client.PostAsJsonAsync("/api/v1/auth/change-password", new { current_password = "guess number " + i, new_password = "a brand new passphrase" }, Ct);
        }
        last!.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        last.Headers.RetryAfter.ShouldNotBeNull();
        // Even the right one waits now.
        (await user.Client.PostAsJsonAsync("/api/v1/auth/change-password", new { current_password = user.Password, new_password = "a brand new passphrase" }, Ct)).StatusCode
            .ShouldBe(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_key_bound_to_a_workspace_acts_there_only_and_no_key_manages_keys()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var team = (await (await user.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Team " + Guid.NewGuid().ToString("N")[..6] }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct))
            .GetProperty("id").GetGuid();
        var other = (await (await user.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Other " + Guid.NewGuid().ToString("N")[..6] }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct))
            .GetProperty("id").GetGuid();
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "bound", scopes = new[] { "read", "write" }, workspace_id = team }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        using var bound = host.CreateClient((await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!);

        (await bound.GetFromJsonAsync<JsonElement>("/api/v1/workspaces", Ct)).GetProperty("items").EnumerateArray().Select(w => w.GetProperty("id").GetGuid()).ShouldBe([team]);
        (await bound.GetAsync($"/api/v1/workspaces/{team}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await bound.GetAsync($"/api/v1/workspaces/{user.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bound.PatchAsJsonAsync($"/api/v1/workspaces/{other}", new { name = "renamed" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bound.DeleteAsync($"/api/v1/workspaces/{other}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bound.GetAsync($"/api/v1/workspaces/{other}/audit", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bound.PostAsJsonAsync("/api/v1/workspaces", new { name = "from a key" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // No key mints keys (an unbound one would escape the binding), revokes them, or changes the password.
        (await bound.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "escape", scopes = new[] { "read", "write" } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await bound.GetAsync("/api/v1/auth/api-keys", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await bound.PostAsJsonAsync("/api/v1/auth/change-password", new { current_password = user.Password, new_password = "a brand new passphrase" }, Ct)).StatusCode
            .ShouldBe(HttpStatusCode.Forbidden);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/workspaces/{other}", Ct)).GetProperty("id").GetGuid().ShouldBe(other);
    }

    [Fact]
    public async Task Api_keys_list_in_pages()
    {
        var user = await host.RegisterAsync(ct: Ct);
        foreach (var name in new[] { "one", "two" })
        {
            (await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        var first = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/auth/api-keys?limit=1", Ct);
        first.GetProperty("items").GetArrayLength().ShouldBe(1);
        var rest = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/auth/api-keys?limit=1&cursor={first.GetProperty("next_cursor").GetString()}", Ct);
        rest.GetProperty("items").GetArrayLength().ShouldBe(1);
        rest.GetProperty("next_cursor").ValueKind.ShouldBe(JsonValueKind.Null);
        (await user.Client.GetAsync("/api/v1/auth/api-keys?limit=abc", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Null_scopes_are_a_400_naming_the_field()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "nulls", scopes = new string?[] { null } }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("scopes", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Non_admins_may_not_create_admin_scoped_keys()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "sneaky", scopes = new[] { "admin" } }, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Registration_can_be_turned_off_by_an_admin()
    {
        var admin = await host.AdminAsync(Ct);
        using var client = host.CreateClient();
        try
        {
            (await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { allow_registration = false }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
            var name = "closed" + Guid.NewGuid().ToString("N")[..6];
            var refused = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = $"{name}@example.com", username = name, password = "a good long passphrase" }, Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        finally
        {
            (await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { allow_registration = true }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Refresh_tokens_and_api_keys_are_stored_hashed()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "hashed" }, Ct);
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;

        var dump = await RawDatabase.DumpAsync(host, ["refresh_tokens", "api_keys"], Ct);

        dump.ShouldNotContain(user.RefreshToken);
        dump.ShouldNotContain(secret);
        dump.ShouldContain(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(user.RefreshToken))));
    }

    [Fact]
    public async Task Disabled_users_cannot_sign_in_and_lose_their_sessions()
    {
        var admin = await host.AdminAsync(Ct);
        var user = await host.RegisterAsync(ct: Ct);

        (await admin.Client.PostAsync($"/api/v1/admin/users/{user.Id}/disable", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await user.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var client = host.CreateClient();
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = user.Password }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await admin.Client.PostAsync($"/api/v1/admin/users/{user.Id}/enable", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.PostAsJsonAsync("/api/v1/auth/login", new { login = user.Username, password = user.Password }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

[Trait("Database", "Sqlite")]
public sealed class AuthTestsOnSqlite(SqliteHost host) : AuthTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class AuthTestsOnPostgres(PostgresHost host) : AuthTests(host), IClassFixture<PostgresHost>;
