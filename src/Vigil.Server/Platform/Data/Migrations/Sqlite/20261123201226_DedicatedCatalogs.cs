using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DedicatedCatalogs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_restock_catalogs",
                table: "restock_catalogs");

            migrationBuilder.AddColumn<string>(
                name: "Catalog",
                table: "restock_prices",
                type: "TEXT",
                maxLength: 30,
                nullable: false,
                defaultValue: "vps");

            migrationBuilder.AddColumn<bool>(
                name: "NamedByAdmin",
                table: "restock_plans",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "Catalog",
                table: "restock_catalogs",
                type: "TEXT",
                maxLength: 30,
                nullable: false,
                defaultValue: "vps");

            migrationBuilder.AddPrimaryKey(
                name: "PK_restock_catalogs",
                table: "restock_catalogs",
                columns: new[] { "Subsidiary", "Catalog" });

            migrationBuilder.CreateTable(
                name: "restock_offers",
                columns: table => new
                {
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    Catalog = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_offers", x => new { x.Subsidiary, x.Catalog, x.PlanCode });
                });

            migrationBuilder.CreateIndex(
                name: "IX_restock_offers_PlanCode",
                table: "restock_offers",
                column: "PlanCode");

            // Until now a plan added without a name was named after its code: any other name was an admin's choice.
            migrationBuilder.Sql("""UPDATE restock_plans SET "NamedByAdmin" = TRUE WHERE NOT "FromCatalog" AND "Name" <> "PlanCode";""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "restock_offers");

            migrationBuilder.DropPrimaryKey(
                name: "PK_restock_catalogs",
                table: "restock_catalogs");

            migrationBuilder.DropColumn(
                name: "Catalog",
                table: "restock_prices");

            migrationBuilder.DropColumn(
                name: "NamedByAdmin",
                table: "restock_plans");

            migrationBuilder.DropColumn(
                name: "Catalog",
                table: "restock_catalogs");

            migrationBuilder.AddPrimaryKey(
                name: "PK_restock_catalogs",
                table: "restock_catalogs",
                column: "Subsidiary");
        }
    }
}
