using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ServerlessScreening.Pipeline.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class TelemetryTests(AzuriteFixture azurite)
{
    private const string Patients = "patient_id,sex,birth_date,screening_date\nZX-998877,F,1990-04-12,2025-06-01\n";
    private const string Labs = "patient_id,collected_at,test_code,value,unit\nZX-998877,2025-05-20,2890-2,1.4242,g/g\n";

    [Fact]
    public async Task One_trace_runs_from_the_upload_through_evaluation_to_the_published_event()
    {
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var site = SiteScenario.Create(azurite, "trace");
        await site.UploadAsync("patients.csv", Patients);
        await site.UploadAsync("labs.csv", Labs);

        // The trigger's own span, as the Functions host starts one per invocation.
        using (var trigger = new Activity("blob trigger").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            await site.Services.GetRequiredService<Ingestion.UploadProcessor>().ProcessAsync($"{site.SiteId}/patients.csv", trigger.Id, CancellationToken.None);
            await site.Services.GetRequiredService<Ingestion.UploadProcessor>().ProcessAsync($"{site.SiteId}/labs.csv", trigger.Id, CancellationToken.None);
            Activity.Current = null;
            await site.DrainAsync();

            var traceId = trigger.TraceId.ToString();
            Assert.Contains(activities, a => a.OperationName == "ingest upload" && a.TraceId.ToString() == traceId);
            Assert.Contains(activities, a => a.OperationName == "evaluate patient" && a.TraceId.ToString() == traceId);
            Assert.Contains(activities, a => a.OperationName == "publish result event" && a.TraceId.ToString() == traceId);
            var resultEvent = Assert.Single(await site.EventsAsync());
            Assert.Contains(traceId, resultEvent["traceparent"]!.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(activities.SelectMany(a => a.Tags), t => t.Value is { } v && v.Contains("ZX-998877", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Logs_carry_pseudonymous_patient_keys_never_patient_ids_or_values()
    {
        var capture = new CapturingLoggerProvider();
        var services = azurite.Pipeline(configure: s => s.AddLogging(l => l.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)));
        var site = new SiteScenario(services, $"logs-{Guid.NewGuid():N}"[..30]);

        await site.UploadAndProcessAsync("patients.csv", Patients);
        await site.UploadAndProcessAsync("labs.csv", Labs);
        await site.DrainAsync();

        var log = string.Join("\n", capture.Lines);
        Assert.Contains("pk_", log, StringComparison.Ordinal);
        Assert.Contains("Evaluated", log, StringComparison.Ordinal);
        Assert.DoesNotContain("ZX-998877", log, StringComparison.Ordinal);
        Assert.DoesNotContain("1.4242", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shard_part_that_disappears_while_read_is_reported_without_the_patient_id()
    {
        var disappearing = new DeleteFactsBeforeReading(azurite.Blobs);
        var services = azurite.Pipeline(configure: s => s.AddSingleton<HttpPipelinePolicy>(disappearing));
        var site = new SiteScenario(services, $"gone-{Guid.NewGuid():N}"[..30]);
        await site.UploadAndProcessAsync("labs.csv", Labs);

        disappearing.Armed = true;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            services.GetRequiredService<Evaluation.PatientEvaluator>().LoadAsync(site.SiteId, "ZX-998877", CancellationToken.None));

        // Hosts log the exception with its message and stack trace.
        Assert.DoesNotContain("ZX-998877", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(services.GetRequiredService<Pseudonyms>().Of(site.SiteId, "ZX-998877"), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/verdicts/site-1/ZX-998877.json?sv=1", "http://127.0.0.1:10000/devstoreaccount1/verdicts/…")]
    [InlineData("https://acct.blob.core.windows.net/facts/site-1/ZX-998877/abc/000000.json", "https://acct.blob.core.windows.net/facts/…")]
    [InlineData("https://acct.queue.core.windows.net/evaluate/messages", "https://acct.queue.core.windows.net/evaluate/…")]
    public void Storage_urls_in_spans_keep_the_container_and_drop_the_patient(string url, string expected) =>
        Assert.Equal(expected, Telemetry.RedactStoragePaths.Redact(new Uri(url)));

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                provider.Lines.Enqueue($"{formatter(state, exception)} | {values} | {exception}");
            }
        }
    }

    /// <summary>Once armed, deletes a patient's shard part just before the pipeline reads it, as a concurrent re-ingestion could.</summary>
    private sealed class DeleteFactsBeforeReading(BlobServiceClient blobs) : HttpPipelinePolicy
    {
        private const string FactsPath = "/" + Storage.StorageLayout.FactsContainer + "/";

        public bool Armed { get; set; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var path = message.Request.Uri.Path;
            var at = path.IndexOf(FactsPath, StringComparison.Ordinal);
            if (Armed && message.Request.Method == RequestMethod.Get && at >= 0)
            {
                var name = Uri.UnescapeDataString(path[(at + FactsPath.Length)..]);
                await blobs.GetBlobContainerClient(Storage.StorageLayout.FactsContainer).GetBlobClient(name).DeleteIfExistsAsync();
            }

            await ProcessNextAsync(message, pipeline);
        }
    }
}
