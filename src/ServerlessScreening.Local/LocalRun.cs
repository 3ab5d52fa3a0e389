using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Local;

public sealed record RunOptions
{
    public required DirectoryInfo Input { get; init; }

    public required DirectoryInfo Output { get; init; }

    public DateOnly? DefaultScreeningDate { get; init; }

    /// <summary>Folder of site profiles named <c>{siteId}.json</c>.</summary>
    public DirectoryInfo? Profiles { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Keep the emulator's data in memory rather than in its temporary folder (measurements compare both).</summary>
    public bool InMemoryEmulator { get; init; }

    /// <summary>Extra services for the host (measurement: an operation counter).</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? Configure { get; init; }
}

public sealed record RunResult(IReadOnlyList<Verdict> Verdicts, IReadOnlyList<IngestionReport> Reports, IReadOnlyList<string> Problems, TimeSpan Elapsed)
{
    /// <summary>Files directly in the input folder, outside any site folder: not uploads of any site, so not uploaded.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    public bool Completed => Problems.Count == 0;
}

/// <summary>
/// `screening run`: treats a folder as the contents of the uploads container, uploads it to local storage, runs the
/// pipeline through the same trigger code as in Azure until every upload is read and every affected patient is
/// evaluated, and copies verdicts and reports out (OUTPUTS.md, "Running a folder of uploads locally").
/// </summary>
public static class LocalRun
{
    public static async Task<RunResult> ExecuteAsync(string repositoryRoot, RunOptions options, CancellationToken cancellationToken)
    {
        await using var azurite = await Azurite.StartAsync(repositoryRoot, cancellationToken, options.InMemoryEmulator);
        return await ExecuteAgainstAsync(azurite.ConnectionString, options, cancellationToken);
    }

    public static async Task<RunResult> ExecuteAgainstAsync(string storageConnection, RunOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Input.Exists)
        {
            throw new LocalSetupException($"The input folder {options.Input.FullName} does not exist.");
        }

        var started = System.Diagnostics.Stopwatch.StartNew();
        var overrides = new Dictionary<string, string?> { ["Local:MaxPollingInterval"] = "00:00:00.250" };
        if (options.DefaultScreeningDate is { } date)
        {
            overrides["Screening:DefaultScreeningDate"] = date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        }

        using var host = LocalHost.Build(storageConnection, overrides, options.LogLevel, options.Configure);
        var store = host.Services.GetRequiredService<ScreeningStore>();
        await host.Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(cancellationToken);
        await UploadProfilesAsync(store, options.Profiles, cancellationToken);
        var (uploads, skipped) = await UploadFolderAsync(store, options.Input, cancellationToken);

        await host.StartAsync(cancellationToken);
        var problems = new List<string>();
        try
        {
            var waited = await Quiescence.WaitAsync(store, host.Services.GetRequiredService<EvaluationScheduler>(), host.Services.GetRequiredService<QueueServiceClient>(), host.Services.GetRequiredService<WorkTracker>(), uploads, options.Timeout, cancellationToken);
            problems.AddRange(waited);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        var (verdicts, reports, missing) = await CollectAsync(store, uploads, options.Output, cancellationToken);
        problems.AddRange(missing);
        return new RunResult(verdicts, reports, problems, started.Elapsed) { Skipped = skipped };
    }

    private static async Task UploadProfilesAsync(ScreeningStore store, DirectoryInfo? profiles, CancellationToken cancellationToken)
    {
        if (profiles is null)
        {
            return;
        }

        foreach (var file in profiles.EnumerateFiles("*.json"))
        {
            var siteId = Path.GetFileNameWithoutExtension(file.Name);
            await using var content = file.OpenRead();
            await store.Blob(StorageLayout.ConfigContainer, StorageLayout.ProfileBlob(siteId)).UploadAsync(content, overwrite: true, cancellationToken);
        }
    }

    /// <summary>
    /// Uploads every file inside a site folder. A file directly in the input folder belongs to no site; in Azure it
    /// would never reach a trigger (and site isolation forbids writing it), so it is listed as skipped instead.
    /// </summary>
    private static async Task<(List<string> Uploaded, List<string> Skipped)> UploadFolderAsync(ScreeningStore store, DirectoryInfo input, CancellationToken cancellationToken)
    {
        var all = input.EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => !f.Name.StartsWith('.'))
            .Select(f => (File: f, Name: Path.GetRelativePath(input.FullName, f.FullName).Replace('\\', '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        var files = all.Where(f => StorageLayout.SiteOf(f.Name) is not null).ToList();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (file, token) =>
        {
            await using var content = file.File.OpenRead();
            await store.Blob(StorageLayout.UploadsContainer, file.Name).UploadAsync(content, overwrite: true, token);
        });
        return (files.Select(f => f.Name).ToList(), all.Where(f => StorageLayout.SiteOf(f.Name) is null).Select(f => f.Name).ToList());
    }

    private static async Task<(List<Verdict> Verdicts, List<IngestionReport> Reports, List<string> Problems)> CollectAsync(ScreeningStore store, IReadOnlyList<string> uploads, DirectoryInfo output, CancellationToken cancellationToken)
    {
        output.Create();
        var reports = new List<IngestionReport>();
        foreach (var upload in uploads)
        {
            var site = StorageLayout.SiteOf(upload);
            var reportName = StorageLayout.ReportBlob(site is null ? "_no-site/" + upload : upload);
            var bytes = await store.ReadBytesAsync(StorageLayout.ReportsContainer, reportName, cancellationToken);
            if (bytes is null)
            {
                continue;
            }

            reports.Add(ContractJson.Deserialize<IngestionReport>(Encoding.UTF8.GetString(bytes)));
            await WriteAsync(Path.Combine(output.FullName, reportName), bytes, cancellationToken);
        }

        var verdicts = new List<Verdict>();
        var problems = new List<string>();
        foreach (var site in reports.GroupBy(r => r.SiteId, StringComparer.Ordinal))
        {
            var expected = site.SelectMany(r => r.Patients).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var siteVerdicts = new List<Verdict>();
            foreach (var patient in expected)
            {
                var name = StorageLayout.VerdictBlob(site.Key, patient);
                var bytes = await store.ReadBytesAsync(StorageLayout.VerdictsContainer, name, cancellationToken);
                if (bytes is null)
                {
                    problems.Add($"no verdict for a patient of {site.Key} (see the poison queue {StorageLayout.EvaluateQueue}-poison)");
                    continue;
                }

                siteVerdicts.Add(ContractJson.Deserialize<Verdict>(Encoding.UTF8.GetString(bytes)));
                await WriteAsync(Path.Combine(output.FullName, name), bytes, cancellationToken);
            }

            if (site.Key != "_no-site")
            {
                var report = SiteReport.Build(site.Key, siteVerdicts, site.ToList());
                await WriteAsync(Path.Combine(output.FullName, site.Key, "screening-report.json"), ContractJson.SerializeToUtf8(report), cancellationToken);
                await WriteAsync(Path.Combine(output.FullName, site.Key, "screening-report.md"), Encoding.UTF8.GetBytes(report.ToMarkdown()), cancellationToken);
            }

            verdicts.AddRange(siteVerdicts);
        }

        return (verdicts, reports, problems);
    }

    private static async Task WriteAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
    }
}

/// <summary>
/// Decides when a local run is done: every upload has its report, no evaluation is pending (markers), queued or in
/// flight, twice in a row. Work that keeps failing lands in a poison queue and is reported, rather than waited for.
/// </summary>
public static class Quiescence
{
    public static async Task<IReadOnlyList<string>> WaitAsync(ScreeningStore store, EvaluationScheduler scheduler, QueueServiceClient queues, WorkTracker tracker, IReadOnlyList<string> uploads, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var unreported = new HashSet<string>(uploads, StringComparer.Ordinal);
        var sites = uploads.Select(StorageLayout.SiteOf).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var quietRounds = 0;
        var rounds = 0;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var upload in unreported.ToList())
            {
                var site = StorageLayout.SiteOf(upload);
                var report = StorageLayout.ReportBlob(site is null ? "_no-site/" + upload : upload);
                if ((await store.Blob(StorageLayout.ReportsContainer, report).ExistsAsync(cancellationToken)).Value)
                {
                    unreported.Remove(upload);
                }
            }

            // Cheap probes only: this runs all through the run, beside the work it waits for.
            var busy = tracker.InFlight > 0
                || await CountAsync(queues, StorageLayout.EvaluateQueue, cancellationToken) > 0
                || await CountAsync(queues, StorageLayout.IngestQueue, cancellationToken) > 0
                || await AnyPendingAsync(scheduler, sites, cancellationToken);
            var poisonedBlobs = busy ? 0 : await CountAsync(queues, "webjobs-blobtrigger-poison", cancellationToken);
            if (!busy && (unreported.Count == 0 || poisonedBlobs >= unreported.Count))
            {
                if (++quietRounds >= 2)
                {
                    return unreported.Select(u => $"upload {u} could not be processed (see the queue webjobs-blobtrigger-poison)").ToList();
                }
            }
            else
            {
                quietRounds = 0;
            }

            // Poll quickly at first (small runs finish in seconds), then back off to at most a second.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 200 + (50 * ++rounds))), cancellationToken);
        }

        return [$"the run did not finish within {timeout}: {unreported.Count} uploads unread, work still queued"];
    }

    private static async Task<bool> AnyPendingAsync(EvaluationScheduler scheduler, IReadOnlyList<string> sites, CancellationToken cancellationToken)
    {
        foreach (var site in sites)
        {
            if (await scheduler.AnyPendingAsync(site, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<int> CountAsync(QueueServiceClient queues, string name, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient(name);
        if (!(await queue.ExistsAsync(cancellationToken)).Value)
        {
            return 0;
        }

        return (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
    }
}
