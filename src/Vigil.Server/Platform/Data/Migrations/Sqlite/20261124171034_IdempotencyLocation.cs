using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class IdempotencyLocation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Location",
                table: "inventory_idempotency",
                type: "TEXT",
                maxLength: 500,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Location",
                table: "inventory_idempotency");
        }
    }
}
