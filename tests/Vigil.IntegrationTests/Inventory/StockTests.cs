using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.IntegrationTests.Infrastructure;

namespace Vigil.IntegrationTests.Inventory;

public abstract class StockTests(VigilHost host)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static async Task<Guid> AddItemAsync(TestUser user, string name, int quantity, int threshold = 0)
    {
        var response = await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name, quantity, threshold }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        var item = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        item.GetProperty("quantity").GetInt32().ShouldBe(quantity);
        return item.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Fifty_parallel_issues_of_one_against_twenty_give_exactly_twenty()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var id = await AddItemAsync(user, "headphones", 20);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var client = host.CreateClient(user.AccessToken);
            return await client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/issue", new { quantity = 1, to = "someone" }, Ct);
        }));

        answers.Count(a => a.StatusCode == HttpStatusCode.OK).ShouldBe(20);
        answers.Count(a => a.StatusCode == HttpStatusCode.Conflict).ShouldBe(30);
        foreach (var conflict in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
        {
            (await conflict.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("available").GetInt32().ShouldBe(0);
        }
        var item = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}", Ct);
        item.GetProperty("quantity").GetInt32().ShouldBe(0);
        var movements = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}/movements?limit=100", Ct);
        movements.GetProperty("items").EnumerateArray().Count(m => m.GetProperty("kind").GetString() == "issue").ShouldBe(20);
    }

    [Fact]
    public async Task An_issue_larger_than_the_stock_is_a_409_with_the_available_amount_and_never_clamps()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var id = await AddItemAsync(user, "cables", 3, threshold: 2);

        var issue = await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/issue", new { quantity = 5 }, Ct);
        issue.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await issue.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("available").GetInt32().ShouldBe(3);

        var ok = await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/issue", new { quantity = 2, to = "ann", note = "desk 4" }, Ct);
        var result = await ok.Content.ReadFromJsonAsync<JsonElement>(Ct);
        result.GetProperty("quantity").GetInt32().ShouldBe(1);
        result.GetProperty("item").GetProperty("low_stock").GetBoolean().ShouldBeTrue();
        result.GetProperty("movement").GetProperty("delta").GetInt32().ShouldBe(-2);
        result.GetProperty("movement").GetProperty("to").GetString().ShouldBe("ann");

        var back = await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/return", new { quantity = 1 }, Ct);
        (await back.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("quantity").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task A_repeated_idempotency_key_replays_and_a_changed_body_is_refused()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var id = await AddItemAsync(user, "mice", 10);
        var key = Guid.NewGuid().ToString();

        async Task<HttpResponseMessage> IssueAsync(int quantity)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/inventory/items/{id}/issue") { Content = JsonContent.Create(new { quantity }) };
            request.Headers.Add("Idempotency-Key", key);
            return await user.Client.SendAsync(request, Ct);
        }

        var first = await IssueAsync(3);
        var again = await IssueAsync(3);
        var changed = await IssueAsync(4);

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("quantity").GetInt32().ShouldBe(7);
        changed.StatusCode.ShouldBe((HttpStatusCode)422);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}", Ct)).GetProperty("quantity").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task Duplicate_names_conflict_and_viewers_cannot_move_stock()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var viewer = await host.RegisterAsync(ct: Ct);
        var id = await AddItemAsync(owner, "chairs", 4);
        var duplicate = await owner.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name = "CHAIRS", quantity = 1, threshold = 0 }, Ct);
        duplicate.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await duplicate.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").GetProperty("name")[0].GetString()!.ShouldContain("already exists");
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}/members", new { user_id = viewer.Id, role = "viewer" }, Ct);

        using var issue = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/inventory/items/{id}/issue") { Content = JsonContent.Create(new { quantity = 1 }) };
        issue.Headers.Add("X-Workspace-Id", owner.PersonalWorkspaceId.ToString());
        (await viewer.Client.SendAsync(issue, Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.Client.GetAsync($"/api/v1/inventory/items/{id}?workspace_id={owner.PersonalWorkspaceId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.Client.GetAsync($"/api/v1/inventory/items/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "in the viewer's own workspace the item does not exist");
    }

    [Fact]
    public async Task Departments_categories_transfers_lists_lookup_status_and_archive_work_together()
    {
        var user = await host.RegisterAsync(ct: Ct);
        async Task<Guid> CreateAsync(string path, object body)
        {
            var r = await user.Client.PostAsJsonAsync(path, body, Ct);
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync(Ct));
            return (await r.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        }
        var it = await CreateAsync("/api/v1/inventory/departments", new { name = "IT" });
        var facilities = await CreateAsync("/api/v1/inventory/departments", new { name = "Facilities", minimum_override = 50 });
        var hardware = await CreateAsync("/api/v1/inventory/categories", new { name = "Hardware" });
        var cables = await CreateAsync("/api/v1/inventory/categories", new { name = "Cables", parent_id = hardware });
        (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/categories/{hardware}", new { name = "Hardware", parent_id = cables }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var id = await CreateAsync("/api/v1/inventory/items", new { name = "HDMI cable", quantity = 12, threshold = 5, barcode = "4006381333931", department_id = it, category_id = cables });

        var transfer = await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/transfer", new { quantity = 12, department_id = facilities }, Ct);
        var moved = await transfer.Content.ReadFromJsonAsync<JsonElement>(Ct);
        moved.GetProperty("movement").GetProperty("correlation_id").GetGuid().ShouldBe(moved.GetProperty("counterpart").GetProperty("correlation_id").GetGuid());
        moved.GetProperty("item").GetProperty("effective_threshold").GetInt32().ShouldBe(50);
        moved.GetProperty("item").GetProperty("low_stock").GetBoolean().ShouldBeTrue();

        // Each filter counts: low but elsewhere, and here but not low, are left out.
        var lowElsewhere = await CreateAsync("/api/v1/inventory/items", new { name = "Toner", quantity = 1, threshold = 5, department_id = it });
        var plentyHere = await CreateAsync("/api/v1/inventory/items", new { name = "Chairs", quantity = 500, threshold = 5, department_id = facilities, category_id = hardware });
        var low = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items?low_stock=true&department_id={facilities}", Ct);
        low.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("id").GetGuid().ShouldBe(id);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items?department_id={facilities}", Ct)).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("id").GetGuid()).Order().ShouldBe(new[] { id, plentyHere }.Order());
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/items?low_stock=true", Ct)).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("id").GetGuid()).Order().ShouldBe(new[] { id, lowElsewhere }.Order());
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items?category_id={cables}", Ct)).GetProperty("items").EnumerateArray()
            .ShouldHaveSingleItem().GetProperty("id").GetGuid().ShouldBe(id);
        foreach (var extra in (Guid[])[lowElsewhere, plentyHere])
        {
            (await user.Client.DeleteAsync($"/api/v1/inventory/items/{extra}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/items?archived=true&name=toner", Ct)).GetProperty("items").EnumerateArray()
            .ShouldHaveSingleItem().GetProperty("id").GetGuid().ShouldBe(lowElsewhere);
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/items?search=hdmi", Ct)).GetProperty("items").GetArrayLength().ShouldBe(1);
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/lookup?barcode=4006381333931", Ct)).GetProperty("id").GetGuid().ShouldBe(id);
        (await user.Client.GetAsync("/api/v1/inventory/lookup?barcode=000", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // A scan finds one item: a barcode already on a live item is a conflict naming the field, on create and on edit.
        var sameBarcode = await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name = "Other cable", quantity = 1, barcode = " 4006381333931 " }, Ct);
        sameBarcode.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await sameBarcode.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("barcode", out _).ShouldBeTrue();
        var other = await CreateAsync("/api/v1/inventory/items", new { name = "Other cable", quantity = 1, sku = "4006381333931" });
        (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/items/{other}", new { barcode = "4006381333931" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        // The barcode wins over another item's equal SKU.
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/lookup?barcode=4006381333931", Ct)).GetProperty("id").GetGuid().ShouldBe(id);
        (await user.Client.DeleteAsync($"/api/v1/inventory/items/{other}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var status = await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/status", Ct);
        status.GetProperty("low_stock_count").GetInt32().ShouldBe(1);
        (await user.Client.DeleteAsync($"/api/v1/inventory/departments/{facilities}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        (await user.Client.DeleteAsync($"/api/v1/inventory/items/{id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await user.Client.GetFromJsonAsync<JsonElement>("/api/v1/inventory/items", Ct)).GetProperty("items").GetArrayLength().ShouldBe(0);
        var history = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}/movements", Ct);
        history.GetProperty("items").GetArrayLength().ShouldBe(3, "add + transfer out + transfer in survive the archive");
        await CreateAsync("/api/v1/inventory/items", new { name = "HDMI cable", quantity = 1 });
    }

    [Fact]
    public async Task A_transfer_moves_what_it_says_and_the_history_tells_the_truth()
    {
        var user = await host.RegisterAsync(ct: Ct);
        async Task<Guid> DepartmentAsync(string name)
        {
            var r = await user.Client.PostAsJsonAsync("/api/v1/inventory/departments", new { name }, Ct);
            r.StatusCode.ShouldBe(HttpStatusCode.Created, await r.Content.ReadAsStringAsync(Ct));
            return (await r.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        }
        var it = await DepartmentAsync("IT");
        var facilities = await DepartmentAsync("Facilities");
        var created = await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name = "tape", quantity = 10, threshold = 2, department_id = it }, Ct);
        var tape = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();

        // Part of it: 3 go to Facilities' own stock of tape, 7 stay in IT.
        var part = await (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{tape}/transfer", new { quantity = 3, department_id = facilities }, Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        part.GetProperty("quantity").GetInt32().ShouldBe(7);
        part.GetProperty("item").GetProperty("department_id").GetGuid().ShouldBe(it);
        var (outgoing, incoming) = (part.GetProperty("movement"), part.GetProperty("counterpart"));
        (outgoing.GetProperty("delta").GetInt32(), outgoing.GetProperty("quantity_after").GetInt32()).ShouldBe((-3, 7));
        (incoming.GetProperty("delta").GetInt32(), incoming.GetProperty("quantity_after").GetInt32()).ShouldBe((3, 3));
        incoming.GetProperty("correlation_id").GetGuid().ShouldBe(outgoing.GetProperty("correlation_id").GetGuid());
        var there = incoming.GetProperty("item_id").GetGuid();
        var split = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{there}", Ct);
        (split.GetProperty("name").GetString(), split.GetProperty("quantity").GetInt32(), split.GetProperty("department_id").GetGuid()).ShouldBe(("tape (Facilities)", 3, facilities));
        // A second part tops the same stock up.
        var more = await (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{tape}/transfer", new { quantity = 2, department_id = facilities }, Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        more.GetProperty("counterpart").GetProperty("item_id").GetGuid().ShouldBe(there);
        more.GetProperty("counterpart").GetProperty("quantity_after").GetInt32().ShouldBe(5);

        // All of it: the item itself moves, out of IT to nothing and into Facilities whole.
        var lamp = await AddItemAsync(user, "lamp", 4);
        var whole = await (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{lamp}/transfer", new { quantity = 4, department_id = it }, Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);
        whole.GetProperty("item").GetProperty("department_id").GetGuid().ShouldBe(it);
        (whole.GetProperty("movement").GetProperty("delta").GetInt32(), whole.GetProperty("movement").GetProperty("quantity_after").GetInt32()).ShouldBe((-4, 0));
        (whole.GetProperty("counterpart").GetProperty("delta").GetInt32(), whole.GetProperty("counterpart").GetProperty("quantity_after").GetInt32()).ShouldBe((4, 4));

        // Every item's movements add up to its stock.
        foreach (var id in (Guid[])[tape, there, lamp])
        {
            var item = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}", Ct);
            var moves = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}/movements", Ct);
            moves.GetProperty("items").EnumerateArray().Sum(m => m.GetProperty("delta").GetInt32()).ShouldBe(item.GetProperty("quantity").GetInt32());
        }
        // A blank unit is refused, as an empty one is.
        (await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name = "blank unit", quantity = 1, unit = "   " }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/items/{lamp}", new { unit = "  " }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // A department change is a transfer, and stock changes only through moves.
        var patched = await user.Client.PatchAsJsonAsync($"/api/v1/inventory/items/{lamp}", new { department_id = facilities }, Ct);
        patched.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await patched.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors").TryGetProperty("department_id", out _).ShouldBeTrue();
        (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/items/{lamp}", new { quantity = 99 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Departments_and_categories_keep_what_an_edit_leaves_out_and_let_go_of_archived_items()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var department = await (await user.Client.PostAsJsonAsync("/api/v1/inventory/departments", new { name = "IT", minimum_override = 3 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var it = department.GetProperty("id").GetGuid();
        var renamed = await (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/departments/{it}", new { name = "IT dept" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (renamed.GetProperty("name").GetString(), renamed.GetProperty("minimum_override").GetInt32()).ShouldBe(("IT dept", 3));
        var cleared = await (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/departments/{it}", new { minimum_override = (int?)null }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (cleared.GetProperty("name").GetString(), cleared.GetProperty("minimum_override").ValueKind).ShouldBe(("IT dept", JsonValueKind.Null));
        (await user.Client.PostAsJsonAsync("/api/v1/inventory/departments", new { name = "it DEPT" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        var audio = (await (await user.Client.PostAsJsonAsync("/api/v1/inventory/categories", new { name = "Audio" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var headsets = (await (await user.Client.PostAsJsonAsync("/api/v1/inventory/categories", new { name = "Headsets", parent_id = audio }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        var moved = await (await user.Client.PatchAsJsonAsync($"/api/v1/inventory/categories/{headsets}", new { name = "Wireless" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (moved.GetProperty("name").GetString(), moved.GetProperty("parent_id").GetGuid()).ShouldBe(("Wireless", audio));

        // Archived items cannot move, so they do not keep a department or category from going.
        var old = await (await user.Client.PostAsJsonAsync("/api/v1/inventory/items", new { name = "old", quantity = 0, department_id = it, category_id = headsets }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var oldId = old.GetProperty("id").GetGuid();
        // A category lists what its sub-categories hold; each can be read on its own.
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items?category_id={audio}", Ct)).GetProperty("items").EnumerateArray()
            .ShouldHaveSingleItem().GetProperty("id").GetGuid().ShouldBe(oldId);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/departments/{it}", Ct)).GetProperty("minimum_override").ValueKind.ShouldBe(JsonValueKind.Null);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/categories/{headsets}", Ct)).GetProperty("parent_id").GetGuid().ShouldBe(audio);
        (await user.Client.GetAsync($"/api/v1/inventory/categories/{Guid.NewGuid()}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await user.Client.DeleteAsync($"/api/v1/inventory/departments/{it}", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await user.Client.DeleteAsync($"/api/v1/inventory/items/{oldId}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await user.Client.DeleteAsync($"/api/v1/inventory/departments/{it}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await user.Client.DeleteAsync($"/api/v1/inventory/categories/{headsets}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{oldId}/movements", Ct)).GetProperty("items").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Stock_never_grows_past_what_a_quantity_holds_and_a_failed_key_is_not_stuck()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var big = await AddItemAsync(user, "big", 1_000_000_000);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{big}/restock", new { quantity = 1_000_000_000 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var over = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/inventory/items/{big}/restock") { Content = JsonContent.Create(new { quantity = 1_000_000_000 }) };
        over.Headers.Add("Idempotency-Key", "overflow");
        var refused = await user.Client.SendAsync(over, Ct);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict, await refused.Content.ReadAsStringAsync(Ct));
        (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("available").GetInt32().ShouldBe(2_000_000_000);
        (await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{big}", Ct)).GetProperty("quantity").GetInt32().ShouldBe(2_000_000_000);
    }

    [Fact]
    public async Task A_replayed_creation_answers_201_with_the_same_location()
    {
        var user = await host.RegisterAsync(ct: Ct);
        async Task<HttpResponseMessage> CreateAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/inventory/items") { Content = JsonContent.Create(new { name = "staplers", quantity = 5, threshold = 1 }) };
            request.Headers.Add("Idempotency-Key", "create-staplers");
            return await user.Client.SendAsync(request, Ct);
        }

        var first = await CreateAsync();
        var again = await CreateAsync();

        first.StatusCode.ShouldBe(HttpStatusCode.Created, await first.Content.ReadAsStringAsync(Ct));
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        first.Headers.Location.ShouldNotBeNull();
        again.Headers.Location.ShouldBe(first.Headers.Location);
        (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid()
            .ShouldBe((await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Idempotency_keys_are_each_callers_own()
    {
        var owner = await host.RegisterAsync(ct: Ct);
        var viewer = await host.RegisterAsync(ct: Ct);
        await owner.Client.PostAsJsonAsync($"/api/v1/workspaces/{owner.PersonalWorkspaceId}/members", new { user_id = viewer.Id, role = "viewer" }, Ct);
        var id = await AddItemAsync(owner, "pens", 10);
        async Task<HttpResponseMessage> IssueAsync(TestUser who, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/inventory/items/{id}/issue") { Content = JsonContent.Create(new { quantity = 2 }) };
            request.Headers.Add("Idempotency-Key", key);
            request.Headers.Add("X-Workspace-Id", owner.PersonalWorkspaceId.ToString());
            return await who.Client.SendAsync(request, Ct);
        }
        (await IssueAsync(owner, "k1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await IssueAsync(viewer, "k1")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the owner's answer is not the viewer's");
        (await IssueAsync(viewer, "k2")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await IssueAsync(owner, "k2")).StatusCode.ShouldBe(HttpStatusCode.OK, "the viewer's refusal is not the owner's");
        (await owner.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}", Ct)).GetProperty("quantity").GetInt32().ShouldBe(6);
    }

    [Fact]
    public async Task A_movement_is_reversed_once_by_a_compensating_one()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var id = await AddItemAsync(user, "cables", 10);
        var issued = await (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/issue", new { quantity = 3, to = "Ann" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var issue = issued.GetProperty("movement").GetProperty("id").GetInt64();

        var reversed = await user.Client.PostAsJsonAsync($"/api/v1/inventory/movements/{issue}/reverse", new { reason = "issued to the wrong person" }, Ct);
        reversed.StatusCode.ShouldBe(HttpStatusCode.OK, await reversed.Content.ReadAsStringAsync(Ct));
        var result = await reversed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        result.GetProperty("quantity").GetInt32().ShouldBe(10);
        var movement = result.GetProperty("movement");
        (movement.GetProperty("kind").GetString(), movement.GetProperty("delta").GetInt32(), movement.GetProperty("reverses_movement_id").GetInt64()).ShouldBe(("reversal", 3, issue));
        // Once only, and the original stays as it was.
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/movements/{issue}/reverse", new { reason = "again" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var history = await user.Client.GetFromJsonAsync<JsonElement>($"/api/v1/inventory/items/{id}/movements", Ct);
        history.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("id").GetInt64() == issue).GetProperty("delta").GetInt32().ShouldBe(-3);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/movements/{movement.GetProperty("id").GetInt64()}/reverse", new { reason = "undo the undo" }, Ct)).StatusCode
            .ShouldBe(HttpStatusCode.Conflict);

        // A restock whose stock has gone cannot be taken back: 409 with what is there.
        var restocked = await (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/restock", new { quantity = 5 }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/issue", new { quantity = 14 }, Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var late = await user.Client.PostAsJsonAsync($"/api/v1/inventory/movements/{restocked.GetProperty("movement").GetProperty("id").GetInt64()}/reverse", new { reason = "never came" }, Ct);
        late.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await late.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("available").GetInt32().ShouldBe(1);
        (await user.Client.PostAsJsonAsync("/api/v1/inventory/movements/999999999/reverse", new { reason = "x" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/movements/{issue}/reverse", new { }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Stock_takes_adjust_to_the_counted_quantity_with_a_reason()
    {
        var user = await host.RegisterAsync(ct: Ct);
        var id = await AddItemAsync(user, "toner", 9);
        var adjust = await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/adjust", new { counted_quantity = 7, reason = "stock-take" }, Ct);
        var result = await adjust.Content.ReadFromJsonAsync<JsonElement>(Ct);
        result.GetProperty("quantity").GetInt32().ShouldBe(7);
        result.GetProperty("movement").GetProperty("kind").GetString().ShouldBe("adjust");
        result.GetProperty("movement").GetProperty("delta").GetInt32().ShouldBe(-2);
        (await user.Client.PostAsJsonAsync($"/api/v1/inventory/items/{id}/adjust", new { quantity = -8, reason = "lost" }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}

[Trait("Database", "Sqlite")]
public sealed class StockTestsOnSqlite(SqliteHost host) : StockTests(host), IClassFixture<SqliteHost>;

[Trait("Database", "Postgres")]
public sealed class StockTestsOnPostgres(PostgresHost host) : StockTests(host), IClassFixture<PostgresHost>;
