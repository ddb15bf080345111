using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Vigil.Server.Platform.Data;

namespace Vigil.Server.Modules.Restock;

public enum PlanKind
{
    Vps,
    Dedicated,
}

/// <summary>Whether a plan is watched: legacy and removed plans keep their history but are no longer checked or alerted on.</summary>
public enum PlanLifecycle
{
    Active,
    Legacy,
    Removed,
}

public enum StockState
{
    Unknown,
    InStock,
    PreOrder,
    OutOfStock,
}

/// <summary>An offer in the admin-managed catalog. Seeded from OVH's public catalog on the first sync.</summary>
public sealed class RestockPlan
{
    public Guid Id { get; set; } = Ids.New();
    public required string PlanCode { get; set; }
    public PlanKind Kind { get; set; }
    public required string Name { get; set; }

    /// <summary>An admin chose the name; otherwise a dedicated plan takes its name from OVH's public catalog.</summary>
    public bool NamedByAdmin { get; set; }

    /// <summary>Checked and alerted on (with <see cref="PlanLifecycle.Active"/>).</summary>
    public bool Monitored { get; set; }
    public PlanLifecycle Lifecycle { get; set; }
    public int? Cores { get; set; }
    public int? MemoryGb { get; set; }
    public int? StorageGb { get; set; }
    public int? BandwidthMbps { get; set; }

    /// <summary>Space-separated datacenter names the catalog sells it in.</summary>
    public string Datacenters { get; set; } = "";

    /// <summary>Created by a catalog sync (else by an admin); only those are marked removed when the catalog drops them.</summary>
    public bool FromCatalog { get; set; }

    /// <summary>Removed by an admin (not because the catalog dropped it): a catalog that sells it again does not bring it back.</summary>
    public bool RemovedByAdmin { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public bool Watched => Monitored && Lifecycle == PlanLifecycle.Active;
}

/// <summary>
/// One upstream request per cycle: a (subsidiary, plan). Claimed with a lease so replicas never check the same source
/// in one cycle; carries the last-checked heartbeat and the failure count.
/// </summary>
public sealed class RestockSource
{
    public Guid Id { get; set; } = Ids.New();

    /// <summary>OVH subsidiary; empty for dedicated servers, whose availability is the same everywhere.</summary>
    public required string Subsidiary { get; set; }
    public required string PlanCode { get; set; }
    public PlanKind Kind { get; set; }
    public DateTime NextDueAt { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseUntil { get; set; }
    public DateTime? LastCheckedAt { get; set; }
    public DateTime? LastSuccessAt { get; set; }
    public int ConsecutiveFailures { get; set; }
    public string? LastError { get; set; }

    /// <summary>Fingerprint of the last answer's observations.</summary>
    public long AnswerHash { get; set; }

    /// <summary>
    /// No state of this source has anything left to count (no debounce in progress), so an answer with the same
    /// fingerprint cannot change anything and its states need not be read.
    /// </summary>
    public bool Settled { get; set; }

    /// <summary>Admins were told the source is failing and have not yet been told it recovered.</summary>
    public bool FailureAlerted { get; set; }
    public long Checks { get; set; }
    public long Failures { get; set; }
}

/// <summary>Current stock of one (subsidiary, plan, datacenter, OS track), with what the alert rule needs to remember.</summary>
public sealed class RestockState
{
    public Guid Id { get; set; } = Ids.New();
    public required string Subsidiary { get; set; }
    public required string PlanCode { get; set; }
    public required string Datacenter { get; set; }

    /// <summary><c>linux</c> or <c>windows</c> for VPS, <c>server</c> for dedicated servers.</summary>
    public required string Track { get; set; }
    public StockState State { get; set; }

    /// <summary>The upstream value as sent (OVH adds values over time).</summary>
    public string? RawStatus { get; set; }
    public DateTime Since { get; set; }
    public DateTime FirstSeenAt { get; set; }

    /// <summary>Start of the current run of not being in stock (pre-order counts as not in stock); null while in stock.</summary>
    public DateTime? UnavailableSince { get; set; }

    /// <summary>Start of the current run of being out of stock (pre-order counts as available); null otherwise.</summary>
    public DateTime? OutOfStockSince { get; set; }

    /// <summary>Polls in a row in stock, capped; debounced alerts fire when it reaches a subscriber's count.</summary>
    public int AvailableStreak { get; set; }

    /// <summary>Polls in a row in stock or on pre-order, capped.</summary>
    public int OrderableStreak { get; set; }

    /// <summary>The current in-stock run followed an outage of at least the threshold.</summary>
    public bool AvailableRunQualified { get; set; }
    public bool OrderableRunQualified { get; set; }

    /// <summary>Delivery delay in hours when OVH gives one (pre-order days, dedicated 72H …).</summary>
    public int? DeliveryHours { get; set; }
}

/// <summary>A change of state; history is stored on change only.</summary>
public sealed class RestockTransition
{
    public Guid Id { get; set; } = Ids.New();
    public required string Subsidiary { get; set; }
    public required string PlanCode { get; set; }
    public required string Datacenter { get; set; }
    public required string Track { get; set; }
    public StockState From { get; set; }
    public StockState To { get; set; }
    public string? RawStatus { get; set; }
    public DateTime At { get; set; }
}

/// <summary>One price of a plan in one subsidiary's catalog (amounts in micro-cents, as OVH sends them).</summary>
public sealed class RestockPrice
{
    public Guid Id { get; set; } = Ids.New();
    public required string Subsidiary { get; set; }

    /// <summary>The public catalog it came from: <c>vps</c>, <c>eco</c> or <c>baremetalServers</c> (<see cref="CatalogSync.Catalogs"/>).</summary>
    public string Catalog { get; set; } = CatalogSync.Vps;
    public required string PlanCode { get; set; }
    public required string Currency { get; set; }
    public required string Mode { get; set; }
    public int Commitment { get; set; }
    public required string IntervalUnit { get; set; }
    public int Interval { get; set; }
    public long PriceMicros { get; set; }
    public long TaxMicros { get; set; }
    public string? Description { get; set; }

    /// <summary>Space-separated capacities of the line as the catalog lists them (<c>installation</c>, <c>renew</c>, …).</summary>
    public string Capacities { get; set; } = "";

    /// <summary>The monthly list price: mode default, renew, 1 month, no commitment.</summary>
    public bool IsMonthlyList { get; set; }
}

/// <summary>When one public catalog (VPS, eco, bare-metal) of a subsidiary was last fetched, and when it is next due.</summary>
public sealed class RestockCatalog
{
    public required string Subsidiary { get; set; }

    /// <summary><c>vps</c>, <c>eco</c> or <c>baremetalServers</c>.</summary>
    public string Catalog { get; set; } = CatalogSync.Vps;
    public DateTime? FetchedAt { get; set; }
    public DateTime NextFetchAt { get; set; }
    public string? Currency { get; set; }
    public int PlanCount { get; set; }
    public string? LastError { get; set; }
}

/// <summary>A plan one of the dedicated-server catalogs (eco, bare-metal) of a subsidiary offers, with its name there.</summary>
public sealed class RestockOffer
{
    public required string Subsidiary { get; set; }
    public required string Catalog { get; set; }
    public required string PlanCode { get; set; }
    public required string Name { get; set; }
}

/// <summary>A datacenter's city and country, learnt from the catalog (the built-in table covers the rest).</summary>
public sealed class RestockDatacenter
{
    public required string Name { get; set; }
    public string? Code { get; set; }
    public string? City { get; set; }
    public string? Country { get; set; }
    public string? CountryCode { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>What the watch announced (one row per alert event), for <c>GET /restock/notifications</c>.</summary>
public sealed class RestockAlert
{
    public Guid Id { get; set; } = Ids.New();
    public Guid? EventId { get; set; }
    public required string Kind { get; set; }
    public required string Subsidiary { get; set; }
    public required string PlanCode { get; set; }
    public required string PlanName { get; set; }
    public required string Datacenter { get; set; }
    public required string Track { get; set; }
    public StockState State { get; set; }
    public string? Price { get; set; }
    public string? Delivery { get; set; }
    public string? Link { get; set; }

    /// <summary>Who it was for: <c>everyone</c> (default channel and plain subscribers) or the subscriber option it served.</summary>
    public required string Audience { get; set; }
    public DateTime At { get; set; }
}

sealed class RestockPlanConfiguration : IEntityTypeConfiguration<RestockPlan>
{
    public void Configure(EntityTypeBuilder<RestockPlan> b)
    {
        b.ToTable("restock_plans");
        b.Property(p => p.PlanCode).HasMaxLength(100);
        b.Property(p => p.Name).HasMaxLength(200);
        b.Property(p => p.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.Lifecycle).HasConversion<string>().HasMaxLength(20);
        b.Property(p => p.Datacenters).HasMaxLength(2000);
        b.HasIndex(p => p.PlanCode).IsUnique();
        b.Ignore(p => p.Watched);
    }
}

sealed class RestockSourceConfiguration : IEntityTypeConfiguration<RestockSource>
{
    public void Configure(EntityTypeBuilder<RestockSource> b)
    {
        b.ToTable("restock_sources");
        b.Property(s => s.Subsidiary).HasMaxLength(10);
        b.Property(s => s.PlanCode).HasMaxLength(100);
        b.Property(s => s.Kind).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.LeaseOwner).HasMaxLength(100);
        b.Property(s => s.LastError).HasMaxLength(1000);
        b.HasIndex(s => new { s.Subsidiary, s.PlanCode }).IsUnique();
        // No index on the due time: every cycle writes it back for each source checked, and an index would make each
        // of those writes an index update too (on PostgreSQL, a new entry in every index). The claim reads the table
        // whole instead: one short row per watched (subsidiary, plan), a few thousand at most.
    }
}

sealed class RestockStateConfiguration : IEntityTypeConfiguration<RestockState>
{
    public void Configure(EntityTypeBuilder<RestockState> b)
    {
        b.ToTable("restock_states");
        b.Property(s => s.Subsidiary).HasMaxLength(10);
        b.Property(s => s.PlanCode).HasMaxLength(100);
        b.Property(s => s.Datacenter).HasMaxLength(60);
        b.Property(s => s.Track).HasMaxLength(20);
        b.Property(s => s.State).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.RawStatus).HasMaxLength(60);
        b.HasIndex(s => new { s.Subsidiary, s.PlanCode, s.Datacenter, s.Track }).IsUnique();
        b.HasIndex(s => s.PlanCode);
    }
}

sealed class RestockTransitionConfiguration : IEntityTypeConfiguration<RestockTransition>
{
    public void Configure(EntityTypeBuilder<RestockTransition> b)
    {
        b.ToTable("restock_transitions");
        b.Property(s => s.Subsidiary).HasMaxLength(10);
        b.Property(s => s.PlanCode).HasMaxLength(100);
        b.Property(s => s.Datacenter).HasMaxLength(60);
        b.Property(s => s.Track).HasMaxLength(20);
        b.Property(s => s.From).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.To).HasConversion<string>().HasMaxLength(20);
        b.Property(s => s.RawStatus).HasMaxLength(60);
        b.HasIndex(s => new { s.PlanCode, s.Subsidiary, s.Datacenter, s.Track, s.At });
        b.HasIndex(s => s.At);
    }
}

sealed class RestockPriceConfiguration : IEntityTypeConfiguration<RestockPrice>
{
    public void Configure(EntityTypeBuilder<RestockPrice> b)
    {
        b.ToTable("restock_prices");
        b.Property(p => p.Subsidiary).HasMaxLength(10);
        b.Property(p => p.Catalog).HasMaxLength(30);
        b.Property(p => p.PlanCode).HasMaxLength(100);
        b.Property(p => p.Currency).HasMaxLength(10);
        b.Property(p => p.Mode).HasMaxLength(60);
        b.Property(p => p.IntervalUnit).HasMaxLength(20);
        b.Property(p => p.Description).HasMaxLength(300);
        b.Property(p => p.Capacities).HasMaxLength(200);
        b.HasIndex(p => new { p.PlanCode, p.Subsidiary });
    }
}

sealed class RestockCatalogConfiguration : IEntityTypeConfiguration<RestockCatalog>
{
    public void Configure(EntityTypeBuilder<RestockCatalog> b)
    {
        b.ToTable("restock_catalogs");
        b.HasKey(c => new { c.Subsidiary, c.Catalog });
        b.Property(c => c.Subsidiary).HasMaxLength(10);
        b.Property(c => c.Catalog).HasMaxLength(30);
        b.Property(c => c.Currency).HasMaxLength(10);
        b.Property(c => c.LastError).HasMaxLength(1000);
    }
}

sealed class RestockOfferConfiguration : IEntityTypeConfiguration<RestockOffer>
{
    public void Configure(EntityTypeBuilder<RestockOffer> b)
    {
        b.ToTable("restock_offers");
        b.HasKey(o => new { o.Subsidiary, o.Catalog, o.PlanCode });
        b.Property(o => o.Subsidiary).HasMaxLength(10);
        b.Property(o => o.Catalog).HasMaxLength(30);
        b.Property(o => o.PlanCode).HasMaxLength(100);
        b.Property(o => o.Name).HasMaxLength(200);
        b.HasIndex(o => o.PlanCode);
    }
}

sealed class RestockDatacenterConfiguration : IEntityTypeConfiguration<RestockDatacenter>
{
    public void Configure(EntityTypeBuilder<RestockDatacenter> b)
    {
        b.ToTable("restock_datacenters");
        b.HasKey(d => d.Name);
        b.Property(d => d.Name).HasMaxLength(60);
        b.Property(d => d.Code).HasMaxLength(60);
        b.Property(d => d.City).HasMaxLength(100);
        b.Property(d => d.Country).HasMaxLength(100);
        b.Property(d => d.CountryCode).HasMaxLength(4);
    }
}

sealed class RestockAlertConfiguration : IEntityTypeConfiguration<RestockAlert>
{
    public void Configure(EntityTypeBuilder<RestockAlert> b)
    {
        b.ToTable("restock_alerts");
        b.Property(a => a.Kind).HasMaxLength(60);
        b.Property(a => a.Subsidiary).HasMaxLength(10);
        b.Property(a => a.PlanCode).HasMaxLength(100);
        b.Property(a => a.PlanName).HasMaxLength(200);
        b.Property(a => a.Datacenter).HasMaxLength(60);
        b.Property(a => a.Track).HasMaxLength(20);
        b.Property(a => a.State).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.Price).HasMaxLength(60);
        b.Property(a => a.Delivery).HasMaxLength(60);
        b.Property(a => a.Link).HasMaxLength(500);
        b.Property(a => a.Audience).HasMaxLength(60);
        b.HasIndex(a => a.At);
    }
}
