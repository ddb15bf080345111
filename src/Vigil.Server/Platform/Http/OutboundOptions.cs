namespace Vigil.Server.Platform.Http;

/// <summary>Outbound HTTP settings.</summary>
public sealed class OutboundOptions
{
    public const string Section = "Outbound";

    /// <summary>
    /// Comma-separated hosts (<c>hooks.internal</c>, <c>*.corp.example</c>) or addresses/CIDRs (<c>127.0.0.0/8</c>,
    /// <c>fd00::/8</c>) that user-supplied URLs may reach even though they are private (<c>OUTBOUND_ALLOWLIST</c>).
    /// </summary>
    public string? Allowlist { get; set; }
}
