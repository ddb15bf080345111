using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FirstAttemptOnRow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "FirstDurationMs",
                table: "notification_outbox",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FirstResponse",
                table: "notification_outbox",
                type: "character varying(600)",
                maxLength: 600,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FirstStatusCode",
                table: "notification_outbox",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "FirstDurationMs",
                table: "notification_outbox");

            migrationBuilder.DropColumn(
                name: "FirstResponse",
                table: "notification_outbox");

            migrationBuilder.DropColumn(
                name: "FirstStatusCode",
                table: "notification_outbox");
        }
    }
}
