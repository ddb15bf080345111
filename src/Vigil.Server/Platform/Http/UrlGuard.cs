using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Platform.Http;

/// <summary>Resolves host names; an interface so tests can stand in a resolver that answers differently each time (DNS rebinding).</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct);
}

public sealed class SystemHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);
}

/// <summary>A user-supplied URL tried to reach an address it may not.</summary>
public sealed class BlockedDestinationException(string message) : Exception(message);

/// <summary>
/// The SSRF guard for every URL a user gives us. It refuses loopback, private, link-local, CGNAT, metadata,
/// multicast and reserved ranges (IPv4 and IPv6, including v4-mapped, NAT64 and 6to4 forms) unless
/// <c>OUTBOUND_ALLOWLIST</c> opens them. The decisive check happens at connect time on the address actually
/// dialled, so DNS rebinding and redirects cannot slip past a check made earlier.
/// </summary>
public sealed class UrlGuard
{
    static readonly IpRange[] Blocked =
    [
        IpRange.Parse("0.0.0.0/8"), IpRange.Parse("10.0.0.0/8"), IpRange.Parse("100.64.0.0/10"),
        IpRange.Parse("127.0.0.0/8"), IpRange.Parse("169.254.0.0/16"), IpRange.Parse("172.16.0.0/12"),
        IpRange.Parse("192.0.0.0/24"), IpRange.Parse("192.0.2.0/24"), IpRange.Parse("192.88.99.0/24"),
        IpRange.Parse("192.168.0.0/16"), IpRange.Parse("198.18.0.0/15"), IpRange.Parse("198.51.100.0/24"),
        IpRange.Parse("203.0.113.0/24"), IpRange.Parse("224.0.0.0/4"), IpRange.Parse("240.0.0.0/4"),
        IpRange.Parse("::/128"), IpRange.Parse("::1/128"), IpRange.Parse("100::/64"), IpRange.Parse("2001::/23"),
        IpRange.Parse("2001:db8::/32"), IpRange.Parse("fc00::/7"), IpRange.Parse("fe80::/10"),
        IpRange.Parse("fec0::/10"), IpRange.Parse("ff00::/8"),
    ];

    static readonly string[] BlockedHostSuffixes = ["localhost", ".localhost", ".local", ".internal", ".home.arpa"];

    readonly IpRange[] _allowedRanges;
    readonly string[] _allowedHosts;
    readonly IHostResolver _resolver;

    public UrlGuard(IOptions<OutboundOptions> options, IHostResolver resolver)
    {
        _resolver = resolver;
        var entries = (options.Value.Allowlist ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _allowedRanges = [.. entries.Select(e => IpRange.TryParse(e, out var r) ? r : null).OfType<IpRange>()];
        _allowedHosts = [.. entries.Where(e => !IpRange.TryParse(e, out _)).Select(e => e.ToLowerInvariant())];
    }

    /// <summary>Checks the shape of a URL without touching the network; returns the problem or null.</summary>
    public string? CheckSyntax(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "Must be an absolute URL.";
        }
        if (uri.Scheme is not ("http" or "https"))
        {
            return "Must be an http or https URL.";
        }
        if (uri.Host.Length == 0)
        {
            return "The URL names no host.";
        }
        if (HostAllowed(uri.IdnHost))
        {
            return null;
        }
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        if (BlockedHostSuffixes.Any(s => host == s.TrimStart('.') || host.EndsWith(s, StringComparison.Ordinal)))
        {
            return $"The host {uri.Host} is internal and not allowed.";
        }
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) && !AddressAllowed(literal))
        {
            return $"The address {literal} is private or reserved and not allowed.";
        }
        return null;
    }

    /// <summary>
    /// Syntax plus a DNS look-up now; the connect-time check still applies later. With
    /// <paramref name="requireResolvable"/> false, a name that does not resolve (yet, or from here) is accepted.
    /// </summary>
    public async Task<string?> CheckAsync(string url, CancellationToken ct, bool requireResolvable = true)
    {
        if (CheckSyntax(url) is { } problem)
        {
            return problem;
        }
        var uri = new Uri(url);
        try
        {
            await ResolveAllowedAsync(uri.IdnHost, ct);
            return null;
        }
        catch (BlockedDestinationException e)
        {
            return e.Message;
        }
        catch (SocketException)
        {
            return requireResolvable ? $"The host {uri.Host} could not be resolved." : null;
        }
    }

    /// <summary>The addresses of <paramref name="host"/> that may be dialled; throws when there are none.</summary>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken ct)
    {
        host = host.Trim('[', ']');
        var hostAllowed = HostAllowed(host);
        if (!hostAllowed && CheckSyntax("http://" + (host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host) + "/") is { } problem)
        {
            throw new BlockedDestinationException(problem);
        }
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolver.ResolveAsync(host, ct);
        var allowed = hostAllowed ? addresses : addresses.Where(AddressAllowed).ToArray();
        if (allowed.Length == 0)
        {
            throw new BlockedDestinationException(addresses.Length == 0
                ? $"The host {host} has no addresses."
                : $"The host {host} resolves to a private or reserved address, which is not allowed.");
        }
        return allowed;
    }

    /// <summary><see cref="SocketsHttpHandler.ConnectCallback"/>: dial only an address that passed the check.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await ResolveAllowedAsync(context.DnsEndPoint.Host, ct);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    public bool AddressAllowed(IPAddress address)
    {
        if (_allowedRanges.Any(r => r.Contains(address)))
        {
            return true;
        }
        return !IsReserved(address);
    }

    /// <summary>True for every address a user URL must not reach by default.</summary>
    public static bool IsReserved(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsReserved(address.MapToIPv4());
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            // NAT64 (64:ff9b::/96), IPv4-compatible (::/96) and 6to4 (2002::/16) carry an IPv4 address inside.
            if (bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b && bytes[4..12].All(b => b == 0))
            {
                return IsReserved(new IPAddress(bytes[12..16]));
            }
            if (bytes[..12].All(b => b == 0) && !(bytes[12..15].All(b => b == 0) && bytes[15] <= 1))
            {
                return IsReserved(new IPAddress(bytes[12..16]));
            }
            if (bytes[0] == 0x20 && bytes[1] == 0x02)
            {
                return IsReserved(new IPAddress(bytes[2..6]));
            }
        }
        return Blocked.Any(r => r.Contains(address));
    }

    bool HostAllowed(string host)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        return _allowedHosts.Any(h => h == host || (h.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(h[1..], StringComparison.Ordinal)));
    }
}

/// <summary>An address range in CIDR notation.</summary>
public sealed record IpRange(IPAddress Network, int PrefixLength)
{
    public static IpRange Parse(string text) =>
        TryParse(text, out var range) ? range : throw new FormatException($"'{text}' is not an address or CIDR range.");

    public static bool TryParse(string text, out IpRange range)
    {
        range = null!;
        var parts = text.Split('/', 2);
        if (!IPAddress.TryParse(parts[0], out var network))
        {
            return false;
        }
        var max = network.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = max;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out prefix) || prefix < 0 || prefix > max))
        {
            return false;
        }
        range = new IpRange(network, prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6 && Network.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != Network.AddressFamily)
        {
            return false;
        }
        var a = address.GetAddressBytes();
        var n = Network.GetAddressBytes();
        var full = PrefixLength / 8;
        for (var i = 0; i < full; i++)
        {
            if (a[i] != n[i])
            {
                return false;
            }
        }
        var rest = PrefixLength % 8;
        if (rest == 0)
        {
            return true;
        }
        var mask = (byte)(0xFF << (8 - rest));
        return (a[full] & mask) == (n[full] & mask);
    }
}
