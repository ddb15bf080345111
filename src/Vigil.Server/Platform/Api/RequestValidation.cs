using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Vigil.Server.Platform.Api;

/// <summary>
/// Runs DataAnnotations on every request body and paging query before the handler, answering 400 with
/// field errors keyed by the JSON (snake_case) name the client sent.
/// </summary>
public sealed class RequestValidationFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var argument in context.Arguments)
        {
            switch (argument)
            {
                case PageQuery page when page.Validate() is { } pageErrors:
                    errors = Merge(errors, pageErrors);
                    break;
                case IValidatableRequest request:
                    errors = Merge(errors, Validate(request));
                    break;
            }
        }
        return errors is { Count: > 0 } ? TypedResults.ValidationProblem(errors) : await next(context);
    }

    public static Dictionary<string, string[]> Validate(object request)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true);
        var errors = new Dictionary<string, string[]>();
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                var key = JsonNamingPolicy.SnakeCaseLower.ConvertName(member);
                var message = result.ErrorMessage ?? "The value is not valid.";
                // DataAnnotations names the C# property; the client knows the JSON name.
                message = message.Replace($"The {member} field", $"The {key} field", StringComparison.Ordinal)
                                 .Replace($"field {member} ", $"field {key} ", StringComparison.Ordinal);
                errors[key] = errors.TryGetValue(key, out var existing) ? [.. existing, message] : [message];
            }
        }
        return errors;
    }

    static Dictionary<string, string[]> Merge(Dictionary<string, string[]>? into, Dictionary<string, string[]> from)
    {
        into ??= [];
        foreach (var (k, v) in from)
        {
            into[k] = v;
        }
        return into;
    }
}

/// <summary>Marks a request body for <see cref="RequestValidationFilter"/>.</summary>
public interface IValidatableRequest;

/// <summary>Text shown as one line (a name): no control characters, line breaks or NUL included.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SingleLineAttribute : ValidationAttribute
{
    public SingleLineAttribute() : base("The {0} field cannot hold control characters or line breaks.")
    {
    }

    public override bool IsValid(object? value) => value is not string text || !text.Any(char.IsControl);
}

/// <summary>
/// An email address as mail servers take it: one <c>@</c>, no spaces or control characters, a local part of at most
/// 64 characters, and a domain of dot-separated labels (letters, digits, hyphens inside) with no empty label.
/// Stricter than <see cref="EmailAddressAttribute"/>, which only looks for an <c>@</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EmailAttribute : ValidationAttribute
{
    public EmailAttribute() : base("The {0} field is not a valid email address.")
    {
    }

    public override bool IsValid(object? value)
    {
        if (value is not string text)
        {
            return value is null;
        }
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != text.LastIndexOf('@') || at > 64 || text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return false;
        }
        var local = text[..at];
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }
        var labels = text[(at + 1)..].Split('.');
        return labels.All(l => l.Length is > 0 and <= 63 && !l.StartsWith('-') && !l.EndsWith('-') && l.All(c => char.IsLetterOrDigit(c) || c == '-'));
    }
}
