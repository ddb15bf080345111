using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Vigil.Server.Platform.Api;

/// <summary>
/// Maps the few exceptions a client can cause onto RFC 7807 responses; everything else is a 500 whose
/// text never reaches the client.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var problem = exception switch
        {
            BadHttpRequestException bad => FromBadRequest(bad),
            JsonException json => JsonProblem(json),
            DbUpdateConcurrencyException => new ProblemDetails
            {
                Status = 409,
                Title = "Conflict",
                Detail = "Someone else changed this first; reload and try again.",
            },
            DbUpdateException db when IsUniqueViolation(db) => new ProblemDetails
            {
                Status = 409,
                Title = "Conflict",
                Detail = "A record with the same unique value already exists.",
            },
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };
        if (problem is null)
        {
            if (http.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody is left to answer.
                http.Response.StatusCode = 499;
                return true;
            }
            logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
            problem = new ProblemDetails { Status = 500, Title = "Internal Server Error", Detail = "An unexpected error occurred." };
        }
        http.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    static ProblemDetails FromBadRequest(BadHttpRequestException bad)
    {
        if (FindJsonException(bad) is { } json)
        {
            return JsonProblem(json);
        }
        var status = bad.StatusCode;
        if (status == 400 && BindingProblem(bad.Message) is var (field, message))
        {
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = 400,
                Title = "Bad Request",
                Detail = message,
            };
        }
        if (status is 413 or 415)
        {
            // Its detail and errors.body are added with every other 413 and 415 (BodyProblem).
            return new ProblemDetails { Status = status, Title = status == 413 ? "Payload Too Large" : "Unsupported Media Type" };
        }
        return new ProblemDetails
        {
            Status = status,
            Title = "Bad Request",
            Detail = SafeBindingMessage(bad.Message),
        };
    }

    /// <summary>
    /// The field a binding failure is about, in the API's snake_case, and a message without .NET's parameter and type
    /// names: a missing body, a missing value, or a value of the wrong form (<c>?limit=abc</c>).
    /// </summary>
    static (string Field, string Message)? BindingProblem(string text)
    {
        if (text.StartsWith("Implicit body inferred", StringComparison.Ordinal) || (BindingPatterns.Required().Match(text) is { Success: true } body && body.Groups[2].Value == "body"))
        {
            return ("body", "A JSON body is required.");
        }
        if (BindingPatterns.Required().Match(text) is { Success: true } required)
        {
            var field = SnakeCase(required.Groups[1].Value);
            return (field, $"{field} is required.");
        }
        if (BindingPatterns.Failed().Match(text) is { Success: true } failed)
        {
            var field = SnakeCase(failed.Groups[1].Value);
            return (field, $"The value of {field} is not valid for its type.");
        }
        return null;
    }

    static string SnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    static JsonException? FindJsonException(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }
        return null;
    }

    static HttpValidationProblemDetails JsonProblem(JsonException json)
    {
        // "$.user.email" → "user.email"; "$" (a body that is not JSON at all) → "body". Broken JSON (the reader's own
        // error, e.g. a body cut short after "plan_code":) is about the body, wherever the reader stopped.
        var broken = json.InnerException?.GetType().Name == "JsonReaderException";
        var field = json.Path is { Length: > 1 } path && !broken ? path.TrimStart('$', '.') : "body";
        var message = broken && json.Path is { Length: > 1 } at ? $"The request body is not valid JSON (it breaks off at {at.TrimStart('$', '.')})."
            : field == "body" ? "The request body is not valid JSON."
            : json.Message.StartsWith("Duplicate", StringComparison.Ordinal) ? $"{field} is given more than once."
            : $"The value of {field} is not valid for its type.";
        return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400,
            Title = "Bad Request",
            Detail = message,
        };
    }

    /// <summary>
    /// A 413 or 415, whoever answered it (the framework answers a wrong media type without an exception): about the
    /// body as a whole, named as the field <c>body</c> as a missing body is, with the media types the route takes
    /// where they are known.
    /// </summary>
    public static void BodyProblem(ProblemDetailsContext c)
    {
        var problem = c.ProblemDetails;
        if (problem.Status is not (StatusCodes.Status413PayloadTooLarge or StatusCodes.Status415UnsupportedMediaType)
            || problem is HttpValidationProblemDetails || problem.Extensions.ContainsKey("errors"))
        {
            return;
        }
        // Routing answers a media type no route takes with an endpoint of its own, which knows nothing of the route
        // asked for: then the message says what the routes take.
        var accepted = c.HttpContext.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes;
        problem.Detail ??= problem.Status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large."
            : accepted is { Count: > 0 } ? $"Send the body as {string.Join(" or ", accepted)}."
            : $"A body of type '{c.HttpContext.Request.ContentType ?? "none"}' is not one this route takes: the API takes application/json, the CSV import text/csv.";
        problem.Extensions["errors"] = new Dictionary<string, string[]> { ["body"] = [problem.Detail] };
    }

    static string SafeBindingMessage(string message) =>
        // Binding messages name parameters and types, never data; keep them short.
        message.Length > 300 ? message[..300] : message;

    static bool IsUniqueViolation(DbUpdateException db) => db.InnerException switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}

static partial class BindingPatterns
{
    /// <summary><c>Required parameter "int Limit" was not provided from query string.</c></summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^Required parameter ""(?:[^""]*\s)?(\w+)"" was not provided from (?:the )?(\w+)")]
    public static partial System.Text.RegularExpressions.Regex Required();

    /// <summary><c>Failed to bind parameter "Nullable&lt;int&gt; Limit" from "abc".</c></summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^Failed to bind parameter ""(?:[^""]*\s)?(\w+)"" from")]
    public static partial System.Text.RegularExpressions.Regex Failed();
}
