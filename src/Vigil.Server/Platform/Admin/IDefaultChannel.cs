using Vigil.Server.Platform.Api;

namespace Vigil.Server.Platform.Admin;

/// <summary>
/// The system default notification channel, as the notifications module keeps it. Admin settings read and write it
/// through this seam so the platform does not depend on the module; with the module off, a plain setting is used.
/// </summary>
public interface IDefaultChannel
{
    /// <summary>The channel's target, masked, or null when none is set.</summary>
    Task<string?> MaskedTargetAsync(CancellationToken ct);

    /// <summary>Sets (or, with null, removes) the default channel from a URL (native or Apprise).</summary>
    Task<Outcome<string?>> SetAsync(string? url, CancellationToken ct);
}
