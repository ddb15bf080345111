using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Modules.Restock;

/// <summary>What one answer said about one datacenter and track; <see cref="StockState.Unknown"/> keeps the previous state.</summary>
public sealed record Observation(string Datacenter, string Track, StockState State, string? Raw, int? DeliveryHours);

/// <summary>
/// A check's outcome. A failed check (network, 4xx/5xx, garbage, a 200 without <c>datacenters</c>) carries no
/// observations and must never change stock state.
/// </summary>
/// <remarks><see cref="NothingListed"/>: the upstream says there is nothing to list (dedicated 404), so every datacenter we knew is out.</remarks>
public sealed record CheckResult(bool Ok, IReadOnlyList<Observation> Observations, string? Error = null, int? Status = null, TimeSpan? RetryAfter = null, bool NothingListed = false)
{
    public static CheckResult Failed(string error, int? status = null, TimeSpan? retryAfter = null) => new(false, [], error, status, retryAfter);

    /// <summary>A fingerprint of what was observed, stable across processes (FNV-1a over the sorted observations).</summary>
    /// <remarks>
    /// Hashes, in (datacenter, track) order with ties kept in answer order, each observation's datacenter, track, raw
    /// value and delivery hours as UTF-16 code units, each followed by <c>|</c> (a missing value counts as <c>\0</c>).
    /// Stored as <see cref="RestockSource.AnswerHash"/>: changing the formula makes every source apply its next answer once.
    /// </remarks>
    public long Fingerprint()
    {
        var hash = Fnv.Start;
        hash = Fnv.Mix(hash, NothingListed ? "none" : "some");
        var order = new int[Observations.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        Array.Sort(order, (x, y) =>
        {
            var a = Observations[x];
            var b = Observations[y];
            var byDatacenter = string.CompareOrdinal(a.Datacenter, b.Datacenter);
            if (byDatacenter != 0)
            {
                return byDatacenter;
            }
            var byTrack = string.CompareOrdinal(a.Track, b.Track);
            return byTrack != 0 ? byTrack : x.CompareTo(y);
        });
        Span<char> digits = stackalloc char[11];
        foreach (var i in order)
        {
            var o = Observations[i];
            hash = Fnv.Mix(hash, o.Datacenter);
            hash = Fnv.Mix(hash, o.Track);
            hash = Fnv.Mix(hash, o.Raw);
            hash = o.DeliveryHours is { } hours && hours.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture)
                ? Fnv.Mix(hash, digits[..written])
                : Fnv.Mix(hash, null);
        }
        return unchecked((long)hash);
    }

    static class Fnv
    {
        public const ulong Start = 14695981039346656037UL;
        const ulong Prime = 1099511628211;

        public static ulong Mix(ulong hash, ReadOnlySpan<char> text)
        {
            foreach (var c in text)
            {
                hash = (hash ^ c) * Prime;
            }
            return (hash ^ '|') * Prime;
        }

        public static ulong Mix(ulong hash, string? text) => text is null ? Mix(hash, "\0".AsSpan()) : Mix(hash, text.AsSpan());
    }
}

public sealed record CatalogPricing(string Mode, int Commitment, string IntervalUnit, int Interval, long Price, long Tax, string? Description, bool MonthlyList,
    IReadOnlyList<string> Capacities);

public sealed record CatalogPlan(string PlanCode, string Name, IReadOnlyList<string> Datacenters, bool Orderable, IReadOnlyList<CatalogPricing> Pricings,
    int? Cores, int? MemoryGb, int? StorageGb, int? BandwidthMbps);

public sealed record CatalogDatacenter(string Name, string? City, string? Country, string? CountryCode, string? Code);

public sealed record CatalogAnswer(bool Ok, string? Currency, IReadOnlyList<CatalogPlan> Plans, IReadOnlyList<CatalogDatacenter> Datacenters, string? Error)
{
    public static CatalogAnswer Failed(string error) => new(false, null, [], [], error);
}

/// <summary>
/// OVHcloud's public, unauthenticated stock and catalog endpoints. One attempt per call: the poller owns retries
/// and backoff, so a failing upstream costs one request per source per cycle and never more.
/// </summary>
public sealed partial class OvhClient(HttpClient http, IOptionsMonitor<RestockOptions> options)
{
    public const string LinuxTrack = "linux";
    public const string WindowsTrack = "windows";
    public const string ServerTrack = "server";

    /// <summary>The VPS stock of a plan in one subsidiary: <c>GET /vps/order/rule/datacenter</c>.</summary>
    public Task<CheckResult> VpsAsync(string subsidiary, string planCode, CancellationToken ct) =>
        GetAsync(Url(options.CurrentValue.BaseFor(subsidiary), "/vps/order/rule/datacenter", ("ovhSubsidiary", subsidiary), ("planCode", planCode)),
            body => ParseVps(body), notFound: null, ct);

    /// <summary>A dedicated server's availability: <c>GET /dedicated/server/datacenter/availabilities?planCode=</c> on the EU host.</summary>
    public Task<CheckResult> DedicatedAsync(string planCode, CancellationToken ct) =>
        GetAsync(Url(options.CurrentValue.ApiBaseEu, "/dedicated/server/datacenter/availabilities", ("planCode", planCode)),
            ParseDedicated, notFound: message => message.StartsWith("No availabilities found", StringComparison.OrdinalIgnoreCase), ct);

    public static string Url(Uri baseUri, string path, params (string Name, string Value)[] query)
    {
        var url = new System.Text.StringBuilder(baseUri.OriginalString.Length + path.Length + 64).Append(baseUri.ToString().TrimEnd('/')).Append(path);
        for (var i = 0; i < query.Length; i++)
        {
            url.Append(i == 0 ? '?' : '&').Append(query[i].Name).Append('=').Append(Uri.EscapeDataString(query[i].Value));
        }
        return url.ToString();
    }

    async Task<CheckResult> GetAsync(string url, Func<byte[], CheckResult> parse, Func<string, bool>? notFound, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.CurrentValue.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var (message, text) = ErrorOf(body);
                if (response.StatusCode == HttpStatusCode.NotFound && notFound is not null && notFound(message))
                {
                    // Nothing to list for this plan: every datacenter we knew is out, not an outage of the API.
                    return new CheckResult(true, [], NothingListed: true);
                }
                var queryId = response.Headers.TryGetValues("X-Ovh-Queryid", out var ids) ? " (query " + ids.First() + ")" : "";
                return CheckResult.Failed($"HTTP {(int)response.StatusCode}: {text}{queryId}", (int)response.StatusCode, RetryAfterOf(response));
            }
            try
            {
                return parse(body);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                // Malformed JSON, or a string that is not valid UTF-8.
                return CheckResult.Failed("The answer is not JSON.", (int)response.StatusCode);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CheckResult.Failed("Timed out.");
        }
        catch (HttpRequestException e)
        {
            return CheckResult.Failed("Network error: " + e.Message);
        }
    }

    static TimeSpan? RetryAfterOf(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    static (string Message, string Text) ErrorOf(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 500)));
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                var cls = json.RootElement.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() + ": " : "";
                return (m.GetString()!, cls + m.GetString()); // checked to be a string
            }
        }
        catch (JsonException)
        {
            // Proxies answer 5xx with HTML: fall back to the raw text.
        }
        return ("", text.Trim());
    }

    /// <summary>
    /// A VPS stock answer, read in one pass: <c>{"datacenters": [{"datacenter", "linuxStatus", "windowsStatus",
    /// "daysBeforeDelivery"}, …]}</c>. Rows without a datacenter name are skipped, but a list whose every row is such
    /// garbage is a failed check; a repeated property counts once, the last time. Throws <see cref="JsonException"/> when
    /// the body is not one well-formed JSON value.
    /// </summary>
    public static CheckResult ParseVps(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read())
        {
            throw new JsonException("Empty answer.");
        }
        List<Observation>? observations = null;
        var skipped = 0;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isList = reader.ValueTextEquals("datacenters"u8);
                reader.Read();
                if (!isList)
                {
                    reader.Skip();
                    continue;
                }
                skipped = 0;
                observations = reader.TokenType == JsonTokenType.StartArray ? ReadVpsRows(ref reader, ref skipped) : null;
                reader.Skip();
            }
        }
        else
        {
            reader.Skip();
        }
        // The rest must be whitespace: the reader throws on anything after the value.
        while (reader.Read())
        {
        }
        return observations is null ? CheckResult.Failed("The answer has no datacenters list.")
            : observations is [] && skipped > 0 ? CheckResult.Failed(NoDatacenterNamed)
            : new CheckResult(true, observations);
    }

    const string NoDatacenterNamed = "No row of the answer names a datacenter.";

    static List<Observation> ReadVpsRows(ref Utf8JsonReader reader, ref int skipped)
    {
        var observations = new List<Observation>(16);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                skipped++;
                reader.Skip();
                continue;
            }
            string? datacenter = null, linux = null, windows = null;
            int? hours = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("datacenter"u8) ? 1
                    : reader.ValueTextEquals("linuxStatus"u8) ? 2
                    : reader.ValueTextEquals("windowsStatus"u8) ? 3
                    : reader.ValueTextEquals("daysBeforeDelivery"u8) ? 4
                    : 0;
                reader.Read();
                var text = field is 1 or 2 or 3 ? Words.Read(ref reader) : null;
                switch (field)
                {
                    case 1:
                        datacenter = text;
                        break;
                    case 2:
                        linux = text;
                        break;
                    case 3:
                        windows = text;
                        break;
                    case 4:
                        hours = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var days) && days > 0 ? days * 24 : null;
                        break;
                }
                reader.Skip();
            }
            if (datacenter is { Length: > 0 })
            {
                // The delay is only meaningful for a pre-order: an available row delivers at once, an unavailable one not at all.
                var (linuxState, windowsState) = (VpsState(linux), VpsState(windows));
                observations.Add(new Observation(datacenter, LinuxTrack, linuxState, linux, linuxState == StockState.PreOrder ? hours : null));
                observations.Add(new Observation(datacenter, WindowsTrack, windowsState, windows, windowsState == StockState.PreOrder ? hours : null));
            }
            else
            {
                skipped++;
            }
        }
        return observations;
    }

    /// <summary>
    /// The strings stock answers repeat on every check (datacenter codes, statuses): each is allocated once and shared,
    /// instead of once per answer. Bounded, so an upstream answering garbage cannot grow it without end.
    /// </summary>
    static class Words
    {
        const int MaxLength = 64;
        const int MaxCount = 4096;
        static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.Ordinal);
        static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars = Known.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>The current token's text when it is a string, else null.</summary>
        public static string? Read(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return null;
            }
            if (reader.HasValueSequence || reader.ValueSpan.Length > MaxLength)
            {
                return reader.GetString();
            }
            // Unescaped, a string never has more characters than its JSON form has bytes.
            Span<char> chars = stackalloc char[MaxLength];
            var text = chars[..reader.CopyString(chars)];
            if (ByChars.TryGetValue(text, out var known))
            {
                return known;
            }
            var word = new string(text);
            return Known.Count < MaxCount ? Known.GetOrAdd(word, word) : word;
        }
    }

    public static StockState VpsState(string? status) => status switch
    {
        "available" => StockState.InStock,
        "out-of-stock-preorder-allowed" => StockState.PreOrder,
        "out-of-stock" => StockState.OutOfStock,
        _ => StockState.Unknown,
    };

    static CheckResult ParseDedicated(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        return ParseDedicated(document.RootElement);
    }

    /// <summary>
    /// A dedicated availabilities answer: variants, each with <c>datacenters[] {datacenter, availability}</c>. Entries that
    /// name no datacenter are skipped, but an answer of nothing else is a failed check.
    /// </summary>
    public static CheckResult ParseDedicated(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            return CheckResult.Failed("The answer is not a list of availabilities.");
        }
        // Several hardware variants (fqn) per plan: a datacenter is in stock when any variant can be ordered there.
        var best = new Dictionary<string, (StockState State, string Raw, int? Hours)>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var variant in root.EnumerateArray())
        {
            if (variant.ValueKind != JsonValueKind.Object || !variant.TryGetProperty("datacenters", out var dcs) || dcs.ValueKind != JsonValueKind.Array)
            {
                skipped++;
                continue;
            }
            foreach (var dc in dcs.EnumerateArray())
            {
                if (dc.ValueKind != JsonValueKind.Object || Text(dc, "datacenter") is not { Length: > 0 } name)
                {
                    skipped++;
                    continue;
                }
                var raw = Text(dc, "availability") ?? "";
                var (state, hours) = DedicatedState(raw);
                if (!best.TryGetValue(name, out var current) || Rank(state) > Rank(current.State)
                    || (state == StockState.InStock && current.State == StockState.InStock && hours < current.Hours))
                {
                    best[name] = (state, raw, hours);
                }
            }
        }
        // Entries that name nothing are skipped, but an answer of nothing else is garbage, not an empty list.
        return best.Count == 0 && skipped > 0
            ? CheckResult.Failed(NoDatacenterNamed)
            : new CheckResult(true, [.. best.Select(b => new Observation(b.Key, ServerTrack, b.Value.State, b.Value.Raw, b.Value.Hours))]);
    }

    static int Rank(StockState state) => state switch
    {
        StockState.InStock => 3,
        StockState.PreOrder => 2,
        StockState.OutOfStock => 1,
        _ => 0,
    };

    /// <summary><c>1H-low</c>, <c>72H</c> … are orderable (value = delivery delay); <c>comingSoon</c> and <c>unavailable</c> are not; anything else is unknown.</summary>
    public static (StockState State, int? Hours) DedicatedState(string availability)
    {
        var match = DelayPattern().Match(availability);
        if (match.Success)
        {
            return (StockState.InStock, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        return availability is "unavailable" or "comingSoon" ? (StockState.OutOfStock, null) : (StockState.Unknown, null);
    }

    [GeneratedRegex(@"^(\d+)H(-high|-low)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DelayPattern();

    [GeneratedRegex(@"-vps-20\d\d-|degressivity", RegexOptions.CultureInvariant)]
    private static partial Regex NotForSale();

    static string? Text(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static int? Int(JsonElement o, params string[] path)
    {
        var current = o;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out current))
            {
                return null;
            }
        }
        return current.ValueKind == JsonValueKind.Number && current.TryGetDouble(out var value) ? (int)value : null;
    }

    /// <summary>The public VPS catalog of a subsidiary: plans, specs, prices, and datacenter cities.</summary>
    public Task<CatalogAnswer> CatalogAsync(string subsidiary, CancellationToken ct) => CatalogAsync(subsidiary, CatalogSync.Vps, ct);

    /// <summary>
    /// One public catalog of a subsidiary, <c>GET /order/catalog/public/{catalog}</c>: <c>vps</c> (plans, specs, prices,
    /// datacenter cities), or <c>eco</c> / <c>baremetalServers</c> (dedicated servers: plan names and prices).
    /// </summary>
    public async Task<CatalogAnswer> CatalogAsync(string subsidiary, string catalog, CancellationToken ct)
    {
        var url = Url(options.CurrentValue.BaseFor(subsidiary), "/order/catalog/public/" + catalog, ("ovhSubsidiary", subsidiary));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.CurrentValue.CatalogTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            // A catalog runs to megabytes, so it is asked for compressed; stock answers are a few hundred bytes, where
            // compression would only cost work on every check (the client does not ask for it by default).
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await using var stream = await DecodedAsync(response, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                using var error = new MemoryStream();
                await stream.CopyToAsync(error, timeout.Token);
                var (_, text) = ErrorOf(error.ToArray());
                return CatalogAnswer.Failed($"HTTP {(int)response.StatusCode}: {text}");
            }
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: timeout.Token);
            return catalog == CatalogSync.Vps ? ParseCatalog(document.RootElement) : ParseDedicatedCatalog(document.RootElement);
        }
        catch (JsonException)
        {
            return CatalogAnswer.Failed("The catalog is not JSON.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CatalogAnswer.Failed("Timed out.");
        }
        catch (HttpRequestException e)
        {
            return CatalogAnswer.Failed("Network error: " + e.Message);
        }
        catch (IOException e)
        {
            // The connection dropped while the body was being read.
            return CatalogAnswer.Failed("Network error: " + e.Message);
        }
        catch (InvalidDataException)
        {
            return CatalogAnswer.Failed("The catalog is not valid gzip.");
        }
    }

    /// <summary>The body, decompressed when the answer says it is gzip.</summary>
    static async Task<Stream> DecodedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var stream = await response.Content.ReadAsStreamAsync(ct);
        return response.Content.Headers.ContentEncoding.Contains("gzip", StringComparer.OrdinalIgnoreCase)
            ? new GZipStream(stream, CompressionMode.Decompress)
            : stream;
    }

    /// <summary>The longest plan code, mode and interval unit the price table holds; longer ones are not prices we can store.</summary>
    const int MaxPlanCode = 100, MaxMode = 60, MaxIntervalUnit = 20, MaxName = 200, MaxCapacity = 20, MaxCapacities = 8;

    /// <summary>
    /// A dedicated-server catalog (<c>eco</c>, <c>baremetalServers</c>): the same document as the VPS catalog, read for
    /// <c>plans[].planCode</c>, <c>invoiceName</c> and <c>pricings</c>, in the currency of <c>locale.currencyCode</c>. Every
    /// plan counts (an admin picks which to watch by code). A document without a currency or without one usable plan is a
    /// failed fetch, so whatever was stored before stays.
    /// </summary>
    public static CatalogAnswer ParseDedicatedCatalog(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("plans", out var plans) || plans.ValueKind != JsonValueKind.Array)
        {
            return CatalogAnswer.Failed("The catalog has no plans.");
        }
        var currency = root.TryGetProperty("locale", out var locale) && locale.ValueKind == JsonValueKind.Object ? Text(locale, "currencyCode") : null;
        if (currency is null || !CurrencyPattern().IsMatch(currency))
        {
            return CatalogAnswer.Failed("The catalog has no currency (locale.currencyCode).");
        }
        var result = new List<CatalogPlan>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans.EnumerateArray())
        {
            if (plan.ValueKind != JsonValueKind.Object || Text(plan, "planCode") is not { Length: > 0 and <= MaxPlanCode } code || !seen.Add(code))
            {
                continue;
            }
            var name = Text(plan, "invoiceName") is { Length: > 0 } invoice ? invoice.Trim() : code;
            result.Add(new CatalogPlan(code, name.Length > MaxName ? name[..MaxName] : name, [], true, ReadPricings(plan), null, null, null, null));
        }
        return result.Count == 0
            ? CatalogAnswer.Failed("The catalog lists no plans.")
            : new CatalogAnswer(true, currency, result, [], null);
    }

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

    /// <summary>
    /// A plan's <c>pricings</c>: price and tax in micro-cents (value / 10^8). The monthly list price is the line with mode
    /// <c>default</c>, capacity <c>renew</c>, one month, no commitment. Lines without an integer price are skipped.
    /// </summary>
    static List<CatalogPricing> ReadPricings(JsonElement plan)
    {
        var pricings = new List<CatalogPricing>();
        if (!plan.TryGetProperty("pricings", out var pricingList) || pricingList.ValueKind != JsonValueKind.Array)
        {
            return pricings;
        }
        foreach (var p in pricingList.EnumerateArray())
        {
            if (p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("price", out var price) || price.ValueKind != JsonValueKind.Number
                || !price.TryGetInt64(out var micros) || micros < 0)
            {
                continue;
            }
            // Words such as installation or renew: a handful, kept with the line (bounded, for the column that stores them).
            var capacities = p.TryGetProperty("capacities", out var caps) && caps.ValueKind == JsonValueKind.Array
                ? caps.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!)
                    .Where(c => c.Length is > 0 and <= MaxCapacity && !c.Contains(' ', StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Take(MaxCapacities).ToList()
                : [];
            var mode = Text(p, "mode") ?? "default";
            var commitment = Int(p, "commitment") ?? 0;
            var unit = Text(p, "intervalUnit") ?? "none";
            var interval = Int(p, "interval") ?? 0;
            if (mode.Length > MaxMode || unit.Length > MaxIntervalUnit)
            {
                continue;
            }
            var tax = p.TryGetProperty("tax", out var taxValue) && taxValue.ValueKind == JsonValueKind.Number && taxValue.TryGetInt64(out var taxMicros) && taxMicros >= 0 ? taxMicros : 0;
            var monthly = mode == "default" && capacities.Contains("renew") && unit == "month" && interval == 1 && commitment == 0;
            pricings.Add(new CatalogPricing(mode, commitment, unit, interval, micros, tax, Text(p, "description"), monthly, capacities));
        }
        return pricings;
    }

    public static CatalogAnswer ParseCatalog(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("plans", out var plans) || plans.ValueKind != JsonValueKind.Array)
        {
            return CatalogAnswer.Failed("The catalog has no plans.");
        }
        var currency = root.TryGetProperty("locale", out var locale) && locale.ValueKind == JsonValueKind.Object ? Text(locale, "currencyCode") : null;
        var products = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var datacenters = new Dictionary<string, CatalogDatacenter>(StringComparer.Ordinal);
        if (root.TryGetProperty("products", out var productList) && productList.ValueKind == JsonValueKind.Array)
        {
            foreach (var product in productList.EnumerateArray())
            {
                if (product.ValueKind == JsonValueKind.Object && Text(product, "name") is { } name)
                {
                    products[name] = product;
                    ReadDatacenterMeta(product, datacenters);
                }
            }
        }
        var result = new List<CatalogPlan>();
        foreach (var plan in plans.EnumerateArray())
        {
            if (plan.ValueKind != JsonValueKind.Object || Text(plan, "planCode") is not { Length: > 0 } code)
            {
                continue;
            }
            var name = Text(plan, "invoiceName") is { Length: > 0 } invoice ? invoice : code;
            var dcs = new List<string>();
            if (plan.TryGetProperty("configurations", out var configurations) && configurations.ValueKind == JsonValueKind.Array)
            {
                foreach (var configuration in configurations.EnumerateArray())
                {
                    if (configuration.ValueKind == JsonValueKind.Object && Text(configuration, "name") == "vps_datacenter"
                        && configuration.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array)
                    {
                        dcs.AddRange(values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!));
                    }
                }
            }
            var tags = plan.TryGetProperty("blobs", out var blobs) && blobs.ValueKind == JsonValueKind.Object && blobs.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
                ? [.. t.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
                : new List<string>();
            // Peer practice, not documented OVH semantics: shown in the order funnel and not an upgrade path.
            var orderable = (tags.Count == 0 || tags.Contains("order-funnel:show")) && !NotForSale().IsMatch(code);
            var pricings = ReadPricings(plan);
            var product = Text(plan, "product") is { } productName && products.TryGetValue(productName, out var found) ? found : default;
            result.Add(new CatalogPlan(code, name, dcs, orderable, pricings,
                Spec(product, "cpu", "cores"), Spec(product, "memory", "size"), DiskSize(product), Spec(product, "bandwidth", "level")));
        }
        return new CatalogAnswer(true, currency, result, [.. datacenters.Values], null);
    }

    static int? Spec(JsonElement product, string part, string field) =>
        product.ValueKind == JsonValueKind.Object ? Int(product, "blobs", "technical", part, field) : null;

    static int? DiskSize(JsonElement product)
    {
        if (product.ValueKind != JsonValueKind.Object || !product.TryGetProperty("blobs", out var blobs) || blobs.ValueKind != JsonValueKind.Object
            || !blobs.TryGetProperty("technical", out var technical) || technical.ValueKind != JsonValueKind.Object
            || !technical.TryGetProperty("storage", out var storage) || storage.ValueKind != JsonValueKind.Object
            || !storage.TryGetProperty("disks", out var disks) || disks.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var total = disks.EnumerateArray().Sum(d => d.ValueKind == JsonValueKind.Object ? Int(d, "capacity") ?? 0 : 0);
        return total > 0 ? total : null;
    }

    static void ReadDatacenterMeta(JsonElement product, Dictionary<string, CatalogDatacenter> into)
    {
        if (!product.TryGetProperty("blobs", out var blobs) || blobs.ValueKind != JsonValueKind.Object
            || !blobs.TryGetProperty("meta", out var meta) || meta.ValueKind != JsonValueKind.Object
            || !meta.TryGetProperty("configurations", out var configurations) || configurations.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var configuration in configurations.EnumerateArray())
        {
            if (configuration.ValueKind != JsonValueKind.Object || Text(configuration, "name") != "vps_datacenter"
                || !configuration.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var value in values.EnumerateArray())
            {
                if (value.ValueKind != JsonValueKind.Object || Text(value, "value") is not { Length: > 0 } name || into.ContainsKey(name))
                {
                    continue;
                }
                if (value.TryGetProperty("blobs", out var b) && b.ValueKind == JsonValueKind.Object && b.TryGetProperty("technical", out var tech)
                    && tech.ValueKind == JsonValueKind.Object && tech.TryGetProperty("datacenter", out var dc) && dc.ValueKind == JsonValueKind.Object)
                {
                    into[name] = new CatalogDatacenter(name, Text(dc, "city"), Text(dc, "country"), Text(dc, "countryCode"), Text(dc, "region"));
                }
            }
        }
    }
}
