using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Http;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Sends leased outbox rows, one message per (channel, group), and records what happened: delivery attempts, the
/// rows' new state (sent, retry later with backoff, failed, dropped by cooldown), and each channel's health. Used by
/// the dispatcher for a whole claimed batch and by the channel test button for one row.
/// </summary>
/// <remarks>
/// A batch costs a fixed handful of round trips, whatever its size: channels, cooldowns and events are read once,
/// each channel's configuration is decrypted once, sends run concurrently, and their results are written by one
/// recorder in a few transactions as they come in, so a slow destination never holds back the others' bookkeeping.
/// </remarks>
public sealed partial class OutboxDelivery(
    IServiceScopeFactory scopes,
    DestinationLimiter limiter,
    OutboxWriteTurn writeTurn,
    MessageRenderer renderer,
    TimeProvider clock,
    IOptions<NotificationsOptions> options,
    ILogger<OutboxDelivery> logger) : IDisposable
{
    readonly NotificationsOptions _options = options.Value;

    /// <summary>
    /// Lease a send must still have before it starts: its timeout and five seconds, or half the lease when the lease
    /// is configured shorter than that.
    /// </summary>
    TimeSpan NeededLease => TimeSpan.FromTicks(Math.Min((_options.SendTimeout + TimeSpan.FromSeconds(5)).Ticks, _options.Lease.Ticks / 2));

    /// <summary>
    /// Rows the recorder gathers into one transaction: a whole pass at the usual batch size. Each commit writes every
    /// page it touched once, and on SQLite holds the only write turn, so fewer, larger commits let more through; the
    /// next pass sends meanwhile, and <see cref="RecordGather"/> bounds how long an outcome waits.
    /// </summary>
    const int RecordRows = 1000;

    /// <summary>Longest an outcome waits for others to share its transaction.</summary>
    static readonly TimeSpan RecordGather = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Delivers groups of rows that <paramref name="owner"/> holds the lease on (each group one channel and group key)
    /// and records the outcomes. A channel test passes <paramref name="test"/>: it ignores cooldown, pacing and a
    /// broken state.
    /// </summary>
    public async Task DeliverAsync(IReadOnlyList<List<OutboxMessage>> groups, string owner, bool test, CancellationToken ct)
    {
        if (groups.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var started = Stopwatch.GetTimestamp();
        var settled = System.Threading.Channels.Channel.CreateUnbounded<Settled>(new() { SingleReader = true });
        var writes = new WriteStats();
        // The recorder ignores shutdown: what was sent is recorded even when the host is stopping, so a graceful
        // stop never sends anything twice. Each write has its own time limit instead.
        var recorder = RecordAsync(settled.Reader, owner, writes);
        var prepared = TimeSpan.Zero;
        var sent = 0;
        var inFlight = new HashSet<(Guid, string)>();
        try
        {
            var sends = await PrepareAsync(groups, test, now, settled.Writer, inFlight, ct);
            prepared = Stopwatch.GetElapsedTime(started);
            sent = sends.Count;
            // Dispatcher passes overlap and share one gate; a test send has its own, so it never waits behind them.
            // Each slot of the gate is a worker that sends one message after another from the pass's queue and gives
            // the slot back when the queue is empty: a message sent does not hand its slot to the next through the
            // gate's wait list (a thread-pool hop per message), and a worker held up by a slow destination holds one
            // slot only, so the rest of the pass, and the next pass, go on around it.
            using var own = test ? new SemaphoreSlim(1) : null;
            var gate = own ?? _sendGate;
            var queue = new System.Collections.Concurrent.ConcurrentQueue<Send>(sends);
            var workers = Math.Min(sends.Count, test ? 1 : SendSlots(_options));
            await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
            {
                await gate.WaitAsync(ct);
                try
                {
                    while (queue.TryDequeue(out var send))
                    {
                        await SendOneAsync(send, settled.Writer, ct);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        finally
        {
            settled.Writer.TryComplete();
            await recorder;
            Unhold(inFlight);
            var total = Stopwatch.GetElapsedTime(started);
            LogPass(logger, groups.Count, sent, prepared, total, writes.Count, writes.Elapsed);
        }
    }

    /// <summary>Sends one message and hands its outcome to the recorder.</summary>
    async Task SendOneAsync(Send send, System.Threading.Channels.ChannelWriter<Settled> settled, CancellationToken ct)
    {
        try
        {
            // A send that could outlast the lease would let another replica take the rows and send them again: hand
            // them back instead, due now.
            var at = clock.GetUtcNow().UtcDateTime;
            settled.TryWrite(LeaseEnd(send.Rows) - at < NeededLease
                ? new Released(send.Rows, at)
                : await SendAsync(send, ct));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Not a delivery outcome but a bug or a crash in the making: leave the rows leased, so they are retried
            // when the lease expires, and say so.
            LogGroupFailed(logger, send.Channel.Id, e);
        }
    }

    /// <summary>When the first of the rows' leases ends.</summary>
    static DateTime LeaseEnd(List<OutboxMessage> rows)
    {
        var end = DateTime.MaxValue;
        foreach (var row in rows)
        {
            if (row.LeaseUntil is { } until && until < end)
            {
                end = until;
            }
        }
        return end;
    }

    sealed class WriteStats
    {
        public int Count { get; set; }
        public TimeSpan Elapsed { get; set; }
    }

    /// <summary>Sends in flight at once across the dispatcher's overlapping passes.</summary>
    readonly SemaphoreSlim _sendGate = new(SendSlots(options.Value));

    /// <summary>How many sends the dispatcher has in flight at most.</summary>
    static int SendSlots(NotificationsOptions o) => Math.Max(1, o.Concurrency);

    public void Dispose() => _sendGate.Dispose();

    /// <summary>
    /// (channel, subject) pairs under cooldown that a pass is sending and has not yet recorded, each with the set of
    /// the pass that holds it. An overlapping pass cannot see those sends in the database yet, so it hands such rows
    /// back for a moment instead of sending them too.
    /// </summary>
    readonly Dictionary<(Guid, string), HashSet<(Guid, string)>> _coolingInFlight = [];

    /// <summary>How long a row waits when its subject is being sent to the same channel by another pass.</summary>
    static readonly TimeSpan InFlightWait = TimeSpan.FromSeconds(1);

    /// <summary>Takes a pair for the pass whose set is <paramref name="held"/>; false when another pass holds it.</summary>
    bool TryHold((Guid, string) pair, HashSet<(Guid, string)> held)
    {
        lock (_coolingInFlight)
        {
            if (_coolingInFlight.TryGetValue(pair, out var holder))
            {
                return ReferenceEquals(holder, held);
            }
            _coolingInFlight[pair] = held;
        }
        held.Add(pair);
        return true;
    }

    void Unhold(HashSet<(Guid, string)> held)
    {
        if (held.Count == 0)
        {
            return;
        }
        lock (_coolingInFlight)
        {
            foreach (var pair in held)
            {
                _coolingInFlight.Remove(pair);
            }
        }
    }

    /// <summary>What a delivery needs of a channel (read without the rest of its row).</summary>
    sealed record DeliveryChannel(Guid Id, ChannelType Type, bool Enabled, ChannelHealth Health, string ConfigCipher);

    /// <summary>One message to send: a group's rows that survived the checks, its channel and the events it reports.</summary>
    sealed record Send(DeliveryChannel Channel, ChannelConfig Config, ChannelDriver Driver, string Destination, List<OutboxMessage> Rows, List<AlertEvent> Events)
    {
        /// <summary>Recipients every row of the message already reached on an earlier attempt.</summary>
        public IReadOnlySet<string> Delivered { get; init; } = OutgoingMessage.Nobody;
    }

    static IEnumerable<string> Recipients(string? delivered) => (delivered ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>What became of some rows; written by the recorder.</summary>
    abstract record Settled(List<OutboxMessage> Rows);

    /// <summary>Ended without an attempt (dropped, or undeliverable for good).</summary>
    sealed record Finished(List<OutboxMessage> Rows, OutboxStatus Status, string Reason, string? Error) : Settled(Rows);

    /// <summary>Not an attempt, just not yet: handed back with a later due time.</summary>
    sealed record Released(List<OutboxMessage> Rows, DateTime DueAt) : Settled(Rows);

    /// <summary>Sent (or tried): one attempt per row.</summary>
    sealed record Attempted(List<OutboxMessage> Rows, Guid ChannelId, SendResult Result, DateTime StartedAt, int DurationMs) : Settled(Rows);

    /// <summary>Reads channels, cooldowns and events for the whole batch and settles what needs no send.</summary>
    async Task<List<Send>> PrepareAsync(
        IReadOnlyList<List<OutboxMessage>> groups, bool test, DateTime now, System.Threading.Channels.ChannelWriter<Settled> settled, HashSet<(Guid, string)> held, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var codec = scope.ServiceProvider.GetRequiredService<ChannelCodec>();

        var channelIds = groups.Select(g => g[0].ChannelId).Distinct().ToList();
        var channels = await db.Set<Channel>().Where(c => channelIds.Contains(c.Id))
            .Select(c => new DeliveryChannel(c.Id, c.Type, c.Enabled, c.Health, c.ConfigCipher)).ToDictionaryAsync(c => c.Id, ct);
        var configs = new Dictionary<Guid, ChannelConfig?>();
        foreach (var channel in channels.Values)
        {
            configs[channel.Id] = Decrypted(codec, channel);
        }

        var usable = new List<(DeliveryChannel Channel, ChannelConfig Config, List<OutboxMessage> Rows)>();
        foreach (var group in groups)
        {
            var channel = channels.GetValueOrDefault(group[0].ChannelId);
            if (channel is null || (!test && (!channel.Enabled || channel.Health == ChannelHealth.Broken)))
            {
                settled.TryWrite(new Finished(group, OutboxStatus.Dropped, channel is null ? "channel_deleted" : channel.Enabled ? "channel_broken" : "channel_disabled", null));
            }
            else if (configs[channel.Id] is not { } config)
            {
                settled.TryWrite(new Finished(group, OutboxStatus.Failed, "undecryptable", "The channel's configuration cannot be decrypted (lost keys?)."));
            }
            else
            {
                usable.Add((channel, config, group));
            }
        }

        // Cooldown: a destination hears about one subject at most once per cooldown. One query for the batch: the
        // last send of each (channel, subject) within the longest cooldown at stake.
        var cooldowns = usable.SelectMany(u => u.Rows.Select(r => (Row: r, Cooldown: test ? TimeSpan.Zero : CooldownFor(r, u.Config))))
            .Where(x => x.Cooldown > TimeSpan.Zero).ToDictionary(x => x.Row.Id, x => x.Cooldown);
        var lastSent = new Dictionary<(Guid, string), DateTime>();
        if (cooldowns.Count > 0)
        {
            var since = now - cooldowns.Values.Max();
            var pairs = usable.SelectMany(u => u.Rows).Where(r => cooldowns.ContainsKey(r.Id)).Select(r => (r.ChannelId, r.SubjectKey)).Distinct().ToList();
            var provider = scope.ServiceProvider.GetRequiredService<DatabaseUrl>().Provider;
            foreach (var recent in await LastSentAsync(db, provider, pairs, since, ct))
            {
                lastSent[(recent.ChannelId, recent.SubjectKey)] = recent.At;
            }
        }

        var pending = new List<(DeliveryChannel Channel, ChannelConfig Config, List<OutboxMessage> Rows)>();
        // Pairs under cooldown that an earlier message of this pass goes out with: a later message (another kind on
        // the same subject: "down", then "up") waits until that send is recorded, then cools down, or goes if it failed.
        var sendingNow = new HashSet<(Guid, string)>();
        foreach (var (channel, config, rows) in usable)
        {
            var sendable = new List<OutboxMessage>();
            foreach (var row in rows)
            {
                var pair = (row.ChannelId, row.SubjectKey);
                var cooling = cooldowns.TryGetValue(row.Id, out var cooldown);
                if (cooling && lastSent.TryGetValue(pair, out var at) && at > now - cooldown)
                {
                    settled.TryWrite(new Finished([row], OutboxStatus.Dropped, "cooldown", null));
                }
                else if (cooling && (sendingNow.Contains(pair) || !TryHold(pair, held)))
                {
                    settled.TryWrite(new Released([row], now + InFlightWait));
                }
                else
                {
                    sendable.Add(row);
                }
            }
            if (sendable.Count > 0)
            {
                pending.Add((channel, config, sendable));
                sendingNow.UnionWith(sendable.Where(r => cooldowns.ContainsKey(r.Id)).Select(r => (r.ChannelId, r.SubjectKey)));
            }
        }

        var eventIds = pending.SelectMany(p => p.Rows.Select(r => r.EventId)).Distinct().ToList();
        var events = eventIds.Count == 0
            ? []
            : await db.Set<AlertEvent>().AsNoTracking().Where(e => eventIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);

        // Retries only (a first try has reached no one): which recipients each already reached.
        var retried = pending.SelectMany(p => p.Rows).Where(r => r.Attempts > 0).Select(r => r.Id).ToList();
        var delivered = retried.Count == 0
            ? []
            : await db.Set<OutboxMessage>().AsNoTracking().Where(o => retried.Contains(o.Id) && o.Delivered != null).ToDictionaryAsync(o => o.Id, o => o.Delivered!, ct);
        var sends = new List<Send>(pending.Count);
        foreach (var (channel, config, rows) in pending)
        {
            var driver = codec.Driver(channel.Type);
            var destination = channel.Type + ":" + driver.DestinationKey(config);
            if (!test && limiter.TryAcquire(destination, driver.PaceFor(config)) is { } wait)
            {
                settled.TryWrite(new Released(rows, now + wait));
                continue;
            }
            var reported = rows.Select(r => r.EventId).Distinct().Where(events.ContainsKey).Select(id => events[id]).ToList();
            // A message tried before may have reached some of a channel's recipients: only those all its rows reached are skipped.
            var skip = OutgoingMessage.Nobody;
            if (delivered.Count > 0)
            {
                var reached = rows.Select(r => delivered.TryGetValue(r.Id, out var d) ? Recipients(d).ToHashSet(StringComparer.Ordinal) : []).ToList();
                skip = reached.Skip(1).Aggregate(reached[0], (all, next) => [.. all.Intersect(next, StringComparer.Ordinal)]);
            }
            sends.Add(new Send(channel, config, driver, destination, rows, reported) { Delivered = skip });
        }
        return sends;
    }

    /// <summary>How much longer than its cooldown a message may have taken from creation to sending and still count.</summary>
    public static readonly TimeSpan CooldownHorizon = TimeSpan.FromDays(1);

    /// <summary>The last send to a (channel, subject) after a time.</summary>
    public sealed record RecentSend(Guid ChannelId, string SubjectKey, DateTime At);

    /// <summary>
    /// The last send of each (channel, subject) since <paramref name="since"/> (a message sent, or one that failed after
    /// reaching some of the channel's recipients): one index range per pair on
    /// (channel, subject, created at), so the cost follows the batch and not the history. (Filtering the table by the
    /// lists of channels and of subjects instead lets the planner walk every sent row.) A message created more than
    /// <see cref="CooldownHorizon"/> before the cooldown began is not looked at, even if it was sent within it.
    /// </summary>
    static async Task<List<RecentSend>> LastSentAsync(VigilDb db, DatabaseProvider provider, List<(Guid ChannelId, string SubjectKey)> pairs, DateTime since, CancellationToken ct)
    {
        var sent = nameof(OutboxStatus.Sent);
        // A message that reached some of a channel's recipients (chats, numbers) before failing for the others was heard.
        var failed = nameof(OutboxStatus.Failed);
        var created = since - CooldownHorizon;
        var found = provider == DatabaseProvider.Postgres
            ? db.Database.SqlQuery<RecentSend>($"""
                SELECT p.channel AS "ChannelId", p.subject AS "SubjectKey", l.at AS "At"
                FROM unnest({pairs.Select(p => p.ChannelId).ToArray()}, {pairs.Select(p => p.SubjectKey).ToArray()}) AS p(channel, subject)
                CROSS JOIN LATERAL (
                    SELECT max(o."CompletedAt") AS at FROM notification_outbox o
                    WHERE o."ChannelId" = p.channel AND o."SubjectKey" = p.subject AND o."CreatedAt" > {created}
                      AND o."CompletedAt" > {since} AND (o."Status" = {sent} OR (o."Status" = {failed} AND o."Delivered" IS NOT NULL))) AS l
                WHERE l.at IS NOT NULL
                """)
            : db.Database.SqlQuery<RecentSend>($"""
                SELECT "ChannelId", "SubjectKey", "At" FROM (
                    SELECT json_extract(p.value, '$[0]') AS "ChannelId", json_extract(p.value, '$[1]') AS "SubjectKey",
                        (SELECT max(o."CompletedAt") FROM notification_outbox o INDEXED BY "IX_notification_outbox_ChannelId_SubjectKey_CreatedAt"
                         WHERE o."ChannelId" = json_extract(p.value, '$[0]') AND o."SubjectKey" = json_extract(p.value, '$[1]')
                           AND o."CreatedAt" > {created} AND o."CompletedAt" > {since} AND (o."Status" = {sent} OR (o."Status" = {failed} AND o."Delivered" IS NOT NULL))) AS "At"
                    FROM json_each({OutboxClaims.SqlitePairs(pairs)}) AS p)
                WHERE "At" IS NOT NULL
                """);
        return await found.ToListAsync(ct);
    }

    /// <summary>
    /// Decrypted channel configurations, kept between passes: keyed by the ciphertext itself, so an edited channel
    /// (new ciphertext) is decrypted afresh and a deleted one simply stops being asked for.
    /// </summary>
    readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, (string Cipher, ChannelConfig? Config)> _configs = new();

    /// <summary>Most configurations kept; past it the cache starts over (a pass then decrypts what it needs again).</summary>
    const int ConfigCacheSize = 20_000;

    ChannelConfig? Decrypted(ChannelCodec codec, DeliveryChannel channel)
    {
        if (_configs.TryGetValue(channel.Id, out var cached) && string.Equals(cached.Cipher, channel.ConfigCipher, StringComparison.Ordinal))
        {
            return cached.Config;
        }
        var config = codec.Unprotect(channel.Type, channel.ConfigCipher);
        if (config is not null)
        {
            if (_configs.Count >= ConfigCacheSize)
            {
                _configs.Clear();
            }
            _configs[channel.Id] = (channel.ConfigCipher, config);
        }
        return config;
    }

    async Task<Attempted> SendAsync(Send send, CancellationToken ct)
    {
        var startedAt = clock.GetUtcNow().UtcDateTime;
        var started = Stopwatch.GetTimestamp();
        OutgoingMessage message;
        try
        {
            var rendered = renderer.Render(send.Events, send.Rows[0].IdempotencyKey, send.Config, AlertPublisher.IsDigest(send.Rows[0].GroupKey));
            message = rendered with { AlreadyDelivered = send.Delivered };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The channel's template fails on this message (it would every time): a failed message the owner hears
            // about, not one retried unseen at every lease expiry.
            LogSendFailed(logger, send.Channel.Id, e);
            return new Attempted(send.Rows, send.Channel.Id, SendResult.Permanent("The message template failed: " + Innermost(e).Message), startedAt, 0);
        }
        SendResult result;
        try
        {
            result = await send.Driver.SendAsync(send.Config, message, ct);
        }
        catch (Exception e) when (OutboundHttp.IsBlocked(e))
        {
            result = SendResult.Permanent("Blocked: " + Innermost(e).Message);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutException
                                  || (e is TaskCanceledException or OperationCanceledException && !ct.IsCancellationRequested))
        {
            result = SendResult.Transient(Innermost(e).Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Neither an answer nor the network: a setting the HTTP stack refuses (a malformed URL or header) or a
            // bug. Recorded as a failed attempt like any other, so the message ends failed, the channel shows
            // unhealthy and its owner is told, instead of the rows being retried unseen at every lease expiry.
            LogSendFailed(logger, send.Channel.Id, e);
            result = e is ArgumentException or FormatException or InvalidOperationException
                ? SendResult.Permanent("The channel's settings cannot be sent: " + Innermost(e).Message)
                : SendResult.Transient("Sending failed: " + Innermost(e).Message);
        }
        var duration = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (result.Outcome == DeliveryOutcome.Retry && result.RetryAfter is { } retryAfter)
        {
            limiter.Block(send.Destination, retryAfter);
        }
        if (result.Pause is { } pause)
        {
            limiter.Block(send.Destination, pause);
        }
        return new Attempted(send.Rows, send.Channel.Id, result, startedAt, duration);
    }

    /// <summary>
    /// Writes outcomes as they arrive, gathered into transactions of about <see cref="RecordRows"/> rows: each
    /// commit writes every database page it touched once, so a few large commits write far less than many small ones.
    /// Whatever has settled is written at the latest <see cref="RecordGather"/> after the first of it, or when the
    /// sends are done, so a slow destination never holds back the others' bookkeeping for long. Only rows still leased
    /// to <paramref name="owner"/> are touched, so a dispatcher whose lease expired cannot overwrite another's result.
    /// </summary>
    async Task RecordAsync(System.Threading.Channels.ChannelReader<Settled> reader, string owner, WriteStats stats)
    {
        var chunk = new List<Settled>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            await GatherAsync(reader, chunk);
            var started = Stopwatch.GetTimestamp();
            await WriteWithRetriesAsync(chunk, owner);
            stats.Count++;
            stats.Elapsed += Stopwatch.GetElapsedTime(started);
            chunk.Clear();
        }
    }

    /// <summary>Takes outcomes until they hold about <see cref="RecordRows"/> rows, the sends are done, or <see cref="RecordGather"/> has passed.</summary>
    async Task GatherAsync(System.Threading.Channels.ChannelReader<Settled> reader, List<Settled> chunk)
    {
        using var gather = new CancellationTokenSource(RecordGather, clock);
        var rows = 0;
        do
        {
            while (rows < RecordRows && reader.TryRead(out var item))
            {
                chunk.Add(item);
                rows += item.Rows.Count;
            }
        }
        while (rows < RecordRows && await MoreAsync(reader, gather.Token));
    }

    /// <summary>Waits for another outcome; false when the sends are done or the gathering time is up.</summary>
    static async Task<bool> MoreAsync(System.Threading.Channels.ChannelReader<Settled> reader, CancellationToken gather)
    {
        try
        {
            return await reader.WaitToReadAsync(gather);
        }
        catch (OperationCanceledException) when (gather.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Delays before the second and third try of a write that failed (a busy or briefly unreachable database).</summary>
    static readonly TimeSpan[] WriteRetries = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)];

    /// <summary>
    /// A failed write is rolled back whole, so it is simply tried again; if it keeps failing the rows stay leased and
    /// are sent again when the lease expires (at most one duplicate, nothing lost).
    /// </summary>
    async Task WriteWithRetriesAsync(List<Settled> chunk, string owner)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30), clock);
            try
            {
                await WriteAsync(chunk, owner, limit.Token);
                return;
            }
            catch (Exception e) when (attempt < WriteRetries.Length && e is System.Data.Common.DbException or DbUpdateException or TimeoutException or OperationCanceledException)
            {
                LogWriteRetried(logger, attempt + 1, e);
                await Task.Delay(WriteRetries[attempt], clock, CancellationToken.None);
            }
        }
    }

    async Task WriteAsync(List<Settled> chunk, string owner, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        using var turn = await writeTurn.TakeAsync(scope.ServiceProvider.GetRequiredService<DatabaseUrl>().Provider, ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // The common case, a plain success, is written set-wise: a few statements for the whole chunk. Anything else
        // (failures, retries, remote ids to keep) and every other outcome on the same channel goes through the
        // change tracker, in the order the outcomes arrived, so a channel's health follows its latest attempt.
        var attempted = chunk.OfType<Attempted>().ToList();
        var eventful = attempted.Where(a => !IsPlainSuccess(a)).Select(a => a.ChannelId).ToHashSet();
        // By reference: an outcome is one send's, and a record's own equality would hash every member (texts included)
        // at each look-up.
        var plain = attempted.Where(a => IsPlainSuccess(a) && !eventful.Contains(a.ChannelId)).ToHashSet<Attempted>(ReferenceEqualityComparer.Instance);
        if (plain.Count > 0)
        {
            var provider = scope.ServiceProvider.GetRequiredService<DatabaseUrl>().Provider;
            await WritePlainSuccessesAsync(db, provider, plain, owner, now, ct);
        }

        var otherIds = chunk.Where(s => !(s is Attempted a && plain.Contains(a))).SelectMany(s => s.Rows.Select(r => r.Id)).ToList();
        if (otherIds.Count == 0)
        {
            await transaction.CommitAsync(ct);
            return;
        }
        var rows = await db.Set<OutboxMessage>().Where(o => otherIds.Contains(o.Id) && o.LeaseOwner == owner).ToDictionaryAsync(o => o.Id, ct);
        var channels = eventful.Count == 0
            ? []
            : await db.Set<Channel>().Where(c => eventful.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        foreach (var item in chunk)
        {
            if (item is Attempted done && plain.Contains(done))
            {
                continue;
            }
            var mine = item.Rows.Select(r => rows.GetValueOrDefault(r.Id)).OfType<OutboxMessage>().ToList();
            if (mine.Count == 0)
            {
                continue;
            }
            switch (item)
            {
                case Finished f:
                    foreach (var row in mine)
                    {
                        row.Status = f.Status;
                        row.Reason = f.Reason;
                        row.LastError = f.Error;
                        row.CompletedAt = now;
                        row.LeaseOwner = null;
                        row.LeaseUntil = null;
                    }
                    break;
                case Released r:
                    foreach (var row in mine)
                    {
                        row.DueAt = r.DueAt;
                        row.LeaseOwner = null;
                        row.LeaseUntil = null;
                    }
                    break;
                case Attempted a:
                    var failedForGood = Apply(db, mine, a);
                    if (channels.GetValueOrDefault(a.ChannelId) is { } channel)
                    {
                        UpdateHealth(channel, a.Result, failedForGood, now);
                        if (a.Result.SettingsChanged is { Count: > 0 } changed)
                        {
                            Learn(scope.ServiceProvider.GetRequiredService<ChannelCodec>(), channel, changed);
                        }
                        if (failedForGood && channel.OwnerToldAt is null && channel.OwnerUserId is { } channelOwner)
                        {
                            channel.OwnerToldAt = now;
                            await TellOwnerAsync(db, channel, channelOwner, a.Result, now, ct);
                        }
                    }
                    break;
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    static bool IsPlainSuccess(Attempted a) => a.Result.Outcome == DeliveryOutcome.Sent && a.Result.RemoteId is null && a.Result.SettingsChanged is null;

    /// <summary>Stores on the channel the settings its destination said have changed, so the next send goes the right way at once.</summary>
    static void Learn(ChannelCodec codec, Channel channel, IReadOnlyDictionary<string, string> changed)
    {
        if (codec.Unprotect(channel.Type, channel.ConfigCipher) is { } stored)
        {
            channel.ConfigCipher = codec.Protect(changed.Aggregate(stored, (config, setting) => config.With(setting.Key, setting.Value)));
        }
    }

    /// <summary>
    /// Plain successes, only for rows still leased to <paramref name="owner"/>: the rows marked sent, a first try
    /// kept on its row and later tries inserted as attempts (numbered from the row; on PostgreSQL in the same
    /// statement), then one update of their channels' health.
    /// The rows' entities stay unchanged in the tracker, so nothing writes them twice.
    /// </summary>
    static async Task WritePlainSuccessesAsync(VigilDb db, DatabaseProvider provider, HashSet<Attempted> plain, string owner, DateTime now, CancellationToken ct)
    {
        var sent = plain.SelectMany(a => a.Rows.Select(r => (Attempt: a, r.Id))).ToList();
        if (provider == DatabaseProvider.Postgres)
        {
            await RecordSentPostgresAsync(db, sent, owner, ct);
        }
        else
        {
            var attempts = AttemptsJson(sent);
            // Only rows tried before get an attempt row of their own. Each row's count is as the claim read it, and only
            // the lease holder changes it, so a chunk of first tries (the usual case) skips the statement, which
            // would look every row up to insert nothing.
            if (plain.Any(a => a.Rows.Any(r => r.Attempts > 0)))
            {
                await InsertAttemptsSqliteAsync(db, attempts, owner, ct);
            }
            await MarkSentSqliteAsync(db, attempts, owner, ct);
        }
        // Only channels whose record changes: a channel already healthy whose last success is under a second old is
        // left alone, so a steady stream of deliveries does not rewrite every channel row at every pass.
        var healthy = sent.Select(x => x.Attempt.ChannelId).Distinct().ToList();
        var fresh = now - SuccessResolution;
        await db.Set<Channel>()
            .Where(c => healthy.Contains(c.Id) && (c.Health != ChannelHealth.Healthy || c.ConsecutiveFailures != 0 || c.OwnerToldAt != null
                                                   || c.LastSuccessAt == null || c.LastSuccessAt < fresh))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Health, ChannelHealth.Healthy).SetProperty(c => c.ConsecutiveFailures, 0)
                .SetProperty(c => c.LastSuccessAt, now).SetProperty(c => c.OwnerToldAt, (DateTime?)null), ct);
    }

    /// <summary>How fresh a channel's last success time is kept: to the second.</summary>
    static readonly TimeSpan SuccessResolution = TimeSpan.FromSeconds(1);

    const string AttemptColumns = "\"OutboxId\", \"Number\", \"StartedAt\", \"DurationMs\", \"Outcome\", \"StatusCode\", \"Error\", \"Response\"";

    /// <summary>
    /// PostgreSQL: one statement for all of them, the values passed as arrays (one parameter per column, whatever
    /// the number of rows): the rows still leased to <paramref name="owner"/> are marked sent, a first try kept on its
    /// row, and the attempts of later tries inserted from what that update returns (their numbers are the rows' new
    /// attempt counts), so each row is looked up once.
    /// </summary>
    static async Task RecordSentPostgresAsync(VigilDb db, List<(Attempted Attempt, Guid Id)> sent, string owner, CancellationToken ct)
    {
        await using var command = AttemptCommand(db, $"""
            WITH done AS (
                UPDATE notification_outbox o
                SET "Status" = 'Sent', "CompletedAt" = u.started, "Attempts" = o."Attempts" + 1, "Reason" = u.reason, "LastError" = NULL,
                    "RemoteId" = NULL, "LeaseOwner" = NULL, "LeaseUntil" = NULL,
                    "FirstDurationMs" = CASE WHEN o."Attempts" = 0 THEN u.duration END,
                    "FirstStatusCode" = CASE WHEN o."Attempts" = 0 THEN u.status END,
                    "FirstResponse" = CASE WHEN o."Attempts" = 0 THEN u.response END
                FROM unnest(@ids, @reasons, @started, @durations, @statuses, @errors, @responses) AS u(id, reason, started, duration, status, error, response)
                WHERE o."Id" = u.id AND o."LeaseOwner" = @owner
                RETURNING o."Id", o."Attempts", u.started, u.duration, u.status, u.error, u.response)
            INSERT INTO notification_attempts ({AttemptColumns})
            SELECT "Id", "Attempts", started, duration, 'Sent', status, error, response FROM done WHERE "Attempts" > 1
            """);
        Add(command, "owner", owner);
        Add(command, "ids", sent.Select(x => x.Id).ToArray());
        Add(command, "reasons", sent.Select(x => Reason(x.Attempt)).ToArray());
        Add(command, "started", sent.Select(x => x.Attempt.StartedAt).ToArray());
        Add(command, "durations", sent.Select(x => x.Attempt.DurationMs).ToArray());
        Add(command, "statuses", sent.Select(x => x.Attempt.Result.StatusCode).ToArray());
        Add(command, "errors", sent.Select(x => Cut(x.Attempt.Result.Error, 1000)).ToArray());
        Add(command, "responses", sent.Select(x => Cut(x.Attempt.Result.Response, 600)).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Why a sent row reads as it does: <c>grouped</c> when its message carried others too.</summary>
    static string? Reason(Attempted attempt) => attempt.Rows.Count > 1 ? "grouped" : null;

    /// <summary>
    /// SQLite: one statement for all of them, the values passed as a single JSON array read with <c>json_each</c>
    /// (binding one parameter per value, or running a statement per row, costs more than the insert itself).
    /// </summary>
    static async Task InsertAttemptsSqliteAsync(VigilDb db, string attempts, string owner, CancellationToken ct)
    {
        await using var command = AttemptCommand(db, $"""
            INSERT INTO notification_attempts ({AttemptColumns})
            SELECT o."Id", o."Attempts" + 1, json_extract(u.value, '$[1]'), json_extract(u.value, '$[2]'), 'Sent',
                json_extract(u.value, '$[3]'), json_extract(u.value, '$[4]'), json_extract(u.value, '$[5]')
            FROM json_each($attempts) AS u
            JOIN notification_outbox o ON o."Id" = json_extract(u.value, '$[0]') AND o."LeaseOwner" = $owner AND o."Attempts" > 0
            """);
        Add(command, "$attempts", attempts);
        Add(command, "$owner", owner);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// SQLite: the rows still leased to <paramref name="owner"/> marked sent in one statement over the same JSON
    /// array, a first try kept on its row (run after <see cref="InsertAttemptsSqliteAsync"/>, which reads the rows'
    /// attempt counts and leases as they were).
    /// </summary>
    static async Task MarkSentSqliteAsync(VigilDb db, string attempts, string owner, CancellationToken ct)
    {
        await using var command = AttemptCommand(db, """
            UPDATE notification_outbox AS o
            SET "Status" = 'Sent', "CompletedAt" = json_extract(u.value, '$[1]'), "Attempts" = o."Attempts" + 1,
                "Reason" = json_extract(u.value, '$[6]'), "LastError" = NULL, "RemoteId" = NULL, "LeaseOwner" = NULL, "LeaseUntil" = NULL,
                "FirstDurationMs" = CASE WHEN o."Attempts" = 0 THEN json_extract(u.value, '$[2]') END,
                "FirstStatusCode" = CASE WHEN o."Attempts" = 0 THEN json_extract(u.value, '$[3]') END,
                "FirstResponse" = CASE WHEN o."Attempts" = 0 THEN json_extract(u.value, '$[5]') END
            FROM json_each($attempts) AS u
            WHERE o."Id" = json_extract(u.value, '$[0]') AND o."LeaseOwner" = $owner
            """);
        Add(command, "$attempts", attempts);
        Add(command, "$owner", owner);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// <c>[[outbox id, started, duration ms, status, error, response, reason], …]</c>, each value in the form SQLite holds it
    /// (ids upper-case, times as <see cref="SqliteValues.Time"/> writes them).
    /// </summary>
    static string AttemptsJson(List<(Attempted Attempt, Guid Id)> sent)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (attempt, id) in sent)
            {
                json.WriteStartArray();
                json.WriteStringValue(SqliteValues.Id(id));
                json.WriteStringValue(SqliteValues.Time(attempt.StartedAt));
                json.WriteNumberValue(attempt.DurationMs);
                if (attempt.Result.StatusCode is { } code)
                {
                    json.WriteNumberValue(code);
                }
                else
                {
                    json.WriteNullValue();
                }
                json.WriteStringValue(Cut(attempt.Result.Error, 1000));
                json.WriteStringValue(Cut(attempt.Result.Response, 600));
                json.WriteStringValue(Reason(attempt));
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A command on the context's connection, in its current transaction.</summary>
    static System.Data.Common.DbCommand AttemptCommand(VigilDb db, string sql)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        return command;
    }

    static System.Data.Common.DbParameter Add(System.Data.Common.DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Records one attempt on each row and moves it on; true when a row failed for good.</summary>
    bool Apply(VigilDb db, List<OutboxMessage> rows, Attempted attempted)
    {
        var result = attempted.Result;
        var failedForGood = false;
        // One delay for the message, so its rows stay due together and go out as one message again.
        var retryAt = attempted.StartedAt + Backoff(rows.Max(r => r.Attempts) + 1, result.RetryAfter);
        foreach (var row in rows)
        {
            row.Attempts++;
            db.Set<DeliveryAttempt>().Add(new DeliveryAttempt
            {
                OutboxId = row.Id,
                Number = row.Attempts,
                StartedAt = attempted.StartedAt,
                DurationMs = attempted.DurationMs,
                Outcome = result.Outcome,
                StatusCode = result.StatusCode,
                Error = Cut(result.Error, 1000),
                Response = Cut(result.Response, 600),
            });
            row.LeaseOwner = null;
            row.LeaseUntil = null;
            row.LastError = Cut(result.Error, 1000);
            if (result.Delivered is { Count: > 0 } reached)
            {
                var all = Recipients(row.Delivered).Concat(reached).Distinct(StringComparer.Ordinal);
                row.Delivered = Cut(string.Join(',', all), 4000);
            }
            switch (result.Outcome)
            {
                case DeliveryOutcome.Sent:
                    row.Status = OutboxStatus.Sent;
                    row.CompletedAt = attempted.StartedAt;
                    row.RemoteId = Cut(result.RemoteId, 200);
                    row.Reason = Reason(attempted);
                    break;
                case DeliveryOutcome.Retry when row.Attempts < _options.MaxAttempts:
                    row.DueAt = retryAt;
                    break;
                default:
                    row.Status = OutboxStatus.Failed;
                    row.CompletedAt = attempted.StartedAt;
                    row.Reason = result.Outcome switch
                    {
                        DeliveryOutcome.Gone => "destination_gone",
                        DeliveryOutcome.Retry => "retries_exhausted",
                        _ => "permanent_failure",
                    };
                    failedForGood = true;
                    break;
            }
        }
        return failedForGood;
    }

    TimeSpan CooldownFor(OutboxMessage row, ChannelConfig config)
    {
        if (row.CooldownSeconds is { } seconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }
        if (config.Setting("cooldown_seconds") is { } setting && int.TryParse(setting, out var fromChannel))
        {
            return TimeSpan.FromSeconds(fromChannel);
        }
        return _options.DefaultCooldown;
    }

    static void UpdateHealth(Channel channel, SendResult result, bool failedForGood, DateTime now)
    {
        if (result.Outcome == DeliveryOutcome.Sent)
        {
            channel.Health = ChannelHealth.Healthy;
            channel.ConsecutiveFailures = 0;
            channel.LastSuccessAt = now;
            channel.OwnerToldAt = null;
            return;
        }
        channel.ConsecutiveFailures++;
        channel.LastFailureAt = now;
        channel.LastError = Cut(result.Error, 1000);
        if (result.Outcome == DeliveryOutcome.Gone)
        {
            channel.Health = ChannelHealth.Broken;
        }
        else if (failedForGood)
        {
            channel.Health = ChannelHealth.Unhealthy;
        }
    }

    /// <summary>Tells the channel's owner, once per episode, on their other working channels (never the failing one).</summary>
    static async Task TellOwnerAsync(VigilDb db, Channel failing, Guid owner, SendResult result, DateTime now, CancellationToken ct)
    {
        var others = await db.Set<Channel>().AsNoTracking()
            .Where(c => c.OwnerUserId == owner && c.Scope == ChannelScope.User && c.Id != failing.Id && c.Enabled && c.Health != ChannelHealth.Broken && c.Health != ChannelHealth.Unhealthy)
            .ToListAsync(ct);
        if (others.Count == 0)
        {
            return; // the channel list shows it unhealthy; there is no other way to reach them
        }
        var alert = new AlertEvent
        {
            WorkspaceId = failing.WorkspaceId,
            Kind = "notifications.channel_failing",
            SubjectKey = "channel:" + failing.Id,
            GroupKey = "channel:" + failing.Id,
            Severity = Severity.Warning,
            Title = $"Channel \"{failing.Name}\" is failing",
            Body = $"Messages to {failing.Type} channel \"{failing.Name}\" ({failing.MaskedTarget}) could not be delivered: {result.Error}. Check or test it in Vigil.",
            Fields = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["channel"] = failing.Name, ["type"] = failing.Type.ToString(), ["error"] = result.Error ?? "" }),
            OccurredAt = now,
        };
        db.Set<AlertEvent>().Add(alert);
        foreach (var channel in others)
        {
            db.Set<OutboxMessage>().Add(new OutboxMessage
            {
                EventId = alert.Id,
                ChannelId = channel.Id,
                RecipientUserId = owner,
                WorkspaceId = failing.WorkspaceId,
                Status = OutboxStatus.Pending,
                GroupKey = alert.Kind + "|" + alert.GroupKey,
                SubjectKey = alert.SubjectKey,
                Severity = alert.Severity,
                DueAt = now,
                IdempotencyKey = "evt_" + Ids.New().ToString("N"),
                CooldownSeconds = 0,
                CreatedAt = now,
            });
        }
    }

    /// <summary>Exponential backoff with ±20 % jitter, never sooner than the destination asked.</summary>
    TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = _options.BaseBackoff * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = exponential > _options.MaxBackoff ? _options.MaxBackoff : exponential;
        var jittered = capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }

    static string? Cut(string? s, int max) => s is null || s.Length <= max ? s : s[..max];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending to channel {ChannelId} failed before any answer; recorded as a failed attempt")]
    static partial void LogSendFailed(ILogger logger, Guid channelId, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivering to channel {ChannelId} failed unexpectedly; the lease will expire and it will be retried")]
    static partial void LogGroupFailed(ILogger logger, Guid channelId, Exception e);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivered {Groups} groups ({Sends} sends): prepared in {Prepare}, done in {Total}, {Writes} writes taking {Writing}")]
    static partial void LogPass(ILogger logger, int groups, int sends, TimeSpan prepare, TimeSpan total, int writes, TimeSpan writing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording delivery outcomes failed (try {Try}); trying again")]
    static partial void LogWriteRetried(ILogger logger, int @try, Exception e);
}
