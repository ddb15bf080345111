using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Vigil.Server.Platform.Auth;

namespace Vigil.Server.Modules.Restock.Pages;

/// <summary>
/// A restock page anyone may read while the status is public (<c>RESTOCK_PUBLIC_STATUS</c>); signed-in users also get
/// their one-click actions. It owns a scope for <see cref="RestockService"/>, so no DbContext outlives it.
/// </summary>
public abstract class RestockPage : OwningComponentBase<RestockService>
{
    [CascadingParameter]
    Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject]
    IOptionsMonitor<RestockOptions> Options { get; set; } = null!;

    readonly CancellationTokenSource _disposed = new();

    protected CancellationToken Ct => _disposed.Token;

    protected Guid? UserId { get; private set; }

    protected bool IsAdmin { get; private set; }

    /// <summary>Not public and not signed in: the page sends the visitor to sign in.</summary>
    protected bool MustSignIn { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        UserId = user?.GetUserId();
        IsAdmin = user?.IsAdmin() == true;
        MustSignIn = UserId is null && !Options.CurrentValue.PublicStatus;
        if (!MustSignIn)
        {
            await LoadAsync();
        }
    }

    protected virtual Task LoadAsync() => Task.CompletedTask;

    protected static string StateText(StockState state) => state switch
    {
        StockState.InStock => "in stock",
        StockState.PreOrder => "pre-order",
        StockState.OutOfStock => "out of stock",
        _ => "unknown",
    };

    protected static string StateClass(StockState state) => state switch
    {
        StockState.InStock => "restock-in",
        StockState.PreOrder => "restock-pre",
        StockState.OutOfStock => "restock-out",
        _ => "restock-unknown",
    };

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
