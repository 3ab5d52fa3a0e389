using System.Text.Json.Nodes;

namespace ServerlessScreening.Infra.Tests;

/// <summary>Every Bicep file under infra/ builds and lints with no diagnostic at all: a warning fails CI like an error.</summary>
public sealed class BicepCompilationTests
{
    public static TheoryData<string> BicepFiles() => new(Repository.BicepFiles());

    [Fact]
    public void The_infrastructure_has_its_entry_point_and_the_post_deploy_template()
    {
        var files = Repository.BicepFiles();

        Assert.Contains("infra/main.bicep", files);
        Assert.Contains("infra/upload-events.bicep", files);
        Assert.True(File.Exists(Path.Combine(Repository.Infra, "main.parameters.json")));
        Assert.True(File.Exists(Path.Combine(Repository.Infra, "bicepconfig.json")));
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Bicep_build_succeeds_without_warnings(string file)
    {
        var result = await Bicep.BuildAsync(file);

        Assert.True(result.ExitCode == 0, $"bicep build {file} exited {result.ExitCode}:\n{result.StandardError}");
        Assert.True(string.IsNullOrWhiteSpace(result.StandardError), $"bicep build {file} reported:\n{result.StandardError}");
        Assert.NotNull(JsonNode.Parse(result.StandardOutput)?["$schema"]);
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Bicep_lint_reports_nothing(string file)
    {
        var result = await Bicep.LintAsync(file);

        Assert.True(result.ExitCode == 0, $"bicep lint {file} exited {result.ExitCode}:\n{result.Diagnostics}");
        Assert.True(result.Diagnostics.Length == 0, $"bicep lint {file} reported:\n{result.Diagnostics}");
    }

    /// <summary>The linter configuration may raise rules, never silence them: "off" or "info" would hide a finding from CI.</summary>
    [Fact]
    public void The_linter_configuration_turns_no_rule_down()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Infra, "bicepconfig.json")))!;
        var core = config["analyzers"]?["core"];

        Assert.NotEqual(false, (bool?)core?["enabled"]);
        var rules = core?["rules"]?.AsObject() ?? [];
        var lowered = rules
            .Where(r => (string?)r.Value?["level"] is not ("warning" or "error"))
            .Select(r => $"{r.Key}: {r.Value?["level"]}")
            .ToList();
        Assert.True(lowered.Count == 0, "Rules turned down in infra/bicepconfig.json: " + string.Join(", ", lowered));
    }
}
