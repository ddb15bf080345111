using Microsoft.AspNetCore.Components;
using Vigil.Server.Platform.Api;
using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Ui;

/// <summary>
/// A signed-in page whose services act in the workspace picked in the switcher. Before the page loads, its scope
/// gets that workspace and the user's role in it, as the API's workspace filter does per request; the page loads
/// again when the selection changes. Services keep checking membership and roles themselves.
/// </summary>
public abstract class WorkspacePage<TService> : SignedInPage<TService> where TService : notnull
{
    readonly SemaphoreSlim _loading = new(1, 1);
    Guid? _entered;

    [Inject]
    WorkspaceSelection Selection { get; set; } = null!; // set by the renderer

    /// <summary>The workspace the page acts in; null when the user has none.</summary>
    protected Guid? WorkspaceId => _entered;

    protected string? WorkspaceName => Selection.Name;

    /// <summary>The user's role in <see cref="WorkspaceId"/>.</summary>
    protected WorkspaceRole? Role { get; private set; }

    protected override void OnInitialized() => Selection.Changed += OnSelectionChanged;

    protected sealed override Task LoadAsync() => LoadAsync(onlyIfMoved: false);

    /// <summary>One load at a time, so a selection change never shares the page's DbContext with a load under way.</summary>
    async Task<bool> LoadAsync(bool onlyIfMoved)
    {
        await _loading.WaitAsync(Ct);
        try
        {
            if (onlyIfMoved && Selection.Id == _entered)
            {
                return false;
            }
            // The page's DbContext lives as long as the page: forget what it tracked so a reload reads the database.
            ScopedServices.GetRequiredService<Platform.Data.VigilDb>().ChangeTracker.Clear();
            await EnterWorkspaceAsync();
            await LoadInWorkspaceAsync();
            return true;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Loads the page's data; the scope already acts in the selected workspace.</summary>
    protected abstract Task LoadInWorkspaceAsync();

    async Task EnterWorkspaceAsync()
    {
        var workspaces = ScopedServices.GetRequiredService<WorkspaceService>();
        if (Selection.Id is null)
        {
            // On the first render the switcher may not have picked one yet; picking is the same either way.
            Selection.Resolve((await workspaces.ListMineAsync(UserId, new PageQuery { Limit = PageQuery.MaxLimit }, Ct)).Items);
        }
        var id = Selection.Id;
        var role = id is { } ws ? await workspaces.RoleOfAsync(UserId, ws, Ct) : null;
        ScopedServices.GetRequiredService<CurrentWorkspace>().Set(role is null ? Guid.Empty : id!.Value, role);
        _entered = role is null ? null : id;
        Role = role;
    }

    void OnSelectionChanged() => _ = InvokeAsync(async () =>
    {
        if (UserId == Guid.Empty)
        {
            return; // not initialised yet: the first load picks the selection up
        }
        try
        {
            if (await LoadAsync(onlyIfMoved: true))
            {
                StateHasChanged();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The page went away meanwhile.
        }
    });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Selection.Changed -= OnSelectionChanged;
        }
        base.Dispose(disposing);
    }
}
