namespace Vigil.Server.Platform.Data;

/// <summary>Values in the form EF Core stores them in on SQLite, for hand-written SQL that compares with stored columns.</summary>
public static class SqliteValues
{
    /// <summary>An id (Guid) as SQLite holds it: upper-case text.</summary>
    public static string Id(Guid id) => id.ToString().ToUpperInvariant();

    /// <summary>A time as SQLite holds it (the text Microsoft.Data.Sqlite binds a <see cref="DateTime"/> parameter as).</summary>
    public static string Time(DateTime time) => time.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);
}
