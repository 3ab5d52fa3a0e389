namespace ServerlessScreening.Tests;

/// <summary>Files the tests read in place: the repository's protocols and samples, and the shared trial and data folders.</summary>
internal static class TestPaths
{
    public static string Repository { get; } = FindRepository();

    public static string Shared => Path.GetFullPath(Path.Combine(Repository, "..", "shared"));

    public static string Protocol => Path.Combine(Repository, "protocols", "lupus-nephritis-ucmsc-il2.protocol.json");

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessScreening.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests must run inside the repository.");
    }
}
