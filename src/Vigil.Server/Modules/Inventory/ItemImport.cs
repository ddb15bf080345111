using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

public sealed record ImportError(int Row, string Field, string Message);

/// <summary>What an import did, or would do on a dry run: rows read, items created, and every row's problems.</summary>
public sealed record ImportReport(bool DryRun, int Rows, int Created, IReadOnlyList<ImportError> Errors);

/// <summary>
/// Items from a CSV file (header row; columns name, quantity, threshold, sku, barcode, unit, department, category,
/// notes, in any order, names ignoring case). Every row is checked first; a dry run only reports, and a real run
/// creates all the items in one transaction or, if any row has a problem, none.
/// </summary>
public sealed class ItemImport(VigilDb db, ICurrentWorkspace workspace, Actor actor, AuditLog audit, TimeProvider clock, LowStockAlerts lowStock)
{
    public const int MaxRows = 10_000;
    static readonly string[] Known = ["name", "quantity", "threshold", "sku", "barcode", "unit", "department", "category", "notes"];

    sealed record Row(int Number, CreateItemRequest Request);

    public async Task<Outcome<ImportReport>> ImportAsync(Stream csv, bool dryRun, CancellationToken ct)
    {
        if (workspace.Role < WorkspaceRole.Manager)
        {
            return Outcome.Forbidden<ImportReport>("Importing items needs the manager role or higher in this workspace.");
        }
        // Names that differ only in case (made before names were compared that way) are ambiguous: such a name is refused
        // per row, as a category name used twice is.
        var departments = (await db.Set<Department>().AsNoTracking().Select(d => new { d.Name, d.Id }).ToListAsync(ct))
            .GroupBy(d => d.Name.ToUpperInvariant()).ToDictionary(g => g.Key, g => g.Select(d => d.Id).ToList());
        var categories = (await db.Set<Category>().AsNoTracking().ToListAsync(ct))
            .GroupBy(c => c.Name.ToUpperInvariant()).ToDictionary(g => g.Key, g => g.Select(c => c.Id).ToList());
        var live = await db.Set<InventoryItem>().AsNoTracking().Where(i => !i.Archived).Select(i => new { i.NormalizedName, i.Name, i.Barcode }).ToListAsync(ct);
        var existing = live.Select(i => i.NormalizedName).ToHashSet();
        var barcodes = live.Where(i => i.Barcode != null).GroupBy(i => i.Barcode!).ToDictionary(g => g.Key, g => g.First().Name);
        var seenBarcodes = new Dictionary<string, int>();

        var errors = new List<ImportError>();
        var rows = new List<Row>();
        var seen = new Dictionary<string, int>();
        using var reader = CsvReader.Create(new StreamReader(csv, Encoding.UTF8, detectEncodingFromByteOrderMarks: true), new CsvReaderOptions { HasHeader = false });
        string[] header;
        try
        {
            if (!reader.Read())
            {
                return Outcome.Invalid<ImportReport>("file", "The file is empty: it needs a header row (name, quantity, threshold, …) and one row per item.");
            }
            header = [.. Enumerable.Range(0, reader.Current.FieldCount).Select(i => reader.Current.GetString(i).Trim().ToLowerInvariant())];
            if (!reader.Read())
            {
                return Outcome.Invalid<ImportReport>("file", "The file has a header row but no items.");
            }
        }
        catch (Exception e) when (e is CsvFormatException or CsvValidationException or FormatException or DecoderFallbackException)
        {
            return Outcome.Invalid<ImportReport>("file", "The file is not readable CSV: " + e.Message);
        }
        if (!header.Contains("name") || !header.Contains("quantity"))
        {
            return Outcome.Invalid<ImportReport>("file", "The header row needs at least the columns name and quantity.");
        }
        if (header.FirstOrDefault(h => !Known.Contains(h)) is { } unknown)
        {
            return Outcome.Invalid<ImportReport>("file", $"Unknown column '{unknown}'; the columns are {string.Join(", ", Known)}.");
        }
        var number = 1;
        try
        {
            do
            {
                number++;
                if (rows.Count + errors.Select(e => e.Row).Distinct().Count() >= MaxRows)
                {
                    return Outcome.Invalid<ImportReport>("file", $"At most {MaxRows} rows per import.");
                }
                string Cell(string column)
                {
                    var index = Array.IndexOf(header, column);
                    return index >= 0 && index < reader.Current.FieldCount ? reader.Current.GetString(index).Trim() : "";
                }
                var rowErrors = new List<ImportError>();
                int? Int(string column, bool required)
                {
                    var text = Cell(column);
                    if (text.Length == 0)
                    {
                        if (required)
                        {
                            rowErrors.Add(new ImportError(number, column, "Required."));
                        }
                        return null;
                    }
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                    {
                        rowErrors.Add(new ImportError(number, column, $"'{text}' is not a whole number of 0 or more."));
                        return null;
                    }
                    return value;
                }
                var name = Cell("name");
                var request = new CreateItemRequest
                {
                    Name = name.Length == 0 ? null : name,
                    Quantity = Int("quantity", required: true),
                    Threshold = Int("threshold", required: false),
                    Sku = Cell("sku") is { Length: > 0 } sku ? sku : null,
                    Barcode = Cell("barcode") is { Length: > 0 } barcode ? barcode : null,
                    Unit = Cell("unit") is { Length: > 0 } unit ? unit : null,
                    Notes = Cell("notes") is { Length: > 0 } notes ? notes : null,
                    DepartmentId = Cell("department") is { Length: > 0 } department
                        ? departments.TryGetValue(department.ToUpperInvariant(), out var d) && d.Count == 1 ? d[0]
                            : Missing(rowErrors, number, "department", d is { Count: > 1 } ? $"More than one department is named '{department}'." : $"No department named '{department}'.")
                        : null,
                    CategoryId = Cell("category") is { Length: > 0 } category
                        ? categories.TryGetValue(category.ToUpperInvariant(), out var c) && c.Count == 1 ? c[0]
                            : Missing(rowErrors, number, "category", c is { Count: > 1 } ? $"More than one category is named '{category}'." : $"No category named '{category}'.")
                        : null,
                };
                foreach (var (field, messages) in RequestValidationFilter.Validate(request))
                {
                    if (!rowErrors.Any(e => e.Field == field))
                    {
                        rowErrors.AddRange(messages.Select(m => new ImportError(number, field, m)));
                    }
                }
                if (request.Name is { } itemName)
                {
                    var normalized = itemName.ToUpperInvariant();
                    if (existing.Contains(normalized))
                    {
                        rowErrors.Add(new ImportError(number, "name", $"An item named '{itemName}' already exists in this workspace."));
                    }
                    else if (seen.TryGetValue(normalized, out var first))
                    {
                        rowErrors.Add(new ImportError(number, "name", $"'{itemName}' is also on row {first}."));
                    }
                    else
                    {
                        seen[normalized] = number;
                    }
                }
                if (request.Barcode is { } rowBarcode)
                {
                    if (barcodes.TryGetValue(rowBarcode, out var holder))
                    {
                        rowErrors.Add(new ImportError(number, "barcode", $"'{holder}' already has barcode {rowBarcode}."));
                    }
                    else if (!seenBarcodes.TryAdd(rowBarcode, number))
                    {
                        rowErrors.Add(new ImportError(number, "barcode", $"Barcode {rowBarcode} is also on row {seenBarcodes[rowBarcode]}."));
                    }
                }
                if (rowErrors.Count == 0)
                {
                    rows.Add(new Row(number, request));
                }
                errors.AddRange(rowErrors);
            }
            while (reader.Read());
        }
        catch (Exception e) when (e is CsvFormatException or CsvValidationException or DecoderFallbackException)
        {
            return Outcome.Invalid<ImportReport>("file", $"Row {number} is not readable CSV: {e.Message}");
        }

        if (dryRun || errors.Count > 0)
        {
            // The caller answers a real run with problems as 422; nothing was stored either way.
            return new ImportReport(dryRun, number - 1, 0, errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var created = new List<Guid>();
        foreach (var (_, r) in rows)
        {
            var item = new InventoryItem
            {
                WorkspaceId = workspace.Id,
                Name = r.Name!,
                NormalizedName = r.Name!.ToUpperInvariant(),
                Sku = r.Sku,
                Barcode = r.Barcode,
                Unit = r.Unit ?? "pcs",
                Quantity = r.Quantity!.Value,
                Threshold = r.Threshold ?? 0,
                DepartmentId = r.DepartmentId,
                CategoryId = r.CategoryId,
                Notes = r.Notes,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Set<InventoryItem>().Add(item);
            db.Set<StockMovement>().Add(new StockMovement
            {
                WorkspaceId = workspace.Id,
                ItemId = item.Id,
                Kind = MovementKind.Add,
                Delta = item.Quantity,
                QuantityAfter = item.Quantity,
                DepartmentId = item.DepartmentId,
                Note = "imported from CSV",
                ActorUserId = actor.UserId,
                ActorName = actor.Name,
                At = now,
            });
            audit.Record("inventory.item.imported", "inventory_item", item.Id, workspace.Id, after: new { item.Name, item.Quantity, item.Threshold });
            created.Add(item.Id);
        }
        var notices = new List<LowStockNotice>();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            foreach (var id in created)
            {
                if (await lowStock.EvaluateAsync(id, ct) is { } notice)
                {
                    notices.Add(notice);
                }
            }
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        foreach (var notice in notices)
        {
            await lowStock.AnnounceAsync(notice, ct);
        }
        return new ImportReport(false, number - 1, created.Count, []);
    }

    static Guid? Missing(List<ImportError> errors, int row, string field, string message)
    {
        errors.Add(new ImportError(row, field, message));
        return null;
    }
}
