using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DedupKeyPerWorkspace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_alert_events_Kind_DedupKey",
                table: "alert_events");

            migrationBuilder.CreateIndex(
                name: "IX_alert_events_WorkspaceId_Kind_DedupKey",
                table: "alert_events",
                columns: new[] { "WorkspaceId", "Kind", "DedupKey" },
                unique: true,
                filter: "\"DedupKey\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_alert_events_WorkspaceId_Kind_DedupKey",
                table: "alert_events");

            migrationBuilder.CreateIndex(
                name: "IX_alert_events_Kind_DedupKey",
                table: "alert_events",
                columns: new[] { "Kind", "DedupKey" },
                unique: true);
        }
    }
}
