using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ServerlessScreening.Local;
using ServerlessScreening.Pipeline.Storage;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>One real Azurite for the test assembly, started by the tests themselves from the repository's npm install.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite is not running.");

    public static string Repository { get; } = FindRepository();

    public async Task InitializeAsync() => _azurite = await Azurite.StartAsync(Repository, CancellationToken.None, inMemory: true);

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    /// <summary>The pipeline as a host would register it, against this Azurite, with a fixed clock.</summary>
    public ServiceProvider Pipeline(FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var values = new Dictionary<string, string?>
        {
            [StorageLayout.ConnectionName] = ConnectionString,
            ["Screening:ProtocolPath"] = Path.Combine(Repository, "protocols", "lupus-nephritis-ucmsc-il2.protocol.json"),
            ["Screening:DefaultScreeningDate"] = "2025-06-01",
            ["Screening:EvaluationDelay"] = "00:00:00",
            ["Screening:SiteReportDelay"] = "00:00:00",
            ["Screening:PseudonymKey"] = Convert.ToBase64String(new byte[32]),
            // A result queue per pipeline, so a test sees its own events however many others have published.
            ["Results:QueueName"] = $"results-{Guid.NewGuid():N}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)).AddScreeningPipeline(configuration);
        services.AddSingleton<TimeProvider>(time ?? new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero)));
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        provider.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None).GetAwaiter().GetResult();
        return provider;
    }

    public BlobServiceClient Blobs => new(ConnectionString);

    private static string FindRepository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessScreening.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The tests must run inside the repository.");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
