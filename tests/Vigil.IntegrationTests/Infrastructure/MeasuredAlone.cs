namespace Vigil.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that sample process-wide figures (live memory) run in this collection, after the parallel ones and alone,
/// so neighbours' allocations never count against them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAlone
{
    public const string Name = "measured alone";
}
