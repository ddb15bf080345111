namespace Vigil.Server.Platform.Data;

/// <summary>A row that belongs to one workspace. <see cref="VigilDb"/> gives every such entity the workspace query filter.</summary>
public interface IWorkspaceOwned
{
    Guid WorkspaceId { get; }
}
