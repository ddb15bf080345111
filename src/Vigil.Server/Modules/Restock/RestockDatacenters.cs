using System.Globalization;
using System.Text;

namespace Vigil.Server.Modules.Restock;

/// <summary>A datacenter as users see it: name, region code, city, country and flag.</summary>
public sealed record DatacenterInfo(string Name, string? Code, string? City, string? Country, string? CountryCode)
{
    public string Label => City is { Length: > 0 } city ? $"{Name} ({city})" : Name;

    /// <summary>The country's flag as regional-indicator emoji; empty when the country is unknown.</summary>
    public string Flag => CountryCode is { Length: 2 } cc
        ? string.Concat(cc.ToUpperInvariant().Select(c => char.ConvertFromUtf32(0x1F1E6 + c - 'A')))
        : "";
}

/// <summary>
/// OVH datacenters known before any catalog is read (names and codes from clients' captured answers, not a schema);
/// the catalog and the stock answers add to it, and an unknown one falls back to its raw name.
/// </summary>
public static class RestockDatacenters
{
    static readonly DatacenterInfo[] Builtin =
    [
        new("GRA", "eu-west-gra", "Gravelines", "France", "FR"),
        new("SBG", "eu-west-sbg", "Strasbourg", "France", "FR"),
        new("EU-WEST-RBX", "eu-west-rbx", "Roubaix", "France", "FR"),
        new("DE", "eu-west-lim", "Limburg an der Lahn (Frankfurt)", "Germany", "DE"),
        new("UK", "eu-west-eri", "Erith (London)", "United Kingdom", "GB"),
        new("WAW", "eu-central-waw", "Warsaw", "Poland", "PL"),
        new("EU-SOUTH-MIL", "eu-south-mil", "Milan", "Italy", "IT"),
        new("BHS", "ca-east-bhs", "Beauharnois", "Canada", "CA"),
        new("US-EAST-VA", "us-east-vin", "Vint Hill, Virginia", "United States", "US"),
        new("US-WEST-OR", "us-west-hil", "Hillsboro, Oregon", "United States", "US"),
        new("SGP", "ap-southeast-sgp", "Singapore", "Singapore", "SG"),
        new("SYD", "ap-southeast-syd", "Sydney", "Australia", "AU"),
        new("YNM", "ap-south-mum", "Mumbai", "India", "IN"),
        new("EU-WEST-LZ-AMS", "eu-west-lz-ams", "Amsterdam", "Netherlands", "NL"),
        new("EU-WEST-LZ-BRU", "eu-west-lz-bru", "Brussels", "Belgium", "BE"),
        new("EU-WEST-LZ-VIE", "eu-west-lz-vie", "Vienna", "Austria", "AT"),
        new("EU-WEST-LZ-MRS", "eu-west-lz-mrs", "Marseille", "France", "FR"),
        new("EU-WEST-LZ-ZRH", "eu-west-lz-zrh", "Zurich", "Switzerland", "CH"),
        new("EU-CENTRAL-LZ-PRG", "eu-central-lz-prg", "Prague", "Czechia", "CZ"),
        new("EU-SOUTH-LZ-MAD", "eu-south-lz-mad", "Madrid", "Spain", "ES"),
        new("US-EAST-LZ-ATL", "us-east-lz-atl", "Atlanta", "United States", "US"),
        new("US-EAST-LZ-DAL", "us-east-lz-dal", "Dallas", "United States", "US"),
        new("US-EAST-LZ-MIA", "us-east-lz-mia", "Miami", "United States", "US"),
        new("US-EAST-LZ-NYC", "us-east-lz-nyc", "New York", "United States", "US"),
        new("US-WEST-LZ-DEN", "us-west-lz-den", "Denver", "United States", "US"),
        new("US-WEST-LZ-LAX", "us-west-lz-lax", "Los Angeles", "United States", "US"),
        new("US-WEST-LZ-PAO", "us-west-lz-pao", "Palo Alto", "United States", "US"),
        new("US-WEST-LZ-SEA", "us-west-lz-sea", "Seattle", "United States", "US"),
        // Dedicated-server sites (lower case in the availability answers).
        new("gra", null, "Gravelines", "France", "FR"),
        new("sbg", null, "Strasbourg", "France", "FR"),
        new("rbx", null, "Roubaix", "France", "FR"),
        new("rbx-hz", null, "Roubaix", "France", "FR"),
        new("par", null, "Paris", "France", "FR"),
        new("bhs", null, "Beauharnois", "Canada", "CA"),
        new("fra", null, "Frankfurt", "Germany", "DE"),
        new("lon", null, "London", "United Kingdom", "GB"),
        new("waw", null, "Warsaw", "Poland", "PL"),
        new("vin", null, "Vint Hill, Virginia", "United States", "US"),
        new("hil", null, "Hillsboro, Oregon", "United States", "US"),
        new("sgp", null, "Singapore", "Singapore", "SG"),
        new("syd", null, "Sydney", "Australia", "AU"),
        new("ynm", null, "Mumbai", "India", "IN"),
    ];

    public static IReadOnlyDictionary<string, DatacenterInfo> Known { get; } = Builtin.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>Built-in data first, overridden by what the catalog said.</summary>
    public static DatacenterInfo Describe(string name, IReadOnlyDictionary<string, RestockDatacenter>? learnt = null)
    {
        var known = Known.GetValueOrDefault(name);
        if (learnt is not null && learnt.TryGetValue(name, out var row))
        {
            return new DatacenterInfo(name, row.Code ?? known?.Code, row.City ?? known?.City, row.Country ?? known?.Country, row.CountryCode ?? known?.CountryCode);
        }
        return known ?? new DatacenterInfo(name, null, null, null, null);
    }

    /// <summary>Where to order: OVHcloud's VPS page, or the Eco (Kimsufi / So you Start / Rise) page for dedicated servers.</summary>
    public static string OrderLink(PlanKind kind, string subsidiary, string planCode)
    {
        var lang = subsidiary.ToUpperInvariant() switch
        {
            "FR" or "MA" or "SN" or "TN" => "fr",
            "DE" => "de",
            "ES" => "es",
            "IT" => "it",
            "PL" => "pl",
            "PT" => "pt",
            "NL" => "nl",
            "GB" => "en-gb",
            "IE" => "en-ie",
            "CA" => "en-ca",
            "QC" => "fr-ca",
            "AU" => "en-au",
            "SG" => "en-sg",
            "IN" => "en-in",
            "ASIA" => "asia",
            "WE" or "WS" or "US" => "en",
            _ => "en-ie",
        };
        return kind == PlanKind.Dedicated
            ? $"https://eco.ovhcloud.com/{lang}/?planCode={Uri.EscapeDataString(planCode)}"
            : $"https://www.ovhcloud.com/{lang}/vps/?planCode={Uri.EscapeDataString(planCode)}";
    }

    public static string Delivery(int? hours) => hours switch
    {
        null or <= 1 => "immediate",
        < 48 => string.Create(CultureInfo.InvariantCulture, $"~{hours} hours"),
        _ => string.Create(CultureInfo.InvariantCulture, $"~{hours / 24} days"),
    };

    /// <summary>Micro-cents as an amount with its currency: 457000000 EUR → "4.57 EUR".</summary>
    public static string Money(long micros, string currency) =>
        (micros / 100_000_000m).ToString("0.00", CultureInfo.InvariantCulture) + " " + currency;

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.FromMinutes(1))
        {
            // Only with a threshold under a minute; "0m" would read as no outage at all.
            return $"{Math.Max(0, (int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";
        }
        var text = new StringBuilder();
        if (span.TotalDays >= 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d ");
        }
        if (span.TotalHours >= 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"{span.Hours}h ");
        }
        text.Append(CultureInfo.InvariantCulture, $"{span.Minutes}m");
        return text.ToString();
    }
}
