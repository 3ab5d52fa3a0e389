using System.Text.Json.Nodes;

namespace ServerlessScreening.Infra.Tests;

/// <summary>Every Bicep file under infra/ builds and lints with no diagnostic at all: a warning fails CI like an error.</summary>
public sealed class BicepCompilationTests
{
    public static TheoryData<string> BicepFiles() => new(Repository.BicepFiles());

    public static TheoryData<string> DeployableTemplates() => new(["infra/main.bicep", "infra/upload-events.bicep"]);

    [Fact]
    public void The_infrastructure_has_its_entry_point_and_the_post_deploy_template()
    {
        var files = Repository.BicepFiles();

        Assert.Contains("infra/main.bicep", files);
        Assert.Contains("infra/upload-events.bicep", files);
        Assert.True(File.Exists(Path.Combine(Repository.Infra, "main.parameters.json")));
        Assert.True(File.Exists(Path.Combine(Repository.Infra, "bicepconfig.json")));
    }

    /// <summary><c>bicep build infra/main.bicep --stdout</c> (and the post-deploy template): exit 0, nothing on stderr.</summary>
    [Theory]
    [MemberData(nameof(DeployableTemplates))]
    public async Task The_deployable_templates_build_to_stdout_without_warnings(string file)
    {
        var result = await Bicep.BuildToStdoutAsync(file);

        Assert.True(result.ExitCode == 0, $"bicep build {file} exited {result.ExitCode}:\n{result.StandardError}");
        Assert.True(string.IsNullOrWhiteSpace(result.StandardError), $"bicep build {file} reported:\n{result.StandardError}");
        Assert.NotNull(JsonNode.Parse(result.StandardOutput)?["$schema"]);
    }

    [Fact]
    public async Task Bicep_build_of_every_file_succeeds_without_any_diagnostic()
    {
        var result = await Bicep.BuildAllAsync();

        Assert.True(result.ExitCode == 0, $"bicep build --pattern exited {result.ExitCode}:\n{result.Diagnostics}");
        Assert.True(result.Diagnostics.Length == 0, $"bicep build reported:\n{result.Diagnostics}");
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Each_file_builds_to_a_template_without_warnings(string file)
    {
        var result = await Bicep.BuildAllAsync();

        Assert.Empty(result.DiagnosticsFor(file));
        var compiled = Path.Combine(Bicep.BuildOutput, Path.ChangeExtension(Path.GetRelativePath("infra", file), ".json"));
        Assert.True(File.Exists(compiled), $"bicep build wrote no {compiled} for {file}:\n{result.Diagnostics}");
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(compiled))?["$schema"]);
    }

    [Fact]
    public async Task Bicep_lint_of_every_file_reports_nothing()
    {
        var result = await Bicep.LintAllAsync();

        Assert.True(result.ExitCode == 0, $"bicep lint --pattern exited {result.ExitCode}:\n{result.Diagnostics}");
        Assert.True(result.Diagnostics.Length == 0, $"bicep lint reported:\n{result.Diagnostics}");
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Each_file_lints_clean(string file)
    {
        var result = await Bicep.LintAllAsync();

        Assert.Empty(result.DiagnosticsFor(file));
    }

    /// <summary>azd fills main.bicep's parameters from main.parameters.json: it names no unknown parameter and omits no required one.</summary>
    [Fact]
    public async Task The_parameter_file_matches_the_entry_point()
    {
        var declared = (await Bicep.CompileAsync("infra/main.bicep"))["parameters"]!.AsObject();
        var supplied = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Infra, "main.parameters.json")))!["parameters"]!.AsObject();

        Assert.All(supplied, p => Assert.True(declared.ContainsKey(p.Key), $"main.parameters.json sets {p.Key}, which main.bicep does not declare."));
        var required = declared.Where(p => p.Value?["defaultValue"] is null && (bool?)p.Value?["nullable"] != true).Select(p => p.Key);
        Assert.All(required, name => Assert.True(supplied.ContainsKey(name), $"main.parameters.json does not supply the required parameter {name}."));
        Assert.Equal("${AZURE_ENV_NAME}", (string?)supplied["environmentName"]?["value"]);
        Assert.Equal("${AZURE_LOCATION}", (string?)supplied["location"]?["value"]);
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
