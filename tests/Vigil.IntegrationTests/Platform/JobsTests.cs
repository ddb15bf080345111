using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;
using Vigil.IntegrationTests.Infrastructure;
using Vigil.Server.Platform.Jobs;
using Vigil.Server.Platform.Modules;

namespace Vigil.IntegrationTests.Platform;

/// <summary>Counts runs of the probe job, per server, with the fire time each run was scheduled for.</summary>
public sealed class JobRuns
{
    readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> _fires = new();

    public int Count => _fires.Count;

    public IReadOnlyCollection<DateTimeOffset> Fires => _fires;

    public void Add(DateTimeOffset scheduledFor) => _fires.Enqueue(scheduledFor);
}

public sealed class ProbeJob(JobRuns runs) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        runs.Add(context.ScheduledFireTimeUtc ?? context.FireTimeUtc);
        return ValueTask.CompletedTask;
    }
}

public sealed class JobModule(TimeSpan interval) : VigilModule
{
    public override string Name => "jobprobe";

    public override void AddServices(IHostApplicationBuilder builder) => builder.Services.AddSingleton<JobRuns>();

    public override void AddWorkers(IHostApplicationBuilder builder) =>
        builder.Services.AddRecurringJob<ProbeJob>("probe.tick", interval);
}

public sealed class JobsTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    sealed class Host(Db db, TimeSpan interval, string? url = null, string? dir = null, bool realClock = false) : VigilHost(db)
    {
        protected override string? FixedDatabaseUrl => url;

        protected override string? FixedDirectory => dir;

        protected override bool RealClock => realClock;

        protected override IReadOnlyList<VigilModule>? Modules => [new JobModule(interval)];
    }

    static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task Recurring_jobs_run_at_start_and_then_on_the_moved_clock()
    {
        await using var host = new Host(Db.Sqlite, TimeSpan.FromMinutes(10));
        await host.InitializeAsync();
        var runs = host.Service<JobRuns>()!;
        await WaitUntilAsync(() => runs.Count >= 1);
        runs.Count.ShouldBe(1);

        host.Clock.Advance(TimeSpan.FromMinutes(10));
        await WaitUntilAsync(() => runs.Count >= 2);
        runs.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_clustered_job_fires_once_per_trigger_across_two_postgres_replicas()
    {
        Assert.SkipWhen(!PostgresServer.Available, "PostgreSQL is not available (set VIGIL_TEST_POSTGRES or run ./test.sh).");
        var url = await PostgresServer.CreateDatabaseAsync("jobs", Ct);
        var dir = Directory.CreateTempSubdirectory("vigil-jobs-").FullName;
        // Real time: the cluster's row locks and check-ins are what is under test.
        await using var a = new Host(Db.Postgres, TimeSpan.FromSeconds(1), url, dir, realClock: true);
        await a.InitializeAsync();
        await using var b = new Host(Db.Postgres, TimeSpan.FromSeconds(1), url, dir, realClock: true);
        await b.InitializeAsync();
        var runsA = a.Service<JobRuns>()!;
        var runsB = b.Service<JobRuns>()!;

        await WaitUntilAsync(() => runsA.Count + runsB.Count >= 5);

        var fires = runsA.Fires.Concat(runsB.Fires).ToList();
        fires.Count.ShouldBeGreaterThanOrEqualTo(5);
        fires.Distinct().Count().ShouldBe(fires.Count, "no scheduled fire runs on both replicas");
    }
}
