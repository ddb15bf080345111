using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FirstResponse",
                table: "notification_outbox",
                type: "TEXT",
                maxLength: 600,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "FirstStatusCode",
                table: "notification_outbox",
                type: "INTEGER",
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
