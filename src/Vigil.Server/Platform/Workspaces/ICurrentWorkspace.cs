namespace Vigil.Server.Platform.Workspaces;

/// <summary>The workspace a request or a background run acts in. <see cref="Guid.Empty"/> means none: queries see nothing.</summary>
public interface ICurrentWorkspace
{
    Guid Id { get; }

    /// <summary>The caller's role in it; null for background work acting on behalf of the system.</summary>
    WorkspaceRole? Role { get; }
}

/// <summary>Scoped holder set once per request (by the workspace filter) or per job run (explicitly).</summary>
public sealed class CurrentWorkspace : ICurrentWorkspace
{
    public Guid Id { get; private set; }

    public WorkspaceRole? Role { get; private set; }

    public void Set(Guid id, WorkspaceRole? role)
    {
        Id = id;
        Role = role;
    }
}
