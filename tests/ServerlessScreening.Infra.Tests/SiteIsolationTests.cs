using System.Text.Json.Nodes;
using static ServerlessScreening.Infra.Tests.DataRequest;

namespace ServerlessScreening.Infra.Tests;

/// <summary>The site-isolation role assignments of infra/modules/site-access.bicep, as compiled.</summary>
internal sealed record SiteConditions(string Uploader, string Reader, IReadOnlyList<string> UploaderDataActions, IReadOnlyList<string> UploaderActions, string ReaderRoleId)
{
    /// <summary>Built-in Storage Blob Data Reader: its only data action.</summary>
    public static readonly IReadOnlyList<string> ReaderDataActions = [BlobRead];

    public static async Task<SiteConditions> LoadAsync()
    {
        var main = await Bicep.CompileAsync("infra/main.bicep");
        var module = Assert.Single(ArmTemplate.Templates(main), t => t["variables"]?["uploaderCondition"] is not null);
        var variables = module["variables"]!.AsObject();
        var role = Assert.Single(ArmTemplate.OfType(module, "Microsoft.Authorization/roleDefinitions"));
        var permissions = Assert.Single(role.Properties["permissions"]!.AsArray())!;
        var assignments = ArmTemplate.OfType(module, "Microsoft.Authorization/roleAssignments").ToList();
        Assert.Contains(assignments, a => ((string?)a.Properties["condition"] ?? string.Empty).Contains("variables('uploaderCondition')", StringComparison.Ordinal)
            && ((string?)a.Properties["roleDefinitionId"] ?? string.Empty).Contains("Microsoft.Authorization/roleDefinitions", StringComparison.Ordinal));
        Assert.Contains(assignments, a => ((string?)a.Properties["condition"] ?? string.Empty).Contains("variables('readerCondition')", StringComparison.Ordinal));

        return new SiteConditions(
            (string)variables["uploaderCondition"]!,
            (string)variables["readerCondition"]!,
            Resolve(role, permissions["dataActions"]),
            Resolve(role, permissions["actions"]),
            (string)variables["storageBlobDataReader"]!);
    }

    private static List<string> Resolve(ArmResource role, JsonNode? values) =>
        values?.AsArray().Select(v => role.Literal(v) ?? string.Empty).ToList() ?? [];
}

/// <summary>
/// What the site-isolation conditions allow and refuse, for two sites, evaluated with <see cref="RoleCondition"/>
/// (the documented condition semantics; Azure itself is not reachable from here). A request is allowed when some
/// assignment's role grants the data action and that assignment's condition holds.
/// </summary>
public sealed class SiteIsolationTests
{
    private const string SiteA = "site-001";
    private const string SiteB = "site-002";

    public static TheoryData<string, string, bool> BlobOperations() => new()
    {
        // Uploads: only in the site's own folder.
        { BlobWrite, $"uploads/{SiteA}/labs.csv", true },
        { BlobAdd, $"uploads/{SiteA}/2025/06/labs.csv", true },
        { BlobRead, $"uploads/{SiteA}/labs.csv", true },
        { BlobWrite, $"uploads/{SiteB}/labs.csv", false },
        { BlobAdd, $"uploads/{SiteB}/labs.csv", false },
        { BlobRead, $"uploads/{SiteB}/labs.csv", false },
        { BlobWrite, "uploads/labs.csv", false },
        { BlobWrite, $"uploads/{SiteA}-evil/labs.csv", false },
        { BlobWrite, $"uploads/{SiteA}", false },
        { BlobWrite, $"uploads/{SiteA.ToUpperInvariant()}/labs.csv", false },
        // No deleting, even in the site's own folder (the uploader role has no delete data action).
        { BlobDelete, $"uploads/{SiteA}/labs.csv", false },
        // Writing anywhere but uploads.
        { BlobWrite, $"verdicts/{SiteA}/P0001.json", false },
        { BlobWrite, $"reports/{SiteA}/labs.csv.report.json", false },
        { BlobWrite, $"config/sites/{SiteA}/profile.json", false },
        { BlobWrite, $"facts/{SiteA}/P0001/labs/000000.json", false },
        // Reading back: own verdicts and reports only.
        { BlobRead, $"verdicts/{SiteA}/P0001.json", true },
        { BlobRead, $"reports/{SiteA}/labs.csv.report.json", true },
        { BlobRead, $"reports/{SiteA}/screening-report.json", true },
        { BlobRead, $"verdicts/{SiteB}/P0001.json", false },
        { BlobRead, $"reports/{SiteB}/labs.csv.report.json", false },
        { BlobRead, $"verdicts/{SiteA}-evil/P0001.json", false },
        // Nothing else: other containers hold pipeline state, clinical facts and other sites' configuration.
        { BlobRead, $"facts/{SiteA}/P0001/labs/000000.json", false },
        { BlobRead, $"state/{SiteA}/catalog.json", false },
        { BlobRead, $"verdict-history/{SiteA}/P0001/x.json", false },
        { BlobRead, $"quarantine/{SiteA}/labs.csv", false },
        { BlobRead, $"config/sites/{SiteA}/profile.json", false },
    };

    public static TheoryData<string, string, bool> Listings() => new()
    {
        { "uploads", $"{SiteA}/", true },
        { "uploads", $"{SiteA}/2025/", true },
        { "verdicts", $"{SiteA}/", true },
        { "reports", $"{SiteA}/", true },
        { "uploads", $"{SiteB}/", false },
        { "verdicts", $"{SiteB}/", false },
        { "verdicts", string.Empty, false },
        { "verdicts", "site-0", false },
        { "facts", $"{SiteA}/", false },
        { "verdict-history", $"{SiteA}/", false },
    };

    [Theory]
    [MemberData(nameof(BlobOperations))]
    public async Task A_site_reaches_only_its_own_uploads_verdicts_and_reports(string action, string blob, bool allowed)
    {
        var access = await SiteAccessAsync(SiteA);

        Assert.Equal(allowed, access(OnBlob(action, blob)));
    }

    [Theory]
    [MemberData(nameof(Listings))]
    public async Task A_site_lists_only_under_its_own_prefix(string container, string prefix, bool allowed)
    {
        var access = await SiteAccessAsync(SiteA);

        Assert.Equal(allowed, access(List(container, prefix)));
    }

    [Fact]
    public async Task The_same_conditions_confine_the_other_site_to_its_own_folder()
    {
        var access = await SiteAccessAsync(SiteB);

        Assert.True(access(OnBlob(BlobWrite, $"uploads/{SiteB}/labs.csv")));
        Assert.False(access(OnBlob(BlobWrite, $"uploads/{SiteA}/labs.csv")));
        Assert.True(access(OnBlob(BlobRead, $"verdicts/{SiteB}/P0001.json")));
        Assert.False(access(OnBlob(BlobRead, $"verdicts/{SiteA}/P0001.json")));
    }

    [Fact]
    public async Task The_uploader_role_grants_blob_data_actions_only_and_no_container_management()
    {
        var site = await SiteConditions.LoadAsync();

        Assert.Equal(
            new[] { BlobAdd, BlobRead, BlobWrite }.Order(StringComparer.Ordinal),
            site.UploaderDataActions.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(site.UploaderActions, a => a.Contains("containers/", StringComparison.OrdinalIgnoreCase) || a.Contains('*', StringComparison.Ordinal));
        Assert.Equal("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", site.ReaderRoleId);
    }

    [Fact]
    public void The_evaluator_rejects_what_the_condition_format_rejects()
    {
        Assert.Throws<FormatException>(() => RoleCondition.Parse("ActionMatches{'a'} AND ActionMatches{'b'} OR ActionMatches{'c'}"));
        Assert.Throws<FormatException>(() => RoleCondition.Parse("(ActionMatches{'a'}"));
        Assert.Throws<FormatException>(() => RoleCondition.Parse("@Resource[x] StringEquals"));
    }

    /// <summary>Whether the site's principal, holding only its two conditioned assignments, may make a request.</summary>
    private static async Task<Func<DataRequest, bool>> SiteAccessAsync(string siteId)
    {
        var site = await SiteConditions.LoadAsync();
        var uploader = RoleCondition.Parse(site.Uploader.Replace("{siteId}", siteId, StringComparison.Ordinal));
        var reader = RoleCondition.Parse(site.Reader.Replace("{siteId}", siteId, StringComparison.Ordinal));
        return request =>
            (site.UploaderDataActions.Contains(request.Action) && uploader.Allows(request))
            || (SiteConditions.ReaderDataActions.Contains(request.Action) && reader.Allows(request));
    }
}
