using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SubscriptionSubjectPrefix : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SubjectPrefix",
                table: "notification_subscriptions",
                type: "character varying(300)",
                maxLength: 300,
                nullable: false,
                defaultValue: "");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SubjectPrefix",
                table: "notification_subscriptions");
        }
    }
}
