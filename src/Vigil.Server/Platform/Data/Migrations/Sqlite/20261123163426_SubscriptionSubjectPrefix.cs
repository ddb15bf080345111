using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Vigil.Server.Platform.Data.Migrations.Sqlite
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
                type: "TEXT",
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
