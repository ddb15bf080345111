using MudBlazor;

namespace Vigil.Server.Ui.Layout;

public static class VigilTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1f6feb", AppbarBackground = "#1f6feb" },
        PaletteDark = new PaletteDark { Primary = "#58a6ff", AppbarBackground = "#161b22" },
    };
}
