namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// Wakes this process's dispatcher as soon as an outbox row is committed here, instead of at its next poll. Other
/// replicas still find the row on their own poll; the signal only shortens the path inside one process.
/// </summary>
public sealed class OutboxSignal
{
    TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Notify() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task WaitAsync() => Volatile.Read(ref _next).Task;
}
