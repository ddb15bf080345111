using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;

namespace Vigil.Fakes;

/// <summary>
/// An SMTP server on loopback: EHLO, STARTTLS with a self-signed certificate (or implicit TLS), AUTH PLAIN and LOGIN,
/// MAIL/RCPT/DATA with dot-unstuffing, RSET, NOOP, QUIT. Messages are captured and parsed with MimeKit. Replies can be
/// injected per command (<see cref="FailNext"/>), e.g. a 451 on MAIL or a 550 on RCPT.
/// </summary>
public sealed class FakeSmtpServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly X509Certificate2 _certificate = CreateCertificate();
    readonly ConcurrentQueue<MimeMessage> _messages = new();
    readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _failures = new(StringComparer.OrdinalIgnoreCase);
    readonly CancellationTokenSource _stop = new();
    Task? _accepting;

    /// <summary>Serve TLS from the first byte (port-465 style) instead of offering STARTTLS.</summary>
    public bool ImplicitTls { get; init; }

    /// <summary>A plain-text server: STARTTLS is neither offered nor accepted.</summary>
    public bool NoStartTls { get; init; }

    public string User { get; set; } = "mailer";

    public string Password { get; set; } = "mail-pass-123";

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyCollection<MimeMessage> Messages => _messages;

    /// <summary>The next <paramref name="command"/> (MAIL, RCPT, DATA…) is answered with <paramref name="reply"/>.</summary>
    public void FailNext(string command, string reply) => _failures.GetOrAdd(command, _ => new()).Enqueue(reply);

    public Task StartAsync()
    {
        _listener.Start();
        _accepting = AcceptAsync();
        return Task.CompletedTask;
    }

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        Stream stream = client.GetStream();
        try
        {
            var tls = false;
            if (ImplicitTls)
            {
                stream = await SecureAsync(stream);
                tls = true;
            }
            var session = new Session(stream);
            await session.WriteAsync("220 fake.smtp ESMTP ready");
            string? from = null;
            var recipients = new List<string>();
            var authenticated = false;
            while (await session.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                if (_failures.TryGetValue(verb, out var queue) && queue.TryDequeue(out var injected))
                {
                    await session.WriteAsync(injected);
                    if (injected.StartsWith("421", StringComparison.Ordinal))
                    {
                        return;
                    }
                    continue;
                }
                switch (verb)
                {
                    case "EHLO" or "HELO":
                        await session.WriteAsync(tls
                            ? "250-fake.smtp\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SMTPUTF8"
                            : NoStartTls ? "250-fake.smtp\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME"
                            : "250-fake.smtp\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
                        break;
                    case "STARTTLS" when NoStartTls:
                        await session.WriteAsync("502 5.5.1 Command not implemented");
                        break;
                    case "STARTTLS":
                        await session.WriteAsync("220 2.0.0 Ready to start TLS");
                        stream = await SecureAsync(stream);
                        session = new Session(stream);
                        tls = true;
                        break;
                    case "AUTH":
                        authenticated = await AuthenticateAsync(session, line);
                        await session.WriteAsync(authenticated ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
                        break;
                    case "MAIL":
                        if (!authenticated)
                        {
                            await session.WriteAsync("530 5.7.0 Authentication required");
                            break;
                        }
                        from = line;
                        recipients.Clear();
                        await session.WriteAsync("250 2.1.0 Ok");
                        break;
                    case "RCPT":
                        recipients.Add(line);
                        await session.WriteAsync("250 2.1.5 Ok");
                        break;
                    case "DATA":
                        if (from is null || recipients.Count == 0)
                        {
                            await session.WriteAsync("503 5.5.1 Bad sequence of commands");
                            break;
                        }
                        await session.WriteAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await session.ReadLineAsync() is { } dataLine && dataLine != ".")
                        {
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        }
                        _messages.Enqueue(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(data.ToString()))));
                        await session.WriteAsync("250 2.0.0 Ok: queued as FAKE" + _messages.Count);
                        break;
                    case "RSET" or "NOOP":
                        await session.WriteAsync("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        await session.WriteAsync("221 2.0.0 Bye");
                        return;
                    default:
                        await session.WriteAsync("502 5.5.2 Command not recognized");
                        break;
                }
            }
        }
        catch (IOException)
        {
            // The client went away.
        }
    }

    async Task<bool> AuthenticateAsync(Session session, string line)
    {
        var parts = line.Split(' ', 3);
        if (parts.Length >= 2 && parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            var payload = parts.Length == 3 ? parts[2] : await Ask(session, "334 ");
            var fields = Encoding.UTF8.GetString(Convert.FromBase64String(payload ?? "")).Split('\0');
            return fields.Length == 3 && fields[1] == User && fields[2] == Password;
        }
        if (parts.Length >= 2 && parts[1].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
        {
            var user = parts.Length == 3 ? parts[2] : await Ask(session, "334 VXNlcm5hbWU6");
            var password = await Ask(session, "334 UGFzc3dvcmQ6");
            return Decode(user) == User && Decode(password) == Password;
        }
        return false;
    }

    static async Task<string?> Ask(Session session, string prompt)
    {
        await session.WriteAsync(prompt);
        return await session.ReadLineAsync();
    }

    static string Decode(string? base64) => base64 is null ? "" : Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    async Task<Stream> SecureAsync(Stream inner)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(_certificate);
        return ssl;
    }

    static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=fake.smtp", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_accepting is not null)
        {
            await _accepting;
        }
        _certificate.Dispose();
        _stop.Dispose();
    }

    /// <summary>Line-oriented reads and writes on one stream (plain or TLS).</summary>
    // The reader leaves the stream open and is dropped at STARTTLS, when the stream changes; nothing to dispose.
#pragma warning disable CA1001
    sealed class Session(Stream stream)
    {
        readonly StreamReader _reader = new(stream, new UTF8Encoding(false), false, 4096, leaveOpen: true);

        public Task<string?> ReadLineAsync() => _reader.ReadLineAsync();

        public async Task WriteAsync(string line)
        {
            var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
        }
    }
#pragma warning restore CA1001
}
