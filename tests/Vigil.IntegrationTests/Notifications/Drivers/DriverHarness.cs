using Microsoft.Extensions.DependencyInjection;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Http;

namespace Vigil.IntegrationTests.Notifications.Drivers;

/// <summary>A driver wired as the server wires it (guarded single-attempt client), allowed to reach loopback fakes.</summary>
public static class DriverHarness
{
    public static TDriver Create<TDriver>(string allowlist = "127.0.0.0/8") where TDriver : ChannelDriver
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<OutboundOptions>().Configure(o => o.Allowlist = allowlist);
        services.AddSingleton<IHostResolver, SystemHostResolver>();
        services.AddSingleton<UrlGuard>();
        services.AddSingleton(TimeProvider.System);
        NotifyHttp.Register(services, TimeSpan.FromSeconds(10));
        services.AddTransient<TDriver>();
        return services.BuildServiceProvider().GetRequiredService<TDriver>();
    }

    public static OutgoingMessage Message(string title = "VPS-1 back in stock", string text = "GRA is available", Severity severity = Severity.Info, IReadOnlyList<MessageItem>? items = null) =>
        new("evt_test_" + Guid.NewGuid().ToString("N")[..8], "restock.back_in_stock", severity, title, text, "**" + title + "**\n\n" + text, "<b>" + title + "</b>",
            [new MessageField("Datacenter", "GRA")], "https://www.ovhcloud.com/fr/vps/", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), items ?? []);

    /// <summary>The driver's Apprise form of a channel that has one.</summary>
    public static string AppriseOf(ChannelDriver driver, ChannelConfig config) => driver.ToAppriseUrl(config).ShouldNotBeNull();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
