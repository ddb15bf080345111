using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Postgres
{
    /// <summary>
    /// What is due moves to its own table, kept by triggers: the outbox's status is then in no index, so claiming a row
    /// and recording its outcome are in-place (HOT) updates; the outbox keeps three fifths of each page free for them.
    /// </summary>
    public partial class NotificationDue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_notification_outbox_Status_DueAt",
                table: "notification_outbox");

            migrationBuilder.AlterTable(
                name: "notification_outbox")
                .Annotation("Npgsql:StorageParameter:fillfactor", 40)
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.Sql("""
                CREATE TABLE notification_due (
                    "OutboxId" uuid NOT NULL PRIMARY KEY REFERENCES notification_outbox ("Id") ON DELETE CASCADE,
                    "DueAt" timestamp with time zone NOT NULL);
                CREATE INDEX "IX_notification_due_DueAt" ON notification_due ("DueAt");
                INSERT INTO notification_due ("OutboxId", "DueAt") SELECT "Id", "DueAt" FROM notification_outbox WHERE "Status" = 'Pending';

                CREATE FUNCTION notification_due_sync() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW."Status" = 'Pending' THEN
                        INSERT INTO notification_due ("OutboxId", "DueAt") VALUES (NEW."Id", NEW."DueAt")
                        ON CONFLICT ("OutboxId") DO UPDATE SET "DueAt" = EXCLUDED."DueAt";
                    ELSE
                        DELETE FROM notification_due WHERE "OutboxId" = NEW."Id";
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER notification_due_added AFTER INSERT ON notification_outbox
                    FOR EACH ROW WHEN (NEW."Status" = 'Pending') EXECUTE FUNCTION notification_due_sync();
                CREATE TRIGGER notification_due_changed AFTER UPDATE OF "Status", "DueAt" ON notification_outbox
                    FOR EACH ROW WHEN (OLD."Status" = 'Pending' OR NEW."Status" = 'Pending') EXECUTE FUNCTION notification_due_sync();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER notification_due_changed ON notification_outbox;
                DROP TRIGGER notification_due_added ON notification_outbox;
                DROP FUNCTION notification_due_sync();
                DROP TABLE notification_due;
                """);

            migrationBuilder.AlterTable(
                name: "notification_outbox")
                .Annotation("Npgsql:StorageParameter:fillfactor", 80)
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 40);

            migrationBuilder.CreateIndex(
                name: "IX_notification_outbox_Status_DueAt",
                table: "notification_outbox",
                columns: new[] { "Status", "DueAt" });
        }
    }
}
