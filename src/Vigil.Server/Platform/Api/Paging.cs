using System.Buffers.Text;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Vigil.Server.Platform.Api;

/// <summary>Query parameters of every list endpoint: <c>?limit=&amp;cursor=</c> (or <c>offset</c>).</summary>
public sealed class PageQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>How many items to return (1–500, default 50).</summary>
    [Description("How many items to return (1-500, default 50).")]
    [FromQuery(Name = "limit")]
    public int? Limit { get; set; }

    /// <summary>The <c>next_cursor</c> of the previous page.</summary>
    [Description("The next_cursor of the previous page.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; set; }

    /// <summary>Skip this many items instead of using a cursor.</summary>
    [Description("Skip this many items instead of using a cursor.")]
    [FromQuery(Name = "offset")]
    public int? Offset { get; set; }

    /// <summary>Checks the values; null when they are usable.</summary>
    public Dictionary<string, string[]>? Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (Limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        }
        if (Offset is < 0)
        {
            errors["offset"] = ["offset must not be negative."];
        }
        if (Cursor is not null && DecodeCursor(Cursor) is null)
        {
            errors["cursor"] = ["cursor is not one this server issued."];
        }
        return errors.Count == 0 ? null : errors;
    }

    internal int Skip => Cursor is not null ? DecodeCursor(Cursor) ?? 0 : Offset ?? 0;

    internal int Take => Limit ?? DefaultLimit;

    internal static string EncodeCursor(int offset) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes("o:" + offset.ToString(CultureInfo.InvariantCulture)));

    static int? DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith("o:", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                ? offset
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>One page of a list: <c>{items, next_cursor}</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public static class PageExtensions
{
    /// <summary>Reads one page of an ordered query, fetching one row more to know whether another page follows.</summary>
    public static async Task<Page<T>> ToPageAsync<T>(this IQueryable<T> ordered, PageQuery page, CancellationToken ct)
    {
        var skip = page.Skip;
        var take = page.Take;
        var rows = await ordered.Skip(skip).Take(take + 1).ToListAsync(ct);
        var next = rows.Count > take ? PageQuery.EncodeCursor(skip + take) : null;
        if (rows.Count > take)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        return new Page<T>(rows, next);
    }

    /// <summary>One page of a list already in memory (a short reference list), with the same cursors as <see cref="ToPageAsync{T}"/>.</summary>
    public static Page<T> ToPage<T>(this IReadOnlyList<T> ordered, PageQuery page)
    {
        var skip = Math.Min(page.Skip, ordered.Count);
        var take = page.Take;
        var rows = ordered.Skip(skip).Take(take).ToList();
        return new Page<T>(rows, skip + take < ordered.Count ? PageQuery.EncodeCursor(skip + take) : null);
    }

    public static Page<TOut> Map<TIn, TOut>(this Page<TIn> page, Func<TIn, TOut> map) =>
        new(page.Items.Select(map).ToList(), page.NextCursor);
}
