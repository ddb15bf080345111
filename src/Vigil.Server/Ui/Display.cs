using System.Globalization;

namespace Vigil.Server.Ui;

/// <summary>Formatting shared by the pages.</summary>
public static class Display
{
    /// <summary>A UTC instant as the UI shows it; the suffix says which zone.</summary>
    public static string When(DateTime? utc, string none = "") =>
        utc is { } at ? at.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : none;
}
