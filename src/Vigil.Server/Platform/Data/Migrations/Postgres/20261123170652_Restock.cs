using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Restock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "restock_alerts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    EventId = table.Column<Guid>(type: "uuid", nullable: true),
                    Kind = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Subsidiary = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    PlanName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Datacenter = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Track = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Price = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true),
                    Delivery = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true),
                    Link = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    Audience = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_alerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_catalogs",
                columns: table => new
                {
                    Subsidiary = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    FetchedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    NextFetchAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Currency = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    PlanCount = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_catalogs", x => x.Subsidiary);
                });

            migrationBuilder.CreateTable(
                name: "restock_datacenters",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Code = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true),
                    City = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Country = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CountryCode = table.Column<string>(type: "character varying(4)", maxLength: 4, nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_datacenters", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "restock_plans",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    PlanCode = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Monitored = table.Column<bool>(type: "boolean", nullable: false),
                    Lifecycle = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Cores = table.Column<int>(type: "integer", nullable: true),
                    MemoryGb = table.Column<int>(type: "integer", nullable: true),
                    StorageGb = table.Column<int>(type: "integer", nullable: true),
                    BandwidthMbps = table.Column<int>(type: "integer", nullable: true),
                    Datacenters = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    FromCatalog = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_plans", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_prices",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Subsidiary = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Currency = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Mode = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Commitment = table.Column<int>(type: "integer", nullable: false),
                    IntervalUnit = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Interval = table.Column<int>(type: "integer", nullable: false),
                    PriceMicros = table.Column<long>(type: "bigint", nullable: false),
                    TaxMicros = table.Column<long>(type: "bigint", nullable: false),
                    Description = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    IsMonthlyList = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_prices", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_sources",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Subsidiary = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    NextDueAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LeaseOwner = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    LeaseUntil = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastCheckedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastSuccessAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ConsecutiveFailures = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    AnswerHash = table.Column<long>(type: "bigint", nullable: false),
                    Settled = table.Column<bool>(type: "boolean", nullable: false),
                    FailureAlerted = table.Column<bool>(type: "boolean", nullable: false),
                    Checks = table.Column<long>(type: "bigint", nullable: false),
                    Failures = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_sources", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_states",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Subsidiary = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Datacenter = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Track = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    RawStatus = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true),
                    Since = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    FirstSeenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UnavailableSince = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    OutOfStockSince = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    AvailableStreak = table.Column<int>(type: "integer", nullable: false),
                    OrderableStreak = table.Column<int>(type: "integer", nullable: false),
                    AvailableRunQualified = table.Column<bool>(type: "boolean", nullable: false),
                    OrderableRunQualified = table.Column<bool>(type: "boolean", nullable: false),
                    DeliveryHours = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_states", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_transitions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    Subsidiary = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Datacenter = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    Track = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    From = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    To = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    RawStatus = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: true),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_transitions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_restock_alerts_At",
                table: "restock_alerts",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_restock_plans_PlanCode",
                table: "restock_plans",
                column: "PlanCode",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_restock_prices_PlanCode_Subsidiary",
                table: "restock_prices",
                columns: new[] { "PlanCode", "Subsidiary" });

            migrationBuilder.CreateIndex(
                name: "IX_restock_sources_NextDueAt",
                table: "restock_sources",
                column: "NextDueAt");

            migrationBuilder.CreateIndex(
                name: "IX_restock_sources_Subsidiary_PlanCode",
                table: "restock_sources",
                columns: new[] { "Subsidiary", "PlanCode" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_restock_states_PlanCode",
                table: "restock_states",
                column: "PlanCode");

            migrationBuilder.CreateIndex(
                name: "IX_restock_states_Subsidiary_PlanCode_Datacenter_Track",
                table: "restock_states",
                columns: new[] { "Subsidiary", "PlanCode", "Datacenter", "Track" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_restock_transitions_At",
                table: "restock_transitions",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_restock_transitions_PlanCode_Subsidiary_Datacenter_Track_At",
                table: "restock_transitions",
                columns: new[] { "PlanCode", "Subsidiary", "Datacenter", "Track", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "restock_alerts");

            migrationBuilder.DropTable(
                name: "restock_catalogs");

            migrationBuilder.DropTable(
                name: "restock_datacenters");

            migrationBuilder.DropTable(
                name: "restock_plans");

            migrationBuilder.DropTable(
                name: "restock_prices");

            migrationBuilder.DropTable(
                name: "restock_sources");

            migrationBuilder.DropTable(
                name: "restock_states");

            migrationBuilder.DropTable(
                name: "restock_transitions");
        }
    }
}
