using Microsoft.EntityFrameworkCore;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Claims due outbox rows with a lease, so replicas never send the same row. PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>
/// lets dispatchers take disjoint rows without waiting. SQLite: one writer at a time, so the single
/// <c>UPDATE … RETURNING</c> is the claim.
/// </summary>
public static class OutboxClaims
{
    public static async Task<List<OutboxMessage>> ClaimAsync(VigilDb db, DatabaseProvider provider, string owner, DateTime now, DateTime until, int batch, CancellationToken ct)
    {
        var outbox = db.Set<OutboxMessage>();
        var pending = nameof(OutboxStatus.Pending);
        var claimed = provider == DatabaseProvider.Postgres
            ? await outbox.FromSql($"""
                UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                WHERE "Id" IN (
                    SELECT "Id" FROM notification_outbox
                    WHERE "Status" = {pending} AND "DueAt" <= {now} AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                    ORDER BY "DueAt" LIMIT {batch}
                    FOR UPDATE SKIP LOCKED)
                RETURNING *
                """).AsNoTracking().ToListAsync(ct)
            : await outbox.FromSql($"""
                UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                WHERE "Id" IN (
                    SELECT "Id" FROM notification_outbox
                    WHERE "Status" = {pending} AND "DueAt" <= {now} AND ("LeaseUntil" IS NULL OR "LeaseUntil" < {now})
                    ORDER BY "DueAt" LIMIT {batch})
                RETURNING *
                """).AsNoTracking().ToListAsync(ct);
        if (claimed.Count == batch)
        {
            // The batch limit may have cut a group in two; take its due siblings too so it goes out as one message.
            var siblings = provider == DatabaseProvider.Postgres
                ? await outbox.FromSql($"""
                    UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                    WHERE "Id" IN (
                        SELECT s."Id" FROM notification_outbox s
                        WHERE s."Status" = {pending} AND s."DueAt" <= {now} AND (s."LeaseUntil" IS NULL OR s."LeaseUntil" < {now})
                          AND EXISTS (SELECT 1 FROM notification_outbox c WHERE c."LeaseOwner" = {owner} AND c."LeaseUntil" = {until}
                                      AND c."ChannelId" = s."ChannelId" AND c."GroupKey" = s."GroupKey")
                        FOR UPDATE SKIP LOCKED)
                    RETURNING *
                    """).AsNoTracking().ToListAsync(ct)
                : await outbox.FromSql($"""
                    UPDATE notification_outbox SET "LeaseOwner" = {owner}, "LeaseUntil" = {until}
                    WHERE "Id" IN (
                        SELECT s."Id" FROM notification_outbox s
                        WHERE s."Status" = {pending} AND s."DueAt" <= {now} AND (s."LeaseUntil" IS NULL OR s."LeaseUntil" < {now})
                          AND EXISTS (SELECT 1 FROM notification_outbox c WHERE c."LeaseOwner" = {owner} AND c."LeaseUntil" = {until}
                                      AND c."ChannelId" = s."ChannelId" AND c."GroupKey" = s."GroupKey"))
                    RETURNING *
                    """).AsNoTracking().ToListAsync(ct);
            claimed.AddRange(siblings);
        }
        return claimed;
    }
}
