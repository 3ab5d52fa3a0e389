using Newtonsoft.Json.Linq;

namespace ServerlessScreening.Local.Tests;

/// <summary>End to end: the `screening` program on folders of uploads, through Azurite and the real triggers.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("screening-e2e-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Run_writes_one_verdict_per_patient_and_the_reports_and_leaves_nothing_running()
    {
        var input = _work.CreateSubdirectory("uploads");
        var site = input.CreateSubdirectory("site-e2e");
        await File.WriteAllTextAsync(Path.Combine(site.FullName, "patients.csv"), "patient_id,sex,birth_date,screening_date\nTEEN,M,2010-02-01,2025-06-01\nLOW,F,1985-08-20,2025-06-01\nHIGH,F,1990-04-12,2025-06-01\n");
        await File.WriteAllTextAsync(Path.Combine(site.FullName, "labs.csv"), "patient_id,collected_at,test_code,value,unit\nTEEN,2025-05-20,2890-2,1.6,g/g\nLOW,2025-05-10,2890-2,0.4,g/g\nHIGH,2025-05-20,2890-2,160,mg/mmol\n");
        var output = Path.Combine(_work.FullName, "out");
        var azuritesBefore = ScreeningCommand.AzuriteProcesses();
        var foldersBefore = ScreeningCommand.AzuriteDataFolders();

        var (exitCode, stdout, stderr) = await ScreeningCommand.RunAsync("run", input.FullName, "--out", output);

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Equal("ineligible", Outcome(output, "TEEN"));
        Assert.Equal("ineligible", Outcome(output, "LOW"));
        Assert.Equal("needs-review", Outcome(output, "HIGH"));
        var high = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(output, "site-e2e", "HIGH.json")));
        var inc04 = high["criteria"]!.Single(c => c["id"]!.ToString() == "INC04");
        Assert.Equal("pass", inc04["status"]!.ToString());
        Assert.Equal("uploads/site-e2e/labs.csv", inc04["evidence"]![0]!["source"]!.ToString());
        Assert.Equal(4, (int)inc04["evidence"]![0]!["line"]!);
        Assert.True(File.Exists(Path.Combine(output, "site-e2e", "labs.csv.report.json")));
        Assert.True(File.Exists(Path.Combine(output, "site-e2e", "screening-report.md")));
        Assert.Contains("TEEN", stdout, StringComparison.Ordinal);
        Assert.Equal(azuritesBefore, ScreeningCommand.AzuriteProcesses());
        Assert.Equal(foldersBefore, ScreeningCommand.AzuriteDataFolders());
    }

    [Fact]
    public async Task Running_the_same_folder_again_gives_byte_identical_verdicts_apart_from_evaluatedAt()
    {
        var input = Path.Combine(Repository.Root(), "samples", "demo", "uploads");
        var first = Path.Combine(_work.FullName, "first");
        var second = Path.Combine(_work.FullName, "second");

        Assert.Equal(0, (await ScreeningCommand.RunAsync("run", input, "--out", first)).ExitCode);
        Assert.Equal(0, (await ScreeningCommand.RunAsync("run", input, "--out", second)).ExitCode);

        var verdicts = Directory.GetFiles(Path.Combine(first, "site-demo"), "P*.json");
        Assert.Equal(8, verdicts.Length);
        foreach (var verdict in verdicts)
        {
            var a = await File.ReadAllTextAsync(verdict);
            var b = await File.ReadAllTextAsync(Path.Combine(second, "site-demo", Path.GetFileName(verdict)));
            Assert.Contains("\"evaluatedAt\"", a, StringComparison.Ordinal);
            Assert.Equal(WithoutEvaluatedAt(a), WithoutEvaluatedAt(b));
        }
    }

    [Fact]
    public async Task Run_on_a_missing_folder_fails_with_a_clear_message()
    {
        var (exitCode, _, stderr) = await ScreeningCommand.RunAsync("run", Path.Combine(_work.FullName, "nowhere"), "--out", Path.Combine(_work.FullName, "out"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_without_out_is_a_usage_error()
    {
        var (exitCode, _, stderr) = await ScreeningCommand.RunAsync("run", _work.FullName);

        Assert.Equal(2, exitCode);
        Assert.Contains("--out", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_out_naming_an_existing_file_is_a_usage_error_before_anything_runs()
    {
        var input = Directory.CreateDirectory(Path.Combine(_work.FullName, "in"));
        var output = Path.Combine(_work.FullName, "out.json");
        await File.WriteAllTextAsync(output, "{}");

        var (exitCode, _, stderr) = await ScreeningCommand.RunAsync("run", input.FullName, "--out", output);

        Assert.Equal(2, exitCode);
        Assert.Contains("--out", stderr, StringComparison.Ordinal);
        Assert.Contains("is a file", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("IOException", stderr, StringComparison.Ordinal);
        Assert.Equal("{}", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Demo_runs_the_sample_site_and_shows_every_outcome()
    {
        var output = Path.Combine(_work.FullName, "demo");

        var (exitCode, stdout, stderr) = await ScreeningCommand.RunAsync("demo", "--out", output);

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Equal("potentially-eligible", Outcome(output, "P001", "site-demo"));
        Assert.Equal("ineligible", Outcome(output, "P002", "site-demo"));
        Assert.Equal("needs-review", Outcome(output, "P005", "site-demo"));
        Assert.Equal("eligible", Outcome(output, "P008", "site-demo"));
        foreach (var outcome in new[] { "eligible", "potentially-eligible", "needs-review", "ineligible" })
        {
            Assert.Contains(outcome, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_criterion_is_met_once_and_failed_once_on_the_crafted_site()
    {
        var repository = Repository.Root();
        var output = Path.Combine(_work.FullName, "criteria");

        var (exitCode, stdout, stderr) = await ScreeningCommand.RunAsync("run", Path.Combine(repository, "samples", "criteria", "uploads"), "--out", output);

        Assert.True(exitCode == 0, stdout + stderr);
        var pass = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(output, "site-criteria", "ALLPASS.json")));
        var fail = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(output, "site-criteria", "ALLFAIL.json")));
        Assert.Equal("eligible", pass["outcome"]!.ToString());
        Assert.Equal("ineligible", fail["outcome"]!.ToString());
        var ids = pass["criteria"]!.Select(c => c["id"]!.ToString()).ToList();
        Assert.Equal(17, ids.Count);
        foreach (var id in ids)
        {
            Assert.Equal("pass", pass["criteria"]!.Single(c => c["id"]!.ToString() == id)["status"]!.ToString());
            var failed = fail["criteria"]!.Single(c => c["id"]!.ToString() == id);
            Assert.True(failed["status"]!.ToString() == "fail", $"{id} did not fail: {failed["reason"]}");
            Assert.True(id == "EXC05" || failed["evidence"]!.Any(), $"{id} failed without evidence");
        }
    }

    [Fact]
    public async Task The_emulator_exits_and_its_data_folder_goes_when_the_command_that_started_it_dies_without_stopping_it()
    {
        var before = ScreeningCommand.AzuriteProcesses();
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "screening.dll"));
        start.ArgumentList.Add("demo");
        using var command = System.Diagnostics.Process.Start(start)!;
        command.OutputDataReceived += (_, _) => { };
        command.ErrorDataReceived += (_, _) => { };
        command.BeginOutputReadLine();
        command.BeginErrorReadLine();

        var emulator = await Eventually(() => ScreeningCommand.AzuriteProcesses().Except(before).Cast<int?>().FirstOrDefault(), TimeSpan.FromSeconds(60));
        Assert.NotNull(emulator);
        var arguments = File.ReadAllText($"/proc/{emulator}/cmdline").Split('\0');
        var dataFolder = arguments[Array.IndexOf(arguments, "--location") + 1];
        Assert.True(Directory.Exists(dataFolder), dataFolder);

        // The command dies on the spot (as on a crash): no finally block, no dispose, its child is not killed with it.
        command.Kill(entireProcessTree: false);
        await command.WaitForExitAsync();

        var gone = await Eventually(() => ScreeningCommand.AzuriteProcesses().Contains(emulator.Value) ? null : (bool?)true, TimeSpan.FromSeconds(20));
        Assert.True(gone, "the emulator kept running after the command that started it died");
        var removed = await Eventually(() => Directory.Exists(dataFolder) ? null : (bool?)true, TimeSpan.FromSeconds(10));
        Assert.True(removed, "the emulator's data folder was left behind");
    }

    private static async Task<T?> Eventually<T>(Func<T?> probe, TimeSpan timeout)
        where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(200);
        }

        return null;
    }

    /// <summary>
    /// The public data sets of <c>../shared/data</c>, each as one site, through <c>screening run</c>: a verdict for every
    /// patient in it, and a report per file whose counts account for every row the file holds.
    /// </summary>
    [Fact]
    public async Task Shared_data_sets_give_a_verdict_for_every_patient_and_reports_that_account_for_every_row()
    {
        var data = Path.Combine(Repository.Root(), "..", "shared", "data");
        var sets = new Dictionary<string, string>
        {
            ["synthea-11pt"] = Path.Combine(data, "synthea", "jijones12-synthea-11pt"),
            ["synthea-27pt"] = Path.Combine(data, "synthea", "ohdsi-dbt-synthea-27pt"),
            ["fhir-bulk-10pt"] = Path.Combine(data, "fhir-bulk-10pt"),
        };
        var input = _work.CreateSubdirectory("uploads");
        foreach (var (site, folder) in sets)
        {
            var target = input.CreateSubdirectory(site);
            foreach (var file in Directory.GetFiles(folder).Where(f => f.EndsWith(".csv", StringComparison.Ordinal) || f.EndsWith(".ndjson", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(target.FullName, Path.GetFileName(file)));
            }
        }

        var output = Path.Combine(_work.FullName, "out");
        var (exitCode, stdout, stderr) = await ScreeningCommand.RunAsync("run", input.FullName, "--out", output);

        Assert.True(exitCode == 0, stdout + stderr);
        foreach (var (site, folder) in sets)
        {
            var patients = site.StartsWith("fhir", StringComparison.Ordinal)
                ? File.ReadLines(Path.Combine(folder, "Patient.000.ndjson")).Where(l => l.Length > 0).Select(l => JObject.Parse(l)["id"]!.ToString()).ToHashSet()
                : CsvColumn(Path.Combine(folder, "patients.csv"), 0).ToHashSet();
            var verdicts = Directory.GetFiles(Path.Combine(output, site), "*.json")
                .Where(f => !f.EndsWith(".report.json", StringComparison.Ordinal) && Path.GetFileName(f) != "screening-report.json")
                .Select(f => JObject.Parse(File.ReadAllText(f)))
                .ToList();
            Assert.True(patients.Count >= 10, site);
            Assert.Equal(patients.Order(StringComparer.Ordinal), verdicts.Select(v => v["patientId"]!.ToString()).Order(StringComparer.Ordinal));
            Assert.All(verdicts, v => Assert.Equal(17, v["criteria"]!.Count()));

            foreach (var file in Directory.GetFiles(Path.Combine(input.FullName, site)))
            {
                var report = JObject.Parse(await File.ReadAllTextAsync(Path.Combine(output, site, Path.GetFileName(file) + ".report.json")));
                var rows = file.EndsWith(".ndjson", StringComparison.Ordinal) ? File.ReadLines(file).Count(l => l.Length > 0) : CsvColumn(file, 0).Count();
                Assert.True((string?)report["status"] is "ingested", $"{site}/{Path.GetFileName(file)}: {report["status"]}");
                Assert.Equal(rows, (int)report["rowsRead"]!);
                Assert.Equal(rows, (int)report["rowsUsed"]! + (int)report["rowsIgnored"]! + (int)report["rowsRejected"]!);
            }
        }
    }

    private static IEnumerable<string> CsvColumn(string path, int ordinal)
    {
        using var reader = Sylvan.Data.Csv.CsvDataReader.Create(path);
        while (reader.Read())
        {
            yield return reader.GetString(ordinal);
        }
    }

    private static string WithoutEvaluatedAt(string json) =>
        System.Text.RegularExpressions.Regex.Replace(json, "\"evaluatedAt\": \"[^\"]*\"", "\"evaluatedAt\": \"\"");

    private static string Outcome(string output, string patient, string site = "site-e2e") =>
        JObject.Parse(File.ReadAllText(Path.Combine(output, site, patient + ".json")))["outcome"]!.ToString();
}
