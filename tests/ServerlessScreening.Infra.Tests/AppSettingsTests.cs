using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessScreening.Pipeline;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Infra.Tests;

/// <summary>
/// Every setting the application reads is set by the infrastructure (app settings of the function app in the compiled
/// template) and listed in local.settings.sample.json. "What the application reads" comes from the code: the public
/// settable properties of the options classes the pipeline binds, the storage connection it opens, and the host storage.
/// </summary>
public sealed partial class AppSettingsTests
{
    private static readonly string[] IdentityConnectionKeys = ["credential", "clientId"];

    /// <summary>Options sections the pipeline binds (ServiceCollectionExtensions.AddScreeningPipeline).</summary>
    private static readonly (Type Options, string Section)[] BoundOptions =
    [
        (typeof(ScreeningOptions), ScreeningOptions.Section),
        (typeof(ResultsOptions), ResultsOptions.Section),
    ];

    /// <summary>Setting names the options read, as environment variables ("Section__Property").</summary>
    private static IEnumerable<string> OptionSettings() =>
        BoundOptions.SelectMany(o => o.Options
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => $"{o.Section}__{p.Name}"));

    [Fact]
    public void The_options_classes_expose_the_settings_the_tests_expect_to_find()
    {
        // Guards the reflection: if it found nothing, every other assertion here would pass vacuously.
        var settings = OptionSettings().ToList();

        Assert.Contains("Screening__PseudonymKey", settings);
        Assert.Contains("Results__Transport", settings);
        Assert.DoesNotContain("Screening__DefaultScreeningDateValue", settings);
    }

    [Fact]
    public async Task The_infrastructure_sets_every_setting_the_application_reads()
    {
        var infra = await InfraAppSettingsAsync();
        var required = OptionSettings()
            .Append("AzureWebJobsStorage__accountName")
            .Concat(IdentityConnectionKeys.Select(k => $"AzureWebJobsStorage__{k}"))
            .Append($"{StorageLayout.ConnectionName}__blobServiceUri")
            .Append($"{StorageLayout.ConnectionName}__queueServiceUri")
            .Concat(IdentityConnectionKeys.Select(k => $"{StorageLayout.ConnectionName}__{k}"))
            .Append("APPLICATIONINSIGHTS_CONNECTION_STRING")
            .Append("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");

        var missing = required.Where(name => !infra.ContainsKey(name)).ToList();

        Assert.True(missing.Count == 0, "Not set by infra/ (function app settings): " + string.Join(", ", missing));
    }

    [Fact]
    public void The_sample_settings_list_every_setting_the_application_reads()
    {
        var sample = SampleSettings();
        var required = OptionSettings().Append(StorageLayout.ConnectionName).Append("AzureWebJobsStorage");

        var missing = required.Where(name => !sample.ContainsKey(name)).ToList();

        Assert.True(missing.Count == 0, "Not in local.settings.sample.json: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task The_infrastructure_sets_no_option_the_application_does_not_read()
    {
        var known = OptionSettings().ToHashSet(StringComparer.Ordinal);
        var sections = BoundOptions.Select(o => o.Section + "__").ToList();

        var stale = (await InfraAppSettingsAsync()).Keys
            .Where(name => sections.Any(s => name.StartsWith(s, StringComparison.Ordinal)) && !known.Contains(name))
            .ToList();

        Assert.True(stale.Count == 0, "Set by infra/ but read by no options property: " + string.Join(", ", stale));
    }

    [Fact]
    public async Task Connections_are_identity_based_and_no_secret_is_an_app_setting()
    {
        var infra = await InfraAppSettingsAsync();

        Assert.Equal("managedidentity", infra["AzureWebJobsStorage__credential"]);
        Assert.Equal("managedidentity", infra[$"{StorageLayout.ConnectionName}__credential"]);
        Assert.DoesNotContain("AzureWebJobsStorage", infra.Keys);
        Assert.DoesNotContain(StorageLayout.ConnectionName, infra.Keys);
        var connectionStrings = infra.Keys
            .Where(n => n.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase) || n.Contains("CONNECTION_STRING", StringComparison.OrdinalIgnoreCase))
            .Where(n => n != "APPLICATIONINSIGHTS_CONNECTION_STRING")
            .ToList();
        Assert.True(connectionStrings.Count == 0, "Connection-string settings: " + string.Join(", ", connectionStrings));
        Assert.StartsWith("[format('@Microsoft.KeyVault(SecretUri=", infra["Screening__PseudonymKey"], StringComparison.Ordinal);
        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]", infra["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        var listCalls = infra.Where(s => IsListCall(s.Value)).Select(s => s.Key).ToList();
        Assert.True(listCalls.Count == 0, "App settings computed with list*(): " + string.Join(", ", listCalls));
    }

    [Fact]
    public async Task Flex_Consumption_settings_it_rejects_are_not_set()
    {
        var infra = await InfraAppSettingsAsync();

        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", infra.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", infra.Keys);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", infra.Keys);
        Assert.DoesNotContain("AzureWebJobsStorage", infra.Keys);
    }

    /// <summary>No key is read anywhere in the provisioning template: no list*() call, in outputs, settings or anywhere else.</summary>
    [Fact]
    public async Task The_main_template_reads_no_keys()
    {
        var template = await Bicep.CompileAsync("infra/main.bicep");

        var calls = ArmTemplate.Strings(template).Where(IsListCall).ToList();

        Assert.True(calls.Count == 0, "list*() calls in infra/main.bicep: " + string.Join("\n", calls));
        foreach (var outputs in ArmTemplate.Templates(template).Select(t => t["outputs"]))
        {
            Assert.DoesNotContain(ArmTemplate.Strings(outputs), IsListCall);
        }
    }

    /// <summary>Name to value (literal or ARM expression) of the function app's settings in the compiled main template.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> InfraAppSettingsAsync()
    {
        var template = await Bicep.CompileAsync("infra/main.bicep");
        var site = Assert.Single(ArmTemplate.OfType(template, "Microsoft.Web/sites"));
        var settings = site.Properties["siteConfig"]?["appSettings"]?.AsArray()
            ?? throw new InvalidDataException("The function app declares no siteConfig.appSettings.");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in settings)
        {
            var name = (string?)setting?["name"] ?? throw new InvalidDataException("An app setting has no name.");
            Assert.False(name.StartsWith('['), $"App setting names must be literal to be checked: {name}");
            Assert.True(result.TryAdd(name, site.Literal(setting?["value"]) ?? string.Empty), $"App setting {name} is set twice.");
        }

        return result;
    }

    private static Dictionary<string, string?> SampleSettings()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")))!;
        var values = sample["Values"]?.AsObject() ?? throw new InvalidDataException("local.settings.sample.json has no Values.");
        return values.ToDictionary(v => v.Key, v => (string?)v.Value, StringComparer.Ordinal);
    }

    /// <summary>An ARM expression calling listKeys, listSecrets, listConnectionStrings or any other list* function.</summary>
    private static bool IsListCall(string value) => value.StartsWith('[') && ListFunction().IsMatch(value);

    [GeneratedRegex(@"\blist[A-Za-z]*\(", RegexOptions.IgnoreCase)]
    private static partial Regex ListFunction();
}
