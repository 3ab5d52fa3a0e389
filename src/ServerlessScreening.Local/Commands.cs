using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Local;

/// <summary>The `screening` commands. Exit codes: 0 the run completed (whatever the verdicts), 1 it could not run or did not complete, 2 bad arguments (see Program.cs for parse errors).</summary>
public static class Commands
{
    public static Command Run()
    {
        var input = new Argument<DirectoryInfo>("DIR") { Description = "Folder laid out like the uploads container: DIR/{siteId}/…" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where verdicts and reports are written: OUT/{siteId}/{patientId}.json", Required = true };
        var screeningDate = new Option<string?>("--screening-date") { Description = "Screening date (yyyy-MM-dd) for patients whose data carries none; default from the settings file" };
        var profiles = new Option<DirectoryInfo?>("--profiles") { Description = "Folder of site profiles named {siteId}.json" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the pipeline's log" };
        var command = new Command("run", "Run the pipeline on a folder of uploads and write every verdict and report.") { input, output, screeningDate, profiles, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryDate(parse.GetValue(screeningDate), out var date) || !IsOutputFolder(parse.GetValue(output)!))
            {
                return 2;
            }

            var options = new RunOptions
            {
                Input = parse.GetValue(input)!,
                Output = parse.GetValue(output)!,
                DefaultScreeningDate = date,
                Profiles = parse.GetValue(profiles),
                LogLevel = parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning,
            };
            return await ExecuteAsync(options, cancellationToken);
        });
        return command;
    }

    public static Command Demo()
    {
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where to write the demo's verdicts (default .local/demo)" };
        var command = new Command("demo", "Run the pipeline on the sample site export in samples/demo and show the outcome of each patient.") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(output) is { } chosen && !IsOutputFolder(chosen))
            {
                return 2;
            }

            var repository = Repository.Root();
            var options = new RunOptions
            {
                Input = new DirectoryInfo(Path.Combine(repository, "samples", "demo", "uploads")),
                Output = parse.GetValue(output) ?? new DirectoryInfo(Path.Combine(repository, ".local", "demo")),
            };
            return await ExecuteAsync(options, cancellationToken);
        });
        return command;
    }

    /// <summary>The storage a long-lived command works on: --connection, else the SCREENING_STORAGE environment variable.</summary>
    private static Option<string?> ConnectionOption() =>
        new("--connection") { Description = "Storage connection string (default: the SCREENING_STORAGE environment variable)" };

    private static string? Connection(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) ?? Environment.GetEnvironmentVariable("SCREENING_STORAGE");

    public static Command Host()
    {
        var connection = ConnectionOption();
        var screeningDate = new Option<string?>("--screening-date") { Description = "Default screening date (yyyy-MM-dd)" };
        var verbose = new Option<bool>("--verbose") { Description = "Show the pipeline's log" };
        var telemetry = new Option<bool>("--telemetry") { Description = "Print traces and metrics (OpenTelemetry) to the console" };
        var command = new Command("host", "Run the local host (WebJobs SDK, same triggers as the Functions app) against a storage account until stopped.") { connection, screeningDate, verbose, telemetry };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Connection(parse, connection) is not { } storage)
            {
                await Console.Error.WriteLineAsync("screening: host needs --connection or SCREENING_STORAGE.");
                return 2;
            }

            if (!TryDate(parse.GetValue(screeningDate), out var date))
            {
                return 2;
            }

            var overrides = new Dictionary<string, string?> { ["Telemetry:Console"] = parse.GetValue(telemetry) ? "true" : "false" };
            if (date is { } d)
            {
                overrides["Screening:DefaultScreeningDate"] = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }

            try
            {
                using var host = LocalHost.Build(storage, overrides, parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
                await host.Services.GetRequiredService<Pipeline.StorageInitializer>().EnsureCreatedAsync(cancellationToken);
                await host.StartAsync(cancellationToken);
                await Console.Out.WriteLineAsync("screening: host running; stop with Ctrl+C.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                }

                await host.StopAsync(CancellationToken.None);
                return 0;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                await Console.Error.WriteLineAsync("screening: invalid settings: " + string.Join("; ", e.Failures));
                return 1;
            }
        });
        return command;
    }

    public static Command Reevaluate()
    {
        var connection = ConnectionOption();
        var site = new Option<string?>("--site") { Description = "Only this site (default: every site)" };
        var command = new Command("reevaluate", "Queue every patient of a site, or of all sites, for evaluation again (after a protocol change).") { connection, site };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Connection(parse, connection) is not { } storage)
            {
                await Console.Error.WriteLineAsync("screening: reevaluate needs --connection or SCREENING_STORAGE.");
                return 2;
            }

            await using var services = LocalHost.Services(storage);
            var count = await services.GetRequiredService<Pipeline.Operations>().ReevaluateAsync(parse.GetValue(site), cancellationToken);
            await Console.Out.WriteLineAsync($"screening: {count} patients queued for evaluation.");
            return 0;
        });
        return command;
    }

    public static Command Replay()
    {
        var connection = ConnectionOption();
        var command = new Command("replay", "Put work that kept failing back on its queue: poisoned evaluations and ingest requests, quarantined uploads, uploads the blob trigger gave up on.") { connection };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (Connection(parse, connection) is not { } storage)
            {
                await Console.Error.WriteLineAsync("screening: replay needs --connection or SCREENING_STORAGE.");
                return 2;
            }

            await using var services = LocalHost.Services(storage);
            var result = await services.GetRequiredService<Pipeline.Operations>().ReplayAsync(cancellationToken);
            await Console.Out.WriteLineAsync($"screening: requeued {result.EvaluationsRequeued} evaluations, {result.IngestionsRequeued} ingest requests, {result.QuarantinedRequeued} quarantined uploads, {result.BlobTriggerFailuresRequeued} failed uploads.");
            return 0;
        });
        return command;
    }

    public static Command SiteAccessCommand()
    {
        var connection = ConnectionOption();
        var site = new Option<string>("--site") { Description = "The site id", Required = true };
        var hours = new Option<double>("--hours") { Description = "How long the links work (default 24, at most 168)", DefaultValueFactory = _ => 24 };
        var path = new Option<string>("--path") { Description = "The file's path inside the site's upload folder", Required = true };

        var upload = new Command("upload", "Print a link that uploads one file into the site's folder (create/write only).") { connection, site, path, hours };
        upload.SetAction((parse, cancellationToken) => WithAccessAsync(parse, connection, async access =>
        {
            var link = await access.UploadLinkAsync(parse.GetValue(site)!, parse.GetValue(path)!, TimeSpan.FromHours(parse.GetValue(hours)), cancellationToken);
            await Console.Out.WriteLineAsync($"{link.Blob}\t{link.ExpiresOn:O}\t{link.Uri}");
        }));

        var results = new Command("results", "Print read-only links to each of the site's verdicts and reports.") { connection, site, hours };
        results.SetAction((parse, cancellationToken) => WithAccessAsync(parse, connection, async access =>
        {
            foreach (var link in await access.ResultLinksAsync(parse.GetValue(site)!, TimeSpan.FromHours(parse.GetValue(hours)), cancellationToken))
            {
                await Console.Out.WriteLineAsync($"{link.Blob}\t{link.ExpiresOn:O}\t{link.Uri}");
            }
        }));

        return new Command("site-access", "Issue per-site links: a site can write only into its own upload folder and read only its own verdicts and reports.") { upload, results };
    }

    private static async Task<int> WithAccessAsync(ParseResult parse, Option<string?> connection, Func<Pipeline.SiteAccess, Task> action)
    {
        if (Connection(parse, connection) is not { } storage)
        {
            await Console.Error.WriteLineAsync("screening: site-access needs --connection or SCREENING_STORAGE.");
            return 2;
        }

        try
        {
            await using var services = LocalHost.Services(storage);
            await action(services.GetRequiredService<Pipeline.SiteAccess>());
            return 0;
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("screening: " + e.Message);
            return 2;
        }
    }

    private static async Task<int> ExecuteAsync(RunOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var result = await LocalRun.ExecuteAsync(Repository.Root(), options, cancellationToken);
            Show(result, options);
            return result.Completed ? 0 : 1;
        }
        catch (LocalSetupException e)
        {
            await Console.Error.WriteLineAsync("screening: " + e.Message);
            return 1;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("screening: invalid settings: " + string.Join("; ", e.Failures));
            return 1;
        }
    }

    private static void Show(RunResult result, RunOptions options)
    {
        if (Console.IsOutputRedirected)
        {
            // Piped or captured output has no terminal width; do not squeeze the table into 80 columns.
            AnsiConsole.Profile.Width = 200;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Screening outcomes");
        table.AddColumn(new TableColumn("Site").NoWrap());
        table.AddColumn(new TableColumn("Patient").NoWrap());
        table.AddColumn(new TableColumn("Outcome").NoWrap());
        table.AddColumns("Failed", "Unknown", "To confirm");
        foreach (var verdict in result.Verdicts.OrderBy(v => v.SiteId, StringComparer.Ordinal).ThenBy(v => v.PatientId, StringComparer.Ordinal))
        {
            table.AddRow(
                Markup.Escape(verdict.SiteId),
                Markup.Escape(verdict.PatientId),
                Colour(verdict.Outcome),
                Ids(verdict, CriterionStatus.Fail),
                Ids(verdict, CriterionStatus.Unknown),
                Ids(verdict, CriterionStatus.Confirm));
        }

        AnsiConsole.Write(table);
        var rows = result.Reports.Sum(r => r.RowsRead);
        var rejected = result.Reports.Sum(r => r.RowsRejected);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "{0} uploads, {1} rows read, {2} rejected; {3} verdicts in {4:0.0} s. Written to [bold]{5}[/].",
            result.Reports.Count, rows, rejected, result.Verdicts.Count, result.Elapsed.TotalSeconds, Markup.Escape(options.Output.FullName));
        foreach (var skipped in result.Skipped)
        {
            AnsiConsole.MarkupLine("[yellow]skipped:[/] " + Markup.Escape(skipped) + " is not inside a site folder (DIR/{siteId}/…)");
        }

        foreach (var problem in result.Problems)
        {
            AnsiConsole.MarkupLine("[red]problem:[/] " + Markup.Escape(problem));
        }
    }

    private static string Colour(string outcome) => outcome switch
    {
        Outcomes.Eligible => "[green]eligible[/]",
        Outcomes.PotentiallyEligible => "[green]potentially-eligible[/]",
        Outcomes.NeedsReview => "[yellow]needs-review[/]",
        _ => "[red]ineligible[/]",
    };

    private static string Ids(Verdict verdict, CriterionStatus status) =>
        string.Join(" ", verdict.Criteria.Where(c => c.Status == status).Select(c => c.Id));

    /// <summary>
    /// Checked before the run starts: verdicts are written into --out only after the whole run, and a file in its place
    /// would make the run fail there, after all the work.
    /// </summary>
    private static bool IsOutputFolder(DirectoryInfo output)
    {
        if (!File.Exists(output.FullName))
        {
            return true;
        }

        Console.Error.WriteLine($"screening: --out {output.FullName} is a file; it must be a folder or not exist yet.");
        return false;
    }

    private static bool TryDate(string? text, out DateOnly? date)
    {
        date = null;
        if (text is null)
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            date = parsed;
            return true;
        }

        Console.Error.WriteLine($"screening: --screening-date '{text}' is not a date in yyyy-MM-dd form.");
        return false;
    }
}

/// <summary>Finds the repository (for node_modules and the samples): SCREENING_REPOSITORY, else the nearest folder above the program that holds ServerlessScreening.sln.</summary>
public static class Repository
{
    public static string Root()
    {
        if (Environment.GetEnvironmentVariable("SCREENING_REPOSITORY") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessScreening.sln")))
            {
                return directory.FullName;
            }
        }

        throw new LocalSetupException("Cannot find the repository root (ServerlessScreening.sln) above " + AppContext.BaseDirectory + "; set SCREENING_REPOSITORY.");
    }
}
