using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Inventory;

/// <summary>Items from CSV: a dry run reports every row's problems; a real run stores all rows or none.</summary>
public abstract class ImportTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static Task<HttpResponseMessage> ImportAsync(TestUser user, string csv, bool dryRun) =>
        user.Client.PostAsync($"/api/v1/inventory/items/import?dry_run={(dryRun ? "true" : "false")}", new StringContent(csv, Encoding.UTF8, "text/csv"), Ct);

    [Fact]
    public async Task A_dry_run_reports_per_row_errors_and_stores_nothing_and_a_bad_file_imports_nothing()
    {
        var user = await host.RegisterAsync(ct: Ct);
        (await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name = "stapler", quantity = 1, threshold = 0, barcode = "111" }, Ct)).EnsureSuccessStatusCode();
        const string csv = "name,quantity,threshold,department,barcode\n" +
                           "toner,5,2,,222\n" +
                           ",3,1,,\n" +
                           "paper,lots,1,,\n" +
                           "Stapler,1,0,,\n" +
                           "toner,2,1,,\n" +
                           "pens,10,-1,,\n" +
                           "mugs,4,1,Kitchen,\n" +
                           "clips,4,1,,111\n" +
                           "pins,4,1,,222\n";
        var before = await RawDatabase.CountsAsync(host, Ct);

        var dry = await ImportAsync(user, csv, dryRun: true);
        dry.StatusCode.ShouldBe(HttpStatusCode.OK, await dry.Content.ReadAsStringAsync(Ct));
        var report = await dry.Content.ReadFromJsonAsync<JsonElement>(Ct);
        report.GetProperty("dry_run").GetBoolean().ShouldBeTrue();
        report.GetProperty("rows").GetInt32().ShouldBe(9);
        var errors = report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("field").GetString())).ToList();
        // Barcodes are unique: one already in the workspace, and one earlier in the file.
        errors.ShouldBe([(3, "name"), (4, "quantity"), (5, "name"), (6, "name"), (7, "threshold"), (8, "department"), (9, "barcode"), (10, "barcode")], ignoreOrder: true);

        var real = await ImportAsync(user, csv, dryRun: false);
        real.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        real.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await real.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("import_errors").GetArrayLength().ShouldBe(8);
        (await RawDatabase.CountsAsync(host, Ct)).ShouldBe(before);
    }

    [Fact]
    public async Task A_clean_file_creates_every_item_with_its_first_movement()
    {
        var user = await host.RegisterAsync(ct: Ct);
        (await user.Client.PostAsJsonAsync("/api/v1/inventory/departments", new { name = "IT" }, Ct)).EnsureSuccessStatusCode();
        const string csv = "\uFEFFName,Quantity,Threshold,SKU,Department,Notes\r\n" +
                           "Keyboard,12,3,KB-1,it,\"wired, US layout\"\r\n" +
                           "Mouse,2,5,,,\r\n";

        var response = await ImportAsync(user, csv, dryRun: false);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("created").GetInt32().ShouldBe(2);

        var status = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/status", Ct);
        var items = status.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        items["Keyboard"].GetProperty("quantity").GetInt32().ShouldBe(12);
        items["Keyboard"].GetProperty("department").GetString().ShouldBe("IT");
        items["Mouse"].GetProperty("low_stock").GetBoolean().ShouldBeTrue();
        var movements = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/movements", Ct);
        movements.GetProperty("items").EnumerateArray().Count(m => m.GetProperty("kind").GetString() == "add").ShouldBe(2);
    }

    [Fact]
    public async Task Files_that_are_not_item_csv_are_refused_with_a_problem()
    {
        var user = await host.RegisterAsync(ct: Ct);
        (await ImportAsync(user, "", dryRun: true)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ImportAsync(user, "name,colour\nx,red\n", dryRun: true)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ImportAsync(user, "sku\nA1\n", dryRun: true)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var json = await user.Client.PostAsJsonAsync("/api/v1/inventory/items/import", new { name = "x" }, Ct);
        json.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
    }
}

[Trait("Database", "Sqlite")]
public sealed class ImportTestsOnSqlite(SqliteHost host) : ImportTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class ImportTestsOnPostgres(PostgresHost host) : ImportTests(host), IClassFixture<PostgresHost>;
