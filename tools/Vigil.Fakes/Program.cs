using Vigil.Fakes;

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
