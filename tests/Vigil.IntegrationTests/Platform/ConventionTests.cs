using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Platform;

/// <summary>The API conventions every route follows, checked over the route table so new routes are covered too.</summary>
public abstract class ConventionTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly string[] Writes = ["POST", "PUT", "PATCH"];

    [Fact]
    public async Task Every_workspace_route_answers_404_to_outsiders()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var outsider = await host.RegisterAsync(ct: Ct);
        var created = await owner.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Private" }, Ct);
        var foreign = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var bodies = await OpenApiBodies.LoadAsync(outsider.Client, Ct);

        var routes = host.Routes().Where(r => r.WorkspaceScoped || r.Pattern.StartsWith("/api/v1/workspaces/{id", StringComparison.Ordinal)).ToList();
        routes.Count.ShouldBeGreaterThan(10);
        foreach (var route in routes)
        {
            var path = route.Pattern
                .Replace("{id:guid}", foreign.ToString(), StringComparison.Ordinal)
                .Replace("{userId:guid}", owner.Id.ToString(), StringComparison.Ordinal);
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+:guid\}", Guid.NewGuid().ToString());
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+:(long|int)\}", "1");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+(:[^}]*)?\}", "x1");
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
            request.Headers.Add("X-Workspace-Id", foreign.ToString());
            if (bodies.BodySchema(route.Method, route.Pattern) is { } schema)
            {
                request.Content = JsonContent.Create(bodies.Plausible(schema));
            }
            var response = await outsider.Client.SendAsync(request, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{route.Method} {route.Pattern}: {await response.Content.ReadAsStringAsync(Ct)}");
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"{route.Method} {route.Pattern}");
        }

        // Routes of the caller's own (not acting in a workspace) refuse a foreign one named anyway, by header or query.
        var own = host.Routes().Where(r => !r.WorkspaceScoped && r.Method == "GET" && r.Pattern.StartsWith("/api/v1/", StringComparison.Ordinal)
            && !r.Pattern.StartsWith("/api/v1/admin", StringComparison.Ordinal) && !r.Pattern.StartsWith("/api/v1/workspaces", StringComparison.Ordinal)
            && !r.Pattern.Contains('{', StringComparison.Ordinal)).ToList();
        own.Select(r => r.Pattern).ShouldContain("/api/v1/notifications");
        foreach (var route in own)
        {
            using (var plain = await outsider.Client.GetAsync(route.Pattern, HttpCompletionOption.ResponseHeadersRead, Ct))
            {
                if (plain.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
                {
                    continue; // admins' routes (a system admin need not be a member of what they administer)
                }
            }
            using var byHeader = new HttpRequestMessage(HttpMethod.Get, route.Pattern);
            byHeader.Headers.Add("X-Workspace-Id", foreign.ToString());
            (await outsider.Client.SendAsync(byHeader, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, route.Pattern);
            (await outsider.Client.GetAsync($"{route.Pattern}?workspace_id={foreign}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, route.Pattern);
            // Headers only: some of these routes stream.
            using var mine = await outsider.Client.GetAsync($"{route.Pattern}?workspace_id={outsider.PersonalWorkspaceId}", HttpCompletionOption.ResponseHeadersRead, Ct);
            mine.StatusCode.ShouldNotBe(HttpStatusCode.NotFound, route.Pattern);
        }
    }

    [Fact]
    public async Task Bad_input_on_every_write_route_is_a_4xx_problem_and_changes_nothing()
    {
        var admin = await host.AdminAsync(Ct);
        var user = await host.RegisterAsync(ct: Ct);
        var created = await admin.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Shared" }, Ct);
        var workspace = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await admin.Client.PostAsJsonAsync($"/api/v1/workspaces/{workspace}/members", new { user_id = user.Id, role = "member" }, Ct);
        var bodies = await OpenApiBodies.LoadAsync(admin.Client, Ct);
        var before = await RawDatabase.CountsAsync(host, Ct);
        var failures = new List<string>();

        foreach (var route in host.Routes().Where(r => Writes.Contains(r.Method) && r.Pattern.StartsWith("/api/", StringComparison.Ordinal)))
        {
            var path = route.Pattern
                .Replace("/admin/users/{id:guid}", $"/admin/users/{user.Id}", StringComparison.Ordinal)
                .Replace("{id:guid}", workspace.ToString(), StringComparison.Ordinal)
                .Replace("{userId:guid}", user.Id.ToString(), StringComparison.Ordinal);
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+:guid\}", Guid.NewGuid().ToString());
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+:(long|int)\}", "1");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+(:[^}]*)?\}", "x1");
            var schema = bodies.BodySchema(route.Method, route.Pattern);
            var cases = new List<(string Name, HttpContent Content)>
            {
                ("malformed json", new StringContent("{\"a\": ", Encoding.UTF8, "application/json")),
                ("not json at all", new StringContent("<xml/>", Encoding.UTF8, "application/json")),
                ("oversized body", new StringContent("{\"x\":\"" + new string('a', 1_100_000) + "\"}", Encoding.UTF8, "application/json")),
            };
            if (schema is { } s && bodies.Properties(s).Any())
            {
                cases.Add(("wrong types", JsonContent.Create(bodies.WrongTypes(s))));
                cases.Add(("array instead of object", new StringContent("[1,2,3]", Encoding.UTF8, "application/json")));
                cases.Add(("huge strings", JsonContent.Create(bodies.HugeStrings(s, 200_000))));
            }
            foreach (var (name, content) in cases)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), path) { Content = content };
                HttpResponseMessage response;
                try
                {
                    response = await admin.Client.SendAsync(request, Ct);
                }
                catch (HttpRequestException e)
                {
                    failures.Add($"{route.Method} {route.Pattern} [{name}] → connection failed: {e.Message}");
                    continue;
                }
                var status = (int)response.StatusCode;
                var type = response.Content.Headers.ContentType?.MediaType;
                if (status is < 400 or >= 500 || type != "application/problem+json")
                {
                    failures.Add($"{route.Method} {route.Pattern} [{name}] → {status} {type}: {Truncate(await response.Content.ReadAsStringAsync(Ct))}");
                }
            }

            // A body with nothing in it may be fine (all-optional PATCH) but must never be a 500.
            using var empty = new HttpRequestMessage(new HttpMethod(route.Method), path) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            try
            {
                if ((int)(await admin.Client.SendAsync(empty, Ct)).StatusCode >= 500)
                {
                    failures.Add($"{route.Method} {route.Pattern} [empty object] → 5xx");
                }
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{route.Method} {route.Pattern} [empty object] → connection failed: {e.Message}");
            }
            before = await CompareAsync(before, failures, route);
        }
        failures.ShouldBeEmpty();
    }

    async Task<Dictionary<string, long>> CompareAsync(Dictionary<string, long> before, List<string> failures, RouteInfo route)
    {
        var after = await RawDatabase.CountsAsync(host, Ct);
        foreach (var (table, count) in after)
        {
            // An empty object may legitimately act (e.g. logout revokes, PATCH with no fields audits nothing); bad bodies may not.
            if (before.GetValueOrDefault(table) != count && table is not ("refresh_tokens" or "audit_log" or "workspaces" or "workspace_members" or "api_keys" or "users" or "workspace_invitations"))
            {
                failures.Add($"{route.Method} {route.Pattern} changed {table}: {before.GetValueOrDefault(table)} → {count}");
            }
        }
        return after;
    }

    static string Truncate(string s) => s.Length > 300 ? s[..300] : s;

    [Fact]
    public async Task Rejected_bodies_store_nothing()
    {
        var admin = await host.AdminAsync(Ct);
        var before = await RawDatabase.CountsAsync(host, Ct);

        (await admin.Client.PostAsync("/api/v1/workspaces", new StringContent("{\"name\": 5}", Encoding.UTF8, "application/json"), Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = new string('x', 5000) }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.Client.PostAsJsonAsync("/api/v1/workspaces", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "k", scopes = new[] { "root" } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "k", expires_in_days = -4 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await admin.Client.PatchAsJsonAsync($"/api/v1/workspaces/{admin.PersonalWorkspaceId}/members/{admin.Id}", new { role = "emperor" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        (await RawDatabase.CountsAsync(host, Ct)).ShouldBe(before);
    }

    [Fact]
    public async Task Validation_problems_name_the_field_in_snake_case()
    {
        var admin = await host.AdminAsync(Ct);
        var response = await admin.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "", expires_in_days = 0 }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        errors.TryGetProperty("name", out _).ShouldBeTrue(errors.ToString());
        errors.TryGetProperty("expires_in_days", out _).ShouldBeTrue(errors.ToString());
    }

    [Fact]
    public async Task Unknown_routes_are_404_problems_signed_in_or_not()
    {
        using var anonymous = host.CreateClient();
        var admin = await host.AdminAsync(Ct);
        foreach (var client in new[] { anonymous, admin.Client })
        {
            var response = await client.GetAsync("/api/v1/no/such/thing", Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
    }

    [Fact]
    public async Task Protected_routes_need_a_token_and_admin_routes_an_admin()
    {
        using var anonymous = host.CreateClient();
        var user = await host.RegisterAsync(ct: Ct);
        foreach (var route in host.Routes().Where(r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal) && !r.Anonymous))
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route.Pattern, @"\{\w+:guid\}", Guid.NewGuid().ToString());
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+:(long|int)\}", "1");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\w+(:[^}]*)?\}", "x1");
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
            (await anonymous.SendAsync(request, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{route.Method} {route.Pattern}");
            if (route.Pattern.StartsWith("/api/v1/admin", StringComparison.Ordinal))
            {
                using var asUser = new HttpRequestMessage(new HttpMethod(route.Method), path);
                (await user.Client.SendAsync(asUser, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{route.Method} {route.Pattern}");
            }
        }
    }

    [Fact]
    public async Task Every_api_operation_is_documented_with_a_summary()
    {
        using var client = host.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var paths = document.GetProperty("paths");
        var missing = new List<string>();
        foreach (var route in host.Routes().Where(r => r.Pattern.StartsWith("/api/", StringComparison.Ordinal) || r.Pattern is "/healthz" or "/readyz"))
        {
            var path = OpenApiBodies.OpenApiPath(route.Pattern);
            if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(route.Method.ToLowerInvariant(), out var op)
                || !op.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
            {
                missing.Add($"{route.Method} {route.Pattern}");
            }
        }
        missing.ShouldBeEmpty();
        (await client.GetAsync("/docs", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Missing_bodies_and_malformed_query_values_are_problems_naming_the_field()
    {
        var user = await host.RegisterAsync(ct: Ct);
        foreach (var (method, path) in new[] { ("POST", "/api/v1/channels"), ("POST", "/api/v1/subscriptions"), ("PATCH", "/api/v1/auth/me") })
        {
            foreach (var content in new HttpContent?[] { null, new StringContent("", Encoding.UTF8, "application/json"), new StringContent("null", Encoding.UTF8, "application/json") })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
                var response = await user.Client.SendAsync(request, Ct);
                var text = await response.Content.ReadAsStringAsync(Ct);
                response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{method} {path}: {text}");
                var problem = JsonDocument.Parse(text).RootElement;
                problem.GetProperty("errors").EnumerateObject().ShouldNotBeEmpty($"{method} {path}: {text}");
                text.ShouldNotContain("Implicit body", Case.Sensitive, $"{method} {path}");
            }
            // The wrong kind of body: 415, about the body.
            using var plain = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", Encoding.UTF8, "text/plain") };
            var refused = await user.Client.SendAsync(plain, Ct);
            var refusal = await refused.Content.ReadAsStringAsync(Ct);
            refused.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType, $"{method} {path}: {refusal}");
            (JsonDocument.Parse(refusal).RootElement.TryGetProperty("errors", out var refusalErrors) && refusalErrors.TryGetProperty("body", out _)).ShouldBeTrue($"{method} {path}: {refusal}");
            // JSON cut short is about the body, not about the field it broke off at.
            using var cut = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{\"name\":", Encoding.UTF8, "application/json") };
            var broken = await user.Client.SendAsync(cut, Ct);
            var brokenText = await broken.Content.ReadAsStringAsync(Ct);
            broken.StatusCode.ShouldBe(HttpStatusCode.BadRequest, brokenText);
            (JsonDocument.Parse(brokenText).RootElement.TryGetProperty("errors", out var brokenErrors) && brokenErrors.TryGetProperty("body", out _)).ShouldBeTrue($"{method} {path}: {brokenText}");
        }
        foreach (var (query, field) in new[] { ("/api/v1/notifications?limit=abc", "limit"), ("/api/v1/notifications?channel_id=notaguid", "channel_id"),
            ("/api/v1/notifications?since=garbage", "since"), ("/api/v1/channels?offset=abc", "offset"), ("/api/v1/channels?limit=99999999999", "limit") })
        {
            var response = await user.Client.GetAsync(query, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{query}: {text}");
            JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"{query}: {text}");
            text.ShouldNotContain("Nullable", Case.Sensitive, query);
        }
    }

    [Fact]
    public async Task A_key_given_twice_is_refused_and_nothing_is_stored()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var body = """{"name": "first", "url": "json://127.0.0.1:9/a", "name": "second"}""";
        var response = await user.Client.PostAsync("/api/v1/channels", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("name")[0].GetString().ShouldBe("name is given more than once.");
        var channels = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/channels", Ct);
        channels.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Every_query_parameter_is_named_in_snake_case()
    {
        using var client = host.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var named = new List<string>();
        var wrong = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("parameters", out _)))
            {
                foreach (var parameter in operation.Value.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query"))
                {
                    var name = parameter.GetProperty("name").GetString()!;
                    named.Add(name);
                    if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z0-9]*(_[a-z0-9]+)*$"))
                    {
                        wrong.Add($"{operation.Name.ToUpperInvariant()} {path.Name}: {name}");
                    }
                }
            }
        }
        wrong.ShouldBeEmpty();
        named.ShouldContain("channel_id");
        named.ShouldContain("low_stock");
    }

    [Fact]
    public async Task Health_readiness_and_metrics_answer()
    {
        using var client = host.CreateClient();
        (await client.GetFromJsonAsync<JsonElement>("/healthz", Ct)).GetProperty("status").GetString().ShouldBe("ok");
        using (var head = new HttpRequestMessage(HttpMethod.Head, "/healthz"))
        {
            (await client.SendAsync(head, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        (await client.GetFromJsonAsync<JsonElement>("/readyz", Ct)).GetProperty("status").GetString().ShouldBe("ok");
        await client.GetAsync("/api/v1/auth/me", Ct);
        var metrics = await client.GetStringAsync("/metrics", Ct);
        metrics.ShouldContain("http_server_request_duration");
    }

    [Fact]
    public async Task Secrets_are_encrypted_at_rest_masked_in_responses_and_absent_from_logs()
    {
        var admin = await host.AdminAsync(Ct);
        const string token = "S3cr3tT0k3nThatMustNeverLeak";
        var url = $"https://discord.com/api/webhooks/42/{token}";

        var put = await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { default_notification_channel = url }, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        var shown = await put.Content.ReadAsStringAsync(Ct);
        shown.ShouldNotContain(token);
        shown.ShouldContain("discord.com");

        (await admin.Client.GetStringAsync("/api/v1/admin/settings", Ct)).ShouldNotContain(token);
        (await admin.Client.GetStringAsync("/api/v1/admin/audit", Ct)).ShouldNotContain(token);
        (await admin.Client.GetStringAsync("/api/v1/admin/audit.csv", Ct)).ShouldNotContain(token);
        (await RawDatabase.DumpAsync(host, ["system_settings", "audit_log"], Ct)).ShouldNotContain(token);
        host.Logs.All.ShouldNotContain(token);

        var internalUrl = await admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { default_notification_channel = "http://169.254.169.254/latest" }, Ct);
        internalUrl.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Passwords_and_tokens_never_appear_in_the_log()
    {
        var user = await host.RegisterAsync(ct: Ct);
        await user.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = user.RefreshToken }, Ct);
        var logs = host.Logs.All;
        logs.ShouldNotContain(user.Password);
        logs.ShouldNotContain(user.RefreshToken);
        logs.ShouldNotContain(user.AccessToken);
    }

    [Fact]
    public async Task The_database_itself_refuses_to_change_or_delete_audit_entries()
    {
        var user = await host.RegisterAsync(ct: Ct);
        await user.Client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Audited" }, Ct);

        await Should.ThrowAsync<System.Data.Common.DbException>(() => RawDatabase.ExecuteAsync(host, "UPDATE audit_log SET action = 'forged'", Ct));
        await Should.ThrowAsync<System.Data.Common.DbException>(() => RawDatabase.ExecuteAsync(host, "DELETE FROM audit_log", Ct));
        (await RawDatabase.DumpAsync(host, ["audit_log"], Ct)).ShouldNotContain("forged");
    }

    [Fact]
    public async Task Admins_manage_users_but_never_lose_the_last_admin()
    {
        var admin = await host.AdminAsync(Ct);
        var user = await host.RegisterAsync(ct: Ct);

        var list = await admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/admin/users?search={user.Username}", Ct);
        list.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("id").GetGuid().ShouldBe(user.Id);

        (await admin.Client.PostAsync($"/api/v1/admin/users/{admin.Id}/demote", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.Client.PostAsync($"/api/v1/admin/users/{user.Id}/promote", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await user.Client.GetAsync("/api/v1/admin/users", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.Client.PostAsync($"/api/v1/admin/users/{user.Id}/demote", null, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await user.Client.GetAsync("/api/v1/admin/users", Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.Id}", new { is_active = false }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/admin/users/{user.Id}", Ct)).GetProperty("is_disabled").GetBoolean().ShouldBeTrue();
        (await admin.Client.GetAsync("/api/v1/admin/audit?format=csv", Ct)).Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");

        (await admin.Client.DeleteAsync($"/api/v1/admin/users/{user.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await admin.Client.GetAsync($"/api/v1/admin/users/{user.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await user.Client.GetAsync("/api/v1/auth/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await admin.Client.DeleteAsync($"/api/v1/admin/users/{admin.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}

[Trait("Database", "Sqlite")]
public sealed class ConventionTestsOnSqlite(SqliteHost host) : ConventionTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class ConventionTestsOnPostgres(PostgresHost host) : ConventionTests(host), IClassFixture<PostgresHost>;
