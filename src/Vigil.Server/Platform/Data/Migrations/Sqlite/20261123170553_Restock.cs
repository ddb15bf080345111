using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EventId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    PlanName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Datacenter = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Track = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Price = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                    Delivery = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                    Link = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Audience = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_alerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_catalogs",
                columns: table => new
                {
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    FetchedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    NextFetchAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    PlanCount = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_catalogs", x => x.Subsidiary);
                });

            migrationBuilder.CreateTable(
                name: "restock_datacenters",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                    City = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Country = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CountryCode = table.Column<string>(type: "TEXT", maxLength: 4, nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_datacenters", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "restock_plans",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Monitored = table.Column<bool>(type: "INTEGER", nullable: false),
                    Lifecycle = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Cores = table.Column<int>(type: "INTEGER", nullable: true),
                    MemoryGb = table.Column<int>(type: "INTEGER", nullable: true),
                    StorageGb = table.Column<int>(type: "INTEGER", nullable: true),
                    BandwidthMbps = table.Column<int>(type: "INTEGER", nullable: true),
                    Datacenters = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    FromCatalog = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_plans", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_prices",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Commitment = table.Column<int>(type: "INTEGER", nullable: false),
                    IntervalUnit = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Interval = table.Column<int>(type: "INTEGER", nullable: false),
                    PriceMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    TaxMicros = table.Column<long>(type: "INTEGER", nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    IsMonthlyList = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_prices", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_sources",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    NextDueAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LeaseOwner = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    LeaseUntil = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastCheckedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastSuccessAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ConsecutiveFailures = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    AnswerHash = table.Column<long>(type: "INTEGER", nullable: false),
                    Settled = table.Column<bool>(type: "INTEGER", nullable: false),
                    FailureAlerted = table.Column<bool>(type: "INTEGER", nullable: false),
                    Checks = table.Column<long>(type: "INTEGER", nullable: false),
                    Failures = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_sources", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_states",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Datacenter = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Track = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    RawStatus = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                    Since = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FirstSeenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UnavailableSince = table.Column<DateTime>(type: "TEXT", nullable: true),
                    OutOfStockSince = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AvailableStreak = table.Column<int>(type: "INTEGER", nullable: false),
                    OrderableStreak = table.Column<int>(type: "INTEGER", nullable: false),
                    AvailableRunQualified = table.Column<bool>(type: "INTEGER", nullable: false),
                    OrderableRunQualified = table.Column<bool>(type: "INTEGER", nullable: false),
                    DeliveryHours = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_restock_states", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "restock_transitions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subsidiary = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PlanCode = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Datacenter = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Track = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    From = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    To = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    RawStatus = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
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
