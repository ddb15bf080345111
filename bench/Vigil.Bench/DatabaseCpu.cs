using System.Globalization;
using Npgsql;

namespace Vigil.Bench;

/// <summary>
/// The CPU time a PostgreSQL cluster on this machine has used: its postmaster and every process it started, those still
/// running and those it has reaped (the kernel adds a reaped child's time to its parent's). On two cores shared by the
/// server, its database, the receiver and the bench, what the database spends per message is part of what a run
/// costs, and the bare loop has no such cost; this says how much.
/// </summary>
public sealed class DatabaseCpu
{
    readonly int _postmaster;

    DatabaseCpu(int postmaster) => _postmaster = postmaster;

    /// <summary>The cluster behind <paramref name="connectionString"/>, or null when it is not on this machine (or this is not Linux).</summary>
    public static async Task<DatabaseCpu?> FindAsync(string connectionString, CancellationToken ct)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
        var backend = Convert.ToInt32(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        // A backend of a cluster elsewhere (or in another PID namespace) is not this machine's process of that number.
        if (ReadStat(backend) is not { } stat || !File.ReadAllText($"/proc/{backend}/comm").StartsWith("postgres", StringComparison.Ordinal))
        {
            return null;
        }
        return new DatabaseCpu(stat.Parent);
    }

    /// <summary>The cluster's CPU time so far.</summary>
    public TimeSpan Total()
    {
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            ticks += ReadStat(pid) switch
            {
                { } own when pid == _postmaster => own.Ticks + own.ChildTicks,
                { } child when child.Parent == _postmaster => child.Ticks,
                _ => 0,
            };
        }
        return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
    }

    /// <summary>USER_HZ, which is 100 on every Linux architecture .NET runs on.</summary>
    const int ClockTicksPerSecond = 100;

    /// <summary>A process's parent, its own CPU ticks (user + system) and those of its reaped children; null once it has gone.</summary>
    static (int Parent, long Ticks, long ChildTicks)? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name is in parentheses and may hold spaces: the fields are counted from the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        // fields[0] is the state (field 3 of proc(5)); the parent is field 4, utime 14, stime 15, cutime 16, cstime 17.
        return ((int)Field(1), Field(11) + Field(12), Field(13) + Field(14));
    }
}
