using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace ServerlessScreening.Infra.Tests;

/// <summary>The outcome of one Bicep CLI run.</summary>
internal sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Diagnostics => (StandardOutput + StandardError).Trim();
}

/// <summary>
/// Runs the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (restored with this project, used in place).
/// Results are cached per command and file: several tests read the same compiled template.
/// </summary>
internal static class Bicep
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<BicepResult>>> Runs = new(StringComparer.Ordinal);
    private static readonly Lazy<string> Executable = new(FindExecutable);

    public static Task<BicepResult> BuildAsync(string bicepFile) => RunCachedAsync("build", bicepFile, "--stdout");

    public static Task<BicepResult> LintAsync(string bicepFile) => RunCachedAsync("lint", bicepFile);

    /// <summary>The ARM JSON of a Bicep file; fails the test if it does not build.</summary>
    public static async Task<JsonObject> CompileAsync(string bicepFile)
    {
        var result = await BuildAsync(bicepFile);
        Assert.True(result.ExitCode == 0, $"bicep build {bicepFile} failed:\n{result.Diagnostics}");
        return JsonNode.Parse(result.StandardOutput)?.AsObject() ?? throw new InvalidDataException($"bicep build {bicepFile} wrote no template.");
    }

    private static Task<BicepResult> RunCachedAsync(params string[] arguments) =>
        Runs.GetOrAdd(string.Join('\u001f', arguments), _ => new Lazy<Task<BicepResult>>(() => RunAsync(arguments))).Value;

    private static async Task<BicepResult> RunAsync(string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable.Value}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes.");
        }

        return new BicepResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// The bicep executable of the restored package. NuGet does not keep file modes when it extracts a package, so the
    /// execute bit is set here when it is missing (or, where the package folder is read-only, on a private copy).
    /// </summary>
    private static string FindExecutable()
    {
        var path = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepExecutable")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep CLI was not found at '{path}': restore tests/ServerlessScreening.Infra.Tests (package Azure.Bicep.CommandLine.linux-x64).");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The infra tests use the linux-x64 Bicep CLI package.");
        }

        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return path;
        }

        try
        {
            File.SetUnixFileMode(path, mode | execute);
            return path;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            var copy = Path.Combine(Path.GetTempPath(), $"bicep-{Environment.ProcessId}", "bicep");
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(path, copy, overwrite: true);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(copy) | execute | UnixFileMode.UserRead);
            return copy;
        }
    }
}

/// <summary>The repository the tests run in, and the infra files in it.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    public static string Infra => Path.Combine(Root, "infra");

    public static string MainBicep => Path.Combine(Infra, "main.bicep");

    public static string UploadEventsBicep => Path.Combine(Infra, "upload-events.bicep");

    /// <summary>Every .bicep file under infra/, relative to the repository root with '/' separators.</summary>
    public static IReadOnlyList<string> BicepFiles() =>
        Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessScreening.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests must run inside the repository (no ServerlessScreening.sln above " + AppContext.BaseDirectory + ").");
    }
}
