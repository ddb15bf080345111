using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Delivers the outbox. Any replica may run it: rows are claimed with a lease (<see cref="OutboxClaims"/>), sent, and
/// recorded; only the lease holder may record, so a dispatcher that lost its lease cannot overwrite another's result.
/// A crash between sending and recording repeats that send once when the lease expires; nothing is ever lost.
/// </summary>
public sealed partial class NotificationDispatcher(
    IServiceScopeFactory scopes,
    OutboxDelivery delivery,
    OutboxSignal signal,
    OutboxWriteTurn writeTurn,
    TimeProvider clock,
    IOptions<NotificationsOptions> options,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    readonly string _owner = $"{Environment.ProcessId}/{Guid.NewGuid():N}";
    readonly NotificationsOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.RunDispatcher)
        {
            return;
        }
        // Two passes overlap: the next batch is claimed and prepared (database work) while the previous one is still
        // sending (network work), so neither waits for the other. Both share the dispatcher's send concurrency. The
        // loop waits for whichever pass ends first, not for the older one: a pass held up by one slow destination (up
        // to its send timeout) does not hold back what is due for every other destination, retries included.
        var sending = new List<Task>(MaxPassesInFlight);
        while (!stoppingToken.IsCancellationRequested)
        {
            Task? delivering = null;
            try
            {
                delivering = (await ClaimAsync(stoppingToken)).Delivering;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break; // the passes still sending record what they sent before the host stops
            }
            catch (Exception e)
            {
                // The database may be briefly unreachable (or slow past a command timeout); rows stay pending and are
                // retried on the next pass.
                LogPassFailed(logger, e);
            }
            // A pass that just ended may have handed rows back due now: look once more before idling.
            var justEnded = await SettleEndedAsync(sending);
            if (delivering is not null)
            {
                sending.Add(delivering);
            }
            if (sending.Count >= MaxPassesInFlight)
            {
                await Task.WhenAny(sending);
                await SettleEndedAsync(sending);
                continue;
            }
            if (delivering is null && !justEnded && !await IdleAsync(sending, stoppingToken))
            {
                break;
            }
        }
        foreach (var pass in sending)
        {
            await SettleAsync(pass);
        }
    }

    /// <summary>Passes sending at once: one being claimed and prepared while another sends.</summary>
    const int MaxPassesInFlight = 2;

    /// <summary>Takes the passes that have ended off the list; true when there was one.</summary>
    async Task<bool> SettleEndedAsync(List<Task> sending)
    {
        var ended = sending.Where(p => p.IsCompleted).ToList();
        foreach (var pass in ended)
        {
            sending.Remove(pass);
            await SettleAsync(pass);
        }
        return ended.Count > 0;
    }

    /// <summary>Waits for a pass to end; its failures were its own to log.</summary>
    async Task SettleAsync(Task pass)
    {
        try
        {
            await pass;
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        catch (Exception e)
        {
            LogPassFailed(logger, e);
        }
    }

    /// <summary>
    /// Waits until something may be due (the poll interval, a wake-up when a message is recorded, or the end of a pass
    /// still sending, which may hand rows back); false when stopping.
    /// </summary>
    async Task<bool> IdleAsync(List<Task> sending, CancellationToken stoppingToken)
    {
        var woken = signal.WaitAsync();
        try
        {
            await Task.WhenAny([Task.Delay(_options.PollInterval, clock, stoppingToken), woken, .. sending]);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        return !stoppingToken.IsCancellationRequested;
    }

    /// <summary>Claims what is due and delivers it; returns how many rows were handled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var (claimed, delivering) = await ClaimAsync(ct);
        if (delivering is not null)
        {
            await delivering;
        }
        return claimed;
    }

    /// <summary>Claims what is due and starts delivering it (<c>Delivering</c> is null when nothing was due).</summary>
    async Task<(int Claimed, Task? Delivering)> ClaimAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        List<OutboxMessage> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
            var provider = scope.ServiceProvider.GetRequiredService<DatabaseUrl>().Provider;
            using var turn = await writeTurn.TakeAsync(provider, ct);
            claimed = await OutboxClaims.ClaimAsync(db, provider, _owner, now, now + _options.Lease, _options.BatchSize, ct);
        }
        if (claimed.Count == 0)
        {
            return (0, null);
        }
        var claiming = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        LogClaimed(logger, claimed.Count, claiming);
        var groups = claimed.GroupBy(o => (o.ChannelId, o.GroupKey)).Select(g => g.OrderBy(o => o.Id).ToList()).ToList();
        return (claimed.Count, delivery.DeliverAsync(groups, _owner, test: false, ct));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification dispatch pass failed; will retry")]
    static partial void LogPassFailed(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Claimed {Count} outbox rows in {Claiming}")]
    static partial void LogClaimed(ILogger logger, int count, TimeSpan claiming);
}
