using Npgsql;
using Vigil.Server.Platform.Data;

namespace Vigil.UnitTests.Platform;

public sealed class DatabaseUrlTests
{
    [Fact]
    public void Default_is_a_sqlite_file_under_data() =>
        DatabaseUrl.Parse(null).SqliteFile.ShouldBe(Path.GetFullPath("data/vigil.db"));

    [Theory]
    [InlineData("sqlite:///data/x.db", "data/x.db")]
    [InlineData("sqlite:///./x.db", "x.db")]
    [InlineData("sqlite+aiosqlite:///x.db", "x.db")]
    public void Sqlite_urls_with_three_slashes_are_relative(string url, string relative) =>
        DatabaseUrl.Parse(url).SqliteFile.ShouldBe(Path.GetFullPath(relative));

    [Fact]
    public void Sqlite_urls_with_four_slashes_are_absolute() =>
        DatabaseUrl.Parse("sqlite:////var/lib/vigil/v.db").SqliteFile.ShouldBe("/var/lib/vigil/v.db");

    [Theory]
    [InlineData("postgresql://alice:s%40cret@db.example:6543/vigil")]
    [InlineData("postgres://alice:s%40cret@db.example:6543/vigil")]
    [InlineData("postgresql+asyncpg://alice:s%40cret@db.example:6543/vigil")]
    [InlineData("Host=db.example;Port=6543;Username=alice;Password=s@cret;Database=vigil")]
    public void Postgres_urls_and_connection_strings_agree(string value)
    {
        var url = DatabaseUrl.Parse(value);
        url.Provider.ShouldBe(DatabaseProvider.Postgres);
        var b = new NpgsqlConnectionStringBuilder(url.ConnectionString);
        (b.Host, b.Port, b.Username, b.Password, b.Database).ShouldBe(("db.example", 6543, "alice", "s@cret", "vigil"));
        url.Redacted.ShouldNotContain("s@cret");
    }

    [Fact]
    public void Postgres_url_defaults_port_and_reads_sslmode()
    {
        var b = new NpgsqlConnectionStringBuilder(DatabaseUrl.Parse("postgresql://u@h/d?sslmode=require").ConnectionString);
        b.Port.ShouldBe(5432);
        b.SslMode.ShouldBe(SslMode.Require);
    }

    [Theory]
    [InlineData("postgresql://u@h/d")]
    [InlineData("Host=h;Username=u;Database=d")]
    public void The_server_prepares_statements_and_skips_the_pool_reset_on_postgres(string value)
    {
        var url = DatabaseUrl.Parse(value);
        var b = new NpgsqlConnectionStringBuilder(url.ServerConnectionString);
        (b.NoResetOnClose, b.MaxAutoPrepare).ShouldBe((true, 64));
        (b.Host, b.Username, b.Database).ShouldBe(("h", "u", "d"));
    }

    [Theory]
    [InlineData("postgresql://u@h/d?No%20Reset%20On%20Close=false&Max%20Auto%20Prepare=0")]
    [InlineData("Host=h;Username=u;Database=d;NoResetOnClose=false;MaxAutoPrepare=0")]
    public void Settings_given_in_the_url_win_over_the_servers(string value)
    {
        var b = new NpgsqlConnectionStringBuilder(DatabaseUrl.Parse(value).ServerConnectionString);
        (b.NoResetOnClose, b.MaxAutoPrepare).ShouldBe((false, 0));
    }

    [Fact]
    public void Sqlite_connection_strings_are_opened_as_given()
    {
        var url = DatabaseUrl.Parse("sqlite:///x.db");
        url.ServerConnectionString.ShouldBe(url.ConnectionString);
    }

    [Theory]
    [InlineData("mysql://u:p@h/d")]
    [InlineData("sqlite:///")]
    [InlineData("what is this")]
    public void Unusable_values_are_rejected(string value) =>
        Should.Throw<FormatException>(() => DatabaseUrl.Parse(value));
}
