using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline;

/// <summary>
/// The pipeline's traces and metrics. One trace runs from an upload through ingestion and the evaluations it causes to
/// the published result event: the W3C trace context travels in the queue work items and in the event. Spans and
/// metrics carry site ids, upload kinds and outcomes, never patient ids or clinical values.
/// </summary>
public static class Telemetry
{
    public const string Name = "ServerlessScreening.Pipeline";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> RowsIngested = Meter.CreateCounter<long>("screening.rows.ingested", "{row}", "Rows read from uploads and used");

    public static readonly Counter<long> RowsRejected = Meter.CreateCounter<long>("screening.rows.rejected", "{row}", "Rows rejected, by error code");

    public static readonly Counter<long> Verdicts = Meter.CreateCounter<long>("screening.verdicts", "{verdict}", "Verdicts written, by outcome");

    public static readonly Histogram<double> QueueLatency = Meter.CreateHistogram<double>("screening.queue.latency", "ms", "Time from an evaluation request to the start of the evaluation");

    /// <summary>
    /// OpenTelemetry for a host: the pipeline's and the Azure SDK's sources, exported to Azure Monitor when
    /// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (with Entra ID authentication when
    /// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> names a managed identity), and to the console when asked.
    /// </summary>
    public static OpenTelemetryBuilder AddScreeningTelemetry(this IServiceCollection services, IConfiguration configuration, bool console)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // The Azure SDK emits its spans through ActivitySource only with this switch.
        AppContext.SetSwitch("Azure.Experimental.EnableActivitySource", true);
        var connectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("serverless-screening"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(Name).AddSource("Azure.*").AddProcessor(new RedactStoragePaths());
                if (!string.IsNullOrEmpty(connectionString))
                {
                    tracing.AddAzureMonitorTraceExporter(options => Configure(options, connectionString, configuration));
                }

                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Name);
                if (!string.IsNullOrEmpty(connectionString))
                {
                    metrics.AddAzureMonitorMetricExporter(options => Configure(options, connectionString, configuration));
                }

                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });
        return builder;
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, IConfiguration configuration)
    {
        options.ConnectionString = connectionString;
        if (configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] is { } authentication
            && authentication.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "ClientId") is { Length: 2 } clientId)
        {
            options.Credential = new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId[1]));
        }
    }

    /// <summary>
    /// Storage spans carry request URLs, and blob names carry patient ids (verdicts/{site}/{patient}.json): keep the
    /// account and container, drop the rest of the path, so no patient id leaves the process in telemetry.
    /// </summary>
    internal sealed class RedactStoragePaths : BaseProcessor<Activity>
    {
        private static readonly string[] UrlTags = ["url.full", "http.url", "az.storage.url", "server.address.url"];

        public override void OnEnd(Activity data)
        {
            foreach (var tag in UrlTags)
            {
                if (data.GetTagItem(tag) is string value && Uri.TryCreate(value, UriKind.Absolute, out var uri))
                {
                    data.SetTag(tag, Redact(uri));
                }
            }
        }

        internal static string Redact(Uri uri)
        {
            var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            // Azurite paths start with the account name; Azure's with the container.
            var keep = segments.Length > 0 && segments[0] == "devstoreaccount1" ? 2 : 1;
            var kept = string.Join('/', segments.Take(keep));
            var known = StorageLayout.Containers.Contains(segments.Skip(keep - 1).FirstOrDefault() ?? string.Empty, StringComparer.Ordinal);
            return $"{uri.Scheme}://{uri.Authority}/{kept}" + (segments.Length > keep || !known ? "/…" : string.Empty);
        }
    }
}
