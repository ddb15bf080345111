namespace Vigil.Server.Modules.Restock;

/// <summary>Which notion of "available" a signal is about: in stock only, or in stock or on pre-order (opt-in).</summary>
public enum AvailabilityRule
{
    InStockOnly,
    PreOrderCounts,
}

/// <summary>Something an observation means for subscribers: back (after N polls in a row) or gone.</summary>
public sealed record StockSignal(bool BackInStock, AvailabilityRule Rule, int ConfirmedPolls, DateTime RunStartedAt);

/// <summary>
/// The state machine of one (subsidiary, plan, datacenter, track). Pure: the caller reads the previous state, calls
/// <see cref="Observe"/> and writes the result in the same transaction. The first sighting sets state silently; a
/// return to stock is news only after at least the threshold of continuous unavailability, confirmed on N polls in a
/// row for subscribers who ask for it.
/// </summary>
public static class StockRule
{
    /// <summary>Streaks stop counting here, so a steady state writes nothing; debounce counts are capped to it.</summary>
    public const int MaxConfirmPolls = 10;

    /// <summary>Nothing is left to count: an unchanged answer cannot change this state or raise anything.</summary>
    public static bool IsSettled(RestockState s) =>
        !(s.AvailableRunQualified && s.AvailableStreak < MaxConfirmPolls) && !(s.OrderableRunQualified && s.OrderableStreak < MaxConfirmPolls);

    public sealed record Result(RestockState State, bool Changed, StockState Previous, List<StockSignal> Signals);

    public static Result Observe(RestockState? state, StockState observed, string? raw, int? deliveryHours, DateTime now, TimeSpan threshold,
        string subsidiary, string planCode, string datacenter, string track)
    {
        if (observed == StockState.Unknown)
        {
            throw new ArgumentOutOfRangeException(nameof(observed), "An unknown value keeps the previous state; do not observe it.");
        }
        var signals = new List<StockSignal>();
        if (state is null)
        {
            // First sighting: we cannot know how long it was out before we looked, so say nothing.
            var first = new RestockState
            {
                Subsidiary = subsidiary,
                PlanCode = planCode,
                Datacenter = datacenter,
                Track = track,
                State = observed,
                RawStatus = raw,
                Since = now,
                FirstSeenAt = now,
                UnavailableSince = observed == StockState.InStock ? null : now,
                OutOfStockSince = observed == StockState.OutOfStock ? now : null,
                AvailableStreak = observed == StockState.InStock ? 1 : 0,
                OrderableStreak = observed != StockState.OutOfStock ? 1 : 0,
                DeliveryHours = deliveryHours,
            };
            return new Result(first, true, StockState.Unknown, signals);
        }

        var previous = state.State;
        var wasAvailable = previous == StockState.InStock;
        var isAvailable = observed == StockState.InStock;
        var wasOrderable = previous is StockState.InStock or StockState.PreOrder;
        var isOrderable = observed is StockState.InStock or StockState.PreOrder;

        if (isAvailable && wasAvailable)
        {
            Confirm(state, AvailabilityRule.InStockOnly, signals);
        }
        else if (isAvailable)
        {
            var qualified = state.UnavailableSince is { } since && now - since >= threshold;
            StartRun(state, AvailabilityRule.InStockOnly, qualified, state.UnavailableSince ?? now, signals);
            state.UnavailableSince = null;
        }
        else if (wasAvailable)
        {
            state.UnavailableSince = now;
            state.AvailableStreak = 0;
            state.AvailableRunQualified = false;
            signals.Add(new StockSignal(false, AvailabilityRule.InStockOnly, 1, now));
        }

        if (isOrderable && wasOrderable)
        {
            Confirm(state, AvailabilityRule.PreOrderCounts, signals);
        }
        else if (isOrderable)
        {
            var qualified = state.OutOfStockSince is { } since && now - since >= threshold;
            StartRun(state, AvailabilityRule.PreOrderCounts, qualified, state.OutOfStockSince ?? now, signals);
            state.OutOfStockSince = null;
        }
        else if (wasOrderable)
        {
            state.OutOfStockSince = now;
            state.OrderableStreak = 0;
            state.OrderableRunQualified = false;
            signals.Add(new StockSignal(false, AvailabilityRule.PreOrderCounts, 1, now));
        }

        var changed = previous != observed;
        if (changed)
        {
            state.State = observed;
            state.Since = now;
        }
        state.RawStatus = raw;
        state.DeliveryHours = deliveryHours;
        return new Result(state, changed, previous, signals);
    }

    static void StartRun(RestockState state, AvailabilityRule rule, bool qualified, DateTime outageStart, List<StockSignal> signals)
    {
        if (rule == AvailabilityRule.InStockOnly)
        {
            state.AvailableStreak = 1;
            state.AvailableRunQualified = qualified;
        }
        else
        {
            state.OrderableStreak = 1;
            state.OrderableRunQualified = qualified;
        }
        if (qualified)
        {
            signals.Add(new StockSignal(true, rule, 1, outageStart));
        }
    }

    static void Confirm(RestockState state, AvailabilityRule rule, List<StockSignal> signals)
    {
        var streak = rule == AvailabilityRule.InStockOnly ? state.AvailableStreak : state.OrderableStreak;
        var qualified = rule == AvailabilityRule.InStockOnly ? state.AvailableRunQualified : state.OrderableRunQualified;
        // Only a run that followed a long enough outage can still owe a debounced alert; the others need no counting.
        if (!qualified || streak >= MaxConfirmPolls)
        {
            return;
        }
        streak++;
        if (rule == AvailabilityRule.InStockOnly)
        {
            state.AvailableStreak = streak;
        }
        else
        {
            state.OrderableStreak = streak;
        }
        signals.Add(new StockSignal(true, rule, streak, state.Since));
    }
}
