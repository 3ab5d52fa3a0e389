using System.Diagnostics;

namespace ServerlessScreening.Infra.Tests;

/// <summary>
/// The azd hooks (infra/hooks/*.sh) run with stand-ins for azd, az and curl on PATH: the stand-ins record what they
/// are asked and answer from files, so the hooks' logic is tested without Azure and without any network traffic.
/// </summary>
public sealed class HookTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("screening-hooks-");

    public HookTests()
    {
        var bin = _work.CreateSubdirectory("bin").FullName;
        // azd env get-value NAME / azd env set NAME VALUE, kept as NAME=VALUE lines in azd.env.
        Stub(bin, "azd", """
            env="$FAKE_DIR/azd.env"; touch "$env"
            if [ "$1 $2" = "env get-value" ]; then
              line="$(grep "^$3=" "$env" | tail -n 1)" || true
              [ -n "$line" ] || { echo "ERROR: key '$3' not found in the environment values" >&2; exit 1; }
              printf '%s\n' "${line#*=}"
            elif [ "$1 $2" = "env set" ]; then
              printf '%s=%s\n' "$3" "$4" >> "$env"
            else
              exit 2
            fi
            """);
        // az: every call is logged; "functionapp keys list" answers with the next line of keys.txt.
        Stub(bin, "az", """
            printf '%s\n' "$*" >> "$FAKE_DIR/az.log"
            if [ "$1 $2 $3" = "functionapp keys list" ]; then
              n=$(grep -c '^functionapp keys list' "$FAKE_DIR/az.log")
              sed -n "${n}p" "$FAKE_DIR/keys.txt"
            fi
            """);
        Stub(bin, "curl", "exit 0");
        Stub(bin, "sleep", "exit 0");
    }

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Preprovision_generates_a_32_byte_key_once()
    {
        SetAzdValue("SCREENING_DEFAULT_SCREENING_DATE", "2025-06-01");

        var (exitCode, output) = await RunHookAsync("preprovision.sh");
        var key = AzdValues()["SCREENING_PSEUDONYM_KEY"];
        var (secondExitCode, _) = await RunHookAsync("preprovision.sh");

        Assert.True(exitCode == 0, output);
        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.Equal(0, secondExitCode);
        Assert.Equal(key, AzdValues()["SCREENING_PSEUDONYM_KEY"]);
        Assert.Single(File.ReadAllLines(Path.Combine(_work.FullName, "azd.env")), l => l.StartsWith("SCREENING_PSEUDONYM_KEY=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Preprovision_keeps_a_key_already_in_the_environment()
    {
        SetAzdValue("SCREENING_PSEUDONYM_KEY", "ZXhpc3Rpbmcta2V5LWV4aXN0aW5nLWtleS1leGlzdGluZzE=");
        SetAzdValue("SCREENING_DEFAULT_SCREENING_DATE", "2025-06-01");

        var (exitCode, output) = await RunHookAsync("preprovision.sh");

        Assert.True(exitCode == 0, output);
        Assert.Equal("ZXhpc3Rpbmcta2V5LWV4aXN0aW5nLWtleS1leGlzdGluZzE=", AzdValues()["SCREENING_PSEUDONYM_KEY"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("01/06/2025")]
    [InlineData("today")]
    public async Task Preprovision_stops_without_a_default_screening_date(string? date)
    {
        if (date is not null)
        {
            SetAzdValue("SCREENING_DEFAULT_SCREENING_DATE", date);
        }

        var (exitCode, output) = await RunHookAsync("preprovision.sh");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("azd env set SCREENING_DEFAULT_SCREENING_DATE", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postdeploy_waits_for_the_blobs_extension_key_then_deploys_the_subscription_template()
    {
        File.WriteAllLines(Path.Combine(_work.FullName, "keys.txt"), ["false", "false", "true"]);

        var (exitCode, output) = await RunHookAsync("postdeploy.sh", ProvisionedEnvironment());

        Assert.True(exitCode == 0, output);
        var calls = File.ReadAllLines(Path.Combine(_work.FullName, "az.log"));
        Assert.Equal(3, calls.Count(c => c.StartsWith("functionapp keys list -g rg-test -n func-test", StringComparison.Ordinal)));
        var deploy = Assert.Single(calls, c => c.StartsWith("deployment group create", StringComparison.Ordinal));
        Assert.Contains("--resource-group rg-test", deploy, StringComparison.Ordinal);
        Assert.Contains("/infra/hooks/../upload-events.bicep", deploy, StringComparison.Ordinal);
        Assert.Contains("functionAppName=func-test", deploy, StringComparison.Ordinal);
        Assert.Contains("systemTopicName=evgt-test", deploy, StringComparison.Ordinal);
        Assert.Contains("deadLetterStorageAccountName=sthosttest", deploy, StringComparison.Ordinal);
        Assert.Contains("deadLetterContainerName=upload-events-deadletter", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain(calls, c => c.Contains("blobs_extension -o tsv", StringComparison.Ordinal) && !c.Contains("!=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Postdeploy_gives_up_when_the_key_never_appears()
    {
        File.WriteAllLines(Path.Combine(_work.FullName, "keys.txt"), ["false", "false", "false", "false"]);
        var environment = ProvisionedEnvironment();
        environment["SCREENING_KEY_WAIT_ATTEMPTS"] = "3";

        var (exitCode, output) = await RunHookAsync("postdeploy.sh", environment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("azd hooks run postdeploy", output, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(_work.FullName, "az.log")), c => c.StartsWith("deployment", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Postdeploy_needs_the_provisioning_outputs()
    {
        var environment = ProvisionedEnvironment();
        environment.Remove("SCREENING_UPLOAD_EVENTS_TOPIC");

        var (exitCode, output) = await RunHookAsync("postdeploy.sh", environment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("SCREENING_UPLOAD_EVENTS_TOPIC", output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ProvisionedEnvironment() => new(StringComparer.Ordinal)
    {
        ["AZURE_RESOURCE_GROUP"] = "rg-test",
        ["AZURE_FUNCTION_APP_NAME"] = "func-test",
        ["AZURE_FUNCTION_APP_HOST"] = "func-test.invalid",
        ["SCREENING_UPLOAD_EVENTS_TOPIC"] = "evgt-test",
        ["SCREENING_HOST_STORAGE_ACCOUNT"] = "sthosttest",
        ["SCREENING_UPLOAD_EVENTS_DEADLETTER_CONTAINER"] = "upload-events-deadletter",
    };

    private async Task<(int ExitCode, string Output)> RunHookAsync(string hook, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        start.ArgumentList.Add(Path.Combine(Repository.Infra, "hooks", hook));
        start.Environment["PATH"] = Path.Combine(_work.FullName, "bin") + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["FAKE_DIR"] = _work.FullName;
        foreach (var name in ProvisionedEnvironment().Keys)
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private void SetAzdValue(string name, string value) =>
        File.AppendAllText(Path.Combine(_work.FullName, "azd.env"), $"{name}={value}\n");

    private Dictionary<string, string> AzdValues() =>
        File.ReadAllLines(Path.Combine(_work.FullName, "azd.env"))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);

    private static void Stub(string directory, string name, string body)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The azd hooks are POSIX shell scripts.");
        }

        var path = Path.Combine(directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
