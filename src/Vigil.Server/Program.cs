using Vigil.Server.Platform.Cli;

return await VigilCli.RunAsync(args);

/// <summary>The entry point; public so tests can host it.</summary>
public partial class Program;
