using System.Net.Http.Json;
using System.Text.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Inventory;

/// <summary>The original CLI's verbs on our binary: against a running server with an API key, or straight to the database.</summary>
public sealed class CliTests(SqliteHost host) : IClassFixture<SqliteHost>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Add_issue_return_and_status_against_a_running_server_with_an_api_key()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var created = await user.Client.PostAsJsonAsync("/api/v1/auth/api-keys", new { name = "cli" }, Ct);
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        var env = new Dictionary<string, string> { ["VIGIL_URL"] = host.BaseAddress.ToString(), ["VIGIL_API_KEY"] = key };

        var add = await ServerProcess.RunAsync(["inventory", "add", "headphones", "10", "--threshold", "5"], env, Timeout);
        add.ExitCode.ShouldBe(0, add.StdErr);
        add.StdOut.ShouldContain("Added headphones: 10");
        var issue = await ServerProcess.RunAsync(["inventory", "issue", "headphones", "7", "--to", "ann"], env, Timeout);
        issue.ExitCode.ShouldBe(0, issue.StdErr);
        issue.StdOut.ShouldContain("3 pcs available (LOW STOCK)");
        var tooMany = await ServerProcess.RunAsync(["inventory", "issue", "headphones", "9"], env, Timeout);
        tooMany.ExitCode.ShouldBe(1);
        tooMany.StdErr.ShouldContain("available: 3");
        (await ServerProcess.RunAsync(["inventory", "return", "headphones", "1"], env, Timeout)).ExitCode.ShouldBe(0);
        var unknown = await ServerProcess.RunAsync(["inventory", "issue", "unicorns", "1"], env, Timeout);
        unknown.ExitCode.ShouldBe(1);
        unknown.StdErr.ShouldContain("No item named 'unicorns'");

        var table = await ServerProcess.RunAsync(["inventory", "status"], env, Timeout);
        table.ExitCode.ShouldBe(0, table.StdErr);
        table.StdOut.ShouldContain("ITEM");
        table.StdOut.ShouldContain("LOW");
        var json = await ServerProcess.RunAsync(["inventory", "status", "--json"], env, Timeout);
        var status = JsonDocument.Parse(json.StdOut).RootElement;
        var line = status.GetProperty("items").EnumerateArray().Single();
        line.GetProperty("name").GetString().ShouldBe("headphones");
        line.GetProperty("quantity").GetInt32().ShouldBe(4);
        line.GetProperty("low_stock").GetBoolean().ShouldBeTrue();

        // Each invocation moved stock once: the add, the issue and the return (the refused issue moved nothing).
        var movements = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/movements", Ct);
        movements.GetProperty("items").GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task Without_a_server_address_the_cli_says_what_to_set()
    {
        var result = await ServerProcess.RunAsync(["inventory", "status"], new Dictionary<string, string>(), Timeout);
        result.ExitCode.ShouldBe(2);
        result.StdErr.ShouldContain("VIGIL_URL");
        // Bad usage is 2 as well: a value that does not parse, a missing argument.
        (await ServerProcess.RunAsync(["inventory", "issue", "mice", "abc"], new Dictionary<string, string>(), Timeout)).ExitCode.ShouldBe(2);
        (await ServerProcess.RunAsync(["inventory", "issue"], new Dictionary<string, string>(), Timeout)).ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task Local_mode_works_on_the_database_directly()
    {
        var dir = Directory.CreateTempSubdirectory("vigil-cli-").FullName;
        var env = new Dictionary<string, string> { ["DATABASE_URL"] = "sqlite:///" + Path.Combine(dir, "vigil.db"), ["DATA_DIR"] = dir };
        (await ServerProcess.RunAsync(["user", "create", "--username", "boss", "--email", "boss@example.com", "--password", "correct horse battery", "--admin"], env, Timeout))
            .ExitCode.ShouldBe(0);

        (await ServerProcess.RunAsync(["inventory", "add", "mice", "4", "--threshold", "2", "--local"], env, Timeout)).ExitCode.ShouldBe(0);
        var issue = await ServerProcess.RunAsync(["inventory", "issue", "mice", "3", "--local"], env, Timeout);
        issue.ExitCode.ShouldBe(0, issue.StdErr);
        var json = await ServerProcess.RunAsync(["inventory", "status", "--local", "--json"], env, Timeout);
        json.ExitCode.ShouldBe(0, json.StdErr);
        var line = JsonDocument.Parse(json.StdOut).RootElement.GetProperty("items").EnumerateArray().Single();
        line.GetProperty("quantity").GetInt32().ShouldBe(1);
        line.GetProperty("low_stock").GetBoolean().ShouldBeTrue();

        // The moves are the workspace owner's, as through the API.
        await using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dir, "vigil.db")}");
        await db.OpenAsync(Ct);
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT DISTINCT \"ActorName\" FROM inventory_movements";
        await using var reader = await query.ExecuteReaderAsync(Ct);
        var actors = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            actors.Add(reader.GetString(0));
        }
        actors.ShouldBe(["boss"]);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
