using Microsoft.Extensions.DependencyInjection;
using ServerlessScreening.Pipeline.Reports;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>The site's screening report in storage: rebuilt through its queue once the site's evaluations are done.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SiteReportTests(AzuriteFixture azurite)
{
    private const string Patients = "patient_id,sex,birth_date,screening_date\nP1,F,1990-04-12,2025-06-01\nP2,M,2010-02-01,2025-06-01\nP3,F,1985-08-20,2025-06-01\n";
    private const string Labs = "patient_id,collected_at,test_code,value,unit\nP1,2025-05-20,2890-2,1.42,g/g\nP2,2025-05-20,2890-2,1.6,g/g\nP3,2025-05-10,2890-2,0.4,g/g\n";

    [Fact]
    public async Task After_a_site_is_ingested_and_evaluated_its_report_is_written_with_the_outcomes_of_its_verdicts()
    {
        var site = SiteScenario.Create(azurite, "sitereport");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();

        var requests = await site.TakeSiteReportRequestsAsync();
        Assert.Equal(2, requests.Count); // one per processed upload
        var builder = site.Services.GetRequiredService<SiteReportBuilder>();
        foreach (var request in requests)
        {
            Assert.True(await builder.RebuildAsync(request, CancellationToken.None));
        }

        Assert.Empty(await site.TakeSiteReportRequestsAsync());
        var report = (await site.Store.ReadAsync<SiteReport>(StorageLayout.ReportsContainer, StorageLayout.SiteReportBlob(site.SiteId), CancellationToken.None))!.Value;
        var verdicts = new List<Verdict>();
        foreach (var patient in new[] { "P1", "P2", "P3" })
        {
            verdicts.Add((await site.VerdictAsync(patient))!);
        }

        Assert.Equal(site.SiteId, report.SiteId);
        foreach (var outcome in Outcomes.All)
        {
            Assert.Equal(verdicts.Count(v => v.Outcome == outcome), report.Outcomes[outcome]);
        }

        Assert.Equal(3, report.Outcomes.Values.Sum());
        Assert.Equal(2, report.Uploads);
        Assert.Equal(["P1"], report.NeedsReview.Select(r => r.PatientId));

        var markdown = await site.Store.ReadTextAsync(StorageLayout.ReportsContainer, StorageLayout.SiteReportMarkdownBlob(site.SiteId), CancellationToken.None);
        Assert.Equal(report.ToMarkdown(), markdown);

        // The site reaches it as it reaches its ingestion reports.
        var links = await site.Services.GetRequiredService<SiteAccess>().ResultLinksAsync(site.SiteId, TimeSpan.FromHours(1), CancellationToken.None);
        Assert.Contains(links, l => l.Blob == $"{StorageLayout.ReportsContainer}/{StorageLayout.SiteReportBlob(site.SiteId)}");
        Assert.Contains(links, l => l.Blob == $"{StorageLayout.ReportsContainer}/{StorageLayout.SiteReportMarkdownBlob(site.SiteId)}");
    }

    [Fact]
    public async Task While_an_evaluation_of_the_site_is_pending_the_rebuild_writes_nothing_and_queues_itself_again()
    {
        var site = SiteScenario.Create(azurite, "sitereport-wait");
        await site.UploadAndProcessAsync("patients.csv", Patients);
        var builder = site.Services.GetRequiredService<SiteReportBuilder>();

        var request = Assert.Single(await site.TakeSiteReportRequestsAsync());
        Assert.False(await builder.RebuildAsync(request, CancellationToken.None));

        Assert.Null(await site.Store.ReadTextAsync(StorageLayout.ReportsContainer, StorageLayout.SiteReportBlob(site.SiteId), CancellationToken.None));
        Assert.Null(await site.Store.ReadTextAsync(StorageLayout.ReportsContainer, StorageLayout.SiteReportMarkdownBlob(site.SiteId), CancellationToken.None));
        var again = Assert.Single(await site.TakeSiteReportRequestsAsync());
        Assert.Equal((request.SiteId, request.RequestedAt), (again.SiteId, again.RequestedAt));

        await site.DrainAsync();
        Assert.True(await builder.RebuildAsync(again, CancellationToken.None));
        var report = (await site.Store.ReadAsync<SiteReport>(StorageLayout.ReportsContainer, StorageLayout.SiteReportBlob(site.SiteId), CancellationToken.None))!.Value;
        Assert.Equal(3, report.Outcomes.Values.Sum());
    }
}
