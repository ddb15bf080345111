using MudBlazor;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Http;
using Vigil.Server.Platform.Modules;

namespace Vigil.Server.Modules.Notifications;

/// <summary>Who hears about an event, and delivering it to every channel people use without losing it.</summary>
public sealed class NotificationsModule : VigilModule
{
    public const string ModuleName = "notifications";

    public override string Name => ModuleName;

    public override void AddServices(IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NotificationsOptions>().BindConfiguration(NotificationsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var timeout = builder.Configuration.GetSection(NotificationsOptions.Section).Get<NotificationsOptions>()?.SendTimeout ?? TimeSpan.FromSeconds(15);
        NotifyHttp.Register(services, timeout);
        services.AddTransient<ChannelDriver, DiscordDriver>();
        services.AddTransient<ChannelDriver, SlackDriver>();
        services.AddTransient<ChannelDriver, WebhookDriver>();
        services.AddTransient<ChannelDriver, NtfyDriver>();
        services.AddTransient<ChannelDriver, GotifyDriver>();
        services.AddTransient<ChannelDriver, TeamsDriver>();
        services.AddTransient<ChannelDriver, TelegramDriver>();
        services.AddTransient<ChannelDriver, PushoverDriver>();
        services.AddTransient<ChannelDriver, TwilioDriver>();
        services.AddTransient<ChannelDriver, SolapiDriver>();
        services.AddTransient<ChannelDriver, EmailDriver>();
        services.AddTransient<ChannelCodec>();
        services.AddScoped<AlertPublisher>();
        services.AddSingleton<MessageRenderer>();
        services.Configure<NotificationTemplates>(t =>
        {
            t.Kinds["notifications.channel_failing"] = new KindTemplate(Title: "Channel \"{{ event.fields.channel }}\" is failing");
        });
        services.AddSingleton<DestinationLimiter>();
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxDelivery>();
        services.AddSingleton<OutboxWriteTurn>();
        services.AddScoped<ChannelService>();
        services.AddScoped<IStartupSeed, DefaultChannelFromEnvironment>();
        services.AddScoped<SubscriptionService>();
        services.AddScoped<DeliveryService>();
        services.AddScoped<Platform.Admin.IDefaultChannel, DefaultChannelSeam>();
    }

    public override IEnumerable<NavItem> Navigation =>
    [
        new("Channels", "/notifications/channels", Icons.Material.Filled.Campaign, Order: 20),
        new("Subscriptions", "/notifications/subscriptions", Icons.Material.Filled.NotificationsActive, Order: 21),
        new("Deliveries", "/notifications/deliveries", Icons.Material.Filled.Outbox, Order: 22),
        new("Default channel", "/admin/default-channel", Icons.Material.Filled.Podcasts, Order: 23, AdminOnly: true),
    ];

    public override void MapEndpoints(RouteGroupBuilder api) => api.MapNotifications();

    public override void AddWorkers(IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NotificationDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
    }
}
