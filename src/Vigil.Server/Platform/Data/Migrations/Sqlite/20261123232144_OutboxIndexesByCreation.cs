using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OutboxIndexesByCreation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_notification_outbox_ChannelId_GroupKey_Status",
                table: "notification_outbox");

            migrationBuilder.DropIndex(
                name: "IX_notification_outbox_ChannelId_SubjectKey_CompletedAt",
                table: "notification_outbox");

            migrationBuilder.CreateIndex(
                name: "IX_notification_outbox_ChannelId_GroupKey_CreatedAt",
                table: "notification_outbox",
                columns: new[] { "ChannelId", "GroupKey", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_notification_outbox_ChannelId_SubjectKey_CreatedAt",
                table: "notification_outbox",
                columns: new[] { "ChannelId", "SubjectKey", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_notification_outbox_ChannelId_GroupKey_CreatedAt",
                table: "notification_outbox");

            migrationBuilder.DropIndex(
                name: "IX_notification_outbox_ChannelId_SubjectKey_CreatedAt",
                table: "notification_outbox");

            migrationBuilder.CreateIndex(
                name: "IX_notification_outbox_ChannelId_GroupKey_Status",
                table: "notification_outbox",
                columns: new[] { "ChannelId", "GroupKey", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_notification_outbox_ChannelId_SubjectKey_CompletedAt",
                table: "notification_outbox",
                columns: new[] { "ChannelId", "SubjectKey", "CompletedAt" });
        }
    }
}
