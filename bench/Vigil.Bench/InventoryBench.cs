using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vigil.Bench;

public sealed record InventorySettings(int Seconds, int Clients, int Items, int Repeat, int ExportRows);

/// <summary>One line of the inventory bench's summary.</summary>
public sealed record InventoryResult(string Database, string Workload, double PerSecond, double CeilingPerSecond, double Ratio, long Errors, string Unit)
{
    public string Line() =>
        $"{Workload} db={Database} {Unit}_per_s={PerSecond:F0} ceiling_per_s={CeilingPerSecond:F0} ratio={Ratio:F3} errors={Errors}";
}

/// <summary>
/// Stock moves through the API (<c>POST …/items/{id}/issue</c>, 16 clients, one hot item or 1,000 items) against a
/// raw conditional <c>UPDATE … WHERE quantity &gt;= 1</c> loop on the same database with as many connections, in the same
/// run; and, on PostgreSQL, a movements CSV export through the API against <c>COPY … TO STDOUT</c> of the same rows.
/// </summary>
public static class InventoryBench
{
    public static async Task<IReadOnlyList<InventoryResult>> RunAsync(
        string database, string databaseUrl, string dataDir, string serverDll, InventorySettings settings, TextWriter progress, CancellationToken ct)
    {
        await using var server = await ServerUnderTest.StartAsync(serverDll, databaseUrl, dataDir, ct);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Clients, UseProxy = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", await PlatformBench.LogInAsync(client, server.AdminUsername, server.AdminPassword, ct));

        var hot = await AddItemAsync(client, "hot", ct);
        var many = new List<Guid>(settings.Items);
        for (var i = 0; i < settings.Items; i++)
        {
            many.Add(await AddItemAsync(client, $"item {i:D4}", ct));
        }
        var raw = await AddItemAsync(client, "raw", ct);
        var rawMany = new List<Guid>(settings.Items);
        for (var i = 0; i < settings.Items; i++)
        {
            rawMany.Add(await AddItemAsync(client, $"raw {i:D4}", ct));
        }
        progress.WriteLine($"[{database}] {2 * (settings.Items + 1)} items created");

        var provider = databaseUrl.StartsWith("sqlite:", StringComparison.Ordinal) ? "sqlite" : "postgres";
        var connectionString = provider == "sqlite" ? "Data Source=" + databaseUrl["sqlite:///".Length..] + ";Pooling=True" : databaseUrl;
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        var results = new List<InventoryResult>();
        foreach (var (name, targets, rawTargets) in new[] { ("inventory.issue_hot", (IReadOnlyList<Guid>)[hot], (IReadOnlyList<Guid>)[raw]), ("inventory.issue_1000", many, rawMany) })
        {
            await IssueLoopAsync(client, targets, settings.Clients, TimeSpan.FromSeconds(2), ct); // warm-up
            var ours = new List<double>();
            var ceiling = new List<double>();
            long errors = 0;
            for (var rep = 1; rep <= settings.Repeat; rep++)
            {
                var (perSecond, failed) = await IssueLoopAsync(client, targets, settings.Clients, duration, ct);
                var bare = await RawUpdateLoopAsync(provider, connectionString, rawTargets, settings.Clients, duration, ct);
                ours.Add(perSecond);
                ceiling.Add(bare);
                errors += failed;
                progress.WriteLine($"[{database}] run {rep}/{settings.Repeat} {name}: {perSecond:F0} issues/s through the API, raw UPDATE {bare:F0}/s, ratio {perSecond / bare:F3}, {failed} errors");
            }
            results.Add(new InventoryResult(database, name, PlatformBench.Median(ours), PlatformBench.Median(ceiling),
                PlatformBench.Median(ours.Select((o, i) => o / ceiling[i])), errors, "issues"));
        }

        if (provider == "postgres")
        {
            results.Add(await ExportAsync(database, client, connectionString, hot, settings, progress, ct));
        }
        return results;
    }

    static async Task<Guid> AddItemAsync(HttpClient client, string name, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync("api/v1/inventory/items", new { name, quantity = 1_000_000_000, threshold = 0 }, ct);
        await PlatformBench.EnsureAsync(response, HttpStatusCode.Created, "add an item", ct);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }

    /// <summary>Closed loop: each client issues one unit of a (random) target item, waits for the answer, repeats.</summary>
    static async Task<(double PerSecond, long Errors)> IssueLoopAsync(HttpClient client, IReadOnlyList<Guid> targets, int clients, TimeSpan duration, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long done = 0, errors = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
        {
            var random = new Random(worker);
            var body = JsonContent.Create(new { quantity = 1 });
            await body.LoadIntoBufferAsync(ct);
            var bytes = await body.ReadAsByteArrayAsync(ct);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var id = targets[random.Next(targets.Count)];
                using var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync($"api/v1/inventory/items/{id}/issue", content, ct);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref done);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }));
        return (done / Stopwatch.GetElapsedTime(started).TotalSeconds, errors);
    }

    /// <summary>The floor of any correct issue: the same conditional UPDATE, on as many connections, nothing else.</summary>
    static async Task<double> RawUpdateLoopAsync(string provider, string connectionString, IReadOnlyList<Guid> targets, int clients, TimeSpan duration, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long done = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
        {
            await using DbConnection connection = provider == "sqlite" ? new SqliteConnection(connectionString) : new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            if (provider == "sqlite")
            {
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA busy_timeout = 30000;";
                await pragma.ExecuteNonQueryAsync(ct);
            }
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE inventory_items SET \"Quantity\" = \"Quantity\" - 1, \"Version\" = \"Version\" + 1 WHERE \"Id\" = @id AND \"Quantity\" >= 1";
            var id = command.CreateParameter();
            id.ParameterName = "@id";
            command.Parameters.Add(id);
            var random = new Random(worker);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var target = targets[random.Next(targets.Count)];
                // SQLite keeps GUIDs as upper-case text (the EF Core convention).
                id.Value = provider == "sqlite" ? target.ToString().ToUpperInvariant() : target;
                await command.ExecuteNonQueryAsync(ct);
                Interlocked.Increment(ref done);
            }
        }));
        return done / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    static async Task<InventoryResult> ExportAsync(string database, HttpClient client, string connectionString, Guid item, InventorySettings settings, TextWriter progress, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        Guid workspace;
        await using (var find = new NpgsqlCommand("SELECT \"WorkspaceId\" FROM inventory_items WHERE \"Id\" = @id", connection))
        {
            find.Parameters.AddWithValue("id", item);
            workspace = (Guid)(await find.ExecuteScalarAsync(ct))!;
        }
        await using (var seed = new NpgsqlCommand(
            "INSERT INTO inventory_movements (\"WorkspaceId\", \"ItemId\", \"Kind\", \"Delta\", \"QuantityAfter\", \"Person\", \"Note\", \"ActorName\", \"At\") " +
            "SELECT @ws, @item, 'Restock', 1, i, 'someone', 'bulk restock ' || i, 'bench', now() FROM generate_series(1, @n) AS i", connection))
        {
            seed.Parameters.AddWithValue("ws", workspace);
            seed.Parameters.AddWithValue("item", item);
            seed.Parameters.AddWithValue("n", settings.ExportRows);
            await seed.ExecuteNonQueryAsync(ct);
        }
        long rows;
        await using (var count = new NpgsqlCommand("SELECT COUNT(*) FROM inventory_movements WHERE \"WorkspaceId\" = @ws", connection))
        {
            count.Parameters.AddWithValue("ws", workspace);
            rows = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        var ours = new List<double>();
        var ceiling = new List<double>();
        for (var rep = 1; rep <= settings.Repeat; rep++)
        {
            var started = Stopwatch.GetTimestamp();
            using var created = await client.PostAsJsonAsync("api/v1/inventory/exports", new { kind = "movements" }, ct);
            await PlatformBench.EnsureAsync(created, HttpStatusCode.Accepted, "start an export", ct);
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
            string? url = null;
            while (url is null)
            {
                await Task.Delay(20, ct);
                var state = await client.GetFromJsonAsync<JsonElement>($"api/v1/inventory/exports/{id}", ct);
                if (state.GetProperty("status").GetString() == "failed")
                {
                    throw new InvalidOperationException("The export failed: " + state.GetProperty("error").GetString());
                }
                url = state.GetProperty("download_url").GetString();
            }
            using (var file = await client.GetAsync(url.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, ct))
            {
                await file.Content.CopyToAsync(Stream.Null, ct);
            }
            ours.Add(rows / Stopwatch.GetElapsedTime(started).TotalSeconds);

            started = Stopwatch.GetTimestamp();
            using (var reader = await connection.BeginTextExportAsync(
                $"COPY (SELECT m.*, i.\"Name\" FROM inventory_movements m JOIN inventory_items i ON i.\"Id\" = m.\"ItemId\" WHERE m.\"WorkspaceId\" = '{workspace}' ORDER BY m.\"Id\") TO STDOUT (FORMAT csv, HEADER)", ct))
            {
                var buffer = new char[64 * 1024];
                while (await reader.ReadAsync(buffer, ct) > 0)
                {
                }
            }
            ceiling.Add(rows / Stopwatch.GetElapsedTime(started).TotalSeconds);
            progress.WriteLine($"[{database}] run {rep}/{settings.Repeat} inventory.export: {ours[^1]:F0} rows/s through the API (request to downloaded file), COPY {ceiling[^1]:F0} rows/s");
        }
        return new InventoryResult(database, "inventory.export_movements", PlatformBench.Median(ours), PlatformBench.Median(ceiling),
            PlatformBench.Median(ours.Select((o, i) => o / ceiling[i])), 0, "rows");
    }
}
