using Vigil.Server.Platform.Workspaces;

namespace Vigil.Server.Ui;

public static class Roles
{
    public static readonly IReadOnlyList<WorkspaceRole> All = Enum.GetValues<WorkspaceRole>();

    public static string Label(WorkspaceRole role) => role.ToString().ToLowerInvariant();
}
