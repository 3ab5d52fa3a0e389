using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace ServerlessScreening.Pipeline;

/// <summary>The pipeline's settings (configuration section <c>Screening</c>), validated when the host starts.</summary>
public sealed class ScreeningOptions : IValidatableObject
{
    public const string Section = "Screening";

    /// <summary>The protocol definition file, absolute or relative to the application directory.</summary>
    [Required]
    public string ProtocolPath { get; set; } = "protocols/lupus-nephritis-ucmsc-il2.protocol.json";

    /// <summary>Screening date (yyyy-MM-dd) for patients whose data carries none. Deliberately required: never "today".</summary>
    [Required]
    public string DefaultScreeningDate { get; set; } = string.Empty;

    /// <summary>Facts buffered per upload before a flush of patient shards; bounds ingestion memory.</summary>
    [Range(1_000, 10_000_000)]
    public int FlushThreshold { get; set; } = 50_000;

    /// <summary>
    /// How long a patient's evaluation waits after the first new facts of a burst: the files of one export (patients,
    /// labs, medications) arrive together and are read concurrently, and facts committed within this window join the
    /// same evaluation instead of each producing a verdict version and a result event of their own.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan EvaluationDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a pending-evaluation marker suppresses further queue messages for a patient before it is stale. It must
    /// stay well below the ten minutes after which a crashed instance's queue messages come back: an ingestion that
    /// crashed between creating a marker and sending its message is retried then, and must find the marker stale.
    /// Counted from the end of <see cref="EvaluationDelay"/>, when the message becomes visible.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:05:00")]
    public TimeSpan PendingMarkerTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Key (base64, at least 32 bytes) for the keyed hash that pseudonymises patient ids in logs and telemetry.</summary>
    [Required]
    public string PseudonymKey { get; set; } = string.Empty;

    public DateOnly DefaultScreeningDateValue =>
        DateOnly.ParseExact(DefaultScreeningDate, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!DateOnly.TryParseExact(DefaultScreeningDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            yield return new ValidationResult("Screening:DefaultScreeningDate must be a date in yyyy-MM-dd form.", [nameof(DefaultScreeningDate)]);
        }

        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(PseudonymKey);
        }
        catch (FormatException)
        {
        }

        if (key is null || key.Length < 32)
        {
            yield return new ValidationResult("Screening:PseudonymKey must be base64 of at least 32 random bytes.", [nameof(PseudonymKey)]);
        }
    }
}

/// <summary>Where result events go (configuration section <c>Results</c>).</summary>
public sealed class ResultsOptions : IValidatableObject
{
    public const string Section = "Results";

    public const string StorageQueueTransport = "StorageQueue";
    public const string ServiceBusTransport = "ServiceBus";

    /// <summary><c>StorageQueue</c> (default; Azurite locally) or <c>ServiceBus</c>.</summary>
    public string Transport { get; set; } = StorageQueueTransport;

    public string QueueName { get; set; } = "screening-results";

    /// <summary>For Service Bus: the namespace host name, e.g. <c>contoso.servicebus.windows.net</c> (identity-based connection).</summary>
    public string? ServiceBusNamespace { get; set; }

    public string TopicName { get; set; } = "screening-results";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Transport is not (StorageQueueTransport or ServiceBusTransport))
        {
            yield return new ValidationResult($"Results:Transport must be {StorageQueueTransport} or {ServiceBusTransport}.", [nameof(Transport)]);
        }

        if (Transport == ServiceBusTransport && string.IsNullOrWhiteSpace(ServiceBusNamespace))
        {
            yield return new ValidationResult("Results:ServiceBusNamespace is required when Results:Transport is ServiceBus.", [nameof(ServiceBusNamespace)]);
        }
    }
}
