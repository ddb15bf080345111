using System.Globalization;
using CsvHelper;

namespace Vigil.Server.Platform.Api;

/// <summary>How every CSV we write looks: RFC 4180, UTF-8 with a BOM (so spreadsheets detect it), formula injection escaped.</summary>
public static class CsvFiles
{
    public static readonly CsvWriterOptions Options = new()
    {
        WriteByteOrderMark = true,
        Injection = CsvInjection.Escape,
        NewLine = "\r\n",
    };

    /// <summary>ISO-8601 UTC with milliseconds, e.g. <c>2026-03-01T09:00:00.000Z</c>.</summary>
    public static string Instant(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
