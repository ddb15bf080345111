using Microsoft.Data.Sqlite;
using Vigil.Server.Platform.Data;

namespace Vigil.UnitTests.Platform;

public sealed class SqliteValuesTests
{
    [Theory]
    [InlineData("2026-11-24T05:06:07.1234567Z")]
    [InlineData("2026-11-24T05:06:07.1200000Z")]
    [InlineData("2026-11-24T05:06:07Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void Times_are_written_as_a_bound_parameter_is_stored(string value)
    {
        var time = DateTime.Parse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT $t";
        command.Parameters.AddWithValue("$t", time);

        SqliteValues.Time(time).ShouldBe((string)command.ExecuteScalar()!);
    }

    [Fact]
    public void Ids_are_upper_case_text()
    {
        var id = Guid.Parse("0b6c1a9e-5f1d-4a52-9d43-2f7e8a1c3b4d");
        SqliteValues.Id(id).ShouldBe("0B6C1A9E-5F1D-4A52-9D43-2F7E8A1C3B4D");
    }
}
