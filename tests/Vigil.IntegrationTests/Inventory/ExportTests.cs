using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Modules.Inventory;
using Vigil.Server.Platform.Data;

namespace Vigil.IntegrationTests.Inventory;

/// <summary>CSV exports run in the background, are RFC 4180 with a BOM and escaped formulas, belong to one workspace and expire.</summary>
public abstract class ExportTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<Guid> AddItemAsync(TestUser user, string name, int quantity, int threshold = 0)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name, quantity, threshold }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    static async Task<JsonElement> ExportAsync(TestUser user, object request)
    {
        var started = await user.Client.PostAsJsonAsync("/api/v1/inventory/exports", request, Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync(Ct));
        var body = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        body.GetProperty("status").GetString().ShouldBeOneOf("queued", "running", "succeeded");
        var id = body.GetProperty("id").GetGuid();
        started.Headers.Location!.ToString().ShouldBe($"/api/v1/inventory/exports/{id}");
        for (var i = 0; i < 600; i++)
        {
            var state = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/exports/{id}", Ct);
            if (state.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return state;
            }
            await Task.Delay(50, Ct);
        }
        throw new TimeoutException("The export did not finish.");
    }

    static async Task<byte[]> DownloadAsync(TestUser user, JsonElement export)
    {
        export.GetProperty("status").GetString().ShouldBe("succeeded", export.ToString());
        export.GetProperty("progress").GetInt32().ShouldBe(100);
        var response = await user.Client.GetAsync(export.GetProperty("download_url").GetString(), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    static List<string[]> Parse(byte[] csv)
    {
        using var reader = CsvReader.Create(new StreamReader(new MemoryStream(csv), Encoding.UTF8), new CsvReaderOptions { HasHeader = false });
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add([.. Enumerable.Range(0, reader.Current.FieldCount).Select(i => reader.Current.GetString(i))]);
        }
        return rows;
    }

    [Fact]
    public async Task A_movements_export_is_quoted_with_a_bom_iso_instants_and_neutralised_formulas()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var item = await AddItemAsync(user, "Cable, \"USB-C\"\n2 m", 100);
        string[] nasty = ["=HYPERLINK(\"http://evil\")", "+1+2", "-3", "@SUM(A1)"];
        foreach (var note in nasty)
        {
            (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{item}/issue", new { quantity = 1, to = note, note }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var bytes = await DownloadAsync(user, await ExportAsync(user, new { kind = "movements" }));

        bytes.Take(3).ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF });
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        text.ShouldContain("\"Cable, \"\"USB-C\"\"\n2 m\"");
        var rows = Parse(bytes);
        rows[0].ShouldBe(["id", "at", "item_id", "item", "kind", "delta", "quantity_after", "department", "to", "note", "reason", "correlation_id", "reverses_movement_id", "actor"]);
        rows.Count.ShouldBe(1 + 1 + nasty.Length); // header, the add, the issues
        var issues = rows.Skip(2).ToList();
        foreach (var (row, note) in issues.Zip(nasty))
        {
            row[3].ShouldBe("Cable, \"USB-C\"\n2 m");
            row[4].ShouldBe("issue");
            row[5].ShouldBe("-1", "numbers are numbers: a negative delta is not escaped into text");
            row[9].ShouldNotStartWith(note[..1], customMessage: "a formula-looking cell must not start with its trigger character");
            row[9].ShouldEndWith(note);
            DateTime.TryParseExact(row[1], "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _).ShouldBeTrue(row[1]);
        }
    }

    [Fact]
    public async Task Items_and_audit_exports_follow_their_filters()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var low = await AddItemAsync(user, "toner", 1, threshold: 3);
        await AddItemAsync(user, "paper", 50, threshold: 3);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{low}/issue", new { quantity = 1, to = "Ann" }, Ct)).EnsureSuccessStatusCode();
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{low}/return", new { quantity = 1 }, Ct)).EnsureSuccessStatusCode();

        var lowOnly = Parse(await DownloadAsync(user, await ExportAsync(user, new { kind = "items", filters = new { low_stock = true } })));
        lowOnly.Count.ShouldBe(2);
        lowOnly[1][0].ShouldBe(low.ToString());
        lowOnly[1][8].ShouldBe("true");

        var audit = Parse(await DownloadAsync(user, await ExportAsync(user, new { kind = "audit" })));
        audit[0][4].ShouldBe("action");
        audit.Skip(1).Select(r => r[4]).ShouldContain("inventory.item.created");
        // Only what concerns one item.
        var aboutToner = Parse(await DownloadAsync(user, await ExportAsync(user, new { kind = "audit", filters = new { item_id = low } })));
        aboutToner.Skip(1).ShouldNotBeEmpty();
        aboutToner.Skip(1).ShouldAllBe(r => r[6] == low.ToString());
        // Moves are changes to the item too: in the audit log with the actor, beside the movements ledger.
        aboutToner.Skip(1).Select(r => r[4]).ShouldBe(["inventory.item.created", "inventory.item.issued", "inventory.item.returned"], ignoreOrder: true);
        audit.Count.ShouldBeGreaterThan(aboutToner.Count);
    }

    [Fact]
    public async Task Another_workspace_cannot_see_or_download_an_export()
    {
        var alice = await host.RegisterAsync(ct: Ct);
        var bob = await host.RegisterAsync(ct: Ct);
        await AddItemAsync(alice, "secret stuff", 3);
        var export = await ExportAsync(alice, new { kind = "items" });
        var id = export.GetProperty("id").GetGuid();

        (await bob.Client.GetAsync($"/api/v1/inventory/exports/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.Client.GetAsync($"/api/v1/inventory/exports/{id}/download", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.Client.GetAsync($"/api/v1/inventory/exports/{id}/download?workspace_id={alice.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var list = await bob.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/exports", Ct);
        list.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Exports_expire_and_their_file_is_gone()
    {
        var user = await host.RegisterAsync(ct: Ct);
        await AddItemAsync(user, "soon gone", 3);
        var export = await ExportAsync(user, new { kind = "items" });
        var url = export.GetProperty("download_url").GetString()!;
        (await user.Client.GetAsync(url, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        host.Clock.Advance(TimeSpan.FromHours(25));
        await host.Service<ExportWorker>()!.ExpireAsync(Ct);
        user = await host.SignInAsync(user.Username, user.Password, user.Id, user.PersonalWorkspaceId, Ct); // the old token expired meanwhile

        var gone = await user.Client.GetAsync(url, Ct);
        gone.StatusCode.ShouldBe(HttpStatusCode.Gone);
        gone.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var state = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/exports/{export.GetProperty("id").GetGuid()}", Ct);
        state.GetProperty("download_url").ValueKind.ShouldBe(JsonValueKind.Null);
        state.GetProperty("expired").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Bad_export_requests_are_problems_naming_the_field_and_store_nothing()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var before = await RawDatabase.CountsAsync(host, Ct);
        var bogus = await user.Client.PostAsJsonAsync("/api/v1/inventory/exports", new { kind = "everything" }, Ct);
        bogus.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bogus.Content.ReadAsStringAsync(Ct)).ShouldContain("kind");
        var missing = await user.Client.PostAsJsonAsync("/api/v1/inventory/exports", new { filters = new { low_stock = true } }, Ct);
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var unknownItem = await user.Client.PostAsJsonAsync("/api/v1/inventory/exports", new { kind = "movements", filters = new { item_id = Guid.NewGuid() } }, Ct);
        unknownItem.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknownItem.Content.ReadAsStringAsync(Ct)).ShouldContain("filters.item_id");
        (await RawDatabase.CountsAsync(host, Ct))["inventory_exports"].ShouldBe(before["inventory_exports"]);
    }

    [Fact]
    public async Task A_hundred_thousand_movements_stream_to_the_file_with_flat_memory()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var item = await AddItemAsync(user, "bulk", 1);
        const int count = 100_000;
        await SeedMovementsAsync(user.PersonalWorkspaceId, item, count);

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(100, CancellationToken.None);
            }
        }, Ct);
        var export = await ExportAsync(user, new { kind = "movements" });
        await sampling.CancelAsync();
        await sampler;

        export.GetProperty("rows").GetInt64().ShouldBe(count + 1);
        var size = export.GetProperty("size_bytes").GetInt64();
        size.ShouldBeGreaterThan(10_000_000);
        // Live memory while writing ~10+ MB of CSV stays far below what holding the rows would take.
        (peak - baseline).ShouldBeLessThan(size / 2, $"baseline {baseline}, peak {peak}, file {size}");
    }

    async Task SeedMovementsAsync(Guid workspace, Guid item, int count)
    {
        using var scope = host.Service<IServiceScopeFactory>()!.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var provider = scope.ServiceProvider.GetRequiredService<DatabaseUrl>().Provider;
        var ws = provider == DatabaseProvider.Sqlite ? workspace.ToString().ToUpperInvariant() : workspace.ToString();
        var it = provider == DatabaseProvider.Sqlite ? item.ToString().ToUpperInvariant() : item.ToString();
        var sql = provider == DatabaseProvider.Sqlite
            ? $"""
              WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
              INSERT INTO inventory_movements ("WorkspaceId", "ItemId", "Kind", "Delta", "QuantityAfter", "Person", "Note", "ActorName", "At")
              SELECT '{ws}', '{it}', 'Restock', 1, i, 'someone with a longer name', 'bulk restock number ' || i, 'seed', '2026-01-01 00:00:00' FROM n
              """
            : $"""
              INSERT INTO inventory_movements ("WorkspaceId", "ItemId", "Kind", "Delta", "QuantityAfter", "Person", "Note", "ActorName", "At")
              SELECT '{ws}', '{it}', 'Restock', 1, i, 'someone with a longer name', 'bulk restock number ' || i, 'seed', TIMESTAMP '2026-01-01 00:00:00' FROM generate_series(1, {count}) AS i
              """;
        await db.Database.ExecuteSqlRawAsync(sql, Ct);
    }
}

[Trait("Database", "Sqlite")]
[Collection(MeasuredAlone.Name)]
public sealed class ExportTestsOnSqlite(SqliteHost host) : ExportTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
[Collection(MeasuredAlone.Name)]
public sealed class ExportTestsOnPostgres(PostgresHost host) : ExportTests(host), IClassFixture<PostgresHost>;
