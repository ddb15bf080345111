using Quartz;
using Vigil.Server.Platform.Data;
using Vigil.Server.Platform.Modules;

namespace Vigil.Server.Platform.Jobs;

/// <summary>
/// Recurring system jobs on Quartz.NET. On PostgreSQL the job store is clustered in the shared database (Quartz
/// creates its <c>qrtz_</c> tables on first start), so each trigger fires once across replicas and another replica
/// takes over when one dies. On SQLite (one node by design) jobs live in memory. Only replicas with the worker role
/// run the scheduler. Quartz reads time from the registered <see cref="TimeProvider"/>, so tests move its clock.
/// </summary>
public static class JobsSetup
{
    public const string SchedulerName = "vigil";

    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder, DatabaseUrl database, ServerRoles roles)
    {
        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = SchedulerName;
                // Each replica needs its own id in a cluster.
                o.GenerateInstanceId = true;
            });
            if (database.Provider == DatabaseProvider.Postgres)
            {
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(database.ConnectionString);
                    store.UseClustering(c => c.CheckinInterval = TimeSpan.FromSeconds(10));
                    store.ProvisionSchema();
                });
            }
        });
        if (roles.HasFlag(ServerRoles.Worker))
        {
            builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        }
        return builder;
    }

    /// <summary>Schedules <typeparamref name="TJob"/> every <paramref name="interval"/>, the first run at start; never two at once.</summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string name, TimeSpan interval)
        where TJob : class, IJob
    {
        services.AddQuartz(q => q.ScheduleJob<TJob>(
            trigger => trigger.WithIdentity(name + ".trigger")
                .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
            job => job.WithIdentity(name).DisallowConcurrentExecution()));
        return services;
    }
}
