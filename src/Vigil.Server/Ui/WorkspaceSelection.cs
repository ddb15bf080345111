using Microsoft.JSInterop;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Ui;

/// <summary>
/// The workspace the user works in, per circuit, remembered in a cookie. Module pages read <see cref="Id"/> and
/// pass it to their services, which check membership themselves; this is a preference, not an authorization.
/// </summary>
public sealed class WorkspaceSelection(IJSRuntime js)
{
    public const string CookieName = "vigil.workspace";

    Guid? _remembered;

    public Guid? Id { get; private set; }

    public string? Name { get; private set; }

    /// <summary>Raised when the selection changes.</summary>
    public event Action? Changed;

    /// <summary>Raised when the user's workspaces change (one created, renamed, left), so lists reload.</summary>
    public event Action? ListChanged;

    /// <summary>The value of the cookie when the page was requested.</summary>
    public void Remember(string? cookie) => _remembered = Guid.TryParse(cookie, out var id) ? id : null;

    /// <summary>Picks the remembered workspace if the user still belongs to it, else the first (the personal one).</summary>
    public void Resolve(IReadOnlyList<WorkspaceDto> mine)
    {
        var pick = mine.FirstOrDefault(w => w.Id == (Id ?? _remembered)) ?? (mine.Count > 0 ? mine[0] : null);
        if (pick?.Id != Id || pick?.Name != Name)
        {
            Id = pick?.Id;
            Name = pick?.Name;
            Changed?.Invoke();
        }
    }

    public async Task SelectAsync(WorkspaceDto workspace)
    {
        Id = workspace.Id;
        Name = workspace.Name;
        await js.InvokeVoidAsync("vigil.setCookie", CookieName, workspace.Id.ToString());
        Changed?.Invoke();
    }

    public void NotifyListChanged() => ListChanged?.Invoke();
}
