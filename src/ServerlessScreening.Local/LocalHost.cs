using System.Globalization;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;
using ServerlessScreening.Pipeline;

namespace ServerlessScreening.Local;

/// <summary>
/// Builds the local host: the WebJobs SDK with the storage blob and queue extensions, configured from the same
/// <c>host.json</c> and settings file as the Functions app, running <see cref="LocalFunctions"/> over the pipeline.
/// </summary>
public static class LocalHost
{
    public static IHost Build(string storageConnection, IReadOnlyDictionary<string, string?> overrides, LogLevel logLevel, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var settings = FunctionsSettings.Load(AppContext.BaseDirectory);
        settings["AzureWebJobsStorage"] = storageConnection;
        settings["ScreeningStorage"] = storageConnection;
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var hostJson = JObject.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")));
        var queues = hostJson.SelectToken("extensions.queues") as JObject ?? [];
        var blobs = hostJson.SelectToken("extensions.blobs") as JObject ?? [];
        var pollingOverride = overrides.TryGetValue("Local:MaxPollingInterval", out var polling) && polling is not null ? TimeSpan.Parse(polling, CultureInfo.InvariantCulture) : (TimeSpan?)null;

        return new HostBuilder()
            .ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings))
            .ConfigureWebJobs(webJobs =>
            {
                webJobs.AddAzureStorageBlobs(options =>
                {
                    options.MaxDegreeOfParallelism = blobs.Value<int?>("maxDegreeOfParallelism") ?? 4;
                    options.PoisonBlobThreshold = blobs.Value<int?>("poisonBlobThreshold") ?? 5;
                });
                webJobs.AddAzureStorageQueues(options =>
                {
                    options.MaxPollingInterval = pollingOverride ?? Span(queues, "maxPollingInterval") ?? TimeSpan.FromSeconds(2);
                    options.VisibilityTimeout = Span(queues, "visibilityTimeout") ?? TimeSpan.FromSeconds(10);
                    options.BatchSize = queues.Value<int?>("batchSize") ?? 16;
                    options.NewBatchThreshold = queues.Value<int?>("newBatchThreshold") ?? 8;
                    options.MaxDequeueCount = queues.Value<int?>("maxDequeueCount") ?? 5;
                    options.MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64;
                });
            })
            .ConfigureServices((context, services) =>
            {
                services.AddScreeningPipeline(context.Configuration);
                services.AddScreeningTelemetry(context.Configuration, console: string.Equals(context.Configuration["Telemetry:Console"], "true", StringComparison.OrdinalIgnoreCase));
                services.AddSingleton<WorkTracker>();
                services.AddSingleton<LocalFunctions>();
                services.AddSingleton<ITypeLocator>(new FunctionTypes());
                services.AddSingleton<IJobActivator, ServiceProviderActivator>();
                configure?.Invoke(services);
            })
            .ConfigureLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddSimpleConsole(options =>
                {
                    options.SingleLine = true;
                    options.TimestampFormat = "HH:mm:ss ";
                });
                logging.SetMinimumLevel(logLevel);
                // Azure SDK log lines name request URLs, and blob names carry patient ids: keep them out of the log.
                logging.AddFilter("Azure", LogLevel.None);
                logging.AddFilter("Host", logLevel > LogLevel.Information ? logLevel : LogLevel.Warning);
                logging.AddFilter("Function", logLevel > LogLevel.Information ? logLevel : LogLevel.Warning);
                logging.AddFilter("Microsoft", LogLevel.Warning);
                // A start-up failure (invalid settings or protocol) is reported once, by the command, in plain words.
                logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
            })
            .Build();
    }

    /// <summary>The pipeline's services without a host, for one-off operator commands against a storage account.</summary>
    public static ServiceProvider Services(string storageConnection)
    {
        var settings = FunctionsSettings.Load(AppContext.BaseDirectory);
        settings["ScreeningStorage"] = storageConnection;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning))
            .AddScreeningPipeline(configuration)
            .BuildServiceProvider();
    }

    private static TimeSpan? Span(JObject section, string name) =>
        section.Value<string>(name) is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;

    private sealed class FunctionTypes : ITypeLocator
    {
        public IReadOnlyList<Type> GetTypes() => [typeof(LocalFunctions)];
    }

    private sealed class ServiceProviderActivator(IServiceProvider services) : IJobActivator
    {
        public T CreateInstance<T>() => (T)services.GetRequiredService(typeof(T));
    }
}

/// <summary>Reads the Functions-style settings file (<c>Values</c> with <c>__</c> separators) that both hosts share.</summary>
public static class FunctionsSettings
{
    public static Dictionary<string, string?> Load(string directory)
    {
        var own = Path.Combine(directory, "local.settings.json");
        var path = File.Exists(own) ? own : Path.Combine(directory, "local.settings.sample.json");
        var values = JObject.Parse(File.ReadAllText(path))["Values"] as JObject ?? [];
        return values.Properties().ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.ToString(), StringComparer.OrdinalIgnoreCase);
    }
}
