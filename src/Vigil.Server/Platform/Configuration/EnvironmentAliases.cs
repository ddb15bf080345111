namespace Vigil.Server.Platform.Configuration;

/// <summary>
/// The environment variable names the specs established (<c>DATABASE_URL</c>, <c>JWT_SECRET</c>, …) keep
/// working: each is copied onto the configuration key of the options section that owns it.
/// </summary>
public static class EnvironmentAliases
{
    static readonly (string Variable, string Key)[] Aliases =
    [
        ("DATABASE_URL", "Database:Url"),
        ("AUTO_MIGRATE", "Database:AutoMigrate"),
        ("DATA_DIR", "Platform:DataDir"),
        ("VIGIL_MODULES", "Platform:Modules"),
        ("VIGIL_ROLES", "Platform:Roles"),
        ("CORS_ORIGINS", "Platform:CorsOrigins"),
        ("REDIS_URL", "Platform:RedisUrl"),
        ("JWT_SECRET", "Auth:JwtSecret"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "Auth:AccessTokenExpireMinutes"),
        ("REFRESH_TOKEN_EXPIRE_DAYS", "Auth:RefreshTokenExpireDays"),
        ("ALLOW_REGISTRATION", "Auth:AllowRegistration"),
        ("ADMIN_USERNAME", "Auth:AdminUsername"),
        ("ADMIN_EMAIL", "Auth:AdminEmail"),
        ("ADMIN_PASSWORD", "Auth:AdminPassword"),
        ("AUTH_MAX_FAILED_ATTEMPTS", "Auth:MaxFailedAttempts"),
        ("AUTH_LOCKOUT_MINUTES", "Auth:LockoutMinutes"),
        ("AUTH_IP_FAILURES_PER_WINDOW", "Auth:IpFailuresPerWindow"),
        ("AUTH_REGISTRATIONS_PER_MINUTE", "Auth:RegistrationsPerMinute"),
        ("OUTBOUND_ALLOWLIST", "Outbound:Allowlist"),
    ];

    public static void Apply(IConfigurationManager configuration)
    {
        var overrides = new Dictionary<string, string?>();
        foreach (var (variable, key) in Aliases)
        {
            var value = configuration[variable];
            if (!string.IsNullOrEmpty(value))
            {
                overrides[key] = value;
            }
        }
        // The store-room tool's SECRET_KEY (or its SECRET_STORE_FILE, a JSON file holding SECRET_KEY) signs tokens when
        // JWT_SECRET is not given.
        if (string.IsNullOrEmpty(configuration["JWT_SECRET"]) && SecretKey(configuration) is { Length: > 0 } secret)
        {
            overrides["Auth:JwtSecret"] = secret;
        }
        // API_HOST/API_PORT (the OVH checker's names) still choose where we listen when ASPNETCORE_URLS is unset.
        var port = configuration["API_PORT"];
        if (!string.IsNullOrEmpty(port) && string.IsNullOrEmpty(configuration["urls"]))
        {
            var host = configuration["API_HOST"] is { Length: > 0 } h && h != "0.0.0.0" ? h : "*";
            overrides["urls"] = $"http://{host}:{port}";
        }
        if (overrides.Count > 0)
        {
            configuration.AddInMemoryCollection(overrides);
        }
    }

    static string? SecretKey(IConfiguration configuration)
    {
        if (configuration["SECRET_KEY"] is { Length: > 0 } key)
        {
            return key;
        }
        if (configuration["SECRET_STORE_FILE"] is not { Length: > 0 } file)
        {
            return null;
        }
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            return json.RootElement.TryGetProperty("SECRET_KEY", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
                ? value.GetString()
                : throw new Auth.StartupException($"SECRET_STORE_FILE {file} holds no SECRET_KEY string.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new Auth.StartupException($"SECRET_STORE_FILE {file} cannot be read as JSON: {e.Message}");
        }
    }
}
