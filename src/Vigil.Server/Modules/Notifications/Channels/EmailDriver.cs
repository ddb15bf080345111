using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Vigil.Server.Platform.Http;

namespace Vigil.Server.Modules.Notifications.Channels;

/// <summary>
/// Email over SMTP with MailKit: multipart text + HTML, UTF-8 subject, a Message-ID from the idempotency key (so a resend
/// is recognisable) and <c>Auto-Submitted: auto-generated</c>. Url <c>smtp://[user:pass@]host[:port]</c> (STARTTLS on 587 by
/// default) or <c>smtps://…</c> (implicit TLS, 465), settings <c>to</c>, <c>cc</c>, <c>bcc</c>, <c>from</c>, <c>from_name</c>,
/// <c>mode</c> (<c>starttls</c>, <c>ssl</c>, <c>insecure</c>), <c>verify</c> (<c>no</c> accepts self-signed certificates).
/// Apprise forms <c>mailto://</c> and <c>mailtos://</c>. The SMTP host is dialled only at an address the SSRF guard allows.
/// </summary>
public sealed class EmailDriver(UrlGuard guard) : ChannelDriver
{
    public override ChannelType Type => ChannelType.Email;

    public override IReadOnlyList<string> AppriseSchemes => ["mailto", "mailtos", "smtp", "smtps"];

    public override IReadOnlySet<string> SecretSettings => new HashSet<string>(StringComparer.Ordinal) { "password" };

    public override RateLimit? RateLimit => new(5, TimeSpan.FromSeconds(1));

    public override ChannelConfig Parse(string url, IReadOnlyDictionary<string, string> settings)
    {
        // .NET parses mailto: as an address, not as scheme://authority; read Apprise's form as a generic URL.
        var scheme = url.Split("://", 2)[0].ToLowerInvariant();
        var parseable = scheme is "mailto" or "mailtos" ? "vigil-" + url : url;
        if (!Uri.TryCreate(parseable, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ChannelConfigException("url", "Use smtp://user:pass@host:587 (or smtps://, mailto://, mailtos://).");
        }
        var merged = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            merged["user"] = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                merged["password"] = Uri.UnescapeDataString(parts[1]);
            }
        }
        var query = QueryOf(uri);
        var host = uri.Host;
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (int?)null : uri.Port;
        string mode;
        switch (scheme)
        {
            case "mailto" or "mailtos":
                // Apprise: the domain is the server unless ?smtp= names one, or it is a mail service whose server is
                // known (mailto://alice:app-password@gmail.com); recipients follow in the path.
                var service = query.ContainsKey("smtp") ? null : KnownServices.GetValueOrDefault(uri.Host);
                host = query.GetValueOrDefault("smtp") ?? service?.Host ?? uri.Host;
                if (service is not null && merged.TryGetValue("user", out var login) && !login.Contains('@', StringComparison.Ordinal))
                {
                    // These services sign in with the whole address.
                    merged["user"] = $"{login}@{uri.Host}";
                }
                var recipients = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
                if (query.TryGetValue("to", out var to))
                {
                    recipients.AddRange(to.Split(',', StringSplitOptions.RemoveEmptyEntries));
                }
                if (recipients.Count > 0)
                {
                    merged["to"] = string.Join(',', recipients);
                }
                else if (!merged.ContainsKey("to") && merged.TryGetValue("user", out var self))
                {
                    merged["to"] = self.Contains('@', StringComparison.Ordinal) ? self : $"{self}@{uri.Host}";
                }
                mode = query.GetValueOrDefault("mode") ?? (service, port) switch
                {
                    (null, _) => scheme == "mailtos" ? "starttls" : "insecure",
                    (_, 465) => "ssl",
                    (_, 587) => "starttls",
                    _ => service.Mode,
                };
                if (service is not null && mode == service.Mode)
                {
                    port ??= service.Port;
                }
                foreach (var key in new[] { "from", "cc", "bcc" })
                {
                    if (query.TryGetValue(key, out var v))
                    {
                        merged[key] = v;
                    }
                }
                if (query.TryGetValue("name", out var name))
                {
                    merged["from_name"] = name;
                }
                if (!merged.ContainsKey("from") && merged.TryGetValue("user", out var user))
                {
                    merged["from"] = user.Contains('@', StringComparison.Ordinal) ? user : $"{user}@{uri.Host}";
                }
                break;
            case "smtp" or "smtps":
                mode = query.GetValueOrDefault("mode") ?? merged.GetValueOrDefault("mode") ?? (scheme == "smtps" ? "ssl" : "starttls");
                break;
            default:
                throw new ChannelConfigException("url", "Use smtp://, smtps://, mailto:// or mailtos://.");
        }
        if (query.TryGetValue("verify", out var verify))
        {
            merged["verify"] = verify;
        }
        if (mode is not ("starttls" or "ssl" or "insecure"))
        {
            throw new ChannelConfigException("settings.mode", "The mode is starttls, ssl or insecure.");
        }
        merged["mode"] = mode;
        port ??= mode switch { "ssl" => 465, "starttls" => 587, _ => 25 };
        foreach (var key in new[] { "to", "from" })
        {
            if (!merged.TryGetValue(key, out var value)
                || value.Split(',', StringSplitOptions.RemoveEmptyEntries).Any(a => !MailboxAddress.TryParse(a.Trim(), out var address) || !address.Address.Contains('@', StringComparison.Ordinal)))
            {
                throw new ChannelConfigException("settings." + key, $"Give a valid '{key}' address.");
            }
        }
        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            throw new ChannelConfigException("url", $"'{host}' is not a mail server's host name or address.");
        }
        return new ChannelConfig(Type, $"smtp://{host}:{port}", merged);
    }

    /// <summary>A mail service's own SMTP server, for Apprise URLs that name only the service's domain.</summary>
    sealed record KnownService(string Host, int Port, string Mode);

    /// <summary>
    /// The services Apprise knows by their domain, and a few more, at the servers, ports and TLS modes they publish; as
    /// with Apprise, TLS whether the URL says mailto:// or mailtos://.
    /// </summary>
    static readonly Dictionary<string, KnownService> KnownServices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gmail.com"] = new("smtp.gmail.com", 587, "starttls"),
        ["googlemail.com"] = new("smtp.gmail.com", 587, "starttls"),
        ["yahoo.com"] = new("smtp.mail.yahoo.com", 465, "ssl"),
        ["hotmail.com"] = new("smtp-mail.outlook.com", 587, "starttls"),
        ["live.com"] = new("smtp-mail.outlook.com", 587, "starttls"),
        ["outlook.com"] = new("smtp-mail.outlook.com", 587, "starttls"),
        ["fastmail.com"] = new("smtp.fastmail.com", 465, "ssl"),
        ["fastmail.fm"] = new("smtp.fastmail.com", 465, "ssl"),
        ["zoho.com"] = new("smtp.zoho.com", 465, "ssl"),
        ["yandex.com"] = new("smtp.yandex.com", 465, "ssl"),
        ["yandex.ru"] = new("smtp.yandex.ru", 465, "ssl"),
        ["qq.com"] = new("smtp.qq.com", 465, "ssl"),
        ["163.com"] = new("smtp.163.com", 465, "ssl"),
        ["icloud.com"] = new("smtp.mail.me.com", 587, "starttls"),
        ["me.com"] = new("smtp.mail.me.com", 587, "starttls"),
        ["mac.com"] = new("smtp.mail.me.com", 587, "starttls"),
    };

    public override string? ToAppriseUrl(ChannelConfig config)
    {
        var uri = new Uri(config.Url);
        var scheme = config.Setting("mode") == "insecure" ? "mailto" : "mailtos";
        var auth = config.Setting("user") is { } u ? Escape(u) + (config.Setting("password") is { } p ? ":" + Escape(p) : "") + "@" : "";
        var query = new List<string> { "smtp=" + Escape(uri.Host), "mode=" + Escape(config.Setting("mode")!), "from=" + Escape(config.Setting("from")!) };
        foreach (var key in new[] { "cc", "bcc", "verify" })
        {
            if (config.Setting(key) is { } v)
            {
                query.Add(key + "=" + Escape(v));
            }
        }
        if (config.Setting("from_name") is { } name)
        {
            query.Add("name=" + Escape(name));
        }
        var to = string.Join('/', config.Setting("to")!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Escape));
        return $"{scheme}://{auth}{uri.Host}:{uri.Port}/{to}?{string.Join('&', query)}";
    }

    public override string Mask(ChannelConfig config) => $"{config.Url} → {config.Setting("to")}";

    // smtp://host:port holds no secret (credentials and recipients are settings).
    public override string MaskedTargetUrl(ChannelConfig config) => WithoutUserInfo(config.Url);

    /// <summary>
    /// The text/plain alternative: what the HTML part shows (title, text, fields, link), so a text-only reader misses
    /// nothing.
    /// </summary>
    public static string PlainText(OutgoingMessage message)
    {
        var text = new StringBuilder(message.Title).Append("\n\n").Append(message.Text);
        if (message.Fields.Count > 0)
        {
            text.Append('\n');
            foreach (var field in message.Fields)
            {
                text.Append('\n').Append(field.Name).Append(": ").Append(field.Value);
            }
        }
        if (message.Link is { } link)
        {
            text.Append("\n\n").Append(link);
        }
        return text.ToString();
    }

    public override async Task<SendResult> SendAsync(ChannelConfig config, OutgoingMessage message, CancellationToken ct)
    {
        var server = new Uri(config.Url);
        var mail = new MimeMessage { Subject = message.Title, MessageId = message.IdempotencyKey + "@vigil", Date = new DateTimeOffset(message.OccurredAt, TimeSpan.Zero) };
        mail.From.Add(new MailboxAddress(config.Setting("from_name") ?? "Vigil", config.Setting("from")!));
        AddAll(mail.To, config.Setting("to"));
        AddAll(mail.Cc, config.Setting("cc"));
        AddAll(mail.Bcc, config.Setting("bcc"));
        mail.Headers.Add("Auto-Submitted", "auto-generated");
        mail.Body = new BodyBuilder { TextBody = PlainText(message), HtmlBody = message.Html }.ToMessageBody();

        // The user typed this host: dial only an address the guard allows, then hand the socket to MailKit.
        var addresses = await guard.ResolveAllowedAsync(server.Host, ct);
        var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var client = new SmtpClient();
        try
        {
            await socket.ConnectAsync(addresses[0], server.Port, ct);
            if (config.Setting("verify") is "no" or "false")
            {
                // The channel owner asked for it (Apprise's verify=no): self-signed relays on a private network.
#pragma warning disable CA5359
                client.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            }
            var options = config.Setting("mode") switch
            {
                "ssl" => SecureSocketOptions.SslOnConnect,
                "starttls" => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.StartTlsWhenAvailable,
            };
            await client.ConnectAsync(socket, server.Host, server.Port, options, ct);
            if (config.Setting("user") is { } user)
            {
                await client.AuthenticateAsync(user, config.Setting("password") ?? "", ct);
            }
            var response = await client.SendAsync(mail, ct);
            await client.DisconnectAsync(quit: true, ct);
            return SendResult.Sent(250, response, mail.MessageId);
        }
        catch (SmtpCommandException e)
        {
            var code = (int)e.StatusCode;
            return code is >= 400 and < 500
                ? new SendResult(DeliveryOutcome.Retry, code, Error: $"SMTP {code}: {e.Message}")
                : SendResult.Permanent($"SMTP {code}: {e.Message}", code);
        }
        catch (AuthenticationException e)
        {
            return SendResult.Permanent("SMTP authentication failed: " + e.Message, 535);
        }
        catch (SslHandshakeException e)
        {
            return SendResult.Permanent("TLS failed (set verify=no for a self-signed server): " + e.Message);
        }
        catch (SmtpProtocolException e)
        {
            return SendResult.Transient("SMTP protocol error: " + e.Message);
        }
        catch (NotSupportedException e)
        {
            // The server lacks what the settings require (STARTTLS, authentication): a setting to change, not a moment to wait.
            return SendResult.Permanent("The mail server does not support what this channel needs: " + e.Message);
        }
        catch (ServiceNotConnectedException e)
        {
            return SendResult.Transient(e.Message);
        }
        finally
        {
            socket.Dispose();
        }
    }

    static void AddAll(InternetAddressList list, string? addresses)
    {
        foreach (var address in (addresses ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(MailboxAddress.Parse(address));
        }
    }
}
