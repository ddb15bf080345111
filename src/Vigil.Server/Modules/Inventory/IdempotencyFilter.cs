using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Audit;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Modules.Inventory;

/// <summary>
/// <c>Idempotency-Key</c> on stock-moving POSTs: the first request with a key is claimed (a row keyed by workspace and
/// key) before it runs, and its answer stored; a repeat with the same body gets that answer again without moving
/// stock; the same key with another body is a 422; a repeat while the first still runs is a 409.
/// </summary>
public sealed class IdempotencyFilter : IEndpointFilter
{
    public const string Header = "Idempotency-Key";
    const int InProgress = 0;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var key = http.Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return await next(context);
        }
        if (key.Length > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["idempotency_key"] = ["At most 200 characters."] });
        }
        var services = http.RequestServices;
        var db = services.GetRequiredService<VigilDb>();
        var workspace = services.GetRequiredService<ICurrentWorkspace>().Id;
        key = Scoped(services.GetRequiredService<Actor>().UserId, key);
        var hash = Hash(http, context.Arguments);
        var clock = services.GetRequiredService<TimeProvider>();
        var existing = await db.Set<IdempotencyRecord>().AsNoTracking().SingleOrDefaultAsync(r => r.Key == key, http.RequestAborted);
        if (existing is not null)
        {
            return Replay(existing, hash);
        }
        db.Set<IdempotencyRecord>().Add(new IdempotencyRecord { WorkspaceId = workspace, Key = key, RequestHash = hash, StatusCode = InProgress, ResponseBody = "", CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(http.RequestAborted);
        }
        catch (DbUpdateException)
        {
            // Someone claimed the key at the same moment.
            db.ChangeTracker.Clear();
            var winner = await db.Set<IdempotencyRecord>().AsNoTracking().SingleAsync(r => r.Key == key, http.RequestAborted);
            return Replay(winner, hash);
        }
        db.ChangeTracker.Clear();
        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            // No answer to keep: the key is free again, rather than "still being processed" for ever.
            await ReleaseAsync(db, key);
            throw;
        }
        // Typed result unions wrap the result that carries the status and value.
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var status = (inner as IStatusCodeHttpResult)?.StatusCode ?? 200;
        if (status is 401 or 403 or >= 500)
        {
            // Not an answer about the request but about who sent it, or a failure: a retry runs afresh.
            await ReleaseAsync(db, key);
            return result;
        }
        var value = (inner as IValueHttpResult)?.Value;
        var body = value is null ? "" : JsonSerializer.Serialize(value, value.GetType(), PlatformSetup.Json);
        var location = LocationOf(inner);
        await db.Set<IdempotencyRecord>().Where(r => r.Key == key)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StatusCode, status).SetProperty(r => r.ResponseBody, body).SetProperty(r => r.Location, location), http.RequestAborted);
        return result;
    }

    /// <summary>
    /// Keys are the caller's own: two users of a workspace who happen to pick the same key do not get each other's
    /// answers. Stored as the user id and the key, or the key's hash when both would not fit the column.
    /// </summary>
    static string Scoped(Guid? userId, string key)
    {
        var owner = (userId ?? Guid.Empty).ToString("N") + ":";
        return owner.Length + key.Length <= MaxStoredKey ? owner + key : owner + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>The column's length.</summary>
    const int MaxStoredKey = 200;

    static async Task ReleaseAsync(VigilDb db, string key) =>
        // Whatever happened to the request, the key is released (not with its token: it may be the one cancelled).
        await db.Set<IdempotencyRecord>().Where(r => r.Key == key && r.StatusCode == InProgress).ExecuteDeleteAsync(CancellationToken.None);

    static IResult Replay(IdempotencyRecord record, string hash)
    {
        if (record.RequestHash != hash)
        {
            return TypedResults.Problem("This Idempotency-Key was used with a different request.", statusCode: 422, title: "Unprocessable Entity");
        }
        if (record.StatusCode == InProgress)
        {
            return TypedResults.Problem("A request with this Idempotency-Key is still being processed.", statusCode: 409, title: "Conflict");
        }
        return new Replayed(record);
    }

    /// <summary>A 201's <c>Location</c>, kept to be replayed (the typed result is generic in its value).</summary>
    static string? LocationOf(object? result) =>
        result?.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(Created<>)
            ? (string?)type.GetProperty(nameof(Created<object>.Location))!.GetValue(result) // Created<T> always has it
            : null;

    /// <summary>The stored answer, as it was first given: status, body and, for a 201, where the new thing is.</summary>
    sealed class Replayed(IdempotencyRecord record) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            if (record.Location is { } location)
            {
                http.Response.Headers.Location = location;
            }
            var contentType = record.StatusCode >= 400 ? "application/problem+json" : "application/json";
            return Results.Text(record.ResponseBody, contentType, Encoding.UTF8, record.StatusCode).ExecuteAsync(http);
        }
    }

    static string Hash(HttpContext http, IList<object?> arguments)
    {
        var body = arguments.Where(a => a is IValidatableRequest).Select(a => JsonSerializer.Serialize(a, a!.GetType(), PlatformSetup.Json));
        var text = http.Request.Method + " " + http.Request.Path + "\n" + string.Join("\n", body);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
