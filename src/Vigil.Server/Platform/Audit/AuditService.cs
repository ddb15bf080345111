using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Platform.Audit;

public sealed record AuditEntryDto(
    long Id, DateTime At, Guid? WorkspaceId, Guid? ActorUserId, string ActorName, string Action,
    string EntityType, string? EntityId, string? Summary, JsonElement? Before, JsonElement? After, string? Ip);

public sealed class AuditQuery
{
    /// <summary>Only actions starting with this (e.g. <c>workspace.member</c>).</summary>
    [FromQuery(Name = "action")]
    public string? Action { get; set; }

    /// <summary>Only entries at or after this instant.</summary>
    [FromQuery(Name = "since")]
    public DateTime? Since { get; set; }

    /// <summary>Only entries before this instant.</summary>
    [FromQuery(Name = "until")]
    public DateTime? Until { get; set; }

    /// <summary><c>csv</c> answers with the CSV export instead of JSON.</summary>
    [FromQuery(Name = "format")]
    public string? Format { get; set; }
}

/// <summary>Reading the audit log: a workspace's for its owners and managers, everything for admins.</summary>
public sealed class AuditService(VigilDb db, WorkspaceService workspaces)
{
    public async Task<Outcome<Page<AuditEntryDto>>> ListForWorkspaceAsync(Guid userId, Guid workspaceId, AuditQuery query, PageQuery page, CancellationToken ct)
    {
        if (await CheckReaderAsync(userId, workspaceId, ct) is { } failure)
        {
            return failure.As<Page<AuditEntryDto>>();
        }
        return await ListAsync(Filter(db.AuditEntries.Where(a => a.WorkspaceId == workspaceId), query), page, ct);
    }

    public Task<Page<AuditEntryDto>> ListAllAsync(AuditQuery query, PageQuery page, CancellationToken ct) =>
        ListAsync(Filter(db.AuditEntries, query), page, ct);

    public async Task<Outcome<Func<Stream, CancellationToken, Task>>> ExportWorkspaceAsync(Guid userId, Guid workspaceId, AuditQuery query, CancellationToken ct)
    {
        if (await CheckReaderAsync(userId, workspaceId, ct) is { } failure)
        {
            return failure.As<Func<Stream, CancellationToken, Task>>();
        }
        return Outcome.Ok<Func<Stream, CancellationToken, Task>>((s, c) => WriteCsvAsync(Filter(db.AuditEntries.Where(a => a.WorkspaceId == workspaceId), query), s, c));
    }

    public Func<Stream, CancellationToken, Task> ExportAll(AuditQuery query) =>
        (s, c) => WriteCsvAsync(Filter(db.AuditEntries, query), s, c);

    async Task<Outcome<bool>?> CheckReaderAsync(Guid userId, Guid workspaceId, CancellationToken ct) =>
        await workspaces.RoleOfAsync(userId, workspaceId, ct) switch
        {
            null => Outcome.Missing<bool>("No such workspace."),
            < WorkspaceRole.Manager => Outcome.Forbidden<bool>("Only owners and managers read the audit log."),
            _ => null,
        };

    static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> entries, AuditQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            entries = entries.Where(a => a.Action.StartsWith(query.Action));
        }
        if (query.Since is { } since)
        {
            var utc = since.ToUniversalTime();
            entries = entries.Where(a => a.At >= utc);
        }
        if (query.Until is { } until)
        {
            var utc = until.ToUniversalTime();
            entries = entries.Where(a => a.At < utc);
        }
        return entries;
    }

    static async Task<Page<AuditEntryDto>> ListAsync(IQueryable<AuditEntry> entries, PageQuery page, CancellationToken ct)
    {
        var rows = await entries.AsNoTracking().OrderByDescending(a => a.Id).ToPageAsync(page, ct);
        return rows.Map(ToDto);
    }

    static AuditEntryDto ToDto(AuditEntry a) => new(
        a.Id, a.At, a.WorkspaceId, a.ActorUserId, a.ActorName, a.Action, a.EntityType, a.EntityId, a.Summary,
        ParseJson(a.Before), ParseJson(a.After), a.Ip);

    static JsonElement? ParseJson(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>RFC 4180 CSV, UTF-8 with BOM, ISO-8601 instants, formula-looking cells neutralised, streamed row by row.</summary>
    static async Task WriteCsvAsync(IQueryable<AuditEntry> entries, Stream output, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(output, CsvFiles.Options, leaveOpen: true);
        await csv.WriteRecordAsync(["id", "at", "workspace_id", "actor_user_id", "actor_name", "action", "entity_type", "entity_id", "summary", "before", "after", "ip"], ct);
        await foreach (var a in entries.AsNoTracking().OrderBy(a => a.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            await csv.WriteRecordAsync(
            [
                a.Id.ToString(CultureInfo.InvariantCulture),
                CsvFiles.Instant(a.At),
                a.WorkspaceId?.ToString() ?? "",
                a.ActorUserId?.ToString() ?? "",
                a.ActorName,
                a.Action,
                a.EntityType,
                a.EntityId ?? "",
                a.Summary ?? "",
                a.Before ?? "",
                a.After ?? "",
                a.Ip ?? "",
            ], ct);
        }
        await csv.FlushAsync(ct);
    }
}
