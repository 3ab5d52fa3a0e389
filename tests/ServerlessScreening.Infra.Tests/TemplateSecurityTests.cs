using System.Text.Json.Nodes;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Infra.Tests;

/// <summary>Security and platform properties of the compiled templates.</summary>
public sealed class TemplateSecurityTests
{
    [Fact]
    public async Task Storage_accounts_take_no_shared_keys_and_no_anonymous_or_plain_http_access()
    {
        var accounts = ArmTemplate.OfType(await MainAsync(), "Microsoft.Storage/storageAccounts").ToList();

        Assert.Equal(2, accounts.Count);
        foreach (var account in accounts)
        {
            Assert.False((bool?)account.Properties["allowSharedKeyAccess"] ?? true, "allowSharedKeyAccess must be false");
            Assert.False((bool?)account.Properties["allowBlobPublicAccess"] ?? true, "allowBlobPublicAccess must be false");
            Assert.True((bool?)account.Properties["supportsHttpsTrafficOnly"], "supportsHttpsTrafficOnly must be true");
            Assert.Equal("TLS1_2", (string?)account.Properties["minimumTlsVersion"]);
        }
    }

    [Fact]
    public async Task The_data_account_keeps_versions_and_deleted_blobs()
    {
        var blobServices = ArmTemplate.OfType(await MainAsync(), "Microsoft.Storage/storageAccounts/blobServices").ToList();

        var versioned = Assert.Single(blobServices, b => (bool?)b.Properties["isVersioningEnabled"] == true);
        Assert.True((bool?)versioned.Properties["deleteRetentionPolicy"]?["enabled"]);
        Assert.True((bool?)versioned.Properties["containerDeleteRetentionPolicy"]?["enabled"]);
    }

    [Fact]
    public async Task Every_container_and_queue_the_pipeline_uses_is_declared()
    {
        var names = ArmTemplate.Strings(await MainAsync()).ToHashSet(StringComparer.Ordinal);
        var expected = StorageLayout.Containers
            .Concat(StorageLayout.Queues)
            .Concat(StorageLayout.Queues.Select(q => q + "-poison"))
            .Append("screening-results");

        var missing = expected.Where(n => !names.Contains(n)).ToList();

        Assert.True(missing.Count == 0, "Not declared in infra/: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Service_Bus_takes_no_keys_and_the_results_topic_drops_duplicates()
    {
        var template = await MainAsync();

        var ns = Assert.Single(ArmTemplate.OfType(template, "Microsoft.ServiceBus/namespaces"));
        Assert.True((bool?)ns.Properties["disableLocalAuth"], "disableLocalAuth must be true");
        var topic = Assert.Single(ArmTemplate.OfType(template, "Microsoft.ServiceBus/namespaces/topics"));
        Assert.True((bool?)topic.Properties["requiresDuplicateDetection"], "requiresDuplicateDetection must be true");
        Assert.NotNull(topic.Properties["duplicateDetectionHistoryTimeWindow"]);
    }

    [Fact]
    public async Task Outcome_subscriptions_replace_the_default_rule_with_a_filter_on_outcome()
    {
        var template = await MainAsync();
        var rules = ArmTemplate.OfType(template, "Microsoft.ServiceBus/namespaces/topics/subscriptions/rules").ToList();

        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.Equal("SqlFilter", (string?)r.Properties["filterType"]));
        var filters = ArmTemplate.Strings(template).ToList();
        Assert.Contains("outcome = 'ineligible'", filters);
        Assert.Contains("outcome = 'needs-review'", filters);
        Assert.Contains("outcome IN ('potentially-eligible', 'eligible')", filters);
        // An extra rule beside $Default would be OR-ed with its TrueFilter and let every message through.
        Assert.Contains(rules, r => ((string?)r.Resource["name"] ?? string.Empty).Contains("'$Default'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Application_Insights_accepts_only_Entra_authenticated_telemetry()
    {
        var component = Assert.Single(ArmTemplate.OfType(await MainAsync(), "Microsoft.Insights/components"));

        Assert.True((bool?)component.Properties["DisableLocalAuth"], "DisableLocalAuth must be true");
        Assert.NotNull(component.Properties["WorkspaceResourceId"]);
    }

    [Fact]
    public async Task The_key_vault_uses_RBAC_and_the_app_resolves_references_with_its_identity()
    {
        var template = await MainAsync();

        var vault = Assert.Single(ArmTemplate.OfType(template, "Microsoft.KeyVault/vaults"));
        Assert.True((bool?)vault.Properties["enableRbacAuthorization"]);
        var site = Assert.Single(ArmTemplate.OfType(template, "Microsoft.Web/sites"));
        Assert.NotNull(site.Properties["keyVaultReferenceIdentity"]);
        Assert.Equal("UserAssigned", (string?)site.Resource["identity"]?["type"]);
    }

    [Fact]
    public async Task The_app_runs_isolated_dotnet_10_on_Flex_Consumption_and_deploys_with_its_identity()
    {
        var template = await MainAsync();

        var plan = Assert.Single(ArmTemplate.OfType(template, "Microsoft.Web/serverfarms"));
        Assert.Equal("FC1", (string?)plan.Resource["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan.Resource["sku"]?["tier"]);
        var site = Assert.Single(ArmTemplate.OfType(template, "Microsoft.Web/sites"));
        var config = site.Properties["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]?["name"]);
        Assert.Equal("UserAssignedIdentity", (string?)config["deployment"]?["storage"]?["authentication"]?["type"]);
        Assert.Equal("10.0", (string?)template["parameters"]?["dotnetVersion"]?["defaultValue"]);
        Assert.True((bool?)site.Properties["httpsOnly"]);
        var basicAuth = ArmTemplate.OfType(template, "Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(2, basicAuth.Count);
        Assert.All(basicAuth, p => Assert.False((bool?)p.Properties["allow"] ?? true));
    }

    [Fact]
    public async Task Site_isolation_role_assignments_carry_conditions()
    {
        var template = await MainAsync();

        var conditioned = ArmTemplate.OfType(template, "Microsoft.Authorization/roleAssignments")
            .Where(a => a.Properties["condition"] is not null)
            .ToList();

        Assert.Equal(2, conditioned.Count);
        Assert.All(conditioned, a => Assert.Equal("2.0", (string?)a.Properties["conditionVersion"]));
        Assert.All(conditioned, a => Assert.NotNull(a.Resource["copy"]));
        var conditions = await SiteConditions.LoadAsync();
        Assert.Contains("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '{siteId}/'", conditions.Uploader, StringComparison.Ordinal);
        Assert.Contains("StringEquals 'uploads'", conditions.Uploader, StringComparison.Ordinal);
        Assert.Contains("StringEquals 'verdicts'", conditions.Reader, StringComparison.Ordinal);
        Assert.Contains("StringEquals 'reports'", conditions.Reader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_upload_events_subscription_targets_the_ingest_blob_trigger_with_the_blobs_extension_key()
    {
        var template = await Bicep.CompileAsync("infra/upload-events.bicep");

        var subscription = Assert.Single(ArmTemplate.OfType(template, "Microsoft.EventGrid/systemTopics/eventSubscriptions"));
        var filter = subscription.Properties["filter"]!;
        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(e => (string?)e));
        Assert.Contains("/blobServices/default/containers/{0}/", (string?)filter["subjectBeginsWith"], StringComparison.Ordinal);
        Assert.Equal(StorageLayout.UploadsContainer, (string?)template["parameters"]?["uploadsContainerName"]?["defaultValue"]);
        var endpoint = ArmTemplate.Strings(template).Single(s => s.Contains("runtime/webhooks/blobs", StringComparison.Ordinal));
        Assert.Contains("functionName=Host.Functions.", endpoint, StringComparison.Ordinal);
        Assert.Contains("systemKeys.blobs_extension", endpoint, StringComparison.Ordinal);
        var functionName = (string?)template["parameters"]?["functionName"]?["defaultValue"];
        Assert.Equal(BlobTriggeredFunctionName(), functionName);
    }

    /// <summary>The name of the function in ScreeningFunctions.cs whose parameter is a blob trigger.</summary>
    private static string BlobTriggeredFunctionName()
    {
        var source = File.ReadAllLines(Path.Combine(Repository.Root, "src", "ServerlessScreening.Functions", "ScreeningFunctions.cs"));
        string? current = null;
        foreach (var line in source)
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("[Function(\"", StringComparison.Ordinal))
            {
                current = trimmed["[Function(\"".Length..trimmed.IndexOf('"', "[Function(\"".Length)];
            }
            else if (trimmed.StartsWith("[BlobTrigger(", StringComparison.Ordinal) && current is not null)
            {
                return current;
            }
        }

        throw new InvalidDataException("No [BlobTrigger] function found in ScreeningFunctions.cs.");
    }

    private static Task<JsonObject> MainAsync() => Bicep.CompileAsync("infra/main.bicep");
}
