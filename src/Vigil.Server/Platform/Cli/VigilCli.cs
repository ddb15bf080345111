using System.CommandLine;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Auth;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Platform.Cli;

/// <summary>
/// The binary's verbs. No verb (or <c>serve</c>) runs the server with the remaining arguments; the others
/// call the same services the API uses.
/// </summary>
public static class VigilCli
{
    static readonly HashSet<string> Verbs = ["serve", "migrate", "user", "inventory", "--help", "-h", "-?", "--version"];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || !Verbs.Contains(args[0]))
        {
            return await ServeAsync(args);
        }
        if (args[0] == "serve")
        {
            return await ServeAsync(args[1..]);
        }
        var parsed = BuildCommands().Parse(args);
        var code = await parsed.InvokeAsync();
        // Bad usage (a value that does not parse, a missing argument, an unknown verb) is exit code 2, as documented;
        // System.CommandLine prints the errors and help, and answers 1.
        return parsed.Errors.Count > 0 && code == 1 ? 2 : code;
    }

    static RootCommand BuildCommands()
    {
        var root = new RootCommand("Vigil: watch things, decide when they matter, tell the right people.");
        var serve = new Command("serve", "Run the server (the default).");
        serve.SetAction((_, _) => ServeAsync([]));
        root.Subcommands.Add(serve);

        var migrate = new Command("migrate", "Apply database migrations and exit.");
        migrate.SetAction((_, ct) => MigrateAsync(ct));
        root.Subcommands.Add(migrate);

        var user = new Command("user", "Manage accounts.");
        var create = new Command("create", "Create a user with a personal workspace.");
        var username = new Option<string>("--username") { Required = true, Description = "Login name." };
        var email = new Option<string>("--email") { Required = true, Description = "Email address." };
        var password = new Option<string?>("--password") { Description = "Password; generated and printed when omitted." };
        var admin = new Option<bool>("--admin") { Description = "Make the user a system admin." };
        create.Options.Add(username);
        create.Options.Add(email);
        create.Options.Add(password);
        create.Options.Add(admin);
        create.SetAction((result, ct) => CreateUserAsync(result.GetValue(username)!, result.GetValue(email)!, result.GetValue(password), result.GetValue(admin), ct));
        user.Subcommands.Add(create);
        root.Subcommands.Add(user);
        root.Subcommands.Add(Vigil.Server.Modules.Inventory.InventoryCli.Build(a => VigilApp.Build(a, QuietLogs), (services, ct) => InitializeAsync(services, migrateOnly: true, ct)));
        return root;
    }

    static async Task<int> ServeAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = VigilApp.Build(args);
        }
        catch (StartupException e)
        {
            return Fail(e.Message, 2);
        }
        if (await InitializeAsync(app.Services, migrateOnly: false, CancellationToken.None) is { } failed)
        {
            return failed;
        }
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            return Fail("Invalid configuration: " + string.Join("; ", e.Failures), 2);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            return Fail(e.Message, 3);
        }
    }

    static async Task<int> MigrateAsync(CancellationToken ct)
    {
        WebApplication app;
        try
        {
            app = VigilApp.Build([]);
        }
        catch (StartupException e)
        {
            return Fail(e.Message, 2);
        }
        await using (app)
        {
            return await InitializeAsync(app.Services, migrateOnly: true, ct) ?? 0;
        }
    }

    static async Task<int> CreateUserAsync(string username, string email, string? password, bool admin, CancellationToken ct)
    {
        WebApplication app;
        try
        {
            app = VigilApp.Build([]);
        }
        catch (StartupException e)
        {
            return Fail(e.Message, 2);
        }
        await using (app)
        {
            if (await InitializeAsync(app.Services, migrateOnly: true, ct) is { } failed)
            {
                return failed;
            }
            await using var scope = app.Services.CreateAsyncScope();
            var auth = scope.ServiceProvider.GetRequiredService<AuthService>();
            var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            var generated = password is null;
            password ??= TokenHash.NewPassword(20);
            var created = await auth.CreateUserAsync(
                new VigilUser { UserName = username, Email = email, IsAdmin = admin, CreatedAt = clock.GetUtcNow().UtcDateTime, LockoutEnabled = true },
                password, "user.created_by_cli", ct);
            if (!created.IsOk)
            {
                return Fail(created.Detail ?? string.Join("; ", created.Errors?.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")) ?? []), 1);
            }
            Console.WriteLine($"Created user {created.Value!.Username} ({created.Value.Id}).");
            if (generated)
            {
                Console.WriteLine($"Password: {password}");
            }
            return 0;
        }
    }

    /// <summary>Migrates (and, when serving, seeds the admin); a broken database is one line on stderr, not a stack trace.</summary>
    static async Task<int?> InitializeAsync(IServiceProvider services, bool migrateOnly, CancellationToken ct)
    {
        var initializer = services.GetRequiredService<DatabaseInitializer>();
        try
        {
            if (migrateOnly)
            {
                await initializer.MigrateAsync(ct);
            }
            else
            {
                await initializer.InitializeAsync(ct);
            }
            return null;
        }
        catch (StartupException e)
        {
            return Fail(e.Message, 2);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Fail(DatabaseInitializer.Describe(e, services.GetRequiredService<DatabaseUrl>()), 1);
        }
    }

    /// <summary>Verbs that print results keep stdout for them: only warnings are logged, to stderr.</summary>
    static void QuietLogs(WebApplicationBuilder builder)
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"vigil: error: {message}");
        return code;
    }
}
