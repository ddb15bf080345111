using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RestockSourcesDueUnindexed : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_restock_sources_NextDueAt",
                table: "restock_sources");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_restock_sources_NextDueAt",
                table: "restock_sources",
                column: "NextDueAt");
        }
    }
}
