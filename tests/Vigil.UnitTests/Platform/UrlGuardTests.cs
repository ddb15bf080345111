using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Http;

namespace Vigil.UnitTests.Platform;

public sealed class UrlGuardTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static UrlGuard Guard(string? allowlist = null, IHostResolver? resolver = null) =>
        new(Options.Create(new OutboundOptions { Allowlist = allowlist }), resolver ?? new SystemHostResolver());

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://127.1/")]
    [InlineData("http://2130706433/")]          // decimal 127.0.0.1
    [InlineData("http://0x7f000001/")]          // hex
    [InlineData("http://0177.0.0.1/")]          // octal
    [InlineData("http://017700000001/")]        // octal, one number
    [InlineData("http://0/")]
    [InlineData("http://10.1.2.3/")]
    [InlineData("http://172.16.0.1/")]
    [InlineData("http://172.31.255.255/")]
    [InlineData("http://192.168.1.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/")]
    [InlineData("http://100.100.100.200/")]    // Alibaba metadata, inside CGNAT
    [InlineData("http://224.0.0.1/")]
    [InlineData("http://255.255.255.255/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://[::ffff:7f00:1]/")]
    [InlineData("http://[::ffff:169.254.169.254]/")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/")]  // NAT64 of 169.254.169.254
    [InlineData("http://[2002:7f00:1::]/")]       // 6to4 of 127.0.0.1
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://[fc00::1]/")]
    [InlineData("http://[fd00:ec2::254]/")]       // AWS metadata over IPv6
    [InlineData("http://localhost/")]
    [InlineData("http://LOCALHOST./")]
    [InlineData("http://foo.localhost/")]
    [InlineData("http://metadata.google.internal/")]
    public void Private_loopback_and_metadata_targets_are_refused(string url) =>
        Guard().CheckSyntax(url).ShouldNotBeNull();

    [Theory]
    [InlineData("ftp://example.com/")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.com/")]
    [InlineData("not a url")]
    [InlineData("/relative/path")]
    public void Only_absolute_http_urls_are_accepted(string url) =>
        Guard().CheckSyntax(url).ShouldNotBeNull();

    [Theory]
    [InlineData("https://discord.com/api/webhooks/1/abc")]
    [InlineData("http://93.184.216.34/")]
    [InlineData("http://[2606:4700::1111]/")]
    public void Public_targets_pass(string url) => Guard().CheckSyntax(url).ShouldBeNull();

    [Fact]
    public void The_allowlist_opens_addresses_ranges_and_hosts()
    {
        var guard = Guard("127.0.0.0/8, hooks.corp.example, *.lan.example, ::1");

        guard.CheckSyntax("http://127.0.0.1:9000/hook").ShouldBeNull();
        guard.CheckSyntax("http://hooks.corp.example/").ShouldBeNull();
        guard.CheckSyntax("http://a.lan.example/").ShouldBeNull();
        guard.CheckSyntax("http://[::1]/").ShouldBeNull();
        guard.CheckSyntax("http://10.0.0.1/").ShouldNotBeNull();
        guard.CheckSyntax("http://lan.example.evil/").ShouldBeNull(); // public name, not matched by *.lan.example
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_is_refused()
    {
        var guard = Guard(resolver: new StubResolver("10.0.0.5"));
        (await guard.CheckAsync("http://innocent.example/", Ct)).ShouldNotBeNull();
        await Should.ThrowAsync<BlockedDestinationException>(() => guard.ResolveAllowedAsync("innocent.example", Ct));
    }

    [Fact]
    public async Task Only_the_public_addresses_of_a_mixed_answer_are_dialled()
    {
        var guard = Guard(resolver: new StubResolver("127.0.0.1", "93.184.216.34"));
        var allowed = await guard.ResolveAllowedAsync("mixed.example", Ct);
        allowed.ShouldBe([IPAddress.Parse("93.184.216.34")]);
    }

    [Fact]
    public async Task Dns_rebinding_is_caught_at_connect_time()
    {
        // First answer public (what a validation look-up sees), then loopback (what an attacker serves at connect time).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var resolver = new StubResolver("93.184.216.34") { Then = [IPAddress.Loopback] };
        var guard = Guard(resolver: resolver);

        (await guard.CheckAsync($"http://rebind.example:{port}/", Ct)).ShouldBeNull();

        using var http = new HttpClient(OutboundHttp.GuardedHandler(guard));
        var failure = await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync($"http://rebind.example:{port}/", Ct));
        OutboundHttp.IsBlocked(failure).ShouldBeTrue();
        listener.Pending().ShouldBeFalse();
    }

    [Fact]
    public async Task Redirects_to_a_blocked_address_are_refused_hop_by_hop()
    {
        // An allow-listed loopback server that redirects to the metadata service.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, Ct);
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), Ct);
        }, Ct);
        var guard = Guard("127.0.0.1/32");
        using var http = new HttpClient(new GuardedRedirectHandler(guard) { InnerHandler = OutboundHttp.GuardedHandler(guard) });

        var failure = await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync($"http://127.0.0.1:{port}/start", Ct));
        OutboundHttp.IsBlocked(failure).ShouldBeTrue();
        await serve;
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("172.16.0.0/12", "172.31.0.1", true)]
    [InlineData("172.16.0.0/12", "172.32.0.1", false)]
    [InlineData("fe80::/10", "febf::1", true)]
    [InlineData("fe80::/10", "fec0::1", false)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.9", true)]
    public void Ranges_match_by_prefix(string range, string address, bool inside) =>
        IpRange.Parse(range).Contains(IPAddress.Parse(address)).ShouldBe(inside);

    sealed class StubResolver(params string[] first) : IHostResolver
    {
        int _calls;

        public IPAddress[]? Then { get; init; }

        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
            Task.FromResult(Interlocked.Increment(ref _calls) == 1 || Then is null ? first.Select(IPAddress.Parse).ToArray() : Then);
    }
}
