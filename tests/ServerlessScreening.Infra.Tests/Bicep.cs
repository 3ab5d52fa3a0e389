using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace ServerlessScreening.Infra.Tests;

/// <summary>The outcome of one Bicep CLI run.</summary>
internal sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Diagnostics => (StandardOutput + StandardError).Trim();

    /// <summary>The diagnostic lines about one file (the CLI starts each with the file's full path).</summary>
    public IReadOnlyList<string> DiagnosticsFor(string relativeFile)
    {
        var path = Path.Combine(Repository.Root, relativeFile);
        return Diagnostics.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith(path + "(", StringComparison.Ordinal))
            .ToList();
    }
}

/// <summary>
/// Runs the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package (restored with this project, used in place).
/// Each start of the CLI costs a few seconds, so the tests share four runs, started together on first use: a build
/// and a lint of every file under infra/ (--pattern), and a build to stdout of each of the two deployable templates.
/// </summary>
internal static class Bicep
{
    private const string Pattern = "infra/**/*.bicep";

    private static readonly ConcurrentDictionary<string, Lazy<Task<BicepResult>>> Runs = new(StringComparer.Ordinal);
    private static readonly Lazy<string> Executable = new(FindExecutable);
    private static readonly Lazy<string> OutputDirectory = new(CreateOutputDirectory);
    private static int _started;

    /// <summary>Where <see cref="BuildAllAsync"/> writes the ARM JSON of each file, mirroring the layout under infra/.</summary>
    public static string BuildOutput => OutputDirectory.Value;

    /// <summary><c>bicep build --pattern infra/**/*.bicep --outdir …</c>: every file under infra/.</summary>
    public static Task<BicepResult> BuildAllAsync() => RunAsync("build", "--pattern", Pattern, "--outdir", BuildOutput);

    /// <summary><c>bicep lint --pattern infra/**/*.bicep</c>: every file under infra/.</summary>
    public static Task<BicepResult> LintAllAsync() => RunAsync("lint", "--pattern", Pattern);

    /// <summary><c>bicep build {file} --stdout</c>.</summary>
    public static Task<BicepResult> BuildToStdoutAsync(string relativeFile) => RunAsync("build", relativeFile, "--stdout");

    /// <summary>The ARM JSON of a Bicep file (built to stdout); fails the test if it does not build.</summary>
    public static async Task<JsonObject> CompileAsync(string relativeFile)
    {
        var result = await BuildToStdoutAsync(relativeFile);
        Assert.True(result.ExitCode == 0, $"bicep build {relativeFile} failed:\n{result.Diagnostics}");
        return JsonNode.Parse(result.StandardOutput)?.AsObject() ?? throw new InvalidDataException($"bicep build {relativeFile} wrote no template.");
    }

    private static Task<BicepResult> RunAsync(params string[] arguments)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _ = Start("build", "--pattern", Pattern, "--outdir", BuildOutput);
            _ = Start("lint", "--pattern", Pattern);
            _ = Start("build", "infra/main.bicep", "--stdout");
            _ = Start("build", "infra/upload-events.bicep", "--stdout");
        }

        return Start(arguments);
    }

    private static Task<BicepResult> Start(params string[] arguments) =>
        Runs.GetOrAdd(string.Join('\u001f', arguments), _ => new Lazy<Task<BicepResult>>(() => Task.Run(() => RunOnceAsync(arguments)))).Value;

    private static async Task<BicepResult> RunOnceAsync(string[] arguments)
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

    private static string CreateOutputDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("serverless-screening-bicep-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    }

    /// <summary>
    /// The bicep executable of the restored package. NuGet does not always keep file modes when it extracts a package,
    /// so the execute bit is set here when it is missing (or, where the package folder is read-only, on a private copy).
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
            var copy = Path.Combine(Directory.CreateTempSubdirectory("bicep-cli-").FullName, "bicep");
            File.Copy(path, copy);
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
