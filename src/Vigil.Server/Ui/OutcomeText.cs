using Vigil.Server.Platform.Api;

namespace Vigil.Server.Ui;

public static class OutcomeText
{
    /// <summary>One sentence for a failed outcome: its detail, else its field errors.</summary>
    public static string Problem<T>(this Outcome<T> outcome) =>
        outcome.Detail
        ?? (outcome.Errors is { Count: > 0 } errors ? string.Join(" ", errors.SelectMany(e => e.Value)) : null)
        ?? outcome.Kind switch
        {
            OutcomeKind.Missing => "Not found.",
            OutcomeKind.Forbidden => "You are not allowed to do that.",
            OutcomeKind.Conflict => "That conflicts with the current state.",
            _ => "That did not work.",
        };
}
