using Microsoft.Extensions.Options;
using Quartz;

namespace Vigil.Server.Modules.Restock;

/// <summary>Runs a poll cycle every tick; each source is checked when due, so the tick only bounds how late a check can be.</summary>
public sealed partial class RestockPollJob(RestockPoller poller, IOptionsMonitor<RestockOptions> options, ILogger<RestockPollJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.RunPoller)
        {
            return;
        }
        try
        {
            await poller.RunCycleAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database may be briefly unreachable; leases expire and the next tick checks again.
            LogCycleFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A restock poll cycle failed")]
    static partial void LogCycleFailed(ILogger logger, Exception e);
}
