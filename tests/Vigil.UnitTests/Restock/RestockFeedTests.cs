using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Server.Modules.Restock;

namespace Vigil.UnitTests.Restock;

/// <summary>The in-process change feed: bounded stream subscriptions, the stream cap, and changes heard twice going out once.</summary>
public sealed class RestockFeedTests
{
    static readonly DateTime T0 = new(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    static RestockFeed NewFeed() =>
        new(new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), new FakeTimeProvider(T0), NullLogger<RestockFeed>.Instance);

    static StockChange Change(string datacenter, StockState state, DateTime at, string track = "linux") =>
        new("FR", "vps-1", datacenter, track, StockState.OutOfStock, state, at);

    static List<StockChange> Drain(RestockFeed.Subscription subscription)
    {
        var all = new List<StockChange>();
        while (subscription.TryRead(out var changes))
        {
            all.AddRange(changes);
        }
        return all;
    }

    [Fact]
    public void Without_streams_every_change_is_delivered_as_published()
    {
        var feed = NewFeed();
        var heard = new List<StockChange>();
        feed.Changed += heard.AddRange;

        feed.Publish([Change("GRA", StockState.InStock, T0)]);
        feed.Publish([Change("GRA", StockState.InStock, T0)]);

        heard.Count.ShouldBe(2, "a board only reloads; nothing is remembered while no stream is open");
        feed.Listeners.ShouldBe(1);
        feed.Streams.ShouldBe(0);
    }

    [Fact]
    public void While_a_stream_is_open_a_change_heard_twice_or_late_goes_out_once()
    {
        var feed = NewFeed();
        using var subscription = feed.Subscribe(100, 10).ShouldNotBeNull();
        var later = T0.AddMinutes(2);

        feed.Publish([Change("GRA", StockState.InStock, later), Change("SBG", StockState.InStock, later)]);
        // The same changes read back from the database (PostgreSQL keeps microseconds), and an older one.
        feed.Publish([Change("GRA", StockState.InStock, later.AddTicks(-(later.Ticks % 10))), Change("SBG", StockState.OutOfStock, T0.AddMinutes(1)),
            Change("SBG", StockState.InStock, later, track: "windows")]);

        Drain(subscription).Select(c => (c.Datacenter, c.Track, c.State)).ShouldBe(
            [("GRA", "linux", StockState.InStock), ("SBG", "linux", StockState.InStock), ("SBG", "windows", StockState.InStock)]);
    }

    [Fact]
    public async Task A_subscription_that_would_hold_more_than_its_capacity_is_dropped_and_released_once()
    {
        var feed = NewFeed();
        var subscription = feed.Subscribe(3, 10).ShouldNotBeNull();
        feed.Listeners.ShouldBe(1);

        feed.Publish([Change("GRA", StockState.InStock, T0), Change("SBG", StockState.InStock, T0)]);
        subscription.TryRead(out var first).ShouldBeTrue();
        first.Count.ShouldBe(2);
        feed.Publish([Change("GRA", StockState.OutOfStock, T0.AddMinutes(2)), Change("SBG", StockState.OutOfStock, T0.AddMinutes(2))]);
        subscription.Overflowed.ShouldBeFalse("what was taken no longer counts");
        feed.Publish([Change("DE", StockState.InStock, T0.AddMinutes(2)), Change("UK", StockState.InStock, T0.AddMinutes(2))]);

        subscription.Overflowed.ShouldBeTrue();
        await Task.Delay(Timeout.Infinite, subscription.Dropped).ContinueWith(_ => { }, TestContext.Current.CancellationToken);
        subscription.Dropped.IsCancellationRequested.ShouldBeTrue();
        feed.Publish([Change("WAW", StockState.InStock, T0.AddMinutes(3))]);
        Drain(subscription).Count.ShouldBe(2, "nothing is queued after the drop");

        subscription.Dispose();
        subscription.Dispose();
        feed.Streams.ShouldBe(0);
        feed.Listeners.ShouldBe(0);
    }

    [Fact]
    public void No_more_than_the_cap_of_streams_are_open_at_once()
    {
        var feed = NewFeed();
        var first = feed.Subscribe(10, 2).ShouldNotBeNull();
        using var second = feed.Subscribe(10, 2).ShouldNotBeNull();

        feed.Subscribe(10, 2).ShouldBeNull();
        first.Dispose();
        using var third = feed.Subscribe(10, 2).ShouldNotBeNull();
        feed.Streams.ShouldBe(2);
    }
}
