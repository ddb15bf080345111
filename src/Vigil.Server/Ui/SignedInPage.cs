using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Ui;

/// <summary>A page for a signed-in user that owns a scope for its service, so no DbContext outlives the page.</summary>
public abstract class SignedInPage<TService> : OwningComponentBase<TService> where TService : notnull
{
    [CascadingParameter]
    Task<AuthenticationState>? AuthenticationState { get; set; }

    readonly CancellationTokenSource _disposed = new();

    protected Guid UserId { get; private set; }

    /// <summary>Cancelled when the page goes away, so its queries stop with it.</summary>
    protected CancellationToken Ct => _disposed.Token;

    protected bool IsAdmin { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        // Pages of this kind carry [Authorize], so the user id is there.
        UserId = user?.GetUserId() ?? throw new InvalidOperationException("A signed-in page rendered without a user.");
        IsAdmin = user.IsAdmin();
        await LoadAsync();
    }

    protected virtual Task LoadAsync() => Task.CompletedTask;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disposed.Cancel();
            _disposed.Dispose();
        }
        base.Dispose(disposing);
    }
}
