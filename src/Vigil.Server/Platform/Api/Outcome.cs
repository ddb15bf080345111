using Microsoft.AspNetCore.Http.HttpResults;

namespace Vigil.Server.Platform.Api;

/// <summary>How a use case ended, so endpoints and pages branch on the same result.</summary>
public enum OutcomeKind
{
    Ok,
    Missing,
    Invalid,
    Conflict,
    Forbidden,
}

public sealed record Outcome<T>(
    T? Value,
    OutcomeKind Kind = OutcomeKind.Ok,
    Dictionary<string, string[]>? Errors = null,
    string? Detail = null,
    Dictionary<string, object?>? Extensions = null)
{
    public bool IsOk => Kind == OutcomeKind.Ok;

    public static implicit operator Outcome<T>(T value) => new(value);

    /// <summary>Carries a failure over to another value type.</summary>
    public Outcome<TOut> As<TOut>() => new(default, Kind, Errors, Detail, Extensions);
}

public static class Outcome
{
    public static Outcome<T> Ok<T>(T value) => new(value);

    public static Outcome<T> Missing<T>(string? detail = null) => new(default, OutcomeKind.Missing, Detail: detail);

    public static Outcome<T> Invalid<T>(string field, string message) =>
        new(default, OutcomeKind.Invalid, new Dictionary<string, string[]> { [field] = [message] });

    public static Outcome<T> Invalid<T>(Dictionary<string, string[]> errors) => new(default, OutcomeKind.Invalid, errors);

    public static Outcome<T> Conflict<T>(string detail, Dictionary<string, object?>? extensions = null) =>
        new(default, OutcomeKind.Conflict, Detail: detail, Extensions: extensions);

    /// <summary>A conflict on one field's value (a name or code already taken): <c>errors</c> names the field, as a 400 would.</summary>
    public static Outcome<T> ConflictOn<T>(string field, string detail) =>
        Conflict<T>(detail, new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [detail] } });

    public static Outcome<T> Forbidden<T>(string detail) => new(default, OutcomeKind.Forbidden, Detail: detail);
}

/// <summary>Maps outcomes onto RFC 7807 responses; the success shape is the endpoint's own.</summary>
public static class OutcomeHttp
{
    public static Results<Ok<T>, ValidationProblem, ProblemHttpResult> ToHttp<T>(this Outcome<T> o) =>
        o.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(o.Value!), // Ok outcomes always carry a value
            OutcomeKind.Invalid => TypedResults.ValidationProblem(o.Errors ?? [], detail: o.Detail),
            _ => o.ToProblem(),
        };

    public static Results<Created<T>, ValidationProblem, ProblemHttpResult> ToCreated<T>(this Outcome<T> o, Func<T, string> location) =>
        o.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Created(location(o.Value!), o.Value),
            OutcomeKind.Invalid => TypedResults.ValidationProblem(o.Errors ?? [], detail: o.Detail),
            _ => o.ToProblem(),
        };

    public static Results<NoContent, ValidationProblem, ProblemHttpResult> ToNoContent<T>(this Outcome<T> o) =>
        o.Kind switch
        {
            OutcomeKind.Ok => TypedResults.NoContent(),
            OutcomeKind.Invalid => TypedResults.ValidationProblem(o.Errors ?? [], detail: o.Detail),
            _ => o.ToProblem(),
        };

    public static ProblemHttpResult ToProblem<T>(this Outcome<T> o) => o.Kind switch
    {
        OutcomeKind.Missing => TypedResults.Problem(o.Detail ?? "The resource does not exist.", statusCode: 404, title: "Not Found"),
        OutcomeKind.Conflict => TypedResults.Problem(o.Detail, statusCode: 409, title: "Conflict", extensions: o.Extensions),
        OutcomeKind.Forbidden => TypedResults.Problem(o.Detail, statusCode: 403, title: "Forbidden"),
        _ => throw new InvalidOperationException($"{o.Kind} has no problem mapping."),
    };
}
