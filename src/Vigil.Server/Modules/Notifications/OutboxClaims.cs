using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Claims due outbox rows with a lease, so replicas never send the same row. PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>
/// lets dispatchers take disjoint rows without waiting, and what is due is read from <c>notification_due</c> (pending
/// rows and their due times, kept by triggers), so the outbox's status is in no index and its updates stay in place;
/// the rows locked are updated where they lie (<c>ctid</c>) instead of being looked up again by id.
/// SQLite: one writer at a time, so the single <c>UPDATE … RETURNING</c> is the claim, over a (status, due) index.
/// </summary>
public static class OutboxClaims
{
    public static async Task<List<OutboxMessage>> ClaimAsync(VigilDb db, DatabaseProvider provider, string owner, DateTime now, DateTime until, int batch, CancellationToken ct)
    {
        var pending = nameof(OutboxStatus.Pending);
        // PostgreSQL: the claim's join is planned without merge joins. Costing one reads the ends of the due table's
        // primary key, where delivered rows leave dead entries until the next vacuum: planning the claim took 1–6 ms
        // (most of its time on a busy outbox) against 0.1 ms without, and a merge join is never the plan chosen.
        await using var transaction = provider == DatabaseProvider.Postgres ? await db.Database.BeginTransactionAsync(ct) : null;
        if (transaction is not null)
        {
            await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_mergejoin = off", ct);
        }
        var claimed = provider == DatabaseProvider.Postgres
            ? await db.Database.SqlQuery<ClaimedRow>($"""
                WITH due AS (
                    SELECT o.ctid AS row FROM notification_due d JOIN notification_outbox o ON o."Id" = d."OutboxId"
                    WHERE d."DueAt" <= {now} AND o."Status" = {pending} AND (o."LeaseUntil" IS NULL OR o."LeaseUntil" < {now})
                    ORDER BY d."DueAt", o."ChannelId" LIMIT {batch}
                    FOR UPDATE OF o SKIP LOCKED)
                UPDATE notification_outbox o SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                FROM due WHERE o.ctid = due.row
                RETURNING o."Id", o."EventId", o."ChannelId", o."GroupKey", o."SubjectKey", o."IdempotencyKey", o."DueAt", o."Attempts", o."CooldownSeconds"
                """).ToListAsync(ct)
            : await db.Database.SqlQuery<ClaimedRow>($"""
                UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                WHERE "Id" IN (
                    SELECT "Id" FROM notification_outbox
                    WHERE "Status" = {pending} AND "DueAt" <= {now} AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                    ORDER BY "DueAt", "ChannelId" LIMIT {batch})
                RETURNING "Id", "EventId", "ChannelId", "GroupKey", "SubjectKey", "IdempotencyKey", "DueAt", "Attempts", "CooldownSeconds"
                """).ToListAsync(ct);
        if (claimed.Count == batch)
        {
            // The batch limit may have cut a group in two; take its due siblings too so it goes out as one message.
            // The rows of a group share a due time (grouping gives them one flush time; a retry or a hand-back moves a
            // message's rows together) and the claim takes rows in (due time, channel) order, so only groups of the
            // batch's last channel at its last due time can have been cut: a pass looks up a handful of groups, not a
            // thousand, even when one event fanned out to a thousand channels at the same instant. (Guids order alike
            // here and in both databases; were they not, a cut group would go out as two messages, never fewer.)
            // The search starts from those groups (one index look-up each), never from every pending row. SQLite
            // is told so (CROSS JOIN keeps the list as the outer loop; left to itself, it walks the due rows instead).
            // Siblings created more than a day ago (long retries) are left to later passes: they still go, on their own.
            var boundary = claimed.Max(o => o.DueAt);
            var lastChannel = claimed.Where(o => o.DueAt == boundary).Max(o => o.ChannelId);
            var groups = claimed.Where(o => o.DueAt == boundary && o.ChannelId == lastChannel).Select(o => (o.ChannelId, o.GroupKey)).Distinct().ToList();
            var horizon = now - SiblingHorizon;
            var siblings = provider == DatabaseProvider.Postgres
                ? await db.Database.SqlQuery<ClaimedRow>($"""
                    UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                    WHERE "Id" IN (
                        SELECT s."Id" FROM unnest({groups.Select(g => g.ChannelId).ToArray()}, {groups.Select(g => g.GroupKey).ToArray()}) AS g(channel, grp)
                        JOIN notification_outbox s ON s."ChannelId" = g.channel AND s."GroupKey" = g.grp AND s."CreatedAt" > {horizon}
                        WHERE s."Status" = {pending} AND s."DueAt" <= {now} AND (s."LeaseUntil" IS NULL OR s."LeaseUntil" < {now})
                        FOR UPDATE OF s SKIP LOCKED)
                    RETURNING "Id", "EventId", "ChannelId", "GroupKey", "SubjectKey", "IdempotencyKey", "DueAt", "Attempts", "CooldownSeconds"
                    """).ToListAsync(ct)
                : await db.Database.SqlQuery<ClaimedRow>($"""
                    UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                    WHERE "Id" IN (
                        SELECT s."Id" FROM json_each({SqlitePairs(groups)}) AS g
                        CROSS JOIN notification_outbox s INDEXED BY "IX_notification_outbox_ChannelId_GroupKey_CreatedAt" ON s."ChannelId" = json_extract(g.value, '$[0]') AND s."GroupKey" = json_extract(g.value, '$[1]') AND s."CreatedAt" > {horizon}
                        WHERE s."Status" = {pending} AND s."DueAt" <= {now} AND (s."LeaseUntil" IS NULL OR s."LeaseUntil" < {now}))
                    RETURNING "Id", "EventId", "ChannelId", "GroupKey", "SubjectKey", "IdempotencyKey", "DueAt", "Attempts", "CooldownSeconds"
                    """).ToListAsync(ct);
            claimed.AddRange(siblings);
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return claimed.ConvertAll(r => r.ToMessage(owner, until));
    }

    /// <summary>
    /// The columns of a claimed row a pass reads, not the whole row: a pass takes a thousand rows, and materializing
    /// the other fourteen columns (dates parsed from text on SQLite, enums from their names) took about a twentieth of
    /// the dispatcher's CPU for nothing.
    /// </summary>
    sealed class ClaimedRow
    {
        public Guid Id { get; init; }
        public Guid EventId { get; init; }
        public Guid ChannelId { get; init; }
        public required string GroupKey { get; init; }
        public required string SubjectKey { get; init; }
        public required string IdempotencyKey { get; init; }
        public DateTime DueAt { get; init; }
        public int Attempts { get; init; }
        public int? CooldownSeconds { get; init; }

        /// <summary>The row as a pass holds it: pending, leased to <paramref name="owner"/> until <paramref name="until"/>.</summary>
        public OutboxMessage ToMessage(string owner, DateTime until) => new()
        {
            Id = Id,
            EventId = EventId,
            ChannelId = ChannelId,
            GroupKey = GroupKey,
            SubjectKey = SubjectKey,
            IdempotencyKey = IdempotencyKey,
            DueAt = DateTime.SpecifyKind(DueAt, DateTimeKind.Utc),
            Attempts = Attempts,
            CooldownSeconds = CooldownSeconds,
            Status = OutboxStatus.Pending,
            LeaseOwner = owner,
            LeaseUntil = until,
        };
    }

    /// <summary>How far back the sibling search looks: the index it uses is ordered by creation time.</summary>
    public static readonly TimeSpan SiblingHorizon = TimeSpan.FromDays(1);

    /// <summary>(channel, key) pairs as one JSON array of <c>[channel id, key]</c> for SQLite's <c>json_each</c>.</summary>
    public static string SqlitePairs(IEnumerable<(Guid ChannelId, string Key)> pairs) =>
        System.Text.Json.JsonSerializer.Serialize(pairs.Select(p => new[] { SqliteValues.Id(p.ChannelId), p.Key }));
}
