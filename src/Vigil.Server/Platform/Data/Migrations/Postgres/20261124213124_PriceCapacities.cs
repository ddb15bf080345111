using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PriceCapacities : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Capacities",
                table: "restock_prices",
                type: "character varying(200)",
                maxLength: 200,
                nullable: false,
                defaultValue: "");

            // Lines stored before have no capacities: every catalog fetched so far is due again, so they get theirs.
            migrationBuilder.Sql("""UPDATE restock_catalogs SET "NextFetchAt" = "FetchedAt" WHERE "FetchedAt" IS NOT NULL;""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Capacities",
                table: "restock_prices");
        }
    }
}
