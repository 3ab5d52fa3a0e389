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

    /// <summary>
    /// How long after <see cref="EvaluationDelay"/> a site's screening report is rebuilt following an upload: by then the
    /// evaluations the upload requested have usually run. A rebuild that still finds an evaluation pending waits this
    /// long again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SiteReportDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The visibility delay of a site-report rebuild request: after the evaluation delay, then <see cref="SiteReportDelay"/>.</summary>
    public TimeSpan SiteReportVisibilityDelay() => EvaluationDelay + SiteReportDelay;

    /// <summary>Key (base64, at least 32 bytes) for the keyed hash that pseudonymises patient ids in logs and telemetry.</summary>
    [Required]
    public string PseudonymKey { get; set; } = string.Empty;

    /// <summary>
    /// <see cref="DefaultScreeningDate"/> as a date. A method, not a property: DataAnnotations validation reads every
    /// property, and this value exists only once validation has accepted the setting.
    /// </summary>
    public DateOnly ParsedDefaultScreeningDate() =>
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

        // Checked whatever the transport: the local host creates the result queue at start-up in either case.
        if (!IsStorageQueueName(QueueName))
        {
            yield return new ValidationResult(
                "Results:QueueName must be a valid Azure Storage queue name: 3 to 63 characters, lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                [nameof(QueueName)]);
        }

        if (Transport == ServiceBusTransport && !IsServiceBusEntityName(TopicName))
        {
            yield return new ValidationResult(
                $"Results:TopicName must be a valid Service Bus topic name: 1 to {MaxServiceBusEntityName} characters, not starting or ending with '/', and without any of {string.Join(' ', ServiceBusRestrictedCharacters)}.",
                [nameof(TopicName)]);
        }
    }

    /// <summary>
    /// The Service Bus entity-name rules the SDK documents (<c>CreateTopicOptions.Name</c>): at most 260 characters, no
    /// leading or trailing '/', none of '@', '?', '#', '*'. Sources disagree on anything stricter, so nothing more is
    /// checked here; the namespace rejects the rest when the topic is created.
    /// </summary>
    private const int MaxServiceBusEntityName = 260;

    private static readonly char[] ServiceBusRestrictedCharacters = ['@', '?', '#', '*'];

    /// <summary>Azure Storage queue names: 3–63 characters, lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public static bool IsStorageQueueName(string? name) =>
        name is { Length: >= 3 and <= 63 }
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-'
        && !name.Contains("--", StringComparison.Ordinal);

    public static bool IsServiceBusEntityName(string? name) =>
        name is { Length: >= 1 and <= MaxServiceBusEntityName }
        && name[0] != '/' && name[^1] != '/'
        && name.IndexOfAny(ServiceBusRestrictedCharacters) < 0;
}
