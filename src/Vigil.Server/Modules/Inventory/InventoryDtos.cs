using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Vigil.Server.Platform.Api;

namespace Vigil.Server.Modules.Inventory;

public sealed record ItemDto(
    Guid Id, string Name, string? Sku, string? Barcode, string Unit, int Quantity, int Threshold, int EffectiveThreshold, bool LowStock,
    Guid? DepartmentId, Guid? CategoryId, string? Notes, bool Archived, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record MovementDto(
    long Id, Guid ItemId, MovementKind Kind, int Delta, int QuantityAfter, Guid? DepartmentId, string? To, string? Note, string? Reason,
    Guid? CorrelationId, long? ReversesMovementId, Guid? ActorUserId, string ActorName, DateTime At)
{
    public static MovementDto From(StockMovement m) => new(m.Id, m.ItemId, m.Kind, m.Delta, m.QuantityAfter, m.DepartmentId, m.Person, m.Note, m.Reason,
        m.CorrelationId, m.ReversesMovementId, m.ActorUserId, m.ActorName, m.At);
}

/// <summary>The item as it now is, with the movement(s) that made it so.</summary>
public sealed record MoveResultDto(ItemDto Item, MovementDto Movement, MovementDto? Counterpart = null)
{
    public int Quantity => Item.Quantity;
}

public sealed record CreateItemRequest : IValidatableRequest
{
    /// <summary>The longest item name (the column's length).</summary>
    public const int NameMax = 200;

    [Required, StringLength(NameMax, MinimumLength = 1)]
    public string? Name { get; init; }

    /// <summary>Initial stock.</summary>
    [Required, Range(0, 1_000_000_000)]
    public int? Quantity { get; init; }

    /// <summary>Low-stock threshold: an alert when available stock falls below it.</summary>
    [Range(0, 1_000_000_000)]
    public int? Threshold { get; init; }

    [StringLength(100)]
    public string? Sku { get; init; }

    [StringLength(100)]
    public string? Barcode { get; init; }

    [StringLength(20, MinimumLength = 1), RegularExpression(@".*\S.*", ErrorMessage = "The unit cannot be blank.")]
    public string? Unit { get; init; }

    public Guid? DepartmentId { get; init; }

    public Guid? CategoryId { get; init; }

    [StringLength(2000)]
    public string? Notes { get; init; }
}

public sealed record MoveRequest : IValidatableRequest
{
    [Required, Range(1, 1_000_000_000)]
    public int? Quantity { get; init; }

    /// <summary>Who receives (issue) or brings back (return) the items.</summary>
    [StringLength(200)]
    public string? To { get; init; }

    [StringLength(1000)]
    public string? Note { get; init; }

    /// <summary>Target department (transfer).</summary>
    public Guid? DepartmentId { get; init; }

    /// <summary>Why (adjust: the stock-take correction's reason).</summary>
    [StringLength(500)]
    public string? Reason { get; init; }
}

/// <summary>Why a movement is reversed.</summary>
public sealed record ReverseRequest : IValidatableRequest
{
    [Required, StringLength(500, MinimumLength = 1)]
    public string? Reason { get; init; }

    [StringLength(1000)]
    public string? Note { get; init; }
}

public sealed record AdjustRequest : IValidatableRequest
{
    /// <summary>The counted quantity (stock-take); the movement records the difference.</summary>
    [Range(0, 1_000_000_000)]
    public int? CountedQuantity { get; init; }

    /// <summary>Or a signed correction.</summary>
    [Range(-1_000_000_000, 1_000_000_000)]
    public int? Quantity { get; init; }

    [Required, StringLength(500, MinimumLength = 1)]
    public string? Reason { get; init; }

    [StringLength(1000)]
    public string? Note { get; init; }
}

public sealed record DepartmentDto(Guid Id, string Name, int? MinimumOverride, DateTime CreatedAt);

public sealed record CategoryDto(Guid Id, string Name, Guid? ParentId, DateTime CreatedAt);

/// <summary>A new department (name required), or changes to one: what a PATCH leaves out stays as it is.</summary>
public sealed record DepartmentRequest : IValidatableRequest
{
    [StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }

    /// <summary>A low-stock threshold for this department's items that wins over each item's own; null clears it.</summary>
    [Range(0, 1_000_000_000)]
    public int? MinimumOverride
    {
        get;
        init
        {
            field = value;
            MinimumOverrideGiven = true;
        }
    }

    /// <summary>Whether the body named <see cref="MinimumOverride"/> (null included).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool MinimumOverrideGiven { get; private init; }
}

/// <summary>A new category (name required), or changes to one: what a PATCH leaves out stays as it is.</summary>
public sealed record CategoryRequest : IValidatableRequest
{
    [StringLength(100, MinimumLength = 1), SingleLine]
    public string? Name { get; init; }

    /// <summary>The category it sits in; null puts it at the top.</summary>
    public Guid? ParentId
    {
        get;
        init
        {
            field = value;
            ParentIdGiven = true;
        }
    }

    /// <summary>Whether the body named <see cref="ParentId"/> (null included).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool ParentIdGiven { get; private init; }
}

public sealed record UpdateItemRequest : IValidatableRequest
{
    [StringLength(CreateItemRequest.NameMax, MinimumLength = 1)]
    public string? Name { get; init; }

    [Range(0, 1_000_000_000)]
    public int? Threshold { get; init; }

    [StringLength(100)]
    public string? Sku { get; init; }

    [StringLength(100)]
    public string? Barcode { get; init; }

    [StringLength(20, MinimumLength = 1), RegularExpression(@".*\S.*", ErrorMessage = "The unit cannot be blank.")]
    public string? Unit { get; init; }

    public Guid? CategoryId { get; init; }

    [StringLength(2000)]
    public string? Notes { get; init; }

    /// <summary>Not changed here: a move between departments is a transfer (<c>POST …/items/{id}/transfer</c>), which the history records.</summary>
    public Guid? DepartmentId { get; init; }

    /// <summary>Not changed here: stock changes only through moves (issue, return, restock, transfer, adjust).</summary>
    public int? Quantity { get; init; }
}

public sealed class ItemQuery
{
    /// <summary>Matches name, SKU or barcode.</summary>
    [FromQuery(Name = "search")]
    public string? Search { get; set; }

    /// <summary>Exactly this name, ignoring case (how the CLI finds "headphones").</summary>
    [FromQuery(Name = "name")]
    public string? Name { get; set; }

    [FromQuery(Name = "department_id")]
    public Guid? DepartmentId { get; set; }

    [FromQuery(Name = "category_id")]
    public Guid? CategoryId { get; set; }

    /// <summary>Only items below their threshold.</summary>
    [FromQuery(Name = "low_stock")]
    public bool? LowStock { get; set; }

    /// <summary>Include archived items.</summary>
    [FromQuery(Name = "archived")]
    public bool? Archived { get; set; }
}

/// <summary>The CLI's status view: every item with its available stock and a low-stock flag.</summary>
public sealed record StatusDto(IReadOnlyList<StatusLine> Items, int LowStockCount);

public sealed record StatusLine(Guid Id, string Name, int Quantity, int Threshold, bool LowStock, string? Department, string Unit);
