namespace Vigil.Server.Platform.Api;

/// <summary>Streams a CSV body written by <paramref name="write"/> as an attachment.</summary>
public sealed class CsvResult(string fileName, Func<Stream, CancellationToken, Task> write) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.ContentType = "text/csv; charset=utf-8";
        httpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        await write(httpContext.Response.Body, httpContext.RequestAborted);
    }
}
