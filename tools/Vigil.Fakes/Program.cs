using Vigil.Fakes;

if (args is ["ovh-bench", var count])
{
    // For the restock benchmark: only FakeOvh, seeded, in its own process (as OVH is to the server and to the bare
    // loop alike). Prints its address; each "flip" line on stdin changes 20 datacenters; ends when stdin closes.
    await using var ovh = new FakeOvh("all") { RecordRequests = false };
    ovh.SeedBench(int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    await ovh.StartAsync();
    Console.WriteLine($"FakeOvh {ovh.BaseAddress}");
    while (await Console.In.ReadLineAsync() is { } line)
    {
        if (line == "flip")
        {
            ovh.FlipBench(20);
            Console.WriteLine("flipped");
        }
    }
    return;
}

if (args is ["webhook-bench"])
{
    // For the notifications benchmark: the webhook receiver in its own process (as a destination is to the server and
    // to the bare loop alike), scripted over stdin; ends when stdin closes.
    await using var receiver = new BenchWebhookReceiver();
    await receiver.StartAsync();
    await receiver.ServeAsync(Console.In, Console.Out);
    return;
}

// The offline demo: every fake outside system on its own loopback port, until Ctrl+C.
var fakes = new List<FakeServer> { new FakeDiscord(), new FakeSlack(), new FakeWebhookReceiver(), new FakeNtfy(), new FakeGotify(), new FakeTeams(), new FakeTelegram(), new FakePushover(), new FakeTwilio(), new FakeSolapi(), new FakeOvh() };
((FakeOvh)fakes[^1]).SeedDemo();
foreach (var fake in fakes)
{
    await fake.StartAsync();
    Console.WriteLine($"{fake.GetType().Name,-24} {fake.BaseAddress}");
}
var done = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    done.TrySetResult();
};
await done.Task;
foreach (var fake in fakes)
{
    await fake.DisposeAsync();
}
