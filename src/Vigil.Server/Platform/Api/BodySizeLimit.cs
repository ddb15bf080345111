using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Vigil.Server.Platform.Api;

/// <summary>
/// Answers an oversized request with a 413 problem after reading (and discarding) its body, so ordinary clients see
/// the answer instead of a connection reset mid-upload. Bodies beyond <see cref="DrainLimit"/> are cut off unread.
/// </summary>
public sealed class BodySizeLimit(RequestDelegate next)
{
    public const long DrainLimit = 16 * 1024 * 1024;

    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (http.Request.ContentLength is { } length && limit?.MaxRequestBodySize is { } max && length > max)
        {
            if (length <= DrainLimit && !limit.IsReadOnly)
            {
                limit.MaxRequestBodySize = DrainLimit;
                await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
            }
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails { Status = 413, Title = "Payload Too Large", Detail = $"The request body is larger than {max} bytes." },
            });
            return;
        }
        await next(http);
    }
}
