using System.Globalization;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Vigil.Server.Modules.Notifications;
using Vigil.Server.Modules.Notifications.Channels;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

/// <summary>What one cycle did, for tests, logs and the benchmark.</summary>
public sealed record CycleReport(int Checked, int Failed, int Changes, int Alerts);

/// <summary>
/// One poll cycle: refresh due catalogs, keep one source per (subsidiary, plan), claim the due sources with a lease (so
/// replicas never check one twice), check them with a bounded number of requests in flight, and write the answers in
/// batches: each batch reads the previous states, applies the rule and records alerts in one transaction. A failed or
/// garbage answer is a failed check: recorded, retried with backoff, and never a change of stock.
/// </summary>
public sealed partial class RestockPoller(
    IServiceScopeFactory scopes,
    CatalogSync catalogs,
    TimeProvider clock,
    IOptionsMonitor<RestockOptions> options,
    RestockFeed feed,
    ILogger<RestockPoller> logger)
{
    readonly string _owner = $"{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Checks a plan's sources (or, with no plan, every source) now, due or not; null when the plan is unknown.</summary>
    public async Task<CycleReport?> CheckNowAsync(string? planCode, CancellationToken ct)
    {
        if (planCode is not null)
        {
            await using var scope = scopes.CreateAsyncScope();
            if (!await scope.ServiceProvider.GetRequiredService<VigilDb>().Set<RestockPlan>().AnyAsync(p => p.PlanCode == planCode, ct))
            {
                return null;
            }
        }
        // The claim takes every source (of the plan) whose lease is free, instead of making each due first; the
        // report counts only those, not other plans' sources that happen to be due.
        return await RunCycleAsync(everything: true, planCode, ct);
    }

    public Task<CycleReport> RunCycleAsync(CancellationToken ct) => RunCycleAsync(everything: false, null, ct);

    /// <param name="everything">Claim every source whose lease is free, due or not (check now).</param>
    /// <param name="planCode">Claim only this plan's sources; null for every plan.</param>
    async Task<CycleReport> RunCycleAsync(bool everything, string? planCode, CancellationToken ct)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The admin's run-time settings (interval, threshold, subsidiaries), read once for the whole cycle.
        RestockOptions o;
        await using (var settings = scopes.CreateAsyncScope())
        {
            o = await RestockSettings.EffectiveAsync(settings.ServiceProvider.GetRequiredService<VigilDb>(), options.CurrentValue, ct);
        }
        await SyncSourcesAsync(o, ct);
        var synced = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var now = clock.GetUtcNow().UtcDateTime;
        var owner = _owner + "/" + Interlocked.Increment(ref _cycles).ToString(CultureInfo.InvariantCulture);
        var claim = new Claim(everything, planCode ?? "", owner, now, now + o.Lease);
        // A few sources first, so the checks start at once; the rest are claimed while those run.
        var first = await ClaimAsync(claim, FirstClaim, ct);
        var claimedAt = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (first.Count == 0)
        {
            return new CycleReport(0, 0, 0, 0);
        }
        var rest = first.Count < FirstClaim ? Task.FromResult(new List<RestockSource>()) : ClaimAsync(claim, MaxClaim - FirstClaim, ct);
        var cycle = clock.GetUtcNow().UtcDateTime.Ticks.ToString(CultureInfo.InvariantCulture);
        // A cycle run from an API request would otherwise trace every upstream request as a child of that request
        // (an activity and trace headers per check, thousands per cycle); the cycle is its own unit of work.
        System.Diagnostics.Activity.Current = null;
        await using var scope = scopes.CreateAsyncScope();
        var ovh = scope.ServiceProvider.GetRequiredService<OvhClient>();
        var answers = new AnswerBatches(o.WriteBatch);
        var writer = WriteAsync(answers, cycle, o, rest, ct);
        try
        {
            await Parallel.ForEachAsync(Claimed(first, rest), new ParallelOptions { MaxDegreeOfParallelism = o.MaxConcurrency, CancellationToken = ct }, async (source, token) =>
            {
                var result = source.Kind == PlanKind.Dedicated
                    ? await ovh.DedicatedAsync(source.PlanCode, token)
                    : await ovh.VpsAsync(source.Subsidiary, source.PlanCode, token);
                // Fingerprinted here, in parallel, so the single writer only compares numbers.
                answers.Add(new Answer(source, result, result.Ok ? result.Fingerprint() : 0));
            });
        }
        finally
        {
            answers.Complete();
        }
        var fetched = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var report = await writer;
        var total = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        LogCycle(logger, report.Checked, report.Failed, report.Changes, total, synced, claimedAt - synced, fetched - claimedAt);
        return report;
    }

    /// <summary>Sources the first claim of a cycle takes: enough to keep every request slot busy while the rest are claimed.</summary>
    const int FirstClaim = 64;

    /// <summary>Most sources one cycle claims.</summary>
    const int MaxClaim = 10_000;

    /// <summary>Numbers this replica's cycles, so each has its own lease owner (two cycles may start at the same instant).</summary>
    long _cycles;

    static async IAsyncEnumerable<RestockSource> Claimed(List<RestockSource> first, Task<List<RestockSource>> rest)
    {
        foreach (var source in first)
        {
            yield return source;
        }
        foreach (var source in await rest)
        {
            yield return source;
        }
    }

    /// <summary>A check's result on its way to the writer, with the fingerprint of a successful answer.</summary>
    readonly record struct Answer(RestockSource Source, CheckResult Result, long Hash)
    {
        /// <summary>
        /// The same answer as last time on a source with nothing left to count and no failure to report as recovered:
        /// no state can change, so none is read and the source only gets its heartbeat.
        /// </summary>
        public bool Unchanged => Result.Ok && Source.Settled && Source.AnswerHash == Hash && !Source.FailureAlerted;
    }

    /// <summary>How long the writer waits for a batch to fill before it writes what it has (slow upstreams).</summary>
    static readonly TimeSpan BatchWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Writes the answers in batches of <see cref="RestockOptions.WriteBatch"/> (fewer when the checks are done, or after
    /// <see cref="BatchWait"/>): a heartbeat statement for the unchanged, one transaction for the rest.
    /// </summary>
    /// <param name="claiming">The cycle's second claim: nothing is written (so no lease released) before it is done, or
    /// a released source could be claimed a second time by the same cycle.</param>
    async Task<CycleReport> WriteAsync(AnswerBatches answers, string cycle, RestockOptions o, Task claiming, CancellationToken ct)
    {
        var total = new CycleReport(0, 0, 0, 0);
        // One context for every heartbeat of the cycle: the writer is the only one using it, one batch at a time.
        await using var scope = scopes.CreateAsyncScope();
        var heartbeats = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var unchanged = new List<Guid>(o.WriteBatch);
        var rest = new List<Answer>(o.WriteBatch);
        while (await answers.NextAsync(BatchWait, ct) is { } batch)
        {
            if (!claiming.IsCompleted)
            {
                // A failed claim is the cycle's error (the checks loop throws it); what was checked is still written.
                await Task.WhenAny(claiming);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var answer in batch)
            {
                if (answer.Unchanged)
                {
                    unchanged.Add(answer.Source.Id);
                }
                else
                {
                    rest.Add(answer);
                }
            }
            var report = new CycleReport(batch.Count, 0, 0, 0);
            if (rest.Count > 0)
            {
                // The heartbeats go into the same transaction.
                report = await ApplyAsync(rest, unchanged, cycle, o, ct);
            }
            else
            {
                // Only sources this replica still holds get it (a lease that expired went to another replica).
                await HeartbeatAsync(heartbeats, unchanged, batch[0].Source.LeaseOwner!, now, now + NextInterval(o), ct); // one claim, one owner
            }
            total = new CycleReport(total.Checked + batch.Count, total.Failed + report.Failed, total.Changes + report.Changes, total.Alerts + report.Alerts);
            unchanged.Clear();
            rest.Clear();
        }
        return total;
    }

    /// <summary>
    /// Hands the checks' answers to the writer a batch at a time. The checks add each answer to the batch being filled,
    /// and the one that fills it queues it, so the writer wakes up once per batch rather than once per answer; a slow
    /// upstream's answers still go out after <see cref="BatchWait"/>, however few.
    /// </summary>
    sealed class AnswerBatches(int size)
    {
        readonly Lock _lock = new();
        List<Answer> _filling = new(size);

        /// <summary>Full batches, then the last one. Unbounded: a cycle's answers are as many as it claimed.</summary>
        readonly Channel<List<Answer>> _ready = System.Threading.Channels.Channel.CreateUnbounded<List<Answer>>(new UnboundedChannelOptions { SingleReader = true });

        public void Add(Answer answer)
        {
            List<Answer>? full = null;
            lock (_lock)
            {
                _filling.Add(answer);
                if (_filling.Count >= size)
                {
                    full = _filling;
                    _filling = new List<Answer>(size);
                }
            }
            if (full is not null)
            {
                _ready.Writer.TryWrite(full); // unbounded, and only completed once the checks are over
            }
        }

        /// <summary>The checks are over: what is left goes as the last batch.</summary>
        public void Complete()
        {
            if (TakeFilling() is { } last)
            {
                _ready.Writer.TryWrite(last);
            }
            _ready.Writer.TryComplete();
        }

        /// <summary>The next full batch; after <paramref name="wait"/> without one, whatever has come in; null once all are written.</summary>
        public async Task<List<Answer>?> NextAsync(TimeSpan wait, CancellationToken ct)
        {
            while (true)
            {
                if (_ready.Reader.TryRead(out var ready))
                {
                    return ready;
                }
                using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    deadline.CancelAfter(wait);
                    try
                    {
                        if (!await _ready.Reader.WaitToReadAsync(deadline.Token))
                        {
                            return null;
                        }
                        continue;
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        // Slow upstream: write what has come in so far.
                    }
                }
                if (TakeFilling() is { } some)
                {
                    return some;
                }
            }
        }

        List<Answer>? TakeFilling()
        {
            lock (_lock)
            {
                if (_filling.Count == 0)
                {
                    return null;
                }
                var taken = _filling;
                _filling = new List<Answer>(size);
                return taken;
            }
        }
    }

    /// <summary>
    /// One statement for sources whose answer changed nothing: last checked and last success now, one more check, no
    /// failures, next due after an interval (jitter drawn per batch), lease released.
    /// </summary>
    static Task HeartbeatAsync(VigilDb db, List<Guid> ids, string owner, DateTime now, DateTime next, CancellationToken ct) =>
        db.Set<RestockSource>().Where(s => s.LeaseOwner == owner && ids.Contains(s.Id)).ExecuteUpdateAsync(u => u
            .SetProperty(s => s.LastCheckedAt, now)
            .SetProperty(s => s.LastSuccessAt, now)
            .SetProperty(s => s.Checks, s => s.Checks + 1)
            .SetProperty(s => s.ConsecutiveFailures, 0)
            .SetProperty(s => s.LastError, (string?)null)
            .SetProperty(s => s.FailureAlerted, false)
            .SetProperty(s => s.NextDueAt, next)
            .SetProperty(s => s.LeaseOwner, (string?)null)
            .SetProperty(s => s.LeaseUntil, (DateTime?)null), ct);

    /// <summary>What a cycle claims: due sources (or all, <see cref="Everything"/>), of one plan unless <see cref="PlanCode"/> is empty.</summary>
    readonly record struct Claim(bool Everything, string PlanCode, string Owner, DateTime Now, DateTime Until);

    /// <summary>The sources the claim describes that this replica now holds the lease on.</summary>
    /// <remarks>Returns only what the cycle reads: no dates, which SQLite stores as text, to parse for 2,000 rows.</remarks>

    async Task<List<RestockSource>> ClaimAsync(Claim claim, int limit, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var (everything, plan, owner, now, until) = claim;
        // PostgreSQL: the rows locked are updated where they lie (ctid), not looked up again by id.
        var rows = db.Database.IsNpgsql()
            ? await db.Database.SqlQuery<ClaimedRow>($"""
                WITH due AS (
                    SELECT ctid AS row FROM restock_sources
                    WHERE ({everything} OR "NextDueAt" <= {now}) AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                        AND ({plan} = '' OR "PlanCode" = {plan})
                    ORDER BY "NextDueAt" LIMIT {limit}
                    FOR UPDATE SKIP LOCKED)
                UPDATE restock_sources s SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                FROM due WHERE s.ctid = due.row
                RETURNING s."Id", s."Subsidiary", s."PlanCode", s."Kind", s."AnswerHash", s."Settled", s."FailureAlerted", s."ConsecutiveFailures"
                """).ToListAsync(ct)
            : await db.Database.SqlQuery<ClaimedRow>($"""
                UPDATE restock_sources SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                WHERE "Id" IN (
                    SELECT "Id" FROM restock_sources
                    WHERE ({everything} OR "NextDueAt" <= {now}) AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                        AND ({plan} = '' OR "PlanCode" = {plan})
                    ORDER BY "NextDueAt" LIMIT {limit})
                RETURNING "Id", "Subsidiary", "PlanCode", "Kind", "AnswerHash", "Settled", "FailureAlerted", "ConsecutiveFailures"
                """).ToListAsync(ct);
        return rows.ConvertAll(r => new RestockSource
        {
            Id = r.Id,
            Subsidiary = r.Subsidiary,
            PlanCode = r.PlanCode,
            Kind = Enum.Parse<PlanKind>(r.Kind),
            AnswerHash = r.AnswerHash,
            Settled = r.Settled,
            FailureAlerted = r.FailureAlerted,
            ConsecutiveFailures = r.ConsecutiveFailures,
            LeaseOwner = owner,
            LeaseUntil = until,
        });
    }

    /// <summary>The columns of a claimed source the cycle reads.</summary>
    sealed class ClaimedRow
    {
        public Guid Id { get; init; }
        public required string Subsidiary { get; init; }
        public required string PlanCode { get; init; }
        public required string Kind { get; init; }
        public long AnswerHash { get; init; }
        public bool Settled { get; init; }
        public bool FailureAlerted { get; init; }
        public int ConsecutiveFailures { get; init; }
    }

    /// <summary>One source per (watched subsidiary, watched VPS plan) and per watched dedicated plan; others go.</summary>
    async Task SyncSourcesAsync(RestockOptions o, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VigilDb>();
        var subsidiaries = o.SubsidiaryList;
        var plans = await db.Set<RestockPlan>().AsNoTracking().Where(p => p.Monitored && p.Lifecycle == PlanLifecycle.Active)
            .Select(p => new { p.PlanCode, p.Kind }).ToListAsync(ct);
        // A subscriber may follow a plan in a subsidiary nobody else watches: it gets its source too.
        var kinds = plans.ToDictionary(p => p.PlanCode, p => p.Kind);
        var followed = new HashSet<(string Subsidiary, string PlanCode)>();
        foreach (var subscription in await scope.ServiceProvider.GetRequiredService<SubscriptionService>().OfModuleAsync(RestockAudience.Module, ct))
        {
            if (RestockSubscriptionOptions.Parse(subscription.Options) is { Subsidiary.Length: > 0 } wants && kinds.TryGetValue(wants.PlanCode, out var kind) && kind == PlanKind.Vps)
            {
                followed.Add((wants.Subsidiary, wants.PlanCode));
            }
        }
        // The catalogs say what each subsidiary sells: a VPS plan is not checked where OVH would answer 404 for it.
        var catalog = await catalogs.RefreshDueAsync(subsidiaries, followed.Select(f => f.Subsidiary).ToHashSet(StringComparer.Ordinal), ct);
        var wanted = new Dictionary<(string, string), PlanKind>();
        foreach (var plan in plans)
        {
            if (plan.Kind == PlanKind.Dedicated)
            {
                wanted[("", plan.PlanCode)] = plan.Kind;
                continue;
            }
            foreach (var subsidiary in subsidiaries.Where(s => catalog.Sells(s, plan.PlanCode)))
            {
                wanted[(subsidiary, plan.PlanCode)] = plan.Kind;
            }
        }
        foreach (var (subsidiary, planCode) in followed.Where(f => catalog.Sells(f.Subsidiary, f.PlanCode)))
        {
            wanted[(subsidiary, planCode)] = PlanKind.Vps;
        }
        // The wanted set is what the sources were made from last time, and that was recently: they still match (only
        // this method adds or removes sources). A full comparison still runs at least once a minute, in case another
        // replica with a different view of the settings changed them.
        var synced = clock.GetUtcNow();
        if (_synced is { } last && synced - last.At < FullSyncEvery && last.Wanted.Count == wanted.Count
            && wanted.All(w => last.Wanted.TryGetValue(w.Key, out var kind) && kind == w.Value))
        {
            return;
        }
        var existing = await db.Set<RestockSource>().AsNoTracking().Select(s => new { s.Id, s.Subsidiary, s.PlanCode }).ToListAsync(ct);
        var gone = existing.Where(s => !wanted.ContainsKey((s.Subsidiary, s.PlanCode))).Select(s => s.Id).ToList();
        if (gone.Count > 0)
        {
            await db.Set<RestockSource>().Where(s => gone.Contains(s.Id)).ExecuteDeleteAsync(ct);
        }
        var have = existing.Select(s => (s.Subsidiary, s.PlanCode)).ToHashSet();
        var now = clock.GetUtcNow().UtcDateTime;
        var added = wanted.Where(w => !have.Contains(w.Key)).ToList();
        if (added.Count == 0)
        {
            _synced = new SyncMark(wanted, synced);
            return;
        }
        foreach (var ((subsidiary, planCode), kind) in added)
        {
            db.Set<RestockSource>().Add(new RestockSource { Subsidiary = subsidiary, PlanCode = planCode, Kind = kind, NextDueAt = now });
        }
        try
        {
            await db.SaveChangesAsync(ct);
            _synced = new SyncMark(wanted, synced);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException { InnerException: DbUpdateException })
        {
            // Another replica added the same sources at the same moment: a unique violation, or on PostgreSQL a deadlock
            // when the two inserted them in different orders (which EF Core reports as a transient failure). Nothing of
            // this save was written; theirs serve, and the next cycle compares again.
        }
    }

    /// <summary>Longest a cycle trusts that the sources still match an unchanged wanted set.</summary>
    static readonly TimeSpan FullSyncEvery = TimeSpan.FromMinutes(1);

    /// <summary>The wanted set the sources were last found to match, and when (replaced whole, so cycles running at once read it safely).</summary>
    volatile SyncMark? _synced;

    sealed record SyncMark(Dictionary<(string Subsidiary, string PlanCode), PlanKind> Wanted, DateTimeOffset At);

    static TimeSpan NextInterval(RestockOptions o)
    {
        var jitter = o.Jitter <= 0 ? 0 : (Random.Shared.NextDouble() * 2 - 1) * o.Jitter;
        return o.EffectiveCheckInterval * (1 + jitter);
    }

    static TimeSpan Backoff(RestockOptions o, int failures, CheckResult result)
    {
        // Network errors, garbage, 408, 425, 429 and 5xx are worth retrying soon; other 4xx mean a configuration problem, so wait a full interval.
        var retryable = result.Status is null or (>= 200 and < 300) or 408 or 425 or 429 or >= 500;
        var start = retryable ? TimeSpan.FromSeconds(2) : o.EffectiveCheckInterval;
        var delay = start * Math.Pow(2, Math.Min(failures - 1, 20));
        if (result.RetryAfter is { } after && after > delay)
        {
            delay = after;
        }
        return delay > o.MaxBackoff ? o.MaxBackoff : delay;
    }

    /// <summary>Answers that may change something (new or different answer, failure, debounce in progress, recovery) in one transaction.</summary>
    /// <param name="unchanged">Sources of the same batch that only get their heartbeat, in the same transaction.</param>
    async Task<CycleReport> ApplyAsync(List<Answer> batch, List<Guid> unchanged, string cycle, RestockOptions o, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<VigilDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var changes = new List<StockChange>();
        var pending = new List<PendingAlert>();
        var failed = 0;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var owner = batch[0].Source.LeaseOwner;
        var ids = batch.Select(b => b.Source.Id).ToList();
        // Sources removed meanwhile, or whose lease expired and went to another replica, are not ours to write.
        var held = (await db.Set<RestockSource>().AsNoTracking().Where(s => ids.Contains(s.Id) && s.LeaseOwner == owner).Select(s => s.Id).ToListAsync(ct)).ToHashSet();
        var answered = batch.Where(b => held.Contains(b.Source.Id) && b.Result.Ok).Select(b => (b.Source, b.Result, b.Hash)).ToList();
        // The same answer as last time, with nothing left to count, cannot change a state: those states are not even read.
        var toApply = answered.Where(a => !(a.Source.Settled && a.Source.AnswerHash == a.Hash)).ToList();
        var states = new Dictionary<(string, string, string, string), RestockState>();
        if (toApply.Count > 0)
        {
            var planCodes = toApply.Select(a => a.Source.PlanCode).Distinct().ToList();
            var subsidiaries = toApply.Select(a => a.Source.Subsidiary).Distinct().ToList();
            // The previous states are read here, before any is written, inside the transaction that writes the new ones.
            // Untracked: only what changed is written back.
            states = (await db.Set<RestockState>().AsNoTracking().Where(s => planCodes.Contains(s.PlanCode) && subsidiaries.Contains(s.Subsidiary)).ToListAsync(ct))
                .ToDictionary(s => (s.Subsidiary, s.PlanCode, s.Datacenter, s.Track));
        }

        foreach (var (source, result, _) in batch.Where(b => held.Contains(b.Source.Id) && !b.Result.Ok))
        {
            failed++;
            var failures = source.ConsecutiveFailures + 1;
            var error = result.Error is { Length: > 1000 } e ? e[..1000] : result.Error;
            var alert = failures >= o.FailureAlertAfter && !source.FailureAlerted;
            LogCheckFailed(logger, source.Subsidiary, source.PlanCode, failures, result.Error);
            await db.Set<RestockSource>().Where(s => s.Id == source.Id).ExecuteUpdateAsync(u => u
                .SetProperty(s => s.LastCheckedAt, now)
                .SetProperty(s => s.Checks, s => s.Checks + 1)
                .SetProperty(s => s.Failures, s => s.Failures + 1)
                .SetProperty(s => s.ConsecutiveFailures, failures)
                .SetProperty(s => s.LastError, error)
                .SetProperty(s => s.FailureAlerted, source.FailureAlerted || alert)
                .SetProperty(s => s.NextDueAt, now + Backoff(o, failures, result))
                .SetProperty(s => s.LeaseOwner, (string?)null)
                .SetProperty(s => s.LeaseUntil, (DateTime?)null), ct);
            if (alert)
            {
                source.ConsecutiveFailures = failures;
                source.LastError = error;
                pending.Add(PendingAlert.Health(source, true));
            }
        }

        var next = now + NextInterval(o);
        foreach (var (source, result, hash) in answered)
        {
            if (source.FailureAlerted)
            {
                pending.Add(PendingAlert.Health(source, false));
            }
            if (source.Settled && source.AnswerHash == hash)
            {
                unchanged.Add(source.Id);
                continue;
            }
            var observations = result.Observations;
            if (result.NothingListed)
            {
                observations = [.. states.Values.Where(s => s.Subsidiary == source.Subsidiary && s.PlanCode == source.PlanCode)
                    .Select(s => new Observation(s.Datacenter, s.Track, StockState.OutOfStock, "none listed", null))];
            }
            foreach (var seen in observations)
            {
                if (seen.State == StockState.Unknown)
                {
                    // An unknown value or a missing field keeps the previous state.
                    LogUnknownStatus(logger, source.Subsidiary, source.PlanCode, seen.Datacenter, seen.Track, seen.Raw);
                    continue;
                }
                var key = (source.Subsidiary, source.PlanCode, seen.Datacenter, seen.Track);
                states.TryGetValue(key, out var previous);
                var before = previous is null ? default : Fingerprint(previous);
                var outcome = StockRule.Observe(previous, seen.State, seen.Raw, seen.DeliveryHours, now, o.NotificationThreshold,
                    source.Subsidiary, source.PlanCode, seen.Datacenter, seen.Track);
                if (previous is null)
                {
                    db.Set<RestockState>().Add(outcome.State);
                    states[key] = outcome.State;
                }
                else if (Fingerprint(previous) != before)
                {
                    db.Set<RestockState>().Update(previous);
                }
                if (outcome.Changed)
                {
                    db.Set<RestockTransition>().Add(new RestockTransition
                    {
                        Subsidiary = source.Subsidiary,
                        PlanCode = source.PlanCode,
                        Datacenter = seen.Datacenter,
                        Track = seen.Track,
                        From = outcome.Previous,
                        To = seen.State,
                        RawStatus = seen.Raw,
                        At = now,
                    });
                    changes.Add(new StockChange(source.Subsidiary, source.PlanCode, seen.Datacenter, seen.Track, outcome.Previous, seen.State, now));
                }
                foreach (var signal in outcome.Signals)
                {
                    pending.Add(new PendingAlert(source, seen, signal, outcome.State, null));
                }
            }
            var settled = states.Values.Where(s => s.Subsidiary == source.Subsidiary && s.PlanCode == source.PlanCode).All(StockRule.IsSettled);
            if (settled == source.Settled && hash == source.AnswerHash)
            {
                unchanged.Add(source.Id);
                continue;
            }
            await db.Set<RestockSource>().Where(s => s.Id == source.Id).ExecuteUpdateAsync(u => u
                .SetProperty(s => s.LastCheckedAt, now)
                .SetProperty(s => s.LastSuccessAt, now)
                .SetProperty(s => s.Checks, s => s.Checks + 1)
                .SetProperty(s => s.ConsecutiveFailures, 0)
                .SetProperty(s => s.LastError, (string?)null)
                .SetProperty(s => s.FailureAlerted, false)
                .SetProperty(s => s.AnswerHash, hash)
                .SetProperty(s => s.Settled, settled)
                .SetProperty(s => s.NextDueAt, next)
                .SetProperty(s => s.LeaseOwner, (string?)null)
                .SetProperty(s => s.LeaseUntil, (DateTime?)null), ct);
        }

        if (unchanged.Count > 0)
        {
            // One statement for every source whose answer changed nothing; the jitter is drawn per batch.
            await HeartbeatAsync(db, unchanged, owner!, now, next, ct); // claimed rows carry their owner
        }
        var alerts = pending.Count == 0 ? 0 : await RecordAlertsAsync(services, db, pending, cycle, now, o, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        feed.Publish(changes);
        return new CycleReport(batch.Count, failed, changes.Count, alerts);
    }

    /// <summary>Everything the rule may change on a state, to write back only states that changed.</summary>
    static (StockState, string?, DateTime, DateTime?, DateTime?, int, int, bool, bool, int?) Fingerprint(RestockState s) =>
        (s.State, s.RawStatus, s.Since, s.UnavailableSince, s.OutOfStockSince, s.AvailableStreak, s.OrderableStreak, s.AvailableRunQualified, s.OrderableRunQualified, s.DeliveryHours);

    /// <summary>A signal waiting for its alert, or a source's health change (<see cref="Failing"/> set).</summary>
    sealed record PendingAlert(RestockSource Source, Observation? Seen, StockSignal? Signal, RestockState? State, bool? Failing)
    {
        public static PendingAlert Health(RestockSource source, bool failing) => new(source, null, null, null, failing);
    }

    async Task<int> RecordAlertsAsync(IServiceProvider services, VigilDb db, List<PendingAlert> pending, string cycle, DateTime now, RestockOptions o, CancellationToken ct)
    {
        var publisher = services.GetRequiredService<AlertPublisher>();
        var subscriptions = await services.GetRequiredService<SubscriptionService>().OfModuleAsync(RestockAudience.Module, ct);
        var planCodes = pending.Select(p => p.Source.PlanCode).Distinct().ToList();
        var plans = await db.Set<RestockPlan>().AsNoTracking().Where(p => planCodes.Contains(p.PlanCode)).ToDictionaryAsync(p => p.PlanCode, ct);
        var prices = RestockService.OneCatalogEach(await db.Set<RestockPrice>().AsNoTracking().Where(p => planCodes.Contains(p.PlanCode) && p.IsMonthlyList).ToListAsync(ct))
            .GroupBy(p => (p.Subsidiary, p.PlanCode)).ToDictionary(g => g.Key, g => g.First());
        // Dedicated servers have one source for every subsidiary: their price (and order link) is that of the first
        // watched subsidiary whose catalog lists one.
        var watched = pending.Any(p => p.Source.Subsidiary.Length == 0) ? o.SubsidiaryList : [];
        var learnt = await db.Set<RestockDatacenter>().AsNoTracking().ToDictionaryAsync(d => d.Name, ct);
        var recorded = 0;
        foreach (var item in pending)
        {
            var source = item.Source;
            var plan = plans.GetValueOrDefault(source.PlanCode);
            var name = plan?.Name ?? source.PlanCode;
            var where = source.Subsidiary.Length > 0 ? $" ({source.Subsidiary})" : "";
            if (item.Failing is { } failing)
            {
                var kind = failing ? RestockAudience.SourceFailingKind : RestockAudience.SourceRecoveredKind;
                var title = failing
                    ? $"Restock checks of {name}{where} are failing"
                    : $"Restock checks of {name}{where} work again";
                var body = failing
                    ? $"{source.ConsecutiveFailures} checks in a row failed. Last error: {source.LastError}"
                    : "The last check succeeded; stock is being watched again.";
                var health = await publisher.RecordAsync(new AlertInput(kind, null, $"ovh-source:{source.Subsidiary}:{source.PlanCode}",
                    failing ? Severity.Warning : Severity.Info, title, body,
                    new Dictionary<string, string> { ["plan_code"] = source.PlanCode, ["subsidiary"] = source.Subsidiary, ["failures"] = source.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture) },
                    DedupKey: $"{kind}:{source.Subsidiary}:{source.PlanCode}:{now.Ticks}",
                    // Restock subscriptions follow stock; plain subscriptions to these kinds (and the admin channel) hear health.
                    Audience: s => s.Module != RestockAudience.Module,
                    // Told once each way already (FailureAlertAfter, FailureAlerted): a recovery soon after the failure
                    // notice must not fall to the destination's cooldown for the same source.
                    Cooldown: TimeSpan.Zero), ct);
                recorded += health is null ? 0 : 1;
                continue;
            }
            var signal = item.Signal!; // set on every stock alert
            var seen = item.Seen!;
            var isDefault = RestockAudience.IsDefault(signal, seen.Track);
            if (!isDefault && !subscriptions.Any(s => RestockAudience.Accepts(s, signal, source.Subsidiary, source.PlanCode, seen.Datacenter, seen.Track)))
            {
                // Only subscribers' own rules want this one, and none matches: nothing to record.
                continue;
            }
            var dc = RestockDatacenters.Describe(seen.Datacenter, learnt);
            var priced = source.Subsidiary.Length > 0 ? source.Subsidiary : watched.FirstOrDefault(s => prices.ContainsKey((s, source.PlanCode)));
            var price = priced is not null && prices.TryGetValue((priced, source.PlanCode), out var p) ? RestockDatacenters.Money(p.PriceMicros, p.Currency) + "/month" : null;
            var delivery = RestockDatacenters.Delivery(seen.DeliveryHours);
            var link = RestockDatacenters.OrderLink(source.Kind, priced ?? "FR", source.PlanCode);
            var stateWord = seen.State == StockState.PreOrder ? "on pre-order" : signal.BackInStock ? "back in stock" : "out of stock";
            var alertKind = signal.BackInStock ? RestockAudience.BackInStockKind : RestockAudience.OutOfStockKind;
            // The Windows track says so: a grouped message may list one datacenter once per track.
            var os = RestockAudience.IsDefaultTrack(seen.Track) ? "" : $" on {seen.Track}";
            var alertTitle = $"{name} {stateWord} in {dc.Name}{where}{os}";
            // A debounced alert comes polls after the return: its signal dates the return, not the outage, which is
            // only known to have lasted the threshold at least.
            var outage = signal.ConfirmedPolls == 1
                ? $"after {RestockDatacenters.Duration(now - signal.RunStartedAt)} unavailable"
                : $"after at least {RestockDatacenters.Duration(o.NotificationThreshold)} unavailable, confirmed on {signal.ConfirmedPolls} checks in a row over {RestockDatacenters.Duration(now - signal.RunStartedAt)}";
            var text = signal.BackInStock
                ? $"{name} ({source.PlanCode}) can be ordered in {dc.Label}{where}{os} {outage}."
                  + (price is null ? "" : $" Price: {price}.") + $" Delivery: {delivery}. Order: {link}"
                : $"{name} ({source.PlanCode}) is no longer orderable in {dc.Label}{where}{os}.";
            var fields = new Dictionary<string, string>
            {
                ["plan"] = name,
                ["plan_code"] = source.PlanCode,
                ["datacenter"] = dc.Name,
                ["state"] = stateWord,
            };
            if (signal.BackInStock)
            {
                // Where it cannot be ordered there is no delivery time, as on the status row.
                fields["delivery"] = delivery;
            }
            if (source.Subsidiary.Length > 0)
            {
                fields["subsidiary"] = source.Subsidiary;
            }
            if (dc.City is { } city)
            {
                fields["city"] = city;
            }
            if (price is not null)
            {
                fields["price"] = price;
            }
            if (!RestockAudience.IsDefaultTrack(seen.Track))
            {
                fields["os"] = seen.Track;
            }
            var subsidiary = source.Subsidiary;
            var label = RestockAudience.Label(signal, seen.Track);
            var alert = await publisher.RecordAsync(new AlertInput(alertKind, null, RestockAudience.Subject(source.PlanCode, seen.Datacenter),
                Severity.Info, alertTitle, text, fields, link,
                DedupKey: $"{label}:{subsidiary}:{source.PlanCode}:{seen.Datacenter}:{seen.Track}:{now.Ticks}",
                // One message per destination per cycle, listing every plan and datacenter that came back.
                GroupKey: "restock:" + cycle,
                Audience: s => RestockAudience.Accepts(s, signal, subsidiary, source.PlanCode, seen.Datacenter, seen.Track),
                SystemChannels: isDefault,
                CooldownSubject: RestockAudience.CooldownSubject(alertKind, subsidiary, source.PlanCode, seen.Datacenter, seen.Track)), ct);
            if (alert is null)
            {
                continue;
            }
            recorded++;
            db.Set<RestockAlert>().Add(new RestockAlert
            {
                EventId = alert.Id,
                Kind = alertKind,
                Subsidiary = subsidiary,
                PlanCode = source.PlanCode,
                PlanName = name,
                Datacenter = seen.Datacenter,
                Track = seen.Track,
                State = seen.State,
                Price = price,
                Delivery = signal.BackInStock ? delivery : null,
                Link = link,
                Audience = label,
                At = now,
            });
            if (isDefault)
            {
                LogBackInStock(logger, source.PlanCode, subsidiary, seen.Datacenter);
            }
        }
        return recorded;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Restock cycle: {Checked} checked, {Failed} failed, {Changes} changes in {Total} (catalogs and sources {Sync}, claim {Claim}, checks {Checks}, the rest writing)")]
    static partial void LogCycle(ILogger logger, int @checked, int failed, int changes, TimeSpan total, TimeSpan sync, TimeSpan claim, TimeSpan checks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restock check of {Subsidiary}/{PlanCode} failed ({Failures} in a row): {Error}")]
    static partial void LogCheckFailed(ILogger logger, string subsidiary, string planCode, int failures, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restock {Subsidiary}/{PlanCode} {Datacenter} {Track}: unknown status {Raw}; state kept")]
    static partial void LogUnknownStatus(ILogger logger, string subsidiary, string planCode, string datacenter, string track, string? raw);

    [LoggerMessage(Level = LogLevel.Information, Message = "Plan {PlanCode} is back in stock in {Subsidiary} {Datacenter}")]
    static partial void LogBackInStock(ILogger logger, string planCode, string subsidiary, string datacenter);
}
