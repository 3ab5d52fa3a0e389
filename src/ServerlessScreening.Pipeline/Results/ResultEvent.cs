using Newtonsoft.Json;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Results;

/// <summary>The <c>data</c> of a result event (OUTPUTS.md, "Result messages").</summary>
public sealed record ResultData
{
    public required string SiteId { get; init; }

    public required string PatientId { get; init; }

    public required string Outcome { get; init; }

    public required IReadOnlyList<string> Failed { get; init; }

    public required IReadOnlyList<string> Unknown { get; init; }

    public required IReadOnlyList<string> Confirm { get; init; }

    /// <summary>Container-qualified name of the verdict blob, e.g. <c>verdicts/site-001/P0001.json</c>.</summary>
    public required string Verdict { get; init; }

    public required string ScreeningDate { get; init; }

    public required ProtocolRef Protocol { get; init; }
}

/// <summary>
/// A CloudEvents 1.0 event in the JSON event format. <see cref="Id"/> is derived from the content of the verdict change:
/// the digest of the previous verdict and of the new one. Publishing the same change again gives the same id, so a
/// consumer (or Service Bus duplicate detection) recognises the repeat, while a verdict that changes back (A → B → A)
/// is a new change with a new id and is not mistaken for a duplicate.
/// </summary>
public sealed record ResultEvent
{
    public const string EventType = "org.serverlessscreening.verdict.changed.v1";

    [JsonProperty("specversion")]
    public string SpecVersion { get; init; } = "1.0";

    [JsonProperty("id")]
    public required string Id { get; init; }

    [JsonProperty("source")]
    public required string Source { get; init; }

    [JsonProperty("type")]
    public string Type { get; init; } = EventType;

    [JsonProperty("subject")]
    public required string Subject { get; init; }

    [JsonProperty("time")]
    public required DateTimeOffset Time { get; init; }

    [JsonProperty("datacontenttype")]
    public string DataContentType { get; init; } = "application/json";

    /// <summary>W3C trace context (CloudEvents distributed tracing extension), so one trace runs from upload to published event.</summary>
    [JsonProperty("traceparent", NullValueHandling = NullValueHandling.Ignore)]
    public string? TraceParent { get; init; }

    [JsonProperty("data")]
    public required ResultData Data { get; init; }

    public static ResultEvent For(Verdict verdict, string? previousDigest, string digest, string verdictBlob, string? traceParent)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return new ResultEvent
        {
            Id = IdOf(previousDigest, digest),
            Source = $"/serverless-screening/sites/{verdict.SiteId}",
            Subject = verdictBlob,
            Time = verdict.EvaluatedAt,
            TraceParent = traceParent,
            Data = new ResultData
            {
                SiteId = verdict.SiteId,
                PatientId = verdict.PatientId,
                Outcome = verdict.Outcome,
                Failed = Ids(verdict, CriterionStatus.Fail),
                Unknown = Ids(verdict, CriterionStatus.Unknown),
                Confirm = Ids(verdict, CriterionStatus.Confirm),
                Verdict = verdictBlob,
                ScreeningDate = verdict.ScreeningDate,
                Protocol = verdict.Protocol,
            },
        };
    }

    public static string IdOf(string? previousDigest, string digest) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{previousDigest ?? "none"}>{digest}")));

    public string ToJson() => JsonConvert.SerializeObject(this, Formatting.None, ContractJson.Settings);

    private static List<string> Ids(Verdict verdict, CriterionStatus status) =>
        verdict.Criteria.Where(c => c.Status == status).Select(c => c.Id).ToList();
}
