using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessScreening.Ingestion;
using ServerlessScreening.Pipeline.Evaluation;
using ServerlessScreening.Pipeline.Ingestion;
using ServerlessScreening.Pipeline.Queueing;
using ServerlessScreening.Pipeline.Reports;
using ServerlessScreening.Pipeline.Results;
using ServerlessScreening.Pipeline.Storage;
using ServerlessScreening.Protocols;
using ServerlessScreening.Vocabulary;

namespace ServerlessScreening.Pipeline;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pipeline for a host: options validated at start-up (including the protocol, which is loaded and
    /// linted), one blob and one queue client for the <c>ScreeningStorage</c> connection, the result publisher chosen by
    /// <c>Results:Transport</c>, and the services the functions call.
    /// </summary>
    public static IServiceCollection AddScreeningPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ScreeningOptions>().Bind(configuration.GetSection(ScreeningOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ResultsOptions>().Bind(configuration.GetSection(ResultsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScreeningOptions>, ProtocolValidation>();

        services.AddSingleton(TimeProvider.System);
        // Extra pipeline policies (fault injection in tests) and an optional operation counter apply to every storage request.
        services.AddSingleton(sp => StorageClients.Blobs(
            configuration.GetSection(StorageLayout.ConnectionName),
            sp.GetServices<HttpPipelinePolicy>().Concat(sp.GetService<StorageOperationCounter>() is { } counter ? [counter.BlobPolicy] : [])));
        services.AddSingleton(sp => StorageClients.Queues(
            configuration.GetSection(StorageLayout.ConnectionName),
            sp.GetServices<HttpPipelinePolicy>().Concat(sp.GetService<StorageOperationCounter>() is { } counter ? [counter.QueuePolicy] : [])));
        services.AddSingleton(LabCatalog.Default);
        services.AddSingleton(DrugCatalog.Default);
        services.AddSingleton(sp => new ScreeningEngine(
            ProtocolValidation.Load(sp.GetRequiredService<IOptions<ScreeningOptions>>().Value),
            sp.GetRequiredService<LabCatalog>(),
            sp.GetRequiredService<DrugCatalog>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new UploadIngestor(
            sp.GetRequiredService<LabCatalog>(),
            sp.GetRequiredService<DrugCatalog>(),
            sp.GetRequiredService<IOptions<ScreeningOptions>>().Value.FlushThreshold));

        services.AddSingleton<ScreeningStore>();
        services.AddSingleton<StorageWorkQueues>();
        services.AddSingleton<IPatientQueue>(sp => sp.GetRequiredService<StorageWorkQueues>());
        services.AddSingleton<IIngestQueue>(sp => sp.GetRequiredService<StorageWorkQueues>());
        services.AddSingleton<ISiteReportQueue>(sp => sp.GetRequiredService<StorageWorkQueues>());
        services.AddSingleton<EvaluationScheduler>();
        services.AddSingleton<UploadSettingsResolver>();
        services.AddSingleton<UploadProcessor>();
        services.AddSingleton<PatientEvaluator>();
        services.AddSingleton<SiteReportBuilder>();
        services.AddSingleton<Pseudonyms>();
        services.AddSingleton<StorageInitializer>();
        services.AddSingleton<Operations>();
        services.AddSingleton<SiteAccess>();
        services.AddSingleton<IResultPublisher>(sp =>
        {
            var results = sp.GetRequiredService<IOptions<ResultsOptions>>();
            if (results.Value.Transport == ResultsOptions.ServiceBusTransport)
            {
                var client = new ServiceBusClient(results.Value.ServiceBusNamespace, StorageClients.Credential(configuration.GetSection(StorageLayout.ConnectionName)));
                return new ServiceBusResultPublisher(client.CreateSender(results.Value.TopicName));
            }

            return new StorageQueueResultPublisher(sp.GetRequiredService<QueueServiceClient>(), results);
        });
        return services;
    }
}

/// <summary>
/// Builds the storage clients from a Functions-style connection section: a connection string as the section's
/// value (Azurite locally), or <c>blobServiceUri</c> and <c>queueServiceUri</c> with a managed identity
/// (<c>credential=managedidentity</c>, optional <c>clientId</c>) in Azure. Retries are exponential with jitter.
/// </summary>
public static class StorageClients
{
    /// <summary>The blob client; <paramref name="policies"/> (registered <see cref="HttpPipelinePolicy"/> services) run on every attempt, e.g. to count operations.</summary>
    public static BlobServiceClient Blobs(IConfigurationSection section, IEnumerable<HttpPipelinePolicy>? policies = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new BlobClientOptions();
        Configure(options.Retry);
        foreach (var policy in policies ?? [])
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }

        return section.Value is { Length: > 0 } connection
            ? new BlobServiceClient(connection, options)
            : new BlobServiceClient(new Uri(Required(section, "blobServiceUri")), Credential(section), options);
    }

    public static QueueServiceClient Queues(IConfigurationSection section, IEnumerable<HttpPipelinePolicy>? policies = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        Configure(options.Retry);
        foreach (var policy in policies ?? [])
        {
            options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        }

        return section.Value is { Length: > 0 } connection
            ? new QueueServiceClient(connection, options)
            : new QueueServiceClient(new Uri(Required(section, "queueServiceUri")), Credential(section), options);
    }

    public static TokenCredential Credential(IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var clientId = section["clientId"];
        return string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId ?? throw new InvalidOperationException($"{section.Path}:clientId is required with credential=managedidentity.")))
            : new DefaultAzureCredential();
    }

    private static void Configure(RetryOptions retry)
    {
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = 6;
        retry.Delay = TimeSpan.FromMilliseconds(200);
        retry.MaxDelay = TimeSpan.FromSeconds(10);
        retry.NetworkTimeout = TimeSpan.FromSeconds(100);
    }

    private static string Required(IConfigurationSection section, string key) =>
        section[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Storage connection '{section.Path}' needs either a connection string or {section.Path}__{key}.");
}

/// <summary>Loads and lints the configured protocol when options are validated, so a broken protocol stops the host at start-up.</summary>
internal sealed class ProtocolValidation : IValidateOptions<ScreeningOptions>
{
    public static ProtocolDefinition Load(ScreeningOptions options)
    {
        var path = Path.IsPathRooted(options.ProtocolPath) ? options.ProtocolPath : Path.Combine(AppContext.BaseDirectory, options.ProtocolPath);
        return ProtocolDefinition.LoadFile(path);
    }

    public ValidateOptionsResult Validate(string? name, ScreeningOptions options)
    {
        try
        {
            var problems = ProtocolLinter.Lint(Load(options), LabCatalog.Default, DrugCatalog.Default);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "Protocol: " + p));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or Newtonsoft.Json.JsonException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"Screening:ProtocolPath '{options.ProtocolPath}' could not be loaded: {e.Message}");
        }
    }
}

/// <summary>Creates the containers and queues the pipeline uses (locally; in Azure the infrastructure declares them).</summary>
public sealed class StorageInitializer(BlobServiceClient blobs, QueueServiceClient queues, IOptions<ResultsOptions> results)
{
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        foreach (var container in StorageLayout.Containers)
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        foreach (var queue in StorageLayout.Queues.Concat(StorageLayout.Queues.Select(q => q + "-poison")).Append(results.Value.QueueName))
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
    }
}
