using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace Vigil.Server.Platform.Api;

/// <summary>
/// Answers an oversized request with a 413 problem after reading (and discarding) its body, so ordinary clients see
/// the answer and keep their connection, instead of a reset mid-upload. Chunked bodies (no Content-Length) are
/// counted as they are read. Bodies beyond <see cref="DrainLimit"/> are cut off unread.
/// </summary>
public sealed class BodySizeLimit(RequestDelegate next)
{
    public const long DrainLimit = 16 * 1024 * 1024;

    public async Task InvokeAsync(HttpContext http, IProblemDetailsService problems)
    {
        var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit?.MaxRequestBodySize is not { } max || limit.IsReadOnly)
        {
            await next(http);
            return;
        }
        if (http.Request.ContentLength is { } length)
        {
            if (length > max)
            {
                if (length <= DrainLimit)
                {
                    limit.MaxRequestBodySize = DrainLimit;
                    await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
                }
                await TooLargeAsync(http, problems, max);
                return;
            }
            await next(http);
            return;
        }
        if (!HttpMethods.IsPost(http.Request.Method) && !HttpMethods.IsPut(http.Request.Method) && !HttpMethods.IsPatch(http.Request.Method))
        {
            await next(http);
            return;
        }
        // Chunked: buffer (memory, then disk past 30 KB) while counting, so the endpoint reads it as usual afterwards.
        limit.MaxRequestBodySize = DrainLimit;
        http.Request.EnableBuffering(bufferThreshold: 30 * 1024, bufferLimit: DrainLimit);
        long total = 0;
        var buffer = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                total += read;
            }
        }
        catch (IOException) when (total > max)
        {
            // Past the drain limit: answer now, the connection will close.
        }
        catch (BadHttpRequestException) when (total > max)
        {
        }
        if (total > max)
        {
            await TooLargeAsync(http, problems, max);
            return;
        }
        http.Request.Body.Position = 0;
        await next(http);
    }

    static Task TooLargeAsync(HttpContext http, IProblemDetailsService problems, long max)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = 413, Title = "Payload Too Large", Detail = $"The request body is larger than {max} bytes." },
        }).AsTask();
    }
}
